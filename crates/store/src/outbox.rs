//! The outbox of billing events, the workspace's hook endpoints, and the delivery
//! state the dispatcher claims and updates.
//!
//! An event is written in the transaction of the change that caused it, with one
//! delivery row per subscribed hook: a committed change always has its events, a
//! rolled-back one never does.

use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ts::Ts;
use crate::tx::{in_tx, write_one};
use crate::{Store, StoreError, on_pool};

/// Delivery states as stored.
pub const PENDING: &str = "pending";
/// Sent and acknowledged with a 2xx.
pub const DELIVERED: &str = "delivered";
/// Gave up after the last attempt (dead-lettered); an admin may replay it.
pub const DEAD: &str = "dead";

/// Writes one event and its deliveries inside the open transaction `$tx`. `$change`
/// is a `Change` (workspace and time), `$data` the event's `data` object.
macro_rules! emit {
    ($tx:ident, $change:expr, $event_type:expr, $data:expr) => {{
        let event_type: seats::EventType = $event_type;
        let event = seats::Event {
            id: Uuid::now_v7(),
            event_type,
            workspace_id: $change.workspace.to_owned(),
            occurred_at: $change.now,
            data: $data,
        };
        let payload = String::from_utf8(event.payload())
            .map_err(|e| StoreError::Internal(format!("event payload: {e}")))?;
        $tx.later(
            "insert into events (id, workspace_id, event_type, occurred_at, payload) values ($1, $2, $3, $4, $5)",
            $crate::tx::args![event.id, $change.workspace, event_type.as_str(), $crate::ts::Ts($change.now), payload],
        );
        let hooks: Vec<(Uuid, String)> = $tx
            .rows("select id, events from hooks where workspace_id = $1", $crate::tx::args![$change.workspace])
            .await?;
        for (hook, filter) in hooks {
            if $crate::outbox::subscribed(&filter, event_type) {
                $tx.later(
                    "insert into deliveries (id, workspace_id, event_id, hook_id, state, attempts, next_attempt_at, \
                     created_at) values ($1, $2, $3, $4, $5, 0, $6, $6)",
                    $crate::tx::args![
                        Uuid::now_v7(), $change.workspace, event.id, hook, $crate::outbox::PENDING,
                        $crate::ts::Ts($change.now)
                    ],
                );
            }
        }
    }};
}
pub(crate) use emit;

/// Whether a hook whose filter is `filter` (space-separated event names, empty for
/// every event) wants `event`.
pub(crate) fn subscribed(filter: &str, event: seats::EventType) -> bool {
    filter.is_empty() || filter.split(' ').any(|name| name == event.as_str())
}

/// A user event's `data` (seat counts are merged in where a seat moved). `app_role`
/// is the user's mapped app role (`scim::roles`), `null` when none applies.
pub(crate) fn user_data(id: Uuid, user_name: &str, active: bool, app_role: Option<&str>) -> Value {
    json!({"user_id": id, "user_name": user_name, "active": active, "app_role": app_role})
}

/// A group event's `data`.
pub(crate) fn group_data(id: Uuid, display_name: &str) -> Value {
    json!({"group_id": id, "display_name": display_name})
}

/// Adds `extra`'s fields (seat counts) to an event's `data`.
pub(crate) fn merge(data: &mut Value, extra: Value) {
    if let (Value::Object(d), Value::Object(e)) = (data, extra) {
        d.extend(e);
    }
}

/// A hook endpoint. The secret is not part of it: it is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub id: Uuid,
    pub url: String,
    /// The event types it receives; empty: all.
    pub events: Vec<seats::EventType>,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct HookRow {
    id: Uuid,
    url: String,
    events: String,
    created_at: OffsetDateTime,
}

impl From<HookRow> for Hook {
    fn from(r: HookRow) -> Self {
        Self {
            id: r.id,
            url: r.url,
            // Stored from parsed types only; an unknown name would be a newer version's.
            events: r.events.split(' ').filter_map(|n| n.parse().ok()).collect(),
            created_at: r.created_at,
        }
    }
}

