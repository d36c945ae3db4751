//! Every body of docs/idp-wire.md that reaches `from_request`.

use serde_json::{Value, json};

use super::*;
use crate::ScimType;
use crate::schema::{ENTERPRISE_USER_URN, GROUP_URN, ResourceKind, USER_URN};

const EXT: &str = ENTERPRISE_USER_URN;

fn user(body: Value) -> Incoming {
    from_request(ResourceKind::User, body, Mode::Create).unwrap()
}

fn group(body: Value, mode: Mode) -> Incoming {
    from_request(ResourceKind::Group, body, mode).unwrap()
}

fn error(kind: ResourceKind, body: Value, mode: Mode) -> (ScimType, String) {
    let e = from_request(kind, body, mode).unwrap_err();
    assert_eq!(e.status, 400);
    (e.scim_type.unwrap(), e.detail)
}

// ---- incoming: Okta ----

#[test]
fn okta_create_user() {
    // idp-wire OK-4, with the enterprise mappings of §8.1.
    let inc = user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": { "givenName": "Test", "familyName": "User" },
        "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true,
        EXT: { "department": "Sales", "manager": { "value": "m1", "displayName": "Boss" } }
    }));
    assert_eq!(
        inc.doc,
        json!({
            "userName": "test.user@okta.local",
            "name": { "givenName": "Test", "familyName": "User" },
            "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "active": true,
            EXT: { "department": "Sales", "manager": { "value": "m1" } }
        })
    );
    assert!(inc.password_supplied);
    assert_eq!(inc.members, None);
    assert_eq!(inc.active(), Some(true));
}

#[test]
fn okta_put_echoing_read_only_data() {
    // idp-wire OK-5: the GET representation with id, meta (2018 date format),
    // groups and a display echoed back.
    let inc = from_request(
        ResourceKind::User,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
            "userName": "test.user@okta.local",
            "name": { "givenName": "Another", "middleName": "Excited", "familyName": "User" },
            "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work",
                         "display": "test.user@okta.local" }],
            "active": false,
            "groups": [{ "value": "g1", "display": "Sales" }],
            "meta": { "resourceType": "User", "created": "04-12-2018 00:00:00",
                      "lastModified": "04-12-2018 00:00:00", "version": 12 }
        }),
        Mode::Replace,
    )
    .unwrap();
    assert_eq!(
        inc.doc,
        json!({
            "userName": "test.user@okta.local",
            "name": { "givenName": "Another", "middleName": "Excited", "familyName": "User" },
            "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work",
                         "display": "test.user@okta.local" }],
            "active": false
        })
    );
    assert!(!inc.password_supplied);
}

#[test]
fn okta_put_with_empty_values_clears_them() {
    // OIN QA C9337: "" and null clear optional attributes.
    let inc = from_request(
        ResourceKind::User,
        json!({
            "schemas": [USER_URN],
            "userName": "u@x",
            "title": "",
            "nickName": null,
            "name": { "givenName": "", "familyName": "Lee" },
            "emails": [{ "value": "", "type": "", "primary": true }],
            "phoneNumbers": [],
            "password": "",
            EXT: { "department": "", "manager": { "value": "" } },
            "active": true
        }),
        Mode::Replace,
    )
    .unwrap();
    assert_eq!(
        inc.doc,
        json!({ "userName": "u@x", "name": { "familyName": "Lee" }, "active": true })
    );
    assert!(!inc.password_supplied);
}

#[test]
fn okta_roles_as_plain_strings_and_primary_role() {
    let inc = user(json!({
        "schemas": [USER_URN], "userName": "u@x",
        "roles": ["a", "b"]
    }));
    assert_eq!(
        inc.doc["roles"],
        json!([{ "value": "a" }, { "value": "b" }])
    );
    // roles.^[primary==true].value (idp-wire §8.3), a lone object.
    let inc = user(json!({
        "schemas": [USER_URN], "userName": "u@x",
        "roles": { "primary": true, "value": "Admin" }
    }));
    assert_eq!(
        inc.doc["roles"],
        json!([{ "primary": true, "value": "Admin" }])
    );
}

#[test]
fn okta_group_create_and_aiw_put() {
    // idp-wire OK-9.
    let inc = group(
        json!({ "schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": [] }),
        Mode::Create,
    );
    assert_eq!(inc.doc, json!({ "displayName": "Test SCIMv2" }));
    assert_eq!(inc.members, Some(vec![]));
    // idp-wire OK-10 AIW PUT: id echoed, full member list.
    let inc = group(
        json!({ "schemas": [GROUP_URN], "id": "abf4dd94", "displayName": "Test SCIMv2",
                "members": [{ "value": "23a35c27", "display": "test.user@okta.local" },
                            { "value": "u2", "type": "User", "$ref": "https://x/Users/u2" },
                            { "value": "23a35c27", "display": "again" }] }),
        Mode::Replace,
    );
    assert_eq!(inc.doc, json!({ "displayName": "Test SCIMv2" }));
    assert_eq!(
        inc.members,
        Some(vec![
            MemberRef {
                value: "23a35c27".into(),
                display: Some("test.user@okta.local".into()),
                ty: None
            },
            MemberRef {
                value: "u2".into(),
                display: None,
                ty: Some("User".into())
            },
        ])
    );
}

