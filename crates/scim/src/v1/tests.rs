use serde_json::{Value, json};

use super::*;
use crate::filter::Filter;
use crate::patch::{self, MemberOp, PatchRequest};
use crate::resource::{self, Mode};
use crate::schema::ResourceKind::{Group, User};

const BASES: Bases<'static> = Bases {
    v2: "https://gw.example.com/scim/v2",
    v1: "https://gw.example.com/scim/v1",
};

/// Every attribute of the 1.1 core User and enterprise extension
/// (draft-scim-core-schema-01 §6, §10), as Okta's 1.1 template may send them.
fn v1_user() -> Value {
    json!({
        "schemas": [CORE_URN, ENTERPRISE_URN],
        "externalId": "00u1ab",
        "userName": "ada@example.com",
        "name": {"formatted": "Ms. Ada M. Lovelace III", "familyName": "Lovelace", "givenName": "Ada",
                 "middleName": "M.", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
        "displayName": "Ada Lovelace",
        "nickName": "Ada",
        "profileUrl": "https://example.com/ada",
        "title": "Analyst",
        "userType": "Employee",
        "preferredLanguage": "en-GB",
        "locale": "en-GB",
        "timezone": "Europe/London",
        "active": true,
        "password": "t1meMa$heen",
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true, "display": "ada"}],
        "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
        "ims": [{"value": "ada_l", "type": "xmpp"}],
        "photos": [{"value": "https://example.com/ada.png", "type": "photo"}],
        "addresses": [{"type": "work", "streetAddress": "1 Analytical Row", "locality": "London",
                       "region": "LDN", "postalCode": "N1", "country": "GB",
                       "formatted": "1 Analytical Row\nLondon N1 GB", "primary": true}],
        "entitlements": [{"value": "engine"}],
        "roles": [{"value": "mathematician"}],
        "x509Certificates": [{"value": "MIIC"}],
        ENTERPRISE_URN: {
            "employeeNumber": "1815", "costCenter": "CC-1", "organization": "Engines",
            "division": "R&D", "department": "Maths",
            "manager": {"managerId": "0190b2c4-0000-7000-8000-000000000001", "displayName": "Charles"}
        },
        "meta": {"created": "2011-08-01T18:29:49.793Z"}
    })
}

/// The same user in 2.0 (RFC 7643 §4.1, §4.3).
fn v2_user() -> Value {
    let mut v = v1_user();
    let m = v.as_object_mut().unwrap();
    m.remove("meta");
    m.insert("schemas".into(), json!([USER_URN, ENTERPRISE_USER_URN]));
    let mut ext = m.remove(ENTERPRISE_URN).unwrap();
    ext["manager"] =
        json!({"value": "0190b2c4-0000-7000-8000-000000000001", "displayName": "Charles"});
    m.insert(ENTERPRISE_USER_URN.into(), ext);
    v
}

#[test]
fn a_v1_user_maps_to_the_v2_user_attribute_for_attribute() {
    assert_eq!(resource_to_v2(User, v1_user()), v2_user());
    // And the 2.0 validator takes it: the manager's id and the extension survive.
    let incoming =
        resource::from_request(User, resource_to_v2(User, v1_user()), Mode::Create).unwrap();
    assert_eq!(
        incoming.doc[ENTERPRISE_USER_URN]["manager"]["value"],
        "0190b2c4-0000-7000-8000-000000000001"
    );
    assert_eq!(incoming.doc["addresses"][0]["locality"], "London");
}

