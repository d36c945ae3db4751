//! Parsing the `PatchOp` envelope (RFC 7644 §3.5.2) into operations.
//!
//! Only the structure is checked here; attribute names are resolved against
//! the resource type's schema when the request is applied.

use std::fmt;

use serde_json::{Map, Value};

use super::{MAX_OPERATIONS, PATCH_OP_SCHEMA};
use crate::path::PatchPath;
use crate::{Error, ScimType};

/// A parsed `PatchOp` request (RFC 7644 §3.5.2).
#[derive(Debug, Clone)]
pub struct PatchRequest {
    ops: Vec<Operation>,
}

/// The three operations of RFC 7644 §3.5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OpKind {
    Add,
    Replace,
    Remove,
}

impl OpKind {
    fn parse(s: &str) -> Option<Self> {
        // RFC 7644 §3.5.2 spells them in lower case; Entra's default dialect
        // sends "Add", "Replace", "Remove" (idp-wire §4), so any case.
        [Self::Add, Self::Replace, Self::Remove]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

/// One operation: what to do, where (`None`: the resource itself), with what.
#[derive(Clone)]
pub(super) struct Operation {
    pub(super) kind: OpKind,
    /// The path as written (for messages and `Outcome::ignored`) and parsed.
    pub(super) path: Option<(String, PatchPath)>,
    /// The `value` member; `Some(Value::Null)` when sent as `null`.
    pub(super) value: Option<Value>,
}

/// Values are left out: one may be a `password` (docs/style.md §6: never
/// log secrets, and `Debug` output ends up in logs).
impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("op", &self.kind.as_str())
            .field("path", &self.path.as_ref().map(|(text, _)| text))
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Operation {
    /// `replace "name.givenName"`, for error details.
    pub(super) fn describe(&self) -> String {
        match &self.path {
            Some((text, _)) => format!("{} \"{text}\"", self.kind.as_str()),
            None => format!("{} without path", self.kind.as_str()),
        }
    }
}

fn syntax(detail: impl Into<String>) -> Error {
    Error::bad_request(ScimType::InvalidSyntax, detail)
}

/// The member `key` of `obj`, ignoring ASCII case: RFC 7644 §3.5.2 names it
/// `Operations`, which Okta and Entra send, while other clients send
/// `operations`.
fn member<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn take_member(obj: &mut Map<String, Value>, key: &str) -> Option<Value> {
    if let Some(v) = obj.remove(key) {
        return Some(v);
    }
    let found = obj.keys().find(|k| k.eq_ignore_ascii_case(key))?.clone();
    obj.remove(&found)
}

impl PatchRequest {
    /// Parses a PATCH body.
    ///
    /// 400 `invalidSyntax` when the body is not a `PatchOp` message: no
    /// `schemas` with [`PATCH_OP_SCHEMA`], no non-empty `Operations` array,
    /// an operation without a known `op`, an `add` or `replace` without
    /// `value`. 400 `noTarget` for a `remove` without `path` (RFC 7644
    /// §3.5.2.2). 400 `invalidPath` or `invalidFilter` for a malformed path.
    /// 400 `invalidValue` for more than [`MAX_OPERATIONS`] operations: the
    /// body is well formed, so not `invalidSyntax`, and `tooMany` is about
    /// query results (RFC 7644 §3.12), while `invalidValue` covers "the
    /// value specified was not compatible with the operation".
    pub fn parse(body: Value) -> Result<Self, Error> {
        let Value::Object(mut body) = body else {
            return Err(syntax("a PATCH body must be a JSON object"));
        };
        let has_schema = match member(&body, "schemas") {
            Some(Value::Array(items)) => items.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            }),
            _ => false,
        };
        if !has_schema {
            return Err(syntax(format!(
                "a PATCH body must have \"schemas\": [\"{PATCH_OP_SCHEMA}\"]"
            )));
        }
        let items = match take_member(&mut body, "Operations") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(Value::Array(_)) => {
                return Err(syntax("\"Operations\" must hold at least one operation"));
            }
            Some(_) => return Err(syntax("\"Operations\" must be an array of operations")),
            None => return Err(syntax("a PATCH body must have \"Operations\"")),
        };
        if items.len() > MAX_OPERATIONS {
            return Err(Error::bad_request(
                ScimType::InvalidValue,
                format!(
                    "a PATCH may carry at most {MAX_OPERATIONS} operations, this one has {}; \
                     send the changes in several requests",
                    items.len()
                ),
            ));
        }
        let ops = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                parse_operation(item).map_err(|mut e| {
                    e.detail = format!("{} (operation {})", e.detail, i + 1);
                    e
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { ops })
    }

    /// The number of operations (at least one).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Always `false`: a request has at least one operation. Here for
    /// clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub(super) fn ops(&self) -> &[Operation] {
        &self.ops
    }
}

fn parse_operation(item: Value) -> Result<Operation, Error> {
    let Value::Object(mut obj) = item else {
        return Err(syntax("each operation must be a JSON object"));
    };
    let kind = match take_member(&mut obj, "op") {
        Some(Value::String(s)) => OpKind::parse(&s).ok_or_else(|| {
            syntax(format!(
                "unknown op \"{s}\"; expected \"add\", \"replace\" or \"remove\""
            ))
        })?,
        Some(_) => return Err(syntax("\"op\" must be a string")),
        None => return Err(syntax("an operation must have \"op\"")),
    };
    let path = match take_member(&mut obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            let parsed = PatchPath::parse(&text)?;
            Some((text, parsed))
        }
        Some(_) => {
            return Err(Error::bad_request(
                ScimType::InvalidPath,
                "\"path\" must be a string",
            ));
        }
    };
    let value = take_member(&mut obj, "value");
    match kind {
        // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails
        // with HTTP status code 400 and a 'scimType' error code of 'noTarget'".
        OpKind::Remove if path.is_none() => {
            return Err(Error::bad_request(
                ScimType::NoTarget,
                "a remove operation needs a \"path\"",
            ));
        }
        // RFC 7644 §3.5.2.1, §3.5.2.3: add and replace "MUST contain a
        // 'value' member". A `null` value is present and means removal.
        OpKind::Add | OpKind::Replace if value.is_none() => {
            return Err(syntax(format!(
                "a \"{}\" operation needs a \"value\"",
                kind.as_str()
            )));
        }
        // RFC 7644 §3.5.2.1: without path, "the 'value' parameter contains
        // a set of attributes".
        OpKind::Add | OpKind::Replace
            if path.is_none() && !matches!(value, Some(Value::Object(_))) =>
        {
            return Err(syntax(format!(
                "a \"{}\" operation without \"path\" needs an object \"value\" \
                 whose keys are attribute names",
                kind.as_str()
            )));
        }
        _ => {}
    }
    Ok(Operation { kind, path, value })
}
