//! Every PATCH body docs/idp-wire.md prints, from Okta (OIN) and from both
//! Entra dialects (legacy, and `aadOptscim062020` "flag"), applied as sent.

use serde_json::{Value, json};

use super::tests::{EXT, alice, run};
use super::*;
use crate::schema::ResourceKind::{Group, User};

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

fn member(value: &str, display: Option<&str>) -> MemberRef {
    MemberRef {
        value: value.to_owned(),
        display: display.map(str::to_owned),
        ty: None,
    }
}

fn group() -> Value {
    json!({"displayName": "Test SCIMv2", "externalId": "8aa1a0c0"})
}

// ---- Okta -----------------------------------------------------------------

#[test]
fn okta_ok6_deactivate_and_ok7_reactivate() {
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(doc["active"], false);
    assert!(out.changed);
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "replace", "value": {"active": true}}]),
    );
    assert_eq!(doc, alice());
}

#[test]
fn okta_ok8_sync_password() {
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "replace", "value": {"password": "<okta password or random>"}}]),
    );
    assert_eq!(doc, alice());
    assert!(out.password_supplied);
    assert!(!out.changed);
}

#[test]
fn okta_ok10_membership_changes() {
    let (doc, out) = run(
        Group,
        group(),
        json!([
            {"op": "remove", "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"},
            {"op": "add", "path": "members",
             "value": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}]}
        ]),
    );
    assert_eq!(doc, group());
    assert_eq!(
        out.members,
        vec![
            MemberOp::Remove(ids(&["89bb1940-b905-4575-9e7f-6f887cfb368e"])),
            MemberOp::Add(vec![member(
                "23a35c27-23d3-4c03-b4c5-6443c09e7173",
                Some("test.user@okta.local")
            )]),
        ]
    );
}

#[test]
fn okta_ok10_batches_many_removals_with_the_rename() {
    let mut ops: Vec<Value> = (0..1000)
        .map(|i| json!({"op": "remove", "path": format!("members[value eq \"u{i}\"]")}))
        .collect();
    ops.push(json!({"op": "add", "path": "members", "value": [{"value": "n1"}, {"value": "n2"}]}));
    ops.push(json!({"op": "replace", "value": {"id": "abf4dd94", "displayName": "Test SCIMv2"}}));
    let (_, out) = run(Group, group(), Value::Array(ops));
    assert_eq!(out.members.len(), 2);
    let MemberOp::Remove(removed) = &out.members[0] else {
        panic!("{:?}", out.members[0]);
    };
    assert_eq!(removed.len(), 1000);
    assert_eq!(
        out.members[1],
        MemberOp::Add(vec![member("n1", None), member("n2", None)])
    );
    assert!(!out.changed);
    assert_eq!(out.ignored, vec!["id"]);
}

#[test]
fn okta_ok11_push_now() {
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "replace", "path": "members",
                "value": [{"value": "u1", "display": "a@x"}, {"value": "u2", "display": "b@x"}]}]),
    );
    assert_eq!(
        out.members,
        vec![MemberOp::Replace(vec![
            member("u1", Some("a@x")),
            member("u2", Some("b@x"))
        ])]
    );
    // The pathless form (tealium-doc) and the empty list.
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "replace", "value": {"members": [{"value": "u1"}]}}]),
    );
    assert_eq!(
        out.members,
        vec![MemberOp::Replace(vec![member("u1", None)])]
    );
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "replace", "path": "members", "value": []}]),
    );
    assert_eq!(out.members, vec![MemberOp::Replace(vec![])]);
}

#[test]
fn okta_ok12_rename_echoes_the_read_only_id() {
    let (doc, out) = run(
        Group,
        group(),
        json!([{"op": "replace",
                "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "New Name"}}]),
    );
    assert_eq!(doc["displayName"], "New Name");
    assert_eq!(doc["externalId"], "8aa1a0c0");
    assert!(out.changed);
    assert_eq!(out.ignored, vec!["id"]);
}

// ---- Entra: EN-5 updates --------------------------------------------------

#[test]
fn entra_en5_legacy_update() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0199"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
            {"op": "Replace", "path": "userName", "value": "alice.jones@contoso.com"}
        ]),
    );
    assert!(out.ignored.is_empty());
    assert_eq!(
        doc,
        json!({
            "userName": "alice.jones@contoso.com",
            "active": true,
            "displayName": "Alice Jones",
            "name": {"givenName": "Alice", "familyName": "updatedFamilyName"},
            "emails": [{"value": "updatedEmail@contoso.com", "type": "work", "primary": true}],
            "phoneNumbers": [
                {"value": "+1 425 555 0100", "type": "work", "primary": true},
                {"type": "mobile", "value": "+1 425 555 0199"}
            ],
            EXT: {"employeeNumber": "701984", "department": "Sales"}
        })
    );
}

