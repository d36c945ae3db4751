//! OAuth clients as workspace admins manage them, shared by the CLI and the admin
//! API: redirect-URI rules, credential generation and the JSON both print.

use oauth::{PlainToken, RedirectUri, SecretKind};
use serde_json::{Value, json};
use store::{AuditEntry, Change, ClientRecord, NewClient, Store, StoreError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Urls;

/// Most redirect URIs one client may register (RFC 6819 §5.2.3.5: keep the list short).
pub const MAX_REDIRECT_URIS: usize = 20;
/// Longest client name (shown on the consent page).
pub const MAX_NAME_LEN: usize = 100;

/// A client request that cannot be honoured, in words for the admin.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Invalid(String),
    #[error("no such workspace")]
    NoWorkspace,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ClientError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NoWorkspace,
            other => Self::Store(other),
        }
    }
}

/// The redirect URIs to register: each checked (https, or http on loopback; no
/// fragment, wildcard or userinfo), plus Okta's callback URIs for `okta_app`.
pub fn redirect_list(given: &[String], okta_app: Option<&str>) -> Result<Vec<String>, ClientError> {
    let mut uris = Vec::new();
    for raw in given {
        let uri = RedirectUri::parse(raw)
            .map_err(|e| ClientError::Invalid(format!("redirect URI {raw}: {e}")))?;
        uris.push(uri.as_str().to_owned());
    }
    if let Some(app) = okta_app {
        let presets = oauth::okta_presets(app)
            .map_err(|e| ClientError::Invalid(format!("Okta app name {app}: {e}")))?;
        uris.extend(presets.iter().map(|u| u.as_str().to_owned()));
    }
    uris.dedup();
    if uris.is_empty() {
        return Err(ClientError::Invalid(
            "give at least one redirect URI, or the app name Okta shows to add Okta's callback URIs".into(),
        ));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(ClientError::Invalid(format!(
            "at most {MAX_REDIRECT_URIS} redirect URIs per client"
        )));
    }
    Ok(uris)
}

/// Generates a client id and secret and stores the client; the secret is returned
/// for showing once.
pub async fn create(
    store: &Store,
    workspace: Option<&str>,
    uris: &[String],
    name: &str,
    require_pkce: bool,
    now: OffsetDateTime,
) -> Result<(ClientRecord, PlainToken), ClientError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(ClientError::Invalid(format!(
            "the client name must have 1 to {MAX_NAME_LEN} characters"
        )));
    }
    let id = PlainToken::generate(SecretKind::ClientId);
    let secret = PlainToken::generate(SecretKind::ClientSecret);
    let created = store
        .create_client(&NewClient {
            client_id: id.expose(),
            workspace_id: workspace,
            name,
            secret_hash: secret.hash().as_str(),
            require_pkce,
            redirect_uris: uris,
            now,
        })
        .await?;
    Ok((created, secret))
}

/// A client as JSON, with the URLs an Okta admin pastes; the secret only when it
/// was just generated.
pub fn to_json(c: &ClientRecord, urls: &Urls, secret: Option<&PlainToken>) -> Value {
    let mut v = json!({
        "client_id": c.client_id,
        "name": c.name,
        "workspace": c.workspace_id,
        "redirect_uris": c.redirect_uris,
        "require_pkce": c.require_pkce,
        "created_at": c.created_at.format(&Rfc3339).ok(),
        "authorization_url": urls.at("/oauth/authorize"),
        "token_url": urls.at("/oauth/token"),
        "tenant_url": urls.scim_base(),
    });
    if let Some(s) = secret {
        v["client_secret"] = json!(s.expose());
    }
    v
}

/// Replaces a client's secret; the old one works for `overlap` more (at most 30
/// days), so the IdP can be updated without an outage. Returns the new secret and
/// when the old one dies; `NoWorkspace` stands for an unknown client here.
pub async fn rotate(
    store: &Store,
    client_id: &str,
    overlap: std::time::Duration,
    now: OffsetDateTime,
) -> Result<(PlainToken, OffsetDateTime), ClientError> {
    let until = time::Duration::try_from(overlap)
        .ok()
        .filter(|d| *d <= time::Duration::days(30))
        .map(|d| now + d)
        .ok_or_else(|| ClientError::Invalid("the overlap can be at most 30 days".into()))?;
    let secret = PlainToken::generate(SecretKind::ClientSecret);
    store
        .rotate_client_secret(client_id, secret.hash().as_str(), until)
        .await?;
    Ok((secret, until))
}

/// The workspace's own client with this id; `NoWorkspace` for any other (a vendor
/// client, another workspace's, or none), so nothing of another workspace shows.
pub async fn owned(
    store: &Store,
    workspace: &str,
    client_id: &str,
) -> Result<ClientRecord, ClientError> {
    match store.client(client_id).await.map_err(ClientError::Store)? {
        Some(c) if c.workspace_id.as_deref() == Some(workspace) => Ok(c),
        _ => Err(ClientError::NoWorkspace),
    }
}

/// Adds (checked, and with Okta's presets for `okta_app`) or removes redirect URIs
/// of the workspace's client `client_id`, auditing each change.
pub async fn change_redirect_uris(
    store: &Store,
    change: &Change<'_>,
    client_id: &str,
    uris: &[String],
    okta_app: Option<&str>,
    add: bool,
) -> Result<ClientRecord, ClientError> {
    let client = owned(store, change.workspace, client_id).await?;
    let uris = if add {
        redirect_list(uris, okta_app)?
    } else {
        uris.to_vec()
    };
    if add && client.redirect_uris.len() + uris.len() > MAX_REDIRECT_URIS {
        return Err(ClientError::Invalid(format!(
            "at most {MAX_REDIRECT_URIS} redirect URIs per client"
        )));
    }
    let action = if add {
        "client.redirect_uri_added"
    } else {
        "client.redirect_uri_removed"
    };
    for uri in &uris {
        if add && client.redirect_uris.contains(uri) {
            continue;
        }
        store
            .set_redirect_uri(client_id, uri, add, change.now)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    ClientError::Invalid(format!("{uri} is not a registered redirect URI"))
                }
                other => ClientError::Store(other),
            })?;
        audit(store, change, action, &client, uri).await?;
    }
    owned(store, change.workspace, client_id).await
}

/// One audit row about `client`; `detail` names what changed (e.g. a redirect URI).
pub async fn audit(
    store: &Store,
    change: &Change<'_>,
    action: &str,
    client: &ClientRecord,
    detail: &str,
) -> Result<(), ClientError> {
    let name = if detail.is_empty() {
        format!("{} ({})", client.name, client.client_id)
    } else {
        format!("{} ({}): {detail}", client.name, client.client_id)
    };
    store
        .audit(
            change,
            &AuditEntry {
                action,
                resource_type: "oauth_client",
                resource_id: client.id,
                resource_name: &name,
            },
        )
        .await
        .map_err(ClientError::Store)
}

/// Deletes the workspace's `client` (every grant and token issued to it dies with
/// it) and audits it.
pub async fn delete(
    store: &Store,
    change: &Change<'_>,
    client: &ClientRecord,
) -> Result<(), ClientError> {
    store
        .delete_client(&client.client_id)
        .await
        .map_err(ClientError::Store)?;
    audit(store, change, "client.deleted", client, "").await
}
