//! Throttling, in memory and per process (with several replicas a client gets a
//! share of each replica's allowance; the per-admin lockout in the database bounds
//! sign-in guessing across them):
//!
//! - [`Throttle`] counts failed credentials: sign-ins per client address, client
//!   authentication per client id. Only failures count, so a busy IdP that
//!   authenticates correctly is never slowed down by it.
//! - [`RateLimit`] counts every request per key (SCIM credential, OAuth client,
//!   sign-in address), so no single client can take the gateway for itself. It is
//!   `governor`'s GCRA rate limiter: exact, lock-free, and keyed.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::config::{Config, Rate};

/// Failures allowed per key within one window.
const LIMIT: u32 = 10;
/// The window; the key is refused until it ends.
const WINDOW: Duration = Duration::minutes(5);
/// Above this many tracked keys, expired ones are dropped on the next failure.
const PRUNE_AT: usize = 10_000;

/// Failure counts per key.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, OffsetDateTime)>>,
}

impl Throttle {
    /// `Err(seconds to wait)` when `key` has used up its failures in this window.
    pub fn check(&self, key: &str, now: OffsetDateTime) -> Result<(), u64> {
        let map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(key) {
            Some(&(count, started)) if count >= LIMIT && now < started + WINDOW => {
                let wait = (started + WINDOW - now).whole_seconds().max(1);
                Err(u64::try_from(wait).unwrap_or(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failure for `key`.
    pub fn fail(&self, key: &str, now: OffsetDateTime) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= PRUNE_AT {
            map.retain(|_, (_, started)| now < *started + WINDOW);
        }
        let entry = map.entry(key.to_owned()).or_insert((0, now));
        if now >= entry.1 + WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets `key` after a success.
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

/// Requests per key, at most [`Rate::count`] per [`Rate::period`] (all at once as a
/// burst, then evenly spread); `None` rate: unlimited.
pub struct RateLimit {
    limiter: Option<governor::DefaultKeyedRateLimiter<String>>,
}

impl RateLimit {
    pub fn new(rate: Option<Rate>) -> Self {
        let limiter = rate.and_then(|r| {
            governor::Quota::with_period(r.period / r.count.get())
                .map(|q| governor::RateLimiter::keyed(q.allow_burst(r.count)))
        });
        Self { limiter }
    }

    /// Counts a request for `key`; `Err(seconds to wait)` when it is over the rate.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        use governor::clock::Clock as _;
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // Keys are credentials or client addresses: forget idle ones so the map
        // cannot grow without bound.
        if limiter.len() >= PRUNE_AT {
            limiter.retain_recent();
        }
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            // Retry-After is whole seconds (Okta reads integers); round up.
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The request rate limits of the gateway, from the configuration.
pub struct RateLimits {
    /// SCIM requests per credential (workspace token or OAuth grant).
    pub scim: RateLimit,
    /// Token-endpoint requests per client id.
    pub token: RateLimit,
    /// Sign-in attempts per client address.
    pub signin: RateLimit,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            scim: RateLimit::new(config.scim_rate_limit),
            token: RateLimit::new(config.token_rate_limit),
            signin: RateLimit::new(config.signin_rate_limit),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    #[test]
    fn refuses_after_the_limit_until_the_window_ends() {
        let t = Throttle::default();
        for _ in 0..LIMIT {
            assert_eq!(t.check("k", T0), Ok(()));
            t.fail("k", T0);
        }
        assert_eq!(t.check("k", T0), Err(300));
        assert_eq!(t.check("other", T0), Ok(()));
        assert_eq!(t.check("k", T0 + Duration::minutes(4)), Err(60));
        assert_eq!(t.check("k", T0 + WINDOW), Ok(()));
        t.fail("k", T0 + WINDOW);
        assert_eq!(
            t.check("k", T0 + WINDOW),
            Ok(()),
            "a new window starts at one"
        );
    }

    #[test]
    fn rate_limit_allows_a_burst_then_refuses_with_a_wait() {
        let limit = RateLimit::new(Rate::parse("3/min").unwrap());
        for _ in 0..3 {
            assert_eq!(limit.check("a"), Ok(()));
        }
        // One request every 20 s once the burst is used.
        let wait = limit.check("a").unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limit.check("b"), Ok(()), "keys are counted apart");
        let off = RateLimit::new(None);
        assert!((0..100).all(|_| off.check("a").is_ok()));
    }

    #[test]
    fn success_clears() {
        let t = Throttle::default();
        for _ in 0..LIMIT {
            t.fail("k", T0);
        }
        t.clear("k");
        assert_eq!(t.check("k", T0), Ok(()));
    }
}
