//! The core User schema (RFC 7643 §4.1; representation in §8.7.1).
//!
//! Characteristics follow §8.7.1. Where it leaves one out (booleans have no
//! caseExact or uniqueness there), the RFC 7643 §7 default applies.

use super::{Attribute, Mutability, Returned, Schema, USER_URN};

/// The core User schema, `urn:ietf:params:scim:schemas:core:2.0:User`.
pub static USER: Schema = Schema {
    id: USER_URN,
    name: "User",
    description: "User Account",
    attributes: &[
        // RFC 7643 §4.1.1: REQUIRED, unique across the service provider, and
        // not case-exact; Okta and Entra both match it without regard to case.
        Attribute::string(
            "userName",
            "Unique identifier for the User, typically used by the user to directly \
             authenticate to the service provider. Each User MUST include a non-empty \
             userName value. This identifier MUST be unique across the service provider's \
             entire set of Users. REQUIRED.",
        )
        .required()
        .unique_server(),
        Attribute::complex(
            "name",
            NAME,
            "The components of the user's real name. Providers MAY return just the full \
             name as a single string in the formatted sub-attribute, or they MAY return \
             just the individual component attributes using the other sub-attributes, or \
             they MAY return both. If both variants are returned, they SHOULD be describing \
             the same name, with the formatted name indicating how the component attributes \
             should be combined.",
        ),
        Attribute::string(
            "displayName",
            "The name of the User, suitable for display to end-users. The name SHOULD be \
             the full name of the User being described, if known.",
        ),
        Attribute::string(
            "nickName",
            "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' \
             instead of 'Robert'. This attribute SHOULD NOT be used to represent a User's \
             username (e.g., 'bjensen' or 'mpepperidge').",
        ),
        Attribute::reference(
            "profileUrl",
            &["external"],
            "A fully qualified URL pointing to a page representing the User's online profile.",
        ),
        Attribute::string("title", "The user's title, such as \"Vice President.\""),
        Attribute::string(
            "userType",
            "Used to identify the relationship between the organization and the user. \
             Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', \
             'External', and 'Unknown', but any value may be used.",
        ),
        Attribute::string(
            "preferredLanguage",
            "Indicates the User's preferred written or spoken language. Generally used for \
             selecting a localized user interface; e.g., 'en_US' specifies the language \
             English and country US.",
        ),
        Attribute::string(
            "locale",
            "Used to indicate the User's default location for purposes of localizing items \
             such as currency, date time format, or numerical representations.",
        ),
        Attribute::string(
            "timezone",
            "The User's time zone in the 'Olson' time zone database format, e.g., \
             'America/Los_Angeles'.",
        ),
        Attribute::boolean(
            "active",
            "A Boolean value indicating the User's administrative status.",
        ),
        // RFC 7643 §4.1.1: the password is never returned, not even hashed.
        Attribute::string(
            "password",
            "The User's cleartext password. This attribute is intended to be used as a \
             means to specify an initial password when creating a new User or to reset an \
             existing User's password.",
        )
        .mutability(Mutability::WriteOnly)
        .returned(Returned::Never),
        Attribute::complex(
            "emails",
            EMAILS,
            "Email addresses for the user. The value SHOULD be canonicalized by the service \
             provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. \
             Canonical type values of 'work', 'home', and 'other'.",
        )
        .multi(),
        Attribute::complex(
            "phoneNumbers",
            PHONE_NUMBERS,
            "Phone numbers for the User. The value SHOULD be canonicalized by the service \
             provider according to the format specified in RFC 3966, e.g., \
             'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', \
             'fax', 'pager', and 'other'.",
        )
        .multi(),
        Attribute::complex("ims", IMS, "Instant messaging addresses for the User.").multi(),
        Attribute::complex("photos", PHOTOS, "URLs of photos of the User.").multi(),
        Attribute::complex(
            "addresses",
            ADDRESSES,
            "A physical mailing address for this User. Canonical type values of 'work', \
             'home', and 'other'. This attribute is a complex type with the following \
             sub-attributes.",
        )
        .multi(),
        // RFC 7643 §4.1.2: group membership is changed through the Group
        // resource, never through the User, so every part of it is readOnly.
        Attribute::complex(
            "groups",
            GROUPS,
            "A list of groups to which the user belongs, either through direct membership, \
             through nested groups, or dynamically calculated.",
        )
        .multi()
        .read_only(),
        Attribute::complex(
            "entitlements",
            ENTITLEMENTS,
            "A list of entitlements for the User that represent a thing the User has.",
        )
        .multi(),
        Attribute::complex(
            "roles",
            ROLES,
            "A list of roles for the User that collectively represent who the User is, \
             e.g., 'Student', 'Faculty'.",
        )
        .multi(),
        Attribute::complex(
            "x509Certificates",
            X509_CERTIFICATES,
            "A list of certificates issued to the User.",
        )
        .multi(),
    ],
};

const NAME: &[Attribute] = &[
    Attribute::string(
        "formatted",
        "The full name, including all middle names, titles, and suffixes as appropriate, \
         formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
    ),
    Attribute::string(
        "familyName",
        "The family name of the User, or last name in most Western languages (e.g., \
         'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    Attribute::string(
        "givenName",
        "The given name of the User, or first name in most Western languages (e.g., \
         'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    Attribute::string(
        "middleName",
        "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J \
         Jensen, III').",
    ),
    Attribute::string(
        "honorificPrefix",
        "The honorific prefix(es) of the User, or title in most Western languages (e.g., \
         'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
    ),
    Attribute::string(
        "honorificSuffix",
        "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., \
         'III' given the full name 'Ms. Barbara J Jensen, III').",
    ),
];

