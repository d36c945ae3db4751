//! SCIM 1.1 as a dialect of the 2.0 documents (draft-scim-core-schema-01 and
//! draft-scim-api-01, the versions behind Okta's "SCIM 1.1 Header Auth" template).
//!
//! There is one storage model: a 1.1 request is mapped to the canonical 2.0
//! document before validation, and a rendered 2.0 document is mapped back to 1.1,
//! so both dialects see the same users and groups. The differences are small:
//! schema URNs (`urn:scim:schemas:core:1.0`, the enterprise extension
//! `urn:scim:schemas:extension:enterprise:1.0`), `manager.managerId` for 2.0's
//! `manager.value`, no `$ref` and no `meta.resourceType`, the error and list
//! envelopes, and PATCH as a partial resource (see [`patch_to_v2`]).

mod discovery;
mod patch;

#[cfg(test)]
mod tests;

pub use discovery::{schema, schemas, service_provider_config};
pub use patch::patch_to_v2;

use serde_json::{Map, Value, json};

use crate::schema::{ENTERPRISE_USER_URN, GROUP_URN, ResourceKind, USER_URN};
use crate::{ERROR_SCHEMA, LIST_RESPONSE_SCHEMA};

/// The core schema of SCIM 1.1, for Users, Groups and list responses alike.
pub const CORE_URN: &str = "urn:scim:schemas:core:1.0";
/// The enterprise User extension of SCIM 1.1.
pub const ENTERPRISE_URN: &str = "urn:scim:schemas:extension:enterprise:1.0";
/// SCIM 1.1 bodies are plain JSON (draft-scim-api-01 §3.1).
pub const MEDIA_TYPE: &str = "application/json";

/// Which base URL a rendered 2.0 document names, and the 1.1 base that replaces it.
#[derive(Debug, Clone, Copy)]
pub struct Bases<'a> {
    /// `{PUBLIC_URL}/scim/v2`.
    pub v2: &'a str,
    /// `{PUBLIC_URL}/scim/v1`.
    pub v1: &'a str,
}

impl Bases<'_> {
    /// A 2.0 location (`meta.location`, `Location`) as the same resource's 1.1 location.
    pub fn location(&self, v2_location: &str) -> String {
        v2_location.strip_prefix(self.v2).map_or_else(
            || v2_location.to_owned(),
            |rest| format!("{}{rest}", self.v1),
        )
    }
}

/// A 1.1 attribute name (in a filter, `attributes`, `sortBy` or `meta.attributes`)
/// as its 2.0 name: the core URN prefix is dropped, the enterprise URN becomes the
/// 2.0 one, and `manager.managerId` becomes `manager.value`. 1.1 qualifies a name
/// with `:` or `.` after the URN; both are read.
pub fn attribute_to_v2(name: &str) -> String {
    let (prefix, rest) = if let Some(rest) = strip_urn(name, CORE_URN) {
        ("", rest)
    } else if let Some(rest) = strip_urn(name, ENTERPRISE_URN) {
        (ENTERPRISE_USER_URN, rest)
    } else {
        ("", name)
    };
    let rest = match rest.split_once('.') {
        Some((head, sub)) if head.eq_ignore_ascii_case("manager") && is_manager_id(sub) => {
            format!("{head}.value")
        }
        _ => rest.to_owned(),
    };
    if prefix.is_empty() {
        rest
    } else {
        format!("{prefix}:{rest}")
    }
}

fn strip_urn<'a>(name: &'a str, urn: &str) -> Option<&'a str> {
    let head = name.get(..urn.len())?;
    let rest = &name[urn.len()..];
    (head.eq_ignore_ascii_case(urn))
        .then(|| rest.strip_prefix([':', '.']))
        .flatten()
}

fn is_manager_id(name: &str) -> bool {
    name.eq_ignore_ascii_case("managerId")
}

/// A 1.1 filter (draft-scim-api-01 §3.2.2.1: the same operators as 2.0, without
/// value paths) with its attribute names mapped by [`attribute_to_v2`], ready for
/// the 2.0 parser. Quoted values are copied untouched.
pub fn filter_to_v2(filter: &str) -> String {
    let mut out = String::with_capacity(filter.len());
    let mut word = String::new();
    let mut chars = filter.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            out.push_str(&attribute_to_v2(&std::mem::take(&mut word)));
            out.push(c);
            // Copy the string literal, escapes included, up to its closing quote.
            while let Some(c) = chars.next() {
                out.push(c);
                match c {
                    '\\' => out.extend(chars.next()),
                    '"' => break,
                    _ => {}
                }
            }
        } else if c.is_whitespace() || c == '(' || c == ')' {
            out.push_str(&attribute_to_v2(&std::mem::take(&mut word)));
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(&attribute_to_v2(&word));
    out
}

/// A comma-separated `attributes` list in 1.1 names, as 2.0 names.
pub fn attribute_list_to_v2(list: &str) -> String {
    list.split(',')
        .map(|a| attribute_to_v2(a.trim()))
        .collect::<Vec<_>>()
        .join(",")
}

