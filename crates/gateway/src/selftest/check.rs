//! Checks of responses against what Okta and Entra ID require (idp-wire §0, §1.1):
//! status, `ListResponse` shape, SCIM errors, PATCH answers, and JSON helpers.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{ERROR, LIST, V1_CORE};

/// Which SCIM version's envelopes a response must use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// RFC 7644: `ListResponse` and `Error` messages.
    V2,
    /// SCIM 1.1 (draft-scim-api-01): lists under the core 1.0 schema,
    /// errors as `{"Errors": [{"description", "code"}]}`.
    V1,
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) dialect: Dialect,
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    /// `Value::Null` when the body is empty.
    pub(crate) body: Value,
    pub(crate) empty: bool,
}

/// What went wrong in a step, and optionally exactly what the IdP shows for it.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) text: String,
    pub(crate) idp: Option<String>,
    /// The status of a response whose body was unusable.
    pub(crate) status: Option<u16>,
}

impl Problem {
    /// A problem whose IdP-side consequence is known more precisely than the
    /// generic "action failed: detail".
    pub(crate) fn with_idp(text: impl Into<String>, idp: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            idp: Some(idp.into()),
            status: None,
        }
    }
}

impl From<String> for Problem {
    fn from(text: String) -> Self {
        Self {
            text,
            idp: None,
            status: None,
        }
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

pub(crate) type Check<T> = Result<T, Problem>;

/// The pieces of a `ListResponse` the IdPs read.
pub(crate) struct Page {
    pub(crate) total: u64,
    pub(crate) start: u64,
    pub(crate) resources: Vec<Value>,
}

impl Resp {
    /// The status is one of `expected`.
    pub(crate) fn expect(&self, expected: &[u16]) -> Check<()> {
        if expected.contains(&self.status) {
            return Ok(());
        }
        let want = expected
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        let detail = self
            .detail()
            .map(|d| format!(": \"{d}\""))
            .unwrap_or_default();
        Err(format!("expected HTTP {want}, got {}{detail}", self.status).into())
    }

    /// The SCIM error `detail` (1.1: the first error's `description`), when the body is one.
    pub(crate) fn detail(&self) -> Option<&str> {
        match self.dialect {
            Dialect::V2 => self.body.get("detail"),
            Dialect::V1 => self.body.pointer("/Errors/0/description"),
        }
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
    }

    /// `expected` status with a body that is a JSON object (a resource).
    pub(crate) fn resource(&self, expected: &[u16]) -> Check<&Value> {
        self.expect(expected)?;
        if self.body.is_object() {
            Ok(&self.body)
        } else {
            Err(format!(
                "HTTP {} came with no JSON object body; the IdP needs the resource back",
                self.status
            )
            .into())
        }
    }

    /// `200` with a `ListResponse` whose paging numbers are JSON integers (idp-wire §1.1, rule 7).
    pub(crate) fn list(&self) -> Check<Page> {
        self.expect(&[200])?;
        let b = &self.body;
        let schema = match self.dialect {
            Dialect::V2 => LIST,
            Dialect::V1 => V1_CORE,
        };
        if !has_schema(b, schema) {
            return Err(format!("the body is not a ListResponse: `schemas` lacks {schema}").into());
        }
        let int = |k: &str| {
            b.get(k).and_then(Value::as_u64).ok_or_else(|| {
                Problem::from(format!(
                    "`{k}` must be a JSON integer, got {}",
                    b.get(k).unwrap_or(&Value::Null)
                ))
            })
        };
        let total = int("totalResults")?;
        let start = int("startIndex")?;
        let per_page = int("itemsPerPage")?;
        let resources = match b.get("Resources") {
            Some(Value::Array(a)) => a.clone(),
            None if total == 0 => Vec::new(),
            other => {
                return Err(format!(
                    "`Resources` must be an array, got {}",
                    other.unwrap_or(&Value::Null)
                )
                .into());
            }
        };
        if per_page != resources.len() as u64 {
            return Err(format!(
                "`itemsPerPage` is {per_page} but {} resources were returned; it must count the resources on this page",
                resources.len()
            )
            .into());
        }
        if total == 0 && !resources.is_empty() {
            return Err("`totalResults` is 0 but `Resources` is not empty".into());
        }
        Ok(Page {
            total,
            start,
            resources,
        })
    }

    /// A filter that must match nothing: 200, empty `ListResponse`, never 404 (rule 1).
    pub(crate) fn empty_list(&self) -> Check<()> {
        let page = self.list()?;
        if page.total == 0 {
            Ok(())
        } else {
            Err(format!("expected no match (`totalResults` 0), got {}", page.total).into())
        }
    }

    /// A filter that must match exactly the resource `id`.
    pub(crate) fn one(&self, id: &str) -> Check<Value> {
        let page = self.list()?;
        let found: Vec<&str> = page
            .resources
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_str))
            .collect();
        if page.total == 1 && found == [id] {
            Ok(page.resources.into_iter().next().unwrap_or(Value::Null))
        } else {
            Err(format!(
                "expected exactly the resource {id}, got totalResults {} and ids {found:?}",
                page.total
            )
            .into())
        }
    }

