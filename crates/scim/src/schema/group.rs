//! The core Group schema (RFC 7643 §4.2; representation in §8.7.1).

use super::{Attribute, GROUP_URN, Schema};

/// The core Group schema, `urn:ietf:params:scim:schemas:core:2.0:Group`.
pub static GROUP: Schema = Schema {
    id: GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: &[
        // RFC 7643 §4.2 makes displayName REQUIRED (§8.7.1's `"required":
        // false` contradicts the prose). We also refuse a second group with
        // the same name in a workspace, ignoring case, because Entra matches
        // groups by displayName and its validator expects a 409
        // (docs/idp-wire.md §0 rule 8): hence uniqueness server.
        Attribute::string(
            "displayName",
            "A human-readable name for the Group. REQUIRED.",
        )
        .required()
        .unique_server(),
        Attribute::complex("members", MEMBERS, "A list of members of the Group.").multi(),
    ],
};

// RFC 7643 §8.7.1: a member's identity (`value`, `$ref`, `type`) is
// immutable; membership changes by adding and removing members. `display` is
// not in §8.7.1 but is the standard sub-attribute of §2.4, and Okta sends it
// with every member (docs/idp-wire.md OK-10); it is readWrite like every
// other `display` of §8.7.1 so those requests are not refused.
const MEMBERS: &[Attribute] = &[
    Attribute::string("value", "Identifier of the member of this Group.").immutable(),
    Attribute::reference(
        "$ref",
        &["User", "Group"],
        "The URI corresponding to a SCIM resource that is a member of this Group.",
    )
    .immutable(),
    Attribute::string(
        "display",
        "A human-readable name, primarily used for display purposes. READ-ONLY.",
    ),
    Attribute::string(
        "type",
        "A label indicating the type of resource, e.g., 'User' or 'Group'.",
    )
    .canonical(&["User", "Group"])
    .immutable(),
];
