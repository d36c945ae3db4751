//! SCIM 1.1 PATCH (draft-scim-api-01 §3.3.2) as a 2.0 `PatchOp`, so the one PATCH
//! engine (and the store's member rows) apply it.
//!
//! A 1.1 PATCH body is a partial resource: names in `meta.attributes` are removed
//! first; then every singular attribute sent replaces the current value (complex
//! ones sub-attribute by sub-attribute), and every multi-valued item is added,
//! unless it carries `"operation": "delete"`, which removes the matching item.

use serde_json::{Map, Value, json};

use super::{ENTERPRISE_URN, attribute_to_v2, is_manager_id};
use crate::patch::PATCH_OP_SCHEMA;
use crate::schema::ENTERPRISE_USER_URN;
use crate::{Error, ScimType};

/// The 2.0 `PatchOp` body equivalent to a 1.1 PATCH body.
///
/// 400 `invalidSyntax` when the body is not an object, is a 2.0 `PatchOp`,
/// `meta.attributes` is not a list of names, or the body changes nothing.
pub fn patch_to_v2(body: Value) -> Result<Value, Error> {
    let Value::Object(body) = body else {
        return Err(syntax(
            "A PATCH body must be a JSON object (a partial resource).",
        ));
    };
    // Ignoring unknown attributes would turn a 2.0 PatchOp sent to the 1.1 base into
    // a silent no-op; say which base URL it belongs to instead.
    if body.keys().any(|k| k.eq_ignore_ascii_case("Operations")) {
        return Err(syntax(
            "This is a SCIM 2.0 PATCH (\"Operations\"); send it to the /scim/v2 base URL. \
             A SCIM 1.1 PATCH is a partial resource.",
        ));
    }
    let mut ops = Vec::new();
    for (key, value) in &body {
        if key.eq_ignore_ascii_case("meta") {
            ops.extend(removals(value)?);
        }
    }
    for (key, value) in body {
        if key.eq_ignore_ascii_case("schemas")
            || key.eq_ignore_ascii_case("id")
            || key.eq_ignore_ascii_case("meta")
        {
            continue;
        }
        if key.eq_ignore_ascii_case(ENTERPRISE_URN) {
            let Value::Object(ext) = value else {
                return Err(syntax(format!("\"{ENTERPRISE_URN}\" must be an object.")));
            };
            for (sub, v) in ext {
                attribute(&mut ops, &format!("{ENTERPRISE_USER_URN}:{sub}"), v);
            }
        } else {
            attribute(&mut ops, &key, value);
        }
    }
    if ops.is_empty() {
        return Err(syntax(
            "The PATCH body changes nothing: send the attributes to change, or list the ones \
             to remove in meta.attributes.",
        ));
    }
    Ok(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops}))
}

/// `meta.attributes`: the names of attributes to remove (draft-scim-api-01 §3.3.2).
fn removals(meta: &Value) -> Result<Vec<Value>, Error> {
    let Some((_, names)) = meta
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("attributes")))
    else {
        return Ok(Vec::new());
    };
    let Value::Array(names) = names else {
        return Err(syntax("meta.attributes must be a list of attribute names."));
    };
    names
        .iter()
        .map(|n| {
            n.as_str()
                .map(|n| json!({"op": "remove", "path": attribute_to_v2(n)}))
                .ok_or_else(|| syntax("meta.attributes must be a list of attribute names."))
        })
        .collect()
}

/// The operations for one attribute `path` (a 2.0 path) of a partial resource.
fn attribute(ops: &mut Vec<Value>, path: &str, value: Value) {
    match value {
        Value::Array(items) => multi_valued(ops, path, items),
        Value::Object(sub) if is_manager(path) => {
            let id = sub
                .into_iter()
                .find(|(k, _)| is_manager_id(k) || k.eq_ignore_ascii_case("value"))
                .map_or(Value::Null, |(_, v)| v);
            ops.push(json!({"op": "replace", "path": path, "value": {"value": id}}));
        }
        // A complex singular attribute: sub-attributes not sent stay as they are.
        Value::Object(sub) => {
            for (name, v) in sub {
                ops.push(json!({"op": "replace", "path": format!("{path}.{name}"), "value": v}));
            }
        }
        other => ops.push(json!({"op": "replace", "path": path, "value": other})),
    }
}

fn is_manager(path: &str) -> bool {
    path.rsplit([':', '.'])
        .next()
        .is_some_and(|last| last.eq_ignore_ascii_case("manager"))
}

/// Items with `"operation": "delete"` are removed, the others added (merged).
fn multi_valued(ops: &mut Vec<Value>, path: &str, items: Vec<Value>) {
    type Items = Vec<Map<String, Value>>;
    let (deletes, adds): (Items, Items) = items
        .into_iter()
        .map(|item| match item {
            Value::Object(mut m) => {
                m.retain(|k, v| {
                    !k.eq_ignore_ascii_case("operation")
                        || v.as_str()
                            .is_some_and(|op| op.eq_ignore_ascii_case("delete"))
                });
                m
            }
            // A bare value is shorthand for {"value": …}.
            other => Map::from_iter([("value".to_owned(), other)]),
        })
        .partition(|m| {
            m.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("operation")
                    && v.as_str()
                        .is_some_and(|op| op.eq_ignore_ascii_case("delete"))
            })
        });
    if path.eq_ignore_ascii_case("members") {
        // Members are rows: the engine removes exactly the listed ids (Entra's form).
        if !deletes.is_empty() {
            let values: Vec<Value> = deletes
                .iter()
                .filter_map(|m| m.get("value").map(|v| json!({"value": v})))
                .collect();
            ops.push(json!({"op": "remove", "path": path, "value": values}));
        }
    } else {
        for m in &deletes {
            let Some(filter) = item_filter(m) else {
                continue;
            };
            ops.push(json!({"op": "remove", "path": format!("{path}[{filter}]")}));
        }
    }
    if !adds.is_empty() {
        ops.push(json!({"op": "add", "path": path, "value": adds}));
    }
}

/// The value filter that finds a deleted item: by `value`, else by `type`
/// (draft-scim-api-01 §3.3.2 matches multi-valued items by value).
fn item_filter(item: &Map<String, Value>) -> Option<String> {
    ["value", "type"].into_iter().find_map(|key| {
        let v = item.get(key)?;
        let literal = match v {
            Value::String(s) => Value::String(s.clone()).to_string(),
            Value::Number(_) | Value::Bool(_) => v.to_string(),
            _ => return None,
        };
        Some(format!("{key} eq {literal}"))
    })
}

fn syntax(detail: impl Into<String>) -> Error {
    Error::bad_request(ScimType::InvalidSyntax, detail)
}
