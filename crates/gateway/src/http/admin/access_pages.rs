//! The console pages of Provisioning settings, Bearer tokens, API keys and the
//! Audit log. Forms post here, then redirect (303) to the page with a flash; a new
//! secret rides in that flash and is gone on reload.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::ScimSettings;
use time::OffsetDateTime;
use uuid::Uuid;

use super::access_api::{AuditQuery, NewToken, audit_page};
use super::console::{Chrome, Console, Flash, form_session, redirect_with};
use crate::access::{self, AccessError, rfc3339};
use crate::state::AppState;

/// A time on a page: RFC 3339 in UTC to the second, or a word when absent.
fn when(t: Option<OffsetDateTime>, none: &str) -> String {
    t.map_or_else(
        || none.to_owned(),
        |t| {
            let s = rfc3339(t);
            s.get(..19).map_or(s.clone(), |d| d.replace('T', " "))
        },
    )
}

/// The flash of a refused request.
fn refused(e: AccessError, what: &str) -> Flash {
    match e {
        AccessError::Invalid(m) => Flash::error(m),
        AccessError::NotFound => Flash::error(format!("No such {what} in this workspace.")),
        AccessError::Store(e) => {
            tracing::warn!(error = %e, "console action failed");
            Flash::error("The database is unavailable; nothing was changed. Try again shortly.")
        }
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    tenant_url: String,
    scim_enabled: bool,
    allow_bearer_tokens: bool,
    allow_oauth: bool,
}

pub(super) async fn settings(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/settings").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let Ok(s) = app.store.scim_settings(&admin.workspace_id).await else {
        return super::unavailable().into_response();
    };
    finish.render(&SettingsPage {
        chrome,
        tenant_url: app.urls.scim_base(),
        scim_enabled: s.scim_enabled,
        allow_bearer_tokens: s.allow_bearer_tokens,
        allow_oauth: s.allow_oauth,
    })
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    csrf: String,
    scim_enabled: Option<String>,
    allow_bearer_tokens: Option<String>,
    allow_oauth: Option<String>,
}

pub(super) async fn save_settings(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SettingsForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let s = ScimSettings {
        scim_enabled: f.scim_enabled.is_some(),
        allow_bearer_tokens: f.allow_bearer_tokens.is_some(),
        allow_oauth: f.allow_oauth.is_some(),
    };
    let flash = match app
        .store
        .set_scim_settings(&admin.change(app.clock.now()), s)
        .await
    {
        Ok(()) if s.scim_enabled && !s.allow_bearer_tokens && !s.allow_oauth => Flash::ok(
            "Saved. No authentication method is allowed, so every SCIM request is refused until you allow one.",
        ),
        Ok(()) => Flash::ok("Settings saved."),
        Err(e) => refused(AccessError::Store(e), "workspace"),
    };
    redirect_with("/admin/settings", &flash, &app)
}

struct TokenRow {
    name: String,
    status: &'static str,
    created: String,
    last_used: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tenant_url: String,
    tokens: Vec<TokenRow>,
}

pub(super) async fn tokens(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/tokens").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let Ok(all) = app.store.tokens(&admin.workspace_id).await else {
        return super::unavailable().into_response();
    };
    let now = app.clock.now();
    let tokens = all
        .iter()
        .map(|t| TokenRow {
            name: t.name.clone(),
            status: access::token_status(t, now),
            created: when(Some(t.created_at), ""),
            last_used: when(t.last_used_at, "never"),
            expires: when(t.expires_at, "never"),
        })
        .collect();
    finish.render(&TokensPage {
        chrome,
        tenant_url: app.urls.scim_base(),
        tokens,
    })
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    csrf: String,
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

pub(super) async fn create_token(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let days = f.expires_in_days.trim();
    let flash = match (days.is_empty(), days.parse::<u32>()) {
        (false, Err(_)) => {
            Flash::error("The expiry must be a whole number of days, or empty for never.")
        }
        (empty, parsed) => {
            let req = NewToken {
                name: f.name,
                expires_in_days: if empty { None } else { parsed.ok() },
            };
            match super::access_api::create_token_for(&app, &admin, &req).await {
                Ok((t, plain)) => Flash::ok(format!("Created bearer token \"{}\".", t.name))
                    .secret(format!("Bearer token {}", t.name), plain.expose()),
                Err(e) => refused(e, "token"),
            }
        }
    };
    redirect_with("/admin/tokens", &flash, &app)
}

