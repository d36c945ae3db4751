use super::*;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Every attribute list to check: each schema's top level and [`COMMON`].
fn tables() -> Vec<(&'static str, &'static [Attribute])> {
    let mut t: Vec<_> = SCHEMAS.iter().map(|s| (s.id, s.attributes)).collect();
    t.push(("common", COMMON));
    t
}

/// Every attribute at every level, with a dotted path for messages.
fn all_attributes() -> Vec<(String, &'static Attribute)> {
    let mut out = Vec::new();
    for (table, attributes) in tables() {
        for a in attributes {
            out.push((format!("{table}:{}", a.name), a));
            for s in a.sub_attributes {
                out.push((format!("{table}:{}.{}", a.name, s.name), s));
            }
        }
    }
    out
}

fn assert_unique_names(level: &str, attributes: &[Attribute]) {
    let mut seen: Vec<String> = Vec::new();
    for a in attributes {
        let lower = a.name.to_ascii_lowercase();
        assert!(
            !seen.contains(&lower),
            "{level}: duplicate attribute {}",
            a.name
        );
        seen.push(lower);
    }
}

#[test]
fn every_attribute_has_a_description() {
    for (path, a) in all_attributes() {
        assert!(
            !a.description.trim().is_empty(),
            "{path} has no description"
        );
    }
    for s in SCHEMAS {
        assert!(!s.description.is_empty() && !s.name.is_empty(), "{}", s.id);
    }
}

#[test]
fn names_are_unique_within_each_level() {
    for (table, attributes) in tables() {
        assert_unique_names(table, attributes);
        for a in attributes {
            assert_unique_names(&format!("{table}:{}", a.name), a.sub_attributes);
        }
    }
}

#[test]
fn complex_attributes_and_only_they_have_sub_attributes() {
    for (table, attributes) in tables() {
        for a in attributes {
            assert_eq!(
                a.is_complex(),
                !a.sub_attributes.is_empty(),
                "{table}:{}",
                a.name
            );
            for s in a.sub_attributes {
                // RFC 7643 §2.3.8: a complex attribute has no complex sub-attributes.
                assert!(!s.is_complex(), "{table}:{}.{}", a.name, s.name);
                assert!(s.sub_attributes.is_empty(), "{table}:{}.{}", a.name, s.name);
            }
        }
    }
}

#[test]
fn reference_types_exactly_on_references_and_canonical_values_on_strings() {
    for (path, a) in all_attributes() {
        assert_eq!(
            a.ty == AttrType::Reference,
            !a.reference_types.is_empty(),
            "{path}"
        );
        if !a.canonical_values.is_empty() {
            assert_eq!(a.ty, AttrType::String, "{path}");
        }
    }
}

#[test]
fn names_do_not_shadow_across_tables() {
    // Unqualified names search core, then COMMON, then extensions: a name in
    // two of those would make the later one unreachable without its URN.
    for kind in ResourceKind::ALL {
        let mut tops: Vec<String> = Vec::new();
        let lists = kind
            .schemas()
            .map(|s| s.attributes)
            .chain(std::iter::once(COMMON));
        for attributes in lists {
            for a in attributes {
                let lower = a.name.to_ascii_lowercase();
                assert!(!tops.contains(&lower), "{kind:?}: {} is ambiguous", a.name);
                tops.push(lower);
            }
        }
    }
}

#[test]
fn user_has_every_rfc_attribute() {
    let names: Vec<&str> = USER.attributes.iter().map(|a| a.name).collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates",
        ]
    );
    let subs = |name: &str| -> Vec<&str> {
        USER.attribute(name)
            .unwrap()
            .sub_attributes
            .iter()
            .map(|a| a.name)
            .collect()
    };
    assert_eq!(
        subs("name"),
        [
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix"
        ]
    );
    for multi in [
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        assert_eq!(
            subs(multi),
            ["value", "display", "type", "primary"],
            "{multi}"
        );
        assert!(USER.attribute(multi).unwrap().multi_valued, "{multi}");
    }
    assert_eq!(
        subs("addresses"),
        [
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
            "primary"
        ]
    );
    assert_eq!(subs("groups"), ["value", "$ref", "display", "type"]);
}

