//! `/admin/api/provisioning-log`, `/users`, `/groups` and `/role-mappings`: what the
//! IdPs sent and why a request failed, the directory they provisioned (read-only:
//! the IdP is the source of truth), and the mapping of IdP role values to app roles.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, put};
use scim::schema::ResourceKind;
use serde::Deserialize;
use serde_json::{Value, json};
use store::{AuditEntry, GroupQuery, GroupSummary, LogEntry, LogQuery, UserQuery, UserSummary};
use uuid::Uuid;

use super::api::{ApiJson, ApiQuery};
use super::billing_api::{ApiError, not_found};
use super::session::{AdminAuth, AdminSession};
use crate::cli::rfc3339;
use crate::provlog::Reason;
use crate::state::AppState;

/// Rows one list request returns at most, and by default.
const MAX_LIMIT: u32 = 200;
const DEFAULT_LIMIT: u32 = 50;
/// History rows shown with a user.
const HISTORY: u32 = 100;

pub(super) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/api/provisioning-log", get(log))
        .route("/admin/api/users", get(users))
        .route("/admin/api/users/{id}", get(user))
        .route("/admin/api/groups", get(groups))
        .route("/admin/api/groups/{id}", get(group))
        .route(
            "/admin/api/role-mappings",
            get(role_mappings).post(add_mapping),
        )
        .route("/admin/api/role-mappings/default", put(set_default))
        .route(
            "/admin/api/role-mappings/{idp_value}",
            delete(remove_mapping),
        )
}

type ApiResult = Result<Json<Value>, ApiError>;

pub(super) fn limit(l: Option<u32>) -> u32 {
    l.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// The `before`/`after` id of a page link.
fn id_param(name: &str, text: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            Uuid::parse_str(t).map_err(|_| {
                ApiError::Invalid(format!("{name} must be an id from a previous page's next"))
            })
        })
        .transpose()
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct LogParams {
    /// `2xx`, `4xx` or `5xx`.
    pub(super) status: Option<String>,
    /// Only failed requests (4xx and 5xx).
    pub(super) failures: Option<bool>,
    pub(super) method: Option<String>,
    pub(super) before: Option<String>,
    pub(super) limit: Option<u32>,
}

/// The checked store query of the log's parameters.
pub(super) fn log_query(p: &LogParams) -> Result<LogQuery<'_>, ApiError> {
    let status_class = match p.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("2xx") => Some(200),
        Some("3xx") => Some(300),
        Some("4xx") => Some(400),
        Some("5xx") => Some(500),
        Some(_) => {
            return Err(ApiError::Invalid(
                "status must be 2xx, 3xx, 4xx or 5xx".into(),
            ));
        }
    };
    let method = match p.method.as_deref().filter(|m| !m.is_empty()) {
        None => None,
        Some(m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE")) => Some(m),
        Some(_) => {
            return Err(ApiError::Invalid(
                "method must be GET, POST, PUT, PATCH or DELETE".into(),
            ));
        }
    };
    Ok(LogQuery {
        status_class,
        failures: p.failures.unwrap_or(false),
        method,
        before: id_param("before", p.before.as_deref())?,
        limit: limit(p.limit),
    })
}

pub(super) fn log_entry(e: &LogEntry) -> Value {
    let reason = e.reason.as_deref().map(|code| {
        let words = Reason::from_code(code).map(Reason::words);
        json!({"code": code, "text": words})
    });
    json!({
        "id": e.id, "occurred_at": rfc3339(e.occurred_at), "method": e.method, "route": e.route,
        "filter": e.filter, "status": e.status, "duration_ms": crate::provlog::millis(e.duration_us),
        "idp": e.idp, "reason": reason,
    })
}

#[utoipa::path(get, path = "/admin/api/provisioning-log", tag = "directory", params(LogParams), responses((status = 200, description = "recent SCIM requests, newest first, each failure with its reason"), (status = 400, description = "bad filter"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn log(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiQuery(p): ApiQuery<LogParams>,
) -> ApiResult {
    let page = app
        .store
        .log_entries(&admin.workspace_id, log_query(&p)?)
        .await?;
    let items: Vec<_> = page.entries.iter().map(log_entry).collect();
    Ok(Json(json!({"entries": items, "next": page.next})))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct UserParams {
    /// Text in `userName`, `displayName` or an email.
    pub(super) q: Option<String>,
    /// `true` or `false`; absent: both.
    pub(super) active: Option<String>,
    /// `okta`, `entra` or `other`.
    pub(super) idp: Option<String>,
    pub(super) after: Option<String>,
    pub(super) limit: Option<u32>,
}

pub(super) fn user_query(p: &UserParams) -> Result<UserQuery<'_>, ApiError> {
    let active = match p.active.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::Invalid("active must be true or false".into())),
    };
    let source_idp = p
        .idp
        .as_deref()
        .filter(|i| !i.is_empty())
        .map(|i| {
            scim::Idp::parse(i)
                .ok_or_else(|| ApiError::Invalid("idp must be okta, entra or other".into()))
        })
        .transpose()?;
    Ok(UserQuery {
        search: p.q.as_deref(),
        active,
        source_idp,
        after: p.after.as_deref().filter(|a| !a.is_empty()),
        limit: limit(p.limit),
    })
}

