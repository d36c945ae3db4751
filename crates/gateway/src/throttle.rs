//! Throttling of failed credentials: sign-ins per client address, client
//! authentication per client id. Only failures count, so a busy IdP that
//! authenticates correctly is never slowed down (a plain rate limiter such as
//! `governor` counts every request, which is why it is not used here).
//!
//! In memory, per process: with several replicas an attacker gets a few more tries
//! per replica, which the per-admin lockout in the database bounds for sign-in.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

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
    fn success_clears() {
        let t = Throttle::default();
        for _ in 0..LIMIT {
            t.fail("k", T0);
        }
        t.clear("k");
        assert_eq!(t.check("k", T0), Ok(()));
    }
}