#[test]
fn rfc_spot_checks() {
    let user_name = USER.attribute("userName").unwrap();
    assert!(user_name.required);
    assert!(!user_name.case_exact);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);

    let password = USER.attribute("password").unwrap();
    assert_eq!(password.mutability, Mutability::WriteOnly);
    assert_eq!(password.returned, Returned::Never);

    let groups = USER.attribute("groups").unwrap();
    assert_eq!(groups.mutability, Mutability::ReadOnly);
    assert!(
        groups
            .sub_attributes
            .iter()
            .all(|s| s.mutability == Mutability::ReadOnly)
    );

    assert_eq!(USER.attribute("active").unwrap().ty, AttrType::Boolean);
    assert_eq!(
        USER.attribute("profileUrl").unwrap().reference_types,
        ["external"]
    );
    let phone_type = USER
        .attribute("phoneNumbers")
        .unwrap()
        .sub_attribute("type")
        .unwrap();
    assert_eq!(
        phone_type.canonical_values,
        ["work", "home", "mobile", "fax", "pager", "other"]
    );
    let cert = USER
        .attribute("x509Certificates")
        .unwrap()
        .sub_attribute("value")
        .unwrap();
    assert_eq!(cert.ty, AttrType::Binary);

    let id = COMMON.iter().find(|a| a.name == "id").unwrap();
    assert!(id.case_exact);
    assert_eq!(id.mutability, Mutability::ReadOnly);
    assert_eq!(id.returned, Returned::Always);
    assert_eq!(id.uniqueness, Uniqueness::Server);
    let external_id = COMMON.iter().find(|a| a.name == "externalId").unwrap();
    assert!(external_id.case_exact);
    assert_eq!(external_id.mutability, Mutability::ReadWrite);
    let meta = COMMON.iter().find(|a| a.name == "meta").unwrap();
    assert_eq!(meta.mutability, Mutability::ReadOnly);
    assert!(
        meta.sub_attributes
            .iter()
            .all(|s| s.mutability == Mutability::ReadOnly)
    );
    assert_eq!(
        meta.sub_attribute("lastModified").unwrap().ty,
        AttrType::DateTime
    );
    assert_eq!(
        meta.sub_attribute("location").unwrap().reference_types,
        ["uri"]
    );

    let display_name = GROUP.attribute("displayName").unwrap();
    assert!(display_name.required);
    assert_eq!(display_name.uniqueness, Uniqueness::Server);
    let members = GROUP.attribute("members").unwrap();
    assert!(members.multi_valued);
    assert_eq!(
        members.sub_attribute("value").unwrap().mutability,
        Mutability::Immutable
    );
    assert_eq!(
        members.sub_attribute("$ref").unwrap().mutability,
        Mutability::Immutable
    );
    assert_eq!(
        members.sub_attribute("type").unwrap().canonical_values,
        ["User", "Group"]
    );

    let manager = ENTERPRISE_USER.attribute("manager").unwrap();
    assert!(!manager.multi_valued);
    assert_eq!(
        manager.sub_attribute("displayName").unwrap().mutability,
        Mutability::ReadOnly
    );
    assert_eq!(
        manager.sub_attribute("$ref").unwrap().reference_types,
        ["User"]
    );
}