#[test]
fn entra_en5_flag_update() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@contoso.com"},
            {"op": "replace", "value": {"displayName": "Alice J", "name.givenName": "Alice",
                "name.familyName": "Jones",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984"}}
        ]),
    );
    assert!(out.ignored.is_empty());
    assert_eq!(doc["displayName"], "Alice J");
    assert_eq!(doc["emails"][0]["value"], "updatedEmail@contoso.com");
    assert_eq!(doc["name"], alice()["name"]);
    assert_eq!(doc[EXT], alice()[EXT]);
}

#[test]
fn entra_attribute_table_paths() {
    // idp-wire §8.2, with Microsoft's capitalised sub-attributes.
    let (doc, out) = run(
        User,
        json!({"userName": "a"}),
        json!([
            {"op": "Add", "path": "emails[type eq \"other\"].Value", "value": "a@proxy"},
            {"op": "Add", "path": "addresses[type eq \"other\"].Formatted", "value": "B40"},
            {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
            {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
            {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "1"},
            {"op": "Add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "2"},
            {"op": "Add", "path": "name.formatted", "value": "A B"},
            {"op": "Add", "path": "preferredLanguage", "value": "en-US"},
            {"op": "Add", "path": "externalId", "value": "alice"},
            {"op": "Add", "path": format!("{EXT}:employeeNumber"), "value": "7"}
        ]),
    );
    assert!(out.ignored.is_empty());
    assert_eq!(
        doc["emails"],
        json!([{"type": "other", "value": "a@proxy"}])
    );
    assert_eq!(
        doc["addresses"],
        json!([{"type": "other", "formatted": "B40"},
               {"type": "work", "streetAddress": "1 Main St", "locality": "Redmond"}])
    );
    assert_eq!(
        doc["phoneNumbers"],
        json!([{"type": "work", "value": "1"}, {"type": "fax", "value": "2"}])
    );
    assert_eq!(doc["name"]["formatted"], "A B");
}

// ---- Entra: EN-6 disable --------------------------------------------------

#[test]
fn entra_en6_all_four_disable_forms() {
    for (op, value) in [
        ("Replace", json!("False")),
        ("replace", json!(false)),
        ("Replace", json!(false)),
        ("replace", json!("False")),
    ] {
        let (doc, _) = run(
            User,
            alice(),
            json!([{"op": op, "path": "active", "value": value}]),
        );
        assert_eq!(doc["active"], false, "{op} {value}");
        let (doc, _) = run(
            User,
            doc,
            json!([{"op": op, "path": "active", "value": if value.is_string() { json!("True") } else { json!(true) }}]),
        );
        assert_eq!(doc["active"], true);
    }
}

#[test]
fn entra_en6_disable_bundled_with_an_unmapped_attribute() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User:badge", "value": "7"},
            {"op": "Replace", "path": "displayName", "value": "Alice (left)"},
            {"op": "Replace", "path": "active", "value": "False"}
        ]),
    );
    assert_eq!(doc["active"], false);
    assert_eq!(doc["displayName"], "Alice (left)");
    assert_eq!(out.ignored.len(), 1);
}

// ---- Entra: EN-7 manager --------------------------------------------------

#[test]
fn entra_en7_manager_forms_in_sequence() {
    let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    let steps = [
        (
            json!({"op": "Add", "path": path, "value": "mgr1"}),
            json!({"value": "mgr1"}),
        ),
        (
            json!({"op": "replace", "path": path, "value": "mgr2"}),
            json!({"value": "mgr2"}),
        ),
        (
            json!({"op": "replace", "path": path, "value": ""}),
            Value::Null,
        ),
        (
            json!({"op": "Add", "path": "manager", "value": [{"$ref": "http://x/Users/m3", "value": "m3"}]}),
            json!({"$ref": "http://x/Users/m3", "value": "m3"}),
        ),
        (
            json!({"op": "replace", "path": path, "value": {"value": ""}}),
            Value::Null,
        ),
    ];
    let mut doc = alice();
    for (op, want) in steps {
        let (d, _) = run(User, doc, json!([op.clone()]));
        doc = d;
        assert_eq!(
            doc[EXT].get("manager").cloned().unwrap_or(Value::Null),
            want,
            "{op}"
        );
    }
    assert_eq!(doc, alice());
}

