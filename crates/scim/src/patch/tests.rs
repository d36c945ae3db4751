//! PATCH engine semantics, rule by rule (RFC 7644 §3.5.2 and the decisions
//! in `mod.rs`). The IdPs' own bodies are in `idp_tests.rs`.

use serde_json::{Value, json};

use super::doc::check_immutable;
use super::*;
use crate::ScimType;
use crate::schema::ResourceKind::User;

pub(super) const EXT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(super) fn body(ops: Value) -> Value {
    let mut body = json!({"schemas": [PATCH_OP_SCHEMA]});
    body["Operations"] = ops;
    body
}

pub(super) fn run(kind: ResourceKind, doc: Value, ops: Value) -> (Value, Outcome) {
    let request = PatchRequest::parse(body(ops)).unwrap();
    let mut doc = doc;
    let outcome = apply(kind, &mut doc, &request).unwrap();
    (doc, outcome)
}

/// Applies `ops`, expects an error, and checks `doc` is untouched.
pub(super) fn fail(kind: ResourceKind, doc: &Value, ops: Value) -> Error {
    let request = match PatchRequest::parse(body(ops)) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut copy = doc.clone();
    let e = apply(kind, &mut copy, &request).unwrap_err();
    assert_eq!(
        &copy, doc,
        "a failed PATCH must leave the document as it was"
    );
    e
}

fn parse_err(body: Value) -> Error {
    PatchRequest::parse(body).unwrap_err()
}

pub(super) fn alice() -> Value {
    json!({
        "userName": "alice@contoso.com",
        "active": true,
        "displayName": "Alice Jones",
        "name": {"givenName": "Alice", "familyName": "Jones"},
        "emails": [{"value": "alice@contoso.com", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+1 425 555 0100", "type": "work", "primary": true}],
        EXT: {"employeeNumber": "701984", "department": "Tour Ops"}
    })
}

// ---- envelope -------------------------------------------------------------

#[test]
fn schemas_must_name_patch_op() {
    for b in [
        json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
               "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": PATCH_OP_SCHEMA, "Operations": []}),
        json!([]),
    ] {
        let e = parse_err(b);
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidSyntax))
        );
    }
}

#[test]
fn operations_must_be_a_non_empty_array_under_any_case() {
    for ops in [json!(null), json!([]), json!({"op": "add"})] {
        let e = parse_err(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops}));
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax), "{ops}");
    }
    let e = parse_err(json!({"schemas": [PATCH_OP_SCHEMA]}));
    assert_eq!(e.detail, "a PATCH body must have \"Operations\"");
    let r = PatchRequest::parse(json!({
        "schemas": [PATCH_OP_SCHEMA],
        "operations": [{"op": "replace", "path": "title", "value": "x"}]
    }))
    .unwrap();
    assert_eq!(r.len(), 1);
    assert!(!r.is_empty());
}

#[test]
fn the_number_of_operations_is_capped() {
    let one = json!({"op": "replace", "path": "title", "value": "x"});
    let ok = PatchRequest::parse(body(Value::Array(vec![one.clone(); MAX_OPERATIONS]))).unwrap();
    assert_eq!(ok.len(), MAX_OPERATIONS);
    let e = parse_err(body(Value::Array(vec![one; MAX_OPERATIONS + 1])));
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
    assert!(e.detail.contains("at most 2000 operations"), "{}", e.detail);
}