/// One delivery of one event to one hook, as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub hook_id: Uuid,
    /// [`PENDING`], [`DELIVERED`] or [`DEAD`].
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    /// The HTTP status of the last attempt, if the receiver answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed (never the URL, which may carry a token).
    pub last_error: Option<String>,
    pub delivered_at: Option<OffsetDateTime>,
}

/// A delivery claimed by a dispatcher: everything one attempt needs. `Debug` leaves
/// out the secret (docs/style.md §6).
#[derive(Clone, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: Uuid,
    /// The idempotency id, sent as `webhook-id` on every attempt.
    pub event_id: Uuid,
    pub hook_id: Uuid,
    /// Attempts made before this one.
    pub attempts: i64,
    pub url: String,
    /// The hook's `whsec_…` secret; never logged.
    pub secret: String,
    /// The exact body to sign and send.
    pub payload: String,
}

impl std::fmt::Debug for DueDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueDelivery")
            .field("id", &self.id)
            .field("event_id", &self.event_id)
            .field("hook_id", &self.hook_id)
            .field("attempts", &self.attempts)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// What an attempt did, as the dispatcher records it.
#[derive(Debug, Clone)]
pub struct AttemptResult<'a> {
    /// The HTTP status, if the receiver answered.
    pub status: Option<u16>,
    /// Why it failed; `None` when delivered.
    pub error: Option<&'a str>,
    /// When to try again; `None` with an error: dead-lettered.
    pub retry_at: Option<OffsetDateTime>,
}

/// One stored event, as the pull API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: OffsetDateTime,
    /// The JSON body, exactly as hooks receive it.
    pub payload: String,
}

