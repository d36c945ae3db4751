//! The deprovisioning guard: a misconfigured IdP assignment must not wipe a workspace.
//!
//! When more than a share of a workspace's active users would be deactivated or deleted
//! within a window, deprovisioning pauses (HTTP 503 with `Retry-After`, so the IdP
//! retries later) until a workspace admin resumes it. The store counts deprovisions in
//! the window under the workspace row's lock; this module only decides.

/// A workspace's guard settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardPolicy {
    /// The share of active users, in percent, that may be deprovisioned in one window.
    pub share_percent: i64,
    /// Deprovisions below this many in a window never pause, whatever the share.
    pub min_users: i64,
}

impl Default for GuardPolicy {
    /// 20 % and at least 10 users (issue #5).
    fn default() -> Self {
        Self {
            share_percent: 20,
            min_users: 10,
        }
    }
}

/// Whether one more deprovision trips the guard. `active` counts the workspace's
/// active users now (the one being deprovisioned included), `deprovisioned` those
/// already deprovisioned in the window; together they are the window's starting
/// population, so the share does not shrink as users go.
pub fn trips(policy: GuardPolicy, active: i64, deprovisioned: i64) -> bool {
    let would = deprovisioned.saturating_add(1);
    let population = active.saturating_add(deprovisioned);
    would >= policy.min_users
        && would.saturating_mul(100) > policy.share_percent.saturating_mul(population)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_allows_twenty_percent_of_a_hundred_and_pauses_the_next() {
        let p = GuardPolicy::default();
        // 100 users at the start: after 20 deprovisions 80 remain active.
        assert!(!trips(p, 81, 19), "the 20th is within 20 %");
        assert!(trips(p, 80, 20), "the 21st is more than 20 %");
    }

    #[test]
    fn small_workspaces_may_lose_up_to_min_users_minus_one() {
        let p = GuardPolicy::default();
        // 20 users: 20 % would be 4, but fewer than 10 never pause.
        assert!(!trips(p, 12, 8));
        assert!(
            trips(p, 11, 9),
            "the 10th is both at least 10 and over 20 %"
        );
    }

    #[test]
    fn a_large_share_in_a_tiny_workspace_pauses_at_min_users() {
        let p = GuardPolicy {
            share_percent: 20,
            min_users: 3,
        };
        assert!(!trips(p, 10, 0));
        assert!(!trips(p, 9, 1));
        assert!(trips(p, 8, 2));
    }

    #[test]
    fn a_hundred_percent_share_never_pauses() {
        let p = GuardPolicy {
            share_percent: 100,
            min_users: 1,
        };
        for d in 0..50 {
            assert!(!trips(p, 50 - d, d));
        }
    }
}
