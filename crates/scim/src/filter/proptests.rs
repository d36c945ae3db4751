//! Property tests: printing any tree and parsing it back gives the tree; no
//! input makes the parsers panic or overflow the stack.

use proptest::prelude::*;

use serde_json::Value;

use super::*;
use crate::path::{PatchPath, parse_attribute_list};
use crate::schema::ResourceKind;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        // Names that are also keywords must still parse as names.
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "$ref"])
            .prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
        "[a-z][a-z0-9+.-]{0,3}:[A-Za-z0-9._:/-]{1,10}",
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (prop::option::of(urn()), name(), prop::option::of(name()))
        .prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?"
            .prop_map(|n| CompValue::Number(JsonNumber::parse(&n).unwrap())),
        any::<String>().prop_map(CompValue::String),
        "[a-z@. ]{0,8}".prop_map(CompValue::String),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (
            attr_path(),
            prop::sample::select(CompareOp::ALL.to_vec()),
            comp_value()
        )
            .prop_map(|(path, op, value)| Expr::Compare { path, op, value }),
        attr_path().prop_map(Expr::Present),
    ]
}

fn logic(inner: impl Strategy<Value = Expr> + Clone) -> impl Strategy<Value = Expr> {
    prop_oneof![
        inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
        (inner.clone(), inner).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
    ]
}

/// A value filter: no nested value paths.
fn value_filter() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(3, 12, 2, logic)
}

fn expr() -> impl Strategy<Value = Expr> {
    let value_path = (
        "[a-zA-Z][a-zA-Z0-9]{0,6}",
        prop::option::of(urn()),
        value_filter(),
    )
        .prop_map(|(name, urn, filter)| Expr::ValuePath {
            attr: AttrPath {
                urn,
                name,
                sub: None,
            },
            filter: Box::new(filter),
        });
    prop_oneof![3 => leaf(), 1 => value_path].prop_recursive(4, 24, 2, logic)
}

/// Text made mostly of the filter language's own pieces, to reach deep
/// parser states more often than uniform strings do.
fn filterish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "userName",
            "emails",
            "name.givenName",
            "urn:a:b:c",
            " ",
            "  ",
            "eq",
            "EQ",
            "co",
            "gt",
            "pr",
            "and",
            "or",
            "not",
            "(",
            ")",
            "[",
            "]",
            ".value",
            "\"x\"",
            "\"",
            "\\",
            "\\u",
            "12",
            "-1.5e3",
            "true",
            "null",
            "jyoung",
            "é",
            ":",
            ".",
            "$ref",
        ]),
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Paths the User schema knows, of every type, for checker and evaluator properties.
fn user_path() -> impl Strategy<Value = AttrPath> {
    prop::sample::select(vec![
        "userName",
        "title",
        "active",
        "emails",
        "emails.value",
        "emails.primary",
        "name",
        "name.givenName",
        "meta.created",
        "manager",
        "id",
        "externalId",
        "roles.primary",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "x509Certificates.value",
    ])
    .prop_map(|p| AttrPath::parse(p).unwrap())
}

fn user_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        comp_value(),
        prop::sample::select(vec!["True", "false", "a", "2024-01-01T00:00:00Z", "x@y"])
            .prop_map(|s| CompValue::String(s.to_owned())),
    ]
}

fn user_filter() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (
            user_path(),
            prop::sample::select(CompareOp::ALL.to_vec()),
            user_value()
        )
            .prop_map(|(path, op, value)| Expr::Compare { path, op, value }),
        user_path().prop_map(Expr::Present),
        (
            prop::sample::select(vec!["type", "value", "primary"]),
            user_value()
        )
            .prop_map(|(sub, value)| Expr::ValuePath {
                attr: AttrPath::new("emails"),
                filter: Box::new(Expr::Compare {
                    path: AttrPath::new(sub),
                    op: CompareOp::Eq,
                    value,
                }),
            }),
    ];
    leaf.prop_recursive(3, 12, 2, logic)
}

fn json() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "userName",
        "title",
        "active",
        "emails",
        "value",
        "type",
        "primary",
        "name",
        "givenName",
        "meta",
        "created",
        "manager",
        "roles",
        "EMAILS",
        "Value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "employeeNumber",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6..1e6f64).prop_map(Value::from),
        prop::sample::select(vec!["", "a", "A", "True", "x@y", "2024-01-01T00:00:00Z"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..5).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn evaluation_never_panics_and_not_is_the_complement(e in user_filter(), doc in json()) {
        let negated = Filter::new(Expr::Not(Box::new(e.clone())));
        if let Ok(f) = Filter::new(e).check(ResourceKind::User) {
            let n = negated.check(ResourceKind::User).unwrap();
            prop_assert_eq!(n.matches(&doc), !f.matches(&doc));
        }
    }

    #[test]
    fn print_then_parse_is_identity(e in expr()) {
        let f = Filter::new(e);
        let text = f.to_string();
        let again = Filter::parse(&text);
        prop_assert_eq!(again.as_ref(), Ok(&f), "printed as {}", text);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = Filter::parse(&s);
        let _ = PatchPath::parse(&s);
        let _ = AttrPath::parse(&s);
        let _ = parse_attribute_list(&s);
    }

    #[test]
    fn filterish_strings_never_panic_and_round_trip(s in filterish()) {
        if let Ok(f) = Filter::parse(&s) {
            let again = Filter::parse(&f.to_string());
            prop_assert_eq!(again.as_ref(), Ok(&f), "{} printed as {}", s, f);
        }
        if let Ok(p) = PatchPath::parse(&s) {
            prop_assert_eq!(PatchPath::parse(&p.to_string()), Ok(p));
        }
    }

    #[test]
    fn error_positions_are_within_the_text(s in filterish()) {
        if let Err(e) = Filter::parse(&s) {
            prop_assert!(e.position <= s.len());
            prop_assert!(s.is_char_boundary(e.position));
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_an_overflow(
        n in (MAX_DEPTH + 1)..2000,
        opener in prop::sample::select(vec!["(", "not (", "not(", "( ("]),
    ) {
        let text = format!("{}a pr{}", opener.repeat(n), ")".repeat(n));
        let e = Filter::parse(&text).unwrap_err();
        prop_assert!(
            e.message.starts_with("filter nests deeper") || e.message.starts_with("filter is longer"),
            "{}", e
        );
    }
}
