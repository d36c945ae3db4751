//! Billing events and their JSON body.
//!
//! The body follows the Standard Webhooks payload recommendation
//! (standard-webhooks/standard-webhooks: spec/standard-webhooks.md, "Payload structure"):
//! `type` (full-stop delimited), `timestamp` (when the event occurred, not when it was
//! delivered) and `data`. The idempotency id travels in the `webhook-id` header.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

/// The kind of a billing event; [`EventType::as_str`] is the `type` sent to receivers and
/// the name hook filters (`scimgate hook add --events …`) use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
// Through `String`, not `&str`: a borrowed str cannot be read from escaped or
// non-borrowing input (`serde_json::from_value`).
#[serde(into = "&'static str", try_from = "String")]
pub enum EventType {
    /// Auto-charge bought a seat.
    SeatCharged,
    /// A user needed a seat and none could be had.
    SeatLimitReached,
    /// A provisioning request was refused (e.g. by the seat limit).
    ProvisioningFailed,
    /// The deprovisioning guard paused deactivations and deletions.
    ProvisioningPaused,
    /// A user was created.
    UserProvisioned,
    /// A user's attributes changed.
    UserUpdated,
    /// A user became inactive and released its seat.
    UserDeactivated,
    /// An inactive user became active again and took a seat.
    UserReactivated,
    /// A user was deleted.
    UserDeleted,
    /// A group was created.
    GroupCreated,
    /// A group or its membership changed.
    GroupUpdated,
    /// A group was deleted.
    GroupDeleted,
}

impl EventType {
    /// Every event type, in a stable order (for CLI help and filter validation).
    pub const ALL: [Self; 12] = [
        Self::SeatCharged,
        Self::SeatLimitReached,
        Self::ProvisioningFailed,
        Self::ProvisioningPaused,
        Self::UserProvisioned,
        Self::UserUpdated,
        Self::UserDeactivated,
        Self::UserReactivated,
        Self::UserDeleted,
        Self::GroupCreated,
        Self::GroupUpdated,
        Self::GroupDeleted,
    ];

