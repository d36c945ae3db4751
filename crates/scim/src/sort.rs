//! Sorting of list results (RFC 7644 §3.4.2.3): `sortBy` names an attribute or a
//! sub-attribute; a multi-valued attribute sorts by its primary element, else its
//! first; strings compare without case unless the attribute is caseExact; resources
//! without a value come last in ascending order and first in descending order.

use std::cmp::Ordering;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::schema::{AttrType, Attribute, ResourceKind, Returned, resolve_path};
use crate::{Error, ScimType};

/// A checked `sortBy` / `sortOrder`.
#[derive(Debug, Clone)]
pub struct Sort {
    /// The extension URN holding the attribute, if it is an extension attribute.
    container: Option<&'static str>,
    attribute: &'static Attribute,
    sub: Option<&'static Attribute>,
    descending: bool,
}

impl Sort {
    /// Checks the parameters; `Ok(None)` without `sortBy` (a lone `sortOrder` has
    /// nothing to apply to). Unknown or unsortable attributes are 400 `invalidValue`.
    pub fn parse(
        kind: ResourceKind,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
    ) -> Result<Option<Self>, Error> {
        let Some(path) = sort_by.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let descending = match sort_order.map(str::trim) {
            None | Some("") => false,
            Some(o) if o.eq_ignore_ascii_case("ascending") => false,
            Some(o) if o.eq_ignore_ascii_case("descending") => true,
            Some(o) => {
                return Err(Error::bad_request(
                    ScimType::InvalidValue,
                    format!("\"sortOrder\" must be \"ascending\" or \"descending\" (got \"{o}\")."),
                ));
            }
        };
        let invalid = |why: &str| {
            Error::bad_request(
                ScimType::InvalidValue,
                format!("Cannot sort by \"{path}\": {why}."),
            )
        };
        let resolved = resolve_path(kind, path).ok_or_else(|| invalid("no such attribute"))?;
        let mut sub = resolved.sub;
        if sub.is_none() && resolved.attribute.ty == AttrType::Complex {
            // A multi-valued complex attribute sorts by its `value` (e.g. `emails`);
            // a singular complex one must name a sub-attribute (`name.familyName`).
            sub = resolved
                .attribute
                .sub_attribute("value")
                .filter(|_| resolved.attribute.multi_valued)
                .ok_or_else(|| invalid("name a sub-attribute, e.g. name.familyName"))?
                .into();
        }
        let leaf = sub.unwrap_or(resolved.attribute);
        if leaf.returned == Returned::Never || leaf.ty == AttrType::Complex {
            return Err(invalid("it cannot be sorted on"));
        }
        let container = (!resolved.schema.is_empty() && resolved.schema != kind.core().id)
            .then_some(resolved.schema);
        Ok(Some(Self {
            container,
            attribute: resolved.attribute,
            sub,
            descending,
        }))
    }

    /// Orders two resources (as rendered, or as stored plus `id` and `meta`).
    pub fn compare(&self, a: &Value, b: &Value) -> Ordering {
        let ascending = match (self.key(a), self.key(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => self.compare_values(x, y),
        };
        if self.descending {
            ascending.reverse()
        } else {
            ascending
        }
    }

    fn key<'v>(&self, resource: &'v Value) -> Option<&'v Value> {
        let holder = match self.container {
            Some(urn) => {
                resource
                    .as_object()?
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(urn))?
                    .1
            }
            None => resource,
        };
        let value = field(holder, self.attribute.name)?;
        let value = match value {
            Value::Array(items) => items
                .iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| items.first())?,
            other => other,
        };
        let leaf = match self.sub {
            Some(sub) => field(value, sub.name)?,
            None => value,
        };
        (!leaf.is_null()).then_some(leaf)
    }

    fn compare_values(&self, x: &Value, y: &Value) -> Ordering {
        let leaf = self.sub.unwrap_or(self.attribute);
        match (x, y) {
            (Value::String(x), Value::String(y)) => match leaf.ty {
                AttrType::DateTime => match (
                    OffsetDateTime::parse(x, &Rfc3339),
                    OffsetDateTime::parse(y, &Rfc3339),
                ) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                },
                _ if leaf.case_exact => x.cmp(y),
                _ => x.to_lowercase().cmp(&y.to_lowercase()),
            },
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .unwrap_or(0.0)
                .partial_cmp(&y.as_f64().unwrap_or(0.0))
                .unwrap_or(Ordering::Equal),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => Ordering::Equal,
        }
    }
}

