//! In-memory evaluation of checked filters against JSON resources: the
//! reference semantics the SQL translation must agree with, and the matcher
//! for PATCH value filters (`members[value eq "x"]`).
//!
//! Semantics (RFC 7644 §3.4.2.2):
//! - A comparison is applied to each value the path yields; it matches if any
//!   value does ("if the specified attribute … is multi-valued, the filter
//!   matches if any of the values … match"). An absent or `null` attribute
//!   yields no values, so it matches no comparison, `ne` included:
//!   `title ne "x"` is false for a user without a title, as SQL's `<>`
//!   against NULL is. Use `not (title eq "x")` for the complement.
//! - Strings compare ignoring case unless the attribute is caseExact
//!   (RFC 7643 §2.2, §7); `gt`/`ge`/`lt`/`le` compare them lexicographically
//!   after that folding, dateTimes chronologically, numbers numerically.
//! - `pr`: a value that is not `null`, not an empty string or array, and, for
//!   a complex value, has a member that is present ("a non-empty node").
//! - Attribute names in the JSON are matched exactly first, then ignoring
//!   ASCII case (RFC 7643 §2.1). Extension attributes live under their schema
//!   URN (RFC 7643 §3.3); core and common ones at the top level.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Checked, CheckedAttr, CheckedExpr, CompareOp, Comparison, Filter, Scope, TypedValue};
use crate::schema::ResourceKind;

impl Filter<Checked> {
    /// Whether `resource` satisfies the filter. For a filter from
    /// [`super::check_value_filter`] ([`Scope::Element`]), `resource` is one
    /// element of the multi-valued attribute, such as `{"value": "2819c223"}`.
    pub fn matches(&self, resource: &Value) -> bool {
        let at = match self.scope() {
            Scope::Resource => At::Resource(resource),
            Scope::Element => At::Element(resource),
        };
        eval(self.expr(), at)
    }
}

#[derive(Clone, Copy)]
enum At<'v> {
    Resource(&'v Value),
    Element(&'v Value),
}

fn eval(e: &CheckedExpr, at: At<'_>) -> bool {
    match e {
        CheckedExpr::Compare(c) => values(&c.attr, at).into_iter().any(|v| compare(v, c)),
        CheckedExpr::Present(a) => values(a, at).into_iter().any(present),
        CheckedExpr::Not(e) => !eval(e, at),
        CheckedExpr::And(a, b) => eval(a, at) && eval(b, at),
        CheckedExpr::Or(a, b) => eval(a, at) || eval(b, at),
        CheckedExpr::ValuePath { attr, filter } => match at {
            At::Resource(_) => values(attr, at)
                .into_iter()
                .any(|element| eval(filter, At::Element(element))),
            // The checker never nests value paths.
            At::Element(_) => false,
        },
    }
}

/// The member `key` of `v`, matching the name exactly, else ignoring ASCII case.
fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Pushes `v` (each element if it is an array), skipping nulls.
fn push_flat<'v>(v: Option<&'v Value>, out: &mut Vec<&'v Value>) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => out.extend(items.iter().filter(|i| !i.is_null())),
        Some(v) => out.push(v),
    }
}

fn is_extension(schema: &str) -> bool {
    !schema.is_empty() && ResourceKind::ALL.iter().all(|k| k.core().id != schema)
}

/// Every value `attr` names at `at`.
fn values<'v>(attr: &CheckedAttr, at: At<'v>) -> Vec<&'v Value> {
    let mut out = Vec::new();
    match at {
        At::Resource(resource) => {
            let container = if is_extension(attr.schema) {
                member(resource, attr.schema)
            } else {
                Some(resource)
            };
            let mut top = Vec::new();
            push_flat(container.and_then(|c| member(c, attr.name)), &mut top);
            match attr.sub {
                Some(sub) => top
                    .into_iter()
                    .for_each(|t| push_flat(member(t, sub), &mut out)),
                None => out = top,
            }
        }
        At::Element(element) => match attr.sub {
            Some(sub) => push_flat(member(element, sub), &mut out),
            None => push_flat(Some(element), &mut out),
        },
    }
    out
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(present),
        Value::Object(members) => members.values().any(present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn ordered(ord: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare(v: &Value, c: &Comparison) -> bool {
    match &c.value {
        TypedValue::String(want) => v
            .as_str()
            .is_some_and(|have| compare_str(have, want, c.op, c.attr.case_exact)),
        TypedValue::Boolean(want) => {
            let have = match v {
                Value::Bool(b) => *b,
                // Stored or element data may hold Entra's "True"/"False" (idp-wire §8.3).
                Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return false,
            };
            ordered(have.cmp(want), c.op)
        }
        TypedValue::Integer(want) => v.as_i64().is_some_and(|have| ordered(have.cmp(want), c.op)),
        TypedValue::Decimal(want) => v
            .as_f64()
            .and_then(|have| have.partial_cmp(want))
            .is_some_and(|ord| ordered(ord, c.op)),
        TypedValue::DateTime(want) => v
            .as_str()
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
            .is_some_and(|have| ordered(have.cmp(want), c.op)),
    }
}

fn compare_str(have: &str, want: &str, op: CompareOp, case_exact: bool) -> bool {
    let (have, want): (Cow<'_, str>, Cow<'_, str>) = if case_exact {
        (have.into(), want.into())
    } else {
        (have.to_lowercase().into(), want.to_lowercase().into())
    };
    match op {
        CompareOp::Co => have.contains(&*want),
        CompareOp::Sw => have.starts_with(&*want),
        CompareOp::Ew => have.ends_with(&*want),
        _ => ordered(have.cmp(&want), op),
    }
}
