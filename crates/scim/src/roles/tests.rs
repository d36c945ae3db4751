use serde_json::json;

use super::*;

fn map(pairs: &[(&str, &str)], default: Option<&str>) -> RoleMap {
    RoleMap {
        mappings: pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
        default: default.map(str::to_owned),
    }
}

#[test]
fn reads_okta_and_entra_role_shapes_primary_first() {
    // Okta `roles.^[primary==true].value` plus a non-primary element.
    let okta = json!({"roles": [{"value": "Viewer", "primary": false}, {"value": "Admin", "primary": true}]});
    assert_eq!(role_values(&okta), ["Admin", "Viewer"]);
    // Entra SingleAppRoleAssignment, with the validator's string boolean.
    let entra = json!({"roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Editor"}]});
    assert_eq!(role_values(&entra), ["Editor"]);
    // Plain strings (tolerated by idp-wire §8.3), blanks and repeats dropped.
    let plain = json!({"roles": ["a", " ", "b", "a"]});
    assert_eq!(role_values(&plain), ["a", "b"]);
    assert!(role_values(&json!({"userName": "x"})).is_empty());
    assert!(role_values(&json!({"roles": "Admin"})).is_empty());
}

#[test]
fn maps_the_first_mapped_value_exactly_else_the_default() {
    let m = map(&[("Admin", "owner"), ("Editor", "member")], Some("viewer"));
    let vals = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(m.app_role(&vals(&["Admin"])), Some("owner"));
    assert_eq!(m.app_role(&vals(&["Unknown", "Editor"])), Some("member"));
    // Exact match: the seed tells admins to type the value exactly as in Okta.
    assert_eq!(m.app_role(&vals(&["admin"])), Some("viewer"));
    assert_eq!(m.app_role(&[]), Some("viewer"));
    let no_default = map(&[("Admin", "owner")], None);
    assert_eq!(no_default.app_role(&vals(&["Other"])), None);
    let doc = json!({"roles": [{"value": "Editor"}, {"value": "Admin", "primary": true}]});
    assert_eq!(m.app_role_of(&doc).as_deref(), Some("owner"));
}

#[test]
fn role_names_are_trimmed_and_bounded() {
    assert_eq!(role_name("idp_value", "  Admin "), Ok("Admin"));
    assert_eq!(
        role_name("app_role", "  "),
        Err(InvalidRole::Empty("app_role"))
    );
    let long = "x".repeat(MAX_ROLE_LEN + 1);
    assert_eq!(
        role_name("app_role", &long),
        Err(InvalidRole::TooLong("app_role"))
    );
    assert!(role_name("app_role", &"x".repeat(MAX_ROLE_LEN)).is_ok());
}
