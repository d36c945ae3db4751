//! Checker tests: canonical names, typing of values, forbidden combinations.

use super::*;
use crate::schema::{
    Attribute, ENTERPRISE_USER_URN, GROUP_URN, Mutability, ResourceKind, Returned, USER, USER_URN,
    Uniqueness,
};

fn check(text: &str) -> CheckedExpr {
    check_as(text, ResourceKind::User)
}

fn check_as(text: &str, kind: ResourceKind) -> CheckedExpr {
    match Filter::parse(text).unwrap().check(kind) {
        Ok(f) => f.expr().clone(),
        Err(e) => panic!("{text:?}: {}", e.detail),
    }
}

fn refused(text: &str) -> String {
    refused_as(text, ResourceKind::User)
}

fn refused_as(text: &str, kind: ResourceKind) -> String {
    let e = Filter::parse(text).unwrap().check(kind).unwrap_err();
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::InvalidFilter)),
        "{text}"
    );
    e.detail
}

fn comparison(e: &CheckedExpr) -> &Comparison {
    match e {
        CheckedExpr::Compare(c) => c,
        other => panic!("not a comparison: {other:?}"),
    }
}

#[test]
fn names_become_canonical() {
    let c = check(r#"USERNAME eq "Alice@Contoso.com""#);
    let c = comparison(&c);
    assert_eq!(
        c.attr,
        CheckedAttr {
            schema: USER_URN,
            name: "userName",
            sub: None,
            ty: AttrType::String,
            case_exact: false,
            multi_valued: false,
        }
    );
    assert_eq!(c.op, CompareOp::Eq);
    assert_eq!(c.value, TypedValue::String("Alice@Contoso.com".to_owned()));

    let c = check(r#"name.FamilyName eq "Jensen""#);
    let c = comparison(&c);
    assert_eq!((c.attr.name, c.attr.sub), ("name", Some("familyName")));

    let c = check(r#"DisplayName eq "BobIsAmazing""#);
    assert_eq!(comparison(&c).attr.name, "displayName");

    let c = check(r#"urn:ietf:params:scim:schemas:core:2.0:user:USERNAME sw "J""#);
    assert_eq!(
        (comparison(&c).attr.schema, comparison(&c).attr.name),
        (USER_URN, "userName")
    );
}

#[test]
fn extension_and_common_attributes() {
    let c = check(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    );
    let c = comparison(&c);
    assert_eq!(
        (c.attr.schema, c.attr.name),
        (ENTERPRISE_USER_URN, "employeeNumber")
    );

    // An unquoted number compared with a string attribute is its text.
    let c =
        check("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 0701");
    assert_eq!(comparison(&c).value, TypedValue::String("0701".to_owned()));
    let c = check("employeeNumber eq 701984");
    assert_eq!(
        comparison(&c).value,
        TypedValue::String("701984".to_owned())
    );

    // Entra's manager query (idp-wire EN-7): `manager` stands for `manager.value`.
    let e = check(r#"id eq "x" and manager eq "y""#);
    let CheckedExpr::And(id, manager) = &e else {
        panic!("{e:?}")
    };
    let id = comparison(id);
    assert_eq!(
        (id.attr.schema, id.attr.name, id.attr.case_exact),
        ("", "id", true)
    );
    let manager = comparison(manager);
    assert_eq!(
        (manager.attr.schema, manager.attr.name, manager.attr.sub),
        (ENTERPRISE_USER_URN, "manager", Some("value"))
    );
    let e =
        check(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "y""#);
    assert_eq!(comparison(&e).attr, manager.attr);

    // Entra's unquoted externalId (EN-3); externalId is case-exact.
    let c = check("externalId eq jyoung");
    let c = comparison(&c);
    assert_eq!(
        (c.attr.schema, c.attr.name, c.attr.case_exact),
        ("", "externalId", true)
    );
    assert_eq!(c.value, TypedValue::String("jyoung".to_owned()));
}

#[test]
fn complex_multi_valued_attributes_mean_their_value() {
    let a = check(r#"emails co "@example.com""#);
    let b = check(r#"emails.value co "@example.com""#);
    assert_eq!(a, b);
    let attr = comparison(&a).attr;
    assert_eq!(
        (attr.name, attr.sub, attr.multi_valued),
        ("emails", Some("value"), true)
    );

    let detail = refused(r#"name eq "x""#);
    assert_eq!(
        detail,
        "attribute \"name\" is complex; compare one of its sub-attributes, such as \"name.formatted\""
    );
    // `pr` applies to the complex attribute itself.
    assert_eq!(
        check("name pr"),
        CheckedExpr::Present(CheckedAttr {
            schema: USER_URN,
            name: "name",
            sub: None,
            ty: AttrType::Complex,
            case_exact: false,
            multi_valued: false,
        })
    );
}

#[test]
fn value_paths_check_sub_attributes() {
    let e = check(r#"Emails[Type eq "work" and primary eq true]"#);
    let CheckedExpr::ValuePath { attr, filter } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (attr.name, attr.sub, attr.ty, attr.multi_valued),
        ("emails", None, AttrType::Complex, true)
    );
    let CheckedExpr::And(ty, primary) = filter.as_ref() else {
        panic!("{filter:?}")
    };
    let ty = comparison(ty);
    assert_eq!(
        (ty.attr.schema, ty.attr.name, ty.attr.sub),
        (USER_URN, "emails", Some("type"))
    );
    // Each element is tested alone: `type` is single-valued there.
    assert!(!ty.attr.multi_valued);
    assert_eq!(comparison(primary).value, TypedValue::Boolean(true));

    assert_eq!(
        refused(r#"emails[foo eq "x"]"#),
        "unknown attribute \"emails.foo\" in filter"
    );
    assert_eq!(
        refused(r#"userName[value eq "x"]"#),
        "attribute \"userName\" has no sub-attributes to filter with '[...]'"
    );
    assert_eq!(
        refused(r#"emails[type.x eq "x"]"#),
        "unknown attribute \"emails.type.x\" in filter"
    );
}

#[test]
fn entra_folded_value_path() {
    let e = check(r#"emails[type eq "work"].value eq "user@contoso.com""#);
    let CheckedExpr::ValuePath { filter, .. } = &e else {
        panic!("{e:?}")
    };
    let CheckedExpr::And(_, value) = filter.as_ref() else {
        panic!("{filter:?}")
    };
    assert_eq!(comparison(value).attr.sub, Some("value"));
}

#[test]
fn booleans_accept_entra_strings_only_for_booleans() {
    for (text, want) in [
        ("active eq true", true),
        (r#"active eq "False""#, false),
        (r#"active eq "TRUE""#, true),
        (r#"active ne "false""#, false),
    ] {
        assert_eq!(
            comparison(&check(text)).value,
            TypedValue::Boolean(want),
            "{text}"
        );
    }
    let e = check(r#"roles[primary eq "True"]"#);
    let CheckedExpr::ValuePath { filter, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(comparison(filter).value, TypedValue::Boolean(true));
    // A string attribute keeps the string.
    assert_eq!(
        comparison(&check(r#"title eq "True""#)).value,
        TypedValue::String("True".to_owned())
    );
    assert_eq!(
        refused(r#"active eq "yes""#),
        "attribute \"active\" is of type boolean and cannot be compared with \"yes\""
    );
    assert_eq!(
        refused("active eq 1"),
        "attribute \"active\" is of type boolean and cannot be compared with 1"
    );
    assert_eq!(
        refused("title eq true"),
        "attribute \"title\" is of type string and cannot be compared with true"
    );
}

#[test]
fn operators_refused_by_type() {
    // RFC 7644 §3.4.2.2: ordering on boolean and binary is invalidFilter.
    assert_eq!(
        refused("active gt true"),
        "operator \"gt\" cannot be used with boolean attribute \"active\""
    );
    assert_eq!(
        refused(r#"x509Certificates.value le "AAAA""#),
        "operator \"le\" cannot be used with binary attribute \"x509Certificates.value\""
    );
    assert_eq!(
        refused(r#"meta.created co "2011""#),
        "operator \"co\" cannot be used with dateTime attribute \"meta.created\""
    );
    assert_eq!(
        refused("active sw true"),
        "operator \"sw\" cannot be used with boolean attribute \"active\""
    );
    // Allowed combinations.
    check(r#"x509Certificates.value eq "AAAA""#);
    check(r#"userName gt "m""#);
    check(r#"profileUrl sw "https://""#);
    check(r#"meta.location ew "/Users/1""#);
}

#[test]
fn date_times_must_be_rfc3339() {
    let c = check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#);
    assert_eq!(
        comparison(&c).value,
        TypedValue::DateTime(time::macros::datetime!(2011-05-13 04:42:34 UTC))
    );
    let c = check("meta.Created ge 2024-01-31T09:00:00.5+02:00");
    assert_eq!(
        comparison(&c).value,
        TypedValue::DateTime(time::macros::datetime!(2024-01-31 09:00:00.5 +02:00))
    );
    assert_eq!(
        refused(r#"meta.created gt "yesterday""#),
        "attribute \"meta.created\" is a dateTime; \"yesterday\" is not an RFC 3339 date-time \
         such as \"2024-01-31T09:00:00Z\""
    );
    refused("meta.created gt 2024");
    refused(r#"meta.created gt "2024-01-31""#);
}

#[test]
fn unknown_and_hidden_attributes() {
    assert_eq!(
        refused(r#"foo eq "x""#),
        "unknown attribute \"foo\" in filter"
    );
    assert_eq!(
        refused(r#"name.foo eq "x""#),
        "unknown attribute \"name.foo\" in filter"
    );
    assert_eq!(
        refused(r#"urn:example:foo:userName eq "x""#),
        "unknown attribute \"urn:example:foo:userName\" in filter"
    );
    assert_eq!(
        refused(r#"userName.x eq "x""#),
        "unknown attribute \"userName.x\" in filter"
    );
    // A filter on the password would reveal it (RFC 7643 §4.1.1: returned never).
    assert_eq!(
        refused(r#"password eq "hunter2""#),
        "attribute \"password\" cannot be used in a filter"
    );
    assert_eq!(
        refused("Password pr"),
        "attribute \"password\" cannot be used in a filter"
    );
    assert_eq!(
        refused(r#"title pr and not (password sw "a")"#),
        "attribute \"password\" cannot be used in a filter"
    );
}

#[test]
fn nulls_become_presence_tests() {
    let title = comparison(&check(r#"title eq "x""#)).attr;
    assert_eq!(
        check("title eq null"),
        CheckedExpr::Not(Box::new(CheckedExpr::Present(title)))
    );
    assert_eq!(check("title ne null"), CheckedExpr::Present(title));
    assert_eq!(
        refused("title gt null"),
        "null can only be compared with \"eq\" or \"ne\", not \"gt\""
    );
}

#[test]
fn groups() {
    let c = check_as(r#"displayName eq "Sales Team""#, ResourceKind::Group);
    assert_eq!(
        (comparison(&c).attr.schema, comparison(&c).attr.name),
        (GROUP_URN, "displayName")
    );
    check_as(r#"members[value eq "u1"]"#, ResourceKind::Group);
    check_as(r#"members eq "u1""#, ResourceKind::Group);
    check_as(r#"externalId eq "8aa1""#, ResourceKind::Group);
    assert_eq!(
        refused_as(r#"userName eq "x""#, ResourceKind::Group),
        "unknown attribute \"userName\" in filter"
    );
    assert_eq!(
        refused_as(r#"manager eq "x""#, ResourceKind::Group),
        "unknown attribute \"manager\" in filter"
    );
}

#[test]
fn leaves_list_every_comparison() {
    let f = Filter::parse(r#"userName eq "a" and (emails[type eq "work"] or not (title pr))"#)
        .unwrap()
        .check(ResourceKind::User)
        .unwrap();
    let leaves: Vec<_> = f
        .leaves()
        .into_iter()
        .map(|l| match l {
            Leaf::Compare {
                comparison,
                in_value_filter,
            } => (comparison.attr.name, comparison.attr.sub, in_value_filter),
            Leaf::Present {
                attr,
                in_value_filter,
            } => (attr.name, attr.sub, in_value_filter),
        })
        .collect();
    assert_eq!(
        leaves,
        vec![
            ("userName", None, false),
            ("emails", Some("type"), true),
            ("title", None, false),
        ]
    );
    assert_eq!(f.scope(), Scope::Resource);
}

const fn attr(name: &'static str, ty: AttrType) -> Attribute {
    Attribute {
        name,
        ty,
        multi_valued: false,
        description: "",
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

/// A complex attribute with one sub-attribute of every type, to test the
/// types the published schemas do not use (integer, decimal).
pub(super) static EVERY_TYPE: Attribute = Attribute {
    multi_valued: true,
    sub_attributes: &[
        attr("count", AttrType::Integer),
        attr("ratio", AttrType::Decimal),
        attr("flag", AttrType::Boolean),
        attr("when", AttrType::DateTime),
        attr("blob", AttrType::Binary),
        attr("link", AttrType::Reference),
        Attribute {
            case_exact: true,
            ..attr("code", AttrType::String)
        },
        Attribute {
            returned: Returned::Never,
            ..attr("secret", AttrType::String)
        },
    ],
    ..attr("things", AttrType::Complex)
};

fn check_things(text: &str) -> Result<Filter<Checked>, crate::Error> {
    check_value_filter(Filter::parse(text).unwrap(), &EVERY_TYPE)
}

#[test]
fn numbers_are_typed() {
    let f = check_things("count gt 5 and ratio le 0.5").unwrap();
    let CheckedExpr::And(count, ratio) = f.expr() else {
        panic!("{f:?}")
    };
    assert_eq!(comparison(count).value, TypedValue::Integer(5));
    assert_eq!(comparison(ratio).value, TypedValue::Decimal(0.5));
    assert_eq!(
        comparison(check_things("ratio eq 2").unwrap().expr()).value,
        TypedValue::Decimal(2.0)
    );
    for bad in [
        "count eq 1.5",
        "count eq 1e2",
        r#"count eq "5""#,
        "count eq 99999999999999999999",
        "ratio eq 1e999",
        r#"ratio eq "x""#,
    ] {
        let e = check_things(bad).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{bad}");
    }
    assert!(check_things("count co 5").is_err());
}

#[test]
fn value_filters_for_patch_paths() {
    let emails = USER.attribute("emails").unwrap();
    let f = check_value_filter(Filter::parse(r#"TYPE eq "work""#).unwrap(), emails).unwrap();
    assert_eq!(f.scope(), Scope::Element);
    let c = comparison(f.expr());
    assert_eq!(
        (c.attr.schema, c.attr.name, c.attr.sub),
        (USER_URN, "emails", Some("type"))
    );

    let e = check_value_filter(Filter::parse("foo pr").unwrap(), emails).unwrap_err();
    assert_eq!(e.detail, "unknown attribute \"emails.foo\" in filter");
    let e = check_things(r#"secret eq "x""#).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute \"things.secret\" cannot be used in a filter"
    );
    let e = check_things("a[b pr]").unwrap_err();
    assert_eq!(e.detail, "value filters cannot be nested");
    let user_name = USER.attribute("userName").unwrap();
    let e = check_value_filter(Filter::parse("x pr").unwrap(), user_name).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute \"userName\" has no sub-attributes to filter with '[...]'"
    );
    // An attribute outside the published schemas has no schema URN.
    let c = check_things("code pr").unwrap();
    let CheckedExpr::Present(a) = c.expr() else {
        panic!("{c:?}")
    };
    assert_eq!(
        (a.schema, a.name, a.sub, a.case_exact),
        ("", "things", Some("code"), true)
    );
}
