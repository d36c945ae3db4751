//! Workspace credentials as admins manage them, shared by the CLI, the admin API
//! and the console pages: SCIM bearer tokens and admin API keys. Each secret is
//! generated here, stored only as a hash and handed back once.

use oauth::{PlainToken, SecretKind};
use serde_json::{Value, json};
use store::{
    ApiKeyRecord, AuditEntry, Change, NewToken, Store, StoreError, TokenRecord, UniqueField,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Longest token or API key name.
pub const MAX_NAME_LEN: usize = 100;

/// A credential request that cannot be honoured, in words for the admin.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccessError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(UniqueField::TokenName) => Self::Invalid(
                "a live bearer token already has this name; revoke it or pick another name".into(),
            ),
            StoreError::Conflict(UniqueField::ApiKeyName) => Self::Invalid(
                "a live API key already has this name; revoke it or pick another name".into(),
            ),
            other => Self::Store(other),
        }
    }
}

fn checked_name(name: &str) -> Result<&str, AccessError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(AccessError::Invalid(format!(
            "the name must have 1 to {MAX_NAME_LEN} characters"
        )));
    }
    Ok(name)
}

/// RFC 3339 text of a time.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// Creates a SCIM bearer token for `change.workspace`, expiring after `expires_in`
/// if given, and audits it; the token is returned for showing once.
pub async fn create_token(
    store: &Store,
    change: &Change<'_>,
    name: &str,
    expires_in: Option<std::time::Duration>,
) -> Result<(TokenRecord, PlainToken), AccessError> {
    let name = checked_name(name)?;
    let expires_at = expires_in
        .map(|d| {
            time::Duration::try_from(d)
                .ok()
                .and_then(|d| change.now.checked_add(d))
        })
        .map(|t| t.ok_or_else(|| AccessError::Invalid("the expiry is too far away".into())))
        .transpose()?;
    let plain = PlainToken::generate(SecretKind::WorkspaceToken);
    let hash = plain.hash();
    let record = store
        .create_token(&NewToken {
            workspace_id: change.workspace,
            name,
            token_hash: hash.as_str(),
            created_at: change.now,
            expires_at,
        })
        .await?;
    audit_token(store, change, "token.created", &record).await?;
    Ok((record, plain))
}

/// Revokes the live token named `name` and audits it.
pub async fn revoke_token(
    store: &Store,
    change: &Change<'_>,
    name: &str,
) -> Result<TokenRecord, AccessError> {
    let record = store
        .revoke_token(change.workspace, name, change.now)
        .await?;
    audit_token(store, change, "token.revoked", &record).await?;
    Ok(record)
}

async fn audit_token(
    store: &Store,
    change: &Change<'_>,
    action: &str,
    t: &TokenRecord,
) -> Result<(), StoreError> {
    store
        .audit(
            change,
            &AuditEntry {
                action,
                resource_type: "token",
                resource_id: t.id,
                resource_name: &t.name,
            },
        )
        .await
}

/// `active`, `expired` or `revoked`.
pub fn token_status(t: &TokenRecord, now: OffsetDateTime) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else {
        "active"
    }
}

/// A token as the CLI and the API show it (never the token itself).
pub fn token_json(t: &TokenRecord, now: OffsetDateTime) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "status": token_status(t, now),
        "created_at": rfc3339(t.created_at),
        "expires_at": t.expires_at.map(rfc3339),
        "last_used_at": t.last_used_at.map(rfc3339),
        "revoked_at": t.revoked_at.map(rfc3339),
    })
}

/// Creates an admin API key (audited in the same transaction); the key is
/// returned for showing once.
pub async fn create_api_key(
    store: &Store,
    change: &Change<'_>,
    name: &str,
) -> Result<(ApiKeyRecord, PlainToken), AccessError> {
    let name = checked_name(name)?;
    let plain = PlainToken::generate(SecretKind::AdminApiKey);
    let record = store
        .create_api_key(change, name, plain.hash().as_str())
        .await?;
    Ok((record, plain))
}

/// An API key as the CLI and the API show it (never the key itself).
pub fn api_key_json(k: &ApiKeyRecord) -> Value {
    json!({
        "id": k.id,
        "name": k.name,
        "workspace": k.workspace_id,
        "created_by": k.created_by,
        "created_at": rfc3339(k.created_at),
        "last_used_at": k.last_used_at.map(rfc3339),
        "revoked_at": k.revoked_at.map(rfc3339),
    })
}
