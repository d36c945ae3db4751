//! What the admin console's access pages store: admin API keys, the workspace's
//! SCIM switches, and audit rows for admin and OAuth actions with a filtered,
//! paged reading of the audit log.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::resources::{AuditEvent, Change, audit};
use crate::ts::Ts;
use crate::tx::{in_tx, write_one};
use crate::{Store, StoreError, UniqueField, on_pool};

/// An admin API key as stored: never the key, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub workspace_id: String,
    pub name: String,
    /// Who created it (an admin's e-mail, another key, or `cli`).
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

const KEY_COLUMNS: &str =
    "id, workspace_id, name, created_by, created_at, last_used_at, revoked_at";

/// The [`ScimSettings`] columns of `workspaces w`.
pub(crate) const SETTINGS_COLUMNS: &str = "w.scim_enabled, w.allow_bearer_tokens, w.allow_oauth";

/// SCIM on or off for a workspace, and which credentials SCIM accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ScimSettings {
    pub scim_enabled: bool,
    pub allow_bearer_tokens: bool,
    pub allow_oauth: bool,
}

impl ScimSettings {
    /// The switches of a [`crate::direct`] row that selects [`SETTINGS_COLUMNS`].
    pub(crate) fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            scim_enabled: row.get("scim_enabled")?,
            allow_bearer_tokens: row.get("allow_bearer_tokens")?,
            allow_oauth: row.get("allow_oauth")?,
        })
    }
}

/// What one audit row records beyond the change's workspace, actor and time.
#[derive(Debug, Clone, Copy)]
pub struct AuditEntry<'a> {
    /// Dotted, e.g. `token.created`, `client.secret_rotated`, `admin.signed_in`.
    pub action: &'a str,
    /// `token`, `oauth_client`, `grant`, `api_key`, `settings`, `admin`, …
    pub resource_type: &'a str,
    /// The row's id; the nil UUID for workspace-wide things such as settings.
    pub resource_id: Uuid,
    /// What a person recognises it by: a name, a client id, an e-mail.
    pub resource_name: &'a str,
}

/// Which audit rows to read; every given field must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// Exact actor, e.g. `admin it@acme.example` or `token okta`.
    pub actor: Option<String>,
    /// Matches the resource's name or, when it parses as one, its id.
    pub resource: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Rows older than this id (the previous page's last id), for paging.
    pub before: Option<Uuid>,
}

