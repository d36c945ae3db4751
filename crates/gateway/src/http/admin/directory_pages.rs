//! The console's directory pages: provisioning log, users, groups and role
//! mappings. Each reads through the same parsing and store calls as
//! `directory_api`; forms post back here and redirect (303) to the page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scim::schema::ResourceKind;
use serde::Deserialize;
use store::{GroupQuery, GroupSummary, StoreError, UserSummary};

use super::api::ApiQuery;
use super::billing_api::ApiError;
use super::console::{Chrome, Signed, check_csrf, link, when};
use super::directory_api::{
    DefaultRole, GroupParams, LogParams, MemberParams, NewMapping, UserParams, log_query,
    save_default, save_mapping, user_query,
};
use super::{Page, message, see_other, unavailable};
use crate::provlog::{KEEP_PER_WORKSPACE, Reason};
use crate::state::AppState;

/// History rows on a user's page.
const HISTORY: u32 = 100;

pub(super) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/provisioning-log", get(log_page))
        .route("/admin/users", get(users_page))
        .route("/admin/users/{id}", get(user_page))
        .route("/admin/groups", get(groups_page))
        .route("/admin/groups/{id}", get(group_page))
        .route("/admin/role-mappings", get(roles_page).post(add_mapping))
        .route("/admin/role-mappings/remove", post(remove_mapping))
        .route("/admin/role-mappings/default", post(set_default))
}

/// An API refusal as a message page: bad input (400), a missing resource (404),
/// the database unavailable (503) or the API's own 500.
pub(super) fn refusal(e: ApiError, csrf: &str) -> Response {
    match e {
        ApiError::Invalid(m) => {
            message(StatusCode::BAD_REQUEST, "Check the request", &m, Some(csrf)).into_response()
        }
        ApiError::NotFound(what) => message(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("There is no such {what} in this workspace."),
            Some(csrf),
        )
        .into_response(),
        ApiError::Store(StoreError::Unavailable(_)) => unavailable(),
        other => other.into_response(),
    }
}

