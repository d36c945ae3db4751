//! The response rules of `render` and `Projection` (RFC 7643 §7 `returned`,
//! RFC 7644 §3.4.2.5 and §3.9, docs/idp-wire.md EN-9..EN-11).

use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::ScimType;
use crate::schema::{ENTERPRISE_USER_URN, GROUP_URN, ResourceKind, USER_URN};

const EXT: &str = ENTERPRISE_USER_URN;

fn meta() -> Meta<'static> {
    Meta {
        resource_type: ResourceKind::User,
        created: datetime!(2024-05-01 10:00:00 UTC),
        last_modified: datetime!(2024-05-02 11:30:00.5 UTC),
        location: "https://gw.example/scim/v2/Users/u1",
        version: "3",
    }
}

fn group_meta() -> Meta<'static> {
    Meta {
        resource_type: ResourceKind::Group,
        location: "https://gw.example/scim/v2/Groups/g1",
        ..meta()
    }
}

fn projection(attributes: Option<&str>, excluded: Option<&str>, kind: ResourceKind) -> Projection {
    Projection::parse(attributes, excluded, kind).unwrap()
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().any(has_null),
        Value::Object(o) => o.values().any(has_null),
        _ => false,
    }
}

// ---- render ----

fn stored_user() -> Value {
    json!({
        "userName": "Alice@Contoso.com",
        "name": { "givenName": "Alice", "familyName": "Jones" },
        "emails": [{ "value": "Alice@Contoso.com", "type": "work", "primary": true }],
        "phoneNumbers": [{ "value": " +1 (425) 555-0100 ", "type": "work" }],
        "active": false,
        "externalId": "00uABC",
        EXT: { "department": "Tour Ops", "manager": { "value": "m1" } }
    })
}

#[test]
fn render_full_user() {
    let groups = json!([{ "value": "g1", "$ref": "https://gw/Groups/g1", "display": "Sales", "type": "direct" }]);
    let v = render(
        ResourceKind::User,
        "u1",
        &stored_user(),
        Some(groups.clone()),
        &meta(),
        &Projection::all(),
    );
    assert_eq!(
        v,
        json!({
            "schemas": [USER_URN, EXT],
            "id": "u1",
            "externalId": "00uABC",
            "userName": "Alice@Contoso.com",
            "name": { "givenName": "Alice", "familyName": "Jones" },
            "emails": [{ "value": "Alice@Contoso.com", "type": "work", "primary": true }],
            "phoneNumbers": [{ "value": " +1 (425) 555-0100 ", "type": "work" }],
            "active": false,
            EXT: { "department": "Tour Ops", "manager": { "value": "m1" } },
            "groups": groups,
            "meta": {
                "resourceType": "User",
                "created": "2024-05-01T10:00:00Z",
                "lastModified": "2024-05-02T11:30:00.5Z",
                "location": "https://gw.example/scim/v2/Users/u1",
                "version": "W/\"3\""
            }
        })
    );
    // The core schema comes first.
    assert_eq!(v["schemas"][0], USER_URN);
}

#[test]
fn render_never_emits_password_nulls_or_unknown_keys() {
    let doc = json!({
        "userName": "u", "password": "secret", "title": null, "nickName": "",
        "emails": [null, { "value": "a@x", "display": null }],
        "name": { "givenName": null },
        "bogus": 1, "id": "forged", "meta": { "version": "x" }, "schemas": ["x"]
    });
    let v = render(
        ResourceKind::User,
        "u1",
        &doc,
        None,
        &meta(),
        &Projection::all(),
    );
    assert!(!has_null(&v), "{v}");
    assert!(v.get("password").is_none());
    assert!(v.get("bogus").is_none());
    assert!(v.get("name").is_none());
    assert_eq!(v["id"], "u1");
    assert_eq!(v["schemas"], json!([USER_URN]));
    assert_eq!(v["emails"], json!([{ "value": "a@x" }]));
    assert_eq!(v["meta"]["version"], "W/\"3\"");
    // "" is stored only if something stored it; it is passed through, not invented.
    assert_eq!(v["nickName"], "");
    // A user without a stored `active` is active; empty groups are omitted.
    let v = render(
        ResourceKind::User,
        "u1",
        &json!({ "userName": "u" }),
        Some(json!([])),
        &meta(),
        &Projection::all(),
    );
    assert_eq!(v["active"], true);
    assert!(v.get("groups").is_none());
}