// The `display` and `primary` sub-attributes of RFC 7643 §2.4, shared by the
// multi-valued attributes below. §8.7.1 gives `display` a mutability of
// readWrite while its description says READ-ONLY; we follow the
// characteristic, so an IdP that echoes `display` back is not rejected.
const DISPLAY: Attribute = Attribute::string(
    "display",
    "A human-readable name, primarily used for display purposes. READ-ONLY.",
);
const PRIMARY: Attribute = Attribute::boolean(
    "primary",
    "A Boolean value indicating the 'primary' or preferred attribute value for this \
     attribute. The primary attribute value 'true' MUST appear no more than once.",
);
const TYPE_WORK_HOME_OTHER: &[&str] = &["work", "home", "other"];

const EMAILS: &[Attribute] = &[
    Attribute::string(
        "value",
        "Email address for the User. The value SHOULD be canonicalized by the service \
         provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.",
    ),
    DISPLAY,
    Attribute::string(
        "type",
        "A label indicating the attribute's function, e.g., 'work' or 'home'.",
    )
    .canonical(TYPE_WORK_HOME_OTHER),
    Attribute::boolean(
        "primary",
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute, e.g., the preferred mailing address or primary email address. The \
         primary attribute value 'true' MUST appear no more than once.",
    ),
];

const PHONE_NUMBERS: &[Attribute] = &[
    Attribute::string("value", "Phone number of the User."),
    DISPLAY,
    Attribute::string(
        "type",
        "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
    )
    .canonical(&["work", "home", "mobile", "fax", "pager", "other"]),
    Attribute::boolean(
        "primary",
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute, e.g., the preferred phone number or primary phone number. The primary \
         attribute value 'true' MUST appear no more than once.",
    ),
];

const IMS: &[Attribute] = &[
    Attribute::string("value", "Instant messaging address for the User."),
    DISPLAY,
    Attribute::string(
        "type",
        "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
    )
    .canonical(&["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
    Attribute::boolean(
        "primary",
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute, e.g., the preferred messenger or primary messenger. The primary \
         attribute value 'true' MUST appear no more than once.",
    ),
];

const PHOTOS: &[Attribute] = &[
    Attribute::reference("value", &["external"], "URL of a photo of the User."),
    DISPLAY,
    Attribute::string(
        "type",
        "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
    )
    .canonical(&["photo", "thumbnail"]),
    Attribute::boolean(
        "primary",
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute, e.g., the preferred photo or thumbnail. The primary attribute value \
         'true' MUST appear no more than once.",
    ),
];

// §8.7.1 lists no `primary` for addresses, but §4.1.2 and §2.4 define it for
// every multi-valued attribute, and Okta maps addresses by
// `addresses.^[primary==true]` (docs/idp-wire.md §8.1).
const ADDRESSES: &[Attribute] = &[
    Attribute::string(
        "formatted",
        "The full mailing address, formatted for display or use with a mailing label. \
         This attribute MAY contain newlines.",
    ),
    Attribute::string(
        "streetAddress",
        "The full street address component, which may include house number, street name, \
         P.O. box, and multi-line extended street address information. This attribute MAY \
         contain newlines.",
    ),
    Attribute::string("locality", "The city or locality component."),
    Attribute::string("region", "The state or region component."),
    Attribute::string("postalCode", "The zip code or postal code component."),
    Attribute::string("country", "The country name component."),
    Attribute::string(
        "type",
        "A label indicating the attribute's function, e.g., 'work' or 'home'.",
    )
    .canonical(TYPE_WORK_HOME_OTHER),
    Attribute::boolean(
        "primary",
        "A Boolean value indicating the 'primary' or preferred attribute value for this \
         attribute, e.g., the preferred mailing address. The primary attribute value 'true' \
         MUST appear no more than once.",
    ),
];

const GROUPS: &[Attribute] = &[
    Attribute::string("value", "The identifier of the User's group.").read_only(),
    // §8.7.1 lists ["User", "Group"] here, but §4.1.2 says the `$ref` is the
    // URI of the corresponding Group resource, and a user belongs only to
    // groups.
    Attribute::reference(
        "$ref",
        &["Group"],
        "The URI of the corresponding 'Group' resource to which the user belongs.",
    )
    .read_only(),
    Attribute::string(
        "display",
        "A human-readable name, primarily used for display purposes. READ-ONLY.",
    )
    .read_only(),
    Attribute::string(
        "type",
        "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
    )
    .canonical(&["direct", "indirect"])
    .read_only(),
];

const ENTITLEMENTS: &[Attribute] = &[
    Attribute::string("value", "The value of an entitlement."),
    DISPLAY,
    Attribute::string("type", "A label indicating the attribute's function."),
    PRIMARY,
];

const ROLES: &[Attribute] = &[
    Attribute::string("value", "The value of a role."),
    DISPLAY,
    Attribute::string("type", "A label indicating the attribute's function."),
    PRIMARY,
];

const X509_CERTIFICATES: &[Attribute] = &[
    // RFC 7643 §2.3.6: binary values are base64-encoded DER.
    Attribute::binary("value", "The value of an X.509 certificate."),
    DISPLAY,
    Attribute::string("type", "A label indicating the attribute's function."),
    PRIMARY,
];