#[test]
fn op_is_case_insensitive_and_must_be_known() {
    let (doc, _) = run(
        User,
        alice(),
        json!([
            {"op": "Add", "path": "nickName", "value": "Al"},
            {"op": "REPLACE", "path": "title", "value": "Boss"},
            {"op": "Remove", "path": "displayName"}
        ]),
    );
    assert_eq!(doc["nickName"], "Al");
    assert_eq!(doc["title"], "Boss");
    assert!(doc.get("displayName").is_none());
    let e = parse_err(body(json!([{"op": "move", "path": "title"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert_eq!(
        e.detail,
        "unknown op \"move\"; expected \"add\", \"replace\" or \"remove\" (operation 1)"
    );
    let e = parse_err(body(json!([{"path": "title", "value": "x"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
}

#[test]
fn debug_output_never_shows_values() {
    let r = PatchRequest::parse(body(
        json!([{"op": "replace", "path": "password", "value": "s3cret"}]),
    ))
    .unwrap();
    let shown = format!("{r:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("password"), "{shown}");
}

#[test]
fn remove_needs_a_path_and_add_a_value() {
    let e = parse_err(body(json!([{"op": "remove"}])));
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
    let e = parse_err(body(json!([{"op": "add", "path": "title"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert_eq!(
        e.detail,
        "a \"add\" operation needs a \"value\" (operation 1)"
    );
    let e = parse_err(body(json!([{"op": "replace", "value": "x"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = parse_err(body(json!([{"op": "replace", "path": 3, "value": "x"}])));
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn malformed_paths_are_refused_at_parse() {
    let e = parse_err(body(
        json!([{"op": "replace", "path": "na me", "value": "x"}]),
    ));
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    let e = parse_err(body(
        json!([{"op": "replace", "path": "emails[type eqq \"work\"].value", "value": "x"}]),
    ));
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    // A pathless key that is no attribute path is invalidPath too.
    let e = fail(
        User,
        &alice(),
        json!([{"op": "replace", "value": {"a b": 1}}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
}

// ---- paths ----------------------------------------------------------------

#[test]
fn simple_attributes() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "title", "value": "Engineer"},
            {"op": "add", "path": "active", "value": false},
            {"op": "replace", "path": "externalId", "value": "00u1"}
        ]),
    );
    assert_eq!(doc["title"], "Engineer");
    assert_eq!(doc["active"], false);
    assert_eq!(doc["externalId"], "00u1");
    assert!(out.changed && out.ignored.is_empty() && out.members.is_empty());
}

#[test]
fn sub_attributes_of_a_single_complex_attribute() {
    let (doc, _) = run(
        User,
        json!({"userName": "a"}),
        json!([{"op": "add", "path": "name.givenName", "value": "Ann"}]),
    );
    assert_eq!(doc["name"], json!({"givenName": "Ann"}));
    let (doc, _) = run(
        User,
        doc,
        json!([
            {"op": "replace", "path": "name.familyName", "value": "Lee"},
            {"op": "remove", "path": "name.givenName"}
        ]),
    );
    assert_eq!(doc["name"], json!({"familyName": "Lee"}));
    // Removing the last sub-attribute leaves `name` unassigned.
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "remove", "path": "name.familyName"}]),
    );
    assert_eq!(doc, json!({"userName": "a"}));
}

#[test]
fn replacing_a_complex_attribute_merges_its_sub_attributes() {
    // RFC 7644 §3.5.2.3: sub-attributes not given are left unchanged; "" clears.
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "name",
                "value": {"givenName": "Al", "middleName": "", "nickname": "x"}}]),
    );
    assert_eq!(
        doc["name"],
        json!({"givenName": "Al", "familyName": "Jones"})
    );
    assert_eq!(out.ignored, vec!["name.nickname"]);
    let e = fail(
        User,
        &alice(),
        json!([{"op": "replace", "path": "name", "value": 3}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn extension_attributes_by_urn_path() {
    let (doc, _) = run(
        User,
        json!({"userName": "a"}),
        json!([
            {"op": "add", "path": format!("{EXT}:department"), "value": "Sales"},
            {"op": "replace", "path": format!("{EXT}:manager"), "value": "m1"}
        ]),
    );
    assert_eq!(
        doc[EXT],
        json!({"department": "Sales", "manager": {"value": "m1"}})
    );
    // The extension object disappears with its last attribute.
    let (doc, _) = run(
        User,
        doc,
        json!([
            {"op": "remove", "path": format!("{EXT}:department")},
            {"op": "remove", "path": format!("{EXT}:manager")}
        ]),
    );
    assert_eq!(doc, json!({"userName": "a"}));
}

#[test]
fn attribute_names_are_case_insensitive() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "Name.GivenName", "value": "Al"},
            {"op": "replace", "path": "EMAILS[TYPE eq \"work\"].Value", "value": "al@x"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department", "value": "Ops"},
            {"op": "replace", "path": "DisplayName", "value": "Al J"}
        ]),
    );
    assert!(out.ignored.is_empty());
    assert_eq!(doc["name"]["givenName"], "Al");
    assert_eq!(doc["emails"][0]["value"], "al@x");
    assert_eq!(doc[EXT]["department"], "Ops");
    assert_eq!(doc["displayName"], "Al J");
}

#[test]
fn value_filter_with_sub_attribute_replaces_the_matching_element() {
    let (doc, _) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@x"}]),
    );
    assert_eq!(
        doc["emails"],
        json!([{"value": "new@x", "type": "work", "primary": true}])
    );
}

#[test]
fn value_filter_matching_nothing_is_an_upsert() {
    let (doc, _) = run(
        User,
        alice(),
        json!([
            {"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
            {"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
            {"op": "replace", "path": "roles[primary eq \"True\"].value", "value": "Admin"},
            {"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x"}}
        ]),
    );
    assert_eq!(
        doc["phoneNumbers"][1],
        json!({"type": "mobile", "value": "+1 555"})
    );
    assert_eq!(
        doc["addresses"],
        json!([{"type": "work", "streetAddress": "1 Main St"}])
    );
    assert_eq!(doc["roles"], json!([{"primary": true, "value": "Admin"}]));
    assert_eq!(doc["emails"][1], json!({"type": "home", "value": "h@x"}));
    // Sending the same again finds the elements instead of adding twins.
    let (again, out) = run(
        User,
        doc.clone(),
        json!([
            {"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
            {"op": "replace", "path": "roles[primary eq \"True\"].value", "value": "Admin"},
            {"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x"}}
        ]),
    );
    assert_eq!(again, doc);
    assert!(!out.changed);
}

#[test]
fn an_upsert_needs_a_filter_made_of_eq_and_and() {
    for path in [
        "phoneNumbers[type eq \"mobile\" or type eq \"fax\"].value",
        "phoneNumbers[type ne \"work\"].value",
        "phoneNumbers[type eq \"a\" and type eq \"b\"].value",
    ] {
        let e = fail(
            User,
            &alice(),
            json!([{"op": "replace", "path": path, "value": "1"}]),
        );
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::NoTarget)),
            "{path}"
        );
    }
    // An upsert with an empty value has nothing to create.
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "phoneNumbers[type ne \"work\"].value", "value": ""}]),
    );
    assert_eq!(doc, alice());
    assert!(!out.changed);
}

#[test]
fn remove_with_a_filter_matching_nothing_is_a_no_op() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "remove", "path": "phoneNumbers[type eq \"fax\"].value"},
            {"op": "remove", "path": "addresses[type eq \"work\"]"}
        ]),
    );
    assert_eq!(doc, alice());
    assert!(!out.changed);
}

