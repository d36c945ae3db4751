//! `GET /oauth/authorize` (validate, sign in, consent page) and `POST
//! /oauth/authorize` (Allow or Deny). The client and redirect URI are checked
//! before anything else: until they are, errors are pages, never redirects.

use askama::Template;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oauth::{
    AuthorizeError, AuthorizeRequest, ClientView, ErrorCode, OAuthError, PlainToken, RedirectUri,
    SecretKind, ValidAuthorizeRequest,
};
use serde::Deserialize;
use store::{ClientRecord, NewCode};

use super::SCOPES;
use crate::http::admin::session::{AdminSession, current};
use crate::http::admin::{Page, message, see_other};
use crate::state::AppState;

/// How long a consent page may wait for its Allow or Deny.
const CONSENT_LIFETIME: time::Duration = time::Duration::minutes(10);

#[derive(Template)]
#[template(path = "consent.html")]
struct Consent<'a> {
    client_name: &'a str,
    workspace_name: &'a str,
    admin_email: &'a str,
    redirect_host: &'a str,
    offline_access: bool,
    ticket: &'a str,
}

fn error_page(title: &str, text: &str) -> Response {
    message(StatusCode::BAD_REQUEST, title, text, None).into_response()
}

fn unavailable() -> Response {
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again shortly",
        "The gateway cannot reach its database right now. Go back to your identity provider and try again in a moment.",
        None,
    )
    .retry_after(5)
    .into_response()
}

/// Validates the request against the client it names. `Err` is the response to send.
async fn validate(
    app: &AppState,
    query: &str,
) -> Result<(ClientRecord, ValidAuthorizeRequest), Response> {
    let request = AuthorizeRequest::from_query(url::form_urlencoded::parse(query.as_bytes()));
    let Some(client_id) = request.client_id() else {
        return Err(error_page(
            "Unknown application",
            "The request does not name one client_id. Check the Authorization URL configured in the identity provider.",
        ));
    };
    let client = match app.store.client(client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(error_page(
                "Unknown application",
                "No OAuth client with this client_id exists. Check the Client ID configured in the identity provider, or ask the workspace admin to generate credentials.",
            ));
        }
        Err(_) => return Err(unavailable()),
    };
    let uris: Vec<RedirectUri> = client
        .redirect_uris
        .iter()
        .filter_map(|u| RedirectUri::parse(u).ok())
        .collect();
    let view = ClientView {
        client_id: &client.client_id,
        redirect_uris: &uris,
        requires_pkce: client.require_pkce,
        allowed_scopes: &SCOPES,
    };
    match request.validate(&view) {
        Ok(valid) => Ok((client, valid)),
        Err(AuthorizeError::Render(why)) => Err(error_page(
            "This sign-in link cannot be used",
            &format!(
                "{why}. A workspace admin can add the identity provider's exact redirect URI to the OAuth client."
            ),
        )),
        Err(AuthorizeError::Redirect { to, error }) => {
            tracing::info!(error = error.code.as_str(), "authorization request refused");
            Err(see_other(&to, Vec::new()))
        }
    }
}

/// The page a signed-in admin sees, or the sign-in page first.
pub(super) async fn start(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let (client, valid) = match validate(&app, &query).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let session = match current(&headers, &app).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            let next = format!("/oauth/authorize?{query}");
            let login = format!(
                "/admin/login?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &next)
                    .finish()
            );
            return see_other(&login, Vec::new());
        }
        Err(_) => return unavailable(),
    };
    if let Some(refusal) = wrong_workspace(&client, &session) {
        return refusal;
    }
    let Ok(workspace) = app.store.workspace(&session.workspace_id).await else {
        return unavailable();
    };
    let ticket = PlainToken::generate(SecretKind::ConsentTicket);
    let expires = app.clock.now() + CONSENT_LIFETIME;
    if app
        .store
        .create_consent(
            ticket.hash().as_str(),
            &session.token_hash,
            client.id,
            &query,
            expires,
        )
        .await
        .is_err()
    {
        return unavailable();
    }
    let redirect = url::Url::parse(valid.redirect_uri().as_str()).ok();
    Page::new(
        StatusCode::OK,
        &Consent {
            client_name: &client.name,
            workspace_name: &workspace.name,
            admin_email: &session.email,
            redirect_host: redirect
                .as_ref()
                .and_then(url::Url::host_str)
                .unwrap_or_default(),
            offline_access: valid.offline_access(),
            ticket: ticket.expose(),
        },
    )
    .into_response()
}

