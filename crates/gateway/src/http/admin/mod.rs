//! The admin console's sign-in, sign-out and landing page. Workspace admins sign
//! in here to manage provisioning and to approve an IdP's OAuth request.

mod access_api;
mod access_pages;
mod api;
mod billing_api;
mod billing_pages;
mod clients_api;
mod clients_page;
mod console;
mod directory_api;
mod directory_pages;
mod grants_api;
mod openapi;
mod page;
pub(crate) mod session;

use std::net::SocketAddr;
use std::sync::LazyLock;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Router};
use oauth::{PlainToken, SecretKind};
use secrecy::SecretString;
use serde::Deserialize;

pub(crate) use page::{Page, message, see_other};
use session::{SESSION_LIFETIME, csrf_of, same, session_cookie, set_cookie};

use crate::state::AppState;

/// The double-submit cookie of the sign-in form (no session exists yet).
const LOGIN_CSRF_COOKIE: &str = "scimgate_login";
/// Failed sign-ins of one admin before the account is locked for a while.
const LOCK_AFTER: i32 = 5;
/// The longest lock: lock times double from 30 s up to this.
const MAX_LOCK: time::Duration = time::Duration::minutes(15);
/// The hash of a password nobody knows, verified when the e-mail is unknown so
/// that the answer takes as long as for a known one.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    oauth::hash_password(&oauth::generate_password())
        .expect("a generated password is within the limits")
});

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/login", get(login_page).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/static/app.css", get(stylesheet))
        .route("/admin/static/console.js", get(script))
        .route("/admin/api/oauth/grants", get(grants_api::list))
        .route(
            "/admin/api/oauth/clients",
            get(clients_api::list).post(clients_api::create),
        )
        .route(
            "/admin/api/oauth/clients/{client_id}",
            delete(clients_api::delete),
        )
        .route(
            "/admin/api/oauth/clients/{client_id}/rotate-secret",
            post(clients_api::rotate),
        )
        .route(
            "/admin/api/oauth/clients/{client_id}/redirect-uris",
            post(clients_api::add_redirect_uri).delete(clients_api::remove_redirect_uri),
        )
        .route(
            "/admin/api/oauth/grants/{id}/revoke",
            post(grants_api::revoke),
        )
        .merge(billing_api::router())
        .merge(access_router())
        .merge(directory_router())
}

/// The console's directory pages (part B of issue #6) and their JSON API.
fn directory_router() -> Router<AppState> {
    Router::new()
        .merge(directory_api::router())
        .merge(directory_pages::router())
        .merge(billing_pages::router())
}

/// The console's access pages (part A of issue #6) and their JSON API.
fn access_router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/openapi.json", get(openapi::document))
        .route(
            "/admin/api/settings",
            get(access_api::settings).put(access_api::set_settings),
        )
        .route(
            "/admin/api/tokens",
            get(access_api::tokens).post(access_api::create_token),
        )
        .route("/admin/api/tokens/{name}", delete(access_api::revoke_token))
        .route(
            "/admin/api/api-keys",
            get(access_api::api_keys).post(access_api::create_api_key),
        )
        .route(
            "/admin/api/api-keys/{id}",
            delete(access_api::revoke_api_key),
        )
        .route("/admin/api/audit", get(access_api::audit))
        .route(
            "/admin/settings",
            get(access_pages::settings).post(access_pages::save_settings),
        )
        .route(
            "/admin/tokens",
            get(access_pages::tokens).post(access_pages::create_token),
        )
        .route("/admin/tokens/revoke", post(access_pages::revoke_token))
        .route(
            "/admin/api-keys",
            get(access_pages::api_keys).post(access_pages::create_api_key),
        )
        .route("/admin/api-keys/revoke", post(access_pages::revoke_api_key))
        .route("/admin/audit", get(access_pages::audit))
        .route(
            "/admin/clients",
            get(clients_page::clients).post(clients_page::create),
        )
        .route("/admin/clients/action", post(clients_page::action))
}

async fn script() -> Response {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../static/console.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../static/app.css"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    chrome: console::Chrome,
    tenant_url: &'a str,
    scim11_url: &'a str,
    authorization_url: &'a str,
    token_url: &'a str,
}

async fn home(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (_, chrome, finish) = match console::Console::load(&headers, &app, "/admin").await {
        Ok(p) => p.split(),
        Err(r) => return r,
    };
    let home = Home {
        chrome,
        tenant_url: &app.urls.scim_base(),
        scim11_url: &app.urls.scim_v1_base(),
        authorization_url: &app.urls.at("/oauth/authorize"),
        token_url: &app.urls.at("/oauth/token"),
    };
    finish.render(&home)
}

pub(super) fn unavailable() -> Page {
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again shortly",
        "The gateway cannot reach its database right now. Reload this page in a moment.",
        None,
    )
    .retry_after(5)
}

#[derive(Template)]
#[template(path = "login.html")]
struct Login<'a> {
    csrf: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    approving: bool,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// Only a path on this gateway may follow sign-in (RFC 9700 §4.11: no open
/// redirect): one leading `/`, not `//` or `/\`, which browsers treat as another host.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/admin",
    }
}

