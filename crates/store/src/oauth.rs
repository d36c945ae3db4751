//! OAuth clients, their redirect URIs, pending consents, authorization codes,
//! grants and refresh tokens. Secrets arrive here already hashed.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::console::{SETTINGS_COLUMNS, ScimSettings};
use crate::direct;
use crate::ts::Ts;
use crate::tx::{args, in_tx, write_one};
use crate::{Store, StoreError, on_pool};

/// An OAuth client as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub id: Uuid,
    pub client_id: String,
    /// `None`: a vendor-level client, usable by every workspace's admins.
    pub workspace_id: Option<String>,
    pub name: String,
    pub secret_hash: String,
    /// The secret before the last rotation, accepted until `previous_secret_expires_at`.
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<OffsetDateTime>,
    pub require_pkce: bool,
    pub created_at: OffsetDateTime,
    /// Exact redirect URIs, in the order they were registered.
    pub redirect_uris: Vec<String>,
}

impl std::fmt::Debug for ClientRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRecord")
            .field("client_id", &self.client_id)
            .field("workspace_id", &self.workspace_id)
            .field("redirect_uris", &self.redirect_uris)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: Uuid,
    client_id: String,
    workspace_id: Option<String>,
    name: String,
    secret_hash: String,
    previous_secret_hash: Option<String>,
    previous_secret_expires_at: Option<OffsetDateTime>,
    require_pkce: bool,
    created_at: OffsetDateTime,
}

impl ClientRow {
    /// The same row, from [`crate::direct`].
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            client_id: row.get("client_id")?,
            workspace_id: row.get("workspace_id")?,
            name: row.get("name")?,
            secret_hash: row.get("secret_hash")?,
            previous_secret_hash: row.get("previous_secret_hash")?,
            previous_secret_expires_at: direct::time_opt(row, "previous_secret_expires_at")?,
            require_pkce: row.get("require_pkce")?,
            created_at: direct::time(row, "created_at")?,
        })
    }

    fn with_uris(self, redirect_uris: Vec<String>) -> ClientRecord {
        ClientRecord {
            id: self.id,
            client_id: self.client_id,
            workspace_id: self.workspace_id,
            name: self.name,
            secret_hash: self.secret_hash,
            previous_secret_hash: self.previous_secret_hash,
            previous_secret_expires_at: self.previous_secret_expires_at,
            require_pkce: self.require_pkce,
            created_at: self.created_at,
            redirect_uris,
        }
    }
}

const CLIENT_COLUMNS: &str = "id, client_id, workspace_id, name, secret_hash, previous_secret_hash, \
                              previous_secret_expires_at, require_pkce, created_at";

/// What creating a client stores.
#[derive(Debug, Clone)]
pub struct NewClient<'a> {
    pub client_id: &'a str,
    pub workspace_id: Option<&'a str>,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub require_pkce: bool,
    pub redirect_uris: &'a [String],
    pub now: OffsetDateTime,
}

/// What the admin approved, waiting to become a code.
#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub client: Uuid,
    pub workspace_id: &'a str,
    pub approved_by: &'a str,
    pub redirect_uri: &'a str,
    pub redirect_uri_sent: bool,
    pub scope: &'a str,
    pub code_challenge: Option<&'a str>,
    pub issued_at: OffsetDateTime,
}

/// An authorization code as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRecord {
    pub client: Uuid,
    pub workspace_id: String,
    pub approved_by: String,
    pub redirect_uri: String,
    pub redirect_uri_sent: bool,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub issued_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
}

impl CodeRecord {
    /// A row of [`Store::code`]'s statement, from [`crate::direct`].
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            client: row.get("client")?,
            workspace_id: row.get("workspace_id")?,
            approved_by: row.get("approved_by")?,
            redirect_uri: row.get("redirect_uri")?,
            redirect_uri_sent: row.get("redirect_uri_sent")?,
            scope: row.get("scope")?,
            code_challenge: row.get("code_challenge")?,
            issued_at: direct::time(row, "issued_at")?,
            consumed_at: direct::time_opt(row, "consumed_at")?,
        })
    }
}

