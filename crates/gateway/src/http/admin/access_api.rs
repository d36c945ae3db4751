//! `/admin/api/settings`, `/admin/api/tokens`, `/admin/api/api-keys` and
//! `/admin/api/audit`: Provisioning settings, SCIM bearer tokens, admin API keys and
//! the audit log of the caller's workspace. Secrets are in the creating response only.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::{AuditFilter, ScimSettings};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::api::{error, store_error};
use super::session::AdminAuth;
use crate::access::{self, AccessError};
use crate::state::AppState;

/// A `datetime-local` form value.
const LOCAL_MINUTES: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");

/// Most audit rows one request returns.
const MAX_AUDIT_LIMIT: u32 = 500;
/// Longest token lifetime offered, in days (ten years).
const MAX_EXPIRY_DAYS: u32 = 3650;

pub(super) fn access_error(e: AccessError, what: &str) -> Response {
    match e {
        AccessError::Invalid(m) => error(StatusCode::BAD_REQUEST, &m),
        AccessError::NotFound => error(
            StatusCode::NOT_FOUND,
            &format!("no such {what} in this workspace"),
        ),
        AccessError::Store(s) => store_error(&s),
    }
}

/// The workspace's Provisioning settings.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    /// SCIM on: off answers every SCIM request with 403.
    pub(crate) scim_enabled: bool,
    /// SCIM accepts the workspace's bearer tokens.
    pub(crate) allow_bearer_tokens: bool,
    /// SCIM accepts OAuth access tokens.
    pub(crate) allow_oauth: bool,
    /// The Tenant URL (SCIM 2.0 base) an IdP admin pastes; ignored when sent
    /// (not `skip_deserializing`: utoipa would leave it out of the document).
    #[serde(default)]
    #[schema(read_only)]
    pub(crate) tenant_url: String,
}

impl Settings {
    pub(crate) fn of(s: ScimSettings, app: &AppState) -> Self {
        Self {
            scim_enabled: s.scim_enabled,
            allow_bearer_tokens: s.allow_bearer_tokens,
            allow_oauth: s.allow_oauth,
            tenant_url: app.urls.scim_base(),
        }
    }
}

#[utoipa::path(get, path = "/admin/api/settings", tag = "settings",
    responses((status = 200, body = Settings), (status = 401, description = "no admin session or API key")))]
