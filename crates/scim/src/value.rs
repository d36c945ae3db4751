//! Coercing client-sent JSON values to what a schema attribute requires
//! (RFC 7643 §2.3), with exactly the tolerances Okta and Entra need
//! (docs/idp-wire.md §0 rule 3, §8.3, §9).
//!
//! Shared by resource validation (POST/PUT bodies) and the PATCH engine, so
//! an attribute is accepted or refused the same way whichever verb carries it.
//!
//! What "no value" means: `null`, `""`, `[]`, and a complex value none of
//! whose content sub-attributes has a value. RFC 7644 §3.5.2 treats an
//! unassigned attribute and a null or empty one alike, and OIN QA case C9337
//! pushes `""` to clear an attribute; the caller removes the attribute when
//! [`coerce`] returns `Ok(None)`.
//!
//! Values are never normalised (no trimming, case folding, phone formatting):
//! Entra compares what it sent with what it reads back and re-PATCHes on any
//! difference (docs/idp-wire.md EN-5, §9 item 11).

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::schema::{AttrType, Attribute, Mutability, Returned};
use crate::{Error, ScimType};

/// Coerce one JSON value to what `attr` (a schema attribute, simple or
/// complex, single- or multi-valued) requires.
///
/// Lenient in the ways Okta and Entra need: boolean strings (`"True"`,
/// `"false"`) for boolean attributes only; attribute names in any case; a
/// single value for a multi-valued attribute; plain strings as elements of a
/// complex multi-valued attribute (Okta `roles`); Entra's JSON-encoded role
/// values; `manager` as a bare string or a one-element array.
///
/// Returns `Ok(None)` when the value means "no value", so the caller removes
/// the attribute. A type mismatch is 400 `invalidValue` naming the attribute.
pub fn coerce(attr: &'static Attribute, value: Value) -> Result<Option<Value>, Error> {
    coerce_at(attr.name, attr, value)
}

/// Coerce one element of the multi-valued attribute `attr`: an object for a
/// complex attribute (or a plain string, taken as its `value`), a scalar for a
/// simple one. For a single-valued `attr` this coerces the value itself.
///
/// Returns `Ok(None)` when the element is empty (`null`, `""`, or an object
/// none of whose sub-attributes has a value) and should be dropped. An
/// element holding only `type` or `primary` is returned: it may be a
/// fragment to merge into an existing element (in a whole list, [`coerce`]
/// drops it).
pub fn coerce_element(attr: &'static Attribute, value: Value) -> Result<Option<Value>, Error> {
    coerce_element_at(attr.name, attr, value)
}

/// Make `true` appear at most once among the `primary` sub-attributes of
/// `elements` (the elements of one multi-valued attribute): when several are
/// primary, the last keeps it and the others are set to `false`.
///
/// RFC 7644 §3.5.2: "If a value with 'primary' set to true is added, the
/// server SHALL set 'primary' to false for any other values". The last one
/// wins because it is the most recently written value (a PATCH `add` appends,
/// and Okta's `^[primary==true]` mappings put the primary element last when
/// it rewrites one).
pub fn keep_last_primary(elements: &mut [Value]) {
    let is_primary = |v: &Value| v.get("primary").and_then(Value::as_bool) == Some(true);
    let Some(last) = elements.iter().rposition(is_primary) else {
        return;
    };
    for element in &mut elements[..last] {
        if is_primary(element)
            && let Some(obj) = element.as_object_mut()
        {
            obj.insert("primary".to_owned(), Value::Bool(false));
        }
    }
}

