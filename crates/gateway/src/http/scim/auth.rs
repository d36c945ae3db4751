//! Bearer authentication for SCIM: the credential decides the workspace.
//!
//! Each refusal says what an IT admin should check (the questions in the seed
//! guides' troubleshooting sections) and reveals nothing about other workspaces:
//! the only facts given are about the token that was presented.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use oauth::{AccessTokenError, PlainToken, SecretKind, TokenError};

use super::ScimApiError;
use crate::http::Attribution;
use crate::provlog::Reason;
use crate::state::AppState;

/// How stale `last_used_at` may get before a request writes it again.
const LAST_USED_GRANULARITY: time::Duration = time::Duration::minutes(1);

const MISSING: &str = "No credential was sent. Send the workspace's SCIM token in the header \
    'Authorization: Bearer <token>' (Okta: paste it as the API Token; Entra ID: as the Secret Token).";
const NOT_BEARER: &str = "The Authorization header is not a bearer token. It must read \
    'Authorization: Bearer <token>' (or, for header-auth app templates, 'Authorization: <token>') with the \
    scimgate token that starts with sgt_.";
const NOT_OURS: &str = "The bearer token is neither a scimgate SCIM token (they start with sgt_) nor an \
    OAuth access token from this gateway. Check that the token pasted into the identity provider is the one \
    the workspace admin created.";
const OAUTH_EXPIRED: &str = "The OAuth access token has expired. The identity provider should refresh it; \
    if this keeps happening, in Okta click 'Re-authenticate' on the app's Provisioning > Integration page.";
const OAUTH_INVALID: &str = "The OAuth access token was not issued by this gateway for this SCIM base URL, \
    or its signing key was retired. In Okta click 'Re-authenticate' on the app's Provisioning > Integration page.";
const OAUTH_REVOKED: &str = "The OAuth authorization was revoked by a workspace admin or the client. In Okta \
    click 'Re-authenticate' on the app's Provisioning > Integration page and approve again.";
const INCOMPLETE: &str = "The bearer token starts like a scimgate token but is incomplete or altered. \
    Paste the whole token again, exactly as it was shown when it was created.";
const UNKNOWN: &str = "The bearer token is not recognised. It may have been mistyped or belong to another \
    scimgate installation. Ask the workspace admin for a new token and paste it into the identity provider.";
const REVOKED: &str = "The bearer token was revoked by a workspace admin. Ask the workspace admin for a \
    new token and paste it into the identity provider.";
const EXPIRED: &str = "The bearer token has expired. Ask the workspace admin for a new token and paste it \
    into the identity provider.";

/// Why a credential was refused: the detail the IT admin reads, and the reason
/// the provisioning log shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Missing,
    NotBearer,
    NotOurs,
    Incomplete,
    Unknown,
    Revoked,
    Expired,
    OAuthExpired,
    OAuthInvalid,
    OAuthRevoked,
    /// The workspace's Provisioning settings refuse bearer tokens.
    BearerOff,
    /// The workspace's Provisioning settings refuse OAuth access tokens.
    OAuthOff,
}

impl Refusal {
    /// The SCIM error's `detail`.
    pub(crate) const fn detail(self) -> &'static str {
        match self {
            Self::Missing => MISSING,
            Self::NotBearer => NOT_BEARER,
            Self::NotOurs => NOT_OURS,
            Self::Incomplete => INCOMPLETE,
            Self::Unknown => UNKNOWN,
            Self::Revoked => REVOKED,
            Self::Expired => EXPIRED,
            Self::OAuthExpired => OAUTH_EXPIRED,
            Self::OAuthInvalid => OAUTH_INVALID,
            Self::OAuthRevoked => OAUTH_REVOKED,
            Self::BearerOff => BEARER_OFF,
            Self::OAuthOff => OAUTH_OFF,
        }
    }

    pub(crate) const fn reason(self) -> Reason {
        match self {
            Self::Missing => Reason::MissingToken,
            Self::NotBearer | Self::NotOurs | Self::Incomplete | Self::Unknown => {
                Reason::WrongToken
            }
            Self::Revoked => Reason::RevokedToken,
            Self::Expired => Reason::ExpiredToken,
            Self::OAuthExpired => Reason::OAuthExpired,
            Self::OAuthInvalid => Reason::OAuthInvalid,
            Self::OAuthRevoked => Reason::OAuthRevoked,
            Self::BearerOff | Self::OAuthOff => Reason::CredentialKindOff,
        }
    }
}

