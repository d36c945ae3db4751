//! Property tests: no body makes `from_request` or `render` panic; what is
//! stored renders without nulls or passwords; and reading back a rendered
//! resource (as Okta's PUT does, idp-wire OK-5) stores exactly the same
//! document, so an IdP echoing what it read changes nothing.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use time::macros::datetime;

use super::*;
use crate::schema::{ENTERPRISE_USER_URN, ResourceKind};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3).prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "x",
            "True",
            "false",
            "Admin",
            "{\"id\":\"1\",\"value\":\"Admin\",\"displayName\":\"A\"}",
            "2024-01-01T00:00:00Z",
        ])
        .prop_map(Value::from),
        "[a-z ]{0,4}".prop_map(Value::String),
    ]
}

fn key(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(names).prop_map(str::to_owned)
}

const SUB_KEYS: &[&str] = &[
    "value",
    "Value",
    "type",
    "primary",
    "display",
    "$ref",
    "givenName",
    "familyName",
    "displayName",
    "employeeNumber",
    "manager",
    "bogus",
];

const TOP_KEYS: &[&str] = &[
    "userName",
    "USERNAME",
    "displayName",
    "name",
    "emails",
    "phoneNumbers",
    "addresses",
    "roles",
    "active",
    "title",
    "password",
    "groups",
    "id",
    "meta",
    "externalId",
    "members",
    "department",
    "manager",
    ENTERPRISE_USER_URN,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
];

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(SUB_KEYS), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map(key(TOP_KEYS), value(), 0..8),
        any::<bool>(),
        "[a-z]{1,5}",
    )
        .prop_map(|(attrs, with_schemas, name)| {
            let mut obj: Map<String, Value> = attrs.into_iter().collect();
            // Mostly valid bodies, so the round trip is exercised.
            obj.insert("userName".into(), Value::String(name.clone()));
            obj.insert("displayName".into(), Value::String(name));
            if with_schemas {
                obj.insert(
                    "schemas".into(),
                    json!(["urn:ietf:params:scim:schemas:core:2.0:User"]),
                );
            }
            Value::Object(obj)
        })
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().any(has_null),
        Value::Object(o) => o.values().any(has_null),
        _ => false,
    }
}

proptest! {
    // Most random bodies have a type error somewhere; enough cases that a
    // few hundred get through to the round trip.
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn stored_documents_render_cleanly_and_read_back_unchanged(
        body in body(),
        group in any::<bool>(),
        replace in any::<bool>(),
    ) {
        let kind = if group { ResourceKind::Group } else { ResourceKind::User };
        let mode = if replace { Mode::Replace } else { Mode::Create };
        let Ok(inc) = from_request(kind, body, mode) else {
            return Ok(());
        };
        prop_assert!(!has_null(&inc.doc), "{}", inc.doc);
        prop_assert!(inc.doc.get("password").is_none());
        let meta = Meta {
            resource_type: kind,
            created: datetime!(2024-05-01 10:00:00 UTC),
            last_modified: datetime!(2024-05-01 10:00:00 UTC),
            location: "https://gw/x",
            version: "1",
        };
        let members = inc.members.as_ref().map(|m| {
            Value::Array(m.iter().map(|r| json!({"value": r.value})).collect())
        });
        let rendered = render(kind, "id1", &inc.doc, members, &meta, &Projection::all());
        prop_assert!(!has_null(&rendered), "{rendered}");
        prop_assert!(rendered.get("password").is_none());

        let again = from_request(kind, rendered.clone(), Mode::Replace);
        prop_assert!(again.is_ok(), "{rendered} -> {again:?}");
        let again = again.unwrap();
        let mut want = inc.doc.clone();
        // A user stored without `active` (a PUT that left it alone) renders
        // as active.
        if kind == ResourceKind::User && want.get("active").is_none() {
            want["active"] = Value::Bool(true);
        }
        prop_assert_eq!(&again.doc, &want);
        prop_assert_eq!(
            again.members.map(|m| m.into_iter().map(|r| r.value).collect::<Vec<_>>()),
            inc.members.map(|m| m.into_iter().map(|r| r.value).collect::<Vec<_>>())
        );
    }
}
