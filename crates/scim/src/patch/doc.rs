//! Applying one operation to the stored document: dispatch by target, and
//! the single-valued attributes (simple ones and complex ones such as `name`
//! and `manager`). Multi-valued attributes are in `multi.rs`.

use serde_json::{Map, Value};

use super::Outcome;
use super::members;
use super::multi;
use super::request::{OpKind, Operation};
use super::target::{self, AttrTarget, Target};
use crate::path::PatchPath;
use crate::schema::{Attribute, Mutability, ResourceKind};
use crate::value::coerce;
use crate::{Error, ScimType};

/// Applies `op` to `doc`, recording side effects in `out`.
pub(super) fn apply_op(
    kind: ResourceKind,
    doc: &mut Value,
    op: &Operation,
    out: &mut Outcome,
) -> Result<(), Error> {
    match (&op.path, &op.value) {
        (Some((text, path)), value) => {
            let target = target::resolve(kind, text, path)?;
            apply_target(kind, doc, op.kind, target, text, value.clone(), out)
        }
        // RFC 7644 §3.5.2.1, §3.5.2.3: without a path the value holds
        // attributes; its keys may also be dotted or URN-qualified paths
        // (Entra's flag dialect, idp-wire EN-5) and are applied one by one.
        (None, Some(Value::Object(attrs))) => {
            for (key, value) in attrs {
                apply_key(kind, doc, op.kind, key, value.clone(), out)?;
            }
            Ok(())
        }
        // `PatchRequest::parse` refuses these.
        (None, _) => Err(Error::bad_request(
            ScimType::InvalidSyntax,
            "an operation without \"path\" needs an object \"value\"",
        )),
    }
}

/// Applies one key of a pathless value object as if it were a path.
fn apply_key(
    kind: ResourceKind,
    doc: &mut Value,
    op: OpKind,
    key: &str,
    value: Value,
    out: &mut Outcome,
) -> Result<(), Error> {
    // A client repeating the resource's `schemas` inside the value is not
    // asking for a change (idp-wire §0 rule 6).
    if key.eq_ignore_ascii_case("schemas") {
        out.ignored.push(key.to_owned());
        return Ok(());
    }
    let path = PatchPath::parse(key)?;
    let target = target::resolve(kind, key, &path)?;
    apply_target(kind, doc, op, target, key, Some(value), out)
}

fn apply_target(
    kind: ResourceKind,
    doc: &mut Value,
    op: OpKind,
    target: Target,
    text: &str,
    value: Option<Value>,
    out: &mut Outcome,
) -> Result<(), Error> {
    match target {
        Target::Ignored => {
            out.ignored.push(text.to_owned());
            Ok(())
        }
        Target::WriteOnly(attr) => {
            // Never stored here, never echoed (RFC 7643 §4.1.1 `password`
            // is returned "never"); the caller decides what a password means.
            if op == OpKind::Remove {
                out.ignored.push(text.to_owned());
            } else if coerce(attr, value.unwrap_or(Value::Null))?.is_some() {
                out.password_supplied = true;
            }
            Ok(())
        }
        Target::Members { attr, filter, sub } => {
            members::apply(op, attr, filter.as_ref(), sub, value, out)
        }
        Target::Schema(urn) => apply_schema(kind, doc, op, urn, value, out),
        Target::Attr(t) => {
            let container = container(doc, t.ext)?;
            apply_attr(container, op, &t, text, value, out)?;
            prune_extension(doc, t.ext);
            Ok(())
        }
    }
}

/// A path or key that is exactly a schema URN: each attribute of the
/// object value is applied as `urn:attribute` (Okta and Entra send
/// extension attributes this way inside pathless values, idp-wire §8).
fn apply_schema(
    kind: ResourceKind,
    doc: &mut Value,
    op: OpKind,
    urn: &'static str,
    value: Option<Value>,
    out: &mut Outcome,
) -> Result<(), Error> {
    let is_core = urn == kind.core().id;
    match (op, value) {
        (OpKind::Add | OpKind::Replace, Some(Value::Object(attrs))) => {
            for (key, value) in attrs {
                apply_key(kind, doc, op, &format!("{urn}:{key}"), value, out)?;
            }
            Ok(())
        }
        (OpKind::Add, None | Some(Value::Null)) => Ok(()),
        (OpKind::Replace | OpKind::Remove, None | Some(Value::Null)) if !is_core => {
            if let Some(root) = doc.as_object_mut() {
                root.remove(urn);
            }
            Ok(())
        }
        (OpKind::Remove, _) => Err(Error::bad_request(
            ScimType::InvalidPath,
            format!("\"{urn}\" names the whole resource, which a PATCH cannot remove"),
        )),
        (_, _) => Err(Error::bad_request(
            ScimType::InvalidValue,
            format!("the value for \"{urn}\" must be an object of its attributes"),
        )),
    }
}