#[test]
fn render_extension_urn_only_with_data() {
    let v = render(
        ResourceKind::User,
        "u1",
        &json!({ "userName": "u", EXT: {} }),
        None,
        &meta(),
        &Projection::all(),
    );
    assert_eq!(v["schemas"], json!([USER_URN]));
    assert!(v.get(EXT).is_none());
    // Excluded: no data in the response, so no URN either.
    let p = projection(
        None,
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
        ResourceKind::User,
    );
    let v = render(ResourceKind::User, "u1", &stored_user(), None, &meta(), &p);
    assert_eq!(v["schemas"], json!([USER_URN]));
    assert!(v.get(EXT).is_none());
    assert_eq!(v["userName"], "Alice@Contoso.com");
}

#[test]
fn render_with_attributes() {
    // Entra's `attributes=id` (idp-wire EN-7): the minimum set only.
    let p = projection(Some("id"), None, ResourceKind::User);
    let v = render(
        ResourceKind::User,
        "u1",
        &stored_user(),
        Some(json!([{ "value": "g1" }])),
        &meta(),
        &p,
    );
    assert_eq!(v, json!({ "schemas": [USER_URN], "id": "u1" }));

    let p = projection(
        Some(
            "userName, name.familyName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,meta.lastModified",
        ),
        None,
        ResourceKind::User,
    );
    let v = render(ResourceKind::User, "u1", &stored_user(), None, &meta(), &p);
    assert_eq!(
        v,
        json!({
            "schemas": [USER_URN, EXT],
            "id": "u1",
            "userName": "Alice@Contoso.com",
            "name": { "familyName": "Jones" },
            "emails": [{ "value": "Alice@Contoso.com" }],
            EXT: { "department": "Tour Ops" },
            "meta": { "lastModified": "2024-05-02T11:30:00.5Z" }
        })
    );
    // A whole extension by URN, names in any case; unknown names ignored.
    let p = projection(
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user,ACTIVE,nosuch"),
        None,
        ResourceKind::User,
    );
    let v = render(ResourceKind::User, "u1", &stored_user(), None, &meta(), &p);
    assert_eq!(
        v,
        json!({
            "schemas": [USER_URN, EXT], "id": "u1", "active": false,
            EXT: { "department": "Tour Ops", "manager": { "value": "m1" } }
        })
    );
}

#[test]
fn render_with_excluded_attributes() {
    let p = projection(
        None,
        Some("emails,name.givenName,meta,id,password"),
        ResourceKind::User,
    );
    let v = render(ResourceKind::User, "u1", &stored_user(), None, &meta(), &p);
    assert!(v.get("emails").is_none());
    assert!(v.get("meta").is_none());
    assert_eq!(v["name"], json!({ "familyName": "Jones" }));
    // id is returned "always": excluding it has no effect (RFC 7644 §3.4.2.5).
    assert_eq!(v["id"], "u1");
    assert_eq!(v["phoneNumbers"][0]["value"], " +1 (425) 555-0100 ");
}

