//! Registered redirect URIs: validated once at registration, then compared by exact
//! string (RFC 9700 §2.1, §4.1.3; RFC 6749 §3.1.2).

use std::fmt;
use std::net::Ipv6Addr;

use url::{Host, Url};

/// Longest redirect URI we register; bounds what we store and echo.
pub const MAX_REDIRECT_URI_LEN: usize = 2048;

/// Longest Okta `appName` accepted by [`okta_presets`].
pub const MAX_APP_NAME_LEN: usize = 100;

/// The Okta cells whose admin host serves the SCIM connector's OAuth callback
/// (oauth-okta.md §1.3, from Okta's SCIM "prepare" guide).
pub const OKTA_CALLBACK_HOSTS: [&str; 4] = [
    "system-admin.okta.com",
    "system-admin.okta-emea.com",
    "system-admin.oktapreview.com",
    "system-admin.trexcloud.com",
];

/// A redirect URI that passed the registration rules. It keeps the exact string the
/// admin registered; matching compares that string byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectUri {
    raw: String,
    url: Url,
}

/// Why a string cannot be registered as a redirect URI (each message names the rule).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    /// Not an absolute URL (RFC 6749 §3.1.2).
    #[error("the redirect URI must be an absolute URL: {0}")]
    NotAbsolute(url::ParseError),
    /// Longer than [`MAX_REDIRECT_URI_LEN`].
    #[error("the redirect URI is longer than {MAX_REDIRECT_URI_LEN} characters")]
    TooLong,
    /// Not `https`, and not `http` on a loopback host (RFC 6749 §3.1.2.1; RFC 9700 §2.1).
    #[error(
        "the redirect URI must use https (http is allowed only for 127.0.0.1, [::1] and localhost)"
    )]
    InsecureScheme,
    /// Contains a fragment (RFC 6749 §3.1.2).
    #[error("the redirect URI must not contain a fragment (#...)")]
    Fragment,
    /// Contains a user name or password (RFC 9700 §4.1.3 open-redirect tricks).
    #[error("the redirect URI must not contain a user name or password (user@host)")]
    UserInfo,
    /// Contains a `*` in the host: wildcards are not allowed (RFC 9700 §2.1).
    #[error("the redirect URI must not contain a wildcard (*) in the host")]
    Wildcard,
    /// Not written in normalised form, so what is matched could differ from what
    /// was validated (RFC 9700 §4.1.3 parser differentials).
    #[error("the redirect URI must be written in normalised form: {normalised}")]
    NotNormalised {
        /// The form to register instead.
        normalised: String,
    },
    /// An Okta `appName` with characters other than letters, digits, `_` and `-`.
    #[error(
        "the Okta app name must be 1 to {MAX_APP_NAME_LEN} letters, digits, '_' or '-' (the segment between /app/ and /instance/ in the Okta Admin Console URL)"
    )]
    InvalidAppName,
}

impl RedirectUri {
    /// Validates `raw` against the registration rules: absolute URL, `https` (or
    /// `http` on a loopback host), no fragment, no userinfo, no `*` in the host, and
    /// written in the normalised form the URL parser produces (so `..`, `:443`,
    /// upper-case hosts and `\` are refused rather than silently rewritten). A query
    /// string is allowed (RFC 6749 §3.1.2; Okta scope advice).
    pub fn parse(raw: &str) -> Result<Self, RedirectUriError> {
        if raw.len() > MAX_REDIRECT_URI_LEN {
            return Err(RedirectUriError::TooLong);
        }
        let url = Url::parse(raw).map_err(RedirectUriError::NotAbsolute)?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => return Err(RedirectUriError::InsecureScheme),
        }
        // A bare `#` gives `Some("")`: still a fragment delimiter (RFC 6749 §3.1.2).
        if url.fragment().is_some() || raw.contains('#') {
            return Err(RedirectUriError::Fragment);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RedirectUriError::UserInfo);
        }
        if url.host_str().is_none_or(|h| h.contains('*')) {
            return Err(RedirectUriError::Wildcard);
        }
        if url.as_str() != raw {
            return Err(RedirectUriError::NotNormalised {
                normalised: url.as_str().to_owned(),
            });
        }
        Ok(Self {
            raw: raw.to_owned(),
            url,
        })
    }

    /// The registered string.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether a `redirect_uri` parameter names this URI. Exact, case-sensitive
    /// string comparison with no normalisation (RFC 9700 §4.1.3; RFC 6749 §3.1.2.3).
    pub fn matches(&self, presented: &str) -> bool {
        self.raw == presented
    }

    /// The URI with `params` appended to its query, keeping any query it already has,
    /// form-urlencoded (RFC 6749 §3.1.2, §4.1.2: "MUST retain the query component").
    pub fn with_params(&self, params: &[(&str, &str)]) -> String {
        let mut url = self.url.clone();
        url.query_pairs_mut().extend_pairs(params);
        url.into()
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Loopback hosts where plain `http` is tolerated (RFC 8252 §7.3, §8.3).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Some(Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// The Okta SCIM connector's callback URIs for `app_name`, one per Okta cell in
/// [`OKTA_CALLBACK_HOSTS`]. `app_name` must be letters, digits, `_` or `-`, so it
/// cannot add a path segment, query or host.
pub fn okta_presets(app_name: &str) -> Result<Vec<RedirectUri>, RedirectUriError> {
    let valid = !app_name.is_empty()
        && app_name.len() <= MAX_APP_NAME_LEN
        && app_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(RedirectUriError::InvalidAppName);
    }
    OKTA_CALLBACK_HOSTS
        .iter()
        .map(|host| {
            RedirectUri::parse(&format!(
                "https://{host}/admin/app/cpc/{app_name}/oauth/callback"
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests;
