//! The common attributes of RFC 7643 §3.1.
//!
//! Every resource has them, but no schema document lists them: §3.1 says
//! they are not defined in any particular schema.

use super::{Attribute, Returned};

/// `id`, `externalId` and `meta` (RFC 7643 §3.1), for resolving and checking
/// names; never published in `/Schemas`.
pub static COMMON: &[Attribute] = &[
    // RFC 7643 §3.1: issued by the service provider, never by the client
    // (so `required` is false for request validation: a POST never carries
    // it), always returned, case-exact, unique.
    Attribute::string(
        "id",
        "A unique identifier for a SCIM resource as defined by the service provider. \
         Issued by the service provider and never specified by the client.",
    )
    .case_exact()
    .read_only()
    .returned(Returned::Always)
    .unique_server(),
    // RFC 7643 §3.1: set by the provisioning client (Okta's user id, Entra's
    // objectId or mailNickname) and compared exactly.
    Attribute::string(
        "externalId",
        "A String that is an identifier for the resource as defined by the provisioning \
         client.",
    )
    .case_exact(),
    Attribute::complex(
        "meta",
        META,
        "A complex attribute containing resource metadata.",
    )
    .read_only(),
];

const META: &[Attribute] = &[
    Attribute::string(
        "resourceType",
        "The name of the resource type of the resource, e.g., 'User' or 'Group'.",
    )
    .case_exact()
    .read_only(),
    Attribute::date_time(
        "created",
        "The date and time the resource was added to the service provider.",
    )
    .read_only(),
    Attribute::date_time(
        "lastModified",
        "The most recent date and time that the details of this resource were updated at \
         the service provider.",
    )
    .read_only(),
    Attribute::reference(
        "location",
        &["uri"],
        "The URI of the resource being returned.",
    )
    .case_exact()
    .read_only(),
    // RFC 7644 §3.14: the version is the resource's ETag, compared exactly.
    Attribute::string("version", "The version of the resource being returned.")
        .case_exact()
        .read_only(),
];