/// A member of a JSON object by attribute name, without regard to case (RFC 7643 §2.1).
fn field<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sorted(
        kind: ResourceKind,
        by: &str,
        order: Option<&str>,
        mut items: Vec<Value>,
    ) -> Vec<String> {
        let sort = Sort::parse(kind, Some(by), order).unwrap().unwrap();
        items.sort_by(|a, b| sort.compare(a, b));
        items
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn strings_ignore_case_and_missing_values_go_last_then_first() {
        let users = vec![
            json!({"id": "b", "userName": "bob"}),
            json!({"id": "none"}),
            json!({"id": "a", "userName": "Alice"}),
            json!({"id": "c", "userName": "carol"}),
        ];
        assert_eq!(
            sorted(ResourceKind::User, "userName", None, users.clone()),
            ["a", "b", "c", "none"]
        );
        assert_eq!(
            sorted(ResourceKind::User, "USERNAME", Some("Descending"), users),
            ["none", "c", "b", "a"]
        );
    }

    #[test]
    fn multi_valued_sorts_by_primary_then_first_and_sub_attributes_and_extensions_work() {
        let users = vec![
            json!({"id": "1", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}],
                   "name": {"familyName": "Young"}}),
            json!({"id": "2", "emails": [{"value": "m@x"}], "name": {"familyName": "adams"},
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}}),
        ];
        assert_eq!(
            sorted(ResourceKind::User, "emails", None, users.clone()),
            ["1", "2"]
        );
        assert_eq!(
            sorted(
                ResourceKind::User,
                "emails.value",
                Some("descending"),
                users.clone()
            ),
            ["2", "1"]
        );
        assert_eq!(
            sorted(ResourceKind::User, "name.familyName", None, users.clone()),
            ["2", "1"]
        );
        let dept = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
        assert_eq!(sorted(ResourceKind::User, dept, None, users), ["2", "1"]);
    }

    #[test]
    fn case_exact_and_typed_values() {
        let users = vec![
            json!({"id": "x", "externalId": "b"}),
            json!({"id": "y", "externalId": "B"}),
        ];
        assert_eq!(
            sorted(ResourceKind::User, "externalId", None, users),
            ["y", "x"]
        );
        let times = vec![
            json!({"id": "late", "meta": {"lastModified": "2026-11-23T10:00:00Z"}}),
            json!({"id": "early", "meta": {"lastModified": "2026-11-23T09:59:59.5+00:00"}}),
        ];
        assert_eq!(
            sorted(ResourceKind::User, "meta.lastModified", None, times),
            ["early", "late"]
        );
        let active = vec![
            json!({"id": "on", "active": true}),
            json!({"id": "off", "active": false}),
        ];
        assert_eq!(
            sorted(ResourceKind::User, "active", None, active),
            ["off", "on"]
        );
    }

    #[test]
    fn rejects_what_cannot_be_sorted() {
        let k = ResourceKind::User;
        assert_eq!(
            Sort::parse(k, None, Some("descending"))
                .unwrap()
                .map(|_| ()),
            None
        );
        for (by, order) in [
            ("nope", None),
            ("name", None),
            ("password", None),
            ("userName", Some("up")),
        ] {
            let e = Sort::parse(k, Some(by), order).unwrap_err();
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidValue)),
                "{by}"
            );
        }
        assert!(
            Sort::parse(ResourceKind::Group, Some("displayName"), None)
                .unwrap()
                .is_some()
        );
    }
}
