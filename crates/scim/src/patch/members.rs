//! A Group's `members`: turned into [`MemberOp`]s for the store, never
//! written into the document, so concurrent membership PATCH requests need no
//! read-modify-write of the list (idp-wire §0 rule 10).

use serde_json::Value;

use super::request::OpKind;
use super::{MAX_MEMBERS_PER_OPERATION, MemberOp, MemberRef, Outcome};
use crate::filter::{Checked, CheckedExpr, CompareOp, Filter, TypedValue};
use crate::schema::{Attribute, Mutability};
use crate::value::coerce;
use crate::{Error, ScimType};

/// Applies one operation on `members` (`attr`), optionally narrowed by a
/// value filter and a sub-attribute.
pub(super) fn apply(
    op: OpKind,
    attr: &'static Attribute,
    filter: Option<&Filter<Checked>>,
    sub: Option<&'static Attribute>,
    value: Option<Value>,
    out: &mut Outcome,
) -> Result<(), Error> {
    if let Some(sub) = sub {
        // RFC 7643 §8.7.1: a member's `value`, `$ref` and `type` are
        // immutable; membership changes by removing and adding members.
        if sub.mutability == Mutability::Immutable {
            return Err(Error::bad_request(
                ScimType::Mutability,
                format!(
                    "a member's \"{}\" cannot be changed; remove the member and add the \
                     new one",
                    sub.name
                ),
            ));
        }
        // `display` is not kept per operation; nothing else to change.
        out.ignored.push(format!("members.{}", sub.name));
        return Ok(());
    }
    match (op, filter) {
        // Flag dialect and Okta: `members[value eq "id"]` (idp-wire EN-14, OK-10).
        (OpKind::Remove, Some(filter)) => {
            let ids = member_ids(filter.expr()).ok_or_else(|| {
                Error::bad_request(
                    ScimType::InvalidFilter,
                    "members can only be selected by id, as members[value eq \"<id>\"] \
                     (several joined with \"or\")",
                )
            })?;
            out.push_member_op(MemberOp::Remove(ids));
        }
        (OpKind::Add | OpKind::Replace, Some(_)) => {
            return Err(Error::bad_request(
                ScimType::InvalidPath,
                "a filter on \"members\" selects members to remove; to add members send \
                 {\"op\": \"add\", \"path\": \"members\", \"value\": [{\"value\": \"<id>\"}]}",
            ));
        }
        // RFC 7644 §3.5.2.2: no filter and no value removes all members.
        // `null` counts as no value; an empty list removes nothing.
        (OpKind::Remove, None) if value.as_ref().is_none_or(Value::is_null) => {
            out.push_member_op(MemberOp::RemoveAll);
        }
        // Entra's legacy dialect: a `value` list removes ONLY those members
        // (idp-wire EN-14, §9 item 3).
        (OpKind::Remove, None) => {
            let ids: Vec<String> = refs(attr, value)?.into_iter().map(|m| m.value).collect();
            if !ids.is_empty() {
                out.push_member_op(MemberOp::Remove(ids));
            }
        }
        (OpKind::Add, None) => {
            let members = refs(attr, value)?;
            if !members.is_empty() {
                out.push_member_op(MemberOp::Add(members));
            }
        }
        // Okta "Push Now" and Entra's validator (idp-wire OK-11, EN-13):
        // the list becomes exactly this; `[]` empties the group.
        (OpKind::Replace, None) => {
            let members = refs(attr, value)?;
            out.push_member_op(MemberOp::Replace(members));
        }
    }
    Ok(())
}

/// The ids a filter of `value eq "<id>"` comparisons joined by `or` selects.
fn member_ids(e: &CheckedExpr) -> Option<Vec<String>> {
    match e {
        CheckedExpr::Compare(c) if c.op == CompareOp::Eq && c.attr.sub == Some("value") => {
            match &c.value {
                TypedValue::String(id) => Some(vec![id.clone()]),
                _ => None,
            }
        }
        CheckedExpr::Or(a, b) => {
            let mut ids = member_ids(a)?;
            ids.extend(member_ids(b)?);
            Some(ids)
        }
        _ => None,
    }
}

/// The members listed in a value: objects with a `value` id and an optional
/// `display`; `type` is kept as sent, `$ref` dropped (the server derives it), `"$ref": null`
/// included (Entra, idp-wire EN-13).
fn refs(attr: &'static Attribute, value: Option<Value>) -> Result<Vec<MemberRef>, Error> {
    let value = value.unwrap_or(Value::Null);
    if value
        .as_array()
        .is_some_and(|items| items.len() > MAX_MEMBERS_PER_OPERATION)
    {
        return Err(Error::bad_request(
            ScimType::InvalidValue,
            format!(
                "one operation may list at most {MAX_MEMBERS_PER_OPERATION} members; send \
                 the members in several operations"
            ),
        ));
    }
    let Some(Value::Array(items)) = coerce(attr, value)? else {
        return Ok(Vec::new());
    };
    let mut out: Vec<MemberRef> = Vec::with_capacity(items.len());
    for item in items {
        let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_owned);
        let Some(value) = text("value").filter(|s| !s.is_empty()) else {
            return Err(Error::bad_request(
                ScimType::InvalidValue,
                "each member needs a \"value\" holding the member's id",
            ));
        };
        // A member listed twice is kept once, at its first place.
        if !out.iter().any(|m| m.value == value) {
            out.push(MemberRef {
                display: text("display"),
                ty: text("type"),
                value,
            });
        }
    }
    Ok(out)
}
