use std::sync::Arc;

use store::Store;
use url::Url;

use crate::clock::Clock;
use crate::config::Config;
use crate::http::metrics::Metrics;
use crate::provlog::Recorder;
use crate::throttle::{RateLimits, Throttle};

/// Everything a handler needs, behind one shared allocation: axum's extractors and
/// middleware clone the state several times per request, and cloning the handles one
/// by one (a dozen reference counts on cache lines both cores write) was ~8 % of a
/// lookup's CPU (docs/benchmarks.md). Now a clone is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The handles of [`AppState`].
pub struct Shared {
    pub store: Store,
    pub clock: Clock,
    pub urls: Urls,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Access-token keys: the first signs, all verify.
    pub keys: Arc<oauth::KeySet>,
    /// Failed sign-ins per address and failed client authentications per client.
    pub throttle: Arc<Throttle>,
    /// Queues SCIM requests for the provisioning log.
    pub(crate) provlog: Recorder,
    /// Requests per credential, client and address.
    pub limits: Arc<RateLimits>,
    /// Permits for requests in flight (`SCIMGATE_MAX_CONCURRENT_REQUESTS`).
    pub inflight: Arc<tokio::sync::Semaphore>,
}

/// The external URLs the gateway hands out, built from `SCIMGATE_PUBLIC_URL`.
#[derive(Debug, Clone)]
pub struct Urls {
    base: Arc<str>,
    secure: bool,
}

impl Urls {
    /// From the public base URL (any trailing slash dropped).
    pub fn new(public: &Url) -> Self {
        Self {
            base: public.as_str().trim_end_matches('/').into(),
            secure: public.scheme() == "https",
        }
    }

    /// The OAuth issuer (RFC 8414 §2): the public URL itself, never a request header.
    pub fn issuer(&self) -> &str {
        &self.base
    }

    /// Whether users reach the gateway over https (cookies are then `Secure`).
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// The SCIM 2.0 base, the Tenant URL an IdP admin pastes.
    pub fn scim_base(&self) -> String {
        format!("{}/scim/v2", self.base)
    }

    /// The SCIM 1.1 base, for Okta's "SCIM 1.1 Header Auth" template.
    pub fn scim_v1_base(&self) -> String {
        format!("{}/scim/v1", self.base)
    }

    /// A path under the public URL, e.g. `/oauth/token`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}
