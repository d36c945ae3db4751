//! The billing-hook dispatcher: a background task of `serve` that claims due
//! deliveries from the outbox, sends each once (`seats::deliver`), and records the
//! result with the next retry time or a dead letter.
//!
//! Delivery is at least once: a claim is a lease, so a process killed mid-attempt
//! leaves its deliveries due again once the lease ends, and another process (or this
//! one, restarted) sends them. Receivers drop duplicates by `webhook-id`.

use std::sync::Arc;
use std::time::Duration;

use store::{AttemptResult, DueDelivery, Store};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::Config;
use crate::http::metrics::Metrics;

/// Deliveries claimed per round; a full batch starts the next round at once.
const BATCH: u32 = 16;
/// The claim outlives the attempt's timeout by this much, so a slow attempt is
/// recorded before anyone else may take the delivery.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The dispatcher's settings, from the configuration.
#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    client: reqwest::Client,
    backoff: seats::Backoff,
    poll_interval: Duration,
    lease: Duration,
    metrics: Arc<Metrics>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        config: &Config,
        metrics: Arc<Metrics>,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            store,
            client: seats::client(config.hook_timeout)?,
            backoff: config.hook_backoff,
            poll_interval: config.hook_poll_interval,
            lease: config.hook_timeout + LEASE_MARGIN,
            metrics,
        })
    }

    /// Runs until `stop` turns true; attempts in flight then finish (each bounded by
    /// the attempt timeout) and are recorded.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            let claimed = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "billing hooks: cannot claim deliveries; retrying");
                    0
                }
            };
            if *stop.borrow() {
                return;
            }
            if claimed < BATCH as usize {
                tokio::select! {
                    _ = stop.changed() => return,
                    () = tokio::time::sleep(self.poll_interval) => {}
                }
            }
        }
    }

    /// Claims one batch and sends it; returns how many deliveries it claimed.
    async fn round(&self) -> Result<usize, store::StoreError> {
        let due = self
            .store
            .claim_deliveries(Clock.now(), self.lease, BATCH)
            .await?;
        let claimed = due.len();
        let mut attempts = JoinSet::new();
        for d in due {
            let this = self.clone();
            attempts.spawn(async move { this.attempt(d).await });
        }
        while attempts.join_next().await.is_some() {}
        Ok(claimed)
    }

    #[tracing::instrument(skip_all, fields(delivery.id = %d.id, hook.id = %d.hook_id, event.id = %d.event_id))]
    async fn attempt(&self, d: DueDelivery) {
        let outcome = match seats::WebhookSecret::parse(&d.secret) {
            Ok(secret) => {
                let sent_at = Clock.now().unix_timestamp();
                let id = d.event_id.hyphenated().to_string();
                seats::deliver(
                    &self.client,
                    &d.url,
                    &secret,
                    &id,
                    sent_at,
                    d.payload.as_bytes(),
                )
                .await
            }
            Err(e) => seats::Attempt::Failed {
                status: None,
                error: format!("the stored hook secret is unusable: {e}"),
            },
        };
        let now = Clock.now();
        let attempt = u32::try_from(d.attempts)
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let result = match &outcome {
            seats::Attempt::Delivered { status } => {
                tracing::debug!(status, "billing hook delivered");
                self.metrics.record_hook_attempt("delivered");
                AttemptResult {
                    status: Some(*status),
                    error: None,
                    retry_at: None,
                }
            }
            seats::Attempt::Failed { status, error } => {
                let retry_at = self
                    .backoff
                    .next_delay(attempt, jitter())
                    .and_then(|d| time::Duration::try_from(d).ok())
                    .map(|d| now + d);
                if retry_at.is_some() {
                    tracing::info!(attempt, error = %error, "billing hook failed; will retry");
                    self.metrics.record_hook_attempt("retry");
                } else {
                    self.metrics.record_hook_attempt("dead");
                    tracing::warn!(attempt, error = %error,
                        "billing hook dead-lettered; replay it with `scimgate hook replay`");
                }
                AttemptResult {
                    status: *status,
                    error: Some(error),
                    retry_at,
                }
            }
        };
        if let Err(e) = self.store.record_attempt(d.id, now, &result).await {
            // The lease ends and the delivery is attempted again: at least once.
            tracing::warn!(error = %e, "billing hook: cannot record the attempt");
        }
    }
}

/// A uniform number in [0, 1) from the OS, for the retry jitter; 0.5 if none is to be had.
fn jitter() -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "53 random bits fit an f64's mantissa exactly"
    )]
    getrandom::u64().map_or(0.5, |r| (r >> 11) as f64 / (1u64 << 53) as f64)
}
