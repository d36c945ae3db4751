//! The OAuth 2.0 authorization server Okta's SCIM connector talks to: authorize
//! with consent, token, revocation (RFC 7009) and metadata (RFC 8414).
//!
//! Logs name the route and the request's shape (grant type, authentication
//! method), never a code, token, secret or query string.

mod authorize;
mod token;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use oauth::{AuthMethod, ClientCredentials, ErrorCode, OAuthError, PlainToken, SecretKind};
use secrecy::ExposeSecret;
use serde_json::json;
use store::ClientRecord;

use super::admin::session::same;
use crate::state::AppState;

/// Scopes a client can be granted; `offline_access` is accepted on top.
pub(crate) const SCOPES: [&str; 1] = ["scim"];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::start).post(authorize::decide),
        )
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

/// RFC 8414 metadata; the issuer comes from configuration, never from `Host`.
async fn metadata(State(app): State<AppState>) -> Json<serde_json::Value> {
    let urls = &app.urls;
    Json(json!({
        "issuer": urls.issuer(),
        "authorization_endpoint": urls.at("/oauth/authorize"),
        "token_endpoint": urls.at("/oauth/token"),
        "revocation_endpoint": urls.at("/oauth/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["scim", "offline_access"],
    }))
}

/// A JSON error of the token and revocation endpoints (RFC 6749 §5.2), with
/// `WWW-Authenticate` on 401 and never cached.
pub(crate) struct TokenError {
    error: OAuthError,
    retry_after: Option<u64>,
}

impl From<OAuthError> for TokenError {
    fn from(error: OAuthError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

impl From<store::StoreError> for TokenError {
    fn from(e: store::StoreError) -> Self {
        let unavailable = matches!(e, store::StoreError::Unavailable(_));
        tracing::error!(error = %e, "token endpoint storage failure");
        let (code, text) = if unavailable {
            (
                ErrorCode::TemporarilyUnavailable,
                "the authorization server is busy; retry shortly",
            )
        } else {
            (ErrorCode::ServerError, "internal error")
        };
        Self {
            error: OAuthError::new(code, text),
            retry_after: unavailable.then_some(5),
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let status = if self.retry_after.is_some() && status == StatusCode::BAD_REQUEST {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            status
        };
        let mut res = (status, no_store(), Json(&self.error)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"scimgate\""),
            );
        }
        if let Some(s) = self.retry_after {
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
/// One audit row of an OAuth event about `client` in `workspace`. The event has
/// already happened, so a failure to record it is logged, not answered.
pub(crate) async fn audit(
    app: &AppState,
    workspace: &str,
    actor: &str,
    action: &str,
    client: &ClientRecord,
    now: time::OffsetDateTime,
) {
    let change = store::Change {
        workspace,
        actor,
        now,
        idp: scim::Idp::Other,
    };
    let entry = store::AuditEntry {
        action,
        resource_type: "oauth_client",
        resource_id: client.id,
        resource_name: &client.client_id,
    };
    if let Err(e) = app.store.audit(&change, &entry).await {
        tracing::warn!(error = %e, action, "could not record an OAuth event in the audit log");
    }
}

pub(crate) fn no_store() -> [(axum::http::HeaderName, HeaderValue); 2] {
    [
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// Authenticates the client of a token or revocation request (HTTP Basic or form
/// body, RFC 6749 §2.3.1) against its current secret or, during the overlap after a
/// rotation, its previous one. Failures count towards the client's throttle.
pub(crate) async fn authenticate_client(
    app: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<ClientRecord, TokenError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| {
            v.to_str()
                .map_err(|_| OAuthError::invalid_client("malformed Authorization header"))
        })
        .transpose()?;
    let creds = ClientCredentials::from_request(header, form)?;
    let now = app.clock.now();
    let key = format!("client {}", creds.client_id);
    if let Err(wait) = app.limits.token.check(&key) {
        return Err(TokenError {
            error: OAuthError::invalid_request(
                "too many requests for this client (SCIMGATE_TOKEN_RATE_LIMIT); retry later",
            ),
            retry_after: Some(wait),
        });
    }
    if let Err(wait) = app.throttle.check(&key, now) {
        return Err(TokenError {
            error: OAuthError::invalid_request(
                "too many failed client authentications; retry later",
            ),
            retry_after: Some(wait),
        });
    }
    // The shape, not the values: settles how a real IdP authenticates.
    tracing::info!(
        auth = match creds.method {
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
        },
        params = ?form.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        "client authentication"
    );
    let refused = || OAuthError::invalid_client("unknown client or wrong client secret");
    let client = app.store.client(&creds.client_id).await?;
    let Some(client) = client else {
        app.throttle.fail(&key, now);
        return Err(refused().into());
    };
    let presented = PlainToken::parse(
        SecretKind::ClientSecret,
        creds.client_secret.expose_secret(),
    )
    .map(|t| t.hash());
    let matches = presented.is_ok_and(|h| {
        same(h.as_str(), &client.secret_hash)
            | client
                .previous_secret_hash
                .as_deref()
                .filter(|_| client.previous_secret_expires_at.is_some_and(|at| at > now))
                .is_some_and(|prev| same(h.as_str(), prev))
    });
    if !matches {
        app.throttle.fail(&key, now);
        tracing::info!(
            reason = "wrong client secret",
            "client authentication refused"
        );
        return Err(refused().into());
    }
    app.throttle.clear(&key);
    Ok(client)
}