fn coerce_at(path: &str, attr: &'static Attribute, value: Value) -> Result<Option<Value>, Error> {
    if attr.multi_valued {
        let items = match value {
            Value::Null => return Ok(None),
            Value::Array(items) => items,
            // Okta sends a lone role as an object or a string; a single value
            // for a multi-valued attribute is a list of one.
            single => vec![single],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(v) = coerce_element_at(path, attr, item)?
                && has_content(&v)
            {
                out.push(v);
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        if attr.is_complex() {
            keep_last_primary(&mut out);
        }
        return Ok(Some(Value::Array(out)));
    }
    match value {
        // A single-valued complex attribute in a one-element list: Entra's
        // legacy `manager` form `[{"value": …, "$ref": …}]` (idp-wire EN-7).
        Value::Array(items) if attr.is_complex() => match <[Value; 1]>::try_from(items) {
            Ok([only]) => coerce_element_at(path, attr, only),
            Err(items) if items.is_empty() => Ok(None),
            Err(items) => Err(mismatch(path, attr, "a single value", &Value::Array(items))),
        },
        value => coerce_element_at(path, attr, value),
    }
}

fn coerce_element_at(
    path: &str,
    attr: &'static Attribute,
    value: Value,
) -> Result<Option<Value>, Error> {
    if attr.is_complex() {
        coerce_complex(path, attr, value)
    } else {
        coerce_simple(path, attr, value)
    }
}

fn coerce_complex(
    path: &str,
    attr: &'static Attribute,
    value: Value,
) -> Result<Option<Value>, Error> {
    let value_sub = attr.sub_attribute("value");
    let obj = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.is_empty() => return Ok(None),
        Value::Object(obj) => obj,
        // A bare string stands for the `value` sub-attribute: Entra's
        // `manager: "<id>"` (idp-wire EN-7) and Okta's `roles: ["a", "b"]`
        // (idp-wire §8.3). Only where there is a `value` to put it in.
        Value::String(s) if value_sub.is_some() => {
            let mut obj = Map::new();
            obj.insert("value".to_owned(), Value::String(s));
            obj
        }
        other => return Err(mismatch(path, attr, "an object", &other)),
    };
    let mut out = Map::new();
    for (key, v) in obj {
        // Unknown sub-attributes are dropped, not refused: IdPs send extras
        // (Entra's decoded role `id`, vendor keys), and RFC 7644 §3.3 lets a
        // service provider ignore what it does not support.
        let Some(sub) = attr.sub_attribute(&key) else {
            continue;
        };
        // readOnly sub-attributes (`manager.displayName`) belong to the
        // server (RFC 7643 §2.2: "the attribute SHALL NOT be modified"); a
        // client echoing them back is ignored, not rejected (idp-wire §0
        // rule 6).
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_path = format!("{path}.{}", sub.name);
        if let Some(v) = coerce_simple(&sub_path, sub, v)? {
            out.insert(sub.name.to_owned(), v);
        }
    }
    if attr.name == "roles" {
        decode_entra_role(&mut out);
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// Whether a coerced element of a complex multi-valued attribute holds more
/// than labels. `type` and `primary` only label a value; in a whole list, an
/// element holding nothing else carries no value (Okta's `type` expression
/// yields `''` for an empty email, leaving `{"primary": true}`, OIN C9337).
/// A lone element is kept by [`coerce_element`]: there it may be a fragment
/// merged into an existing element (PATCH `emails[type eq "home"]` with
/// `{"primary": true}`).
fn has_content(element: &Value) -> bool {
    element
        .as_object()
        .is_none_or(|o| o.keys().any(|k| k != "type" && k != "primary"))
}

/// Entra's `AppRoleAssignmentsComplex` sends a role whose `value` is a JSON
/// object encoded as a string, `"{\"id\":\"…\",\"value\":\"Admin\",
/// \"displayName\":\"Admin\"}"` (idp-wire §8.3). When it parses as an object
/// with a string `value`, keep that `value`, and its `displayName` as
/// `display` unless the element already has one; otherwise the string is an
/// ordinary role value and stays as sent.
fn decode_entra_role(element: &mut Map<String, Value>) {
    let Some(Value::String(raw)) = element.get("value") else {
        return;
    };
    if !raw.trim_start().starts_with('{') {
        return;
    }
    let Ok(Value::Object(decoded)) = serde_json::from_str::<Value>(raw) else {
        return;
    };
    let Some(Value::String(inner)) = decoded.get("value") else {
        return;
    };
    if inner.is_empty() {
        return;
    }
    element.insert("value".to_owned(), Value::String(inner.clone()));
    if !element.contains_key("display") {
        let display = decoded
            .iter()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case("displayName") || k.eq_ignore_ascii_case("display")
            })
            .and_then(|(_, v)| v.as_str())
            .filter(|s| !s.is_empty());
        if let Some(display) = display {
            element.insert("display".to_owned(), Value::String(display.to_owned()));
        }
    }
}

fn coerce_simple(
    path: &str,
    attr: &'static Attribute,
    value: Value,
) -> Result<Option<Value>, Error> {
    match value {
        Value::Null => return Ok(None),
        Value::String(ref s) if s.is_empty() => return Ok(None),
        Value::Array(ref a) if a.is_empty() => return Ok(None),
        Value::Object(ref o) if o.is_empty() => return Ok(None),
        Value::Array(_) | Value::Object(_) => {
            return Err(mismatch(path, attr, expected(attr.ty), &value));
        }
        _ => {}
    }
    let ok = match attr.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => value.is_string(),
        AttrType::Boolean => {
            // Entra sends booleans as "True"/"False" (idp-wire §0 rule 3);
            // accepted only here, where the attribute is boolean, never
            // turning strings into booleans elsewhere (§9 item 2).
            if let Value::String(s) = &value {
                if s.eq_ignore_ascii_case("true") {
                    return Ok(Some(Value::Bool(true)));
                }
                if s.eq_ignore_ascii_case("false") {
                    return Ok(Some(Value::Bool(false)));
                }
            }
            value.is_boolean()
        }
        AttrType::Integer => value.is_i64() || value.is_u64(),
        AttrType::Decimal => value.is_number(),
        // RFC 7643 §2.3.5: an xsd:dateTime "with no fractional seconds
        // restriction"; RFC 3339 is the profile SCIM uses everywhere. The
        // string is kept exactly as sent.
        AttrType::DateTime => value
            .as_str()
            .is_some_and(|s| OffsetDateTime::parse(s, &Rfc3339).is_ok()),
        // A complex attribute reached here only as a sub-attribute, which
        // RFC 7643 §2.3.8 forbids; the schema table has none.
        AttrType::Complex => false,
    };
    if ok {
        Ok(Some(value))
    } else {
        Err(mismatch(path, attr, expected(attr.ty), &value))
    }
}