/// A grant as SCIM authentication reads it: the grant and its workspace's switches.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScimGrant {
    #[sqlx(flatten)]
    pub grant: GrantRecord,
    #[sqlx(flatten)]
    pub settings: ScimSettings,
}

/// A grant: what one client may do in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRecord {
    pub id: Uuid,
    pub client: Uuid,
    /// The client's public id.
    pub client_id: String,
    pub workspace_id: String,
    /// `authorization_code` or `client_credentials`.
    pub grant_type: String,
    pub scope: String,
    /// The e-mail of the admin who clicked Allow (none for `client_credentials`).
    pub approved_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_reason: Option<String>,
}

const GRANT_SELECT: &str = "select g.id, g.client, c.client_id, g.workspace_id, g.grant_type, g.scope, \
     g.approved_by, g.created_at, g.last_used_at, g.revoked_at, g.revoked_reason \
     from oauth_grants g join oauth_clients c on c.id = g.client";

/// The outcome of redeeming a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The code was unused: it is consumed now and the grant exists.
    Issued(Box<GrantRecord>),
    /// The code had been used: the grant issued from it is revoked (RFC 6749 §4.1.2).
    Replayed,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// A new refresh token was stored under the same grant.
    Rotated(Box<GrantRecord>),
    /// No such token, or it belongs to another client's grant.
    Unknown,
    /// The grant was revoked earlier.
    Revoked,
    /// The token was retired (its successor had been used): the grant is revoked now.
    Reused,
    /// Unused for longer than the idle lifetime.
    Expired,
}

/// A JWT signing key as stored.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JwtKeyRecord {
    pub kid: String,
    pub secret: String,
    pub created_at: OffsetDateTime,
}

/// Revokes a grant inside the open transaction `$tx`; a revoked grant keeps its
/// first reason.
macro_rules! revoke_grant_in {
    ($tx:ident, $grant:expr, $reason:expr, $now:expr) => {
        $tx.exec(
            "update oauth_grants set revoked_at = $2, revoked_reason = $3 where id = $1 and revoked_at is null",
            $crate::tx::args![$grant, Ts($now), $reason],
        )
        .await?
    };
}

/// Revokes, inside the open transaction `$tx`, the grant issued from an already
/// consumed code (RFC 6749 §4.1.2: a replay revokes what the code produced).
macro_rules! revoke_code_grant_in {
    ($tx:ident, $code_hash:expr, $now:expr) => {
        let earlier: Option<(Option<Uuid>,)> = $tx
            .optional(
                "select grant_id from oauth_codes where code_hash = $1",
                $crate::tx::args![$code_hash],
            )
            .await?;
        if let Some((Some(grant),)) = earlier {
            revoke_grant_in!($tx, grant, "authorization code replayed", $now);
        }
    };
}

impl Store {
    /// Creates a client with its redirect URIs. `NotFound` if the workspace does not exist.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = ?c.workspace_id))]
    pub async fn create_client(&self, c: &NewClient<'_>) -> Result<ClientRecord, StoreError> {
        if let Some(ws) = c.workspace_id {
            self.workspace(ws).await?;
        }
        let id = Uuid::now_v7();
        in_tx!(self, tx => {
            sqlx::query(
                "insert into oauth_clients (id, client_id, workspace_id, name, secret_hash, require_pkce, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(c.client_id)
            .bind(c.workspace_id)
            .bind(c.name)
            .bind(c.secret_hash)
            .bind(c.require_pkce)
            .bind(Ts(c.now))
            .execute(&mut *tx)
            .await?;
            for uri in c.redirect_uris {
                sqlx::query("insert into oauth_redirect_uris (client, uri, created_at) values ($1, $2, $3) on conflict do nothing")
                    .bind(id)
                    .bind(uri)
                    .bind(Ts(c.now))
                    .execute(&mut *tx)
                    .await?;
            }
        });
        self.client(c.client_id).await?.ok_or(StoreError::NotFound)
    }

    /// The client with this public id.
    pub async fn client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        let sql = format!("select {CLIENT_COLUMNS} from oauth_clients where client_id = $1");
        let row: Option<ClientRow> = if let Self::Sqlite(db) = self {
            // Every token request asks ([`crate::direct`]).
            db.direct.rows(&sql, &[&client_id], ClientRow::read)?.pop()
        } else {
            on_pool!(self, pool => sqlx::query_as(&sql).bind(client_id).fetch_optional(pool).await)?
        };
        match row {
            None => Ok(None),
            Some(row) => {
                let uris = self.redirect_uris(row.id).await?;
                Ok(Some(row.with_uris(uris)))
            }
        }
    }

