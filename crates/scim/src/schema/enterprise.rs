//! The Enterprise User extension (RFC 7643 §4.3; representation in §8.7.1).
//!
//! Okta sends these inside the extension object; Entra addresses them with
//! fully qualified paths such as `urn:…:enterprise:2.0:User:department`
//! (docs/idp-wire.md §8).

use super::{Attribute, ENTERPRISE_USER_URN, Schema};

/// The Enterprise User extension,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
pub static ENTERPRISE_USER: Schema = Schema {
    id: ENTERPRISE_USER_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        Attribute::string(
            "employeeNumber",
            "Numeric or alphanumeric identifier assigned to a person, typically based on \
             order of hire or association with an organization.",
        ),
        Attribute::string("costCenter", "Identifies the name of a cost center."),
        Attribute::string("organization", "Identifies the name of an organization."),
        Attribute::string("division", "Identifies the name of a division."),
        Attribute::string("department", "Identifies the name of a department."),
        Attribute::complex(
            "manager",
            MANAGER,
            "The User's manager. A complex type that optionally allows service providers \
             to represent organizational hierarchy by referencing the 'id' attribute of \
             another User.",
        ),
    ],
};

// RFC 7643 §4.3: `value` and `$ref` are RECOMMENDED, not required (Entra
// sends only `value`, docs/idp-wire.md EN-7); `displayName` is OPTIONAL and
// READ-ONLY: the server fills it in from the manager's User.
const MANAGER: &[Attribute] = &[
    Attribute::string(
        "value",
        "The id of the SCIM resource representing the User's manager. RECOMMENDED.",
    ),
    Attribute::reference(
        "$ref",
        &["User"],
        "The URI of the SCIM resource representing the User's manager. RECOMMENDED.",
    ),
    Attribute::string(
        "displayName",
        "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
    )
    .read_only(),
];
