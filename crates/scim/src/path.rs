//! Attribute paths: the `attrPath` of filters (RFC 7644 §3.4.2.2), the PATCH
//! `path` (§3.5.2, figure 7) and the `attributes` / `excludedAttributes`
//! query parameters (§3.4.2.5, in the notation of §3.10).
//!
//! Names are kept as written; [`crate::schema::resolve`] matches them
//! ignoring case (RFC 7643 §2.1).

use std::fmt;
use std::str::FromStr;

use crate::filter::{Filter, FilterError, PathErrorPart, Unchecked, attr_path, parse_patch_path};
use crate::{Error, ScimType};

/// `attrPath = [URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.4.2.2), for example
/// `userName`, `name.familyName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix, without the `:` that ends it: everything up to
    /// the last `:` of the path.
    pub urn: Option<String>,
    /// The attribute name, as written.
    pub name: String,
    /// The sub-attribute name after the `.`, as written.
    pub sub: Option<String>,
}

impl AttrPath {
    /// An unqualified attribute without sub-attribute.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }

    /// This path with the sub-attribute `sub`.
    #[must_use]
    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// This path qualified by the schema URN `urn`.
    #[must_use]
    pub fn with_urn(mut self, urn: impl Into<String>) -> Self {
        self.urn = Some(urn.into());
        self
    }

    /// Parses one attribute path; nothing else may surround it.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        attr_path(text, 0)
    }
}

impl FromStr for AttrPath {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A PATCH operation's `path`: `PATH = attrPath / valuePath [subAttr]`
/// (RFC 7644 §3.5.2, figure 7), for example `name.givenName`,
/// `members[value eq "2819c223"]`, `emails[type eq "work"].value` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    /// The attribute, with its sub-attribute when there is no value filter
    /// (`name.givenName`); never with one when `filter` is set.
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute; check
    /// it with [`crate::filter::check_value_filter`].
    pub filter: Option<Filter<Unchecked>>,
    /// The sub-attribute after the value filter (`value` in `emails[…].value`).
    pub sub: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path. A malformed path is 400 `invalidPath`; a malformed
    /// value filter inside the brackets is 400 `invalidFilter` (RFC 7644 §3.12,
    /// table 9, lists PATCH path filters under `invalidFilter`).
    pub fn parse(text: &str) -> Result<Self, Error> {
        match parse_patch_path(text) {
            Ok(raw) => Ok(Self {
                attr: raw.attr,
                filter: raw.filter.map(Filter::new),
                sub: raw.sub,
            }),
            Err((e, PathErrorPart::Path)) => Err(Error::bad_request(
                ScimType::InvalidPath,
                format!("invalid path: {e}"),
            )),
            Err((e, PathErrorPart::Filter)) => Err(Error::bad_request(
                ScimType::InvalidFilter,
                format!("invalid filter in path: {e}"),
            )),
        }
    }
}

