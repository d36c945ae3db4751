use std::sync::Arc;

use store::Store;
use url::Url;

use crate::clock::Clock;
use crate::config::Config;
use crate::http::metrics::Metrics;

/// Everything a handler needs, cloned per request (all fields are cheap handles).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub urls: Urls,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
}

/// The external URLs the gateway hands out, built from `SCIMGATE_PUBLIC_URL`.
#[derive(Debug, Clone)]
pub struct Urls {
    base: Arc<str>,
}

impl Urls {
    /// From the public base URL (any trailing slash dropped).
    pub fn new(public: &Url) -> Self {
        Self {
            base: public.as_str().trim_end_matches('/').into(),
        }
    }

    /// The SCIM 2.0 base, the Tenant URL an IdP admin pastes.
    pub fn scim_base(&self) -> String {
        format!("{}/scim/v2", self.base)
    }
}