fn internal() -> Error {
    Error::new(500, "stored resource is not a JSON object")
}

/// The object holding the attribute: the document itself, or the object
/// under the extension URN (RFC 7643 §3.3), created when missing.
fn container<'d>(
    doc: &'d mut Value,
    ext: Option<&'static str>,
) -> Result<&'d mut Map<String, Value>, Error> {
    let root = doc.as_object_mut().ok_or_else(internal)?;
    let Some(urn) = ext else {
        return Ok(root);
    };
    let slot = root
        .entry(urn.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        return Err(internal());
    }
    slot.as_object_mut().ok_or_else(internal)
}

/// Drops an extension object left empty: an extension without attributes
/// is not part of the resource (RFC 7643 §3.3).
fn prune_extension(doc: &mut Value, ext: Option<&'static str>) {
    let (Some(urn), Some(root)) = (ext, doc.as_object_mut()) else {
        return;
    };
    if root
        .get(urn)
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        root.remove(urn);
    }
}

/// Removes `name` from `obj`, matching keys ignoring ASCII case (RFC 7643
/// §2.1), and returns its value (the exact spelling wins).
pub(super) fn take(obj: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let exact = obj.remove(name);
    let variants: Vec<String> = obj
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut found = exact;
    for key in variants {
        let v = obj.remove(&key);
        found = found.or(v);
    }
    found
}

/// Whether two values of `attr` are the same: strings ignoring case unless
/// the attribute is caseExact (RFC 7643 §2.2), anything else exactly.
pub(super) fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) if !attr.case_exact => {
            a == b || a.to_lowercase() == b.to_lowercase()
        }
        _ => a == b,
    }
}

/// Whether every sub-attribute of `wanted` has the same value in `have`
/// (`primary` aside): how a `remove` carrying a value selects what to remove
/// (Entra's reference code removes "only on a match", idp-wire §4).
pub(super) fn contains(attr: &Attribute, have: &Value, wanted: &Value) -> bool {
    match (have, wanted) {
        (Value::Object(have), Value::Object(wanted)) => wanted
            .iter()
            .filter(|(k, _)| *k != "primary")
            .all(|(k, w)| {
                let sub = attr.sub_attribute(k).unwrap_or(attr);
                have.get(k).is_some_and(|h| same(sub, h, w))
            }),
        (have, wanted) => same(attr, have, wanted),
    }
}

fn apply_attr(
    container: &mut Map<String, Value>,
    op: OpKind,
    t: &AttrTarget,
    text: &str,
    value: Option<Value>,
    out: &mut Outcome,
) -> Result<(), Error> {
    let attr = t.attr;
    let current = take(container, attr.name);
    let immutable = attr.mutability == Mutability::Immutable
        || t.sub.is_some_and(|s| s.mutability == Mutability::Immutable);
    let before = immutable.then(|| current.clone()).flatten();
    let new = if attr.multi_valued {
        multi::apply(current, t, op, value, text)?
    } else if let Some(sub) = t.sub {
        single_sub(current, sub, op, value)?
    } else if attr.is_complex() {
        single_complex(current, attr, op, value, text, out)?
    } else {
        single_simple(current, attr, op, value)?
    };
    check_immutable(before.as_ref(), new.as_ref(), text)?;
    if let Some(new) = new {
        container.insert(attr.name.to_owned(), new);
    }
    Ok(())
}

/// RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has
/// mutability 'readOnly' or 'immutable'. However, a client MAY 'add' a value
/// to an 'immutable' attribute if the attribute had no previous value."
/// `before` is the value of an immutable target before the operation
/// (`None` for mutable targets or when unassigned).
pub(super) fn check_immutable(
    before: Option<&Value>,
    after: Option<&Value>,
    text: &str,
) -> Result<(), Error> {
    match before {
        Some(before) if !before.is_null() && Some(before) != after => Err(Error::bad_request(
            ScimType::Mutability,
            format!("\"{text}\" is immutable: it cannot be changed once it has a value"),
        )),
        _ => Ok(()),
    }
}