#[test]
fn a_value_filter_needs_a_multi_valued_attribute() {
    let e = fail(
        User,
        &alice(),
        json!([{"op": "replace", "path": "name[givenName eq \"x\"].familyName", "value": "y"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    let e = fail(
        User,
        &alice(),
        json!([{"op": "replace", "path": "emails[nope eq \"x\"].value", "value": "y"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
}

#[test]
fn a_sub_attribute_without_filter_applies_to_every_element() {
    let doc =
        json!({"userName": "a", "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x"}]});
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "replace", "path": "emails.type", "value": "other"}]),
    );
    assert_eq!(
        doc["emails"],
        json!([{"value": "a@x", "type": "other"}, {"value": "b@x", "type": "other"}])
    );
    let (doc, _) = run(User, doc, json!([{"op": "remove", "path": "emails.value"}]));
    assert!(doc.get("emails").is_none());
    let (doc, _) = run(
        User,
        doc,
        json!([{"op": "add", "path": "emails.value", "value": "c@x"}]),
    );
    assert_eq!(doc["emails"], json!([{"value": "c@x"}]));
}

// ---- without path ---------------------------------------------------------

#[test]
fn pathless_values_take_names_dotted_paths_urns_and_extension_objects() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "value": {
                "displayName": "AJ",
                "name.givenName": "A",
                format!("{EXT}:employeeNumber"): "9",
                EXT: {"costCenter": "CC1", "manager": {"value": "m1"}},
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]
            }},
            {"op": "add", "value": {"nickName": "Al", "emails": [{"value": "h@x", "type": "home"}]}}
        ]),
    );
    assert_eq!(doc["displayName"], "AJ");
    assert_eq!(
        doc["name"],
        json!({"givenName": "A", "familyName": "Jones"})
    );
    assert_eq!(
        doc[EXT],
        json!({"employeeNumber": "9", "department": "Tour Ops", "costCenter": "CC1",
               "manager": {"value": "m1"}})
    );
    assert_eq!(doc["nickName"], "Al");
    assert_eq!(doc["emails"].as_array().unwrap().len(), 2);
    assert_eq!(out.ignored, vec!["schemas"]);
}

#[test]
fn whole_extension_by_path() {
    let (doc, _) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": EXT, "value": {"division": "D"}}]),
    );
    assert_eq!(
        doc[EXT],
        json!({"employeeNumber": "701984", "department": "Tour Ops", "division": "D"})
    );
    let (doc, _) = run(User, doc, json!([{"op": "remove", "path": EXT}]));
    assert!(doc.get(EXT).is_none());
    let e = fail(
        User,
        &alice(),
        json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    let e = fail(
        User,
        &alice(),
        json!([{"op": "replace", "path": EXT, "value": 3}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    // Core URN with an object: the resource's own attributes.
    let (doc, _) = run(
        User,
        alice(),
        json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User",
                "value": {"title": "T"}}]),
    );
    assert_eq!(doc["title"], "T");
}

