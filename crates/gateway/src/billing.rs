//! The JSON shapes of seats, the ledger, hooks, deliveries, events and the
//! deprovisioning safeguard: one definition for `--json` CLI output and the admin API,
//! so a script can switch between them.

use serde_json::{Value, json};
use store::{DeliveryRecord, GuardStatus, Hook, SeatPurchase, SeatStatus, StoreError, StoredEvent};

use crate::cli::rfc3339;

pub(crate) fn seats(s: &SeatStatus) -> Value {
    json!({
        "seats_in_use": s.seats_in_use,
        "seats_purchased": s.seats_purchased,
        "auto_charge": s.auto_charge,
        "auto_charge_cap": s.auto_charge_cap,
    })
}

pub(crate) fn purchase(p: &SeatPurchase) -> Value {
    json!({
        "id": p.id, "occurred_at": rfc3339(p.occurred_at), "cause": p.cause,
        "quantity": p.quantity, "seats_purchased": p.seats_purchased, "actor": p.actor,
        "user_id": p.user_id, "user_name": p.user_name,
    })
}

pub(crate) fn event_names(events: &[seats::EventType]) -> Vec<&'static str> {
    events.iter().map(|e| e.as_str()).collect()
}

/// A hook without its secret (shown once, by whoever creates it).
pub(crate) fn hook(h: &Hook) -> Value {
    json!({"id": h.id, "url": h.url, "events": event_names(&h.events), "created_at": rfc3339(h.created_at)})
}

pub(crate) fn delivery(d: &DeliveryRecord) -> Value {
    json!({
        "id": d.id, "event_id": d.event_id, "event_type": d.event_type, "hook_id": d.hook_id,
        "state": d.state, "attempts": d.attempts, "next_attempt_at": rfc3339(d.next_attempt_at),
        "last_status": d.last_status, "last_error": d.last_error,
        "delivered_at": d.delivered_at.map(rfc3339),
    })
}

/// An event with its body as hooks receive it.
pub(crate) fn event(e: &StoredEvent) -> Result<Value, StoreError> {
    let payload: Value = serde_json::from_str(&e.payload)
        .map_err(|err| StoreError::Internal(format!("stored event payload: {err}")))?;
    Ok(
        json!({"id": e.id, "type": e.event_type, "occurred_at": rfc3339(e.occurred_at), "payload": payload}),
    )
}

/// A page of events and the cursor for the next one (the last id, or the one given).
pub(crate) fn events_page(
    events: &[StoredEvent],
    after: Option<uuid::Uuid>,
) -> Result<Value, StoreError> {
    let items = events.iter().map(event).collect::<Result<Vec<_>, _>>()?;
    let next = events.last().map(|e| e.id).or(after);
    Ok(json!({"events": items, "next": next}))
}

pub(crate) fn guard(g: &GuardStatus) -> Value {
    json!({
        "state": g.guard_state.as_deref().unwrap_or("active"),
        "share_percent": g.guard_share_percent,
        "min_users": g.guard_min_users,
        "window_seconds": g.guard_window_seconds,
        "active_users": g.seats_in_use,
        "resumed_at": g.guard_since.map(rfc3339),
    })
}
