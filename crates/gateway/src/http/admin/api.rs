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

/// Query parameters whose refusal is the API's JSON 400, not axum's plain text.
pub(super) struct ApiQuery<T>(pub(super) T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S>
    for ApiQuery<T>
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e| error(StatusCode::BAD_REQUEST, &e.body_text()))
    }
}

/// A JSON body whose refusal is the API's JSON 400, not axum's plain text.
pub(super) struct ApiJson<T>(pub(super) T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(req, state)
            .await
            .map(|j| Self(j.0))
            .map_err(|e| error(StatusCode::BAD_REQUEST, &e.body_text()))
    }
}