// ---- unknown, readOnly, password, immutable -------------------------------

#[test]
fn unknown_attributes_are_ignored_and_the_rest_applied() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "Replace", "path": "favouriteColour", "value": "blue"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale", "value": "en"},
            {"op": "replace", "path": "name.nickname", "value": "x"},
            {"op": "replace", "path": "emails[type eq \"work\"].label", "value": "x"},
            {"op": "remove", "path": "shoeSize"},
            {"op": "replace", "value": {"costume": "x", "active": "False"}},
            {"op": "Replace", "path": "active", "value": "False"}
        ]),
    );
    assert_eq!(doc["active"], false);
    assert_eq!(
        out.ignored,
        vec![
            "favouriteColour",
            "urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale",
            "name.nickname",
            "emails[type eq \"work\"].label",
            "shoeSize",
            "costume"
        ]
    );
}

#[test]
fn read_only_attributes_are_ignored() {
    let (doc, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "id", "value": "x"},
            {"op": "replace", "path": "meta.lastModified", "value": "2020-01-01T00:00:00Z"},
            {"op": "add", "path": "groups", "value": [{"value": "g1"}]},
            {"op": "replace", "path": "manager.displayName", "value": "Boss"},
            {"op": "replace", "value": {"id": "x", "meta": {"resourceType": "User"}}}
        ]),
    );
    assert_eq!(doc, alice());
    assert!(!out.changed);
    assert_eq!(
        out.ignored,
        vec![
            "id",
            "meta.lastModified",
            "groups",
            "manager.displayName",
            "id",
            "meta"
        ]
    );
}

#[test]
fn password_is_reported_never_stored() {
    let (doc, out) = run(
        User,
        alice(),
        json!([{"op": "replace", "value": {"password": "t1meMa$heen"}}]),
    );
    assert_eq!(doc, alice());
    assert!(out.password_supplied && !out.changed);
    let (_, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "password", "value": ""},
            {"op": "remove", "path": "password"}
        ]),
    );
    assert!(!out.password_supplied);
    assert_eq!(out.ignored, vec!["password"]);
    let e = fail(
        User,
        &alice(),
        json!([{"op": "replace", "path": "password", "value": 5}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(!e.detail.contains('5'), "{}", e.detail);
}

#[test]
fn immutable_values_may_be_set_once_but_not_changed() {
    let text = "x";
    assert!(check_immutable(None, Some(&json!("a")), text).is_ok());
    assert!(check_immutable(Some(&json!("a")), Some(&json!("a")), text).is_ok());
    assert!(check_immutable(Some(&Value::Null), Some(&json!("a")), text).is_ok());
    let e = check_immutable(Some(&json!("a")), Some(&json!("b")), text).unwrap_err();
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::Mutability)));
    let e = check_immutable(Some(&json!("a")), None, text).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
}

// ---- errors, atomicity, changed -------------------------------------------

#[test]
fn a_type_error_fails_the_whole_patch_naming_the_path() {
    let e = fail(
        User,
        &alice(),
        json!([
            {"op": "replace", "path": "title", "value": "Boss"},
            {"op": "replace", "path": "active", "value": "maybe"}
        ]),
    );
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
    assert_eq!(
        e.detail,
        "\"active\" must be a boolean (got \"maybe\") (operation 2 of 2: replace \"active\")"
    );
    let e = fail(
        User,
        &alice(),
        json!([{"op": "add", "value": {"emails": [{"value": "a", "primary": "yes"}]}}]),
    );
    assert!(
        e.detail.ends_with("(operation 1 of 1: add without path)"),
        "{}",
        e.detail
    );
}

#[test]
fn changed_is_false_when_nothing_changed() {
    let (_, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "displayName", "value": "Alice Jones"},
            {"op": "replace", "value": {"active": true, "name.givenName": "Alice"}},
            {"op": "add", "path": "emails[type eq \"work\"].value", "value": "alice@contoso.com"}
        ]),
    );
    assert!(!out.changed);
    // A change undone within the same request is no change either.
    let (_, out) = run(
        User,
        alice(),
        json!([
            {"op": "replace", "path": "title", "value": "X"},
            {"op": "remove", "path": "title"}
        ]),
    );
    assert!(!out.changed);
}

#[test]
fn a_stored_document_must_be_an_object() {
    let request =
        PatchRequest::parse(body(json!([{"op": "add", "path": "title", "value": "x"}]))).unwrap();
    let e = apply(User, &mut json!([]), &request).unwrap_err();
    assert_eq!(e.status, 500);
}
