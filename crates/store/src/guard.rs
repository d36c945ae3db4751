//! The deprovisioning guard's storage: settings and state on the workspace row, and
//! the deprovisions it counts. `seats::trips` decides.

use time::OffsetDateTime;

use crate::ts::Ts;
use crate::{Store, StoreError, on_pool};

/// Guard state: deprovisioning waits for an admin (HTTP 503, the IdP retries).
pub const GUARD_PAUSED: &str = "paused";
/// Guard state: an admin refused the held deprovisioning (HTTP 403 until resumed).
pub const GUARD_CANCELLED: &str = "cancelled";

/// Why a deactivation or deletion was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The guard paused deprovisioning; an admin resumes or cancels.
    Paused,
    /// An admin cancelled the held deprovisioning; it stays refused until resumed.
    Cancelled,
}

/// A workspace's guard settings and state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GuardStatus {
    /// Active users now.
    pub seats_in_use: i64,
    pub guard_share_percent: i64,
    pub guard_min_users: i64,
    pub guard_window_seconds: i64,
    /// `None`, [`GUARD_PAUSED`] or [`GUARD_CANCELLED`].
    pub guard_state: Option<String>,
    /// When an admin last resumed; deprovisions before it no longer count.
    pub guard_since: Option<OffsetDateTime>,
}

pub(crate) const GUARD_COLUMNS: &str = "seats_in_use, guard_share_percent, guard_min_users, \
     guard_window_seconds, guard_state, guard_since";

impl crate::direct::Decode for GuardStatus {
    fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            seats_in_use: row.get("seats_in_use")?,
            guard_share_percent: row.get("guard_share_percent")?,
            guard_min_users: row.get("guard_min_users")?,
            guard_window_seconds: row.get("guard_window_seconds")?,
            guard_state: row.get("guard_state")?,
            guard_since: crate::direct::time_opt(row, "guard_since")?,
        })
    }
}

impl GuardStatus {
    /// Where the counting window starts at `now`.
    pub(crate) fn window_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        let window = now - time::Duration::seconds(self.guard_window_seconds);
        self.guard_since.map_or(window, |since| since.max(window))
    }

    pub(crate) fn policy(&self) -> seats::GuardPolicy {
        seats::GuardPolicy {
            share_percent: self.guard_share_percent,
            min_users: self.guard_min_users,
        }
    }
}

/// Lets one deactivation or deletion of an active user through the guard, inside the
/// open transaction `$tx`, or holds it; evaluates to `Result<Option<Held>, StoreError>`.
/// The workspace row is locked first (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already
/// holds the write lock), so concurrent deprovisions are counted one after another.
/// The deprovision that trips the guard pauses it and queues `provisioning.paused`;
/// that transaction commits without the deprovision itself.
macro_rules! guard_deprovision {
    ($store:expr, $tx:ident, $change:expr, $user:expr) => {
        async {
            use $crate::guard::{GUARD_CANCELLED, GUARD_COLUMNS, GUARD_PAUSED, GuardStatus, Held};
            let lock = match $store {
                $crate::Store::Postgres(_) => " for update",
                $crate::Store::Sqlite(_) => "",
            };
            let read = format!("select {GUARD_COLUMNS} from workspaces where id = $1{lock}");
            let g: GuardStatus = $tx.one(&read, $crate::tx::args![$change.workspace]).await?;
            match g.guard_state.as_deref() {
                Some(GUARD_PAUSED) => return Ok::<Option<Held>, StoreError>(Some(Held::Paused)),
                Some(GUARD_CANCELLED) => return Ok(Some(Held::Cancelled)),
                _ => {}
            }
            let (counted,): (i64,) = $tx
                .one(
                    "select count(*) from deprovisions where workspace_id = $1 and occurred_at > $2",
                    $crate::tx::args![$change.workspace, $crate::ts::Ts(g.window_start($change.now))],
                )
                .await?;
            if seats::trips(g.policy(), g.seats_in_use, counted) {
                $tx.exec(
                    "update workspaces set guard_state = $2 where id = $1",
                    $crate::tx::args![$change.workspace, GUARD_PAUSED],
                )
                .await?;
                let data = serde_json::json!({
                    "deprovisioned_in_window": counted, "active_users": g.seats_in_use,
                    "share_percent": g.guard_share_percent, "min_users": g.guard_min_users,
                    "window_seconds": g.guard_window_seconds,
                });
                $crate::outbox::emit!($tx, $change, seats::EventType::ProvisioningPaused, data);
                return Ok(Some(Held::Paused));
            }
            $tx.exec(
                "insert into deprovisions (id, workspace_id, user_id, occurred_at) values ($1, $2, $3, $4)",
                $crate::tx::args![uuid::Uuid::now_v7(), $change.workspace, $user, $crate::ts::Ts($change.now)],
            )
            .await?;
            Ok(None)
        }
        .await
    };
}
pub(crate) use guard_deprovision;

/// New guard settings; `None` fields stay as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardSettings {
    pub share_percent: Option<i64>,
    pub min_users: Option<i64>,
    pub window_seconds: Option<i64>,
}

impl Store {
    /// The workspace's guard settings and state. `NotFound` for an unknown workspace.
    pub async fn guard_status(&self, ws: &str) -> Result<GuardStatus, StoreError> {
        let sql = format!("select {GUARD_COLUMNS} from workspaces where id = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).fetch_one(pool).await)?)
    }

    /// Changes the guard's settings. `NotFound` for an unknown workspace.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn update_guard(
        &self,
        ws: &str,
        s: GuardSettings,
    ) -> Result<GuardStatus, StoreError> {
        let sql = format!(
            "update workspaces set guard_share_percent = coalesce($2, guard_share_percent), \
             guard_min_users = coalesce($3, guard_min_users), \
             guard_window_seconds = coalesce($4, guard_window_seconds) where id = $1 returning {GUARD_COLUMNS}"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(ws).bind(s.share_percent).bind(s.min_users).bind(s.window_seconds)
            .fetch_one(pool)
            .await)?)
    }

    /// Resumes deprovisioning (from a pause or a cancel): the IdP's next retries go
    /// through, and only deprovisions from `now` on count towards the next pause.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn resume_guard(
        &self,
        ws: &str,
        now: OffsetDateTime,
    ) -> Result<GuardStatus, StoreError> {
        let sql = format!(
            "update workspaces set guard_state = null, guard_since = $2 where id = $1 returning {GUARD_COLUMNS}"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).bind(Ts(now)).fetch_one(pool).await)?,
        )
    }

    /// Cancels held deprovisioning: instead of 503 (retry later) the IdP now gets a
    /// final 403 for each deactivation or deletion, until an admin resumes.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn cancel_guard(&self, ws: &str) -> Result<GuardStatus, StoreError> {
        let sql = format!(
            "update workspaces set guard_state = $2 where id = $1 returning {GUARD_COLUMNS}"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).bind(GUARD_CANCELLED).fetch_one(pool).await)?,
        )
    }
}
