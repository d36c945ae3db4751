//! Token endpoint input (RFC 6749 §2.3, §4.1.3, §6; §4.4 for Entra's
//! `client_credentials`) and the lifetime rules for codes and refresh tokens.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use secrecy::SecretString;
use time::Duration;

use crate::error::OAuthError;

/// Idle life of a refresh token; each use slides it (RFC 9700 §4.14.2).
pub const REFRESH_IDLE_LIFETIME: Duration = Duration::days(180);

/// How the client authenticated at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: Basic` (`client_secret_basic`). A failure must answer 401
    /// with `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    Post,
}

/// A client id and secret presented at the token or revocation endpoint, not yet
/// checked against the stored hash. `Debug` never shows the secret.
pub struct ClientCredentials {
    /// The client id as presented.
    pub client_id: String,
    /// The client secret as presented.
    pub client_secret: SecretString,
    /// Where the credentials came from.
    pub method: AuthMethod,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("method", &self.method)
            .finish()
    }
}

/// Base64 of the Basic credentials; padding optional, as some clients drop it.
const BASIC_B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl ClientCredentials {
    /// Extracts client credentials from the `Authorization` header and the form body
    /// (RFC 6749 §2.3.1, §3.2.1):
    /// - Basic: base64 of `form-urlencoded(id) ":" form-urlencoded(secret)`, both parts
    ///   form-urldecoded here;
    /// - or `client_id` + `client_secret` in the body;
    /// - Basic plus a body `client_id` equal to Basic's is tolerated; a different one,
    ///   or Basic plus a body `client_secret`, is `invalid_request` (§2.3: one method);
    /// - nothing at all, a malformed header or another scheme is `invalid_client`.
    pub fn from_request(
        authorization_header: Option<&str>,
        form: &[(String, String)],
    ) -> Result<Self, OAuthError> {
        let body_id = single(form, "client_id")?;
        let body_secret = single(form, "client_secret")?;
        if let Some(header) = authorization_header {
            let (client_id, secret) = parse_basic(header)?;
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "client credentials sent both in the Authorization header and in the body",
                ));
            }
            if body_id.is_some_and(|id| id != client_id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the Authorization header",
                ));
            }
            return Ok(Self {
                client_id,
                client_secret: secret.into(),
                method: AuthMethod::Basic,
            });
        }
        match (body_id, body_secret) {
            (Some(id), Some(secret)) => Ok(Self {
                client_id: id.to_owned(),
                client_secret: secret.to_owned().into(),
                method: AuthMethod::Post,
            }),
            (Some(_), None) => Err(OAuthError::invalid_client("client_secret is required")),
            (None, _) => Err(OAuthError::invalid_client(
                "client authentication is required (HTTP Basic or client_id and client_secret)",
            )),
        }
    }
}

/// Decodes `Basic <base64>` into form-urldecoded id and secret.
fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
    let malformed = || OAuthError::invalid_client("malformed HTTP Basic credentials");
    let (scheme, token) = header.trim().split_once(' ').ok_or_else(malformed)?;
    // RFC 7617 §2 / RFC 9110 §11.1: the auth-scheme is case-insensitive.
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "unsupported authentication scheme; use HTTP Basic",
        ));
    }
    let bytes = BASIC_B64.decode(token.trim()).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let id = form_urldecode(id).ok_or_else(malformed)?;
    let secret = form_urldecode(secret).ok_or_else(malformed)?;
    if id.is_empty() {
        return Err(malformed());
    }
    Ok((id, secret))
}

/// `application/x-www-form-urlencoded` decoding of one value (RFC 6749 Appendix B):
/// `+` is a space, `%XX` a byte; `None` for a bad escape or invalid UTF-8.
fn form_urldecode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = hex_val(bytes.next()?)?;
                let lo = hex_val(bytes.next()?)?;
                out.push(hi << 4 | lo);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The value of `name` in `form`: `None` if absent or empty (RFC 6749 §3.2 treats an
/// empty value as omitted), `invalid_request` if repeated (§3.2).
fn single<'a>(form: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, OAuthError> {
    let mut found = form.iter().filter(|(k, _)| k == name);
    let first = found.next();
    if found.next().is_some() {
        return Err(OAuthError::invalid_request(format!("{name} is repeated")));
    }
    Ok(first.map(|(_, v)| v.as_str()).filter(|v| !v.is_empty()))
}

