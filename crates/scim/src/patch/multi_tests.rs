//! Multi-valued attributes, `primary` and empty values (RFC 7644 §3.5.2).

use serde_json::json;

use super::tests::{EXT, alice, run};
use crate::schema::ResourceKind::User;

// ---- multi-valued ---------------------------------------------------------

#[test]
fn add_merges_without_duplicates() {
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "alice@contoso.com", "type": "work"},
            {"value": "ALICE@contoso.com", "type": "work"},
            {"value": "a@home", "type": "home"}
        ]}]),
    );
    assert_eq!(
        doc["emails"],
        json!([
            {"value": "alice@contoso.com", "type": "work", "primary": true},
            {"value": "a@home", "type": "home"}
        ])
    );
    assert!(out.changed);
    let (_, out) = run(
        User,
        alice(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "alice@contoso.com", "type": "work", "primary": true}]}]),
    );
    assert!(!out.changed);
    // Adding nothing changes nothing.
    let (doc, _) = run(
        User,
        alice(),
        json!([{"op": "add", "path": "emails", "value": []}]),
    );
    assert_eq!(doc, alice());
}

#[test]
fn replace_of_a_whole_multi_valued_attribute() {
    let (doc, _) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "emails", "value": [{"value": "z@x", "type": "home"}]}]),
    );
    assert_eq!(doc["emails"], json!([{"value": "z@x", "type": "home"}]));
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "replace", "path": "emails", "value": []}]),
    );
    assert!(doc.get("emails").is_none());
}

#[test]
fn remove_with_a_filter_removes_only_matching_elements() {
    let doc = json!({"userName": "a", "emails": [
        {"value": "w@x", "type": "work"}, {"value": "h@x", "type": "home"}, {"value": "o@x", "type": "other"}
    ]});
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "remove", "path": "emails[type eq \"home\" or value ew \"o@x\"]"}]),
    );
    assert_eq!(doc["emails"], json!([{"value": "w@x", "type": "work"}]));
    let (doc, _) = run(User, doc, json!([{"op": "remove", "path": "emails"}]));
    assert_eq!(doc, json!({"userName": "a"}));
}

#[test]
fn remove_with_a_value_removes_only_what_matches() {
    let doc = json!({"userName": "a", "roles": [{"value": "Admin"}, {"value": "Editor"}]});
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "remove", "path": "roles", "value": [{"value": "admin"}, {"value": "Nope"}]}]),
    );
    assert_eq!(doc["roles"], json!([{"value": "Editor"}]));
    // An empty list removes nothing, never everything.
    let (after, _) = run(
        User,
        doc.clone(),
        json!([{"op": "remove", "path": "roles", "value": []}]),
    );
    assert_eq!(after, doc);
    let (after, _) = run(
        User,
        alice(),
        json!([
            {"op": "remove", "path": "title", "value": "x"},
            {"op": "remove", "path": "displayName", "value": "Bob"},
            {"op": "remove", "path": "userName", "value": "ALICE@contoso.com"}
        ]),
    );
    assert!(after.get("userName").is_none());
    assert_eq!(after["displayName"], "Alice Jones");
    let (after, _) = run(
        User,
        alice(),
        json!([{"op": "remove", "path": "emails[type eq \"work\"]", "value": {"value": "other@x"}}]),
    );
    assert_eq!(after, alice());
}

#[test]
fn primary_stays_unique() {
    let doc = json!({"userName": "a", "emails": [
        {"value": "w@x", "type": "work", "primary": true}, {"value": "h@x", "type": "home"}
    ]});
    let (d, _) = run(
        User,
        doc.clone(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}]),
    );
    assert_eq!(
        d["emails"],
        json!([{"value": "w@x", "type": "work", "primary": false},
               {"value": "h@x", "type": "home", "primary": true}])
    );
    let (d, _) = run(
        User,
        doc.clone(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "n@x", "primary": true}]}]),
    );
    assert_eq!(d["emails"][0]["primary"], false);
    assert_eq!(d["emails"][2]["primary"], true);
    // Re-adding an existing element as primary moves primary to it.
    let (d, _) = run(
        User,
        doc.clone(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "h@x", "type": "home", "primary": true}]}]),
    );
    assert_eq!(d["emails"][0]["primary"], false);
    assert_eq!(d["emails"][1]["primary"], true);
    // A filtered add of a whole element carrying primary.
    let (d, _) = run(
        User,
        doc,
        json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"primary": true}}]),
    );
    assert_eq!(d["emails"][0]["primary"], false);
    assert_eq!(
        d["emails"][1],
        json!({"value": "h@x", "type": "home", "primary": true})
    );
}

// ---- empty values ---------------------------------------------------------

#[test]
fn empty_values_remove() {
    let mut doc = alice();
    doc[EXT]["manager"] = json!({"value": "m1"});
    for v in [json!(""), json!(null), json!({"value": ""}), json!([])] {
        let (d, _) = run(
            User,
            doc.clone(),
            json!([
                {"op": "replace", "path": format!("{EXT}:manager"), "value": v},
                {"op": "replace", "path": "displayName", "value": ""},
                {"op": "add", "path": "title", "value": null}
            ]),
        );
        assert!(d[EXT].get("manager").is_none(), "{v}");
        assert!(d.get("displayName").is_none());
    }
    // Clearing the value of a typed element drops the element.
    let (d, _) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": ""}]),
    );
    assert!(d.get("emails").is_none());
    let (d, _) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "phoneNumbers[type eq \"work\"]", "value": null}]),
    );
    assert!(d.get("phoneNumbers").is_none());
}

#[test]
fn a_new_manager_drops_the_old_reference() {
    let mut doc = alice();
    doc[EXT]["manager"] = json!({"value": "m1", "$ref": "https://x/Users/m1"});
    let (d, _) = run(
        User,
        doc.clone(),
        json!([{"op": "replace", "path": format!("{EXT}:manager"), "value": {"value": "m2"}}]),
    );
    assert_eq!(d[EXT]["manager"], json!({"value": "m2"}));
    let (d, _) = run(
        User,
        doc.clone(),
        json!([{"op": "replace", "path": format!("{EXT}:manager.value"), "value": "m3"}]),
    );
    assert_eq!(d[EXT]["manager"], json!({"value": "m3"}));
    // The same value keeps the rest.
    let (d, out) = run(
        User,
        doc.clone(),
        json!([{"op": "replace", "path": "manager.value", "value": "m1"}]),
    );
    assert_eq!(d, doc);
    assert!(!out.changed);
    // Entra's remove with the current manager id.
    let (d, _) = run(
        User,
        doc.clone(),
        json!([{"op": "remove", "path": "manager", "value": "m2"}]),
    );
    assert_eq!(d, doc);
    let (d, _) = run(
        User,
        doc,
        json!([{"op": "remove", "path": "manager", "value": "m1"}]),
    );
    assert!(d[EXT].get("manager").is_none());
}
