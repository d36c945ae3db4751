//! Evaluator tests: the reference semantics for the SQL translation.

use serde_json::{Value, json};

use super::check_tests::EVERY_TYPE;
use super::*;
use crate::schema::{GROUP, ResourceKind, USER};

fn alice() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223",
        "externalId": "alice",
        "userName": "Alice@Contoso.com",
        "name": { "givenName": "Alice", "familyName": "Jones", "formatted": "" },
        "title": "",
        "active": false,
        "emails": [
            { "value": "alice@contoso.com", "type": "work", "primary": true },
            { "value": "alice@home.example", "type": "home" }
        ],
        "roles": [{ "value": "Admin", "primary": "True" }],
        "meta": {
            "resourceType": "User",
            "created": "2024-01-01T01:00:00+01:00",
            "lastModified": "2024-06-30T12:00:00Z"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": { "value": "m1" }
        }
    })
}

fn matches(text: &str, resource: &Value) -> bool {
    matches_as(text, ResourceKind::User, resource)
}

fn matches_as(text: &str, kind: ResourceKind, resource: &Value) -> bool {
    match Filter::parse(text).unwrap().check(kind) {
        Ok(f) => f.matches(resource),
        Err(e) => panic!("{text:?}: {}", e.detail),
    }
}

#[track_caller]
fn assert_all(cases: &[(&str, bool)], resource: &Value) {
    for &(text, want) in cases {
        assert_eq!(matches(text, resource), want, "{text}");
    }
}

