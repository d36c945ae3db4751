//! `scimgate admin …` and `scimgate client …`: workspace admins who approve
//! Okta's OAuth request, and the OAuth clients Okta authenticates as.

use std::fmt::Write as _;
use std::io::BufRead;

use clap::Subcommand;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use store::{Store, StoreError, UniqueField};

use super::{CliError, Output, no_workspace, rfc3339};
use crate::access;
use crate::clients::{self, ClientError};
use crate::clock::Clock;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a workspace admin who can sign in to the console and approve OAuth
    /// requests. Without --password-stdin a password is generated and printed once.
    Create {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a workspace's admins.
    List {
        #[arg(long)]
        workspace: String,
    },
    /// Admin API keys: scripts calling /admin/api as the workspace's admin.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an admin API key; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        workspace: String,
        /// A name to recognise the key by, e.g. "provisioning-script".
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Generate OAuth client credentials; the secret is printed once.
    Create {
        /// The workspace whose admins may approve this client. Omit with --vendor.
        #[arg(long, required_unless_present = "vendor", conflicts_with = "vendor")]
        workspace: Option<String>,
        /// A vendor-level client (one client id for every customer, as in Okta's
        /// catalog): the approving admin's workspace owns each grant.
        #[arg(long)]
        vendor: bool,
        /// An exact redirect URI to allow (repeatable).
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Also allow Okta's callback URIs for this app name (okta.com, okta-emea.com,
        /// oktapreview.com, trexcloud.com).
        #[arg(long, value_name = "APP_NAME")]
        okta_app: Option<String>,
        /// A name shown on the consent page, e.g. the IdP.
        #[arg(long, default_value = "Okta")]
        name: String,
        /// Require PKCE (S256) on every authorization request (Okta does not send it).
        #[arg(long)]
        require_pkce: bool,
    },
    /// List clients (never their secrets).
    List {
        #[arg(long, required_unless_present = "vendor", conflicts_with = "vendor")]
        workspace: Option<String>,
        #[arg(long)]
        vendor: bool,
    },
    /// Replace the client secret; the old one keeps working for --overlap.
    RotateSecret {
        #[arg(long)]
        client_id: String,
        /// How long the previous secret stays valid, e.g. 24h or 0s.
        #[arg(long, default_value = "24h")]
        overlap: humantime::Duration,
    },
    /// Allow one more redirect URI.
    AddRedirectUri {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        uri: String,
    },
    /// Stop allowing a redirect URI.
    RemoveRedirectUri {
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        uri: String,
    },
    /// Delete the client and revoke every grant and token issued to it.
    Delete {
        #[arg(long)]
        client_id: String,
    },
}

pub(super) async fn admin(store: &Store, out: &Output, cmd: AdminCommand) -> Result<(), CliError> {
    match cmd {
        AdminCommand::Create {
            workspace,
            email,
            password_stdin,
        } => {
            let email = email.trim().to_lowercase();
            if !valid_email(&email) {
                return Err(CliError::User(format!(
                    "\"{email}\" is not an e-mail address"
                )));
            }
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (
                    SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()),
                    false,
                )
            } else {
                (oauth::generate_password(), true)
            };
            let hash =
                oauth::hash_password(&password).map_err(|e| CliError::User(e.to_string()))?;
            store
                .create_admin(&workspace, &email, &hash, Clock.now())
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => no_workspace(&workspace),
                    StoreError::Conflict(UniqueField::AdminEmail) => {
                        CliError::User(format!("an admin with e-mail {email} already exists"))
                    }
                    other => other.into(),
                })?;
            let mut body = json!({"email": email, "workspace": workspace});
            let mut text = format!("Created admin {email} of workspace {workspace}.");
            if generated {
                body["password"] = json!(password.expose_secret());
                let _ = write!(
                    text,
                    "\nPassword (shown only this once):\n\n    {}\n",
                    password.expose_secret()
                );
            }
            out.print(&body, &text);
        }
        AdminCommand::List { workspace } => {
            let admins = store.admins(&workspace).await.map_err(|e| match e {
                StoreError::NotFound => no_workspace(&workspace),
                other => other.into(),
            })?;
            let items: Vec<_> = admins
                .iter()
                .map(|a| json!({"email": a.email, "created_at": rfc3339(a.created_at)}))
                .collect();
            let text = admins
                .iter()
                .map(|a| a.email.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            out.print(
                &json!({"workspace": workspace, "admins": items}),
                if text.is_empty() { "No admins." } else { &text },
            );
        }
        AdminCommand::ApiKey(ApiKeyCommand::Create { workspace, name }) => {
            let (key, plain) = access::create_api_key(store, &super::cli_change(&workspace), &name)
                .await
                .map_err(|e| super::access_error(e, &workspace))?;
            let mut body = access::api_key_json(&key);
            body["key"] = json!(plain.expose());
            out.print(
                &body,
                &format!(
                    "Created API key \"{}\" for workspace {workspace}.\n\
                     Copy it now; it is shown only this once:\n\n    {}\n\n\
                     Send it as 'Authorization: Bearer <key>' to /admin/api.",
                    key.name,
                    plain.expose()
                ),
            );
        }
    }
    Ok(())
}

/// A deliberately loose check: one `@` with something on both sides and no spaces.
fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
}

