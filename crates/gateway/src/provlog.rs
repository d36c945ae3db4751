//! The provisioning log's writer: SCIM requests are queued on a bounded channel by
//! the request path (never waiting: a full queue drops the entry and counts it) and
//! written in batches by one task, which also keeps each workspace's history to its
//! newest [`KEEP_PER_WORKSPACE`] entries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::{LogEntry, Store};
use tokio::sync::mpsc;

use crate::http::metrics::Metrics;

/// Entries kept per workspace; older ones are pruned.
pub(crate) const KEEP_PER_WORKSPACE: u32 = 10_000;
/// Entries waiting to be written; beyond this, new ones are dropped and counted.
const QUEUE: usize = 16_384;
/// Most entries written in one transaction.
const BATCH: usize = 1024;
/// How long a batch may gather entries before it is written.
const GATHER: Duration = Duration::from_millis(100);
/// A workspace is pruned at most this often.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Why a SCIM request failed, in words an admin reads in the console. Derived
/// from the error's kind, status and `scimType` (`ScimApiError::reason`), never
/// from its prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    MissingToken,
    WrongToken,
    RevokedToken,
    ExpiredToken,
    OAuthExpired,
    OAuthRevoked,
    OAuthInvalid,
    CredentialKindOff,
    ScimOff,
    SeatLimit,
    DeprovisioningPaused,
    DeprovisioningCancelled,
    Uniqueness,
    InvalidFilter,
    InvalidSyntax,
    InvalidValue,
    InvalidPath,
    NoTarget,
    Mutability,
    TooMany,
    InvalidVersion,
    Sensitive,
    NotFound,
    VersionMismatch,
    MethodNotAllowed,
    PayloadTooLarge,
    Unavailable,
    Overloaded,
    RateLimited,
    Internal,
    Other,
}

impl Reason {
    /// Every reason, for tests and the docs table.
    pub(crate) const ALL: [Self; 31] = [
        Self::MissingToken,
        Self::WrongToken,
        Self::RevokedToken,
        Self::ExpiredToken,
        Self::OAuthExpired,
        Self::OAuthRevoked,
        Self::OAuthInvalid,
        Self::CredentialKindOff,
        Self::ScimOff,
        Self::SeatLimit,
        Self::DeprovisioningPaused,
        Self::DeprovisioningCancelled,
        Self::Uniqueness,
        Self::InvalidFilter,
        Self::InvalidSyntax,
        Self::InvalidValue,
        Self::InvalidPath,
        Self::NoTarget,
        Self::Mutability,
        Self::TooMany,
        Self::InvalidVersion,
        Self::Sensitive,
        Self::NotFound,
        Self::VersionMismatch,
        Self::MethodNotAllowed,
        Self::PayloadTooLarge,
        Self::Unavailable,
        Self::Overloaded,
        Self::RateLimited,
        Self::Internal,
        Self::Other,
    ];

