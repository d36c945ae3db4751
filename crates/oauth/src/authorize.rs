//! The authorization request (RFC 6749 §4.1.1) as a typestate: an
//! [`AuthorizeRequest`] holds what the query said; only
//! [`AuthorizeRequest::validate`] turns it into a [`ValidAuthorizeRequest`], the only
//! input of the consent page and the code issuer.

use crate::error::{ErrorCode, OAuthError};
use crate::pkce::CodeChallenge;
use crate::redirect::RedirectUri;

/// Scope that asks for a refresh token; accepted and ignored, since refresh tokens
/// are always issued (oauth-okta.md §1.2).
pub const OFFLINE_ACCESS: &str = "offline_access";

/// Longest `state` echoed back (oauth-okta.md §1.2: a sane cap, no charset rule).
pub const MAX_STATE_LEN: usize = 2048;

/// A parameter as it appeared in the query: absent, once, or repeated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Param {
    #[default]
    Absent,
    Once(String),
    Repeated,
}

impl Param {
    fn push(&mut self, value: &str) {
        *self = match self {
            // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
            Self::Absent if value.is_empty() => Self::Absent,
            Self::Absent => Self::Once(value.to_owned()),
            Self::Once(_) | Self::Repeated => Self::Repeated,
        };
    }

    fn once(&self) -> Option<&str> {
        match self {
            Self::Once(v) => Some(v),
            Self::Absent | Self::Repeated => None,
        }
    }
}

/// An authorization request as received, not yet checked against a client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeRequest {
    response_type: Param,
    client_id: Param,
    redirect_uri: Param,
    scope: Param,
    state: Param,
    code_challenge: Param,
    code_challenge_method: Param,
}

/// What the validator needs to know about the client named by `client_id`.
#[derive(Debug, Clone, Copy)]
pub struct ClientView<'a> {
    /// The client's id.
    pub client_id: &'a str,
    /// The client's registered redirect URIs.
    pub redirect_uris: &'a [RedirectUri],
    /// Whether this client must send a PKCE challenge (RFC 9700 §2.1.1); off for Okta.
    pub requires_pkce: bool,
    /// Scopes this client may request besides `offline_access`. A request without
    /// `scope` is granted all of them (RFC 6749 §3.3 default scope, e.g. `["scim"]`).
    pub allowed_scopes: &'a [&'a str],
}

/// Why an authorization request that cannot be redirected is refused: the client or
/// redirect URI is not verified, so the user gets an error page (RFC 6749 §4.1.2.1,
/// §3.1.2.4; RFC 9700 §4.11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// `client_id` missing or repeated.
    #[error("the request has no single client_id")]
    MissingClientId,
    /// The [`ClientView`] is not the client the request names.
    #[error("the client_id does not name this client")]
    ClientMismatch,
    /// `redirect_uri` repeated.
    #[error("the request repeats redirect_uri")]
    RepeatedRedirectUri,
    /// `redirect_uri` omitted while the client has zero or several registered.
    #[error("redirect_uri is required because the client does not have exactly one registered")]
    RedirectUriRequired,
    /// `redirect_uri` is not one of the client's registered URIs, exactly.
    #[error("redirect_uri is not registered for this client (it must match exactly)")]
    UnregisteredRedirectUri,
}

/// A refused authorization request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// Show an error page; never redirect.
    #[error("{0}")]
    Render(RenderError),
    /// Redirect (303) to `to`, which carries `error`, `error_description` and `state`.
    #[error("redirect with {error}")]
    Redirect {
        /// The verified redirect URI plus the error parameters.
        to: String,
        /// The error sent in the redirect.
        error: OAuthError,
    },
}

/// An authorization request whose client, redirect URI, response type, scope and
/// PKCE challenge have been checked. Only [`AuthorizeRequest::validate`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAuthorizeRequest {
    client_id: String,
    redirect_uri: RedirectUri,
    redirect_uri_sent: bool,
    scopes: Vec<String>,
    offline_access: bool,
    state: Option<String>,
    code_challenge: Option<CodeChallenge>,
}

