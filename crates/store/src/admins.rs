//! Workspace admins and their console sessions.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::ts::Ts;
use crate::tx::write_one;
use crate::{Store, StoreError, UniqueField, on_pool};

/// A workspace admin as stored (the password only as its argon2id hash).
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminRecord {
    pub id: Uuid,
    pub workspace_id: String,
    /// Lowercased.
    pub email: String,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
    /// Failed sign-ins since the last successful one.
    pub failed_logins: i32,
    pub locked_until: Option<OffsetDateTime>,
}

impl std::fmt::Debug for AdminRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminRecord")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// The admin behind a live session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionAdmin {
    pub admin_id: Uuid,
    pub workspace_id: String,
    pub email: String,
    pub expires_at: OffsetDateTime,
}

const COLUMNS: &str =
    "id, workspace_id, email, password_hash, created_at, failed_logins, locked_until";

impl Store {
    /// Creates an admin of `workspace_id`. `NotFound` if the workspace does not
    /// exist, `Conflict(AdminEmail)` if the address is taken.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %workspace_id))]
    pub async fn create_admin(
        &self,
        workspace_id: &str,
        email: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<AdminRecord, StoreError> {
        self.workspace(workspace_id).await?;
        let sql = format!(
            "insert into admins (id, workspace_id, email, password_hash, created_at) \
             values ($1, $2, $3, $4, $5) returning {COLUMNS}"
        );
        on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(Uuid::now_v7())
            .bind(workspace_id)
            .bind(email)
            .bind(password_hash)
            .bind(Ts(now))
            .fetch_one(pool)
            .await)
        .map_err(|e| StoreError::classify(e, Some(UniqueField::AdminEmail)))
    }

    /// The admin with this (lowercased) e-mail address.
    pub async fn admin_by_email(&self, email: &str) -> Result<Option<AdminRecord>, StoreError> {
        let sql = format!("select {COLUMNS} from admins where email = $1");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(email).fetch_optional(pool).await)?)
    }

    /// The workspace's admins, oldest first.
    pub async fn admins(&self, workspace_id: &str) -> Result<Vec<AdminRecord>, StoreError> {
        self.workspace(workspace_id).await?;
        let sql =
            format!("select {COLUMNS} from admins where workspace_id = $1 order by created_at, id");
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(workspace_id).fetch_all(pool).await)?)
    }

    /// Counts a failed sign-in and returns the new count; one statement, so
    /// concurrent failures all count.
    pub async fn record_failed_login(&self, admin: Uuid) -> Result<i32, StoreError> {
        Ok(write_one!(self, pool => sqlx::query_scalar(
            "update admins set failed_logins = failed_logins + 1 where id = $1 returning failed_logins",
        )
        .bind(admin)
        .fetch_one(pool)
        .await)?)
    }

    /// Locks sign-in for the admin until `until`.
    pub async fn lock_admin(&self, admin: Uuid, until: OffsetDateTime) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query("update admins set locked_until = $2 where id = $1")
            .bind(admin)
            .bind(Ts(until))
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Starts a session after a successful sign-in and clears the failure count.
    pub async fn create_session(
        &self,
        admin: Uuid,
        token_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        crate::tx::in_tx!(self, tx => {
            sqlx::query("update admins set failed_logins = 0, locked_until = null where id = $1")
                .bind(admin)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "insert into admin_sessions (token_hash, admin_id, created_at, expires_at) values ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(admin)
            .bind(Ts(now))
            .bind(Ts(expires_at))
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The admin of a live (unexpired) session.
    pub async fn session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionAdmin>, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "select a.id as admin_id, a.workspace_id, a.email, s.expires_at \
             from admin_sessions s join admins a on a.id = s.admin_id \
             where s.token_hash = $1 and s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(Ts(now))
        .fetch_optional(pool)
        .await)?)
    }

    /// Ends a session (sign-out). Ending an unknown session is not an error.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        write_one!(self, pool => sqlx::query("delete from admin_sessions where token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