    /// The stable code stored and returned by the API.
    pub(crate) const fn code(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::WrongToken => "wrong_token",
            Self::RevokedToken => "revoked_token",
            Self::ExpiredToken => "expired_token",
            Self::OAuthExpired => "oauth_token_expired",
            Self::OAuthRevoked => "oauth_grant_revoked",
            Self::CredentialKindOff => "credential_kind_off",
            Self::ScimOff => "scim_off",
            Self::OAuthInvalid => "oauth_token_invalid",
            Self::SeatLimit => "seat_limit",
            Self::DeprovisioningPaused => "deprovisioning_paused",
            Self::DeprovisioningCancelled => "deprovisioning_cancelled",
            Self::Uniqueness => "uniqueness",
            Self::InvalidFilter => "invalid_filter",
            Self::InvalidSyntax => "invalid_syntax",
            Self::InvalidValue => "invalid_value",
            Self::InvalidPath => "invalid_path",
            Self::NoTarget => "no_target",
            Self::Mutability => "mutability",
            Self::TooMany => "too_many",
            Self::InvalidVersion => "invalid_version",
            Self::Sensitive => "sensitive",
            Self::NotFound => "not_found",
            Self::VersionMismatch => "version_mismatch",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unavailable => "unavailable",
            Self::Overloaded => "overloaded",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal_error",
            Self::Other => "other",
        }
    }

    /// The reason in plain words, for the console.
    pub(crate) const fn words(self) -> &'static str {
        match self {
            Self::MissingToken => "No token was sent",
            Self::WrongToken => "Wrong token: not a token of this gateway",
            Self::RevokedToken => "The token was revoked",
            Self::ExpiredToken => "The token has expired",
            Self::OAuthExpired => "The OAuth access token has expired",
            Self::OAuthRevoked => "The OAuth authorization was revoked",
            Self::CredentialKindOff => {
                "This kind of credential is turned off in Provisioning settings"
            }
            Self::ScimOff => "SCIM is turned off in Provisioning settings",
            Self::OAuthInvalid => "The OAuth access token is not valid here",
            Self::SeatLimit => "Seat limit reached",
            Self::DeprovisioningPaused => "Held by the mass-deprovisioning safeguard",
            Self::DeprovisioningCancelled => "Deprovisioning cancelled by an admin",
            Self::Uniqueness => "Uniqueness conflict: the name is taken",
            Self::InvalidFilter => "Invalid filter",
            Self::InvalidSyntax => "Invalid request body",
            Self::InvalidValue => "Invalid attribute value",
            Self::InvalidPath => "Invalid PATCH path",
            Self::NoTarget => "PATCH path matched nothing",
            Self::Mutability => "Attempt to change a read-only attribute",
            Self::TooMany => "Too many results",
            Self::InvalidVersion => "Unsupported SCIM version",
            Self::Sensitive => "Sensitive data in the URL",
            Self::NotFound => "No such resource or endpoint",
            Self::VersionMismatch => "Changed since read (If-Match)",
            Self::MethodNotAllowed => "Method not allowed",
            Self::PayloadTooLarge => "Request body too large",
            Self::Unavailable => "Database unavailable; the IdP retries",
            Self::Overloaded => "Gateway busy (load shed); the IdP retries",
            Self::RateLimited => "Rate limit of the credential reached; the IdP retries",
            Self::Internal => "Internal error",
            Self::Other => "Refused",
        }
    }

    /// The reason of a stored code (the API shows its words too).
    pub(crate) fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A logged duration in milliseconds, for people.
#[expect(
    clippy::cast_precision_loss,
    reason = "durations are far below the 2^52 microseconds where f64 rounds"
)]
pub(crate) fn millis(micros: i64) -> f64 {
    micros as f64 / 1000.0
}

/// The request path's handle on the writer.
#[derive(Clone)]
pub(crate) struct Recorder {
    queue: mpsc::Sender<LogEntry>,
    metrics: Arc<Metrics>,
}

impl Recorder {
    /// A recorder and the writer task's receiving end.
    pub(crate) fn new(metrics: Arc<Metrics>) -> (Self, mpsc::Receiver<LogEntry>) {
        let (queue, rx) = mpsc::channel(QUEUE);
        (Self { queue, metrics }, rx)
    }

    /// Queues an entry without waiting; a full queue drops it and counts the drop.
    pub(crate) fn record(&self, entry: LogEntry) {
        if self.queue.try_send(entry).is_err() {
            self.metrics.record_provlog_dropped(1);
        }
    }

    /// Counts a SCIM request whose credential names no workspace.
    pub(crate) fn unattributed(&self, reason: Reason) {
        self.metrics.record_unattributed(reason.code());
    }
}

/// Writes queued entries in batches until every [`Recorder`] is gone and the
/// queue is empty.
pub(crate) async fn write(store: Store, mut rx: mpsc::Receiver<LogEntry>, metrics: Arc<Metrics>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut pruned: HashMap<String, Instant> = HashMap::new();
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        // Gather a little longer: one commit then carries many requests, and every
        // commit empties the page cache of each read connection (SQLite), so
        // committing per request would slow the reads that are being logged. The
        // task sleeps through the gathering instead of waiting on the queue, which
        // woke it once per request; the queue holds far more than one gathering.
        tokio::time::sleep(GATHER).await;
        while batch.len() < BATCH {
            let Ok(entry) = rx.try_recv() else { break };
            batch.push(entry);
        }
        if let Err(e) = store.append_log(&batch).await {
            tracing::warn!(error = %e, entries = batch.len(), "provisioning log entries lost");
            metrics.record_provlog_dropped(batch.len() as u64);
        }
        let now = Instant::now();
        for entry in &batch {
            let due = pruned
                .get(&entry.workspace_id)
                .is_none_or(|at| now.duration_since(*at) >= PRUNE_EVERY);
            if due {
                pruned.insert(entry.workspace_id.clone(), now);
                if let Err(e) = store
                    .prune_log(&entry.workspace_id, KEEP_PER_WORKSPACE)
                    .await
                {
                    tracing::debug!(error = %e, "could not prune the provisioning log");
                }
            }
        }
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        let mut codes: Vec<_> = Reason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert!(!r.words().is_empty());
        }
        assert_eq!(Reason::from_code("nope"), None);
    }
}