pub(super) fn user_json(u: &UserSummary) -> Value {
    json!({
        "id": u.id, "user_name": u.user_name, "display_name": u.display_name, "email": u.email,
        "active": u.active, "source_idp": u.source_idp.map(scim::Idp::as_str),
        "idp_roles": u.idp_roles, "app_role": u.app_role,
        "created_at": rfc3339(u.created_at), "updated_at": rfc3339(u.updated_at),
    })
}

#[utoipa::path(get, path = "/admin/api/users", tag = "directory", params(UserParams), responses((status = 200, description = "a page of users with their source IdP and app role"), (status = 400, description = "bad filter"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn users(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiQuery(p): ApiQuery<UserParams>,
) -> ApiResult {
    let list = app
        .store
        .admin_users(&admin.workspace_id, user_query(&p)?)
        .await?;
    let items: Vec<_> = list.users.iter().map(user_json).collect();
    Ok(Json(json!({"users": items, "next": list.next})))
}

/// A user id in a path; anything else is simply not found.
fn resource_id(what: &'static str, id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound(what))
}

/// A user with its memberships and history (its audit rows, newest first).
pub(super) async fn user_detail(app: &AppState, ws: &str, id: &str) -> Result<Value, ApiError> {
    let id = resource_id("user", id)?;
    let u = app
        .store
        .admin_user(ws, id)
        .await
        .map_err(not_found("user"))?;
    let groups = app.store.related(ResourceKind::User, ws, id).await?;
    let history = app.store.audit_events(ws, Some(id), HISTORY).await?;
    let mut body = user_json(&u);
    body["groups"] = groups
        .iter()
        .map(|(id, name)| json!({"id": id, "display_name": name}))
        .collect();
    body["history"] = history
        .iter()
        .map(|a| json!({"occurred_at": rfc3339(a.occurred_at), "action": a.action, "actor": a.actor, "user_name": a.resource_name}))
        .collect();
    Ok(body)
}

#[utoipa::path(get, path = "/admin/api/users/{id}", tag = "directory", params(("id" = String, Path, description = "the user's id")), responses((status = 200, description = "the user with its groups and history"), (status = 404, description = "no such user here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn user(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(Json(user_detail(&app, &admin.workspace_id, &id).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupParams {
    pub(super) q: Option<String>,
    pub(super) after: Option<String>,
    pub(super) limit: Option<u32>,
}

pub(super) fn group_json(g: &GroupSummary) -> Value {
    json!({
        "id": g.id, "display_name": g.display_name, "external_id": g.external_id, "members": g.members,
        "created_at": rfc3339(g.created_at), "updated_at": rfc3339(g.updated_at),
    })
}

#[utoipa::path(get, path = "/admin/api/groups", tag = "directory", params(GroupParams), responses((status = 200, description = "a page of groups with member counts"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn groups(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiQuery(p): ApiQuery<GroupParams>,
) -> ApiResult {
    let q = GroupQuery {
        search: p.q.as_deref(),
        after: p.after.as_deref().filter(|a| !a.is_empty()),
        limit: limit(p.limit),
    };
    let list = app.store.admin_groups(&admin.workspace_id, q).await?;
    let items: Vec<_> = list.groups.iter().map(group_json).collect();
    Ok(Json(json!({"groups": items, "next": list.next})))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct MemberParams {
    pub(super) after: Option<String>,
    pub(super) limit: Option<u32>,
}

/// A group with one page of its members (`members_next` continues it).
pub(super) async fn group_detail(
    app: &AppState,
    ws: &str,
    id: &str,
    p: &MemberParams,
) -> Result<Value, ApiError> {
    let id = resource_id("group", id)?;
    let g = app
        .store
        .admin_group(ws, id)
        .await
        .map_err(not_found("group"))?;
    let page = app
        .store
        .admin_group_members(
            ws,
            id,
            p.after.as_deref().filter(|a| !a.is_empty()),
            limit(p.limit),
        )
        .await?;
    let mut body = group_json(&g);
    body["member_list"] = page
        .members
        .iter()
        .map(|(id, name)| json!({"id": id, "user_name": name}))
        .collect();
    body["members_next"] = json!(page.next);
    Ok(body)
}

#[utoipa::path(get, path = "/admin/api/groups/{id}", tag = "directory", params(("id" = String, Path, description = "the group's id"), MemberParams), responses((status = 200, description = "the group with a page of its members"), (status = 404, description = "no such group here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn group(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MemberParams>,
) -> ApiResult {
    Ok(Json(
        group_detail(&app, &admin.workspace_id, &id, &p).await?,
    ))
}