#[test]
fn group_members_and_excluded_members() {
    let doc = json!({ "displayName": "Sales Team", "externalId": "8aa1" });
    let members = json!([{ "value": "u1", "$ref": "https://gw/Users/u1", "display": "Alice", "type": "User" }]);
    let v = render(
        ResourceKind::Group,
        "g1",
        &doc,
        Some(members.clone()),
        &group_meta(),
        &Projection::all(),
    );
    assert_eq!(
        v,
        json!({
            "schemas": [GROUP_URN], "id": "g1", "displayName": "Sales Team", "externalId": "8aa1",
            "members": members,
            "meta": {
                "resourceType": "Group",
                "created": "2024-05-01T10:00:00Z",
                "lastModified": "2024-05-02T11:30:00.5Z",
                "location": "https://gw.example/scim/v2/Groups/g1",
                "version": "W/\"3\""
            }
        })
    );
    // A new group shows `members: []` (idp-wire EN-11).
    let v = render(
        ResourceKind::Group,
        "g1",
        &doc,
        Some(json!([])),
        &group_meta(),
        &Projection::all(),
    );
    assert_eq!(v["members"], json!([]));
    // excludedAttributes=members (idp-wire EN-9): the store asks first, and
    // even if given members they are not rendered.
    let p = projection(None, Some("members"), ResourceKind::Group);
    assert!(!p.wants(GROUP_URN, "members"));
    assert!(!p.wants(GROUP_URN, "MEMBERS"));
    assert!(p.wants(GROUP_URN, "displayName"));
    let v = render(
        ResourceKind::Group,
        "g1",
        &doc,
        Some(members),
        &group_meta(),
        &p,
    );
    assert!(v.get("members").is_none());
    assert_eq!(v["displayName"], "Sales Team");
}

#[test]
fn projection_wants() {
    let all = Projection::all();
    assert!(all.wants(GROUP_URN, "members"));
    assert!(all.wants(USER_URN, "groups"));
    assert!(all.wants("", "id"));
    assert!(all.wants("", "meta"));
    assert!(all.wants(USER_URN, "meta"));
    assert!(!all.wants(USER_URN, "password"));
    assert!(!all.wants(USER_URN, "nosuch"));
    assert!(!all.wants("urn:nosuch", "members"));
    assert!(all.wants(EXT, "manager"));

    let p = projection(Some("displayName"), None, ResourceKind::Group);
    assert!(!p.wants(GROUP_URN, "members"));
    assert!(p.wants("", "id"));
    let p = projection(Some("members.value"), None, ResourceKind::Group);
    assert!(p.wants(GROUP_URN, "members"));
    // Excluding a sub-attribute still needs the attribute loaded.
    let p = projection(None, Some("members.display"), ResourceKind::Group);
    assert!(p.wants(GROUP_URN, "members"));
    // Asking for password still never returns it.
    let p = projection(Some("password,userName"), None, ResourceKind::User);
    assert!(!p.wants(USER_URN, "password"));
    let v = render(
        ResourceKind::User,
        "u1",
        &json!({ "userName": "u", "password": "p" }),
        None,
        &meta(),
        &p,
    );
    assert_eq!(
        v,
        json!({ "schemas": [USER_URN], "id": "u1", "userName": "u" })
    );
}

#[test]
fn malformed_attribute_lists_are_invalid_value() {
    let e = Projection::parse(Some("user name"), None, ResourceKind::User).unwrap_err();
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
    let e = Projection::parse(None, Some("members["), ResourceKind::Group).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    // Empty lists are no lists.
    assert_eq!(
        projection(Some(""), Some(" "), ResourceKind::User),
        Projection::all()
    );
}

#[test]
fn etags() {
    assert_eq!(etag("3"), "W/\"3\"");
    assert_eq!(etag("W/\"3\""), "W/\"3\"");
    assert_eq!(etag("\"abc\""), "\"abc\"");
}

#[test]
fn round_trip_okta_create_to_response() {
    // What Okta sends comes back byte for byte (idp-wire §9 items 9, 11).
    let sent = json!({
        "schemas": [USER_URN],
        "userName": "Test.User@Okta.local",
        "name": { "givenName": "Test ", "familyName": "User" },
        "emails": [{ "primary": true, "value": "Test.User@Okta.local", "type": "work" }],
        "phoneNumbers": [{ "value": "tel:+1-201-555-0123", "type": "mobile" }],
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "password": "1mz050nq",
        "active": true
    });
    let inc = from_request(ResourceKind::User, sent.clone(), Mode::Create).unwrap();
    let v = render(
        ResourceKind::User,
        "u1",
        &inc.doc,
        None,
        &meta(),
        &Projection::all(),
    );
    for key in [
        "userName",
        "name",
        "emails",
        "phoneNumbers",
        "locale",
        "externalId",
        "active",
    ] {
        assert_eq!(v[key], sent[key], "{key}");
    }
    assert!(v.get("password").is_none());
}
