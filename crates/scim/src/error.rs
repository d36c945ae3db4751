use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::message::ERROR_SCHEMA;

/// The `scimType` values of RFC 7644 §3.12, table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
}

impl ScimType {
    /// The exact wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }
}

/// A SCIM protocol error (RFC 7644 §3.12): an HTTP status, an optional `scimType`
/// and a `detail` written for the IT admin who reads it in Okta or Entra.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct Error {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

impl Error {
    /// An error with an HTTP status and detail, without `scimType`.
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// A 400 error with a `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// Sets the `scimType`.
    #[must_use]
    pub fn with_type(mut self, scim_type: ScimType) -> Self {
        self.scim_type = Some(scim_type);
        self
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Error", 4)?;
        s.serialize_field("schemas", &[ERROR_SCHEMA])?;
        // RFC 7644 §3.12: "status" is a string; Okta's spec test compares it as text.
        s.serialize_field("status", &self.status.to_string())?;
        if let Some(t) = self.scim_type {
            s.serialize_field("scimType", t.as_str())?;
        } else {
            s.skip_field("scimType")?;
        }
        s.serialize_field("detail", &self.detail)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_status_as_string_and_scim_type() {
        let e = Error::bad_request(ScimType::InvalidFilter, "bad filter");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "bad filter"
            })
        );
    }

    #[test]
    fn omits_scim_type_when_absent() {
        let v = serde_json::to_value(Error::new(404, "gone")).unwrap();
        assert_eq!(v["status"], "404");
        assert!(v.get("scimType").is_none());
    }
}
