//! Seat licensing: claiming and releasing seats inside a SCIM write, the workspace's
//! seat settings, and the ledger of purchases.
//!
//! A seat is claimed by one conditional `UPDATE` of the workspace row, never by
//! counting users (docs/style.md §4): two racing writers cannot both take the last seat,
//! on SQLite or with several gateways on one PostgreSQL database.

use seats::{Decision, LimitReached, SeatPolicy, SeatUsage};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ts::Ts;
use crate::tx::in_tx;
use crate::{Store, StoreError, on_pool};

/// Why seats were bought.
pub const CAUSE_AUTO_CHARGE: &str = "auto_charge";
/// Seats bought by a workspace admin (CLI or admin API).
pub const CAUSE_ADMIN: &str = "admin";

/// A workspace's seat numbers and auto-charge settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SeatStatus {
    /// Seats held by active users.
    pub seats_in_use: i64,
    /// Seats bought; `None`: the workspace is not licensed per seat and never refuses.
    pub seats_purchased: Option<i64>,
    pub auto_charge: bool,
    /// The most seats auto-charge may bring the workspace to; `None`: no cap.
    pub auto_charge_cap: Option<i64>,
}

impl crate::direct::Decode for SeatStatus {
    fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            seats_in_use: row.get("seats_in_use")?,
            seats_purchased: row.get("seats_purchased")?,
            auto_charge: row.get("auto_charge")?,
            auto_charge_cap: row.get("auto_charge_cap")?,
        })
    }
}

impl SeatStatus {
    /// The counts as billing events carry them.
    pub(crate) fn json(&self) -> Value {
        serde_json::json!({"seats_in_use": self.seats_in_use, "seats_purchased": self.seats_purchased})
    }
}

/// One line of the seat ledger.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SeatPurchase {
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    /// [`CAUSE_AUTO_CHARGE`] or [`CAUSE_ADMIN`].
    pub cause: String,
    pub quantity: i64,
    /// Seats purchased after this purchase.
    pub seats_purchased: i64,
    /// The credential or person that caused it (`token okta`, `cli`).
    pub actor: String,
    /// For auto-charge: the user whose provisioning bought the seat.
    pub user_id: Option<Uuid>,
    pub user_name: Option<String>,
}

/// What claiming a seat did.
pub(crate) enum Claim {
    /// A purchased seat was free (or the workspace is not licensed per seat).
    Took(SeatStatus),
    /// Auto-charge bought one.
    Charged(SeatStatus),
    /// None free and none may be bought.
    Refused(LimitReached),
}

pub(crate) const SEAT_COLUMNS: &str = "seats_in_use, seats_purchased, auto_charge, auto_charge_cap";

/// Claims a seat for a user inside the open transaction `$tx`; evaluates to
/// `Result<Claim, StoreError>`. First the free-seat `UPDATE`; if it matched nothing, the
/// workspace row is locked (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the
/// write lock), so `seats::decide` sees numbers nobody can change before commit, and the
/// auto-charge `UPDATE`, bounded by the cap in its own `WHERE`, cannot fail after it.
macro_rules! claim_seat {
    ($store:expr, $tx:ident, $ws:expr) => {
        async {
            use $crate::seats::{Claim, SEAT_COLUMNS, SeatStatus};
            let take = format!(
                "update workspaces set seats_in_use = seats_in_use + 1 where id = $1 \
                 and (seats_purchased is null or seats_in_use < seats_purchased) returning {SEAT_COLUMNS}"
            );
            let took: Option<SeatStatus> = $tx.optional(&take, $crate::tx::args![$ws]).await?;
            if let Some(s) = took {
                return Ok::<Claim, StoreError>(Claim::Took(s));
            }
            let lock = match $store {
                $crate::Store::Postgres(_) => " for update",
                $crate::Store::Sqlite(_) => "",
            };
            let read = format!("select {SEAT_COLUMNS} from workspaces where id = $1{lock}");
            let now: SeatStatus = $tx.one(&read, $crate::tx::args![$ws]).await?;
            match $crate::seats::decision(&now) {
                seats::Decision::Free => {
                    // A seat was freed between the two statements; the row is ours now.
                    let s: SeatStatus = $tx.one(&take, $crate::tx::args![$ws]).await?;
                    Ok(Claim::Took(s))
                }
                seats::Decision::Charge => {
                    let buy = format!(
                        "update workspaces set seats_purchased = seats_purchased + 1, seats_in_use = seats_in_use + 1 \
                         where id = $1 and auto_charge and (auto_charge_cap is null or seats_purchased < auto_charge_cap) \
                         returning {SEAT_COLUMNS}"
                    );
                    let s: SeatStatus = $tx.one(&buy, $crate::tx::args![$ws]).await?;
                    Ok(Claim::Charged(s))
                }
                seats::Decision::LimitReached(l) => Ok(Claim::Refused(l)),
            }
        }
        .await
    };
}
pub(crate) use claim_seat;

/// Gives back the seat of a user that stops being active, inside `$tx`; evaluates to
/// the workspace's `SeatStatus` afterwards. Bought seats stay bought.
macro_rules! release_seat {
    ($tx:ident, $ws:expr) => {{
        let sql = format!(
            "update workspaces set seats_in_use = seats_in_use - 1 where id = $1 and seats_in_use > 0 \
             returning {}",
            $crate::seats::SEAT_COLUMNS
        );
        let released: Option<$crate::seats::SeatStatus> = $tx.optional(&sql, $crate::tx::args![$ws]).await?;
        released
    }};
}
pub(crate) use release_seat;