/// A workspace's own client may be approved only by that workspace's admins
/// (a vendor-level client by any admin, for the admin's workspace).
fn wrong_workspace(client: &ClientRecord, session: &AdminSession) -> Option<Response> {
    let ws = client.workspace_id.as_deref()?;
    (ws != session.workspace_id).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Signed in to another workspace",
            &format!(
                "You are signed in as {}, an admin of another workspace. This OAuth client belongs to a different workspace: sign out, sign in as one of its admins, then start again from the identity provider.",
                session.email
            ),
            Some(&session.csrf),
        )
        .into_response()
    })
}

#[derive(Deserialize)]
pub(super) struct Decision {
    ticket: String,
    decision: String,
}

/// Allow → a code to the redirect URI; Deny → `access_denied`. The ticket is the
/// CSRF token: bound to this session and this request, usable once.
pub(super) async fn decide(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Decision>,
) -> Response {
    let refused = || {
        message(
            StatusCode::FORBIDDEN,
            "This approval form cannot be used",
            "It expired, was already used, or was not opened in this browser session. Go back to your identity provider and start again.",
            None,
        )
        .into_response()
    };
    let session = match current(&headers, &app).await {
        Ok(Some(s)) => s,
        Ok(None) => return refused(),
        Err(_) => return unavailable(),
    };
    let Ok(ticket) = PlainToken::parse(SecretKind::ConsentTicket, &form.ticket) else {
        return refused();
    };
    let now = app.clock.now();
    let query = match app
        .store
        .take_consent(ticket.hash().as_str(), &session.token_hash, now)
        .await
    {
        Ok(Some((_, query))) => query,
        Ok(None) => return refused(),
        Err(_) => return unavailable(),
    };
    // Validated again: the client or its redirect URIs may have changed meanwhile.
    let (client, valid) = match validate(&app, &query).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Some(refusal) = wrong_workspace(&client, &session) {
        return refusal;
    }
    if form.decision != "allow" {
        tracing::info!(workspace.id = %session.workspace_id, "admin denied an authorization request");
        super::audit(
            &app,
            &session.workspace_id,
            &session.actor,
            "oauth.consent_denied",
            &client,
            now,
        )
        .await;
        let denied = OAuthError::new(
            ErrorCode::AccessDenied,
            "the workspace admin denied the request",
        );
        return see_other(&valid.error_redirect(&denied), Vec::new());
    }
    let code = PlainToken::generate(SecretKind::AuthorizationCode);
    let scope = valid.scope_string();
    let stored = app
        .store
        .create_code(&NewCode {
            code_hash: code.hash().as_str(),
            client: client.id,
            workspace_id: &session.workspace_id,
            approved_by: &session.email,
            redirect_uri: valid.redirect_uri().as_str(),
            redirect_uri_sent: valid.redirect_uri_sent(),
            scope: &scope,
            code_challenge: valid.code_challenge().map(oauth::CodeChallenge::as_str),
            issued_at: now,
        })
        .await;
    if stored.is_err() {
        let error = OAuthError::new(ErrorCode::TemporarilyUnavailable, "retry shortly");
        return see_other(&valid.error_redirect(&error), Vec::new());
    }
    tracing::info!(workspace.id = %session.workspace_id, "admin approved an authorization request");
    super::audit(
        &app,
        &session.workspace_id,
        &session.actor,
        "oauth.consent_approved",
        &client,
        now,
    )
    .await;
    see_other(&valid.success_redirect(code.expose()), Vec::new())
}