fn required<'a>(form: &'a [(String, String)], name: &str) -> Result<&'a str, OAuthError> {
    single(form, name)?.ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
}

/// A parsed token request. `Debug` never shows the code, verifier or refresh token.
pub enum TokenRequest {
    /// `grant_type=authorization_code` (RFC 6749 §4.1.3; RFC 7636 §4.5).
    AuthorizationCode {
        /// The authorization code.
        code: SecretString,
        /// Required iff it was sent in the authorization request (checked later).
        redirect_uri: Option<String>,
        /// The PKCE verifier, if sent.
        code_verifier: Option<SecretString>,
    },
    /// `grant_type=refresh_token` (RFC 6749 §6).
    RefreshToken {
        /// The refresh token.
        refresh_token: SecretString,
        /// A narrower scope, if asked for.
        scope: Option<String>,
    },
    /// `grant_type=client_credentials` (RFC 6749 §4.4), for Entra ID.
    ClientCredentials {
        /// The requested scope, if any.
        scope: Option<String>,
    },
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AuthorizationCode {
                redirect_uri,
                code_verifier,
                ..
            } => f
                .debug_struct("AuthorizationCode")
                .field("code", &"[REDACTED]")
                .field("redirect_uri", redirect_uri)
                .field(
                    "code_verifier",
                    &code_verifier.as_ref().map(|_| "[REDACTED]"),
                )
                .finish(),
            Self::RefreshToken { scope, .. } => f
                .debug_struct("RefreshToken")
                .field("refresh_token", &"[REDACTED]")
                .field("scope", scope)
                .finish(),
            Self::ClientCredentials { scope } => f
                .debug_struct("ClientCredentials")
                .field("scope", scope)
                .finish(),
        }
    }
}

/// Parameters that may appear in a token request body; any repeat is refused.
const TOKEN_PARAMS: [&str; 8] = [
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "client_id",
    "client_secret",
];

impl TokenRequest {
    /// Parses a token request body (RFC 6749 §3.2, §4.1.3, §4.4.2, §6). Repeated
    /// parameters and missing required ones are `invalid_request`; an unknown
    /// `grant_type` is `unsupported_grant_type`. Client credentials are read
    /// separately by [`ClientCredentials::from_request`].
    pub fn parse(form: &[(String, String)]) -> Result<Self, OAuthError> {
        for name in TOKEN_PARAMS {
            single(form, name)?;
        }
        let owned = |v: Option<&str>| v.map(str::to_owned);
        match required(form, "grant_type")? {
            "authorization_code" => Ok(Self::AuthorizationCode {
                code: required(form, "code")?.to_owned().into(),
                redirect_uri: owned(single(form, "redirect_uri")?),
                code_verifier: single(form, "code_verifier")?.map(|v| v.to_owned().into()),
            }),
            "refresh_token" => Ok(Self::RefreshToken {
                refresh_token: required(form, "refresh_token")?.to_owned().into(),
                scope: owned(single(form, "scope")?),
            }),
            "client_credentials" => Ok(Self::ClientCredentials {
                scope: owned(single(form, "scope")?),
            }),
            other => Err(OAuthError::new(
                crate::ErrorCode::UnsupportedGrantType,
                format!(
                    "grant_type {} is not supported; use authorization_code, refresh_token or client_credentials",
                    other.chars().take(40).collect::<String>()
                ),
            )),
        }
    }

    /// The `grant_type` value of this request.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::AuthorizationCode { .. } => "authorization_code",
            Self::RefreshToken { .. } => "refresh_token",
            Self::ClientCredentials { .. } => "client_credentials",
        }
    }
}

/// Checks the token request's `redirect_uri` against the code's binding
/// (RFC 6749 §4.1.3): if the authorization request carried `redirect_uri`, the token
/// request must repeat it (`invalid_request` when missing) and it must be identical
/// to the one used (`invalid_grant` otherwise, §5.2). If it was omitted there, a
/// value sent here must still equal the URI used.
pub fn check_redirect_binding(
    used: &str,
    sent_at_authorize: bool,
    presented: Option<&str>,
) -> Result<(), OAuthError> {
    match presented {
        None if sent_at_authorize => Err(OAuthError::invalid_request(
            "redirect_uri is required: it was sent in the authorization request",
        )),
        None => Ok(()),
        Some(p) if p == used => Ok(()),
        Some(_) => Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        )),
    }
}

#[cfg(test)]
mod tests;