impl AuthorizeRequest {
    /// Collects the parameters of a decoded query string. Unknown parameters are
    /// ignored and empty values count as absent (RFC 6749 §3.1); repeats are
    /// remembered and refused by [`Self::validate`].
    pub fn from_query<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut req = Self::default();
        for (key, value) in pairs {
            let slot = match key.as_ref() {
                "response_type" => &mut req.response_type,
                "client_id" => &mut req.client_id,
                "redirect_uri" => &mut req.redirect_uri,
                "scope" => &mut req.scope,
                "state" => &mut req.state,
                "code_challenge" => &mut req.code_challenge,
                "code_challenge_method" => &mut req.code_challenge_method,
                _ => continue,
            };
            slot.push(value.as_ref());
        }
        req
    }

    /// The `client_id` to look the client up by, when sent exactly once.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.once()
    }

    /// Checks the request against `client`. Client and redirect URI come first and
    /// fail as [`AuthorizeError::Render`]; only then do other errors redirect
    /// (RFC 6749 §4.1.2.1).
    pub fn validate(
        self,
        client: &ClientView<'_>,
    ) -> Result<ValidAuthorizeRequest, AuthorizeError> {
        let render = AuthorizeError::Render;
        let client_id = self
            .client_id
            .once()
            .ok_or(render(RenderError::MissingClientId))?;
        if client_id != client.client_id {
            return Err(render(RenderError::ClientMismatch));
        }
        // RFC 6749 §3.1.2.3: exact match against the registered URIs; the parameter
        // may be omitted only when exactly one is registered.
        let (redirect_uri, redirect_uri_sent) = match &self.redirect_uri {
            Param::Repeated => return Err(render(RenderError::RepeatedRedirectUri)),
            Param::Once(sent) => (
                client
                    .redirect_uris
                    .iter()
                    .find(|r| r.matches(sent))
                    .ok_or(render(RenderError::UnregisteredRedirectUri))?,
                true,
            ),
            Param::Absent => match client.redirect_uris {
                [only] => (only, false),
                _ => return Err(render(RenderError::RedirectUriRequired)),
            },
        };

        // From here on the redirect URI is verified: errors go back to the client.
        let state = self.state.once().filter(|s| s.len() <= MAX_STATE_LEN);
        let fail = |code: ErrorCode, description: &str| {
            let error = OAuthError::new(code, description);
            AuthorizeError::Redirect {
                to: error_redirect(redirect_uri, &error, state),
                error,
            }
        };

        let repeated = [
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ]
        .into_iter()
        .find(|(_, p)| **p == Param::Repeated);
        if let Some((name, _)) = repeated {
            // RFC 6749 §3.1: parameters MUST NOT be included more than once.
            return Err(fail(
                ErrorCode::InvalidRequest,
                &format!("{name} is repeated"),
            ));
        }
        if self.state.once().is_some() && state.is_none() {
            return Err(fail(
                ErrorCode::InvalidRequest,
                &format!("state is longer than {MAX_STATE_LEN} bytes"),
            ));
        }
        match self.response_type.once() {
            None => return Err(fail(ErrorCode::InvalidRequest, "response_type is required")),
            Some("code") => {}
            Some(_) => {
                return Err(fail(
                    ErrorCode::UnsupportedResponseType,
                    "only response_type=code is supported",
                ));
            }
        }
        let (scopes, offline_access) = parse_scope(self.scope.once(), client.allowed_scopes)
            .map_err(|e| fail(e.code, &e.description))?;
        let code_challenge = match (
            self.code_challenge.once(),
            self.code_challenge_method.once(),
        ) {
            (Some(challenge), method) => Some(
                CodeChallenge::parse(challenge, method)
                    .map_err(|e| fail(ErrorCode::InvalidRequest, &e.to_string()))?,
            ),
            (None, Some(_)) => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "code_challenge_method sent without code_challenge",
                ));
            }
            (None, None) if client.requires_pkce => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "this client must send a PKCE code_challenge (S256)",
                ));
            }
            (None, None) => None,
        };
        Ok(ValidAuthorizeRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.clone(),
            redirect_uri_sent,
            scopes,
            offline_access,
            state: state.map(str::to_owned),
            code_challenge,
        })
    }
}