impl Store {
    /// Stores a new admin API key and its audit row in one transaction.
    /// `NotFound` if the workspace does not exist, `Conflict(ApiKeyName)` if a live
    /// key has this name.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace))]
    pub async fn create_api_key(
        &self,
        change: &Change<'_>,
        name: &str,
        key_hash: &str,
    ) -> Result<ApiKeyRecord, StoreError> {
        self.workspace(change.workspace).await?;
        let sql = format!(
            "insert into admin_api_keys (id, workspace_id, name, key_hash, created_by, created_at) \
             values ($1, $2, $3, $4, $5, $6) returning {KEY_COLUMNS}"
        );
        let id = Uuid::now_v7();
        Ok(in_tx!(self, tx => {
            let key: ApiKeyRecord = sqlx::query_as(&sql)
                .bind(id)
                .bind(change.workspace)
                .bind(name)
                .bind(key_hash)
                .bind(change.actor)
                .bind(Ts(change.now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::classify(e, Some(UniqueField::ApiKeyName)))?;
            audit!(tx, change, "api_key.created", "api_key", id, name);
            key
        }))
    }

    /// The workspace's API keys, revoked ones included, newest first.
    pub async fn api_keys(&self, workspace_id: &str) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let sql = format!(
            "select {KEY_COLUMNS} from admin_api_keys where workspace_id = $1 order by id desc"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).fetch_all(pool).await)?)
    }

    /// Revokes the workspace's live key `id` and audits it. `NotFound` if the
    /// workspace has no such live key.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace))]
    pub async fn revoke_api_key(
        &self,
        change: &Change<'_>,
        id: Uuid,
    ) -> Result<ApiKeyRecord, StoreError> {
        let sql = format!(
            "update admin_api_keys set revoked_at = $3 \
             where workspace_id = $1 and id = $2 and revoked_at is null returning {KEY_COLUMNS}"
        );
        Ok(in_tx!(self, tx => {
            let key: ApiKeyRecord = sqlx::query_as(&sql)
                .bind(change.workspace)
                .bind(id)
                .bind(Ts(change.now))
                .fetch_one(&mut *tx)
                .await?;
            audit!(tx, change, "api_key.revoked", "api_key", id, &key.name);
            key
        }))
    }

    /// The live key with this hash, recording its use at most once per
    /// `granularity`. `None` if no live key has this hash.
    pub async fn use_api_key(
        &self,
        key_hash: &str,
        now: OffsetDateTime,
        granularity: time::Duration,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = format!(
            "select {KEY_COLUMNS} from admin_api_keys where key_hash = $1 and revoked_at is null"
        );
        let key: Option<ApiKeyRecord> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(key_hash).fetch_optional(pool).await)?;
        if let Some(k) = key
            .as_ref()
            .filter(|k| k.last_used_at.is_none_or(|at| at < now - granularity))
        {
            write_one!(self, pool => sqlx::query(
                "update admin_api_keys set last_used_at = $2 where id = $1",
            )
            .bind(k.id)
            .bind(Ts(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(key)
    }

    /// The workspace's SCIM switches. `NotFound` if the workspace does not exist.
    pub async fn scim_settings(&self, workspace_id: &str) -> Result<ScimSettings, StoreError> {
        let sql = format!("select {SETTINGS_COLUMNS} from workspaces w where w.id = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql)
        .bind(workspace_id)
        .fetch_one(pool)
        .await)?)
    }

    /// Replaces the workspace's SCIM switches and audits the change in one transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace))]
    pub async fn set_scim_settings(
        &self,
        change: &Change<'_>,
        s: ScimSettings,
    ) -> Result<(), StoreError> {
        let summary = format!(
            "scim {}, bearer tokens {}, oauth {}",
            on_off(s.scim_enabled),
            on_off(s.allow_bearer_tokens),
            on_off(s.allow_oauth)
        );
        in_tx!(self, tx => {
            sqlx::query(
                "update workspaces set scim_enabled = $2, allow_bearer_tokens = $3, allow_oauth = $4 where id = $1 returning id",
            )
            .bind(change.workspace)
            .bind(s.scim_enabled)
            .bind(s.allow_bearer_tokens)
            .bind(s.allow_oauth)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, change, "settings.updated", "settings", Uuid::nil(), &summary);
        });
        Ok(())
    }

    /// Writes one audit row on its own, for actions whose store call has no
    /// transaction of its own to share (part of the console's reusable API).
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %change.workspace, action = entry.action))]
    pub async fn audit(
        &self,
        change: &Change<'_>,
        entry: &AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        in_tx!(self, tx => {
            audit!(tx, change, entry.action, entry.resource_type, entry.resource_id, entry.resource_name);
        });
        Ok(())
    }

    /// The workspace's audit rows matching `filter`, newest first, at most `limit`.
    pub async fn audit_log(
        &self,
        workspace_id: &str,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let mut sql = String::from(
            "select id, occurred_at, actor, action, resource_type, resource_id, resource_name \
             from audit_events where workspace_id = $1",
        );
        let mut n = 1;
        let mut clause = |sql: &mut String, text: &str| {
            n += 1;
            sql.push_str(&text.replace('?', &format!("${n}")));
        };
        let resource_id = filter
            .resource
            .as_deref()
            .and_then(|r| Uuid::parse_str(r).ok());
        if filter.action.is_some() {
            clause(&mut sql, " and action = ?");
        }
        if filter.actor.is_some() {
            clause(&mut sql, " and actor = ?");
        }
        if filter.resource.is_some() {
            clause(&mut sql, " and (resource_name = ?");
            if resource_id.is_some() {
                clause(&mut sql, " or resource_id = ?");
            }
            sql.push(')');
        }
        if filter.since.is_some() {
            clause(&mut sql, " and occurred_at >= ?");
        }
        if filter.until.is_some() {
            clause(&mut sql, " and occurred_at < ?");
        }
        if filter.before.is_some() {
            clause(&mut sql, " and id < ?");
        }
        clause(&mut sql, " order by id desc limit ?");
        on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(workspace_id);
            if let Some(a) = &filter.action {
                q = q.bind(a);
            }
            if let Some(a) = &filter.actor {
                q = q.bind(a);
            }
            if let Some(r) = &filter.resource {
                q = q.bind(r);
                if let Some(id) = resource_id {
                    q = q.bind(id);
                }
            }
            if let Some(t) = filter.since {
                q = q.bind(Ts(t));
            }
            if let Some(t) = filter.until {
                q = q.bind(Ts(t));
            }
            if let Some(b) = filter.before {
                q = q.bind(b);
            }
            q.bind(i64::from(limit)).fetch_all(pool).await
        })
        .map_err(StoreError::from)
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}