    /// A SCIM error with `status` as a string equal to `expected`, the Error schema and
    /// a non-empty `detail` (rule 9; Okta spec test 4, 11, 12).
    pub(crate) fn error(&self, expected: u16) -> Check<()> {
        self.expect(&[expected])?;
        let b = &self.body;
        if self.dialect == Dialect::V1 {
            return match b.pointer("/Errors/0/code") {
                Some(Value::String(s)) if s == &expected.to_string() && self.detail().is_some() => {
                    Ok(())
                }
                _ => Err(format!(
                    "a SCIM 1.1 error must be {{\"Errors\": [{{\"description\": …, \"code\": \"{expected}\"}}]}}, got {b}"
                )
                .into()),
            };
        }
        if !has_schema(b, ERROR) {
            return Err(format!("the error body's `schemas` lacks {ERROR}").into());
        }
        match b.get("status") {
            Some(Value::String(s)) if s == &expected.to_string() => {}
            Some(Value::String(s)) => {
                return Err(format!("error `status` is \"{s}\", not \"{expected}\"").into());
            }
            Some(v) => {
                return Err(
                    format!("error `status` must be the string \"{expected}\", got {v}").into(),
                );
            }
            None => return Err("the error body has no `status`".into()),
        }
        if self.detail().is_none() {
            return Err(
                "the error body has no non-empty `detail`; the IdP shows it to the admin".into(),
            );
        }
        Ok(())
    }

    /// A PATCH answer: 200 with the resource or 204 with an empty body, never 200 empty
    /// (idp-wire §1.1). Returns the resource when there is one.
    pub(crate) fn patched(&self) -> Check<Option<&Value>> {
        self.expect(&[200, 204])?;
        match (self.status, self.empty) {
            (204, true) => Ok(None),
            (204, false) => Err("204 must have an empty body".into()),
            (_, true) => Err("200 with an empty body; answer 200 with the resource or 204".into()),
            _ if self.body.is_object() => Ok(Some(&self.body)),
            _ => Err("200 whose body is not a JSON object".into()),
        }
    }

    /// A PUT answer: 200 with the updated resource.
    pub(crate) fn put(&self) -> Check<&Value> {
        self.resource(&[200])
    }

    /// `204` with an empty body (DELETE).
    pub(crate) fn deleted(&self) -> Check<()> {
        self.expect(&[204])?;
        if self.empty {
            Ok(())
        } else {
            Err("204 must have an empty body".into())
        }
    }
}

pub(crate) fn has_schema(v: &Value, urn: &str) -> bool {
    v.get("schemas").and_then(Value::as_array).is_some_and(|a| {
        a.iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    })
}

/// `v[a][b]…` as a string.
pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
}

/// `v[a][b]…` equals `want` exactly (values are stored as sent, idp-wire §4 EN-5).
pub(crate) fn expect_str(v: &Value, path: &[&str], want: &str) -> Check<()> {
    match str_at(v, path) {
        Some(s) if s == want => Ok(()),
        other => Err(format!("`{}` should be {want:?}, got {other:?}", path.join(".")).into()),
    }
}

/// `v.active` is the JSON boolean `want`.
pub(crate) fn expect_active(v: &Value, want: bool) -> Check<()> {
    match v.get("active") {
        Some(Value::Bool(b)) if *b == want => Ok(()),
        other => Err(format!(
            "`active` should be {want}, got {}",
            other.unwrap_or(&Value::Null)
        )
        .into()),
    }
}

/// The resource's `id` as a non-empty string.
pub(crate) fn id_of(v: &Value) -> Check<String> {
    match v.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err("the resource has no non-empty `id`".into()),
    }
}

/// The member ids of a group (`members` absent or null is empty).
pub(crate) fn member_ids(group: &Value) -> Check<BTreeSet<String>> {
    match group.get("members") {
        None | Some(Value::Null) => Ok(BTreeSet::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|m| {
                m.get("value")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| Problem::from(format!("a member has no string `value`: {m}")))
            })
            .collect(),
        Some(other) => Err(format!("`members` must be an array, got {other}").into()),
    }
}

/// The group's members are exactly `want`.
pub(crate) fn expect_members(group: &Value, want: &[&str]) -> Check<()> {
    let got = member_ids(group)?;
    let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
    if got == want {
        Ok(())
    } else {
        Err(format!("members should be {want:?}, got {got:?}").into())
    }
}