#[expect(clippy::too_many_lines, reason = "one short arm per subcommand")]
pub(super) async fn client(
    store: &Store,
    config: &Config,
    out: &Output,
    cmd: ClientCommand,
) -> Result<(), CliError> {
    let now = Clock.now();
    let unknown = |id: &str| {
        CliError::User(format!(
            "no OAuth client \"{id}\" (see `scimgate client list`)"
        ))
    };
    match cmd {
        ClientCommand::Create {
            workspace,
            vendor: _,
            redirect_uris,
            okta_app,
            name,
            require_pkce,
        } => {
            let uris = clients::redirect_list(&redirect_uris, okta_app.as_deref())
                .map_err(|e| cli_error(e, ""))?;
            client_create(
                store,
                config,
                out,
                workspace.as_deref(),
                &uris,
                name.trim(),
                require_pkce,
            )
            .await?;
        }
        ClientCommand::List {
            workspace,
            vendor: _,
        } => {
            if let Some(ws) = &workspace {
                store.workspace(ws).await.map_err(|e| match e {
                    StoreError::NotFound => no_workspace(ws),
                    other => other.into(),
                })?;
            }
            let all = store.clients(workspace.as_deref()).await?;
            let public = crate::Urls::new(&crate::public_url(config, config.listen));
            let items: Vec<_> = all
                .iter()
                .map(|c| clients::to_json(c, &public, None))
                .collect();
            let text = all
                .iter()
                .map(|c| format!("{}\t{}\t{}", c.client_id, c.name, c.redirect_uris.join(" ")))
                .collect::<Vec<_>>()
                .join("\n");
            out.print(
                &json!({"clients": items}),
                if text.is_empty() {
                    "No OAuth clients."
                } else {
                    &text
                },
            );
        }
        ClientCommand::RotateSecret { client_id, overlap } => {
            let (secret, until) = clients::rotate(store, &client_id, *overlap, now)
                .await
                .map_err(|e| match e {
                    ClientError::NoWorkspace => unknown(&client_id),
                    other => cli_error(other, ""),
                })?;
            out.print(
                &json!({"client_id": client_id, "client_secret": secret.expose(), "previous_secret_valid_until": rfc3339(until)}),
                &format!(
                    "New secret for {client_id} (shown only this once):\n\n    {}\n\n\
                     The previous secret keeps working until {}.",
                    secret.expose(),
                    rfc3339(until)
                ),
            );
        }
        ClientCommand::AddRedirectUri { client_id, uri } => {
            let uri = clients::redirect_list(std::slice::from_ref(&uri), None)
                .map_err(|e| cli_error(e, ""))?
                .remove(0);
            store
                .set_redirect_uri(&client_id, &uri, true, now)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => unknown(&client_id),
                    other => other.into(),
                })?;
            out.print(
                &json!({"client_id": client_id, "added": uri}),
                &format!("Redirect URI {uri} is now allowed for {client_id}."),
            );
        }
        ClientCommand::RemoveRedirectUri { client_id, uri } => {
            store
                .set_redirect_uri(&client_id, &uri, false, now)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => CliError::User(format!(
                        "client \"{client_id}\" does not exist or does not allow {uri}"
                    )),
                    other => other.into(),
                })?;
            out.print(
                &json!({"client_id": client_id, "removed": uri}),
                &format!("Redirect URI {uri} is no longer allowed for {client_id}."),
            );
        }
        ClientCommand::Delete { client_id } => {
            store.delete_client(&client_id).await.map_err(|e| match e {
                StoreError::NotFound => unknown(&client_id),
                other => other.into(),
            })?;
            out.print(
                &json!({"client_id": client_id, "deleted": true}),
                &format!("Deleted OAuth client {client_id}; every grant and token issued to it is revoked."),
            );
        }
    }
    Ok(())
}

async fn client_create(
    store: &Store,
    config: &Config,
    out: &Output,
    workspace: Option<&str>,
    uris: &[String],
    name: &str,
    require_pkce: bool,
) -> Result<(), CliError> {
    let (created, secret) =
        clients::create(store, workspace, uris, name, require_pkce, Clock.now())
            .await
            .map_err(|e| cli_error(e, workspace.unwrap_or_default()))?;
    let public = crate::Urls::new(&crate::public_url(config, config.listen));
    let body = clients::to_json(&created, &public, Some(&secret));
    let text = format!(
        "Created OAuth client \"{}\" for {}.\n\
         Copy the secret now; it is shown only this once.\n\n\
         Client ID:          {}\n\
         Client secret:      {}\n\
         Authorization URL:  {}\n\
         Token URL:          {}\n\
         Tenant URL:         {}\n\
         Redirect URIs:\n    {}",
        created.name,
        created.workspace_id.as_deref().map_or_else(
            || "every workspace (vendor-level)".to_owned(),
            |w| format!("workspace {w}")
        ),
        created.client_id,
        secret.expose(),
        public.at("/oauth/authorize"),
        public.at("/oauth/token"),
        public.scim_base(),
        created.redirect_uris.join("\n    "),
    );
    out.print(&body, &text);
    Ok(())
}

fn cli_error(e: ClientError, workspace: &str) -> CliError {
    match e {
        ClientError::Invalid(m) => CliError::User(m),
        ClientError::NoWorkspace => no_workspace(workspace),
        ClientError::Store(s) => s.into(),
    }
}
