//! Admin sessions: an opaque random cookie whose SHA-256 is the session's key in
//! the database, and a CSRF token derived from the cookie so that no second secret
//! has to be stored.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use oauth::{PlainToken, SecretKind};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::Attribution;
use crate::state::AppState;

/// How long a session lasts after sign-in.
pub(crate) const SESSION_LIFETIME: time::Duration = time::Duration::hours(12);

/// A signed-in workspace admin.
#[derive(Debug, Clone)]
pub(crate) struct AdminSession {
    pub(crate) workspace_id: String,
    /// The admin's e-mail; empty when an API key acts.
    pub(crate) email: String,
    /// Who acts, for the audit log: `admin <e-mail>` or `api key <name>`.
    pub(crate) actor: String,
    /// The session's key in the database (a hash of the cookie).
    pub(crate) token_hash: String,
    /// The CSRF token every form of this session carries.
    pub(crate) csrf: String,
}

impl AdminSession {
    /// This admin acting on its workspace at `now`, for the store and the audit log.
    pub(crate) fn change(&self, now: time::OffsetDateTime) -> store::Change<'_> {
        store::Change {
            workspace: &self.workspace_id,
            actor: &self.actor,
            now,
            idp: scim::Idp::Other,
        }
    }
}

/// The session cookie's name: with `__Host-` over https (RFC 6265bis §4.1.3.2:
/// Secure, no Domain, Path=/), plain on a loopback http development setup where
/// browsers refuse `__Host-` cookies.
pub(crate) fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-scimgate_session"
    } else {
        "scimgate_session"
    }
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` over https;
/// `max_age` zero deletes it.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age: time::Duration,
    secure: bool,
) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of cookie `name`, if the request sent it.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The CSRF token of a session: a hash of the cookie under a distinct label, so
/// it reveals nothing about the cookie and needs no storage.
pub(crate) fn csrf_of(cookie: &str) -> String {
    hex::encode(Sha256::digest(format!("scimgate csrf\n{cookie}")))
}

/// Constant-time comparison of two tokens.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The session the request's cookie names, if it is live.
pub(crate) async fn current(
    headers: &HeaderMap,
    app: &AppState,
) -> Result<Option<AdminSession>, store::StoreError> {
    let Some(value) = cookie_value(headers, session_cookie(app.urls.secure())) else {
        return Ok(None);
    };
    let Ok(token) = PlainToken::parse(SecretKind::Session, &value) else {
        return Ok(None);
    };
    let hash = token.hash();
    Ok(app
        .store
        .session(hash.as_str(), app.clock.now())
        .await?
        .map(|s| AdminSession {
            workspace_id: s.workspace_id,
            actor: format!("admin {}", s.email),
            email: s.email,
            token_hash: hash.as_str().to_owned(),
            csrf: csrf_of(&value),
        }))
}

/// A refused admin API request: JSON `{"error": …}` with the status.
#[derive(Debug, Clone)]
pub(crate) struct ApiRefusal(StatusCode, &'static str);

impl IntoResponse for ApiRefusal {
    fn into_response(self) -> Response {
        (self.0, axum::Json(serde_json::json!({"error": self.1}))).into_response()
    }
}

/// How stale an API key's `last_used_at` may get before a request writes it again.
const KEY_USE_GRANULARITY: time::Duration = time::Duration::minutes(1);

/// The workspace admin an `Authorization: Bearer sgak_…` API key stands for. `Ok(None)`
/// when the request carries no such header; a key that is malformed, unknown or
/// revoked is refused rather than falling back to the cookie.
async fn api_key(parts: &Parts, app: &AppState) -> Result<Option<AdminSession>, ApiRefusal> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let refused = ApiRefusal(
        StatusCode::UNAUTHORIZED,
        "the API key is unknown or revoked; create one on the console's API keys page",
    );
    let text = value.to_str().map_err(|_| refused.clone())?.trim();
    let (scheme, key) = text.split_once(' ').ok_or(refused.clone())?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(refused);
    }
    let key =
        PlainToken::parse(SecretKind::AdminApiKey, key.trim()).map_err(|_| refused.clone())?;
    let record = app
        .store
        .use_api_key(key.hash().as_str(), app.clock.now(), KEY_USE_GRANULARITY)
        .await
        .map_err(|_| unavailable())?
        .ok_or(refused)?;
    Ok(Some(AdminSession {
        workspace_id: record.workspace_id,
        email: String::new(),
        actor: format!("api key {}", record.name),
        token_hash: key.hash().as_str().to_owned(),
        csrf: String::new(),
    }))
}

fn unavailable() -> ApiRefusal {
    ApiRefusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable; retry",
    )
}

/// The admin behind an `/admin/api` request: an admin API key (`Authorization:
/// Bearer sgak_…`, no CSRF check: browsers never send it on their own) or the session
/// cookie. Writes with the cookie must also prove they come from our own pages or a
/// script: an `x-csrf-token` header with the session's token, or a JSON body (which
/// a cross-site form cannot send).
#[derive(Debug, Clone)]
pub(crate) struct AdminAuth(pub(crate) AdminSession);

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiRefusal;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(key) = api_key(parts, app).await? {
            attribute(parts, &key.workspace_id);
            return Ok(Self(key));
        }
        let session = current(&parts.headers, app)
            .await
            .map_err(|_| unavailable())?
            .ok_or(ApiRefusal(
                StatusCode::UNAUTHORIZED,
                "sign in as a workspace admin first",
            ))?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        let json = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !safe && !json && !header_token.is_some_and(|t| same(t, &session.csrf)) {
            return Err(ApiRefusal(
                StatusCode::FORBIDDEN,
                "send a JSON body or the x-csrf-token header with writes",
            ));
        }
        attribute(parts, &session.workspace_id);
        Ok(Self(session))
    }
}

/// Names the admin's workspace on the request's log line.
fn attribute(parts: &Parts, workspace: &str) {
    if let Some(a) = parts.extensions.get::<Attribution>() {
        a.set(workspace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let v = set_cookie("__Host-scimgate_session", "sgss_x", SESSION_LIFETIME, true);
        let v = v.to_str().unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(v.contains(part), "{v} lacks {part}");
        }
        let plain = set_cookie("scimgate_session", "x", time::Duration::ZERO, false);
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(plain.to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; scimgate_session=sgss_abc; b=2"),
        );
        assert_eq!(
            cookie_value(&h, "scimgate_session").as_deref(),
            Some("sgss_abc")
        );
        assert_eq!(cookie_value(&h, "missing"), None);
    }

    #[test]
    fn csrf_is_stable_distinct_and_not_the_cookie() {
        assert_eq!(csrf_of("a"), csrf_of("a"));
        assert_ne!(csrf_of("a"), csrf_of("b"));
        assert!(!csrf_of("sgss_a").contains("sgss_a"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