fn login_form(
    app: &AppState,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<&str>,
) -> Page {
    let csrf = PlainToken::generate(SecretKind::ConsentTicket);
    Page::new(
        status,
        &Login {
            csrf: csrf.expose(),
            next,
            email,
            error,
            approving: next.starts_with("/oauth/authorize"),
        },
    )
    .cookie(set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf.expose(),
        time::Duration::hours(1),
        app.urls.secure(),
    ))
}

async fn login_page(State(app): State<AppState>, Query(q): Query<LoginQuery>) -> Page {
    login_form(&app, StatusCode::OK, safe_next(q.next.as_deref()), "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: SecretString,
    csrf: String,
    next: Option<String>,
}

#[expect(
    clippy::too_many_lines,
    reason = "one sign-in, its refusals read top to bottom: rate limit, throttle, lockout, password"
)]
async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let email = form.email.trim().to_lowercase();
    let fail = |status, error: &str| login_form(&app, status, next, &email, Some(error));
    let sent = session::cookie_value(&headers, LOGIN_CSRF_COOKIE);
    if !sent.is_some_and(|c| same(&c, &form.csrf)) {
        return fail(
            StatusCode::FORBIDDEN,
            "The sign-in form expired or was not sent from this site. Please try again.",
        )
        .into_response();
    }
    let now = app.clock.now();
    let peer_key = format!("login {}", peer.ip());
    if let Err(wait) = app.limits.signin.check(&peer_key) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts from this address. Try again in a minute.",
        )
        .retry_after(wait)
        .into_response();
    }
    if let Err(wait) = app.throttle.check(&peer_key, now) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins from this address. Try again in a few minutes.",
        )
        .retry_after(wait)
        .into_response();
    }
    let Ok(admin) = app.store.admin_by_email(&email).await else {
        return unavailable().into_response();
    };
    let Some(admin) = admin else {
        // Same work as for a known address, so timing does not tell which exist.
        oauth::verify_password(&form.password, &DUMMY_HASH);
        app.throttle.fail(&peer_key, now);
        return fail(StatusCode::UNAUTHORIZED, "Wrong e-mail or password.").into_response();
    };
    if let Some(until) = admin.locked_until.filter(|u| *u > now) {
        let wait = u64::try_from((until - now).whole_seconds().max(1)).unwrap_or(1);
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins for this account. Try again in a few minutes.",
        )
        .retry_after(wait)
        .into_response();
    }
    if !oauth::verify_password(&form.password, &admin.password_hash) {
        app.throttle.fail(&peer_key, now);
        match app.store.record_failed_login(admin.id).await {
            Ok(count) if count >= LOCK_AFTER => {
                let lock = (time::Duration::seconds(30)
                    * 2_i32.pow(u32::try_from((count - LOCK_AFTER).min(5)).unwrap_or(5)))
                .min(MAX_LOCK);
                if app.store.lock_admin(admin.id, now + lock).await.is_err() {
                    return unavailable().into_response();
                }
            }
            Ok(_) => {}
            Err(_) => return unavailable().into_response(),
        }
        tracing::info!(reason = "wrong password", "admin sign-in refused");
        return fail(StatusCode::UNAUTHORIZED, "Wrong e-mail or password.").into_response();
    }
    let token = PlainToken::generate(SecretKind::Session);
    if app
        .store
        .create_session(admin.id, token.hash().as_str(), now, now + SESSION_LIFETIME)
        .await
        .is_err()
    {
        return unavailable().into_response();
    }
    app.throttle.clear(&peer_key);
    tracing::info!(workspace.id = %admin.workspace_id, "admin signed in");
    let actor = format!("admin {}", admin.email);
    let signed_in = store::Change {
        workspace: &admin.workspace_id,
        actor: &actor,
        now,
        idp: scim::Idp::Other,
    };
    let entry = store::AuditEntry {
        action: "admin.signed_in",
        resource_type: "admin",
        resource_id: admin.id,
        resource_name: &admin.email,
    };
    if app.store.audit(&signed_in, &entry).await.is_err() {
        return unavailable().into_response();
    }
    let secure = app.urls.secure();
    see_other(
        next,
        vec![
            set_cookie(
                session_cookie(secure),
                token.expose(),
                SESSION_LIFETIME,
                secure,
            ),
            set_cookie(LOGIN_CSRF_COOKIE, "", time::Duration::ZERO, secure),
        ],
    )
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let secure = app.urls.secure();
    if let Some(cookie) = session::cookie_value(&headers, session_cookie(secure)) {
        if !same(&csrf_of(&cookie), &form.csrf) {
            return message(
                StatusCode::FORBIDDEN,
                "Sign-out refused",
                "The sign-out form was not sent from this site.",
                None,
            )
            .into_response();
        }
        if let Ok(token) = PlainToken::parse(SecretKind::Session, &cookie)
            && app
                .store
                .delete_session(token.hash().as_str())
                .await
                .is_err()
        {
            return unavailable().into_response();
        }
    }
    see_other(
        "/admin/login",
        vec![set_cookie(
            session_cookie(secure),
            "",
            time::Duration::ZERO,
            secure,
        )],
    )
}