pub(super) const SCIM_OFF: &str = "SCIM provisioning is turned off for this workspace. A workspace admin can turn it \
    on in the scimgate console under Provisioning settings.";
const BEARER_OFF: &str = "This workspace does not accept bearer tokens for SCIM. A workspace admin can allow \
    them in the scimgate console under Provisioning settings, or connect with OAuth instead.";
const OAUTH_OFF: &str = "This workspace does not accept OAuth access tokens for SCIM. A workspace admin can \
    allow OAuth in the scimgate console under Provisioning settings, or use a bearer token instead.";

/// The workspace's Provisioning settings: SCIM on (else 403), and the credential's
/// kind allowed (else 401, as for any refused credential).
fn allowed(s: store::ScimSettings, oauth: bool) -> Result<(), ScimApiError> {
    if !s.scim_enabled {
        return Err(ScimApiError::ScimDisabled);
    }
    match (oauth, s.allow_oauth, s.allow_bearer_tokens) {
        (true, false, _) => Err(ScimApiError::Unauthorized(Refusal::OAuthOff)),
        (false, _, false) => Err(ScimApiError::Unauthorized(Refusal::BearerOff)),
        _ => Ok(()),
    }
}

/// The authenticated workspace of a SCIM request.
#[derive(Debug, Clone)]
pub(crate) struct WorkspaceAuth {
    pub(crate) workspace_id: String,
    /// Who acts, for the audit trail: `token <name>`.
    pub(crate) actor: String,
    /// The IdP that sent the request (`User-Agent`).
    pub(crate) idp: scim::Idp,
}

impl FromRequestParts<AppState> for WorkspaceAuth {
    type Rejection = ScimApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ScimApiError::Unauthorized(Refusal::Missing))?;
        let token =
            credential(header.as_bytes()).ok_or(ScimApiError::Unauthorized(Refusal::NotBearer))?;
        let idp =
            scim::Idp::from_user_agent(parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()));
        // Where the request's workspace is named (its log line, the provisioning log).
        let attribution = parts.extensions.get::<Attribution>().cloned();
        if token.bytes().filter(|b| *b == b'.').count() == 2 {
            return access_token(token, app, idp, attribution.as_ref()).await;
        }
        let token = PlainToken::parse(SecretKind::WorkspaceToken, token).map_err(|e| {
            ScimApiError::Unauthorized(match e {
                TokenError::WrongPrefix => Refusal::NotOurs,
                TokenError::Malformed => Refusal::Incomplete,
            })
        })?;
        let store::ScimToken {
            token: record,
            settings,
        } = app
            .store
            .token_by_hash(token.hash().as_str())
            .await?
            .ok_or(ScimApiError::Unauthorized(Refusal::Unknown))?;
        // Known token rows name their workspace, live or not: its admin sees the refusal.
        if let Some(a) = &attribution {
            a.set(&record.workspace_id);
        }
        let now = app.clock.now();
        if record.revoked_at.is_some() {
            return Err(ScimApiError::Unauthorized(Refusal::Revoked));
        }
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(ScimApiError::Unauthorized(Refusal::Expired));
        }
        allowed(settings, false)?;
        if record
            .last_used_at
            .is_none_or(|at| at < now - LAST_USED_GRANULARITY)
        {
            let store = app.store.clone();
            // Off the request path: a slow write must not delay provisioning.
            tokio::spawn(async move {
                if let Err(e) = store
                    .touch_token(record.id, now, LAST_USED_GRANULARITY)
                    .await
                {
                    tracing::debug!(error = %e, "could not record token use");
                }
            });
        }
        rate_limit(app, &format!("token {}", record.id))?;
        Ok(Self {
            actor: format!("token {}", record.name),
            workspace_id: record.workspace_id,
            idp,
        })
    }
}