#[test]
fn a_rendered_v2_user_maps_back_to_v1() {
    let mut rendered = v2_user();
    let m = rendered.as_object_mut().unwrap();
    m.remove("password");
    m.insert("id".into(), json!("0190b2c4-0000-7000-8000-0000000000aa"));
    m.insert("groups".into(), json!([{"value": "g1", "$ref": format!("{}/Groups/g1", BASES.v2), "display": "Eng", "type": "direct"}]));
    m.insert("meta".into(), json!({
        "resourceType": "User", "created": "2026-01-01T00:00:00Z", "lastModified": "2026-01-02T00:00:00Z",
        "location": format!("{}/Users/0190b2c4-0000-7000-8000-0000000000aa", BASES.v2), "version": "W/\"3\""
    }));
    m[ENTERPRISE_USER_URN]["manager"]["$ref"] = json!(format!("{}/Users/x", BASES.v2));
    let v1 = response_from_v2(rendered, BASES);

    let mut expected = v1_user();
    let e = expected.as_object_mut().unwrap();
    e.remove("password");
    e.insert("id".into(), json!("0190b2c4-0000-7000-8000-0000000000aa"));
    e.insert(
        "groups".into(),
        json!([{"value": "g1", "display": "Eng", "type": "direct"}]),
    );
    e.insert("meta".into(), json!({
        "created": "2026-01-01T00:00:00Z", "lastModified": "2026-01-02T00:00:00Z",
        "location": format!("{}/Users/0190b2c4-0000-7000-8000-0000000000aa", BASES.v1), "version": "W/\"3\""
    }));
    assert_eq!(v1, expected);
}

#[test]
fn groups_map_both_ways() {
    let v1 = json!({"schemas": [CORE_URN], "displayName": "Eng", "externalId": "00g1",
        "members": [{"value": "u1", "display": "Ada"}]});
    let v2 = resource_to_v2(Group, v1.clone());
    assert_eq!(v2["schemas"], json!([GROUP_URN]));
    assert_eq!(v2["members"], v1["members"]);
    let rendered = json!({"schemas": [GROUP_URN], "id": "g", "displayName": "Eng", "externalId": "00g1",
        "members": [{"value": "u1", "display": "Ada", "type": "User", "$ref": format!("{}/Users/u1", BASES.v2)}],
        "meta": {"resourceType": "Group", "location": format!("{}/Groups/g", BASES.v2)}});
    let back = response_from_v2(rendered, BASES);
    assert_eq!(back["schemas"], json!([CORE_URN]));
    assert_eq!(
        back["members"],
        json!([{"value": "u1", "display": "Ada", "type": "User"}])
    );
    assert_eq!(
        back["meta"],
        json!({"location": format!("{}/Groups/g", BASES.v1)})
    );
}

