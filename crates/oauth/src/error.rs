//! OAuth 2.0 error codes and the error body shared by the authorization and token
//! endpoints (RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1).

use std::fmt;

use serde::Serialize;

/// An error code from RFC 6749 §4.1.2.1 (authorization endpoint), §5.2 (token
/// endpoint) or RFC 7009 §2.2.1 (revocation endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Missing, repeated or malformed parameter; several credentials.
    InvalidRequest,
    /// Client authentication failed (RFC 6749 §5.2).
    InvalidClient,
    /// Bad, expired, replayed or foreign code or refresh token (RFC 6749 §5.2).
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// The grant type is not supported (RFC 6749 §5.2).
    UnsupportedGrantType,
    /// Unknown, malformed or widened scope.
    InvalidScope,
    /// The resource owner denied the request (RFC 6749 §4.1.2.1).
    AccessDenied,
    /// The response type is not supported (RFC 6749 §4.1.2.1).
    UnsupportedResponseType,
    /// Unexpected failure on our side; never used for a bad grant.
    ServerError,
    /// Overload or maintenance (RFC 6749 §4.1.2.1).
    TemporarilyUnavailable,
    /// The token type cannot be revoked (RFC 7009 §2.2.1).
    UnsupportedTokenType,
}

impl ErrorCode {
    /// The exact wire value of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::UnsupportedTokenType => "unsupported_token_type",
        }
    }

    /// The HTTP status of a JSON error response with this code (RFC 6749 §5.2):
    /// 401 for `invalid_client` (the gateway adds `WWW-Authenticate`), 500 and 503
    /// for our own failures, 400 otherwise.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidClient => 401,
            Self::ServerError => 500,
            Self::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An OAuth error: a code plus a human-readable description for the client developer.
///
/// Serializes to the RFC 6749 §5.2 body `{"error": …, "error_description": …}`
/// (the description is left out when empty). The description is sanitized on
/// construction; it must never contain a secret, since it is sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The error code.
    #[serde(rename = "error")]
    pub code: ErrorCode,
    /// Printable ASCII without `"` and `\` (RFC 6749 §5.2).
    #[serde(rename = "error_description", skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl OAuthError {
    /// An error with a sanitized description.
    pub fn new(code: ErrorCode, description: impl AsRef<str>) -> Self {
        Self {
            code,
            description: sanitize_description(description.as_ref()),
        }
    }

    /// `invalid_request` with a description.
    pub fn invalid_request(description: impl AsRef<str>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_client` with a description.
    pub fn invalid_client(description: impl AsRef<str>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    /// `invalid_grant` with a description.
    pub fn invalid_grant(description: impl AsRef<str>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// `invalid_scope` with a description.
    pub fn invalid_scope(description: impl AsRef<str>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }

    /// The HTTP status of this error as a token-endpoint JSON response.
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

/// Keeps only the characters RFC 6749 §4.1.2.1 and §5.2 allow in `error_description`
/// (`%x20-21 / %x23-5B / %x5D-7E`): `"` becomes `'`, `\` becomes `/`, anything else
/// outside the set (control characters, non-ASCII) becomes `?`.
pub fn sanitize_description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests;