/// After a claim: the ledger row and `seat.charged` for a purchase, or the refusal's
/// events (`seat.limit_reached`, `provisioning.failed`) whose transaction commits
/// although the user is not written, so the vendor can tell the admin. Evaluates to
/// the seat counts for the user's own event, or `Err(limit)` when refused.
macro_rules! settle_claim {
    ($tx:ident, $change:expr, $claim:expr, $user:expr, $user_name:expr, $operation:expr) => {
        match $claim {
            $crate::seats::Claim::Took(s) => Ok(s),
            $crate::seats::Claim::Charged(s) => {
                let purchased = s.seats_purchased.unwrap_or_default();
                $tx.later(
                    "insert into seat_purchases (id, workspace_id, occurred_at, cause, quantity, seats_purchased, actor, \
                     user_id, user_name) values ($1, $2, $3, $4, 1, $5, $6, $7, $8)",
                    $crate::tx::args![
                        uuid::Uuid::now_v7(), $change.workspace, $crate::ts::Ts($change.now),
                        $crate::seats::CAUSE_AUTO_CHARGE, purchased, $change.actor, $user, $user_name
                    ],
                );
                let mut data = s.json();
                data["user_id"] = serde_json::json!($user);
                data["user_name"] = serde_json::json!($user_name);
                data["quantity"] = serde_json::json!(1);
                data["auto_charge_cap"] = serde_json::json!(s.auto_charge_cap);
                $crate::outbox::emit!($tx, $change, seats::EventType::SeatCharged, data);
                Ok(s)
            }
            $crate::seats::Claim::Refused(l) => {
                let data = serde_json::json!({
                    "user_name": $user_name, "operation": $operation,
                    "seats_in_use": l.in_use, "seats_purchased": l.purchased,
                    "auto_charge": l.auto_charge, "auto_charge_cap": l.cap, "detail": l.detail(),
                });
                $crate::outbox::emit!($tx, $change, seats::EventType::SeatLimitReached, data.clone());
                let mut failed = data;
                failed["reason"] = serde_json::json!("seat_limit_reached");
                $crate::outbox::emit!($tx, $change, seats::EventType::ProvisioningFailed, failed);
                Err(l)
            }
        }
    };
}
pub(crate) use settle_claim;

/// `seats::decide` on a row whose free-seat claim failed (so it is licensed per seat).
pub(crate) fn decision(s: &SeatStatus) -> Decision {
    seats::decide(
        SeatUsage {
            in_use: s.seats_in_use,
            purchased: s.seats_purchased.unwrap_or(i64::MAX),
        },
        SeatPolicy {
            auto_charge: s.auto_charge,
            auto_charge_cap: s.auto_charge_cap,
        },
    )
}

/// New seat settings; `None` fields stay as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeatSettings {
    /// Licenses the workspace per seat with this many seats (no ledger entry: this is
    /// the starting allotment or an admin's correction, not a purchase).
    pub seats_purchased: Option<i64>,
    pub auto_charge: Option<bool>,
    /// `Some(None)` removes the cap.
    pub auto_charge_cap: Option<Option<i64>>,
}

impl Store {
    /// The workspace's seat numbers and settings. `NotFound` for an unknown workspace.
    pub async fn seat_status(&self, ws: &str) -> Result<SeatStatus, StoreError> {
        let sql = format!("select {SEAT_COLUMNS} from workspaces where id = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).fetch_one(pool).await)?)
    }

    /// Changes seat settings. `NotFound` for an unknown workspace.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn update_seat_settings(
        &self,
        ws: &str,
        s: SeatSettings,
    ) -> Result<SeatStatus, StoreError> {
        let sql = format!(
            "update workspaces set seats_purchased = case when $2 then $3 else seats_purchased end, \
             auto_charge = coalesce($4, auto_charge), \
             auto_charge_cap = case when $5 then $6 else auto_charge_cap end \
             where id = $1 returning {SEAT_COLUMNS}"
        );
        let cap = s.auto_charge_cap;
        Ok(on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(ws)
            .bind(s.seats_purchased.is_some())
            .bind(s.seats_purchased)
            .bind(s.auto_charge)
            .bind(cap.is_some())
            .bind(cap.flatten())
            .fetch_one(pool)
            .await)?)
    }

    /// An admin buys `quantity` seats (beyond the auto-charge cap if they like): one
    /// ledger row with cause `admin`, in the same transaction as the new count.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn buy_seats(
        &self,
        ws: &str,
        quantity: i64,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<SeatStatus, StoreError> {
        let sql = format!(
            "update workspaces set seats_purchased = coalesce(seats_purchased, 0) + $2 where id = $1 \
             returning {SEAT_COLUMNS}"
        );
        in_tx!(self, tx => {
            let s: SeatStatus = sqlx::query_as(&sql).bind(ws).bind(quantity).fetch_one(&mut *tx).await?;
            sqlx::query(
                "insert into seat_purchases (id, workspace_id, occurred_at, cause, quantity, seats_purchased, actor) \
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7()).bind(ws).bind(Ts(now)).bind(CAUSE_ADMIN).bind(quantity)
            .bind(s.seats_purchased.unwrap_or_default()).bind(actor)
            .execute(&mut *tx)
            .await?;
            Ok(s)
        })
    }

    /// The seat ledger, oldest first. `NotFound` for an unknown workspace.
    pub async fn seat_ledger(&self, ws: &str) -> Result<Vec<SeatPurchase>, StoreError> {
        self.workspace(ws).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "select id, occurred_at, cause, quantity, seats_purchased, actor, user_id, user_name \
             from seat_purchases where workspace_id = $1 order by id",
        )
        .bind(ws)
        .fetch_all(pool)
        .await)?)
    }
}
