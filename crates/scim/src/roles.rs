//! Role mapping: the role values an IdP sends in a user's `roles` attribute,
//! mapped to the vendor app's role by a workspace's table (seed 004: "IdP Role
//! Value → Organization Role", matched exactly), with a default for users whose
//! values match nothing.
//!
//! Stored user documents are already coerced (`crate::value`): Okta's plain
//! strings and Entra's JSON-encoded values arrive here as `{"value": …}` objects.

use serde_json::Value;

/// The role values of a user document, the primary one first, then the others in
/// the order sent; empty and repeated values are dropped.
pub fn role_values(doc: &Value) -> Vec<String> {
    let elements = doc.get("roles").and_then(Value::as_array);
    let primary = |e: &&Value| {
        e.get("primary").is_some_and(|p| {
            p.as_bool() == Some(true) || p.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
        })
    };
    let mut out: Vec<String> = Vec::new();
    let ordered = elements
        .into_iter()
        .flatten()
        .filter(primary)
        .chain(elements.into_iter().flatten().filter(|e| !primary(e)));
    for element in ordered {
        let value = element
            .get("value")
            .or(Some(element))
            .and_then(Value::as_str);
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty())
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_owned());
        }
    }
    out
}

/// One workspace's mapping table and default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMap {
    /// `(idp_value, app_role)` pairs; an IdP value appears once.
    pub mappings: Vec<(String, String)>,
    /// The app role of a user none of whose values is mapped; `None`: no role.
    pub default: Option<String>,
}

impl RoleMap {
    /// The app role of a user with these role values: the mapping of the first
    /// mapped value (primary first), else the default. Values match exactly, as
    /// the seed guides tell admins to type them.
    pub fn app_role(&self, values: &[String]) -> Option<&str> {
        values
            .iter()
            .find_map(|v| {
                self.mappings
                    .iter()
                    .find(|(idp, _)| idp == v)
                    .map(|(_, app)| app.as_str())
            })
            .or(self.default.as_deref())
    }

    /// [`RoleMap::app_role`] of a user document.
    pub fn app_role_of(&self, doc: &Value) -> Option<String> {
        self.app_role(&role_values(doc)).map(str::to_owned)
    }
}

/// Why an IdP value or app role cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRole {
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{0} must be at most {MAX_ROLE_LEN} characters")]
    TooLong(&'static str),
}

/// The longest IdP value or app role accepted.
pub const MAX_ROLE_LEN: usize = 200;

/// Checks a role name typed by an admin (`field` names it in the error) and
/// returns it without surrounding whitespace, which no IdP sends.
pub fn role_name<'a>(field: &'static str, text: &'a str) -> Result<&'a str, InvalidRole> {
    let t = text.trim();
    if t.is_empty() {
        Err(InvalidRole::Empty(field))
    } else if t.chars().count() > MAX_ROLE_LEN {
        Err(InvalidRole::TooLong(field))
    } else {
        Ok(t)
    }
}

#[cfg(test)]
mod tests;
