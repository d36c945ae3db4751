//! The PATCH engine (RFC 7644 §3.5.2): parse a `PatchOp` request, then apply
//! its operations, in order, to a stored resource.
//!
//! Pure: [`apply`] takes the canonical stored document (a JSON object in the
//! schema's spelling, extension attributes under their schema URN, never
//! `id`, `meta`, `schemas`, `groups`, `password` or a Group's `members`) and
//! returns what changed; the caller persists it in one transaction.
//!
//! Group membership never touches the document: members live in their own
//! table so that concurrent PATCH requests to one group are applied atomically
//! without a read-modify-write of the list (docs/idp-wire.md §0 rule 10).
//! Membership operations come back as [`MemberOp`]s instead.
//!
//! Decisions, each with its reason (see also `docs/idp-wire.md` §0, §4, §9):
//! - Unknown attributes are ignored and reported in [`Outcome::ignored`],
//!   not refused with `invalidPath`: Entra bundles `active` with every other
//!   change of a user, so one unmapped path would block the deactivation
//!   (idp-wire §0 rule 5, §9 item 2). A path that does not parse is still
//!   400 `invalidPath`: that is a broken request, not an unknown attribute.
//! - readOnly targets (`id`, `meta`, `groups`, `manager.displayName`) are
//!   ignored and reported: Okta echoes `id` in its group rename (idp-wire §0
//!   rule 6, OK-12).
//! - `password` is never stored here; [`Outcome::password_supplied`] tells
//!   the caller one was sent (idp-wire OK-8, §9 item 12).
//! - A value filter that matches no element is an upsert for `add` and
//!   `replace`, creating the element from the filter's `eq` conditions
//!   (idp-wire §0 rule 4); for `remove` it is a no-op, as RFC 7644 §3.5.2.2
//!   defines `noTarget` only for a missing path and Entra's reference code
//!   treats it so. A filter the element cannot be built from (`or`, `ne`...)
//!   is 400 `noTarget` (RFC 7644 §3.5.2.3).
//! - Empty values (`null`, `""`, `{"value": ""}`) remove the attribute
//!   (idp-wire EN-7, [`crate::value`]).

mod doc;
mod members;
mod multi;
mod request;
mod target;

#[cfg(test)]
mod idp_tests;
#[cfg(test)]
mod members_tests;
#[cfg(test)]
mod multi_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::Error;
use crate::schema::ResourceKind;

pub use crate::resource::MemberRef;
pub use request::PatchRequest;

/// URN of the PATCH request message (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most operations one PATCH may carry. Okta OIN apps batch up to 1,000
/// membership changes per request, each removal its own operation, plus the
/// rename sent along (idp-wire OK-10), so the cap sits well above 1,000
/// while still bounding the work one request can demand.
pub const MAX_OPERATIONS: usize = 2_000;

/// The most members one operation may add, remove or set (idp-wire OK-10,
/// EN-13: several members per operation; Entra groups reach 20k members but
/// arrive in batches).
pub const MAX_MEMBERS_PER_OPERATION: usize = 10_000;

/// What applying a PATCH changed, for the caller to persist in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the document differs from the one passed in. `false` lets the
    /// server skip the write and keep `meta.version` (RFC 7644 §3.5.2.1: an
    /// add of a value already present "SHALL NOT change the modify
    /// timestamp"). Membership changes are in `members`, not counted here.
    pub changed: bool,
    /// Membership changes of a Group, in request order; adjacent operations
    /// of the same kind are merged.
    pub members: Vec<MemberOp>,
    /// Whether an `add` or `replace` carried a non-empty `password`.
    pub password_supplied: bool,
    /// Paths that were ignored (unknown or readOnly attributes), as written
    /// in the request, for the log.
    pub ignored: Vec<String>,
}

/// One change to a Group's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberOp {
    /// Add these members; adding a member already present is a no-op (idp-wire EN-13).
    Add(Vec<MemberRef>),
    /// Remove the members with these user ids; removing a non-member is a
    /// no-op (idp-wire EN-14).
    Remove(Vec<String>),
    /// Remove every member (`remove` of `members` without filter or value,
    /// RFC 7644 §3.5.2.2).
    RemoveAll,
    /// Make the membership exactly this list (Okta "Push Now", idp-wire OK-11).
    Replace(Vec<MemberRef>),
}

/// Apply every operation of `request` to `doc`, the canonical stored
/// document of a resource of type `kind`, in order (RFC 7644 §3.5.2: "the
/// resulting resource becomes the target of the next operation").
///
/// All or nothing (RFC 7644 §3.5.2: "A PATCH request, regardless of the
/// number of operations, SHALL be treated as atomic"): on `Err`, `doc` is
/// left exactly as it was.
pub fn apply(
    kind: ResourceKind,
    doc: &mut Value,
    request: &PatchRequest,
) -> Result<Outcome, Error> {
    if !doc.is_object() {
        return Err(Error::new(500, "stored resource is not a JSON object"));
    }
    let mut work = doc.clone();
    let mut outcome = Outcome::default();
    let total = request.len();
    for (index, op) in request.ops().iter().enumerate() {
        doc::apply_op(kind, &mut work, op, &mut outcome).map_err(|mut e| {
            e.detail = format!(
                "{} (operation {} of {total}: {})",
                e.detail,
                index + 1,
                op.describe()
            );
            e
        })?;
    }
    outcome.changed = work != *doc;
    *doc = work;
    Ok(outcome)
}

impl Outcome {
    /// Record a membership change, merging it into the previous one when
    /// both add or both remove, so 1,000 single-member removals become one.
    /// A member listed twice is kept once, so the membership table's key holds.
    fn push_member_op(&mut self, op: MemberOp) {
        match (self.members.last_mut(), op) {
            (Some(MemberOp::Add(have)), MemberOp::Add(more)) => {
                for m in more {
                    if !have.iter().any(|h| h.value == m.value) {
                        have.push(m);
                    }
                }
            }
            (Some(MemberOp::Remove(have)), MemberOp::Remove(more)) => {
                for id in more {
                    if !have.contains(&id) {
                        have.push(id);
                    }
                }
            }
            (_, op) => self.members.push(op),
        }
    }
}