#[test]
fn resolve_core_attributes_ignoring_case() {
    for name in ["userName", "USERNAME", "username"] {
        let r = resolve(ResourceKind::User, None, name, None).unwrap();
        assert_eq!(r.schema, USER_URN);
        assert_eq!(r.attribute.name, "userName");
        assert!(r.sub.is_none());
        assert_eq!(r.leaf().name, "userName");
    }
    let r = resolve(ResourceKind::User, None, "name", Some("familyName")).unwrap();
    assert_eq!((r.attribute.name, r.leaf().name), ("name", "familyName"));
    let r = resolve(ResourceKind::User, None, "Emails", Some("VALUE")).unwrap();
    assert_eq!((r.attribute.name, r.leaf().name), ("emails", "value"));
    let r = resolve(ResourceKind::User, None, "groups", Some("$REF")).unwrap();
    assert_eq!(r.leaf().name, "$ref");
    let r = resolve(ResourceKind::Group, None, "members", Some("value")).unwrap();
    assert_eq!((r.schema, r.leaf().name), (GROUP_URN, "value"));
    let r = resolve(ResourceKind::Group, None, "displayname", None).unwrap();
    assert_eq!(r.attribute.name, "displayName");
}

#[test]
fn resolve_common_attributes() {
    let r = resolve(ResourceKind::User, None, "meta", Some("lastModified")).unwrap();
    assert!(r.is_common());
    assert_eq!(r.schema, "");
    assert_eq!(r.leaf().ty, AttrType::DateTime);
    let r = resolve(ResourceKind::Group, None, "ID", None).unwrap();
    assert_eq!((r.schema, r.attribute.name), ("", "id"));
    let r = resolve(ResourceKind::User, None, "externalid", None).unwrap();
    assert_eq!(r.attribute.name, "externalId");
    // Qualified with the core URN, common attributes still resolve.
    let r = resolve(ResourceKind::User, Some(USER_URN), "meta", Some("created")).unwrap();
    assert!(r.is_common());
}

#[test]
fn resolve_extension_attributes() {
    let full = format!("{ENTERPRISE}:employeeNumber");
    let (urn, rest) = split_urn(&full);
    assert_eq!((urn, rest), (Some(ENTERPRISE_USER_URN), "employeeNumber"));
    let r = resolve(ResourceKind::User, urn, rest, None).unwrap();
    assert_eq!(
        (r.schema, r.attribute.name),
        (ENTERPRISE_USER_URN, "employeeNumber")
    );

    let upper = ENTERPRISE.to_ascii_uppercase();
    let r = resolve(ResourceKind::User, Some(&upper), "MANAGER", Some("Value")).unwrap();
    assert_eq!((r.schema, r.leaf().name), (ENTERPRISE_USER_URN, "value"));

    // Entra's legacy PATCH names `manager` without its URN (idp-wire EN-7).
    let r = resolve(ResourceKind::User, None, "manager", None).unwrap();
    assert_eq!(r.schema, ENTERPRISE_USER_URN);
}

#[test]
fn resolve_unknown_is_none() {
    let user = ResourceKind::User;
    assert!(resolve(user, None, "nope", None).is_none());
    assert!(resolve(user, None, "", None).is_none());
    assert!(resolve(user, None, "name", Some("nope")).is_none());
    // A simple attribute has no sub-attributes.
    assert!(resolve(user, None, "userName", Some("value")).is_none());
    // The attribute exists, but not in the named schema.
    assert!(resolve(user, Some(USER_URN), "employeeNumber", None).is_none());
    assert!(resolve(user, Some(ENTERPRISE), "userName", None).is_none());
    assert!(resolve(user, Some(ENTERPRISE), "id", None).is_none());
    // Schemas of another resource type, and unknown URNs.
    assert!(resolve(user, Some(GROUP_URN), "displayName", None).is_none());
    assert!(resolve(ResourceKind::Group, None, "employeeNumber", None).is_none());
    assert!(resolve(ResourceKind::Group, Some(ENTERPRISE), "department", None).is_none());
    assert!(resolve(ResourceKind::Group, None, "userName", None).is_none());
    assert!(resolve(user, Some("urn:example:custom"), "userName", None).is_none());
}

