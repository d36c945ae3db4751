//! SCIM responses: `application/scim+json` bodies, and the one error type of the
//! SCIM surface with its status mapping (RFC 7644 §3.12).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use store::StoreError;

use scim::ScimType;

use super::auth::Refusal;
use crate::provlog::Reason;
use crate::telemetry::request_id;

/// A JSON body sent as `application/scim+json` (RFC 7644 §8.1).
pub(crate) struct Scim<T>(pub T);

impl<T: Serialize> IntoResponse for Scim<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(scim::MEDIA_TYPE),
                )],
                body,
            )
                .into_response(),
            Err(e) => {
                ScimApiError::Internal(format!("serializing a response: {e}")).into_response()
            }
        }
    }
}

/// Every way a SCIM request can fail.
#[derive(Debug)]
pub(crate) enum ScimApiError {
    /// A protocol error for the client, as is.
    Scim(scim::Error),
    /// The credential was refused: 401 with `WWW-Authenticate`.
    Unauthorized(Refusal),
    /// No free seat and auto-charge may not buy one: 403 with the counts.
    SeatLimit(seats::LimitReached),
    /// An admin cancelled the deprovisionings the guard held: 403.
    DeprovisioningCancelled,
    /// SCIM is turned off in the workspace's Provisioning settings: 403.
    ScimDisabled,
    /// The body is over the limit: 413, and the connection is closed because the
    /// rest of the body was never read.
    PayloadTooLarge,
    /// The database is unreachable or saturated: 503, retry later.
    Unavailable(String),
    /// Too many requests in flight, or one took longer than the request timeout:
    /// 503, retry shortly.
    Overloaded(&'static str),
    /// This credential is over its rate limit: 429, retry after that many seconds.
    RateLimited(u64),
    /// The deprovisioning guard paused deactivations and deletions: 503 with a long
    /// `Retry-After`, so the IdP keeps the change and retries after an admin decided.
    DeprovisioningPaused,
    /// A bug: 500 with the request id; the detail goes to the log only.
    Internal(String),
}

/// Seconds an IdP should wait before retrying a 503 (Okta reads integer seconds only).
const RETRY_AFTER_SECONDS: &str = "5";
/// Seconds before retrying a request shed under load: the burst is usually over.
const OVERLOAD_RETRY_AFTER_SECONDS: &str = "1";
/// Seconds before retrying a deprovisioning the guard paused: a person must act first.
const PAUSED_RETRY_AFTER_SECONDS: &str = "600";

impl ScimApiError {
    /// Why the request failed, for the provisioning log: by variant, then by the
    /// protocol error's `scimType` and status, never by its prose.
    pub(crate) fn reason(&self) -> Reason {
        match self {
            Self::Unauthorized(refusal) => refusal.reason(),
            Self::SeatLimit(_) => Reason::SeatLimit,
            Self::DeprovisioningCancelled => Reason::DeprovisioningCancelled,
            Self::ScimDisabled => Reason::ScimOff,
            Self::DeprovisioningPaused => Reason::DeprovisioningPaused,
            Self::PayloadTooLarge => Reason::PayloadTooLarge,
            Self::Unavailable(_) => Reason::Unavailable,
            Self::Overloaded(_) => Reason::Overloaded,
            Self::RateLimited(_) => Reason::RateLimited,
            Self::Internal(_) => Reason::Internal,
            Self::Scim(e) => match (e.scim_type, e.status) {
                (Some(ScimType::Uniqueness), _) | (None, 409) => Reason::Uniqueness,
                (Some(ScimType::InvalidFilter), _) => Reason::InvalidFilter,
                (Some(ScimType::InvalidSyntax), _) => Reason::InvalidSyntax,
                (Some(ScimType::InvalidValue), _) => Reason::InvalidValue,
                (Some(ScimType::InvalidPath), _) => Reason::InvalidPath,
                (Some(ScimType::NoTarget), _) => Reason::NoTarget,
                (Some(ScimType::Mutability), _) => Reason::Mutability,
                (Some(ScimType::TooMany), _) => Reason::TooMany,
                (Some(ScimType::InvalidVers), _) => Reason::InvalidVersion,
                (Some(ScimType::Sensitive), _) => Reason::Sensitive,
                (None, 404) => Reason::NotFound,
                (None, 405) => Reason::MethodNotAllowed,
                (None, 412) => Reason::VersionMismatch,
                (None, 413) => Reason::PayloadTooLarge,
                (None, 500..) => Reason::Internal,
                (None, _) => Reason::Other,
            },
        }
    }
}

/// The failure's reason, left on the response for the provisioning log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failed(pub(crate) Reason);

impl IntoResponse for ScimApiError {
    fn into_response(self) -> Response {
        let reason = self.reason();
        let (error, extra): (scim::Error, Option<(header::HeaderName, HeaderValue)>) = match self {
            Self::Scim(e) => (e, None),
            Self::Unauthorized(refusal) => (
                scim::Error::new(401, refusal.detail()),
                Some((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="scimgate", error="invalid_token""#),
                )),
            ),
            // Okta and Entra ID show `detail` to the IT admin; no RFC scimType fits.
            Self::SeatLimit(limit) => (scim::Error::new(403, limit.detail()), None),
            Self::DeprovisioningCancelled => (
                scim::Error::new(
                    403,
                    "A workspace admin cancelled the deactivations and deletions held by scimgate's deprovisioning \
                     safeguard. Check the application's assignments in the IdP; the admin resumes deprovisioning in \
                     scimgate when they are right.",
                ),
                None,
            ),
            Self::ScimDisabled => (scim::Error::new(403, super::auth::SCIM_OFF), None),
            Self::PayloadTooLarge => (
                scim::Error::new(
                    413,
                    format!(
                        "The request body is larger than the {} bytes this server accepts.",
                        crate::http::MAX_BODY_BYTES
                    ),
                ),
                Some((header::CONNECTION, HeaderValue::from_static("close"))),
            ),
            Self::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                (
                    scim::Error::new(
                        503,
                        "The service is temporarily unavailable. The request was not applied; retry later.",
                    ),
                    Some((header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS))),
                )
            }
            Self::Overloaded(detail) => (
                scim::Error::new(503, detail),
                Some((header::RETRY_AFTER, HeaderValue::from_static(OVERLOAD_RETRY_AFTER_SECONDS))),
            ),
            Self::RateLimited(wait) => (
                scim::Error::new(
                    429,
                    format!(
                        "This credential sent more SCIM requests than the gateway allows (SCIMGATE_SCIM_RATE_LIMIT). \
                         The request was not applied; retry after {wait} s."
                    ),
                )
                .with_type(scim::ScimType::TooMany),
                Some((header::RETRY_AFTER, HeaderValue::from(wait))),
            ),
            Self::DeprovisioningPaused => (
                scim::Error::new(
                    503,
                    "Deprovisioning is paused in this workspace: more users were deactivated or deleted in a short \
                     time than its safeguard allows. The request was not applied and can be retried; a workspace \
                     admin resumes or cancels deprovisioning in scimgate (`scimgate guard resume`).",
                ),
                Some((header::RETRY_AFTER, HeaderValue::from_static(PAUSED_RETRY_AFTER_SECONDS))),
            ),
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (
                    scim::Error::new(500, format!("internal error (request id {})", request_id())),
                    None,
                )
            }
        };
        let status =
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Scim(error)).into_response();
        response.extensions_mut().insert(Failed(reason));
        if let Some((name, value)) = extra {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

impl From<scim::Error> for ScimApiError {
    fn from(e: scim::Error) -> Self {
        Self::Scim(e)
    }
}

impl From<StoreError> for ScimApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::Scim(scim::Error::new(404, "Resource not found.")),
            StoreError::Conflict(field) => Self::Scim(
                scim::Error::new(409, conflict_detail(field)).with_type(scim::ScimType::Uniqueness),
            ),
            // RFC 7644 §3.14: a stale If-Match is 412 Precondition Failed.
            StoreError::VersionMismatch => Self::Scim(scim::Error::new(
                412,
                "The resource was changed since it was read (If-Match does not match its version). Read it again and retry.",
            )),
            StoreError::UnknownMembers(ids) => Self::Scim(
                scim::Error::new(
                    400,
                    format!(
                        "These group members are not users of this workspace: {}. Provision the users first.",
                        ids.join(", ")
                    ),
                )
                .with_type(scim::ScimType::InvalidValue),
            ),
            StoreError::SeatLimit(limit) => Self::SeatLimit(limit),
            StoreError::DeprovisioningHeld(store::Held::Paused) => Self::DeprovisioningPaused,
            StoreError::DeprovisioningHeld(store::Held::Cancelled) => Self::DeprovisioningCancelled,
            StoreError::Unavailable(detail) => Self::Unavailable(detail),
            StoreError::Internal(detail) => Self::Internal(detail),
        }
    }
}

