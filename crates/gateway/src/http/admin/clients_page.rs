//! The OAuth clients page: Generate Credentials (client id and secret shown once),
//! the URLs to paste into Okta, redirect URIs with Okta's presets, secret rotation,
//! deletion, and the grants admins approved, with revocation. The rules are
//! `crate::clients`', shared with the CLI and the JSON API.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::console::{Chrome, Console, Flash, form_session, redirect_with};
use super::session::AdminSession;
use crate::access::rfc3339;
use crate::clients::{self, ClientError};
use crate::state::AppState;

const PAGE: &str = "/admin/clients";

struct ClientView {
    client_id: String,
    name: String,
    created: String,
    redirect_uris: Vec<String>,
}

struct GrantView {
    id: Uuid,
    client_id: String,
    approved_by: String,
    created: String,
    last_used: String,
    status: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "clients.html")]
struct ClientsPage {
    chrome: Chrome,
    authorization_url: String,
    token_url: String,
    tenant_url: String,
    clients: Vec<ClientView>,
    grants: Vec<GrantView>,
}

pub(super) async fn clients(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, PAGE).await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let (Ok(all), Ok(grants)) = (
        app.store.clients(Some(&admin.workspace_id)).await,
        app.store.grants(&admin.workspace_id).await,
    ) else {
        return super::unavailable().into_response();
    };
    let day = |t: time::OffsetDateTime| rfc3339(t).replace('T', " ").chars().take(19).collect();
    finish.render(&ClientsPage {
        chrome,
        authorization_url: app.urls.at("/oauth/authorize"),
        token_url: app.urls.at("/oauth/token"),
        tenant_url: app.urls.scim_base(),
        clients: all
            .into_iter()
            .map(|c| ClientView {
                created: day(c.created_at),
                client_id: c.client_id,
                name: c.name,
                redirect_uris: c.redirect_uris,
            })
            .collect(),
        grants: grants
            .into_iter()
            .map(|g| GrantView {
                id: g.id,
                approved_by: g.approved_by.unwrap_or_else(|| g.grant_type.clone()),
                created: day(g.created_at),
                last_used: g.last_used_at.map_or_else(|| "never".to_owned(), day),
                live: g.revoked_at.is_none(),
                status: g.revoked_at.map_or_else(
                    || "active".to_owned(),
                    |_| g.revoked_reason.unwrap_or_else(|| "revoked".to_owned()),
                ),
                client_id: g.client_id,
            })
            .collect(),
    })
}

fn refused(e: &ClientError) -> Flash {
    match e {
        ClientError::Invalid(m) => Flash::error(m.clone()),
        ClientError::NoWorkspace => Flash::error("No such OAuth client in this workspace."),
        ClientError::Store(e) => {
            tracing::warn!(error = %e, "console client action failed");
            Flash::error("The database is unavailable; nothing was changed. Try again shortly.")
        }
    }
}

#[derive(Deserialize)]
pub(super) struct NewClientForm {
    csrf: String,
    name: String,
    #[serde(default)]
    okta_app: String,
    #[serde(default)]
    redirect_uri: String,
}

/// Generate Credentials.
pub(super) async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<NewClientForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let change = admin.change(app.clock.now());
    let given: Vec<String> = Some(f.redirect_uri.trim().to_owned())
        .filter(|u| !u.is_empty())
        .into_iter()
        .collect();
    let okta = Some(f.okta_app.trim()).filter(|a| !a.is_empty());
    let created = async {
        let uris = clients::redirect_list(&given, okta)?;
        let (client, secret) = clients::create(
            &app.store,
            Some(&admin.workspace_id),
            &uris,
            &f.name,
            false,
            change.now,
        )
        .await?;
        clients::audit(&app.store, &change, "client.created", &client, "").await?;
        Ok::<_, ClientError>((client, secret))
    }
    .await;
    let flash = match created {
        Ok((c, secret)) => Flash::ok(format!(
            "Generated credentials for \"{}\". Paste the client ID and secret into Okta now.",
            c.name
        ))
        .secret("Client ID", &c.client_id)
        .secret("Client secret", secret.expose()),
        Err(e) => refused(&e),
    };
    redirect_with(PAGE, &flash, &app)
}

#[derive(Deserialize)]
pub(super) struct ActionForm {
    csrf: String,
    client_id: String,
    op: String,
    #[serde(default)]
    value: String,
}

/// Every change to one client or grant: `op` says which.
pub(super) async fn action(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let flash = match act(&app, &admin, &f).await {
        Ok(flash) => flash,
        Err(e) => refused(&e),
    };
    redirect_with(PAGE, &flash, &app)
}

async fn act(app: &AppState, admin: &AdminSession, f: &ActionForm) -> Result<Flash, ClientError> {
    let change = admin.change(app.clock.now());
    let value = f.value.trim();
    Ok(match f.op.as_str() {
        "add_uri" | "add_okta" | "remove_uri" => {
            let add = f.op != "remove_uri";
            let (uris, okta) = if f.op == "add_okta" {
                (Vec::new(), Some(value))
            } else {
                (vec![value.to_owned()], None)
            };
            let c =
                clients::change_redirect_uris(&app.store, &change, &f.client_id, &uris, okta, add)
                    .await?;
            Flash::ok(format!(
                "{} now has {} redirect URIs.",
                c.name,
                c.redirect_uris.len()
            ))
        }
        "rotate" => {
            let c = clients::owned(&app.store, &admin.workspace_id, &f.client_id).await?;
            let (secret, until) = clients::rotate(
                &app.store,
                &c.client_id,
                std::time::Duration::from_secs(86_400),
                change.now,
            )
            .await?;
            clients::audit(&app.store, &change, "client.secret_rotated", &c, "").await?;
            Flash::ok(format!(
                "Rotated the secret of \"{}\". The previous one works until {}; update Okta before then.",
                c.name,
                rfc3339(until)
            ))
            .secret("New client secret", secret.expose())
        }
        "delete" => {
            let c = clients::owned(&app.store, &admin.workspace_id, &f.client_id).await?;
            clients::delete(&app.store, &change, &c).await?;
            Flash::ok(format!(
                "Deleted \"{}\"; every grant and token issued to it is revoked.",
                c.name
            ))
        }
        "revoke_grant" => {
            let id = Uuid::parse_str(value)
                .map_err(|_| ClientError::Invalid("No such grant in this workspace.".into()))?;
            let grant = app
                .store
                .grant(id)
                .await
                .map_err(ClientError::Store)?
                .filter(|g| g.workspace_id == admin.workspace_id)
                .ok_or_else(|| ClientError::Invalid("No such grant in this workspace.".into()))?;
            super::grants_api::revoke_grant(app, admin, &grant)
                .await
                .map_err(ClientError::Store)?;
            Flash::ok(format!(
                "Revoked the grant of {}: its next SCIM request gets 401.",
                grant.client_id
            ))
        }
        _ => Flash::error("Unknown action."),
    })
}
