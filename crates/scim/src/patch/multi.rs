//! Multi-valued attributes (`emails`, `phoneNumbers`, `addresses`, `roles`,
//! ...): merge on `add`, whole or per-element `replace`, per-element
//! `remove`, upserts through value filters, and `primary` uniqueness.

use serde_json::{Map, Number, Value};

use super::doc::{contains, no_value, same};
use super::request::OpKind;
use super::target::AttrTarget;
use crate::filter::{Checked, CheckedExpr, CompareOp, Filter, TypedValue};
use crate::schema::{Attribute, Mutability};
use crate::value::{coerce, coerce_element, keep_last_primary};
use crate::{Error, ScimType};

/// Applies `op` to the multi-valued attribute `t.attr` whose current value
/// is `current`; returns the new value (`None`: unassigned).
pub(super) fn apply(
    current: Option<Value>,
    t: &AttrTarget,
    op: OpKind,
    value: Option<Value>,
    text: &str,
) -> Result<Option<Value>, Error> {
    let mut elements = match current {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
    };
    let winner = if t.filter.is_none() && t.sub.is_none() {
        whole(&mut elements, t.attr, op, value)?
    } else {
        selected(&mut elements, t, op, value, text)?
    };
    let (mut elements, winner) = drop_empty(elements, winner);
    settle_primary(&mut elements, winner);
    Ok((!elements.is_empty()).then_some(Value::Array(elements)))
}

/// The attribute as a whole (`"path": "emails"`). Returns the index of an
/// element this operation made primary, if any.
fn whole(
    elements: &mut Vec<Value>,
    attr: &'static Attribute,
    op: OpKind,
    value: Option<Value>,
) -> Result<Option<usize>, Error> {
    let mut winner = None;
    match op {
        // RFC 7644 §3.5.2.1: "If the target location specifies a
        // multi-valued attribute, a new value is added to the attribute";
        // "If the target location already contains the value specified, no
        // changes SHOULD be made".
        OpKind::Add => {
            let new = coerce(attr, value.unwrap_or(Value::Null))?;
            for element in new.map(into_items).unwrap_or_default() {
                let primary = is_primary(&element);
                if let Some(i) = elements.iter().position(|e| equivalent(attr, e, &element)) {
                    if primary {
                        set(&mut elements[i], "primary", Value::Bool(true));
                        winner = Some(i);
                    }
                } else {
                    elements.push(element);
                    if primary {
                        winner = Some(elements.len() - 1);
                    }
                }
            }
        }
        // RFC 7644 §3.5.2.3: "If the target location is a multi-valued
        // attribute and no filter is specified, the attribute and all values
        // are replaced." An empty value leaves it unassigned.
        OpKind::Replace => {
            *elements = coerce(attr, value.unwrap_or(Value::Null))?
                .map(into_items)
                .unwrap_or_default();
        }
        // RFC 7644 §3.5.2.2: without filter "the attribute and all values
        // are removed". With a value (Entra's form, idp-wire §4), only the
        // elements it lists; an empty list removes nothing.
        OpKind::Remove if no_value(value.as_ref()) => elements.clear(),
        OpKind::Remove => {
            let wanted = coerce(attr, value.unwrap_or(Value::Null))?
                .map(into_items)
                .unwrap_or_default();
            elements.retain(|e| !wanted.iter().any(|w| contains(attr, e, w)));
        }
    }
    Ok(winner)
}

