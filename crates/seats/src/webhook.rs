//! Standard Webhooks symmetric signatures (standard-webhooks/standard-webhooks:
//! spec/standard-webhooks.md, "Signature scheme", "Webhook headers", "Verifying
//! signatures").
//!
//! - The secret is shown as `whsec_` + base64 of 24–64 random bytes ("Random. At least 24
//!   bytes (192 bits, 512 maximum)"); the HMAC key is the decoded bytes, not the text.
//! - The signed content is `{msg_id}.{timestamp}.{payload}`, the timestamp being the
//!   attempt's unix seconds, so every retry is signed afresh with the same id.
//! - `webhook-signature` is a space-delimited list of `v1,<base64 HMAC-SHA256>` (several
//!   during secret rotation); a receiver accepts if any `v1` entry matches.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// The prefix that marks a symmetric Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// `webhook-id`: the idempotency id, the same on every attempt.
pub const HEADER_ID: &str = "webhook-id";
/// `webhook-timestamp`: the attempt's time in unix seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature`: space-delimited `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// How far a receiver lets `webhook-timestamp` stray from its clock, either way: five
/// minutes, as the Standard Webhooks reference libraries use, against replays.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Random bytes in a newly generated secret (the spec's minimum is 24).
const GENERATED_LEN: usize = 32;
const MIN_LEN: usize = 24;
const MAX_LEN: usize = 64;

/// A hook endpoint's signing secret. `Debug` shows nothing of it and there is no
/// `Display`; [`WebhookSecret::expose`] is the one way to the text (shown once, stored).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

/// Why a secret's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// It does not start with `whsec_`.
    #[error("a webhook secret starts with \"whsec_\"")]
    MissingPrefix,
    /// The part after the prefix is not standard base64.
    #[error("a webhook secret is base64 after \"whsec_\"")]
    NotBase64,
    /// The key is shorter than 24 or longer than 64 bytes.
    #[error("a webhook secret holds 24 to 64 bytes, not {0}")]
    Length(usize),
}

/// Random bytes could not be had from the operating system.
#[derive(Debug, thiserror::Error)]
#[error("no randomness for a webhook secret: {0}")]
pub struct RandomnessError(getrandom::Error);

impl WebhookSecret {
    /// A new secret of 32 random bytes from the operating system.
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut key = vec![0; GENERATED_LEN];
        getrandom::fill(&mut key).map_err(RandomnessError)?;
        Ok(Self { key })
    }

    /// Reads `whsec_<base64>` as shown to users and stored.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_LEN..=MAX_LEN).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self { key })
    }

    /// The secret's text, `whsec_<base64>`: for showing once and for storage only.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, msg_id: &str, timestamp_secs: i64, payload: &[u8]) -> HmacSha256 {
        // RFC 2104 §2: HMAC takes keys of any length (longer ones are hashed first), and
        // the `hmac` crate's `new_from_slice` never fails for it.
        let mut mac =
            HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp_secs.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// One signature, `v1,<base64(HMAC-SHA256(key, "{msg_id}.{timestamp_secs}.{payload}"))>`.
///
/// `msg_id` must not contain `.` (the spec's rule; [`crate::Event::webhook_id`] never
/// does), and `payload` must be the exact bytes sent.
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp_secs: i64, payload: &[u8]) -> String {
    let tag = secret.mac(msg_id, timestamp_secs, payload).finalize();
    format!("v1,{}", STANDARD.encode(tag.into_bytes()))
}

/// The three headers of one delivery attempt: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature`.
pub fn headers(
    secret: &WebhookSecret,
    msg_id: &str,
    timestamp_secs: i64,
    payload: &[u8],
) -> [(&'static str, String); 3] {
    [
        (HEADER_ID, msg_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp_secs.to_string()),
        (
            HEADER_SIGNATURE,
            sign(secret, msg_id, timestamp_secs, payload),
        ),
    ]
}

/// Why a delivery was not accepted as ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `webhook-id` contains `.`, which would make the signed content ambiguous.
    #[error("invalid webhook-id")]
    InvalidId,
    /// `webhook-timestamp` is not an integer of unix seconds.
    #[error("invalid webhook-timestamp")]
    InvalidTimestamp,
    /// `webhook-timestamp` is further from `now` than the tolerance (a replay, or a
    /// badly wrong clock).
    #[error("webhook-timestamp outside the tolerance")]
    TimestampOutOfTolerance,
    /// No `v1` signature in `webhook-signature` matches.
    #[error("no matching signature")]
    NoMatchingSignature,
}

/// Checks a received delivery: headers are matched by name case-insensitively (HTTP header
/// names are), the timestamp must lie within `tolerance` of `now` either way, and at least
/// one `v1,` entry of `webhook-signature` must match, compared in constant time
/// (`Mac::verify_slice`), as "Verifying signatures" requires. Other schemes (`v1a`) and
/// malformed entries are skipped, so a rotation list still verifies.
pub fn verify<N: AsRef<str>, V: AsRef<str>>(
    secret: &WebhookSecret,
    headers: &[(N, V)],
    payload: &[u8],
    now: OffsetDateTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let find = |name: &'static str| {
        headers
            .iter()
            .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref().trim())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let msg_id = find(HEADER_ID)?;
    let timestamp = find(HEADER_TIMESTAMP)?;
    let signatures = find(HEADER_SIGNATURE)?;

    if msg_id.contains('.') {
        return Err(VerifyError::InvalidId);
    }
    // Only plain digits: `i64::from_str` would also take a sign, and the signed text must
    // be exactly what the header says.
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::InvalidTimestamp);
    }
    let timestamp_secs: i64 = timestamp
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp)?;
    if timestamp_secs.to_string() != timestamp {
        // Leading zeros: we would sign a different text than the one received.
        return Err(VerifyError::InvalidTimestamp);
    }
    let skew = now.unix_timestamp().abs_diff(timestamp_secs);
    if skew > tolerance.as_secs() {
        return Err(VerifyError::TimestampOutOfTolerance);
    }

    let mac = secret.mac(msg_id, timestamp_secs, payload);
    let matched = signatures
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|candidate| mac.clone().verify_slice(&candidate).is_ok());
    if matched {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    }
}

#[cfg(test)]
mod tests;
