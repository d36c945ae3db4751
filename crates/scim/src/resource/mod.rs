//! User and Group resources: validating incoming POST/PUT bodies into the
//! canonical stored document, and rendering stored documents as responses.
//!
//! # The stored document
//!
//! A JSON object holding every client-writable attribute in its canonical
//! schema spelling: core attributes at the top level, Enterprise User
//! attributes under the key
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. It never
//! holds `id`, `meta`, `schemas` (the server's), `groups` (derived from
//! memberships), `password` (never stored, see [`Incoming::password_supplied`])
//! or a group's `members` (kept in their own table, so concurrent membership
//! `PATCH` requests are atomic, docs/idp-wire.md §0 rule 10). Values are stored
//! exactly as sent (idp-wire EN-5, §9 item 11).
//!
//! Incoming documents are read by [`from_request`] (`incoming.rs`); responses
//! are built by [`render`] under a [`Projection`] (`render.rs`).

mod incoming;
mod render;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod tests;

pub use incoming::from_request;
pub use render::{Meta, Projection, etag, render};

use serde_json::Value;

/// Which request a body comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `POST`: a new resource (RFC 7644 §3.3).
    Create,
    /// `PUT`: a full replace (RFC 7644 §3.5.1); attributes absent from the
    /// body are cleared, with the exceptions documented on [`Incoming`].
    Replace,
}

/// A validated POST or PUT body.
///
/// # What an absent attribute means on `PUT`
///
/// RFC 7644 §3.5.1 makes PUT a full replace, so `doc` simply lacks every
/// attribute the body did not carry, and the caller stores `doc` as is. Three
/// things are not plain attributes of `doc`, and for them the caller keeps
/// the current state when the body is silent:
///
/// - a group's **members**: see [`Incoming::members`];
/// - a group's **`displayName`**: a Group PUT without it keeps the name
///   (issue 3: "a group replace without `displayName` (keeps the name)");
///   a Group POST without it is refused;
/// - a user's **`active`**: a User PUT without it keeps the current state.
///   `active` is the lifecycle switch seats hang on (idp-wire §7); a client
///   that merely omits it must neither deactivate nor re-activate (and
///   re-claim a seat for) the user. Okta and Entra always send it. On POST it
///   defaults to `true`.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The canonical document to store (see the module documentation).
    pub doc: Value,
    /// A group's members: `Some(list)` when the body has a `members` key
    /// (`null` and `[]` give an empty list, which empties the group), `None`
    /// when it has none, meaning "membership unchanged".
    ///
    /// Why an absent key does not wipe the group on PUT: membership is the
    /// data an IdP cares most about and cannot be recovered once dropped.
    /// Okta AIW apps, the only IdP flavour that PUTs groups, always send the
    /// full `members` list (idp-wire OK-10, OK-11, OK-12), so they still get
    /// the full replace they expect; Entra reads groups with
    /// `excludedAttributes=members` (EN-9, EN-10), so a client that PUTs back
    /// what it read never saw the members and must not lose them.
    ///
    /// Always `None` for users (`groups` is read-only, RFC 7643 §4.1.2).
    pub members: Option<Vec<MemberRef>>,
    /// Whether the body carried a non-empty `password`. It is not stored:
    /// scimgate is not a credential store, and Okta sends a placeholder
    /// password on every create and sometimes echoes one in PUT, which is not
    /// a credential change (idp-wire OK-4, §9 item 12).
    pub password_supplied: bool,
}

impl Incoming {
    /// The `active` flag in the document, `None` when the body had none (a
    /// PUT that leaves the state unchanged; see [`Incoming`]).
    pub fn active(&self) -> Option<bool> {
        self.doc.get("active").and_then(Value::as_bool)
    }
}

/// One member of a group, as sent in a POST or PUT body (RFC 7643 §4.2).
/// `$ref` is ignored: the server derives it from `value` when rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    /// The member's `id` in this server (a User or Group id), as sent.
    pub value: String,
    /// The member's display name, as sent.
    pub display: Option<String>,
    /// `"User"` or `"Group"` when sent; kept as sent.
    pub ty: Option<String>,
}