    /// The wire name, e.g. `seat.charged`: lower case `[a-z_]` segments delimited by full
    /// stops, as the Standard Webhooks "Event types" section recommends.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SeatCharged => "seat.charged",
            Self::SeatLimitReached => "seat.limit_reached",
            Self::ProvisioningFailed => "provisioning.failed",
            Self::ProvisioningPaused => "provisioning.paused",
            Self::UserProvisioned => "user.provisioned",
            Self::UserUpdated => "user.updated",
            Self::UserDeactivated => "user.deactivated",
            Self::UserReactivated => "user.reactivated",
            Self::UserDeleted => "user.deleted",
            Self::GroupCreated => "group.created",
            Self::GroupUpdated => "group.updated",
            Self::GroupDeleted => "group.deleted",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event type name that is not one of [`EventType::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;

    /// Exact, case-sensitive match: the names are identifiers, stored and filtered as is.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

impl From<EventType> for &'static str {
    fn from(t: EventType) -> Self {
        t.as_str()
    }
}

impl TryFrom<String> for EventType {
    type Error = UnknownEventType;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// One billing event, as written to the outbox in the transaction that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The idempotency id: made once when the event is written and sent unchanged as
    /// `webhook-id` on every attempt and replay, so receivers can drop duplicates.
    pub id: Uuid,
    /// What happened.
    pub event_type: EventType,
    /// The workspace's id (its slug).
    pub workspace_id: String,
    /// When the change happened (the request's `now`), not when it is delivered.
    pub occurred_at: OffsetDateTime,
    /// Event-specific fields (resource id, `userName`/`displayName`, seat counts).
    pub data: Value,
}

/// The body's field order follows the spec's example; `serde_json` writes struct fields in
/// declaration order.
#[derive(Serialize)]
struct Body {
    #[serde(rename = "type")]
    event_type: &'static str,
    timestamp: String,
    data: Value,
}

impl Event {
    /// The idempotency id as sent in `webhook-id`: the hyphenated UUID, which contains no
    /// `.` (the spec forbids one there, as it delimits the signed content).
    pub fn webhook_id(&self) -> String {
        self.id.hyphenated().to_string()
    }

    /// The JSON body: `{"type", "timestamp", "data": {…, "workspace"}}`, minified.
    ///
    /// `timestamp` is RFC 3339 in UTC. `data` is this event's `data` with `"workspace"` set
    /// (replacing any given one, so it always names the workspace the event belongs to); a
    /// non-object `data` is kept under `"value"`, and `null` adds nothing.
    ///
    /// Sign exactly these bytes and send exactly these bytes: re-serialising can change
    /// them and break the signature.
    pub fn payload(&self) -> Vec<u8> {
        let mut data = match &self.data {
            Value::Object(map) => map.clone(),
            Value::Null => serde_json::Map::new(),
            other => {
                let mut map = serde_json::Map::new();
                map.insert("value".to_owned(), other.clone());
                map
            }
        };
        data.insert(
            "workspace".to_owned(),
            Value::String(self.workspace_id.clone()),
        );
        let body = Body {
            event_type: self.event_type.as_str(),
            timestamp: rfc3339_utc(self.occurred_at),
            data: Value::Object(data),
        };
        // Serialising strings and JSON values into a Vec cannot fail: every map key is a
        // string and there is no I/O.
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// RFC 3339 in UTC. RFC 3339 has years 0000–9999 only, so an earlier instant (never
/// produced by a real clock) is clamped rather than failing the delivery.
fn rfc3339_utc(at: OffsetDateTime) -> String {
    // `to_offset` would panic past `time`'s range (years ±9999 without `large-dates`).
    let utc = match at.checked_to_offset(UtcOffset::UTC) {
        Some(utc) if utc.year() >= 0 => utc,
        None if at.year() > 0 => datetime!(9999-12-31 23:59:59.999_999_999 UTC),
        _ => datetime!(0000-01-01 00:00 UTC),
    };
    // Cannot fail for a UTC instant in years 0–9999.
    utc.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(data: Value) -> Event {
        Event {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            event_type: EventType::SeatCharged,
            workspace_id: "acme".to_owned(),
            occurred_at: datetime!(2025-03-04 05:06:07.123456 UTC),
            data,
        }
    }

    #[test]
    fn every_type_round_trips_through_its_name() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
            assert_eq!(
                serde_json::from_value::<EventType>(json!(t.as_str())).unwrap(),
                t
            );
        }
    }

    #[test]
    fn names_are_the_contracts_and_follow_the_spec_alphabet() {
        let names: Vec<_> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        for required in [
            "seat.charged",
            "seat.limit_reached",
            "provisioning.failed",
            "provisioning.paused",
            "user.provisioned",
            "user.updated",
            "user.deactivated",
            "user.reactivated",
            "user.deleted",
            "group.created",
            "group.updated",
            "group.deleted",
        ] {
            assert!(names.contains(&required), "{required}");
        }
        for n in names {
            assert!(
                n.split('.').all(|seg| !seg.is_empty()
                    && seg.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            );
        }
    }

    #[test]
    fn unknown_and_differently_cased_names_are_rejected() {
        assert!("seat.Charged".parse::<EventType>().is_err());
        assert!("seat".parse::<EventType>().is_err());
        assert!(serde_json::from_value::<EventType>(json!("nope")).is_err());
    }

    #[test]
    fn payload_is_the_standard_webhooks_envelope() {
        let e = event(json!({"seats_purchased": 51, "user_id": "u1"}));
        let body = String::from_utf8(e.payload()).unwrap();
        assert_eq!(
            body,
            r#"{"type":"seat.charged","timestamp":"2025-03-04T05:06:07.123456Z","data":{"seats_purchased":51,"user_id":"u1","workspace":"acme"}}"#
        );
    }

    #[test]
    fn payload_timestamp_is_converted_to_utc() {
        let mut e = event(Value::Null);
        e.occurred_at = datetime!(2025-03-04 07:06:07 +02:00);
        let v: Value = serde_json::from_slice(&e.payload()).unwrap();
        assert_eq!(v["timestamp"], "2025-03-04T05:06:07Z");
        assert_eq!(v["data"], json!({"workspace": "acme"}));
    }

    #[test]
    fn payload_workspace_cannot_be_overridden_by_data() {
        let v: Value =
            serde_json::from_slice(&event(json!({"workspace": "other"})).payload()).unwrap();
        assert_eq!(v["data"]["workspace"], "acme");
    }

    #[test]
    fn payload_keeps_a_non_object_data_value() {
        let v: Value = serde_json::from_slice(&event(json!([1, 2])).payload()).unwrap();
        assert_eq!(v["data"], json!({"value": [1, 2], "workspace": "acme"}));
    }

    #[test]
    fn payload_clamps_years_rfc3339_cannot_write() {
        let mut e = event(Value::Null);
        e.occurred_at = datetime!(-0001-06-01 00:00 UTC);
        let v: Value = serde_json::from_slice(&e.payload()).unwrap();
        assert_eq!(v["timestamp"], "0000-01-01T00:00:00Z");
        e.occurred_at = datetime!(9999-12-31 23:59:59.5 -01:00);
        let v: Value = serde_json::from_slice(&e.payload()).unwrap();
        assert_eq!(v["timestamp"], "9999-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn webhook_id_is_the_event_id_and_has_no_full_stop() {
        let e = event(Value::Null);
        assert_eq!(e.webhook_id(), e.id.to_string());
        assert!(!e.webhook_id().contains('.'));
    }
}