pub(super) fn role_map_json(m: &scim::roles::RoleMap) -> Value {
    let mappings: Vec<_> = m
        .mappings
        .iter()
        .map(|(idp, app)| json!({"idp_value": idp, "app_role": app}))
        .collect();
    json!({"mappings": mappings, "default_app_role": m.default})
}

#[utoipa::path(get, path = "/admin/api/role-mappings", tag = "roles", responses((status = 200, description = "the mappings and the default role"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn role_mappings(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
) -> ApiResult {
    Ok(Json(role_map_json(
        &app.store.role_map(&admin.workspace_id).await?,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewMapping {
    pub(super) idp_value: String,
    pub(super) app_role: String,
}

/// Records an admin's change of the role mappings in the audit log.
async fn audit_roles(
    app: &AppState,
    admin: &AdminSession,
    action: &str,
    name: &str,
) -> Result<(), ApiError> {
    let entry = AuditEntry {
        action,
        resource_type: "role_mapping",
        resource_id: Uuid::nil(),
        resource_name: name,
    };
    app.store
        .audit(&admin.change(app.clock.now()), &entry)
        .await?;
    tracing::info!(workspace.id = %admin.workspace_id, action, "role mappings changed by an admin");
    Ok(())
}

/// Checks and saves a mapping (replacing the value's earlier one), audited.
pub(super) async fn save_mapping(
    app: &AppState,
    admin: &AdminSession,
    m: &NewMapping,
) -> Result<(), ApiError> {
    let invalid = |e: scim::roles::InvalidRole| ApiError::Invalid(e.to_string());
    let idp_value = scim::roles::role_name("idp_value", &m.idp_value).map_err(invalid)?;
    let app_role = scim::roles::role_name("app_role", &m.app_role).map_err(invalid)?;
    app.store
        .set_role_mapping(&admin.workspace_id, idp_value, app_role, app.clock.now())
        .await?;
    audit_roles(
        app,
        admin,
        "role_mapping.saved",
        &format!("{idp_value} → {app_role}"),
    )
    .await
}

/// Removes the mapping of `idp_value`, audited; `NotFound` if there is none.
pub(super) async fn remove_mapping_of(
    app: &AppState,
    admin: &AdminSession,
    idp_value: &str,
) -> Result<(), ApiError> {
    app.store
        .remove_role_mapping(&admin.workspace_id, idp_value)
        .await
        .map_err(not_found("role mapping"))?;
    audit_roles(app, admin, "role_mapping.removed", idp_value).await
}

#[utoipa::path(post, path = "/admin/api/role-mappings", tag = "roles", request_body = NewMapping, responses((status = 201, description = "saved; the mappings and the default role"), (status = 400, description = "bad names"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn add_mapping(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiJson(m): ApiJson<NewMapping>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    save_mapping(&app, &admin, &m).await?;
    let map = app.store.role_map(&admin.workspace_id).await?;
    Ok((StatusCode::CREATED, Json(role_map_json(&map))))
}

#[utoipa::path(delete, path = "/admin/api/role-mappings/{idp_value}", tag = "roles", params(("idp_value" = String, Path, description = "the IdP role value")), responses((status = 204, description = "removed"), (status = 404, description = "no such mapping here"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn remove_mapping(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(idp_value): Path<String>,
) -> Result<StatusCode, ApiError> {
    remove_mapping_of(&app, &admin, &idp_value).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DefaultRole {
    /// `null` or empty: unmapped users get no app role.
    pub(super) app_role: Option<String>,
}

/// Checks and saves the default role.
pub(super) async fn save_default(
    app: &AppState,
    admin: &AdminSession,
    d: &DefaultRole,
) -> Result<(), ApiError> {
    let role = match d
        .app_role
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => Some(
            scim::roles::role_name("app_role", r).map_err(|e| ApiError::Invalid(e.to_string()))?,
        ),
    };
    app.store
        .set_default_app_role(&admin.workspace_id, role)
        .await?;
    audit_roles(
        app,
        admin,
        "role_mapping.default_set",
        role.unwrap_or("none"),
    )
    .await
}

#[utoipa::path(put, path = "/admin/api/role-mappings/default", tag = "roles", request_body = DefaultRole, responses((status = 200, description = "saved; the mappings and the default role"), (status = 400, description = "bad name"), (status = 401, description = "no admin session or API key")))]
pub(super) async fn set_default(
    State(app): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiJson(d): ApiJson<DefaultRole>,
) -> ApiResult {
    save_default(&app, &admin, &d).await?;
    Ok(Json(role_map_json(
        &app.store.role_map(&admin.workspace_id).await?,
    )))
}
