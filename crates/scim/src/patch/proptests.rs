//! Property tests: random sequences of valid operations never panic, a
//! failure leaves the document untouched, and every multi-valued attribute
//! ends with at most one `primary: true` (RFC 7644 §3.5.2).

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::schema::ResourceKind::User;

const PATHS: &[&str] = &[
    "title",
    "active",
    "displayName",
    "name",
    "name.givenName",
    "emails",
    "emails.type",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[type eq \"home\"].primary",
    "emails[primary eq true].value",
    "emails[type eq \"work\" or type eq \"home\"]",
    "phoneNumbers[type eq \"mobile\"].value",
    "phoneNumbers[type eq \"work\"].primary",
    "roles",
    "roles[primary eq \"True\"].value",
    "roles[value eq \"Admin\"].primary",
    "addresses[type eq \"work\"].streetAddress",
    "addresses[primary eq true]",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "manager.value",
    "unknownThing",
    "id",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        Just(json!("")),
        Just(json!(true)),
        Just(json!("True")),
        Just(json!("False")),
        Just(json!(3)),
        "[a-c]{1,2}".prop_map(Value::String),
    ]
}

fn element() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof!["work", "home", "mobile"]),
        prop::option::of("[a-c]{1,2}"),
        prop::option::of(prop_oneof![
            Just(json!(true)),
            Just(json!(false)),
            Just(json!("True"))
        ]),
    )
        .prop_map(|(ty, value, primary)| {
            let mut m = Map::new();
            if let Some(t) = ty {
                m.insert("type".into(), json!(t));
            }
            if let Some(v) = value {
                m.insert("value".into(), json!(v));
            }
            if let Some(p) = primary {
                m.insert("primary".into(), p);
            }
            Value::Object(m)
        })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        element(),
        prop::collection::vec(element(), 0..4).prop_map(Value::Array),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    let with_path = (
        prop_oneof!["add", "Replace", "remove"],
        prop::sample::select(PATHS),
        prop::option::of(value()),
    )
        .prop_map(|(op, path, value)| {
            let mut m = Map::new();
            m.insert("op".into(), json!(op));
            m.insert("path".into(), json!(path));
            if let Some(v) = value {
                m.insert("value".into(), v);
            } else if op != "remove" {
                m.insert("value".into(), json!("x"));
            }
            Value::Object(m)
        });
    let pathless = (
        prop_oneof!["add", "replace"],
        prop::collection::btree_map(prop::sample::select(PATHS), value(), 1..3),
    )
        .prop_map(|(op, attrs)| {
            let attrs: Map<String, Value> = attrs
                .into_iter()
                .map(|(k, v)| ((*k).to_owned(), v))
                .collect();
            json!({"op": op, "value": attrs})
        });
    prop_oneof![3 => with_path, 1 => pathless]
}

fn primaries_are_unique(doc: &Value) -> bool {
    let check = |obj: &Map<String, Value>| {
        obj.values().all(|v| match v {
            Value::Array(items) => {
                items
                    .iter()
                    .filter(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                    .count()
                    <= 1
            }
            _ => true,
        })
    };
    doc.as_object()
        .is_some_and(|root| check(root) && root.values().filter_map(Value::as_object).all(check))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_operations_keep_one_primary(
        ops in prop::collection::vec(operation(), 1..8),
    ) {
        let mut doc = super::tests::alice();
        for op in ops {
            let Ok(request) = PatchRequest::parse(json!({
                "schemas": [PATCH_OP_SCHEMA],
                "Operations": [op],
            })) else {
                continue;
            };
            let before = doc.clone();
            match apply(User, &mut doc, &request) {
                Ok(outcome) => prop_assert_eq!(outcome.changed, doc != before),
                Err(e) => {
                    prop_assert_eq!(&doc, &before);
                    prop_assert_eq!(e.status, 400);
                }
            }
            prop_assert!(primaries_are_unique(&doc), "{}", doc);
        }
    }

    #[test]
    fn one_request_is_all_or_nothing(
        ops in prop::collection::vec(operation(), 1..8),
    ) {
        let Ok(request) = PatchRequest::parse(json!({
            "schemas": [PATCH_OP_SCHEMA],
            "Operations": ops,
        })) else {
            return Ok(());
        };
        let original = super::tests::alice();
        let mut doc = original.clone();
        if let Ok(outcome) = apply(User, &mut doc, &request) {
            prop_assert_eq!(outcome.changed, doc != original);
        } else {
            prop_assert_eq!(&doc, &original);
        }
        prop_assert!(primaries_are_unique(&doc), "{}", doc);
    }

    #[test]
    fn arbitrary_paths_and_values_never_panic(
        op in prop_oneof!["add", "replace", "remove", "Remove", "x"],
        path in "[a-zA-Z\\[\\]\\.\" =:$]{0,40}",
        value in value(),
        kind in prop_oneof![Just(User), Just(crate::schema::ResourceKind::Group)],
    ) {
        let body = json!({
            "schemas": [PATCH_OP_SCHEMA],
            "Operations": [{"op": op, "path": path, "value": value}],
        });
        if let Ok(request) = PatchRequest::parse(body) {
            let mut doc = super::tests::alice();
            let _ = apply(kind, &mut doc, &request);
        }
    }
}