#[test]
fn group_members_null_absent_and_without_display_name() {
    // `members: null` empties the group; an absent key leaves membership alone.
    let inc = group(
        json!({ "schemas": [GROUP_URN], "displayName": "G", "members": null }),
        Mode::Replace,
    );
    assert_eq!(inc.members, Some(vec![]));
    let inc = group(
        json!({ "schemas": [GROUP_URN], "displayName": "G" }),
        Mode::Replace,
    );
    assert_eq!(inc.members, None);
    // A replace without displayName keeps the name: the doc simply lacks it.
    let inc = group(
        json!({ "schemas": [GROUP_URN], "members": [{ "value": "u1" }] }),
        Mode::Replace,
    );
    assert_eq!(inc.doc, json!({}));
    assert_eq!(inc.members.unwrap().len(), 1);
    // But a new group needs one.
    let (t, detail) = error(
        ResourceKind::Group,
        json!({ "schemas": [GROUP_URN], "displayName": "" }),
        Mode::Create,
    );
    assert_eq!(t, ScimType::InvalidValue);
    assert!(detail.contains("\"displayName\" is required"), "{detail}");
}

#[test]
fn members_need_a_string_value() {
    let (t, detail) = error(
        ResourceKind::Group,
        json!({ "schemas": [GROUP_URN], "displayName": "G", "members": [{ "display": "x" }] }),
        Mode::Create,
    );
    assert_eq!(t, ScimType::InvalidValue);
    assert!(detail.contains("\"value\""), "{detail}");
    let (t, detail) = error(
        ResourceKind::Group,
        json!({ "schemas": [GROUP_URN], "displayName": "G", "members": [{ "value": 7 }] }),
        Mode::Create,
    );
    assert_eq!(t, ScimType::InvalidValue);
    assert_eq!(detail, r#""members.value" must be a string (got 7)"#);
}

// ---- incoming: Entra ----

#[test]
fn entra_create_user() {
    // idp-wire EN-4, with the tolerated oddities of the older example: the
    // misspelt URN, nulls, flat department/manager, string booleans.
    let inc = user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "externalId": "alice",
        "userName": "alice@contoso.com",
        "active": "True",
        "displayName": "Alice Jones",
        "title": null,
        "preferredLanguage": "en-US",
        "emails": [{ "primary": true, "type": "work", "value": "alice@contoso.com" }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "Alice Jones", "familyName": "Jones", "givenName": "Alice" },
        "addresses": null,
        "phoneNumbers": [{ "type": "work", "value": "+1 425 555 0100", "primary": true },
                         { "type": "mobile", "value": "+1 425 555 0101" }],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User":
            { "employeeNumber": "701984", "department": "Tour Ops" },
        "department": null,
        "manager": null,
        "roles": [{ "primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin" }]
    }));
    assert_eq!(
        inc.doc,
        json!({
            "externalId": "alice",
            "userName": "alice@contoso.com",
            "active": true,
            "displayName": "Alice Jones",
            "preferredLanguage": "en-US",
            "emails": [{ "primary": true, "type": "work", "value": "alice@contoso.com" }],
            "name": { "formatted": "Alice Jones", "familyName": "Jones", "givenName": "Alice" },
            "phoneNumbers": [{ "type": "work", "value": "+1 425 555 0100", "primary": true },
                             { "type": "mobile", "value": "+1 425 555 0101" }],
            EXT: { "employeeNumber": "701984", "department": "Tour Ops" },
            "roles": [{ "primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin" }]
        })
    );
    assert!(!inc.password_supplied);
}

#[test]
fn entra_group_create_with_extra_schema_uri() {
    // idp-wire EN-11.
    let inc = group(
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Sales Team",
            "meta": { "resourceType": "Group" }
        }),
        Mode::Create,
    );
    assert_eq!(
        inc.doc,
        json!({ "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Sales Team" })
    );
    assert_eq!(inc.members, None);
}

#[test]
fn entra_json_encoded_roles_and_manager_forms() {
    let inc = user(json!({
        "schemas": [USER_URN], "userName": "u@x",
        "roles": [{ "value": "{\"id\":\"5b8\",\"value\":\"Admin\",\"displayName\":\"Admin\"}" }],
        EXT: { "manager": "m1" }
    }));
    assert_eq!(
        inc.doc["roles"],
        json!([{ "value": "Admin", "display": "Admin" }])
    );
    assert_eq!(inc.doc[EXT]["manager"], json!({ "value": "m1" }));
    let inc = user(json!({
        "schemas": [USER_URN], "userName": "u@x",
        EXT: { "manager": [{ "$ref": "https://x/Users/m2", "value": "m2" }] }
    }));
    assert_eq!(
        inc.doc[EXT]["manager"],
        json!({ "$ref": "https://x/Users/m2", "value": "m2" })
    );
    // A manager of "" is no manager; an extension left empty is not stored.
    let inc = user(json!({ "schemas": [USER_URN], "userName": "u@x", EXT: { "manager": "" } }));
    assert_eq!(inc.doc.get(EXT), None);
}

