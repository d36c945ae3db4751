//! Seat licensing and billing hooks for scimgate (issue #5), as pure code.
//!
//! - [`decide`]: whether a user who needs a seat gets a free one, has one bought by
//!   auto-charge (below its cap), or is refused with a SCIM `detail` for the IT admin.
//! - [`Event`] and [`EventType`]: billing events and their Standard Webhooks JSON body.
//! - [`sign`], [`headers`], [`verify`], [`WebhookSecret`]: Standard Webhooks signatures.
//! - [`Backoff`]: when to retry a failed delivery and when to dead-letter it.
//! - [`validate_endpoint`]: which URLs hooks may be sent to.
//! - [`trips`]: whether one more deactivation or deletion pauses deprovisioning.
//! - [`deliver`]: one signed delivery attempt with [`client`] (reqwest, no redirects).
//!
//! Like `scim` and `oauth` this crate is pure (style §1) except for [`deliver`]: it must
//! not depend on a database (`sqlx`), an HTTP server, or the clock — `now` and random
//! jitter are parameters. The store applies the seat decision with conditional `UPDATE`s in its
//! write transaction and writes events to its outbox; the gateway's dispatcher sends them.

mod backoff;
mod deliver;
mod endpoint;
mod event;
mod guard;
mod policy;
mod webhook;

pub use backoff::Backoff;
pub use deliver::{Attempt, client, deliver};
pub use endpoint::{EndpointError, validate_endpoint};
pub use event::{Event, EventType, UnknownEventType};
pub use guard::{GuardPolicy, trips};
pub use policy::{Decision, LimitReached, SeatPolicy, SeatUsage, decide};
pub use webhook::{
    DEFAULT_TOLERANCE, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, RandomnessError,
    SECRET_PREFIX, SecretError, VerifyError, WebhookSecret, headers, sign, verify,
};
