//! The seat rule: whether a user who needs a seat gets a free one, may have one bought by
//! auto-charge, or is refused.
//!
//! The store claims seats with conditional `UPDATE`s (style §4: never count, then insert);
//! this module only decides what to try after the first claim found no free seat, and
//! explains a refusal to the IT admin who reads it in Okta or Entra ID.

use std::fmt;

/// A workspace's auto-charge settings.
///
/// `purchased` is not part of the policy: it lives in [`SeatUsage`] alone, so the store
/// passes one row's numbers and there is no second copy to disagree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatPolicy {
    /// Whether a seat may be bought automatically when none is free.
    pub auto_charge: bool,
    /// The most seats auto-charge may bring the workspace to; `None` means no cap.
    /// Admins may still buy seats manually beyond it.
    pub auto_charge_cap: Option<i64>,
}

/// A workspace's seat counts, read in the same transaction that tried to claim a seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatUsage {
    /// Seats held by active users.
    pub in_use: i64,
    /// Seats bought so far, by auto-charge or manually.
    pub purchased: i64,
}

/// What to do for a user who needs a seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A purchased seat is free: claim it.
    Free,
    /// No seat is free, but auto-charge may buy one (`purchased < cap`, or no cap). The store
    /// buys it with an `UPDATE … WHERE seats_purchased < cap` so two racing buyers cannot
    /// pass the cap, and queues `seat.charged`.
    Charge,
    /// No seat is free and none may be bought: refuse with HTTP 403 and
    /// [`LimitReached::detail`], and queue `seat.limit_reached` / `provisioning.failed`.
    LimitReached(LimitReached),
}

/// The numbers behind a refusal, kept so the SCIM error and the billing event agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitReached {
    /// Seats held by active users.
    pub in_use: i64,
    /// Seats bought so far.
    pub purchased: i64,
    /// The auto-charge cap, if one is set.
    pub cap: Option<i64>,
    /// Whether auto-charge is on.
    pub auto_charge: bool,
}

/// Decides whether a user who needs a seat gets a free one, a bought one, or none.
///
/// Boundaries: a seat is free while `in_use < purchased`; auto-charge may buy while
/// `purchased < cap` (so at the cap it stops, and a workspace whose admin bought seats
/// beyond the cap never auto-charges); without a cap auto-charge always buys.
pub fn decide(usage: SeatUsage, policy: SeatPolicy) -> Decision {
    if usage.in_use < usage.purchased {
        return Decision::Free;
    }
    let may_charge = policy.auto_charge
        && policy
            .auto_charge_cap
            .is_none_or(|cap| usage.purchased < cap);
    if may_charge {
        Decision::Charge
    } else {
        Decision::LimitReached(LimitReached {
            in_use: usage.in_use,
            purchased: usage.purchased,
            cap: policy.auto_charge_cap,
            auto_charge: policy.auto_charge,
        })
    }
}

impl LimitReached {
    /// The SCIM error `detail` (RFC 7644 §3.12) for a 403 seat refusal.
    ///
    /// Okta and Entra ID show this text to the IT admin, who usually cannot buy seats
    /// themselves: it says what happened, the numbers, and what the workspace admin can
    /// change in scimgate before provisioning is retried.
    pub fn detail(&self) -> String {
        let Self {
            in_use,
            purchased,
            cap,
            auto_charge,
        } = *self;
        let counts = format!("{in_use} of {purchased} {} in use", seats_are(purchased));
        match (auto_charge, cap) {
            (false, None) => format!(
                "Seat limit reached: {counts} and auto-charge is off. A workspace admin can \
                 buy more seats or turn on auto-charge in scimgate's admin console, then \
                 retry provisioning."
            ),
            (false, Some(cap)) => format!(
                "Seat limit reached: {counts} and auto-charge is off (its cap is {cap} {}). \
                 A workspace admin can buy more seats or turn on auto-charge in scimgate's \
                 admin console, then retry provisioning.",
                seats(cap)
            ),
            (true, Some(cap)) => format!(
                "Seat limit reached: {counts} and auto-charge has reached its cap of {cap} \
                 {}. A workspace admin can buy more seats manually or raise the auto-charge \
                 cap in scimgate's admin console, then retry provisioning.",
                seats(cap)
            ),
            // `decide` never refuses here (no cap means auto-charge always buys), but the
            // text must still be right if a store builds the value after a failed purchase.
            (true, None) => format!(
                "Seat limit reached: {counts} and no seat could be bought automatically. \
                 A workspace admin can buy more seats in scimgate's admin console, then \
                 retry provisioning."
            ),
        }
    }
}

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail())
    }
}

fn seats(n: i64) -> &'static str {
    if n == 1 { "seat" } else { "seats" }
}

