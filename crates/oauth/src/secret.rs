use std::fmt;

use sha2::{Digest, Sha256};

/// What a random secret is for. The prefix makes each kind recognisable to a person
/// and to secret scanners, and lets the gateway reject the wrong kind without a
/// database round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// A workspace's SCIM bearer token.
    WorkspaceToken,
    /// An OAuth client's identifier. Public, not secret, but random so that one
    /// client cannot guess another's; only [`PlainToken::expose`] is used for it.
    ClientId,
    /// An OAuth client's secret.
    ClientSecret,
    /// An authorization code (RFC 6749 §4.1.2).
    AuthorizationCode,
    /// An OAuth refresh token.
    RefreshToken,
    /// A workspace admin's console session (the cookie value).
    Session,
    /// The single-use ticket that binds a consent form to its session and request.
    ConsentTicket,
    /// A workspace admin API key for `/admin/api` scripts.
    AdminApiKey,
}

impl SecretKind {
    /// The literal prefix of this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::WorkspaceToken => "sgt_",
            Self::ClientId => "sgci_",
            Self::ClientSecret => "sgcs_",
            Self::AuthorizationCode => "sgac_",
            Self::RefreshToken => "sgrt_",
            Self::Session => "sgss_",
            Self::ConsentTicket => "sgct_",
            Self::AdminApiKey => "sgak_",
        }
    }
}

/// Random bytes in every secret: 256 bits, far beyond guessing.
const RANDOM_BYTES: usize = 32;

/// A secret as the person sees it once: prefix plus 64 lowercase hex digits.
/// `Debug` and `Display` never show it; [`PlainToken::expose`] does, for the one
/// place that prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainToken {
    kind: SecretKind,
    text: String,
}

/// Why a presented credential is not a well-formed secret of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the credential does not start with the expected prefix")]
    WrongPrefix,
    #[error("the credential has the right prefix but the wrong length or characters")]
    Malformed,
}

impl PlainToken {
    /// A new random secret of this kind, from the operating system's CSPRNG.
    pub fn generate(kind: SecretKind) -> Self {
        let mut bytes = [0u8; RANDOM_BYTES];
        // The OS random source failing is unrecoverable: no secret can be made safely.
        getrandom::fill(&mut bytes).expect("operating system random source failed");
        Self {
            kind,
            text: format!("{}{}", kind.prefix(), hex::encode(bytes)),
        }
    }

    /// Checks that `text` is shaped like a secret of `kind`.
    pub fn parse(kind: SecretKind, text: &str) -> Result<Self, TokenError> {
        let body = text
            .strip_prefix(kind.prefix())
            .ok_or(TokenError::WrongPrefix)?;
        let well_formed = body.len() == RANDOM_BYTES * 2
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(TokenError::Malformed);
        }
        Ok(Self {
            kind,
            text: text.to_owned(),
        })
    }

    /// The secret itself, to print once.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// What this secret is for.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The hash that is stored instead of the secret.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.text.as_bytes())))
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlainToken({}…)", self.kind.prefix())
    }
}

impl fmt::Display for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", self.kind.prefix())
    }
}

/// SHA-256 of a secret, lowercase hex. A plain hash (no salt, no argon2) is right
/// here: the secret has 256 random bits, so there is nothing to brute-force, and
/// lookup by hash must be one indexed equality.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hex text stored in the database.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [SecretKind; 8] = [
        SecretKind::WorkspaceToken,
        SecretKind::ClientId,
        SecretKind::ClientSecret,
        SecretKind::AuthorizationCode,
        SecretKind::RefreshToken,
        SecretKind::Session,
        SecretKind::ConsentTicket,
        SecretKind::AdminApiKey,
    ];

    #[test]
    fn no_kind_parses_as_another() {
        for kind in ALL {
            let t = PlainToken::generate(kind);
            for other in ALL {
                let parsed = PlainToken::parse(other, t.expose());
                if other == kind {
                    assert_eq!(parsed.unwrap(), t);
                } else {
                    assert_eq!(
                        parsed,
                        Err(TokenError::WrongPrefix),
                        "{kind:?} as {other:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = PlainToken::generate(SecretKind::WorkspaceToken);
        let b = PlainToken::generate(SecretKind::WorkspaceToken);
        assert_ne!(a, b);
        assert!(a.expose().starts_with("sgt_"));
        assert_eq!(a.expose().len(), 4 + 64);
        assert_eq!(
            PlainToken::parse(SecretKind::WorkspaceToken, a.expose()).unwrap(),
            a
        );
    }

    #[test]
    fn hash_is_sha256_hex_of_the_whole_token() {
        let t = PlainToken::parse(
            SecretKind::WorkspaceToken,
            &format!("sgt_{}", "ab".repeat(32)),
        )
        .unwrap();
        let h = t.hash();
        assert_eq!(h.as_str().len(), 64);
        assert_eq!(h, t.clone().hash());
        assert_ne!(h.as_str(), &t.expose()[4..]);
        // Known answer, computed independently (Python hashlib).
        assert_eq!(
            h.as_str(),
            "c8637573f2c9f2fd2f005b6ba21fb33094e892182e41ae89001d0a5857c9dd5f"
        );
    }

    #[test]
    fn rejects_wrong_prefix_length_and_characters() {
        let k = SecretKind::WorkspaceToken;
        assert_eq!(
            PlainToken::parse(k, "non-token"),
            Err(TokenError::WrongPrefix)
        );
        assert_eq!(
            PlainToken::parse(k, "eyJhbGciOi.x.y"),
            Err(TokenError::WrongPrefix)
        );
        assert_eq!(PlainToken::parse(k, "sgt_abc"), Err(TokenError::Malformed));
        assert_eq!(
            PlainToken::parse(k, &format!("sgt_{}", "AB".repeat(32))),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            PlainToken::parse(k, &format!("sgt_{}", "0".repeat(65))),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let t = PlainToken::generate(SecretKind::WorkspaceToken);
        let body = &t.expose()[4..];
        assert!(!format!("{t:?}").contains(body));
        assert!(!format!("{t}").contains(body));
    }
}
