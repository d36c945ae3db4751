//! Access tokens: JWTs signed with HS256 under a `kid`, verified only by the
//! gateway itself (so a shared secret is enough and no key is published).
//!
//! The algorithm is pinned on both sides, `exp` is checked against the caller's
//! clock rather than the library's, and every token names its grant (`sid`) so the
//! SCIM layer can refuse a revoked grant on every request.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long an access token lives: Okta refreshes lazily, so an hour keeps
/// revocation prompt without extra refreshes during an import.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::hours(1);

/// Bytes of an HMAC signing key (the SHA-256 block's worth of entropy).
const KEY_BYTES: usize = 32;

/// One HMAC key and its id.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    secret: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.kid)
    }
}

/// Why a key list from configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no signing key given")]
    Empty,
    #[error("key {0:?} is not KID:SECRET with a base64url secret")]
    Malformed(String),
    #[error("key {0:?} must have at least {KEY_BYTES} bytes of secret")]
    TooShort(String),
    #[error("key id {0:?} is used twice")]
    DuplicateKid(String),
}

impl SigningKey {
    /// A new random key.
    pub fn generate(kid: impl Into<String>) -> Self {
        let mut secret = vec![0u8; KEY_BYTES];
        getrandom::fill(&mut secret).expect("operating system random source failed");
        Self {
            kid: kid.into(),
            secret,
        }
    }

    /// A key from its id and base64url (unpadded) secret, as stored.
    pub fn from_parts(kid: &str, secret_b64: &str) -> Result<Self, KeyError> {
        let secret = URL_SAFE_NO_PAD
            .decode(secret_b64.trim())
            .map_err(|_| KeyError::Malformed(kid.to_owned()))?;
        if kid.is_empty()
            || !kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(KeyError::Malformed(kid.to_owned()));
        }
        if secret.len() < KEY_BYTES {
            return Err(KeyError::TooShort(kid.to_owned()));
        }
        Ok(Self {
            kid: kid.to_owned(),
            secret,
        })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The secret, base64url without padding, for storing.
    pub fn secret_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.secret)
    }
}

/// Parses `SCIMGATE_JWT_KEYS`: comma-separated `KID:SECRET`; the first one signs,
/// all of them verify (rotation: put the new key first, drop the old one an hour
/// later when its last tokens have expired).
pub fn parse_key_list(text: &str) -> Result<Vec<SigningKey>, KeyError> {
    let mut keys: Vec<SigningKey> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (kid, secret) = item
            .split_once(':')
            .ok_or_else(|| KeyError::Malformed(item.chars().take(16).collect()))?;
        let key = SigningKey::from_parts(kid.trim(), secret)?;
        if keys.iter().any(|k| k.kid == key.kid) {
            return Err(KeyError::DuplicateKid(key.kid));
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(KeyError::Empty);
    }
    Ok(keys)
}

/// The claims of a scimgate access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The issuer: the configured public URL.
    pub iss: String,
    /// The audience: the SCIM base URL.
    pub aud: String,
    /// The OAuth client's id.
    pub sub: String,
    /// The grant the token was issued under; revoking it kills the token.
    pub sid: Uuid,
    /// The workspace the grant belongs to.
    pub ws: String,
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

impl AccessClaims {
    /// Claims for a token issued `now` under `grant`, living [`ACCESS_TOKEN_LIFETIME`].
    pub fn new(
        issuer: &str,
        audience: &str,
        client_id: &str,
        grant: Uuid,
        workspace: &str,
        scope: &str,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            iss: issuer.to_owned(),
            aud: audience.to_owned(),
            sub: client_id.to_owned(),
            sid: grant,
            ws: workspace.to_owned(),
            scope: scope.to_owned(),
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_TOKEN_LIFETIME).unix_timestamp(),
            jti: Uuid::new_v4(),
        }
    }
}