struct LogRow {
    time: String,
    idp: &'static str,
    method: String,
    route: String,
    filter: Option<String>,
    status: i64,
    duration: String,
    failed: bool,
    reason: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/log.html")]
struct LogView {
    chrome: Chrome,
    keep: u32,
    statuses: [(&'static str, &'static str); 4],
    methods: [&'static str; 5],
    status: String,
    method: String,
    entries: Vec<LogRow>,
    next: Option<String>,
}

async fn log_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    ApiQuery(p): ApiQuery<LogParams>,
) -> Response {
    let chrome = Chrome::new(&admin, "log");
    let page = match log_query(&p) {
        Ok(q) => app
            .store
            .log_entries(&admin.workspace_id, q)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let page = match page {
        Ok(page) => page,
        Err(e) => return refusal(e, &admin.csrf),
    };
    let (status, method) = (p.status.unwrap_or_default(), p.method.unwrap_or_default());
    let next = page.next.map(|n| {
        link(
            "/admin/provisioning-log",
            &[
                ("status", &status),
                ("method", &method),
                ("before", &n.to_string()),
            ],
        )
    });
    let entries = page
        .entries
        .into_iter()
        .map(|e| LogRow {
            time: when(e.occurred_at),
            idp: scim::Idp::parse(&e.idp).unwrap_or(scim::Idp::Other).label(),
            failed: e.status >= 400,
            reason: e
                .reason
                .as_deref()
                .and_then(Reason::from_code)
                .map(Reason::words),
            duration: format!("{:.1} ms", e.duration_us as f64 / 1000.0),
            method: e.method,
            route: e.route,
            filter: e.filter,
            status: e.status,
        })
        .collect();
    Page::new(
        StatusCode::OK,
        &LogView {
            chrome,
            keep: KEEP_PER_WORKSPACE,
            statuses: [
                ("2xx", "Succeeded (2xx)"),
                ("4xx", "Refused (4xx)"),
                ("5xx", "Server errors (5xx)"),
                ("3xx", "3xx"),
            ],
            methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
            status,
            method,
            entries,
            next,
        },
    )
    .into_response()
}

struct UserRow {
    id: String,
    user_name: String,
    name: String,
    email: String,
    status: &'static str,
    source: &'static str,
    app_role: String,
    updated: String,
}

impl From<&UserSummary> for UserRow {
    fn from(u: &UserSummary) -> Self {
        Self {
            id: u.id.to_string(),
            user_name: u.user_name.clone(),
            name: u.display_name.clone().unwrap_or_default(),
            email: u.email.clone().unwrap_or_default(),
            status: if u.active { "Active" } else { "Inactive" },
            source: u.source_idp.map_or("Unknown", scim::Idp::label),
            app_role: u.app_role.clone().unwrap_or_else(|| "—".into()),
            updated: when(u.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersView {
    chrome: Chrome,
    q: String,
    active: String,
    idp: String,
    idps: [(&'static str, &'static str); 3],
    users: Vec<UserRow>,
    next: Option<String>,
}

async fn users_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    ApiQuery(p): ApiQuery<UserParams>,
) -> Response {
    let chrome = Chrome::new(&admin, "users");
    let list = match user_query(&p) {
        Ok(q) => app
            .store
            .admin_users(&admin.workspace_id, q)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let list = match list {
        Ok(l) => l,
        Err(e) => return refusal(e, &admin.csrf),
    };
    let (q, active, idp) = (
        p.q.unwrap_or_default(),
        p.active.unwrap_or_default(),
        p.idp.unwrap_or_default(),
    );
    let next = list.next.map(|n| {
        link(
            "/admin/users",
            &[("q", &q), ("active", &active), ("idp", &idp), ("after", &n)],
        )
    });
    Page::new(
        StatusCode::OK,
        &UsersView {
            chrome,
            users: list.users.iter().map(UserRow::from).collect(),
            q,
            active,
            idp,
            idps: [("okta", "Okta"), ("entra", "Entra ID"), ("other", "Other")],
            next,
        },
    )
    .into_response()
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserView {
    chrome: Chrome,
    user: UserRow,
    idp_roles: String,
    created: String,
    groups: Vec<(String, String)>,
    history: Vec<(String, String, String)>,
}

async fn user_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Path(id): Path<String>,
) -> Response {
    let chrome = Chrome::new(&admin, "users");
    let ws = admin.workspace_id.as_str();
    let found = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound("user"))?;
        let user = app
            .store
            .admin_user(ws, id)
            .await
            .map_err(super::billing_api::not_found("user"))?;
        let groups = app.store.related(ResourceKind::User, ws, id).await?;
        let history = app.store.audit_events(ws, Some(id), HISTORY).await?;
        Ok::<_, ApiError>((user, groups, history))
    }
    .await;
    let (user, groups, history) = match found {
        Ok(f) => f,
        Err(e) => return refusal(e, &admin.csrf),
    };
    Page::new(
        StatusCode::OK,
        &UserView {
            chrome,
            idp_roles: if user.idp_roles.is_empty() {
                "none".into()
            } else {
                user.idp_roles.join(", ")
            },
            created: when(user.created_at),
            user: UserRow::from(&user),
            groups: groups
                .into_iter()
                .map(|(id, n)| (id.to_string(), n))
                .collect(),
            history: history
                .into_iter()
                .map(|a| (when(a.occurred_at), a.action, a.actor))
                .collect(),
        },
    )
    .into_response()
}

struct GroupRow {
    id: String,
    name: String,
    members: i64,
    updated: String,
}

impl From<&GroupSummary> for GroupRow {
    fn from(g: &GroupSummary) -> Self {
        Self {
            id: g.id.to_string(),
            name: g.display_name.clone(),
            members: g.members,
            updated: when(g.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "console/groups.html")]
struct GroupsView {
    chrome: Chrome,
    q: String,
    groups: Vec<GroupRow>,
    next: Option<String>,
}

async fn groups_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    ApiQuery(p): ApiQuery<GroupParams>,
) -> Response {
    let chrome = Chrome::new(&admin, "groups");
    let q = GroupQuery {
        search: p.q.as_deref(),
        after: p.after.as_deref().filter(|a| !a.is_empty()),
        limit: super::directory_api::limit(p.limit),
    };
    let list = match app.store.admin_groups(&admin.workspace_id, q).await {
        Ok(l) => l,
        Err(e) => return refusal(e.into(), &admin.csrf),
    };
    let q = p.q.unwrap_or_default();
    let next = list
        .next
        .map(|n| link("/admin/groups", &[("q", &q), ("after", &n)]));
    Page::new(
        StatusCode::OK,
        &GroupsView {
            chrome,
            groups: list.groups.iter().map(GroupRow::from).collect(),
            q,
            next,
        },
    )
    .into_response()
}

#[derive(Template)]
#[template(path = "console/group.html")]
struct GroupView {
    chrome: Chrome,
    group: GroupRow,
    members: Vec<(String, String)>,
    next: Option<String>,
}

async fn group_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MemberParams>,
) -> Response {
    let chrome = Chrome::new(&admin, "groups");
    let ws = admin.workspace_id.as_str();
    let found = async {
        let gid = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound("group"))?;
        let group = app
            .store
            .admin_group(ws, gid)
            .await
            .map_err(super::billing_api::not_found("group"))?;
        let after = p.after.as_deref().filter(|a| !a.is_empty());
        let members = app
            .store
            .admin_group_members(ws, gid, after, super::directory_api::limit(p.limit))
            .await?;
        Ok::<_, ApiError>((group, members))
    }
    .await;
    let (group, members) = match found {
        Ok(f) => f,
        Err(e) => return refusal(e, &admin.csrf),
    };
    let next = members
        .next
        .map(|n| link(&format!("/admin/groups/{id}"), &[("after", &n)]));
    Page::new(
        StatusCode::OK,
        &GroupView {
            chrome,
            group: GroupRow::from(&group),
            members: members
                .members
                .into_iter()
                .map(|(id, n)| (id.to_string(), n))
                .collect(),
            next,
        },
    )
    .into_response()
}

#[derive(Template)]
#[template(path = "console/roles.html")]
struct RolesView {
    chrome: Chrome,
    mappings: Vec<(String, String)>,
    default_role: String,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

/// The role mappings page, with a notice after a change or an error to show.
async fn render_roles(app: &AppState, chrome: Chrome, ws: &str, status: StatusCode) -> Response {
    match app.store.role_map(ws).await {
        Ok(map) => Page::new(
            status,
            &RolesView {
                mappings: map.mappings,
                default_role: map.default.unwrap_or_default(),
                chrome,
            },
        )
        .into_response(),
        Err(e) => refusal(e.into(), &chrome.csrf),
    }
}

async fn roles_page(
    State(app): State<AppState>,
    Signed(admin): Signed,
    ApiQuery(d): ApiQuery<Done>,
) -> Response {
    let mut chrome = Chrome::new(&admin, "roles");
    chrome.notice = match d.done.as_deref() {
        Some("added") => Some("Mapping saved."),
        Some("removed") => Some("Mapping removed."),
        Some("default") => Some("Default role saved."),
        _ => None,
    };
    render_roles(&app, chrome, &admin.workspace_id, StatusCode::OK).await
}

#[derive(Deserialize)]
struct MappingForm {
    csrf: String,
    #[serde(default)]
    idp_value: String,
    #[serde(default)]
    app_role: String,
}

/// After a role form: back to the page with `done`, or the page again with the error.
async fn after_role_form(
    app: &AppState,
    admin: &super::session::AdminSession,
    result: Result<(), ApiError>,
    done: &str,
) -> Response {
    let mut chrome = Chrome::new(admin, "roles");
    match result {
        Ok(()) => see_other(&format!("/admin/role-mappings?done={done}"), Vec::new()),
        Err(ApiError::Invalid(m)) => {
            chrome.error = Some(m);
            render_roles(app, chrome, &admin.workspace_id, StatusCode::BAD_REQUEST).await
        }
        Err(e) => refusal(e, &admin.csrf),
    }
}

async fn add_mapping(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Form(f): Form<MappingForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    let m = NewMapping {
        idp_value: f.idp_value,
        app_role: f.app_role,
    };
    let result = save_mapping(&app, &admin.workspace_id, &m).await;
    after_role_form(&app, &admin, result, "added").await
}

async fn remove_mapping(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Form(f): Form<MappingForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    let result = app
        .store
        .remove_role_mapping(&admin.workspace_id, &f.idp_value)
        .await
        .map_err(super::billing_api::not_found("role mapping"));
    after_role_form(&app, &admin, result, "removed").await
}

async fn set_default(
    State(app): State<AppState>,
    Signed(admin): Signed,
    Form(f): Form<MappingForm>,
) -> Response {
    if let Err(r) = check_csrf(&admin, &f.csrf) {
        return r;
    }
    let d = DefaultRole {
        app_role: Some(f.app_role),
    };
    let result = save_default(&app, &admin.workspace_id, &d).await;
    after_role_form(&app, &admin, result, "default").await
}