// ---- Entra: groups --------------------------------------------------------

#[test]
fn entra_en12_rename_both_dialects() {
    let (doc, _) = run(
        Group,
        group(),
        json!([{"op": "Replace", "path": "displayName", "value": "New name"}]),
    );
    assert_eq!(doc["displayName"], "New name");
    let (doc, _) = run(
        Group,
        group(),
        json!([
            {"op": "replace", "value": {"displayName": "New name"}},
            {"op": "replace", "value": {"externalId": "e2"}}
        ]),
    );
    assert_eq!(doc, json!({"displayName": "New name", "externalId": "e2"}));
}

#[test]
fn entra_en13_add_members_with_null_ref() {
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "Add", "path": "members",
                "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}, {"$ref": null, "value": "a1b2"}]}]),
    );
    assert_eq!(
        out.members,
        vec![MemberOp::Add(vec![
            member("f648f8d5ea4e4cd38e9c", None),
            member("a1b2", None)
        ])]
    );
    // The web validator adds with replace.
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "replace", "path": "members", "value": [{"value": "u1"}]}]),
    );
    assert_eq!(
        out.members,
        vec![MemberOp::Replace(vec![member("u1", None)])]
    );
}

#[test]
fn entra_en14_remove_members_both_dialects() {
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}]),
    );
    assert_eq!(out.members, vec![MemberOp::Remove(ids(&["u1091"]))]);
    let (_, out) = run(
        Group,
        group(),
        json!([{"op": "remove", "path": "members[value eq \"7f4b\"]"}]),
    );
    assert_eq!(out.members, vec![MemberOp::Remove(ids(&["7f4b"]))]);
    let (_, out) = run(Group, group(), json!([{"op": "remove", "path": "members"}]));
    assert_eq!(out.members, vec![MemberOp::RemoveAll]);
    // Preview validator: add then remove of the same member leaves it absent,
    // so the order must survive.
    let (_, out) = run(
        Group,
        group(),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}]},
            {"op": "remove", "path": "members[value eq \"u1\"]"}
        ]),
    );
    assert_eq!(
        out.members,
        vec![
            MemberOp::Add(vec![member("u1", None)]),
            MemberOp::Remove(ids(&["u1"]))
        ]
    );
}

// ---- Entra: §4 table, roles, remove with value ----------------------------

#[test]
fn entra_add_single_valued_string_both_dialects() {
    for op in ["Add", "add"] {
        let (doc, _) = run(
            User,
            alice(),
            json!([{"op": op, "path": "nickName", "value": "Babs"}]),
        );
        assert_eq!(doc["nickName"], "Babs");
    }
}

#[test]
fn entra_remove_with_the_current_value() {
    let ops =
        |v: &str| json!([{"op": "Remove", "path": "emails[type eq \"work\"].value", "value": v}]);
    let (doc, _) = run(User, alice(), ops("old@x"));
    assert_eq!(doc, alice());
    let (doc, _) = run(User, alice(), ops("alice@contoso.com"));
    assert!(doc.get("emails").is_none());
}

#[test]
fn entra_roles() {
    // SingleAppRoleAssignment (idp-wire §8.3).
    let (doc, _) = run(
        User,
        json!({"userName": "a", "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}),
        json!([{"op": "Replace", "path": "roles[primary eq \"True\"].value", "value": "Editor"}]),
    );
    assert_eq!(
        doc["roles"],
        json!([{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Editor"}])
    );
    // AppRoleAssignmentsComplex, legacy: JSON-encoded strings, add only.
    let add = json!([{"op": "Add", "path": "roles", "value": [
        {"value": "{\"id\":\"8c3c\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}
    ]}]);
    let (doc, _) = run(User, json!({"userName": "a"}), add.clone());
    assert_eq!(
        doc["roles"],
        json!([{"value": "Admin", "display": "Admin"}])
    );
    let (again, out) = run(User, doc.clone(), add);
    assert_eq!(again, doc);
    assert!(!out.changed);
    // AssertiveAppRoleAssignmentsComplex: replace all.
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "replace", "path": "roles", "value": [
            {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "display": "Reader", "value": "Reader"}
        ]}]),
    );
    assert_eq!(
        doc["roles"],
        json!([{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "display": "Reader", "value": "Reader"}])
    );
}