#[test]
fn resolve_path_splits_urn_and_sub_attribute() {
    let r = resolve_path(ResourceKind::User, &format!("{ENTERPRISE}:manager.value")).unwrap();
    assert_eq!(
        (r.schema, r.attribute.name, r.leaf().name),
        (ENTERPRISE_USER_URN, "manager", "value")
    );
    let r = resolve_path(ResourceKind::User, "name.givenName").unwrap();
    assert_eq!(r.leaf().name, "givenName");
    let r = resolve_path(
        ResourceKind::User,
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    )
    .unwrap();
    assert_eq!(r.attribute.name, "userName");
    assert!(resolve_path(ResourceKind::User, ENTERPRISE).is_none());
    assert!(resolve_path(ResourceKind::User, "name.givenName.extra").is_none());
    assert!(resolve_path(ResourceKind::User, "urn:example:x:userName").is_none());
}

#[test]
fn split_urn_cases() {
    assert_eq!(
        split_urn(&format!("{ENTERPRISE}:manager.value")),
        (Some(ENTERPRISE_USER_URN), "manager.value")
    );
    // Case-insensitive; the canonical URN comes back, the attribute as given.
    let mixed = "URN:ietf:params:SCIM:schemas:extension:ENTERPRISE:2.0:user:Department";
    assert_eq!(split_urn(mixed), (Some(ENTERPRISE_USER_URN), "Department"));
    assert_eq!(
        split_urn(&format!("{USER_URN}:name.givenName")),
        (Some(USER_URN), "name.givenName")
    );
    assert_eq!(
        split_urn(&format!("{GROUP_URN}:displayName")),
        (Some(GROUP_URN), "displayName")
    );
    // Exactly a URN: the whole extension.
    assert_eq!(split_urn(ENTERPRISE), (Some(ENTERPRISE_USER_URN), ""));
    // Not a known URN followed by ':'.
    for s in [
        "userName",
        "name.familyName",
        "",
        "urn:ietf:params:scim:schemas:extension:custom:2.0:User:x",
        "urn:ietf:params:scim:schemas:core:2.0:Users:userName",
        "urn:ietf:params:scim:schemas:core:2.0:User.userName",
        "urn:ietf:params:scim:schemas:core:2.0:Us",
        "urn:ietf:params:scim:schemas:core:2.0:Usé:x",
    ] {
        assert_eq!(split_urn(s), (None, s), "{s}");
    }
}

#[test]
fn resource_kinds() {
    assert_eq!(ResourceKind::User.core().id, USER_URN);
    assert_eq!(ResourceKind::Group.core().id, GROUP_URN);
    assert_eq!(ResourceKind::User.extensions().len(), 1);
    assert_eq!(ResourceKind::User.extensions()[0].id, ENTERPRISE_USER_URN);
    assert!(ResourceKind::Group.extensions().is_empty());
    assert_eq!(
        (ResourceKind::User.name(), ResourceKind::User.endpoint()),
        ("User", "/Users")
    );
    assert_eq!(
        (ResourceKind::Group.name(), ResourceKind::Group.endpoint()),
        ("Group", "/Groups")
    );
    assert_eq!(ResourceKind::from_name("gRoUp"), Some(ResourceKind::Group));
    assert_eq!(ResourceKind::from_name("Groups"), None);
    assert_eq!(
        by_urn(&GROUP_URN.to_ascii_lowercase()).map(|s| s.id),
        Some(GROUP_URN)
    );
    assert!(by_urn("urn:ietf:params:scim:schemas:core:2.0:Schema").is_none());
}

#[test]
fn wire_spellings() {
    assert_eq!(AttrType::DateTime.as_str(), "dateTime");
    assert_eq!(Mutability::WriteOnly.as_str(), "writeOnly");
    assert_eq!(Mutability::ReadOnly.as_str(), "readOnly");
    assert_eq!(Returned::Never.as_str(), "never");
    assert_eq!(Uniqueness::Server.as_str(), "server");
}