impl Store {
    /// Registers a hook endpoint; `secret` is the `whsec_…` text it is signed with.
    /// `NotFound` for an unknown workspace.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn create_hook(
        &self,
        ws: &str,
        url: &str,
        secret: &str,
        events: &[seats::EventType],
        now: OffsetDateTime,
    ) -> Result<Hook, StoreError> {
        self.workspace(ws).await?;
        let id = Uuid::now_v7();
        let filter: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        write_one!(self, pool => sqlx::query(
            "insert into hooks (id, workspace_id, url, secret, events, created_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id).bind(ws).bind(url).bind(secret).bind(filter.join(" ")).bind(Ts(now))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(Hook {
            id,
            url: url.to_owned(),
            events: events.to_vec(),
            created_at: now,
        })
    }

    /// The workspace's hooks, oldest first. `NotFound` for an unknown workspace.
    pub async fn hooks(&self, ws: &str) -> Result<Vec<Hook>, StoreError> {
        self.workspace(ws).await?;
        let rows: Vec<HookRow> = on_pool!(self, pool => sqlx::query_as(
            "select id, url, events, created_at from hooks where workspace_id = $1 order by id",
        )
        .bind(ws)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(Hook::from).collect())
    }

    /// Removes a hook and its deliveries. `NotFound` if the workspace has no such hook.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws, hook.id = %id))]
    pub async fn delete_hook(&self, ws: &str, id: Uuid) -> Result<(), StoreError> {
        let n = write_one!(self, pool => sqlx::query("delete from hooks where workspace_id = $1 and id = $2")
            .bind(ws).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Claims up to `limit` due deliveries for `lease`: until it ends no other
    /// dispatcher takes them, and if this process dies they become due again.
    /// PostgreSQL skips rows another dispatcher is claiming right now (`skip locked`)
    /// instead of waiting for it; SQLite's `BEGIN IMMEDIATE` lets one claim at a time.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let lock = match self {
            Self::Postgres(_) => " for update of d skip locked",
            Self::Sqlite(_) => "",
        };
        let select = format!(
            "select d.id, d.event_id, d.hook_id, d.attempts, h.url, h.secret, e.payload \
             from deliveries d join hooks h on h.id = d.hook_id join events e on e.id = d.event_id \
             where d.state = $1 and d.next_attempt_at <= $2 and (d.claimed_until is null or d.claimed_until <= $2) \
             order by d.next_attempt_at, d.id limit $3{lock}"
        );
        let until = now + lease;
        in_tx!(self, tx => {
            let due: Vec<DueDelivery> = sqlx::query_as(&select)
                .bind(PENDING).bind(Ts(now)).bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
            for d in &due {
                sqlx::query("update deliveries set claimed_until = $2 where id = $1")
                    .bind(d.id).bind(Ts(until))
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(due)
        })
    }

    /// Records an attempt on a claimed delivery and releases the claim.
    #[tracing::instrument(level = "debug", skip_all, fields(delivery.id = %id))]
    pub async fn record_attempt(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        result: &AttemptResult<'_>,
    ) -> Result<(), StoreError> {
        let (state, next, delivered_at) = match (result.error, result.retry_at) {
            (None, _) => (DELIVERED, now, Some(now)),
            (Some(_), Some(at)) => (PENDING, at, None),
            (Some(_), None) => (DEAD, now, None),
        };
        write_one!(self, pool => sqlx::query(
            "update deliveries set state = $2, attempts = attempts + 1, next_attempt_at = $3, claimed_until = null, \
             last_status = $4, last_error = $5, delivered_at = $6 where id = $1 and state = $7",
        )
        .bind(id).bind(state).bind(Ts(next)).bind(result.status.map(i64::from)).bind(result.error)
        .bind(delivered_at.map(Ts)).bind(PENDING)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The workspace's deliveries, newest first, at most `limit`.
    pub async fn deliveries(
        &self,
        ws: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.workspace(ws).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "select d.id, d.event_id, e.event_type, d.hook_id, d.state, d.attempts, d.next_attempt_at, d.last_status, \
             d.last_error, d.delivered_at from deliveries d join events e on e.id = d.event_id \
             where d.workspace_id = $1 order by d.id desc limit $2",
        )
        .bind(ws).bind(i64::from(limit))
        .fetch_all(pool)
        .await)?)
    }

    /// Sends a delivery again from its first attempt, whatever its state: the event
    /// keeps its id, so receivers that already have it can drop the copy.
    /// `NotFound` if the workspace has no such delivery.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws, delivery.id = %id))]
    pub async fn replay_delivery(
        &self,
        ws: &str,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let n = write_one!(self, pool => sqlx::query(
            "update deliveries set state = $3, attempts = 0, next_attempt_at = $4, claimed_until = null, \
             delivered_at = null where workspace_id = $1 and id = $2",
        )
        .bind(ws).bind(id).bind(PENDING).bind(Ts(now))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The workspace's events after the event `after` (exclusive), oldest first: the
    /// pull API's cursor is the last event id a reader has seen.
    pub async fn events_after(
        &self,
        ws: &str,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.workspace(ws).await?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "select id, event_type, occurred_at, payload from events \
             where workspace_id = $1 and ($2 is null or id > $2) order by id limit $3",
        )
        .bind(ws).bind(after).bind(i64::from(limit))
        .fetch_all(pool)
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::subscribed;
    use seats::EventType;

    #[test]
    fn a_due_delivery_never_shows_its_secret() {
        let d = super::DueDelivery {
            id: uuid::Uuid::nil(),
            event_id: uuid::Uuid::nil(),
            hook_id: uuid::Uuid::nil(),
            attempts: 0,
            url: "https://billing.example/h?token=t0ken".into(),
            secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0".into(),
            payload: "{}".into(),
        };
        let shown = format!("{d:?}");
        assert!(
            !shown.contains("whsec_") && !shown.contains("t0ken"),
            "{shown}"
        );
    }

    #[test]
    fn an_empty_filter_takes_every_event_and_a_list_only_its_own() {
        assert!(subscribed("", EventType::UserDeleted));
        assert!(subscribed(
            "seat.charged user.deleted",
            EventType::UserDeleted
        ));
        assert!(!subscribed("seat.charged", EventType::SeatLimitReached));
    }
}