/// Elements selected by a value filter and/or narrowed to a sub-attribute
/// (`emails[type eq "work"].value`, `emails[type eq "work"]`,
/// `emails.value`: no filter selects every element).
fn selected(
    elements: &mut Vec<Value>,
    t: &AttrTarget,
    op: OpKind,
    value: Option<Value>,
    text: &str,
) -> Result<Option<usize>, Error> {
    let attr = t.attr;
    let filter = t.filter.as_ref();
    let matched: Vec<usize> = elements
        .iter()
        .enumerate()
        .filter(|(_, e)| filter.is_none_or(|f| f.matches(e)))
        .map(|(i, _)| i)
        .collect();
    let mut winner = None;
    match (op, t.sub) {
        // RFC 7644 §3.5.2.3: "the matching sub-attribute of all matching
        // records is replaced"; no match is an upsert (idp-wire §0 rule 4).
        (OpKind::Add | OpKind::Replace, Some(sub)) => {
            let new = coerce(sub, value.unwrap_or(Value::Null))?;
            if matched.is_empty() {
                let Some(new) = new else {
                    return Ok(None);
                };
                let mut element = seed(filter, text)?;
                element.insert(sub.name.to_owned(), new);
                return push_new(elements, element, filter, text);
            }
            for &i in &matched {
                let element = &mut elements[i];
                match &new {
                    Some(new) => set(element, sub.name, new.clone()),
                    None => unset(element, sub.name),
                }
                if sub.name == "primary" && is_primary(element) {
                    winner = Some(i);
                }
            }
        }
        // "all matching record values SHALL be replaced" (replace), or the
        // sub-attributes given merged into them (add); an empty value
        // removes the matching elements.
        (OpKind::Add | OpKind::Replace, None) => {
            let Some((new, cleared)) = element_value(attr, value.unwrap_or(Value::Null))? else {
                remove_indices(elements, &matched);
                return Ok(None);
            };
            // The filter's `eq` conditions stay true of the element, so the
            // same PATCH sent again (Entra re-sends on every cycle) finds it
            // instead of adding a twin.
            let conditions = filter.and_then(eq_conditions).unwrap_or_default();
            if matched.is_empty() {
                let mut element = seed(filter, text)?;
                element.extend(new);
                return push_new(elements, element, filter, text);
            }
            for &i in &matched {
                let element = &mut elements[i];
                if op == OpKind::Replace {
                    let mut fresh = new.clone();
                    for (k, v) in &conditions {
                        fresh.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    *element = Value::Object(fresh);
                } else {
                    for (k, v) in &new {
                        set(element, k, v.clone());
                    }
                    for k in &cleared {
                        unset(element, k);
                    }
                }
                if is_primary(element) && new.contains_key("primary") {
                    winner = Some(i);
                }
            }
        }
        // RFC 7644 §3.5.2.2: "the matching records are removed"; a filter
        // matching nothing removes nothing (Entra's reference code does the
        // same). With a value, only where it matches (idp-wire §4).
        (OpKind::Remove, Some(sub)) => {
            let wanted = match value {
                Some(v) if !v.is_null() => coerce(sub, v)?,
                _ => None,
            };
            for &i in &matched {
                let element = &mut elements[i];
                let keep = wanted
                    .as_ref()
                    .is_some_and(|w| element.get(sub.name).is_none_or(|h| !same(sub, h, w)));
                if !keep {
                    unset(element, sub.name);
                }
            }
        }
        (OpKind::Remove, None) => {
            let wanted = match value {
                Some(v) if !v.is_null() => coerce_element(attr, v)?,
                _ => None,
            };
            let chosen: Vec<usize> = matched
                .into_iter()
                .filter(|&i| {
                    wanted
                        .as_ref()
                        .is_none_or(|w| contains(attr, &elements[i], w))
                })
                .collect();
            remove_indices(elements, &chosen);
        }
    }
    Ok(winner)
}

/// Sub-attributes to set, and the names of those to clear.
type ElementValue = (Map<String, Value>, Vec<&'static str>);

/// The value of a filtered `add` or `replace` without sub-attribute
/// (`emails[type eq "home"]`): the element's sub-attributes to set, and
/// those sent empty, to clear. `None` when the value is empty, which
/// removes the selected elements (idp-wire EN-7: empty means removal).
///
/// [`coerce_element`] drops an element holding only labels, but here
/// `{"primary": true}` is a change to the selected element, so such an
/// object is coerced one sub-attribute at a time instead.
fn element_value(attr: &'static Attribute, value: Value) -> Result<Option<ElementValue>, Error> {
    let Value::Object(obj) = value else {
        return Ok(match coerce_element(attr, value)? {
            Some(Value::Object(new)) => Some((new, Vec::new())),
            _ => None,
        });
    };
    let mut cleared = Vec::new();
    let mut labels = Map::new();
    for (key, v) in &obj {
        let Some(sub) = attr.sub_attribute(key) else {
            continue;
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        match coerce(sub, v.clone())? {
            Some(v) => {
                labels.insert(sub.name.to_owned(), v);
            }
            None => cleared.push(sub.name),
        }
    }
    if obj.is_empty() {
        return Ok(None);
    }
    let new = match coerce_element(attr, Value::Object(obj))? {
        Some(Value::Object(new)) => new,
        _ => labels,
    };
    Ok(Some((new, cleared)))
}

/// Appends an element built for an upsert, after checking the filter
/// selects it; returns its index when it is primary.
fn push_new(
    elements: &mut Vec<Value>,
    element: Map<String, Value>,
    filter: Option<&Filter<Checked>>,
    text: &str,
) -> Result<Option<usize>, Error> {
    let element = Value::Object(element);
    if filter.is_some_and(|f| !f.matches(&element)) {
        return Err(no_target(text));
    }
    let primary = is_primary(&element);
    elements.push(element);
    Ok(primary.then(|| elements.len() - 1))
}

/// The element an upsert starts from: the filter's `eq` conditions
/// (`type eq "mobile"` gives `{"type": "mobile"}`; `primary eq "True"`
/// gives `{"primary": true}`).
fn seed(filter: Option<&Filter<Checked>>, text: &str) -> Result<Map<String, Value>, Error> {
    match filter {
        None => Ok(Map::new()),
        Some(f) => eq_conditions(f).ok_or_else(|| no_target(text)),
    }
}

/// RFC 7644 §3.5.2.3: when a value filter matches no record, "the service
/// provider SHALL indicate failure by returning HTTP status code 400 and a
/// 'scimType' error code of 'noTarget'": what we do when the element cannot
/// be created from the filter instead.
fn no_target(text: &str) -> Error {
    Error::bad_request(
        ScimType::NoTarget,
        format!(
            "no element matches \"{text}\", and one cannot be created from that filter; \
             only \"eq\" conditions joined by \"and\" describe a new element"
        ),
    )
}

/// The sub-attribute values a filter made only of `eq` comparisons joined by
/// `and` requires; `None` for any other filter.
fn eq_conditions(filter: &Filter<Checked>) -> Option<Map<String, Value>> {
    fn walk(e: &CheckedExpr, out: &mut Map<String, Value>) -> bool {
        match e {
            CheckedExpr::Compare(c) if c.op == CompareOp::Eq => {
                let (Some(sub), Some(v)) = (c.attr.sub, typed_json(&c.value)) else {
                    return false;
                };
                if let Some(have) = out.get(sub) {
                    *have == v
                } else {
                    out.insert(sub.to_owned(), v);
                    true
                }
            }
            CheckedExpr::And(a, b) => walk(a, out) && walk(b, out),
            _ => false,
        }
    }
    let mut out = Map::new();
    walk(filter.expr(), &mut out).then_some(out)
}

fn typed_json(v: &TypedValue) -> Option<Value> {
    match v {
        TypedValue::String(s) => Some(Value::String(s.clone())),
        TypedValue::Boolean(b) => Some(Value::Bool(*b)),
        TypedValue::Integer(i) => Some(Value::Number((*i).into())),
        TypedValue::Decimal(d) => Number::from_f64(*d).map(Value::Number),
        // No sub-attribute of a multi-valued attribute is a dateTime.
        TypedValue::DateTime(_) => None,
    }
}

fn into_items(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        other => vec![other],
    }
}

pub(super) fn is_primary(v: &Value) -> bool {
    v.get("primary").and_then(Value::as_bool) == Some(true)
}

fn set(element: &mut Value, key: &str, v: Value) {
    if let Some(obj) = element.as_object_mut() {
        obj.insert(key.to_owned(), v);
    }
}

fn unset(element: &mut Value, key: &str) {
    if let Some(obj) = element.as_object_mut() {
        obj.remove(key);
    }
}

fn remove_indices(elements: &mut Vec<Value>, indices: &[usize]) {
    let mut i = 0;
    elements.retain(|_| {
        let keep = !indices.contains(&i);
        i += 1;
        keep
    });
}

/// Whether two elements are the same value, `primary` aside: adding one
/// that is already there changes nothing (RFC 7644 §3.5.2.1).
fn equivalent(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &Map<String, Value>| m.keys().filter(|k| *k != "primary").count();
            keys(x) == keys(y) && contains(attr, a, b)
        }
        _ => same(attr, a, b),
    }
}