#[test]
fn strings_follow_case_exact() {
    assert_all(
        &[
            // userName is not case-exact (RFC 7643 §4.1.1); idp-wire §0 rule 8.
            (r#"userName eq "alice@contoso.com""#, true),
            (r#"USERNAME eq "ALICE@CONTOSO.COM""#, true),
            (r#"userName eq "bob@contoso.com""#, false),
            (r#"userName ne "bob@contoso.com""#, true),
            (r#"userName sw "ALICE""#, true),
            (r#"userName ew "contoso.COM""#, true),
            (r#"userName co "@CONTOSO""#, true),
            (r#"userName co "bob""#, false),
            (r#"userName gt "a""#, true),
            (r#"userName lt "a""#, false),
            (r#"userName ge "alice@contoso.com""#, true),
            (r#"userName le "alice@contoso.com""#, true),
            // externalId and id are case-exact.
            (r#"externalId eq "alice""#, true),
            ("externalId eq jyoung", false),
            (r#"externalId eq "ALICE""#, false),
            (r#"id eq "2819C223""#, false),
            (r#"id eq "2819c223""#, true),
        ],
        &alice(),
    );
}

#[test]
fn logic() {
    assert_all(
        &[
            (r#"userName sw "alice" and externalId eq "alice""#, true),
            (r#"userName sw "alice" and externalId eq "bob""#, false),
            (r#"userName sw "bob" or externalId eq "alice""#, true),
            (r#"not (userName sw "bob")"#, true),
            (r#"not (userName sw "alice")"#, false),
            (r#"userName sw "bob" or externalId eq "x" and id pr"#, false),
            (
                r#"(userName sw "alice" or externalId eq "x") and id pr"#,
                true,
            ),
        ],
        &alice(),
    );
}

#[test]
fn multi_valued_attributes_match_any_value() {
    assert_all(
        &[
            (r#"emails co "@home.example""#, true),
            (r#"emails.value eq "ALICE@contoso.com""#, true),
            (r#"emails.type eq "home""#, true),
            (r#"emails.type eq "other""#, false),
            // Different elements may satisfy different comparisons…
            (
                r#"emails.type eq "home" and emails.value ew "contoso.com""#,
                true,
            ),
            // …but a value filter needs one element to satisfy all of it.
            (
                r#"emails[type eq "home" and value ew "contoso.com"]"#,
                false,
            ),
            (r#"emails[type eq "work" and value ew "contoso.com"]"#, true),
            (
                r#"emails[type eq "work"].value eq "alice@contoso.com""#,
                true,
            ),
            (
                r#"emails[type eq "home"].value eq "alice@contoso.com""#,
                false,
            ),
            (r#"emails[not (type eq "work")]"#, true),
            ("emails[primary eq true]", true),
            ("emails[primary eq false]", false),
            // Data may hold Entra's string booleans (idp-wire §8.3).
            (r#"roles[primary eq "True"]"#, true),
            ("roles[primary eq true]", true),
            (r#"roles[primary eq "false"]"#, false),
            // A missing sub-attribute yields no value.
            ("roles[type pr]", false),
        ],
        &alice(),
    );
}

#[test]
fn extensions_and_complex_attributes() {
    assert_all(
        &[
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 701984",
                true,
            ),
            (r#"employeeNumber eq "701984""#, true),
            ("department pr", false),
            // idp-wire EN-7.
            (r#"id eq "2819c223" and manager eq "m1""#, true),
            (r#"manager eq "m2""#, false),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "M1""#,
                true,
            ),
            (r#"name.familyName eq "jones""#, true),
            (r#"name.FAMILYNAME eq "jones""#, true),
        ],
        &alice(),
    );
}

#[test]
fn presence() {
    assert_all(
        &[
            ("userName pr", true),
            // An empty string is not a value.
            ("title pr", false),
            ("name.formatted pr", false),
            ("nickName pr", false),
            ("name pr", true),
            ("emails pr", true),
            ("x509Certificates pr", false),
            ("active pr", true),
            ("title eq null", true),
            ("nickName eq null", true),
            ("userName ne null", true),
            ("userName eq null", false),
        ],
        &alice(),
    );
    let empty =
        json!({ "name": { "givenName": "", "familyName": null }, "emails": [], "photos": [null] });
    assert_all(
        &[
            ("name pr", false),
            ("emails pr", false),
            ("photos pr", false),
        ],
        &empty,
    );
    assert_all(
        &[("emails pr", true)],
        &json!({ "emails": [{ "value": "x" }] }),
    );
}

#[test]
fn absent_attributes_match_no_comparison() {
    // Every comparison, `ne` included, needs a value (see eval.rs); `not` gives the complement.
    assert_all(
        &[
            (r#"nickName ne "x""#, false),
            (r#"nickName eq "x""#, false),
            (r#"not (nickName eq "x")"#, true),
            (r#"department ne "x""#, false),
        ],
        &alice(),
    );
}

#[test]
fn booleans_and_date_times() {
    assert_all(
        &[
            ("active eq false", true),
            (r#"active eq "False""#, true),
            ("active ne true", true),
            ("active eq true", false),
            // Chronological, not textual: 01:00+01:00 is midnight UTC.
            (r#"meta.created eq "2024-01-01T00:00:00Z""#, true),
            (r#"meta.created gt "2023-12-31T23:59:59Z""#, true),
            (r#"meta.created lt "2024-01-01T00:00:00.001Z""#, true),
            (r#"meta.lastModified ge "2024-06-30T12:00:00Z""#, true),
            (r#"meta.lastModified gt "2024-06-30T12:00:00Z""#, false),
            (r#"meta.lastModified le "2024-06-30T14:00:00+02:00""#, true),
        ],
        &alice(),
    );
}

#[test]
fn json_member_names_ignore_case() {
    let shouty = json!({ "UserName": "a", "Emails": [{ "Value": "x@y" }] });
    assert_all(
        &[(r#"userName eq "A""#, true), (r#"emails co "@Y""#, true)],
        &shouty,
    );
}

#[test]
fn wrong_json_types_do_not_match() {
    let odd =
        json!({ "userName": 5, "active": "maybe", "emails": "x@y", "meta": { "created": "soon" } });
    assert_all(
        &[
            (r#"userName eq "5""#, false),
            ("active eq true", false),
            ("active eq false", false),
            (r#"meta.created lt "2100-01-01T00:00:00Z""#, false),
            // A string where objects were expected has no `value` member.
            (r#"emails eq "x@y""#, false),
        ],
        &odd,
    );
    assert!(!matches(r#"userName eq "a""#, &json!("not an object")));
    assert!(!matches(
        r#"emails[type eq "work"]"#,
        &json!({ "emails": 7 })
    ));
}

#[test]
fn groups() {
    let group = json!({
        "displayName": "Sales Team",
        "members": [{ "value": "u1", "display": "Ann" }, { "value": "u2" }]
    });
    for (text, want) in [
        (r#"displayName eq "sales team""#, true),
        (r#"members[value eq "u2"]"#, true),
        (r#"members eq "u1""#, true),
        (r#"members[value eq "u3"]"#, false),
        (r#"members[value eq "u2" and display pr]"#, false),
    ] {
        assert_eq!(
            matches_as(text, ResourceKind::Group, &group),
            want,
            "{text}"
        );
    }
}

#[test]
fn value_filters_match_single_elements() {
    let members = GROUP.attribute("members").unwrap();
    let f = check_value_filter(Filter::parse(r#"value eq "2819c223""#).unwrap(), members).unwrap();
    assert!(f.matches(&json!({ "value": "2819c223", "$ref": null })));
    assert!(!f.matches(&json!({ "value": "other" })));
    assert!(!f.matches(&json!({})));
    assert!(!f.matches(&json!("2819c223")));

    let emails = USER.attribute("emails").unwrap();
    let f = check_value_filter(Filter::parse(r#"type eq "WORK""#).unwrap(), emails).unwrap();
    assert!(f.matches(&json!({ "type": "work", "value": "a@b" })));
    assert!(!f.matches(&json!({ "type": "home", "value": "a@b" })));

    let roles = USER.attribute("roles").unwrap();
    let f = check_value_filter(Filter::parse(r#"primary eq "True""#).unwrap(), roles).unwrap();
    assert!(f.matches(&json!({ "primary": true })));
    assert!(f.matches(&json!({ "primary": "True" })));
    assert!(!f.matches(&json!({ "primary": false })));
}

#[test]
fn every_type() {
    let element = json!({
        "count": 7, "ratio": 0.25, "flag": true, "when": "2024-01-01T00:00:00Z",
        "blob": "AAEC", "link": "https://x/Users/1", "code": "AbC"
    });
    for (text, want) in [
        ("count gt 5", true),
        ("count le 6", false),
        ("count eq 7", true),
        ("ratio lt 0.5", true),
        ("ratio ge 0.25", true),
        ("ratio gt 1e-1", true),
        ("flag eq true", true),
        (r#"when lt "2024-01-01T00:00:01Z""#, true),
        (r#"blob eq "AAEC""#, true),
        (r#"link sw "HTTPS://""#, true),
        (r#"code eq "AbC""#, true),
        (r#"code eq "abc""#, false),
        (r#"code co "B""#, false),
    ] {
        let f = check_value_filter(Filter::parse(text).unwrap(), &EVERY_TYPE).unwrap();
        assert_eq!(f.matches(&element), want, "{text}");
    }
    // Numbers stored as other JSON types do not match.
    let f = check_value_filter(Filter::parse("count eq 7").unwrap(), &EVERY_TYPE).unwrap();
    assert!(!f.matches(&json!({ "count": "7" })));
    assert!(!f.matches(&json!({ "count": 7.5 })));
}
