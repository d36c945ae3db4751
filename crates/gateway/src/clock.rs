//! The one place that reads the system clock (docs/style.md §8).

use time::OffsetDateTime;

/// Gives the current time, truncated to microseconds (what both databases keep).
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock;

impl Clock {
    /// Now, in UTC, to the microsecond.
    pub fn now(self) -> OffsetDateTime {
        #[expect(
            clippy::disallowed_methods,
            reason = "Clock is the one reader of the system clock"
        )]
        let now = OffsetDateTime::now_utc();
        truncate_to_micros(now)
    }
}

fn truncate_to_micros(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn truncates_to_microseconds() {
        let t = datetime!(2026-11-23 09:00:00.123456789 UTC);
        assert_eq!(
            super::truncate_to_micros(t),
            datetime!(2026-11-23 09:00:00.123456 UTC)
        );
    }
}
