//! `POST /oauth/token` (authorization code, refresh token, client credentials)
//! and `POST /oauth/revoke` (RFC 7009).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oauth::{
    ACCESS_TOKEN_LIFETIME, AccessClaims, CodeChallenge, ErrorCode, OAuthError, PlainToken,
    REFRESH_IDLE_LIFETIME, SecretKind, TokenRequest, check_pkce, check_redirect_binding,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use store::{ClientRecord, GrantRecord, Redemption, Refresh};

use super::{SCOPES, TokenError, authenticate_client, no_store};
use crate::state::AppState;

/// The form pairs of a `application/x-www-form-urlencoded` body (RFC 6749 §3.2).
fn form_pairs(headers: &HeaderMap, body: &Bytes) -> Result<Vec<(String, String)>, TokenError> {
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        )
        .into());
    }
    Ok(url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

pub(super) async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenError> {
    let form = form_pairs(&headers, &body)?;
    let client = authenticate_client(&app, &headers, &form).await?;
    let request = TokenRequest::parse(&form)?;
    tracing::info!(grant_type = request.grant_type(), "token request");
    let now = app.clock.now();
    match request {
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            code_grant(
                &app,
                &client,
                code,
                redirect_uri.as_deref(),
                code_verifier.as_ref(),
                now,
            )
            .await
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => refresh_grant(&app, &client, refresh_token, scope.as_deref(), now).await,
        TokenRequest::ClientCredentials { scope } => {
            let Some(workspace) = client.workspace_id.as_deref() else {
                return Err(OAuthError::new(
                    ErrorCode::UnauthorizedClient,
                    "a vendor-level client needs a workspace admin's approval: use the authorization_code grant",
                )
                .into());
            };
            let all = SCOPES.join(" ");
            let scope = narrowed(scope.as_deref(), &all)?;
            let grant = app
                .store
                .client_credentials_grant(client.id, workspace, &all, now)
                .await?;
            // RFC 6749 §4.4.3: no refresh token; the client authenticates again instead.
            Ok(issue(&app, &client, &grant, &scope, None, now))
        }
    }
}

/// Redeems an authorization code (RFC 6749 §4.1.3).
async fn code_grant(
    app: &AppState,
    client: &ClientRecord,
    code: SecretString,
    redirect_uri: Option<&str>,
    code_verifier: Option<&SecretString>,
    now: time::OffsetDateTime,
) -> Result<Response, TokenError> {
    let invalid =
        || OAuthError::invalid_grant("the authorization code is invalid, expired or already used");
    let hash = PlainToken::parse(SecretKind::AuthorizationCode, code.expose_secret())
        .map_err(|_| invalid())?
        .hash();
    let stored = app.store.code(hash.as_str()).await?.ok_or_else(invalid)?;
    if stored.client != client.id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        )
        .into());
    }
    if stored.consumed_at.is_some() {
        // A replay: revoke what the first redemption issued (RFC 6749 §4.1.2).
        app.store.replay_code(hash.as_str(), now).await?;
        tracing::warn!(workspace.id = %stored.workspace_id, "authorization code replayed; grant revoked");
        let actor = format!("oauth {}", client.client_id);
        super::audit(
            app,
            &stored.workspace_id,
            &actor,
            "oauth.code_replayed",
            client,
            now,
        )
        .await;
        return Err(OAuthError::invalid_grant(
            "the authorization code was already used; every token issued from it is revoked",
        )
        .into());
    }
    let lifetime =
        time::Duration::try_from(app.config.oauth_code_lifetime).unwrap_or(time::Duration::MINUTE);
    if now - stored.issued_at >= lifetime {
        return Err(OAuthError::invalid_grant("the authorization code has expired").into());
    }
    check_redirect_binding(&stored.redirect_uri, stored.redirect_uri_sent, redirect_uri)?;
    let challenge = stored
        .code_challenge
        .as_deref()
        .map(|c| CodeChallenge::parse(c, Some("S256")))
        .transpose()
        .map_err(|_| invalid())?;
    check_pkce(
        challenge.as_ref(),
        code_verifier.map(ExposeSecret::expose_secret),
    )?;
    let refresh = PlainToken::generate(SecretKind::RefreshToken);
    match app
        .store
        .redeem_code(hash.as_str(), refresh.hash().as_str(), now)
        .await?
    {
        Redemption::Issued(grant) => {
            let actor = format!("oauth {}", client.client_id);
            super::audit(
                app,
                &grant.workspace_id,
                &actor,
                "oauth.code_redeemed",
                client,
                now,
            )
            .await;
            Ok(issue(
                app,
                client,
                &grant,
                &grant.scope,
                Some(&refresh),
                now,
            ))
        }
        Redemption::Replayed => Err(invalid().into()),
    }
}