/// What an IT admin reading a 409 in Okta or Entra should know.
fn conflict_detail(field: store::UniqueField) -> &'static str {
    match field {
        store::UniqueField::UserName => {
            "A user with this userName already exists in this workspace (userNames are compared without regard \
             to case). Link the existing user instead of creating a new one: in Okta, import users; in Entra ID, \
             check the attribute used for matching."
        }
        store::UniqueField::GroupDisplayName => {
            "A group with this displayName already exists in this workspace (compared without regard to case). \
             Link the existing group instead of creating a new one."
        }
        store::UniqueField::WorkspaceId
        | store::UniqueField::TokenName
        | store::UniqueField::AdminEmail
        | store::UniqueField::ApiKeyName => "This resource already exists.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parts(e: ScimApiError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let r = e.into_response();
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn maps_each_variant_to_status_body_and_headers() {
        let cases: Vec<(ScimApiError, u16, Option<&str>, Option<&str>)> = vec![
            (
                ScimApiError::Unauthorized(Refusal::Unknown),
                401,
                None,
                Some("www-authenticate"),
            ),
            (
                ScimApiError::Unavailable("pool timed out".into()),
                503,
                None,
                Some("retry-after"),
            ),
            (
                ScimApiError::Overloaded("busy"),
                503,
                None,
                Some("retry-after"),
            ),
            (
                ScimApiError::RateLimited(7),
                429,
                Some("tooMany"),
                Some("retry-after"),
            ),
            (
                ScimApiError::Internal("secret detail".into()),
                500,
                None,
                None,
            ),
            (StoreError::NotFound.into(), 404, None, None),
            (
                StoreError::DeprovisioningHeld(store::Held::Paused).into(),
                503,
                None,
                Some("retry-after"),
            ),
            (
                StoreError::DeprovisioningHeld(store::Held::Cancelled).into(),
                403,
                None,
                None,
            ),
            (
                StoreError::SeatLimit(seats::LimitReached {
                    in_use: 5,
                    purchased: 5,
                    cap: None,
                    auto_charge: false,
                })
                .into(),
                403,
                None,
                None,
            ),
            (
                StoreError::Conflict(store::UniqueField::TokenName).into(),
                409,
                Some("uniqueness"),
                None,
            ),
            (
                StoreError::Unavailable("x".into()).into(),
                503,
                None,
                Some("retry-after"),
            ),
            (
                scim::Error::bad_request(scim::ScimType::InvalidFilter, "f").into(),
                400,
                Some("invalidFilter"),
                None,
            ),
        ];
        for (err, status, scim_type, header) in cases {
            let (s, h, body) = parts(err).await;
            assert_eq!(s.as_u16(), status);
            assert_eq!(h[header::CONTENT_TYPE], scim::MEDIA_TYPE);
            assert_eq!(body["status"], status.to_string());
            assert_eq!(body["schemas"][0], scim::ERROR_SCHEMA);
            assert_eq!(body["scimType"].as_str(), scim_type);
            assert!(!body["detail"].as_str().unwrap().is_empty());
            assert!(
                !body.to_string().contains("secret detail")
                    && !body.to_string().contains("pool timed out")
            );
            if let Some(name) = header {
                assert!(h.contains_key(name), "{status} lacks {name}");
            }
        }
    }
}
