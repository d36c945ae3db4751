//! Answers shared by the `/admin/api` handlers.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `{"error": message}` with `status`.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A storage failure: 503 (retry) when the database is unreachable, else 500.
pub(super) fn store_error(e: &store::StoreError) -> Response {
    if matches!(e, store::StoreError::Unavailable(_)) {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable; retry",
        )
    } else {
        tracing::error!(error = %e, "admin API storage failure");
        error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}