/// Drops elements left without content, as [`crate::value`] does for new
/// ones: `type` and `primary` only label a value, so `{"type": "work"}`
/// after its `value` was removed is no email. Keeps `winner` pointing at
/// the same element.
fn drop_empty(elements: Vec<Value>, winner: Option<usize>) -> (Vec<Value>, Option<usize>) {
    let mut kept = Vec::with_capacity(elements.len());
    let mut new_winner = None;
    for (i, element) in elements.into_iter().enumerate() {
        let has_content = match &element {
            Value::Object(obj) => obj.keys().any(|k| k != "type" && k != "primary"),
            Value::Null => false,
            _ => true,
        };
        if has_content {
            if winner == Some(i) {
                new_winner = Some(kept.len());
            }
            kept.push(element);
        }
    }
    (kept, new_winner)
}

/// RFC 7644 §3.5.2: "a PATCH operation that sets a value's 'primary'
/// sub-attribute to 'true' SHALL cause the server to automatically set
/// 'primary' to 'false' for any other values in the array." The element
/// this operation made primary wins; otherwise the last primary one does.
fn settle_primary(elements: &mut [Value], winner: Option<usize>) {
    let Some(winner) = winner.filter(|&w| elements.get(w).is_some_and(is_primary)) else {
        keep_last_primary(elements);
        return;
    };
    for (i, element) in elements.iter_mut().enumerate() {
        if i != winner && is_primary(element) {
            set(element, "primary", Value::Bool(false));
        }
    }
}
