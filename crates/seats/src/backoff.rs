//! When to retry a failed webhook delivery, and when to give up (dead-letter it).
//!
//! Exponential backoff with **equal jitter**: the nominal delay `min(base · 2^(n-1), max)`
//! is halved and the caller's jitter spreads the other half, so the delay lies in
//! `[nominal / 2, nominal]`. Equal rather than full jitter (`[0, nominal]`) because the
//! floor keeps a receiver that is down from being hit again at once, and it bounds the
//! dead-letter horizon from below: an event is retried for at least half the nominal
//! schedule, never a few seconds by bad luck. Jitter is still needed so that deliveries
//! failing together (the receiver's outage) do not retry in lock-step — the Standard
//! Webhooks spec's "Deliverability and reliability" section asks for exponential backoff
//! with random jitter over a long schedule.

use std::time::Duration;

/// The retry schedule of one delivery.
///
/// [`Backoff::default`] is 5 s base, 1 h cap, 34 attempts: the delays double from 5 s to
/// 2560 s (10 retries, ≈ 85 min together), then 23 more retries at the 1 h cap, so the
/// nominal span from the first attempt to the last is ≈ 24.4 h and with equal jitter at
/// least ≈ 12.2 h — about a day of receiver outage before an event is dead-lettered (an
/// admin can still replay it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The nominal delay after the first failed attempt.
    pub base: Duration,
    /// The largest nominal delay.
    pub max: Duration,
    /// Attempts in all, the first included; after the last failure the event is
    /// dead-lettered.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(60 * 60),
            max_attempts: 34,
        }
    }
}

impl Backoff {
    /// The nominal (unjittered) delay after `attempt` failed attempts (`attempt ≥ 1`):
    /// `min(base · 2^(attempt-1), max)`, saturating instead of overflowing.
    pub fn nominal_delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1);
        2u32.checked_pow(doublings)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.max, |d| d.min(self.max))
    }

    /// The delay before the next attempt, after `attempt` attempts (1 = the first) have
    /// failed, or `None` when `attempt >= max_attempts`: dead-letter it.
    ///
    /// `jitter` is a uniform random number in `0..=1` from the caller (keeping this pure);
    /// values outside are clamped and NaN counts as 0. The result lies in
    /// `[nominal / 2, nominal]`.
    pub fn next_delay(&self, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let nominal = self.nominal_delay(attempt);
        let floor = nominal / 2;
        let spread = nominal.saturating_sub(floor);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // `try_from_secs_f64` rather than `mul_f64`: rounding near `Duration::MAX` must
        // not panic in a worker.
        let jittered = Duration::try_from_secs_f64(spread.as_secs_f64() * jitter)
            .unwrap_or(spread)
            .min(spread);
        Some(floor.saturating_add(jittered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn defaults_are_five_seconds_one_hour_thirty_four_attempts() {
        let b = Backoff::default();
        assert_eq!(b.base, Duration::from_secs(5));
        assert_eq!(b.max, HOUR);
        assert_eq!(b.max_attempts, 34);
    }

    #[test]
    fn nominal_delays_double_then_stay_at_the_cap() {
        let b = Backoff::default();
        let secs: Vec<u64> = (1..=13).map(|n| b.nominal_delay(n).as_secs()).collect();
        assert_eq!(
            secs,
            [
                5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600
            ]
        );
        assert_eq!(b.nominal_delay(u32::MAX), HOUR);
    }

    #[test]
    fn jitter_spans_the_upper_half_of_the_nominal_delay() {
        let b = Backoff::default();
        assert_eq!(b.next_delay(1, 0.0), Some(Duration::from_millis(2500)));
        assert_eq!(b.next_delay(1, 1.0), Some(Duration::from_secs(5)));
        assert_eq!(b.next_delay(1, 0.5), Some(Duration::from_millis(3750)));
        assert_eq!(b.next_delay(20, 0.0), Some(HOUR / 2));
        assert_eq!(b.next_delay(20, 1.0), Some(HOUR));
    }

    #[test]
    fn odd_nanoseconds_are_not_lost_at_full_jitter() {
        let b = Backoff {
            base: Duration::from_nanos(3),
            max: Duration::from_nanos(3),
            max_attempts: 2,
        };
        assert_eq!(b.next_delay(1, 1.0), Some(Duration::from_nanos(3)));
    }

    #[test]
    fn out_of_range_jitter_is_clamped() {
        let b = Backoff::default();
        assert_eq!(b.next_delay(3, -1.0), b.next_delay(3, 0.0));
        assert_eq!(b.next_delay(3, 7.0), b.next_delay(3, 1.0));
        assert_eq!(b.next_delay(3, f64::NAN), b.next_delay(3, 0.0));
        assert_eq!(b.next_delay(3, f64::INFINITY), b.next_delay(3, 1.0));
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let b = Backoff::default();
        assert!(b.next_delay(33, 0.5).is_some());
        assert_eq!(b.next_delay(34, 0.5), None);
        assert_eq!(b.next_delay(u32::MAX, 0.5), None);
        let once = Backoff {
            max_attempts: 1,
            ..b
        };
        assert_eq!(once.next_delay(1, 0.5), None);
    }

    #[test]
    fn the_default_schedule_spans_about_a_day() {
        let b = Backoff::default();
        let total = |jitter| -> Duration {
            (1..b.max_attempts)
                .map(|n| b.next_delay(n, jitter).unwrap())
                .sum()
        };
        assert_eq!(total(1.0).as_secs(), 5115 + 23 * 3600); // ≈ 24.4 h
        assert!(total(0.0) >= 12 * HOUR, "{:?}", total(0.0));
    }

    #[test]
    fn huge_settings_saturate_instead_of_panicking() {
        let b = Backoff {
            base: Duration::MAX,
            max: Duration::MAX,
            max_attempts: u32::MAX,
        };
        for n in [1, 2, 64, u32::MAX - 1] {
            let d = b.next_delay(n, 1.0).unwrap();
            assert!(d >= Duration::MAX / 2);
        }
    }

    proptest::proptest! {
        #[test]
        fn delays_stay_within_bounds_and_caps_never_shrink(
            base_ms in 0u64..100_000, max_ms in 0u64..10_000_000, attempts in 1u32..64,
            attempt in 1u32..80, jitter in 0.0f64..=1.0,
        ) {
            let b = Backoff {
                base: Duration::from_millis(base_ms),
                max: Duration::from_millis(max_ms),
                max_attempts: attempts,
            };
            match b.next_delay(attempt, jitter) {
                None => proptest::prop_assert!(attempt >= attempts),
                Some(d) => {
                    let nominal = b.nominal_delay(attempt);
                    proptest::prop_assert!(d <= nominal && d <= b.max);
                    proptest::prop_assert!(d >= nominal / 2);
                }
            }
            // The nominal schedule (the jitter's ceiling and floor) never decreases.
            proptest::prop_assert!(b.nominal_delay(attempt + 1) >= b.nominal_delay(attempt));
            proptest::prop_assert!(
                b.next_delay(attempt, 0.0).unwrap_or_default()
                    <= b.next_delay(attempt, jitter).unwrap_or_default()
            );
        }
    }
}