pub(super) async fn settings(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> Response {
    match app.store.scim_settings(&admin.workspace_id).await {
        Ok(s) => Json(Settings::of(s, &app)).into_response(),
        Err(e) => store_error(&e),
    }
}

#[utoipa::path(put, path = "/admin/api/settings", tag = "settings", request_body = Settings,
    responses((status = 200, body = Settings), (status = 400, description = "bad body"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn set_settings(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(req): Json<Settings>,
) -> Response {
    let s = ScimSettings {
        scim_enabled: req.scim_enabled,
        allow_bearer_tokens: req.allow_bearer_tokens,
        allow_oauth: req.allow_oauth,
    };
    match app
        .store
        .set_scim_settings(&admin.change(app.clock.now()), s)
        .await
    {
        Ok(()) => Json(Settings::of(s, &app)).into_response(),
        Err(e) => store_error(&e),
    }
}

#[utoipa::path(get, path = "/admin/api/tokens", tag = "tokens",
    responses((status = 200, description = "`{\"tokens\": [{id, name, status, created_at, expires_at, last_used_at, revoked_at}]}`, newest first"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn tokens(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> Response {
    match app.store.tokens(&admin.workspace_id).await {
        Ok(all) => {
            let now = app.clock.now();
            let items: Vec<_> = all.iter().map(|t| access::token_json(t, now)).collect();
            Json(json!({ "tokens": items })).into_response()
        }
        Err(e) => store_error(&e),
    }
}

/// A new SCIM bearer token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    /// A name to recognise it by, unique among live tokens, e.g. `okta`.
    pub(crate) name: String,
    /// Days until it expires; never when absent.
    pub(crate) expires_in_days: Option<u32>,
}

/// Creates a token; `None` days means it never expires.
pub(super) async fn create_token_for(
    app: &AppState,
    admin: &super::session::AdminSession,
    req: &NewToken,
) -> Result<(store::TokenRecord, oauth::PlainToken), AccessError> {
    let days = req
        .expires_in_days
        .map(|d| {
            if (1..=MAX_EXPIRY_DAYS).contains(&d) {
                Ok(std::time::Duration::from_secs(u64::from(d) * 86_400))
            } else {
                Err(AccessError::Invalid(format!(
                    "expires_in_days must be 1 to {MAX_EXPIRY_DAYS}"
                )))
            }
        })
        .transpose()?;
    access::create_token(&app.store, &admin.change(app.clock.now()), &req.name, days).await
}

#[utoipa::path(post, path = "/admin/api/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, description = "the token, in this response only: `{id, name, status, …, token, tenant_url}`"),
        (status = 400, description = "bad name or expiry, or a live token has this name"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn create_token(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(req): Json<NewToken>,
) -> Response {
    match create_token_for(&app, &admin, &req).await {
        Ok((record, plain)) => {
            let mut body = access::token_json(&record, app.clock.now());
            body["token"] = json!(plain.expose());
            body["tenant_url"] = json!(app.urls.scim_base());
            (
                StatusCode::CREATED,
                super::super::oauth::no_store(),
                Json(body),
            )
                .into_response()
        }
        Err(e) => access_error(e, "token"),
    }
}

#[utoipa::path(delete, path = "/admin/api/tokens/{name}", tag = "tokens",
    params(("name" = String, Path, description = "the live token's name")),
    responses((status = 200, description = "the revoked token"), (status = 404, description = "no live token with this name here"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn revoke_token(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(name): Path<String>,
) -> Response {
    let now = app.clock.now();
    match access::revoke_token(&app.store, &admin.change(now), &name).await {
        Ok(t) => Json(access::token_json(&t, now)).into_response(),
        Err(e) => access_error(e, "live token"),
    }
}

#[utoipa::path(get, path = "/admin/api/api-keys", tag = "api-keys",
    responses((status = 200, description = "`{\"api_keys\": [{id, name, created_by, created_at, last_used_at, revoked_at}]}`, newest first"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn api_keys(State(app): State<AppState>, AdminAuth(admin): AdminAuth) -> Response {
    match app.store.api_keys(&admin.workspace_id).await {
        Ok(all) => {
            let items: Vec<_> = all.iter().map(access::api_key_json).collect();
            Json(json!({ "api_keys": items })).into_response()
        }
        Err(e) => store_error(&e),
    }
}

/// A new admin API key.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewApiKey {
    /// A name to recognise it by, unique among live keys.
    pub(crate) name: String,
}

#[utoipa::path(post, path = "/admin/api/api-keys", tag = "api-keys", request_body = NewApiKey,
    responses((status = 201, description = "the key, in this response only: `{id, name, …, key}`"),
        (status = 400, description = "bad name, or a live key has this name"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn create_api_key(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Json(req): Json<NewApiKey>,
) -> Response {
    match access::create_api_key(&app.store, &admin.change(app.clock.now()), &req.name).await {
        Ok((record, plain)) => {
            let mut body = access::api_key_json(&record);
            body["key"] = json!(plain.expose());
            (
                StatusCode::CREATED,
                super::super::oauth::no_store(),
                Json(body),
            )
                .into_response()
        }
        Err(e) => access_error(e, "API key"),
    }
}

#[utoipa::path(delete, path = "/admin/api/api-keys/{id}", tag = "api-keys",
    params(("id" = Uuid, Path, description = "the key's id")),
    responses((status = 200, description = "the revoked key"), (status = 404, description = "no live key with this id here"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn revoke_api_key(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<Uuid>,
) -> Response {
    match app
        .store
        .revoke_api_key(&admin.change(app.clock.now()), id)
        .await
    {
        Ok(k) => Json(access::api_key_json(&k)).into_response(),
        Err(e) => access_error(e.into(), "live API key"),
    }
}

/// Which audit rows to return; all given filters must match.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// e.g. `token.created`, `user.provisioned`.
    pub(crate) action: Option<String>,
    /// e.g. `admin it@acme.example`, `token okta`, `api key deploy`.
    pub(crate) actor: Option<String>,
    /// The resource's name or id.
    pub(crate) resource: Option<String>,
    /// RFC 3339; rows at or after it.
    pub(crate) since: Option<String>,
    /// RFC 3339; rows before it.
    pub(crate) until: Option<String>,
    /// The previous page's `next` cursor.
    pub(crate) before: Option<Uuid>,
    /// Rows per page, 1 to 500 (default 50).
    pub(crate) limit: Option<u32>,
}

impl AuditQuery {
    /// The store's filter and page size, or what is wrong with the query.
    pub(crate) fn filter(&self) -> Result<(AuditFilter, u32), String> {
        let time = |name: &str, v: &Option<String>| {
            v.as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| {
                    // A browser's datetime-local field sends no seconds and no zone: UTC.
                    OffsetDateTime::parse(t, &Rfc3339)
                        .or_else(|_| {
                            time::PrimitiveDateTime::parse(t, LOCAL_MINUTES)
                                .map(time::PrimitiveDateTime::assume_utc)
                        })
                        .map_err(|_| {
                            format!("{name} must be an RFC 3339 time such as 2026-01-31T09:00:00Z")
                        })
                })
                .transpose()
        };
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=MAX_AUDIT_LIMIT).contains(&limit) {
            return Err(format!("limit must be 1 to {MAX_AUDIT_LIMIT}"));
        }
        Ok((
            AuditFilter {
                action: text(&self.action),
                actor: text(&self.actor),
                resource: text(&self.resource),
                since: time("since", &self.since)?,
                until: time("until", &self.until)?,
                before: self.before,
            },
            limit,
        ))
    }
}

/// One page of the audit log, and the cursor of the next when the page is full.
pub(crate) async fn audit_page(
    app: &AppState,
    workspace: &str,
    filter: &AuditFilter,
    limit: u32,
) -> Result<(Vec<store::AuditEvent>, Option<Uuid>), store::StoreError> {
    let rows = app.store.audit_log(workspace, filter, limit).await?;
    let full = rows.len() == usize::try_from(limit).unwrap_or(usize::MAX);
    let next = rows.last().filter(|_| full).map(|r| r.id);
    Ok((rows, next))
}

#[utoipa::path(get, path = "/admin/api/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "`{\"events\": [{id, occurred_at, actor, action, resource_type, resource_id, resource_name}], \"next\": cursor|null}`, newest first"),
        (status = 400, description = "a filter is malformed"),
        (status = 401, description = "no admin session or API key")))]
pub(super) async fn audit(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Query(q): Query<AuditQuery>,
) -> Response {
    let (filter, limit) = match q.filter() {
        Ok(f) => f,
        Err(m) => return error(StatusCode::BAD_REQUEST, &m),
    };
    match audit_page(&app, &admin.workspace_id, &filter, limit).await {
        Ok((rows, next)) => {
            let items: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "occurred_at": access::rfc3339(r.occurred_at),
                        "actor": r.actor,
                        "action": r.action,
                        "resource_type": r.resource_type,
                        "resource_id": r.resource_id,
                        "resource_name": r.resource_name,
                    })
                })
                .collect();
            Json(json!({ "events": items, "next": next })).into_response()
        }
        Err(e) => store_error(&e),
    }
}
