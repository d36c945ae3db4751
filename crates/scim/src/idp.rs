//! Which identity provider sent a request, told from its `User-Agent`
//! (/work/shared/docs/idp-wire.md §1: Okta sends `Okta SCIM Client 1.0.0`, its
//! Runscope spec tests `OKTA SCIM Integration`; Entra ID's starts with
//! `Microsoft Azure AD SCIM provisioning`).

/// The identity provider behind a SCIM request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idp {
    Okta,
    Entra,
    /// Anything else, including no `User-Agent` at all (scripts, other IdPs).
    Other,
}

impl Idp {
    /// From a `User-Agent` value; `None` (no header) is [`Idp::Other`].
    pub fn from_user_agent(user_agent: Option<&str>) -> Self {
        let Some(ua) = user_agent.map(str::trim) else {
            return Self::Other;
        };
        let lower = ua.to_ascii_lowercase();
        if lower.starts_with("okta") {
            Self::Okta
        } else if lower.starts_with("microsoft azure ad scim provisioning")
            || lower.starts_with("microsoft entra")
        {
            Self::Entra
        } else {
            Self::Other
        }
    }

    /// The stored and JSON spelling: `okta`, `entra`, `other`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "okta",
            Self::Entra => "entra",
            Self::Other => "other",
        }
    }

    /// The inverse of [`Idp::as_str`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "okta" => Some(Self::Okta),
            "entra" => Some(Self::Entra),
            "other" => Some(Self::Other),
            _ => None,
        }
    }

    /// The name an admin reads: `Okta`, `Entra ID`, `Other`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Okta => "Okta",
            Self::Entra => "Entra ID",
            Self::Other => "Other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Idp;

    #[test]
    fn tells_the_idps_from_their_user_agents() {
        let cases = [
            (Some("Okta SCIM Client 1.0.0"), Idp::Okta),
            (Some("OKTA SCIM Integration"), Idp::Okta),
            (
                Some("Microsoft Azure AD SCIM provisioning; (compatible; tenant)"),
                Idp::Entra,
            ),
            (Some("curl/8.5.0"), Idp::Other),
            (Some(""), Idp::Other),
            (None, Idp::Other),
        ];
        for (ua, idp) in cases {
            assert_eq!(Idp::from_user_agent(ua), idp, "{ua:?}");
        }
    }

    #[test]
    fn spelling_round_trips() {
        for idp in [Idp::Okta, Idp::Entra, Idp::Other] {
            assert_eq!(Idp::parse(idp.as_str()), Some(idp));
        }
        assert_eq!(Idp::parse("Okta"), None);
    }
}