/// Exchanges a refresh token for new tokens (RFC 6749 §6).
async fn refresh_grant(
    app: &AppState,
    client: &ClientRecord,
    refresh_token: SecretString,
    scope: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<Response, TokenError> {
    let hash = PlainToken::parse(SecretKind::RefreshToken, refresh_token.expose_secret())
        .map_err(|_| {
            OAuthError::invalid_grant("the refresh token is not a scimgate refresh token")
        })?
        .hash();
    let next = PlainToken::generate(SecretKind::RefreshToken);
    let outcome = app
        .store
        .refresh(
            hash.as_str(),
            client.id,
            next.hash().as_str(),
            now,
            REFRESH_IDLE_LIFETIME,
        )
        .await?;
    let refused = |why: &str| Err(OAuthError::invalid_grant(why).into());
    let grant = match outcome {
        Refresh::Rotated(grant) => grant,
        Refresh::Unknown => {
            return refused("the refresh token is unknown or belongs to another client");
        }
        Refresh::Revoked => {
            return refused(
                "the authorization was revoked; re-authenticate in the identity provider",
            );
        }
        Refresh::Reused => {
            tracing::warn!("retired refresh token reused; grant revoked");
            // A vendor-level client has no workspace to record it in; its log line stands.
            if let Some(ws) = &client.workspace_id {
                let actor = format!("oauth {}", client.client_id);
                super::audit(app, ws, &actor, "oauth.refresh_reuse_detected", client, now).await;
            }
            return refused(
                "the refresh token was already replaced; the authorization is revoked, re-authenticate in the identity provider",
            );
        }
        Refresh::Expired => {
            return refused(
                "the refresh token expired after long inactivity; re-authenticate in the identity provider",
            );
        }
    };
    let scope = narrowed(scope, &grant.scope)?;
    Ok(issue(app, client, &grant, &scope, Some(&next), now))
}

/// The requested scope, which may narrow but never widen the grant's (RFC 6749 §6).
fn narrowed(requested: Option<&str>, granted: &str) -> Result<String, OAuthError> {
    let Some(requested) = requested else {
        return Ok(granted.to_owned());
    };
    let granted: Vec<&str> = granted.split(' ').collect();
    let mut out: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if s == oauth::OFFLINE_ACCESS {
            continue;
        }
        if !granted.contains(&s) {
            return Err(OAuthError::invalid_scope(format!(
                "scope {} was not granted",
                s.chars().take(40).collect::<String>()
            )));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Ok(granted.join(" "));
    }
    out.sort_unstable();
    Ok(out.join(" "))
}

/// The token response (RFC 6749 §5.1).
fn issue(
    app: &AppState,
    client: &ClientRecord,
    grant: &GrantRecord,
    scope: &str,
    refresh: Option<&PlainToken>,
    now: time::OffsetDateTime,
) -> Response {
    let claims = AccessClaims::new(
        app.urls.issuer(),
        &app.urls.scim_base(),
        &client.client_id,
        grant.id,
        &grant.workspace_id,
        scope,
        now,
    );
    let mut body = json!({
        "access_token": app.keys.sign(&claims),
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME.whole_seconds(),
        "scope": scope,
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r.expose());
    }
    tracing::info!(workspace.id = %grant.workspace_id, grant_type = %grant.grant_type, "access token issued");
    (StatusCode::OK, no_store(), Json(body)).into_response()
}

/// RFC 7009: revokes the grant behind a refresh or access token of this client.
/// Unknown, foreign and already revoked tokens all answer 200, so the endpoint
/// tells nothing about tokens the caller does not own.
pub(super) async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, TokenError> {
    let form = form_pairs(&headers, &body)?;
    let client = authenticate_client(&app, &headers, &form).await?;
    let mut tokens = form.iter().filter(|(k, _)| k == "token");
    let token = match (tokens.next(), tokens.next()) {
        (Some((_, t)), None) if !t.is_empty() => t.as_str(),
        (Some(_), Some(_)) => return Err(OAuthError::invalid_request("token is repeated").into()),
        _ => return Err(OAuthError::invalid_request("token is required").into()),
    };
    let now = app.clock.now();
    // token_type_hint only orders the search (RFC 7009 §2.1); both kinds are tried.
    let grant = if let Ok(refresh) = PlainToken::parse(SecretKind::RefreshToken, token) {
        app.store
            .refresh_token_grant(refresh.hash().as_str(), client.id)
            .await?
    } else {
        // An expired access token is still this client's to revoke.
        let far_past = time::OffsetDateTime::UNIX_EPOCH;
        app.keys
            .verify(token, app.urls.issuer(), &app.urls.scim_base(), far_past)
            .ok()
            .filter(|c| c.sub == client.client_id)
            .map(|c| c.sid)
    };
    if let Some(grant) = grant
        && app
            .store
            .revoke_grant(grant, Some(client.id), "revoked by the client", now)
            .await?
    {
        tracing::info!("grant revoked by its client");
        if let Some(g) = app.store.grant(grant).await? {
            let actor = format!("oauth {}", client.client_id);
            super::audit(&app, &g.workspace_id, &actor, "grant.revoked", &client, now).await;
        }
    }
    Ok((StatusCode::OK, no_store()).into_response())
}

#[cfg(test)]
mod tests {
    use super::narrowed;

    #[test]
    fn scope_narrows_but_never_widens() {
        assert_eq!(narrowed(None, "scim").unwrap(), "scim");
        assert_eq!(narrowed(Some("scim"), "scim").unwrap(), "scim");
        assert_eq!(narrowed(Some("offline_access"), "scim").unwrap(), "scim");
        assert_eq!(
            narrowed(Some("scim scim offline_access"), "scim").unwrap(),
            "scim"
        );
        assert_eq!(
            narrowed(Some("scim admin"), "scim").unwrap_err().code,
            oauth::ErrorCode::InvalidScope
        );
    }
}