    async fn redirect_uris(&self, client: Uuid) -> Result<Vec<String>, StoreError> {
        const SQL: &str =
            "select uri from oauth_redirect_uris where client = $1 order by created_at, uri";
        if let Self::Sqlite(db) = self {
            return db.direct.rows(SQL, &[&client], |row| row.get(0));
        }
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL).bind(client).fetch_all(pool).await)?)
    }

    /// A workspace's clients, or with `None` the vendor-level ones; oldest first.
    pub async fn clients(
        &self,
        workspace_id: Option<&str>,
    ) -> Result<Vec<ClientRecord>, StoreError> {
        let sql = format!(
            "select {CLIENT_COLUMNS} from oauth_clients \
             where workspace_id = $1 or ($1 is null and workspace_id is null) order by created_at, id"
        );
        let rows: Vec<ClientRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let uris = self.redirect_uris(row.id).await?;
            out.push(row.with_uris(uris));
        }
        Ok(out)
    }

    /// Replaces the client's secret; the old one stays valid until `overlap_until`
    /// so the IdP's configuration can be updated without an outage.
    pub async fn rotate_client_secret(
        &self,
        client_id: &str,
        secret_hash: &str,
        overlap_until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let n = write_one!(self, pool => sqlx::query(
            "update oauth_clients set previous_secret_hash = secret_hash, previous_secret_expires_at = $3, \
             secret_hash = $2 where client_id = $1",
        )
        .bind(client_id)
        .bind(secret_hash)
        .bind(Ts(overlap_until))
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Adds (`add`) or removes a redirect URI. `NotFound` for an unknown client or,
    /// when removing, a URI that is not registered.
    pub async fn set_redirect_uri(
        &self,
        client_id: &str,
        uri: &str,
        add: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let client: Uuid = on_pool!(self, pool => sqlx::query_scalar("select id from oauth_clients where client_id = $1")
            .bind(client_id)
            .fetch_optional(pool)
            .await)?
        .ok_or(StoreError::NotFound)?;
        if add {
            // Adding a URI that is already registered changes nothing and is fine.
            write_one!(self, pool => sqlx::query(
                "insert into oauth_redirect_uris (client, uri, created_at) values ($1, $2, $3) on conflict do nothing",
            )
            .bind(client)
            .bind(uri)
            .bind(Ts(now))
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
            return Ok(());
        }
        let removed = write_one!(self, pool => sqlx::query("delete from oauth_redirect_uris where client = $1 and uri = $2")
            .bind(client)
            .bind(uri)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes a client and, by cascade, every grant, code and refresh token issued
    /// to it (its access tokens die with their grants).
    pub async fn delete_client(&self, client_id: &str) -> Result<(), StoreError> {
        let n = write_one!(self, pool => sqlx::query("delete from oauth_clients where client_id = $1")
            .bind(client_id)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Stores a consent form's ticket, bound to the session and the request.
    pub async fn create_consent(
        &self,
        ticket_hash: &str,
        session_hash: &str,
        client: Uuid,
        request: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query(
            "insert into oauth_consents (ticket_hash, session_hash, client, request, expires_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(ticket_hash)
        .bind(session_hash)
        .bind(client)
        .bind(request)
        .bind(Ts(expires_at))
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Uses up a consent ticket: only once, only from its own session, only before
    /// it expires. Returns the client and the stored request.
    pub async fn take_consent(
        &self,
        ticket_hash: &str,
        session_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(Uuid, String)>, StoreError> {
        Ok(write_one!(self, pool => sqlx::query_as(
            "delete from oauth_consents where ticket_hash = $1 and session_hash = $2 and expires_at > $3 \
             returning client, request",
        )
        .bind(ticket_hash)
        .bind(session_hash)
        .bind(Ts(now))
        .fetch_optional(pool)
        .await)?)
    }

    /// Stores an authorization code.
    pub async fn create_code(&self, c: &NewCode<'_>) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query(
            "insert into oauth_codes (code_hash, client, workspace_id, approved_by, redirect_uri, redirect_uri_sent, \
             scope, code_challenge, issued_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.code_hash)
        .bind(c.client)
        .bind(c.workspace_id)
        .bind(c.approved_by)
        .bind(c.redirect_uri)
        .bind(c.redirect_uri_sent)
        .bind(c.scope)
        .bind(c.code_challenge)
        .bind(Ts(c.issued_at))
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The code with this hash, used or not.
    pub async fn code(&self, code_hash: &str) -> Result<Option<CodeRecord>, StoreError> {
        const SQL: &str = "select client, workspace_id, approved_by, redirect_uri, redirect_uri_sent, scope, \
             code_challenge, issued_at, consumed_at from oauth_codes where code_hash = $1";
        if let Self::Sqlite(db) = self {
            // Every code exchange asks ([`crate::direct`]).
            return Ok(db.direct.rows(SQL, &[&code_hash], CodeRecord::read)?.pop());
        }
        Ok(on_pool!(self, pool => sqlx::query_as(SQL).bind(code_hash).fetch_optional(pool).await)?)
    }

    /// Consumes a code and creates its grant and first refresh token, atomically: of
    /// two concurrent redemptions exactly one wins. A code already consumed revokes
    /// the grant issued from it.
    pub async fn redeem_code(
        &self,
        code_hash: &str,
        refresh_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Redemption, StoreError> {
        let grant_id = Uuid::now_v7();
        // On SQLite's direct writer connection: every code exchange writes.
        let issued = in_tx!(direct self, tx => {
            let consumed = tx
                .exec(
                    "update oauth_codes set consumed_at = $2 where code_hash = $1 and consumed_at is null",
                    args![code_hash, Ts(now)],
                )
                .await?;
            if consumed == 0 {
                revoke_code_grant_in!(tx, code_hash, now);
                false
            } else {
                tx.exec(
                    "insert into oauth_grants (id, client, workspace_id, grant_type, scope, approved_by, created_at) \
                     select $1, client, workspace_id, 'authorization_code', scope, approved_by, $2 \
                     from oauth_codes where code_hash = $3",
                    args![grant_id, Ts(now), code_hash],
                )
                .await?;
                tx.later("update oauth_codes set grant_id = $2 where code_hash = $1", args![code_hash, grant_id]);
                tx.later(
                    "insert into oauth_refresh_tokens (token_hash, grant_id, issued_at) values ($1, $2, $3)",
                    args![refresh_hash, grant_id, Ts(now)],
                );
                true
            }
        });
        if !issued {
            return Ok(Redemption::Replayed);
        }
        let grant = self.grant(grant_id).await?.ok_or(StoreError::NotFound)?;
        Ok(Redemption::Issued(Box::new(grant)))
    }

    /// Revokes the grant issued from a code that is presented again after use.
    pub async fn replay_code(
        &self,
        code_hash: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        in_tx!(direct self, tx => {
            revoke_code_grant_in!(tx, code_hash, now);
        });
        Ok(())
    }

    /// One grant by id.
    pub async fn grant(&self, id: Uuid) -> Result<Option<GrantRecord>, StoreError> {
        let sql = format!("{GRANT_SELECT} where g.id = $1");
        if let Self::Sqlite(db) = self {
            // Every code exchange and refresh answers with it ([`crate::direct`]).
            return Ok(db.direct.rows(&sql, &[&id], grant_record)?.pop());
        }
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?)
    }

    /// The grant with its workspace's SCIM switches, in one query: SCIM checks both on
    /// every request made with an access token.
    pub async fn scim_grant(&self, id: Uuid) -> Result<Option<ScimGrant>, StoreError> {
        let sql = format!(
            "select g.*, {SETTINGS_COLUMNS} from ({GRANT_SELECT} where g.id = $1) g \
             join workspaces w on w.id = g.workspace_id"
        );
        if let Self::Sqlite(db) = self {
            // Every SCIM request with an access token asks ([`crate::direct`]).
            return Ok(db.direct.rows(&sql, &[&id], scim_grant)?.pop());
        }
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?)
    }

    /// A workspace's grants, newest first.
    pub async fn grants(&self, workspace_id: &str) -> Result<Vec<GrantRecord>, StoreError> {
        let sql = format!(
            "{GRANT_SELECT} where g.workspace_id = $1 order by g.created_at desc, g.id desc"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).fetch_all(pool).await)?)
    }

    /// Records a use of the grant, at most once per `granularity`.
    pub async fn touch_grant(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        granularity: Duration,
    ) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query(
            "update oauth_grants set last_used_at = $2 where id = $1 and (last_used_at is null or last_used_at < $3)",
        )
        .bind(id)
        .bind(Ts(now))
        .bind(Ts(now - granularity))
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Revokes a grant; only the given client's grant when `client` is set
    /// (RFC 7009 §2.1: a client revokes only its own tokens). True if it was live.
    pub async fn revoke_grant(
        &self,
        id: Uuid,
        client: Option<Uuid>,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let n = write_one!(self, pool => sqlx::query(
            "update oauth_grants set revoked_at = $2, revoked_reason = $3 \
             where id = $1 and revoked_at is null and ($4 is null or client = $4)",
        )
        .bind(id)
        .bind(Ts(now))
        .bind(reason)
        .bind(client)
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The grant a refresh token belongs to, if the token is the client's.
    pub async fn refresh_token_grant(
        &self,
        token_hash: &str,
        client: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query_scalar(
            "select t.grant_id from oauth_refresh_tokens t join oauth_grants g on g.id = t.grant_id \
             where t.token_hash = $1 and g.client = $2",
        )
        .bind(token_hash)
        .bind(client)
        .fetch_optional(pool)
        .await)?)
    }

    /// The client's live `client_credentials` grant in its workspace, created on
    /// first use: one grant per client, so revoking it stops every token at once.
    pub async fn client_credentials_grant(
        &self,
        client: Uuid,
        workspace_id: &str,
        scope: &str,
        now: OffsetDateTime,
    ) -> Result<GrantRecord, StoreError> {
        let new_id = Uuid::now_v7();
        let id: Uuid = in_tx!(self, tx => {
            let live: Option<Uuid> = sqlx::query_scalar(
                "select id from oauth_grants where client = $1 and grant_type = 'client_credentials' \
                 and revoked_at is null order by created_at desc limit 1",
            )
            .bind(client)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = live {
                id
            } else {
                sqlx::query(
                    "insert into oauth_grants (id, client, workspace_id, grant_type, scope, created_at) \
                     values ($1, $2, $3, 'client_credentials', $4, $5)",
                )
                .bind(new_id)
                .bind(client)
                .bind(workspace_id)
                .bind(scope)
                .bind(Ts(now))
                .execute(&mut *tx)
                .await?;
                new_id
            }
        });
        self.grant(id).await?.ok_or(StoreError::NotFound)
    }

    /// Presents a refresh token on behalf of `client` and, when it is good, stores
    /// its successor `new_hash`. The presented token's own parent is retired now
    /// (its successor has been used); the presented token stays valid until its
    /// successor is used, so a lost response can be retried. Presenting a retired
    /// token revokes the whole grant.
    pub async fn refresh(
        &self,
        token_hash: &str,
        client: Uuid,
        new_hash: &str,
        now: OffsetDateTime,
        idle: Duration,
    ) -> Result<Refresh, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            grant_id: Uuid,
            client: Uuid,
            parent_hash: Option<String>,
            issued_at: OffsetDateTime,
            last_used_at: Option<OffsetDateTime>,
            retired_at: Option<OffsetDateTime>,
            revoked_at: Option<OffsetDateTime>,
        }
        impl crate::direct::Decode for Row {
            fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(Self {
                    grant_id: row.get("grant_id")?,
                    client: row.get("client")?,
                    parent_hash: row.get("parent_hash")?,
                    issued_at: crate::direct::time(row, "issued_at")?,
                    last_used_at: crate::direct::time_opt(row, "last_used_at")?,
                    retired_at: crate::direct::time_opt(row, "retired_at")?,
                    revoked_at: crate::direct::time_opt(row, "revoked_at")?,
                })
            }
        }
        // PostgreSQL locks the token row; SQLite's `BEGIN IMMEDIATE` already
        // serialises writers.
        let lock = if matches!(self, Store::Postgres(_)) {
            " for update of t"
        } else {
            ""
        };
        let sql = format!(
            "select t.grant_id, g.client, t.parent_hash, t.issued_at, t.last_used_at, t.retired_at, g.revoked_at \
             from oauth_refresh_tokens t join oauth_grants g on g.id = t.grant_id where t.token_hash = $1{lock}"
        );
        // On SQLite's direct writer connection: every refresh writes.
        let outcome = in_tx!(direct self, tx => {
            let row: Option<Row> = tx.optional(&sql, args![token_hash]).await?;
            match row {
                None => Err(Refresh::Unknown),
                Some(r) if r.client != client => Err(Refresh::Unknown),
                Some(r) if r.revoked_at.is_some() => Err(Refresh::Revoked),
                Some(r) if r.retired_at.is_some() => {
                    revoke_grant_in!(tx, r.grant_id, "retired refresh token reused", now);
                    Err(Refresh::Reused)
                }
                Some(r) if now - r.last_used_at.unwrap_or(r.issued_at) >= idle => Err(Refresh::Expired),
                Some(r) => {
                    if let Some(parent) = &r.parent_hash {
                        tx.later(
                            "update oauth_refresh_tokens set retired_at = $2 where token_hash = $1 and retired_at is null",
                            args![parent, Ts(now)],
                        );
                    }
                    tx.later(
                        "update oauth_refresh_tokens set last_used_at = $2 where token_hash = $1",
                        args![token_hash, Ts(now)],
                    );
                    tx.later(
                        "insert into oauth_refresh_tokens (token_hash, grant_id, parent_hash, issued_at) values ($1, $2, $3, $4)",
                        args![new_hash, r.grant_id, token_hash, Ts(now)],
                    );
                    tx.later("update oauth_grants set last_used_at = $2 where id = $1", args![r.grant_id, Ts(now)]);
                    Ok(r.grant_id)
                }
            }
        });
        match outcome {
            Ok(grant) => Ok(Refresh::Rotated(Box::new(
                self.grant(grant).await?.ok_or(StoreError::NotFound)?,
            ))),
            Err(refused) => Ok(refused),
        }
    }

    /// The stored JWT signing keys, newest first; creates the first one (`kid`
    /// "initial") if there is none, so replicas starting together agree on it.
    pub async fn jwt_keys(
        &self,
        initial_secret: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<JwtKeyRecord>, StoreError> {
        write_one!(self, pool => sqlx::query(
            "insert into jwt_keys (kid, secret, created_at) values ('initial', $1, $2) on conflict do nothing",
        )
        .bind(initial_secret)
        .bind(Ts(now))
        .execute(pool)
        .await.map(|r| r.rows_affected()))?;
        Ok(on_pool!(self, pool => sqlx::query_as(
            "select kid, secret, created_at from jwt_keys order by created_at desc, kid desc",
        )
        .fetch_all(pool)
        .await)?)
    }
}

/// A row of [`Store::scim_grant`]'s statement, read by [`crate::direct`].
fn grant_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRecord> {
    Ok(GrantRecord {
        id: row.get("id")?,
        client: row.get("client")?,
        client_id: row.get("client_id")?,
        workspace_id: row.get("workspace_id")?,
        grant_type: row.get("grant_type")?,
        scope: row.get("scope")?,
        approved_by: row.get("approved_by")?,
        created_at: direct::time(row, "created_at")?,
        last_used_at: direct::time_opt(row, "last_used_at")?,
        revoked_at: direct::time_opt(row, "revoked_at")?,
        revoked_reason: row.get("revoked_reason")?,
    })
}

fn scim_grant(row: &rusqlite::Row<'_>) -> rusqlite::Result<ScimGrant> {
    Ok(ScimGrant {
        grant: grant_record(row)?,
        settings: ScimSettings::read(row)?,
    })
}