/// A 1.1 User or Group body (POST, PUT) as the 2.0 body the validator takes.
/// `meta` is read-only and dropped; `operation` marks belong to PATCH only.
pub fn resource_to_v2(kind: ResourceKind, body: Value) -> Value {
    let Value::Object(body) = body else {
        return body;
    };
    let mut out = Map::with_capacity(body.len());
    for (key, value) in body {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key, schemas_to_v2(value, kind));
        } else if key.eq_ignore_ascii_case("meta") {
        } else if key.eq_ignore_ascii_case(ENTERPRISE_URN) {
            out.insert(ENTERPRISE_USER_URN.to_owned(), enterprise_to_v2(value));
        } else {
            out.insert(key, strip_operations(value));
        }
    }
    Value::Object(out)
}

fn schemas_to_v2(schemas: Value, kind: ResourceKind) -> Value {
    let Value::Array(items) = schemas else {
        return schemas;
    };
    Value::Array(
        items
            .into_iter()
            .map(|s| match s.as_str() {
                Some(u) if u.eq_ignore_ascii_case(CORE_URN) => Value::from(kind.core().id),
                Some(u) if u.eq_ignore_ascii_case(ENTERPRISE_URN) => {
                    Value::from(ENTERPRISE_USER_URN)
                }
                _ => s,
            })
            .collect(),
    )
}

/// The enterprise extension object: only `manager.managerId` is spelt differently.
fn enterprise_to_v2(ext: Value) -> Value {
    let Value::Object(mut ext) = ext else {
        return ext;
    };
    if let Some((_, Value::Object(manager))) = ext
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("manager"))
    {
        let id_key = manager.keys().find(|k| is_manager_id(k)).cloned();
        if let Some(id) = id_key.and_then(|k| manager.remove(&k)) {
            manager.insert("value".to_owned(), id);
        }
    }
    Value::Object(ext)
}

fn strip_operations(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::Object(mut m) => {
                        m.retain(|k, _| !k.eq_ignore_ascii_case("operation"));
                        Value::Object(m)
                    }
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

/// A rendered 2.0 response body as the 1.1 body: a resource, a list of them, or
/// an error. Anything else (already 1.1) is returned as it is.
pub fn response_from_v2(body: Value, bases: Bases<'_>) -> Value {
    let schemas: Vec<&str> = body
        .get("schemas")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if schemas.contains(&ERROR_SCHEMA) {
        let status = body.get("status").and_then(Value::as_str).unwrap_or("500");
        let detail = body.get("detail").and_then(Value::as_str).unwrap_or("");
        return error_body(status, detail);
    }
    if schemas.contains(&LIST_RESPONSE_SCHEMA) {
        let Value::Object(mut list) = body else {
            return body;
        };
        list.insert("schemas".to_owned(), json!([CORE_URN]));
        if let Some(Value::Array(items)) = list.get_mut("Resources") {
            for item in items {
                *item = resource_from_v2(std::mem::take(item), bases);
            }
        }
        return Value::Object(list);
    }
    if schemas.contains(&USER_URN) || schemas.contains(&GROUP_URN) {
        return resource_from_v2(body, bases);
    }
    body
}

/// A SCIM 1.1 error body (draft-scim-api-01 §3.9): `code` is the HTTP status as a string.
pub fn error_body(status: &str, description: &str) -> Value {
    json!({"Errors": [{"description": description, "code": status}]})
}

/// One rendered 2.0 User or Group as 1.1.
pub fn resource_from_v2(doc: Value, bases: Bases<'_>) -> Value {
    let Value::Object(doc) = doc else {
        return doc;
    };
    let mut out = Map::with_capacity(doc.len());
    for (key, value) in doc {
        match key.as_str() {
            "schemas" => {
                let has_ext = value
                    .as_array()
                    .is_some_and(|s| s.iter().any(|u| u == ENTERPRISE_USER_URN));
                let mut s = vec![Value::from(CORE_URN)];
                if has_ext {
                    s.push(ENTERPRISE_URN.into());
                }
                out.insert(key, Value::Array(s));
            }
            ENTERPRISE_USER_URN => {
                out.insert(ENTERPRISE_URN.to_owned(), enterprise_from_v2(value));
            }
            "meta" => {
                out.insert(key, meta_from_v2(value, bases));
            }
            "members" | "groups" => {
                out.insert(key, without_refs(value));
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    Value::Object(out)
}

fn enterprise_from_v2(ext: Value) -> Value {
    let Value::Object(mut ext) = ext else {
        return ext;
    };
    if let Some(Value::Object(manager)) = ext.get_mut("manager") {
        manager.remove("$ref");
        if let Some(id) = manager.remove("value") {
            manager.insert("managerId".to_owned(), id);
        }
    }
    Value::Object(ext)
}

/// 1.1 `meta` has no `resourceType`, and its location is under the 1.1 base.
fn meta_from_v2(meta: Value, bases: Bases<'_>) -> Value {
    let Value::Object(mut meta) = meta else {
        return meta;
    };
    meta.remove("resourceType");
    if let Some(Value::String(loc)) = meta.get_mut("location") {
        *loc = bases.location(loc);
    }
    Value::Object(meta)
}

/// 1.1 multi-valued references carry no `$ref` (draft-scim-core-schema-01 §8).
fn without_refs(items: Value) -> Value {
    let Value::Array(mut items) = items else {
        return items;
    };
    for item in &mut items {
        if let Value::Object(m) = item {
            m.remove("$ref");
        }
    }
    Value::Array(items)
}