#[derive(Deserialize)]
pub(super) struct RevokeTokenForm {
    csrf: String,
    name: String,
}

pub(super) async fn revoke_token(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<RevokeTokenForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let flash = match access::revoke_token(&app.store, &admin.change(app.clock.now()), &f.name)
        .await
    {
        Ok(t) => Flash::ok(format!(
            "Revoked token \"{}\": the identity provider using it gets 401 from its next request.",
            t.name
        )),
        Err(e) => refused(e, "live token"),
    };
    redirect_with("/admin/tokens", &flash, &app)
}

struct KeyRow {
    id: Uuid,
    name: String,
    created_by: String,
    created: String,
    last_used: String,
    revoked: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct KeysPage {
    chrome: Chrome,
    keys: Vec<KeyRow>,
}

pub(super) async fn api_keys(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/api-keys").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let Ok(all) = app.store.api_keys(&admin.workspace_id).await else {
        return super::unavailable().into_response();
    };
    let keys = all
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            created: when(Some(k.created_at), ""),
            last_used: when(k.last_used_at, "never"),
            revoked: when(k.revoked_at, ""),
            live: k.revoked_at.is_none(),
            name: k.name,
            created_by: k.created_by,
        })
        .collect();
    finish.render(&KeysPage { chrome, keys })
}

#[derive(Deserialize)]
pub(super) struct KeyForm {
    csrf: String,
    name: String,
}

pub(super) async fn create_api_key(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<KeyForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let flash =
        match access::create_api_key(&app.store, &admin.change(app.clock.now()), &f.name).await {
            Ok((k, plain)) => Flash::ok(format!("Created API key \"{}\".", k.name))
                .secret(format!("API key {}", k.name), plain.expose()),
            Err(e) => refused(e, "API key"),
        };
    redirect_with("/admin/api-keys", &flash, &app)
}

#[derive(Deserialize)]
pub(super) struct RevokeKeyForm {
    csrf: String,
    id: Uuid,
}

pub(super) async fn revoke_api_key(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<RevokeKeyForm>,
) -> Response {
    let admin = match form_session(&headers, &app, &f.csrf).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let flash = match app
        .store
        .revoke_api_key(&admin.change(app.clock.now()), f.id)
        .await
    {
        Ok(k) => Flash::ok(format!("Revoked API key \"{}\".", k.name)),
        Err(e) => refused(e.into(), "live API key"),
    };
    redirect_with("/admin/api-keys", &flash, &app)
}

struct EventRow {
    when: String,
    actor: String,
    action: String,
    resource_type: String,
    resource_name: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    action: String,
    actor: String,
    resource: String,
    since: String,
    until: String,
    error: Option<String>,
    events: Vec<EventRow>,
    older: Option<String>,
}

pub(super) async fn audit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Response {
    let (admin, chrome, finish) = match Console::load(&headers, &app, "/admin/audit").await {
        Ok(c) => c.split(),
        Err(r) => return r,
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let page = match q.filter() {
        Ok((filter, limit)) => audit_page(&app, &admin.workspace_id, &filter, limit)
            .await
            .map_err(|_| "The database is unavailable. Reload this page in a moment.".to_owned()),
        Err(m) => Err(m),
    };
    let (events, older, error) = match page {
        Ok((rows, next)) => {
            let older = next.map(|before| {
                let mut url = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in [
                    ("action", &q.action),
                    ("actor", &q.actor),
                    ("resource", &q.resource),
                    ("since", &q.since),
                    ("until", &q.until),
                ] {
                    if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                        url.append_pair(k, v);
                    }
                }
                url.append_pair("before", &before.to_string());
                format!("/admin/audit?{}", url.finish())
            });
            let events = rows
                .into_iter()
                .map(|e| EventRow {
                    when: when(Some(e.occurred_at), ""),
                    actor: e.actor,
                    action: e.action,
                    resource_type: e.resource_type,
                    resource_name: e.resource_name,
                })
                .collect();
            (events, older, None)
        }
        Err(m) => (Vec::new(), None, Some(m)),
    };
    finish.render(&AuditPage {
        chrome,
        action: text(&q.action),
        actor: text(&q.actor),
        resource: text(&q.resource),
        since: text(&q.since),
        until: text(&q.until),
        error,
        events,
        older,
    })
}
