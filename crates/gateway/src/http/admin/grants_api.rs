//! `/admin/api/oauth/grants`: what each OAuth client may do in the workspace, who
//! approved it and when it was last used; revoking one makes the next SCIM
//! request with its tokens a 401.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::api::{error, store_error};
use super::session::{AdminAuth, AdminSession};
use crate::state::AppState;
use store::{AuditEntry, GrantRecord};

fn time(t: Option<time::OffsetDateTime>) -> Option<String> {
    t.and_then(|t| t.format(&Rfc3339).ok())
}

/// Revokes the workspace's grant and audits it; whether it was live.
pub(super) async fn revoke_grant(
    app: &AppState,
    admin: &AdminSession,
    grant: &GrantRecord,
) -> Result<bool, store::StoreError> {
    let change = admin.change(app.clock.now());
    let reason = format!("revoked by {}", admin.actor);
    let live = app
        .store
        .revoke_grant(grant.id, None, &reason, change.now)
        .await?;
    app.store
        .audit(
            &change,
            &AuditEntry {
                action: "grant.revoked",
                resource_type: "grant",
                resource_id: grant.id,
                resource_name: &grant.client_id,
            },
        )
        .await?;
    Ok(live)
}

#[utoipa::path(get, path = "/admin/api/oauth/grants", tag = "oauth-grants", responses((status = 200, description = "`{\"grants\": […]}`: client, approver, created, last used, revoked"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn list(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> Response {
    let grants = match app.store.grants(&admin.workspace_id).await {
        Ok(g) => g,
        Err(e) => return store_error(&e),
    };
    let items: Vec<_> = grants
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "client_id": g.client_id,
                "grant_type": g.grant_type,
                "scope": g.scope,
                "approved_by": g.approved_by,
                "created_at": time(Some(g.created_at)),
                "last_used_at": time(g.last_used_at),
                "revoked_at": time(g.revoked_at),
                "revoked_reason": g.revoked_reason,
            })
        })
        .collect();
    Json(json!({"grants": items})).into_response()
}

#[utoipa::path(post, path = "/admin/api/oauth/grants/{id}/revoke", tag = "oauth-grants", params(("id" = Uuid, Path)), responses((status = 200, description = "revoked; the next SCIM request with its tokens gets 401"), (status = 404, description = "no such grant here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn revoke(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match app.store.grant(id).await {
        Ok(g) => g.filter(|g| g.workspace_id == admin.workspace_id),
        Err(e) => return store_error(&e),
    };
    let Some(grant) = grant else {
        return error(StatusCode::NOT_FOUND, "no such grant in this workspace");
    };
    match revoke_grant(&app, &admin, &grant).await {
        Ok(revoked) => {
            tracing::info!(workspace.id = %admin.workspace_id, "grant revoked by an admin");
            Json(json!({"id": grant.id, "revoked": true, "was_live": revoked})).into_response()
        }
        Err(e) => store_error(&e),
    }
}