fn seats_are(n: i64) -> &'static str {
    if n == 1 { "seat is" } else { "seats are" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(in_use: i64, purchased: i64) -> SeatUsage {
        SeatUsage { in_use, purchased }
    }

    fn policy(auto_charge: bool, auto_charge_cap: Option<i64>) -> SeatPolicy {
        SeatPolicy {
            auto_charge,
            auto_charge_cap,
        }
    }

    fn limit(d: Decision) -> LimitReached {
        match d {
            Decision::LimitReached(l) => l,
            other => panic!("expected LimitReached, got {other:?}"),
        }
    }

    #[test]
    fn a_free_seat_is_claimed_whatever_the_policy() {
        for p in [
            policy(false, None),
            policy(true, Some(0)),
            policy(true, None),
        ] {
            assert_eq!(decide(usage(0, 1), p), Decision::Free);
            assert_eq!(decide(usage(49, 50), p), Decision::Free);
        }
    }

    #[test]
    fn the_last_free_seat_is_free_and_the_next_is_not() {
        assert_eq!(decide(usage(49, 50), policy(false, None)), Decision::Free);
        assert!(matches!(
            decide(usage(50, 50), policy(false, None)),
            Decision::LimitReached(_)
        ));
    }

    #[test]
    fn auto_charge_buys_below_the_cap() {
        assert_eq!(
            decide(usage(50, 50), policy(true, Some(70))),
            Decision::Charge
        );
        assert_eq!(
            decide(usage(69, 69), policy(true, Some(70))),
            Decision::Charge
        );
    }

    #[test]
    fn auto_charge_stops_at_the_cap() {
        let l = limit(decide(usage(70, 70), policy(true, Some(70))));
        assert_eq!(
            l,
            LimitReached {
                in_use: 70,
                purchased: 70,
                cap: Some(70),
                auto_charge: true
            }
        );
    }

    #[test]
    fn seats_bought_manually_beyond_the_cap_do_not_reopen_auto_charge() {
        let l = limit(decide(usage(80, 80), policy(true, Some(70))));
        assert_eq!(l.purchased, 80);
    }

    #[test]
    fn a_zero_cap_never_charges() {
        limit(decide(usage(0, 0), policy(true, Some(0))));
    }

    #[test]
    fn auto_charge_without_a_cap_always_buys() {
        assert_eq!(decide(usage(0, 0), policy(true, None)), Decision::Charge);
        assert_eq!(
            decide(usage(10_000, 10_000), policy(true, None)),
            Decision::Charge
        );
    }

    #[test]
    fn auto_charge_off_refuses_even_below_the_cap() {
        let l = limit(decide(usage(50, 50), policy(false, Some(70))));
        assert!(!l.auto_charge);
        assert_eq!(l.cap, Some(70));
    }

    #[test]
    fn more_in_use_than_purchased_is_never_free() {
        // Should not happen (a CHECK constraint forbids it), but must not hand out a seat.
        limit(decide(usage(51, 50), policy(false, None)));
    }

    #[test]
    fn detail_with_auto_charge_off_matches_the_documented_text() {
        let l = limit(decide(usage(50, 50), policy(false, None)));
        assert_eq!(
            l.detail(),
            "Seat limit reached: 50 of 50 seats are in use and auto-charge is off. A \
             workspace admin can buy more seats or turn on auto-charge in scimgate's admin \
             console, then retry provisioning."
        );
        assert_eq!(l.to_string(), l.detail());
    }

    #[test]
    fn detail_at_the_cap_names_the_cap_and_raising_it() {
        let d = limit(decide(usage(70, 70), policy(true, Some(70)))).detail();
        assert!(
            d.starts_with("Seat limit reached: 70 of 70 seats are in use"),
            "{d}"
        );
        assert!(d.contains("cap of 70 seats"), "{d}");
        assert!(d.contains("raise the auto-charge cap"), "{d}");
        assert!(d.contains("buy more seats manually"), "{d}");
    }

    #[test]
    fn detail_with_auto_charge_off_and_a_cap_names_every_number() {
        let d = limit(decide(usage(12, 12), policy(false, Some(30)))).detail();
        assert!(d.contains("12 of 12 seats are in use"), "{d}");
        assert!(d.contains("its cap is 30 seats"), "{d}");
        assert!(d.contains("turn on auto-charge"), "{d}");
    }

    #[test]
    fn detail_uses_the_singular_for_one_seat() {
        let d = limit(decide(usage(1, 1), policy(true, Some(1)))).detail();
        assert!(d.contains("1 of 1 seat is in use"), "{d}");
        assert!(d.contains("cap of 1 seat."), "{d}");
    }

    #[test]
    fn detail_without_cap_and_with_auto_charge_still_says_what_to_do() {
        let l = LimitReached {
            in_use: 5,
            purchased: 5,
            cap: None,
            auto_charge: true,
        };
        let d = l.detail();
        assert!(d.contains("5 of 5 seats are in use"), "{d}");
        assert!(d.contains("buy more seats"), "{d}");
    }

    proptest::proptest! {
        #[test]
        fn decide_never_oversells(in_use in 0i64..200, purchased in 0i64..200,
                                  auto in proptest::bool::ANY, cap in proptest::option::of(0i64..200)) {
            let d = decide(usage(in_use, purchased), policy(auto, cap));
            match d {
                Decision::Free => proptest::prop_assert!(in_use < purchased),
                Decision::Charge => {
                    proptest::prop_assert!(in_use >= purchased && auto);
                    proptest::prop_assert!(cap.is_none_or(|c| purchased < c));
                }
                Decision::LimitReached(l) => {
                    proptest::prop_assert!(in_use >= purchased);
                    proptest::prop_assert!(!auto || cap.is_some_and(|c| purchased >= c));
                    proptest::prop_assert_eq!(l, LimitReached { in_use, purchased, cap, auto_charge: auto });
                }
            }
        }
    }
}