#[test]
fn fully_qualified_and_case_insensitive_keys() {
    let inc = user(json!({
        "Schemas": [USER_URN],
        "USERNAME": "Bob@X.org",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:displayName": "Bob",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": { "CostCenter": "cc" },
        "Name": { "GIVENNAME": "Bob" },
        "ExternalID": "ext-1",
        "nonsense": 5
    }));
    assert_eq!(
        inc.doc,
        json!({
            "userName": "Bob@X.org",
            "displayName": "Bob",
            "name": { "givenName": "Bob" },
            "externalId": "ext-1",
            "active": true,
            EXT: { "employeeNumber": "42", "costCenter": "cc" }
        })
    );
}

#[test]
fn primary_is_unique_per_attribute() {
    let inc = user(json!({
        "schemas": [USER_URN], "userName": "u@x",
        "emails": [{ "value": "a@x", "primary": true }, { "value": "b@x", "primary": true }],
        "phoneNumbers": [{ "value": "1", "primary": true }]
    }));
    assert_eq!(
        inc.doc["emails"],
        json!([{ "value": "a@x", "primary": false }, { "value": "b@x", "primary": true }])
    );
    assert_eq!(
        inc.doc["phoneNumbers"],
        json!([{ "value": "1", "primary": true }])
    );
}

// ---- incoming: errors ----

#[test]
fn type_mismatches_name_the_attribute() {
    for (body, detail) in [
        (
            json!({ "schemas": [USER_URN], "userName": "u", "active": "yes" }),
            r#""active" must be a boolean (got "yes")"#,
        ),
        (
            json!({ "schemas": [USER_URN], "userName": 12 }),
            r#""userName" must be a string (got 12)"#,
        ),
        (
            json!({ "schemas": [USER_URN], "userName": "u", "emails": [{ "value": "a", "primary": 1 }] }),
            r#""emails.primary" must be a boolean (got 1)"#,
        ),
        (
            json!({ "schemas": [USER_URN], "userName": "u", EXT: { "department": 5 } }),
            r#""department" must be a string (got 5)"#,
        ),
        (
            json!({ "schemas": [USER_URN], "userName": "u", EXT: "Sales" }),
            r#""urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" must be an object (got a string)"#,
        ),
        (
            json!({ "schemas": [USER_URN], "userName": "u", "password": 1234 }),
            r#""password" must be a string"#,
        ),
    ] {
        assert_eq!(
            error(ResourceKind::User, body, Mode::Create),
            (ScimType::InvalidValue, detail.to_owned())
        );
    }
}

#[test]
fn missing_or_malformed_schemas_is_invalid_syntax() {
    for body in [
        json!({ "userName": "u" }),
        json!({ "schemas": [], "userName": "u" }),
        json!({ "schemas": USER_URN, "userName": "u" }),
        json!({ "schemas": [1], "userName": "u" }),
    ] {
        let (t, detail) = error(ResourceKind::User, body, Mode::Create);
        assert_eq!(t, ScimType::InvalidSyntax);
        assert!(detail.contains("\"schemas\""), "{detail}");
    }
}

#[test]
fn missing_user_name_is_invalid_value() {
    for mode in [Mode::Create, Mode::Replace] {
        for body in [
            json!({ "schemas": [USER_URN] }),
            json!({ "schemas": [USER_URN], "userName": "" }),
            json!({ "schemas": [USER_URN], "userName": null }),
        ] {
            let (t, detail) = error(ResourceKind::User, body, mode);
            assert_eq!(t, ScimType::InvalidValue);
            assert_eq!(
                detail,
                "\"userName\" is required: every User needs a non-empty userName"
            );
        }
    }
}

#[test]
fn non_object_bodies_are_invalid_syntax() {
    for body in [json!([]), json!("x"), json!(null), json!(3)] {
        let (t, _) = error(ResourceKind::User, body, Mode::Create);
        assert_eq!(t, ScimType::InvalidSyntax);
    }
}

#[test]
fn active_defaults_only_on_create() {
    let inc = user(json!({ "schemas": [USER_URN], "userName": "u" }));
    assert_eq!(inc.active(), Some(true));
    let inc = from_request(
        ResourceKind::User,
        json!({ "schemas": [USER_URN], "userName": "u" }),
        Mode::Replace,
    )
    .unwrap();
    assert_eq!(inc.active(), None);
    assert_eq!(inc.doc, json!({ "userName": "u" }));
}
