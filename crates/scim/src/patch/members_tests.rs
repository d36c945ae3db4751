//! A Group's `members` as `MemberOp`s (idp-wire §0 rule 10, EN-13, EN-14, OK-10, OK-11).

use serde_json::{Value, json};

use super::tests::{alice, fail, run};
use super::*;
use crate::ScimType;
use crate::schema::ResourceKind::{Group, User};

// ---- group members --------------------------------------------------------

fn group() -> Value {
    json!({"displayName": "Sales"})
}

#[test]
fn members_add_remove_replace() {
    let (doc, out) = run(
        Group,
        group(),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u1", "display": "U One"}, {"$ref": null, "value": "u2"}]},
            {"op": "add", "path": "members", "value": [{"value": "u3", "type": "User"}]},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "remove", "path": "members[value eq \"u2\" or value eq \"u3\"]"},
            {"op": "remove", "path": "members", "value": [{"value": "u4"}]},
            {"op": "replace", "path": "members", "value": [{"value": "u5"}]},
            {"op": "replace", "path": "members", "value": []},
            {"op": "remove", "path": "members"}
        ]),
    );
    assert_eq!(doc, group());
    assert!(!out.changed);
    let m = |v: &str, d: Option<&str>| MemberRef {
        value: v.to_owned(),
        display: d.map(str::to_owned),
        ty: None,
    };
    assert_eq!(
        out.members,
        vec![
            MemberOp::Add(vec![
                m("u1", Some("U One")),
                m("u2", None),
                MemberRef {
                    ty: Some("User".to_owned()),
                    ..m("u3", None)
                }
            ]),
            MemberOp::Remove(vec!["u1".into(), "u2".into(), "u3".into(), "u4".into()]),
            MemberOp::Replace(vec![m("u5", None)]),
            MemberOp::Replace(vec![]),
            MemberOp::RemoveAll,
        ]
    );
}

#[test]
fn a_member_listed_twice_is_kept_once() {
    let (_, out) = run(
        Group,
        group(),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u1"}]},
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
            {"op": "replace", "path": "members", "value": [{"value": "u3"}, {"value": "u3"}]}
        ]),
    );
    let values = |op: &MemberOp| match op {
        MemberOp::Add(m) | MemberOp::Replace(m) => m.iter().map(|m| m.value.clone()).collect(),
        _ => Vec::new(),
    };
    assert_eq!(out.members.len(), 2);
    assert_eq!(values(&out.members[0]), ["u1", "u2"]);
    assert_eq!(values(&out.members[1]), ["u3"]);
}

#[test]
fn members_remove_with_an_empty_list_removes_nothing() {
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "Remove", "path": "members", "value": []}]),
    );
    assert!(out.members.is_empty());
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "remove", "path": "members", "value": null}]),
    );
    assert_eq!(out.members, vec![MemberOp::RemoveAll]);
}

#[test]
fn members_filters_other_than_value_eq_are_refused() {
    for path in [
        "members[display eq \"x\"]",
        "members[value ne \"x\"]",
        "members[value eq \"x\" and type eq \"User\"]",
    ] {
        let e = fail(Group, &group(), json!([{"op": "remove", "path": path}]));
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidFilter)),
            "{path}"
        );
        assert!(
            e.detail.starts_with("members can only be selected by id"),
            "{}",
            e.detail
        );
    }
    let e = fail(
        Group,
        &group(),
        json!([{"op": "add", "path": "members[value eq \"x\"]", "value": [{"value": "x"}]}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn member_identity_is_immutable() {
    let e = fail(
        Group,
        &group(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u2"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"].display", "value": "U"}]),
    );
    assert_eq!(out.ignored, vec!["members.display"]);
    assert!(out.members.is_empty());
}

#[test]
fn members_need_ids_and_are_capped() {
    let e = fail(
        Group,
        &group(),
        json!([{"op": "add", "path": "members", "value": [{"display": "x"}]}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let e = fail(
        Group,
        &group(),
        json!([{"op": "add", "path": "members", "value": [{"value": 7}]}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let many: Vec<Value> = (0..=MAX_MEMBERS_PER_OPERATION)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let e = fail(
        Group,
        &group(),
        json!([{"op": "add", "path": "members", "value": many}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn members_are_only_a_group_attribute() {
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "add", "path": "members", "value": [{"value": "u1"}]}]),
    );
    assert_eq!(doc, alice());
    assert_eq!(out.ignored, vec!["members"]);
    assert!(out.members.is_empty());
}