/// Splits and checks `scope` (RFC 6749 §3.3): space-delimited tokens of
/// `%x21 / %x23-5B / %x5D-7E`; `offline_access` is accepted and set aside; every other
/// token must be allowed. Absent → all allowed scopes. Returns the granted scopes,
/// sorted and deduplicated, and whether `offline_access` was asked for.
pub fn parse_scope(
    scope: Option<&str>,
    allowed: &[&str],
) -> Result<(Vec<String>, bool), OAuthError> {
    let mut offline = false;
    let mut granted = Vec::new();
    for token in scope
        .unwrap_or_default()
        .split(' ')
        .filter(|t| !t.is_empty())
    {
        let well_formed = token
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
        if !well_formed {
            return Err(OAuthError::invalid_scope(
                "scope contains invalid characters",
            ));
        }
        if token == OFFLINE_ACCESS {
            offline = true;
        } else if allowed.contains(&token) {
            granted.push(token.to_owned());
        } else {
            return Err(OAuthError::invalid_scope(format!(
                "unknown scope {token}; allowed: {} {OFFLINE_ACCESS}",
                allowed.join(" ")
            )));
        }
    }
    if granted.is_empty() {
        granted = allowed.iter().map(|s| (*s).to_owned()).collect();
    }
    granted.sort();
    granted.dedup();
    Ok((granted, offline))
}

/// The registered URI plus `error`, `error_description` and, if sent, `state`
/// (RFC 6749 §4.1.2.1).
fn error_redirect(uri: &RedirectUri, error: &OAuthError, state: Option<&str>) -> String {
    let mut params = vec![("error", error.code.as_str())];
    if !error.description.is_empty() {
        params.push(("error_description", &error.description));
    }
    if let Some(state) = state {
        params.push(("state", state));
    }
    uri.with_params(&params)
}

impl ValidAuthorizeRequest {
    /// The client's id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The verified redirect URI (the one sent, or the only one registered).
    pub fn redirect_uri(&self) -> &RedirectUri {
        &self.redirect_uri
    }

    /// Whether `redirect_uri` was in the request; if so the token request must repeat
    /// it (RFC 6749 §4.1.3). Store it with the code.
    pub fn redirect_uri_sent(&self) -> bool {
        self.redirect_uri_sent
    }

    /// The granted scopes, sorted (without `offline_access`).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The granted scopes as one space-delimited string (RFC 6749 §3.3).
    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }

    /// Whether `offline_access` was requested.
    pub fn offline_access(&self) -> bool {
        self.offline_access
    }

    /// The client's `state`, to echo back byte for byte (RFC 6749 §4.1.2).
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    /// The PKCE challenge to store with the code.
    pub fn code_challenge(&self) -> Option<&CodeChallenge> {
        self.code_challenge.as_ref()
    }

    /// Where to send the user agent with a fresh code (RFC 6749 §4.1.2).
    pub fn success_redirect(&self, code: &str) -> String {
        let mut params = vec![("code", code)];
        if let Some(state) = &self.state {
            params.push(("state", state));
        }
        self.redirect_uri.with_params(&params)
    }

    /// Where to send the user agent with an error, e.g. `access_denied` after Deny or
    /// `server_error` (RFC 6749 §4.1.2.1).
    pub fn error_redirect(&self, error: &OAuthError) -> String {
        error_redirect(&self.redirect_uri, error, self.state.as_deref())
    }
}

#[cfg(test)]
mod tests;
