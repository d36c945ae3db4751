use time::OffsetDateTime;
use uuid::Uuid;

use crate::console::{SETTINGS_COLUMNS, ScimSettings};
use crate::direct;
use crate::ts::Ts;
use crate::tx::write_one;
use crate::{Store, StoreError, UniqueField, on_pool};

/// A workspace bearer token as stored: never the token itself, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: Uuid,
    pub workspace_id: String,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token as SCIM authentication reads it: the row and its workspace's switches.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScimToken {
    #[sqlx(flatten)]
    pub token: TokenRecord,
    #[sqlx(flatten)]
    pub settings: ScimSettings,
}

/// What creating a token stores.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub workspace_id: &'a str,
    pub name: &'a str,
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, workspace_id, name, created_at, expires_at, last_used_at, revoked_at";

impl Store {
    /// Stores a new token. `NotFound` if the workspace does not exist,
    /// `Conflict(TokenName)` if a live token already has this name.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %t.workspace_id))]
    pub async fn create_token(&self, t: &NewToken<'_>) -> Result<TokenRecord, StoreError> {
        self.workspace(t.workspace_id).await?;
        let sql = format!(
            "insert into workspace_tokens (id, workspace_id, name, token_hash, created_at, expires_at) \
             values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(Uuid::now_v7())
            .bind(t.workspace_id)
            .bind(t.name)
            .bind(t.token_hash)
            .bind(Ts(t.created_at))
            .bind(t.expires_at.map(Ts))
            .fetch_one(pool)
            .await)
        .map_err(|e| StoreError::classify(e, Some(UniqueField::TokenName)))
    }

    /// The workspace's tokens, revoked ones included, newest first.
    pub async fn tokens(&self, workspace_id: &str) -> Result<Vec<TokenRecord>, StoreError> {
        self.workspace(workspace_id).await?;
        let sql = format!(
            "select {COLUMNS} from workspace_tokens where workspace_id = $1 order by created_at desc, id desc"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).fetch_all(pool).await)?)
    }

    /// Revokes the live token with this name. `NotFound` if there is none.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %workspace_id))]
    pub async fn revoke_token(
        &self,
        workspace_id: &str,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<TokenRecord, StoreError> {
        let sql = format!(
            "update workspace_tokens set revoked_at = $3 \
             where workspace_id = $1 and name = $2 and revoked_at is null returning {COLUMNS}"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(workspace_id)
            .bind(name)
            .bind(Ts(now))
            .fetch_one(pool)
            .await)?)
    }

    /// The token with this hash, whatever its state (the caller tells the IdP why a
    /// token is refused), with its workspace's SCIM switches: SCIM checks both on
    /// every request, so they come in one query. `None` if no token has this hash.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ScimToken>, StoreError> {
        let sql = format!(
            "select t.*, {SETTINGS_COLUMNS} from (select {COLUMNS} from workspace_tokens where token_hash = $1) t \
             join workspaces w on w.id = t.workspace_id"
        );
        if let Self::Sqlite(db) = self {
            // Every SCIM request asks: on the calling thread ([`crate::direct`]).
            return Ok(db.direct.rows(&sql, &[&token_hash], scim_token)?.pop());
        }
        Ok(
            on_pool!(self, pool => sqlx::query_as(&sql).bind(token_hash).fetch_optional(pool).await)?,
        )
    }

    /// Records a use of the token. Writes only when the stored time is older than
    /// `now - granularity`, so a busy IdP does not turn every read into a write.
    pub async fn touch_token(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        granularity: time::Duration,
    ) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query(
            "update workspace_tokens set last_used_at = $2 \
             where id = $1 and (last_used_at is null or last_used_at < $3)",
        )
        .bind(id)
        .bind(Ts(now))
        .bind(Ts(now - granularity))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// A row of [`Store::token_by_hash`]'s statement, read by [`crate::direct`].
fn scim_token(row: &rusqlite::Row<'_>) -> rusqlite::Result<ScimToken> {
    Ok(ScimToken {
        token: TokenRecord {
            id: row.get("id")?,
            workspace_id: row.get("workspace_id")?,
            name: row.get("name")?,
            created_at: direct::time(row, "created_at")?,
            expires_at: direct::time_opt(row, "expires_at")?,
            last_used_at: direct::time_opt(row, "last_used_at")?,
            revoked_at: direct::time_opt(row, "revoked_at")?,
        },
        settings: ScimSettings::read(row)?,
    })
}
