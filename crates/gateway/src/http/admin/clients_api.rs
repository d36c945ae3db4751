//! `/admin/api/oauth/clients`: Generate Credentials, redirect URIs, secret
//! rotation and deletion for the signed-in admin's workspace. Vendor-level
//! clients are managed by the vendor with the CLI only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use store::ClientRecord;
use time::format_description::well_known::Rfc3339;

use super::api::{error, store_error};
use super::session::{AdminAuth, AdminSession};
use crate::clients::{self, ClientError};
use crate::state::AppState;

fn client_error(e: &ClientError) -> Response {
    match e {
        ClientError::Invalid(m) => error(StatusCode::BAD_REQUEST, m),
        ClientError::NoWorkspace => error(
            StatusCode::NOT_FOUND,
            "no such OAuth client in this workspace",
        ),
        ClientError::Store(s) => store_error(s),
    }
}

/// The workspace's own client with this id, or the response to send.
async fn owned(app: &AppState, workspace: &str, client_id: &str) -> Result<ClientRecord, Response> {
    clients::owned(&app.store, workspace, client_id)
        .await
        .map_err(|e| client_error(&e))
}

#[utoipa::path(get, path = "/admin/api/oauth/clients", tag = "oauth-clients", responses((status = 200, description = "`{\"clients\": […]}` with the Authorization, Token and Tenant URLs (never secrets)"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn list(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> Response {
    match app.store.clients(Some(&admin.workspace_id)).await {
        Ok(all) => {
            let items: Vec<_> = all
                .iter()
                .map(|c| clients::to_json(c, &app.urls, None))
                .collect();
            Json(json!({ "clients": items })).into_response()
        }
        Err(e) => store_error(&e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewClient {
    #[serde(default = "default_name")]
    name: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    /// Adds Okta's callback URIs for this app name.
    okta_app: Option<String>,
    #[serde(default)]
    require_pkce: bool,
}

fn default_name() -> String {
    "Okta".to_owned()
}

#[utoipa::path(post, path = "/admin/api/oauth/clients", tag = "oauth-clients", request_body = NewClient, responses((status = 201, description = "Generate Credentials: client id and secret (in this response only) and the URLs to paste into Okta"), (status = 400, description = "bad name or redirect URI"), (status = 401, description = "no admin session or API key")))]
/// Generate Credentials: the secret is in this response only.
pub(super) async fn create(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(req): Json<NewClient>,
) -> Response {
    let change = admin.change(app.clock.now());
    let created = async {
        let uris = clients::redirect_list(&req.redirect_uris, req.okta_app.as_deref())?;
        let (client, secret) = clients::create(
            &app.store,
            Some(&admin.workspace_id),
            &uris,
            &req.name,
            req.require_pkce,
            change.now,
        )
        .await?;
        clients::audit(&app.store, &change, "client.created", &client, "").await?;
        Ok((client, secret))
    }
    .await;
    match created {
        Ok((client, secret)) => {
            tracing::info!(workspace.id = %admin.workspace_id, "OAuth client created by an admin");
            (
                StatusCode::CREATED,
                super::super::oauth::no_store(),
                Json(clients::to_json(&client, &app.urls, Some(&secret))),
            )
                .into_response()
        }
        Err(e) => client_error(&e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Rotation {
    /// Seconds the previous secret keeps working (default one day).
    #[serde(default = "default_overlap")]
    overlap_seconds: u64,
}

fn default_overlap() -> u64 {
    86_400
}

#[utoipa::path(post, path = "/admin/api/oauth/clients/{client_id}/rotate-secret", tag = "oauth-clients", params(("client_id" = String, Path)), request_body = Rotation, responses((status = 200, description = "the new secret, in this response only, and until when the previous one works"), (status = 404, description = "no such client here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn rotate(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(client_id): Path<String>,
    Json(req): Json<Rotation>,
) -> Response {
    let client = match owned(&app, &admin.workspace_id, &client_id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let overlap = std::time::Duration::from_secs(req.overlap_seconds);
    let change = admin.change(app.clock.now());
    let rotated = async {
        let out = clients::rotate(&app.store, &client_id, overlap, change.now).await?;
        clients::audit(&app.store, &change, "client.secret_rotated", &client, "").await?;
        Ok::<_, ClientError>(out)
    }
    .await;
    match rotated {
        Ok((secret, until)) => (
            StatusCode::OK,
            super::super::oauth::no_store(),
            Json(json!({
                "client_id": client_id,
                "client_secret": secret.expose(),
                "previous_secret_valid_until": until.format(&Rfc3339).ok(),
            })),
        )
            .into_response(),
        Err(e) => client_error(&e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Uri {
    uri: String,
}

async fn redirect_uri(
    app: &AppState,
    admin: &AdminSession,
    client_id: &str,
    uri: &str,
    add: bool,
) -> Response {
    let change = admin.change(app.clock.now());
    match clients::change_redirect_uris(
        &app.store,
        &change,
        client_id,
        &[uri.to_owned()],
        None,
        add,
    )
    .await
    {
        Ok(c) => Json(clients::to_json(&c, &app.urls, None)).into_response(),
        Err(ClientError::Invalid(m)) if !add => error(StatusCode::NOT_FOUND, &m),
        Err(e) => client_error(&e),
    }
}

#[utoipa::path(post, path = "/admin/api/oauth/clients/{client_id}/redirect-uris", tag = "oauth-clients", params(("client_id" = String, Path)), request_body = Uri, responses((status = 200, description = "the client"), (status = 400, description = "bad redirect URI"), (status = 404, description = "no such client here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn add_redirect_uri(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(client_id): Path<String>,
    Json(req): Json<Uri>,
) -> Response {
    redirect_uri(&app, &admin, &client_id, &req.uri, true).await
}

#[utoipa::path(delete, path = "/admin/api/oauth/clients/{client_id}/redirect-uris", tag = "oauth-clients", params(("client_id" = String, Path)), request_body = Uri, responses((status = 200, description = "the client"), (status = 404, description = "no such client or redirect URI here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn remove_redirect_uri(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(client_id): Path<String>,
    Json(req): Json<Uri>,
) -> Response {
    redirect_uri(&app, &admin, &client_id, &req.uri, false).await
}

#[utoipa::path(delete, path = "/admin/api/oauth/clients/{client_id}", tag = "oauth-clients", params(("client_id" = String, Path)), responses((status = 204, description = "deleted; its grants and tokens are revoked"), (status = 404, description = "no such client here"), (status = 401, description = "no admin session or API key")))]
/// Deletes the client; every grant and token issued to it dies with it.
pub(super) async fn delete(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(client_id): Path<String>,
) -> Response {
    let client = match owned(&app, &admin.workspace_id, &client_id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let change = admin.change(app.clock.now());
    match clients::delete(&app.store, &change, &client).await {
        Ok(()) => {
            tracing::info!(workspace.id = %admin.workspace_id, "OAuth client deleted by an admin");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => client_error(&e),
    }
}