/// Why a presented access token is refused; each becomes its own 401 detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessTokenError {
    #[error("the access token is not a well-formed JWT")]
    Malformed,
    #[error("the access token was signed with an algorithm other than HS256")]
    WrongAlgorithm,
    #[error("the access token names an unknown signing key")]
    UnknownKey,
    #[error("the access token's signature or claims are invalid")]
    Invalid,
    #[error("the access token was issued for another audience or issuer")]
    WrongAudience,
    #[error("the access token has expired")]
    Expired,
}

/// Verified tokens kept at most (each about a kilobyte with its claims).
const VERIFIED_CAPACITY: usize = 4096;

/// The keys in use: the first signs, all verify.
pub struct KeySet {
    keys: Vec<(String, EncodingKey, DecodingKey)>,
    /// Tokens that passed verification, by their exact text. An IdP sends one
    /// access token with every request for an hour, and its header, signature
    /// and claims were decoded again each time: most of what an access token
    /// cost a SCIM request over a bearer token (docs/benchmarks.md, change 20).
    /// Only a byte-identical copy of a verified token hits, and expiry, issuer
    /// and audience are checked again on every hit. The set of keys is fixed for
    /// the life of a `KeySet`, so a retired key's tokens go with it.
    verified: Mutex<HashMap<Box<str>, AccessClaims>>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|(kid, _, _)| kid))
            .finish()
    }
}

impl KeySet {
    /// From a non-empty key list; the first key signs.
    pub fn new(keys: &[SigningKey]) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self {
            keys: keys
                .iter()
                .map(|k| {
                    (
                        k.kid.clone(),
                        EncodingKey::from_secret(&k.secret),
                        DecodingKey::from_secret(&k.secret),
                    )
                })
                .collect(),
            verified: Mutex::new(HashMap::new()),
        })
    }

    /// Signs `claims` with the current key.
    pub fn sign(&self, claims: &AccessClaims) -> String {
        let (kid, key, _) = &self.keys[0];
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, claims, key)
            .expect("HS256 signing of serialisable claims cannot fail")
    }

    /// Verifies the signature (HS256 only), issuer, audience and expiry at `now`.
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
        now: OffsetDateTime,
    ) -> Result<AccessClaims, AccessTokenError> {
        let seen = self.verified().get(token).cloned();
        let claims = match seen {
            Some(claims) if claims.iss != issuer || claims.aud != audience => {
                return Err(AccessTokenError::WrongAudience);
            }
            Some(claims) => claims,
            None => {
                let claims = self.decode(token, issuer, audience)?;
                self.remember(token, &claims, now);
                claims
            }
        };
        if claims.exp <= now.unix_timestamp() {
            return Err(AccessTokenError::Expired);
        }
        Ok(claims)
    }

    /// The claims of `token` if its signature, issuer and audience hold.
    fn decode(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<AccessClaims, AccessTokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AccessTokenError::Malformed)?;
        if header.alg != Algorithm::HS256 {
            return Err(AccessTokenError::WrongAlgorithm);
        }
        let kid = header.kid.ok_or(AccessTokenError::UnknownKey)?;
        let (_, _, key) = self
            .keys
            .iter()
            .find(|(k, _, _)| *k == kid)
            .ok_or(AccessTokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked by the caller against the gateway's clock, not the library's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        Ok(
            jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
                .map_err(|e| match e.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidAudience
                    | jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                        AccessTokenError::WrongAudience
                    }
                    _ => AccessTokenError::Invalid,
                })?
                .claims,
        )
    }

    /// Keeps a verified token that is still live; a full cache first drops the
    /// expired ones, and all of them if that is not enough.
    fn remember(&self, token: &str, claims: &AccessClaims, now: OffsetDateTime) {
        if claims.exp <= now.unix_timestamp() {
            return;
        }
        let mut verified = self.verified();
        if verified.len() >= VERIFIED_CAPACITY {
            verified.retain(|_, c| c.exp > now.unix_timestamp());
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
        }
        verified.insert(token.into(), claims.clone());
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, AccessClaims>> {
        // The map holds no invariant a panicking holder could break.
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
