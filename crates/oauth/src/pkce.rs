//! PKCE with `S256` only (RFC 7636; RFC 9700 §2.1.1). `plain` and a missing method
//! are refused, so a challenge can never be downgraded.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::OAuthError;

/// Shortest `code_challenge` / `code_verifier` (RFC 7636 §4.1, §4.2).
pub const MIN_LEN: usize = 43;
/// Longest `code_challenge` / `code_verifier` (RFC 7636 §4.1).
pub const MAX_LEN: usize = 128;

/// A `code_challenge` sent with `code_challenge_method=S256`, stored with the code.
/// It is a hash of the verifier, not a secret, so `Debug` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodeChallenge(String);

/// Why a `code_challenge` is refused at the authorization endpoint (all map to
/// `invalid_request`, RFC 7636 §4.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// No `code_challenge_method`: RFC 7636 §4.3 would default to `plain`.
    #[error("code_challenge_method is required and must be S256 (plain and downgrades rejected)")]
    MissingMethod,
    /// `plain` or an unknown method.
    #[error("code_challenge_method must be S256 (plain and downgrades rejected)")]
    UnsupportedMethod,
    /// Not 43 to 128 unreserved characters.
    #[error("code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")]
    MalformedChallenge,
}

impl CodeChallenge {
    /// Parses the authorization request's `code_challenge` and
    /// `code_challenge_method` (RFC 7636 §4.3). Only `S256` is accepted.
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<Self, PkceError> {
        match method {
            None => return Err(PkceError::MissingMethod),
            Some("S256") => {}
            Some(_) => return Err(PkceError::UnsupportedMethod),
        }
        if !is_pkce_string(challenge) {
            return Err(PkceError::MalformedChallenge);
        }
        Ok(Self(challenge.to_owned()))
    }

    /// The challenge as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` is well-formed and
    /// `BASE64URL-ENCODE(SHA256(ASCII(verifier))) == challenge` (RFC 7636 §4.6),
    /// compared in constant time.
    pub fn verify(&self, verifier: &str) -> bool {
        if !is_pkce_string(verifier) {
            return false;
        }
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        computed.as_bytes().ct_eq(self.0.as_bytes()).into()
    }
}

/// The token-endpoint PKCE decision for a code (RFC 7636 §4.6; RFC 9700 §2.1.1, §4.8):
/// no challenge and no verifier passes; a challenge needs a matching verifier; a
/// verifier for a code issued without a challenge is a downgrade. Every failure is
/// `invalid_grant`.
pub fn check_pkce(
    stored: Option<&CodeChallenge>,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    match (stored, verifier) {
        (None, None) => Ok(()),
        (Some(challenge), Some(v)) if challenge.verify(v) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant(
            "code_verifier is required: the authorization request sent a code_challenge",
        )),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent but the authorization request had no code_challenge",
        )),
    }
}

/// 43 to 128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 7636 §4.1).
fn is_pkce_string(s: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests;