#[test]
fn lists_and_errors_take_the_v1_envelopes() {
    let list = serde_json::to_value(crate::ListResponse::new(
        vec![json!({"schemas": [USER_URN], "id": "u", "userName": "a"})],
        7,
        3,
    ))
    .unwrap();
    let v1 = response_from_v2(list, BASES);
    assert_eq!(v1["schemas"], json!([CORE_URN]));
    assert_eq!(
        (v1["totalResults"].as_u64(), v1["startIndex"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(v1["Resources"][0]["schemas"], json!([CORE_URN]));

    let err = serde_json::to_value(crate::Error::bad_request(
        crate::ScimType::InvalidFilter,
        "bad",
    ))
    .unwrap();
    assert_eq!(
        response_from_v2(err, BASES),
        json!({"Errors": [{"description": "bad", "code": "400"}]})
    );
    // A document that is already 1.1 passes unchanged.
    let doc = json!({"schemas": [CORE_URN], "patch": {"supported": true}});
    assert_eq!(response_from_v2(doc.clone(), BASES), doc);
}

#[test]
fn attribute_names_map_to_v2() {
    assert_eq!(attribute_to_v2("userName"), "userName");
    assert_eq!(
        attribute_to_v2("urn:scim:schemas:core:1.0:userName"),
        "userName"
    );
    assert_eq!(attribute_to_v2("name.familyName"), "name.familyName");
    assert_eq!(
        attribute_to_v2("urn:scim:schemas:extension:enterprise:1.0.employeeNumber"),
        format!("{ENTERPRISE_USER_URN}:employeeNumber")
    );
    assert_eq!(
        attribute_to_v2("urn:scim:schemas:extension:enterprise:1.0:manager.managerId"),
        format!("{ENTERPRISE_USER_URN}:manager.value")
    );
    // Not a 1.1 URN followed by a separator: left for the 2.0 checker to judge.
    assert_eq!(
        attribute_to_v2("urn:scim:schemas:core:1.0x"),
        "urn:scim:schemas:core:1.0x"
    );
    assert_eq!(
        attribute_list_to_v2("userName, urn:scim:schemas:extension:enterprise:1.0:department"),
        format!("userName,{ENTERPRISE_USER_URN}:department")
    );
}

#[test]
fn v1_filters_parse_and_check_as_v2() {
    let cases = [
        (
            r#"userName eq "ada@example.com""#,
            r#"userName eq "ada@example.com""#,
        ),
        (
            r#"urn:scim:schemas:extension:enterprise:1.0.employeeNumber eq "1815" and active eq true"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1815" and active eq true"#,
        ),
        (
            // Quoted values are never rewritten, escapes included.
            r#"(displayName co "urn:scim:schemas:core:1.0:x \" y") or externalId pr"#,
            r#"(displayName co "urn:scim:schemas:core:1.0:x \" y") or externalId pr"#,
        ),
        (
            r#"urn:scim:schemas:extension:enterprise:1.0:manager.managerId eq "m""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m""#,
        ),
    ];
    for (v1, v2) in cases {
        let mapped = filter_to_v2(v1);
        assert_eq!(mapped, v2);
        Filter::parse(&mapped).unwrap().check(User).unwrap();
    }
    assert_eq!(
        filter_to_v2(r#"displayName eq "Eng""#),
        r#"displayName eq "Eng""#
    );
}

fn apply(kind: crate::schema::ResourceKind, doc: &mut Value, v1_patch: Value) -> patch::Outcome {
    let request = PatchRequest::parse(patch_to_v2(v1_patch).unwrap()).unwrap();
    patch::apply(kind, doc, &request).unwrap()
}

fn stored_user() -> Value {
    resource::from_request(User, resource_to_v2(User, v1_user()), Mode::Create)
        .unwrap()
        .doc
}

#[test]
fn patch_replaces_singular_attributes_and_keeps_unsent_sub_attributes() {
    let mut doc = stored_user();
    apply(
        User,
        &mut doc,
        json!({"schemas": [CORE_URN], "title": "Countess", "name": {"givenName": "Augusta"},
               ENTERPRISE_URN: {"department": "Engines", "manager": {"managerId": "m2"}}}),
    );
    assert_eq!(doc["title"], "Countess");
    assert_eq!(doc["name"]["givenName"], "Augusta");
    assert_eq!(doc["name"]["familyName"], "Lovelace");
    assert_eq!(doc[ENTERPRISE_USER_URN]["department"], "Engines");
    assert_eq!(doc[ENTERPRISE_USER_URN]["employeeNumber"], "1815");
    assert_eq!(doc[ENTERPRISE_USER_URN]["manager"]["value"], "m2");
}

#[test]
fn patch_deactivates_with_a_partial_resource() {
    let mut doc = stored_user();
    let outcome = apply(
        User,
        &mut doc,
        json!({"schemas": [CORE_URN], "active": false}),
    );
    assert!(outcome.changed);
    assert_eq!(doc["active"], false);
}

#[test]
fn patch_removes_what_meta_attributes_names_before_adding() {
    let mut doc = stored_user();
    apply(
        User,
        &mut doc,
        json!({"schemas": [CORE_URN],
               "meta": {"attributes": ["title", "name.middleName", "emails",
                                       "urn:scim:schemas:extension:enterprise:1.0:costCenter"]},
               "emails": [{"value": "ada@new.example.com", "type": "work"}]}),
    );
    assert!(doc.get("title").is_none());
    assert!(doc["name"].get("middleName").is_none());
    assert_eq!(doc["name"]["givenName"], "Ada");
    assert!(doc[ENTERPRISE_USER_URN].get("costCenter").is_none());
    // Removed first, then the new value added: exactly one email.
    assert_eq!(
        doc["emails"],
        json!([{"value": "ada@new.example.com", "type": "work"}])
    );
}

#[test]
fn patch_adds_and_deletes_multi_valued_items() {
    let mut doc = stored_user();
    apply(
        User,
        &mut doc,
        json!({"schemas": [CORE_URN], "phoneNumbers": [
            {"value": "+44 20 7946 0000", "operation": "delete"},
            {"value": "+44 7700 900000", "type": "mobile"}]}),
    );
    assert_eq!(
        doc["phoneNumbers"],
        json!([{"value": "+44 7700 900000", "type": "mobile"}])
    );
}

#[test]
fn patch_of_group_members_adds_and_deletes_rows() {
    let mut doc = json!({"displayName": "Eng"});
    let outcome = apply(
        Group,
        &mut doc,
        json!({"schemas": [CORE_URN], "id": "g", "displayName": "Engineering", "members": [
            {"value": "u1", "display": "Ada"},
            {"value": "u2", "operation": "delete"},
            {"value": "u3", "operation": "Delete"}]}),
    );
    assert_eq!(doc["displayName"], "Engineering");
    let removed = outcome.members.iter().any(
        |op| matches!(op, MemberOp::Remove(ids) if ids == &["u2".to_owned(), "u3".to_owned()]),
    );
    let added = outcome
        .members
        .iter()
        .any(|op| matches!(op, MemberOp::Add(refs) if refs.len() == 1 && refs[0].value == "u1"));
    assert!(removed && added, "{:?}", outcome.members);

    let outcome = apply(
        Group,
        &mut doc,
        json!({"schemas": [CORE_URN], "meta": {"attributes": ["members"]}}),
    );
    assert!(matches!(outcome.members.as_slice(), [MemberOp::RemoveAll]));
}

#[test]
fn patch_rejects_bodies_that_are_not_partial_resources() {
    for body in [
        json!([]),
        json!({"schemas": [CORE_URN]}),
        json!({"schemas": [CORE_URN], "id": "x"}),
        json!({"meta": {"attributes": "title"}}),
        json!({"meta": {"attributes": [1]}}),
        json!({ENTERPRISE_URN: "x"}),
        json!({"schemas": [patch::PATCH_OP_SCHEMA], "Operations": [{"op": "replace", "value": {"active": false}}]}),
    ] {
        let e = patch_to_v2(body.clone()).unwrap_err();
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(crate::ScimType::InvalidSyntax)),
            "{body}"
        );
    }
}

#[test]
fn discovery_describes_the_same_server_in_v1_terms() {
    let v2 = crate::discovery::service_provider_config(
        BASES.v2,
        &crate::discovery::Capabilities {
            patch: true,
            bulk: None,
            filter_max_results: Some(1000),
            change_password: false,
            sort: true,
            etag: true,
            max_payload_bytes: 1024,
        },
        None,
    );
    let spc = service_provider_config(v2, BASES);
    assert_eq!(spc["schemas"], json!([CORE_URN]));
    assert_eq!(
        spc["filter"],
        json!({"supported": true, "maxResults": 1000})
    );
    assert_eq!(spc["xmlDataFormat"]["supported"], false);
    assert!(spc["authenticationSchemes"][0].get("specUrl").is_some());
    assert_eq!(
        spc["meta"]["location"],
        format!("{}/ServiceProviderConfigs", BASES.v1)
    );

    let all = schemas(BASES);
    assert_eq!(all["totalResults"], 3);
    let user = schema("Users", BASES).unwrap();
    assert_eq!(user["id"], "urn:scim:schemas:core:1.0:User");
    assert_eq!(user["endpoint"], "/Users");
    let groups = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "groups")
        .unwrap();
    assert_eq!(groups["readOnly"], true);
    assert_eq!(groups["schema"], CORE_URN);
    let ext = schema(ENTERPRISE_URN, BASES).unwrap();
    let manager = ext["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "manager")
        .unwrap();
    let subs: Vec<&str> = manager["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        subs.contains(&"managerId") && !subs.contains(&"$ref"),
        "{subs:?}"
    );
    assert!(schema("urn:scim:schemas:core:1.0:Group", BASES).is_some());
    assert!(schema("Nope", BASES).is_none());
}