fn expected(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String | AttrType::Binary => "a string",
        AttrType::Reference => "a string (a URI)",
        AttrType::Boolean => "a boolean",
        AttrType::Integer => "an integer",
        AttrType::Decimal => "a number",
        AttrType::DateTime => "an RFC 3339 date-time string",
        AttrType::Complex => "an object",
    }
}

/// 400 `invalidValue` (RFC 7644 §3.12: "A required value was missing, or the
/// value specified was not compatible with the operation or attribute type").
/// The offending value is quoted, shortened, except for attributes never
/// returned (`password`), whose value must not be echoed anywhere.
fn mismatch(path: &str, attr: &Attribute, what: &str, got: &Value) -> Error {
    let detail = if attr.returned == Returned::Never {
        format!("\"{path}\" must be {what}")
    } else {
        format!("\"{path}\" must be {what} (got {})", shorten(got))
    };
    Error::bad_request(ScimType::InvalidValue, detail)
}

fn shorten(v: &Value) -> String {
    const MAX: usize = 60;
    let text = v.to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::{ENTERPRISE_USER, GROUP, USER};

    fn user(name: &str) -> &'static Attribute {
        USER.attribute(name).unwrap()
    }

    fn manager() -> &'static Attribute {
        ENTERPRISE_USER.attribute("manager").unwrap()
    }

    fn invalid_value(r: Result<Option<Value>, Error>) -> String {
        let e = r.unwrap_err();
        assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
        e.detail
    }

    #[test]
    fn booleans_accept_entra_strings_only_for_boolean_attributes() {
        for (sent, want) in [
            (json!(true), true),
            (json!(false), false),
            (json!("True"), true),
            (json!("False"), false),
            (json!("true"), true),
            (json!("FALSE"), false),
        ] {
            assert_eq!(coerce(user("active"), sent).unwrap(), Some(json!(want)));
        }
        // A string attribute keeps "True" as text.
        assert_eq!(
            coerce(user("title"), json!("True")).unwrap(),
            Some(json!("True"))
        );
        assert_eq!(
            invalid_value(coerce(user("active"), json!("yes"))),
            r#""active" must be a boolean (got "yes")"#
        );
        assert_eq!(
            invalid_value(coerce(user("active"), json!(1))),
            r#""active" must be a boolean (got 1)"#
        );
    }

    #[test]
    fn strings_refuse_numbers_and_booleans() {
        assert_eq!(
            invalid_value(coerce(user("title"), json!(7))),
            r#""title" must be a string (got 7)"#
        );
        assert_eq!(
            invalid_value(coerce(user("displayName"), json!(true))),
            r#""displayName" must be a string (got true)"#
        );
        assert_eq!(
            invalid_value(coerce(user("name"), json!({"givenName": 3}))),
            r#""name.givenName" must be a string (got 3)"#
        );
        assert_eq!(
            invalid_value(coerce(
                user("emails"),
                json!([{"value": "a@b", "primary": "yes"}])
            )),
            r#""emails.primary" must be a boolean (got "yes")"#
        );
    }

    #[test]
    fn password_value_is_never_echoed() {
        let detail = invalid_value(coerce(user("password"), json!(123_456)));
        assert_eq!(detail, r#""password" must be a string"#);
    }

    #[test]
    fn long_values_are_shortened_in_details() {
        let detail = invalid_value(coerce(user("active"), json!("x".repeat(500))));
        assert!(detail.ends_with("…)"), "{detail}");
        assert!(detail.len() < 120, "{detail}");
    }

    #[test]
    fn empty_values_mean_no_value() {
        for v in [json!(null), json!(""), json!([]), json!({})] {
            assert_eq!(coerce(user("title"), v.clone()).unwrap(), None, "{v}");
        }
        for v in [json!(null), json!([]), json!([null, "", {}]), json!({})] {
            assert_eq!(coerce(user("emails"), v.clone()).unwrap(), None, "{v}");
        }
        assert_eq!(
            coerce(user("name"), json!({"givenName": "", "familyName": null})).unwrap(),
            None
        );
        // "" clears a complex attribute too, with or without a `value`.
        assert_eq!(coerce(user("name"), json!("")).unwrap(), None);
        assert_eq!(coerce(user("addresses"), json!([""])).unwrap(), None);
        // Okta's empty email: the type expression yields "" and only `primary` remains.
        assert_eq!(
            coerce(
                user("emails"),
                json!([{"value": "", "type": "", "primary": true}])
            )
            .unwrap(),
            None
        );
        // Empty elements are dropped, the rest kept.
        assert_eq!(
            coerce(
                user("phoneNumbers"),
                json!([{"value": ""}, {"value": "+1 425 555 0100", "type": "work"}])
            )
            .unwrap(),
            Some(json!([{"value": "+1 425 555 0100", "type": "work"}]))
        );
    }

    #[test]
    fn a_lone_label_only_element_is_a_fragment() {
        assert_eq!(
            coerce_element(user("emails"), json!({"primary": "True", "type": ""})).unwrap(),
            Some(json!({"primary": true}))
        );
        assert_eq!(
            coerce(user("emails"), json!([{"primary": true}])).unwrap(),
            None
        );
        assert_eq!(
            coerce_element(user("emails"), json!({"value": ""})).unwrap(),
            None
        );
    }

    #[test]
    fn sub_attribute_names_are_canonicalised_and_unknown_ones_dropped() {
        assert_eq!(
            coerce(
                user("emails"),
                json!([{"Value": "a@b", "TYPE": "work", "Primary": "True", "extra": 1}])
            )
            .unwrap(),
            Some(json!([{"value": "a@b", "type": "work", "primary": true}]))
        );
        assert_eq!(
            coerce(
                user("name"),
                json!({"GivenName": "Ann", "familyname": "Lee"})
            )
            .unwrap(),
            Some(json!({"givenName": "Ann", "familyName": "Lee"}))
        );
    }

    #[test]
    fn values_are_kept_exactly_as_sent() {
        let phone = json!([{"value": " +1 (425) 555-0100 ", "type": "Work"}]);
        assert_eq!(
            coerce(user("phoneNumbers"), phone.clone()).unwrap(),
            Some(phone)
        );
        assert_eq!(
            coerce(user("userName"), json!("Alice@Contoso.COM")).unwrap(),
            Some(json!("Alice@Contoso.COM"))
        );
    }

    #[test]
    fn a_single_value_for_a_multi_valued_attribute_is_wrapped() {
        assert_eq!(
            coerce(user("roles"), json!({"value": "Admin", "primary": true})).unwrap(),
            Some(json!([{"value": "Admin", "primary": true}]))
        );
        assert_eq!(
            coerce(user("roles"), json!("Admin")).unwrap(),
            Some(json!([{"value": "Admin"}]))
        );
    }

    #[test]
    fn okta_roles_as_plain_strings() {
        assert_eq!(
            coerce(user("roles"), json!(["a", "b"])).unwrap(),
            Some(json!([{"value": "a"}, {"value": "b"}]))
        );
        // No `value` sub-attribute to hold a bare string.
        assert_eq!(
            invalid_value(coerce(user("addresses"), json!(["1 Main St"]))),
            r#""addresses" must be an object (got "1 Main St")"#
        );
        assert_eq!(
            invalid_value(coerce(user("roles"), json!([7]))),
            r#""roles" must be an object (got 7)"#
        );
    }

    #[test]
    fn entra_json_encoded_role_values_are_decoded() {
        let sent = json!([{
            "value": "{\"id\":\"8c3c2f7a\",\"value\":\"Admin\",\"displayName\":\"Admin role\"}"
        }]);
        assert_eq!(
            coerce(user("roles"), sent).unwrap(),
            Some(json!([{"value": "Admin", "display": "Admin role"}]))
        );
        // An explicit display wins; primary and type are kept.
        let sent = json!({
            "value": "{\"value\":\"Editor\",\"displayName\":\"E\"}",
            "display": "Mine", "primary": "False", "type": "WindowsAzureActiveDirectoryRole"
        });
        assert_eq!(
            coerce_element(user("roles"), sent).unwrap(),
            Some(
                json!({"value": "Editor", "display": "Mine", "primary": false,
                        "type": "WindowsAzureActiveDirectoryRole"})
            )
        );
        // Strings that are not such an object stay as sent.
        for raw in ["{not json", "{\"id\":\"x\"}", "{\"value\":3}", "Admin"] {
            assert_eq!(
                coerce_element(user("roles"), json!({"value": raw})).unwrap(),
                Some(json!({"value": raw})),
                "{raw}"
            );
        }
        // Only roles are decoded.
        let email = "{\"value\":\"x\"}";
        assert_eq!(
            coerce_element(user("emails"), json!({"value": email})).unwrap(),
            Some(json!({"value": email}))
        );
    }

    #[test]
    fn manager_forms() {
        let want = Some(json!({"value": "m1"}));
        assert_eq!(coerce(manager(), json!("m1")).unwrap(), want);
        assert_eq!(coerce(manager(), json!({"value": "m1"})).unwrap(), want);
        assert_eq!(
            coerce(
                manager(),
                json!([{"value": "m1", "$ref": "https://x/Users/m1"}])
            )
            .unwrap(),
            Some(json!({"value": "m1", "$ref": "https://x/Users/m1"}))
        );
        // displayName is readOnly: the server fills it in.
        assert_eq!(
            coerce(
                manager(),
                json!({"value": "m1", "displayName": "Boss", "$ref": null})
            )
            .unwrap(),
            want
        );
        for removal in [
            json!(""),
            json!({"value": ""}),
            json!(null),
            json!([]),
            json!([{"value": ""}]),
        ] {
            assert_eq!(
                coerce(manager(), removal.clone()).unwrap(),
                None,
                "{removal}"
            );
        }
        assert_eq!(
            invalid_value(coerce(manager(), json!([{"value": "a"}, {"value": "b"}]))),
            r#""manager" must be a single value (got [{"value":"a"},{"value":"b"}])"#
        );
        assert_eq!(
            invalid_value(coerce(manager(), json!(42))),
            r#""manager" must be an object (got 42)"#
        );
    }

    #[test]
    fn members_tolerate_null_ref() {
        let members = GROUP.attribute("members").unwrap();
        assert_eq!(
            coerce(
                members,
                json!([{"$ref": null, "value": "u1"}, {"value": "u2", "display": "B"}])
            )
            .unwrap(),
            Some(json!([{"value": "u1"}, {"value": "u2", "display": "B"}]))
        );
    }

    #[test]
    fn only_the_last_primary_stays_primary() {
        assert_eq!(
            coerce(
                user("emails"),
                json!([
                    {"value": "a", "primary": true},
                    {"value": "b", "primary": "True"},
                    {"value": "c"},
                    {"value": "d", "primary": false}
                ])
            )
            .unwrap(),
            Some(json!([
                {"value": "a", "primary": false},
                {"value": "b", "primary": true},
                {"value": "c"},
                {"value": "d", "primary": false}
            ]))
        );
        let mut one = vec![json!({"value": "a", "primary": true})];
        keep_last_primary(&mut one);
        assert_eq!(one, vec![json!({"value": "a", "primary": true})]);
    }

    #[test]
    fn nested_structures_are_refused() {
        assert_eq!(
            invalid_value(coerce(user("title"), json!(["x"]))),
            r#""title" must be a string (got ["x"])"#
        );
        assert_eq!(
            invalid_value(coerce(user("name"), json!({"givenName": {"x": 1}}))),
            r#""name.givenName" must be a string (got {"x":1})"#
        );
        assert_eq!(
            invalid_value(coerce(user("emails"), json!([[{"value": "a"}]]))),
            r#""emails" must be an object (got [{"value":"a"}])"#
        );
    }

    #[test]
    fn date_times_are_validated_and_kept_as_sent() {
        let created = crate::schema::COMMON
            .iter()
            .find(|a| a.name == "meta")
            .unwrap()
            .sub_attribute("created")
            .unwrap();
        assert_eq!(
            coerce(created, json!("2024-05-01T10:00:00.5+02:00")).unwrap(),
            Some(json!("2024-05-01T10:00:00.5+02:00"))
        );
        assert_eq!(
            invalid_value(coerce(created, json!("04-12-2018 00:00:00"))),
            r#""created" must be an RFC 3339 date-time string (got "04-12-2018 00:00:00")"#
        );
    }
}