/// Whether `value` means "no value" in a `remove` (absent or `null`).
pub(super) fn no_value(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

/// A simple single-valued attribute (`userName`, `active`, `department`).
fn single_simple(
    current: Option<Value>,
    attr: &'static Attribute,
    op: OpKind,
    value: Option<Value>,
) -> Result<Option<Value>, Error> {
    match op {
        // RFC 7644 §3.5.2.1: add to a single-valued attribute replaces it;
        // an empty value removes it (idp-wire EN-7).
        OpKind::Add | OpKind::Replace => coerce(attr, value.unwrap_or(Value::Null)),
        OpKind::Remove => {
            let Some(value) = value.filter(|v| !v.is_null()) else {
                return Ok(None);
            };
            Ok(match (coerce(attr, value)?, current) {
                // Entra removes "only on a match" when it sends the current value.
                (Some(wanted), Some(have)) if !same(attr, &have, &wanted) => Some(have),
                _ => None,
            })
        }
    }
}

/// A single-valued complex attribute as a whole (`name`, `manager`).
fn single_complex(
    current: Option<Value>,
    attr: &'static Attribute,
    op: OpKind,
    value: Option<Value>,
    text: &str,
    out: &mut Outcome,
) -> Result<Option<Value>, Error> {
    match (op, value) {
        (OpKind::Add | OpKind::Replace, Some(Value::Object(subs))) => {
            // A complex attribute with a `value` (`manager`) refers to
            // something; its other sub-attributes (`$ref`, `displayName`)
            // describe that value (RFC 7643 §4.3), so a new `value` starts
            // a new object instead of keeping a stale `$ref`.
            let new_reference = attr.sub_attribute("value").is_some()
                && subs.keys().any(|k| k.eq_ignore_ascii_case("value"));
            let mut obj = match current {
                Some(Value::Object(obj)) if !new_reference => obj,
                _ => Map::new(),
            };
            // RFC 7644 §3.5.2.3: "Sub-attributes that are not specified in
            // the 'value' parameter are left unchanged"; an empty one is
            // cleared (idp-wire OK-5: "" clears).
            for (key, sub_value) in subs {
                let Some(sub) = attr.sub_attribute(&key) else {
                    out.ignored.push(format!("{text}.{key}"));
                    continue;
                };
                if sub.mutability == Mutability::ReadOnly {
                    continue;
                }
                take(&mut obj, sub.name);
                if let Some(v) = coerce(sub, sub_value)? {
                    obj.insert(sub.name.to_owned(), v);
                }
            }
            Ok((!obj.is_empty()).then_some(Value::Object(obj)))
        }
        // Entra's bare `manager` id or one-element list (idp-wire EN-7):
        // a whole new value.
        (OpKind::Add | OpKind::Replace, value) => coerce(attr, value.unwrap_or(Value::Null)),
        (OpKind::Remove, value) if no_value(value.as_ref()) => Ok(None),
        (OpKind::Remove, value) => {
            let wanted = coerce(attr, value.unwrap_or(Value::Null))?;
            Ok(match (wanted, current) {
                (Some(wanted), Some(have)) if !contains(attr, &have, &wanted) => Some(have),
                _ => None,
            })
        }
    }
}

/// A sub-attribute of a single-valued complex attribute (`name.givenName`,
/// `manager.value`).
fn single_sub(
    current: Option<Value>,
    sub: &'static Attribute,
    op: OpKind,
    value: Option<Value>,
) -> Result<Option<Value>, Error> {
    let mut obj = match current {
        Some(Value::Object(obj)) => obj,
        _ => Map::new(),
    };
    let have = take(&mut obj, sub.name);
    let new = match op {
        OpKind::Add | OpKind::Replace => coerce(sub, value.unwrap_or(Value::Null))?,
        OpKind::Remove if no_value(value.as_ref()) => None,
        OpKind::Remove => match (coerce(sub, value.unwrap_or(Value::Null))?, have.clone()) {
            (Some(wanted), Some(have)) if !same(sub, &have, &wanted) => Some(have),
            _ => None,
        },
    };
    // As in `single_complex`: a different `manager.value` is a different
    // manager, so its old `$ref` and `displayName` no longer apply.
    if sub.name == "value" && new.is_some() && new != have {
        obj.clear();
    }
    if let Some(new) = new {
        obj.insert(sub.name.to_owned(), new);
    }
    Ok((!obj.is_empty()).then_some(Value::Object(obj)))
}
