//! The console's directory pages: provisioning log, users, groups and role
//! mappings. Each reads through the same parsing and store calls as
//! `directory_api`; forms post back here and redirect (303) with a flash.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scim::schema::ResourceKind;
use serde::Deserialize;
use store::{GroupQuery, GroupSummary, StoreError, UserSummary};

use super::api::ApiQuery;
use super::billing_api::{ApiError, not_found};
use super::console::{Chrome, Console, Flash, form_session, link, redirect_with, when};
use super::directory_api::{
    DefaultRole, GroupParams, LogParams, MemberParams, NewMapping, UserParams, limit, log_query,
    remove_mapping_of, save_default, save_mapping, user_query,
};
use super::{message, unavailable};
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

/// A refused read as a message page: bad input (400), a missing resource (404),
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
        ApiError::Store(StoreError::Unavailable(_)) => unavailable().into_response(),
        other => other.into_response(),
    }
}

/// The flash of a refused form: its message, nothing changed.
pub(super) fn refused(e: ApiError) -> Flash {
    match e {
        ApiError::Invalid(m) => Flash::error(m),
        ApiError::NotFound(what) => Flash::error(format!("No such {what} in this workspace.")),
        other => {
            tracing::warn!(error = ?other, "console action failed");
            Flash::error("The change could not be saved; nothing was changed. Try again shortly.")
        }
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
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<LogParams>,
) -> Response {
    let (admin, chrome, finish) =
        match Console::load(&headers, &app, "/admin/provisioning-log").await {
            Ok(c) => c.split(),
            Err(r) => return r,
        };
    let page: Result<_, ApiError> = async {
        Ok(app
            .store
            .log_entries(&admin.workspace_id, log_query(&p)?)
            .await?)
    }
    .await;
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
            duration: format!("{:.1} ms", crate::provlog::millis(e.duration_us)),
            method: e.method,
            route: e.route,
            filter: e.filter,
            status: e.status,
        })
        .collect();
    finish.render(&LogView {
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
    })
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
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<UserParams>,
) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/users").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let list: Result<_, ApiError> = async {
        Ok(app
            .store
            .admin_users(&admin.workspace_id, user_query(&p)?)
            .await?)
    }
    .await;
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
    finish.render(&UsersView {
        chrome,
        users: list.users.iter().map(UserRow::from).collect(),
        q,
        active,
        idp,
        idps: [("okta", "Okta"), ("entra", "Entra ID"), ("other", "Other")],
        next,
    })
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
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/users").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let ws = admin.workspace_id.as_str();
    let found = async {
        let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound("user"))?;
        let user = app
            .store
            .admin_user(ws, id)
            .await
            .map_err(not_found("user"))?;
        let groups = app.store.related(ResourceKind::User, ws, id).await?;
        let history = app.store.audit_events(ws, Some(id), HISTORY).await?;
        Ok::<_, ApiError>((user, groups, history))
    }
    .await;
    let (user, groups, history) = match found {
        Ok(f) => f,
        Err(e) => return refusal(e, &admin.csrf),
    };
    finish.render(&UserView {
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
    })
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
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<GroupParams>,
) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/groups").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let q = GroupQuery {
        search: p.q.as_deref(),
        after: p.after.as_deref().filter(|a| !a.is_empty()),
        limit: limit(p.limit),
    };
    let list = match app.store.admin_groups(&admin.workspace_id, q).await {
        Ok(l) => l,
        Err(e) => return refusal(e.into(), &admin.csrf),
    };
    let q = p.q.unwrap_or_default();
    let next = list
        .next
        .map(|n| link("/admin/groups", &[("q", &q), ("after", &n)]));
    finish.render(&GroupsView {
        chrome,
        groups: list.groups.iter().map(GroupRow::from).collect(),
        q,
        next,
    })
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
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<MemberParams>,
) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/groups").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let ws = admin.workspace_id.as_str();
    let found = async {
        let gid = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound("group"))?;
        let group = app
            .store
            .admin_group(ws, gid)
            .await
            .map_err(not_found("group"))?;
        let after = p.after.as_deref().filter(|a| !a.is_empty());
        let members = app
            .store
            .admin_group_members(ws, gid, after, limit(p.limit))
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
    finish.render(&GroupView {
        chrome,
        group: GroupRow::from(&group),
        members: members
            .members
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
        next,
    })
}

#[derive(Template)]
#[template(path = "console/roles.html")]
struct RolesView {
    chrome: Chrome,
    mappings: Vec<(String, String)>,
    default_role: String,
}

async fn roles_page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/role-mappings").await
    {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    match app.store.role_map(&admin.workspace_id).await {
        Ok(map) => finish.render(&RolesView {
            chrome,
            mappings: map.mappings,
            default_role: map.default.unwrap_or_default(),
        }),
        Err(e) => refusal(e.into(), &admin.csrf),
    }
}

#[derive(Deserialize)]
struct MappingForm {
    csrf: String,
    #[serde(default)]
    idp_value: String,
    #[serde(default)]
    app_role: String,
}

/// Back to the role mappings page with the outcome.
fn after_role_form(app: &AppState, result: Result<(), ApiError>, done: &str) -> Response {
    let flash = result.map_or_else(refused, |()| Flash::ok(done));
    redirect_with("/admin/role-mappings", &flash, app)
}

async fn add_mapping(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<MappingForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let m = NewMapping {
        idp_value: f.idp_value,
        app_role: f.app_role,
    };
    let result = save_mapping(&app, &admin, &m).await;
    after_role_form(&app, result, "Mapping saved.")
}

async fn remove_mapping(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<MappingForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let result = remove_mapping_of(&app, &admin, &f.idp_value).await;
    after_role_form(&app, result, "Mapping removed.")
}

async fn set_default(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<MappingForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let d = DefaultRole {
        app_role: Some(f.app_role),
    };
    let result = save_default(&app, &admin, &d).await;
    after_role_form(&app, result, "Default role saved.")
}