/// An OAuth access token: a JWT of ours, for this SCIM base, whose grant is live.
async fn access_token(
    token: &str,
    app: &AppState,
    idp: scim::Idp,
    attribution: Option<&Attribution>,
) -> Result<WorkspaceAuth, ScimApiError> {
    let now = app.clock.now();
    let claims = app
        .keys
        .verify(token, app.urls.issuer(), &app.urls.scim_base(), now)
        .map_err(|e| {
            tracing::info!(reason = %e, "access token refused");
            ScimApiError::Unauthorized(match e {
                AccessTokenError::Expired => Refusal::OAuthExpired,
                _ => Refusal::OAuthInvalid,
            })
        })?;
    // Revocation and the workspace switches are honoured on every request: one
    // indexed lookup of the grant with its workspace.
    let store::ScimGrant { grant, settings } = app
        .store
        .scim_grant(claims.sid)
        .await?
        .filter(|g| g.grant.workspace_id == claims.ws)
        .ok_or(ScimApiError::Unauthorized(Refusal::OAuthRevoked))?;
    if let Some(a) = attribution {
        a.set(&grant.workspace_id);
    }
    if grant.revoked_at.is_some() {
        return Err(ScimApiError::Unauthorized(Refusal::OAuthRevoked));
    }
    allowed(settings, true)?;
    if grant
        .last_used_at
        .is_none_or(|at| at < now - LAST_USED_GRANULARITY)
    {
        let store = app.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store
                .touch_grant(grant.id, now, LAST_USED_GRANULARITY)
                .await
            {
                tracing::debug!(error = %e, "could not record grant use");
            }
        });
    }
    rate_limit(app, &format!("grant {}", grant.id))?;
    Ok(WorkspaceAuth {
        actor: format!("oauth {}", grant.client_id),
        workspace_id: grant.workspace_id,
        idp,
    })
}

/// Counts a request of an authenticated credential against `SCIMGATE_SCIM_RATE_LIMIT`.
fn rate_limit(app: &AppState, credential: &str) -> Result<(), ScimApiError> {
    app.limits.scim.check(credential).map_err(|wait| {
        tracing::info!(retry_after_s = wait, "SCIM request over the rate limit");
        ScimApiError::RateLimited(wait)
    })
}

/// The token of `Bearer <token>` (scheme case-insensitive, RFC 7235 §2.1), with
/// surrounding whitespace from a paste tolerated.
fn bearer(value: &[u8]) -> Option<&str> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, token) = value.split_once(char::is_whitespace)?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The token of an `Authorization` value: `Bearer <token>`, or the bare token that
/// header-auth templates send (Okta "SCIM 1.1 Header Auth" puts the API Token pasted by
/// the admin as the whole header value). A bare value counts only when it looks like
/// one of our credentials (`sgt_…` or a JWT), so `Basic …` or an Okta spec test's
/// `non-token` still get the "not a bearer token" detail.
fn credential(value: &[u8]) -> Option<&str> {
    bearer(value).or_else(|| {
        let bare = std::str::from_utf8(value).ok()?.trim();
        let looks_ours = bare.starts_with(SecretKind::WorkspaceToken.prefix())
            || bare.bytes().filter(|b| *b == b'.').count() == 2;
        (looks_ours && !bare.contains(char::is_whitespace)).then_some(bare)
    })
}

#[cfg(test)]
mod tests {
    use super::{bearer, credential};

    #[test]
    fn parses_bearer_values() {
        assert_eq!(bearer(b"Bearer abc"), Some("abc"));
        assert_eq!(bearer(b"bearer   abc  "), Some("abc"));
        assert_eq!(bearer(b" BEARER abc"), Some("abc"));
        assert_eq!(bearer(b"Bearer"), None);
        assert_eq!(bearer(b"Bearer   "), None);
        assert_eq!(bearer(b"Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer(b"non-token"), None);
        assert_eq!(bearer(b"Bearer \xff"), None);
    }

    #[test]
    fn accepts_bare_tokens_from_header_auth_templates() {
        let token = format!("sgt_{}", "a".repeat(64));
        assert_eq!(credential(token.as_bytes()), Some(token.as_str()));
        // A paste with a trailing newline or leading spaces.
        let pasted = format!("  {token}\r\n");
        assert_eq!(credential(pasted.as_bytes()), Some(token.as_str()));
        let bearer_form = format!("Bearer {token}");
        assert_eq!(credential(bearer_form.as_bytes()), Some(token.as_str()));
        assert_eq!(credential(b"eyJh.eyJz.c2ln"), Some("eyJh.eyJz.c2ln"));
        // A truncated paste is still ours, so it gets the "incomplete" detail later.
        assert_eq!(credential(b"sgt_abc"), Some("sgt_abc"));
    }

    #[test]
    fn refuses_values_that_are_no_credential_of_ours() {
        assert_eq!(credential(b"non-token"), None);
        assert_eq!(credential(b"Basic dXNlcjpwYXNz"), None);
        assert_eq!(credential(b"Token sgt_abc"), None);
        assert_eq!(credential(b"sgt_abc sgt_def"), None);
        assert_eq!(credential(b""), None);
        assert_eq!(credential(b"   "), None);
        assert_eq!(credential(b"sgt_\xff"), None);
    }
}
