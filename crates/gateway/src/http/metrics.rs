//! Prometheus metrics: request counts and latency histograms by method, matched
//! route and status, served as text on `/metrics`.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HookLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

type HistogramFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The process's metrics registry.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    hook_attempts: Family<HookLabels, Counter>,
    provlog_dropped: Counter,
    unattributed: Family<ReasonLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~4 s: SCIM lookups take well under a millisecond, Okta gives up at 60 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Metrics {
    /// A registry with the request series registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("scimgate");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register_with_unit(
            "http_request_duration",
            "Time to serve an HTTP request",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        let hook_attempts = Family::<HookLabels, Counter>::default();
        registry.register(
            "hook_attempts",
            "Billing-hook delivery attempts by outcome: delivered, retry, dead",
            hook_attempts.clone(),
        );
        let provlog_dropped = Counter::default();
        registry.register(
            "provisioning_log_dropped",
            "Provisioning-log entries not written: the queue was full or the write failed",
            provlog_dropped.clone(),
        );
        let unattributed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "scim_unattributed_requests",
            "SCIM requests refused before any workspace was known, by reason",
            unattributed.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            hook_attempts,
            provlog_dropped,
            unattributed,
        }
    }

    /// Counts one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one billing-hook delivery attempt: `delivered`, `retry` or `dead`.
    pub fn record_hook_attempt(&self, outcome: &'static str) {
        self.hook_attempts
            .get_or_create(&HookLabels { outcome })
            .inc();
    }

    /// Counts provisioning-log entries that were dropped.
    pub(crate) fn record_provlog_dropped(&self, n: u64) {
        self.provlog_dropped.inc_by(n);
    }

    /// Counts a SCIM request that no workspace's log can hold (unknown credential).
    pub(crate) fn record_unattributed(&self, reason: &'static str) {
        self.unattributed
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// The Prometheus text exposition of every series.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