impl FromStr for PatchPath {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Parses the `attributes` or `excludedAttributes` query parameter: attribute
/// paths separated by commas (RFC 7644 §3.4.2.5), such as `userName,emails`
/// or `members`. White space around names and empty items are ignored.
///
/// A malformed name is 400 `invalidValue`, not `invalidPath`: RFC 7644 §3.12
/// table 9 applies `invalidPath` to PATCH only, while `invalidValue` ("the
/// value specified was not compatible with the operation") lists GET (§3.4.2).
pub fn parse_attribute_list(text: &str) -> Result<Vec<AttrPath>, Error> {
    let mut out = Vec::new();
    let mut offset = 0;
    for item in text.split(',') {
        let trimmed = item.trim_start();
        let at = offset + (item.len() - trimmed.len());
        let trimmed = trimmed.trim_end();
        offset += item.len() + 1;
        if trimmed.is_empty() {
            continue;
        }
        let path = attr_path(trimmed, at).map_err(|e| {
            Error::bad_request(
                ScimType::InvalidValue,
                format!("invalid attribute list: {e}"),
            )
        })?;
        out.push(path);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        PatchPath::parse(text).unwrap_err()
    }

    #[test]
    fn attr_paths() {
        assert_eq!(
            AttrPath::parse("userName").unwrap(),
            AttrPath::new("userName")
        );
        assert_eq!(
            AttrPath::parse("name.familyName").unwrap(),
            AttrPath::new("name").with_sub("familyName")
        );
        let p = AttrPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        assert_eq!(
            p,
            AttrPath::new("manager")
                .with_sub("value")
                .with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(
            p.to_string(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
        assert_eq!(
            AttrPath::parse("members.$ref").unwrap(),
            AttrPath::new("members").with_sub("$ref")
        );
        for bad in [
            "",
            "1abc",
            "a.b.c",
            "a b",
            "name.",
            ".x",
            "urn:",
            ":a",
            "a$",
            "emails[x]",
        ] {
            assert!(AttrPath::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn patch_paths_from_the_idps() {
        let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.attr, AttrPath::new("emails"));
        assert_eq!(p.sub.as_deref(), Some("value"));
        assert_eq!(p.filter.unwrap().to_string(), r#"type eq "work""#);

        let p = PatchPath::parse(r#"members[value eq "2819c223"]"#).unwrap();
        assert_eq!(p.attr, AttrPath::new("members"));
        assert!(p.sub.is_none());
        assert!(p.filter.is_some());

        let p = PatchPath::parse(r#"addresses[type eq "work"].streetAddress"#).unwrap();
        assert_eq!(p.sub.as_deref(), Some("streetAddress"));

        let p =
            PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
                .unwrap();
        assert_eq!(
            p.attr.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(p.attr.name, "manager");

        let p = PatchPath::parse("name.givenName").unwrap();
        assert_eq!(p.attr, AttrPath::new("name").with_sub("givenName"));
        assert!(p.filter.is_none() && p.sub.is_none());

        // Entra's attribute table writes sub-attributes capitalised (idp-wire EN-5).
        let p = PatchPath::parse(r#"emails[type eq "other"].Value"#).unwrap();
        assert_eq!(p.sub.as_deref(), Some("Value"));
        let p = PatchPath::parse(r#"roles[primary eq "True"].value"#).unwrap();
        assert_eq!(p.sub.as_deref(), Some("value"));
    }

    #[test]
    fn patch_paths_round_trip() {
        for text in [
            "userName",
            "name.givenName",
            r#"emails[type eq "work"].value"#,
            r#"members[value eq "2819c223"]"#,
            r#"emails[type eq "work" and (primary eq true or value ew "@x.org")].display"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ] {
            let p = PatchPath::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
            assert_eq!(PatchPath::parse(&p.to_string()).unwrap(), p);
        }
    }

    #[test]
    fn malformed_paths_are_invalid_path() {
        for (text, detail) in [
            ("", "invalid path: empty path at position 0"),
            (
                r#"emails[type eq "work""#,
                "invalid path: unclosed '[' at position 6",
            ),
            ("emails]", "invalid path: unexpected ']' at position 6"),
            (
                "1abc",
                "invalid path: invalid attribute name \"1abc\" at position 0",
            ),
            (
                r#"emails[type eq "work"].value.x"#,
                "invalid path: invalid sub-attribute \".value.x\" at position 22",
            ),
            (
                "userName eq",
                "invalid path: unexpected \"eq\" at position 9",
            ),
            (
                r#"name.givenName[value eq "x"]"#,
                "invalid path: '[' must follow an attribute, not the sub-attribute \
                 \"name.givenName\" at position 14",
            ),
        ] {
            let e = err(text);
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidPath)),
                "{text}"
            );
            assert_eq!(e.detail, detail, "{text}");
        }
    }

    #[test]
    fn malformed_value_filters_in_paths_are_invalid_filter() {
        for (text, detail) in [
            (
                "emails[",
                "invalid filter in path: unexpected end of filter at position 7",
            ),
            (
                "emails[type eqq \"work\"].value",
                "invalid filter in path: unknown operator \"eqq\" at position 12",
            ),
            (
                "members[value eq \"x\" and]",
                "invalid filter in path: unexpected ']' at position 24",
            ),
            (
                "emails[type eq \"work].value",
                "invalid filter in path: unterminated string starting at position 15",
            ),
            (
                "emails[x[y pr]]",
                "invalid filter in path: value filters cannot be nested at position 8",
            ),
        ] {
            let e = err(text);
            assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{text}");
            assert_eq!(e.detail, detail, "{text}");
        }
    }

    #[test]
    fn attribute_lists() {
        assert_eq!(
            parse_attribute_list("userName,emails").unwrap(),
            vec![AttrPath::new("userName"), AttrPath::new("emails")]
        );
        assert_eq!(
            parse_attribute_list(" userName , name.familyName ,,").unwrap(),
            vec![
                AttrPath::new("userName"),
                AttrPath::new("name").with_sub("familyName")
            ]
        );
        assert_eq!(parse_attribute_list("").unwrap(), vec![]);
        assert_eq!(
            parse_attribute_list(
                "id,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            )
            .unwrap()[1]
                .name,
            "department"
        );
        let e = parse_attribute_list("userName, na me").unwrap_err();
        assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
        assert_eq!(
            e.detail,
            "invalid attribute list: invalid attribute name \"na me\" at position 10"
        );
    }
}
