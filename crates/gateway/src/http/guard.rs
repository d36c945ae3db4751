//! Overload protection in front of every handler. At most
//! `SCIMGATE_MAX_CONCURRENT_REQUESTS` requests run at once; the next one is shed at
//! once with 503 + `Retry-After` (Okta and Entra ID retry those) instead of queueing
//! until every client times out. Each request must finish, reading a slow client's
//! body included, within `SCIMGATE_REQUEST_TIMEOUT`; a late one is dropped (its
//! transaction rolls back uncommitted) and answered 503 the same way.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::scim::ScimApiError;
use crate::state::AppState;

const BUSY: &str = "The gateway is handling as many requests as it is configured for \
    (SCIMGATE_MAX_CONCURRENT_REQUESTS). The request was not applied; retry shortly.";
const TOO_SLOW: &str = "The request took longer than the gateway allows \
    (SCIMGATE_REQUEST_TIMEOUT) and was abandoned; retry it.";

pub(super) async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let scim = path.starts_with("/scim/");
    // Liveness and metrics touch no database: a probe must not fail because the
    // gateway is busy, or the orchestrator would restart it in the middle of a burst.
    let _permit = if matches!(path, "/healthz" | "/metrics") {
        None
    } else if let Ok(permit) = app.inflight.clone().try_acquire_owned() {
        Some(permit)
    } else {
        tracing::warn!("request shed: too many in flight");
        return refuse(scim, BUSY);
    };
    let Ok(response) = tokio::time::timeout(app.config.request_timeout, next.run(req)).await else {
        tracing::warn!(
            timeout_ms = app.config.request_timeout.as_millis(),
            "request timed out"
        );
        return refuse(scim, TOO_SLOW);
    };
    response
}

/// 503 + `Retry-After`: a SCIM error on the SCIM surface, else an OAuth-style JSON
/// error (RFC 6749 `temporarily_unavailable`), which the admin API shares.
fn refuse(scim: bool, detail: &'static str) -> Response {
    if scim {
        return ScimApiError::Overloaded(detail).into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, HeaderValue::from_static("1")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Json(serde_json::json!({
            "error": "temporarily_unavailable",
            "error_description": detail,
        })),
    )
        .into_response()
}
