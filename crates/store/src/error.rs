/// A uniqueness rule that a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// The workspace id (its slug) is taken.
    WorkspaceId,
    /// A live token with this name exists in the workspace.
    TokenName,
    /// A user with this `userName` (compared without case) exists in the workspace.
    UserName,
    /// A group with this `displayName` (compared without case) exists in the workspace.
    GroupDisplayName,
    /// An admin with this e-mail address exists (in any workspace).
    AdminEmail,
    /// A live admin API key with this name exists in the workspace.
    ApiKeyName,
}

/// What can go wrong in the store, by kind: callers map kinds to responses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the caller named does not exist (or is not visible to it).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken.
    #[error("conflict on {0:?}")]
    Conflict(UniqueField),
    /// `If-Match` named a version that is no longer current.
    #[error("version mismatch")]
    VersionMismatch,
    /// Group members that are not users of the workspace (their ids as sent).
    #[error("unknown members: {0:?}")]
    UnknownMembers(Vec<String>),
    /// A user needed a seat and none was free or could be bought (HTTP 403). The
    /// refusal's billing events were committed; the user was not written.
    #[error("seat limit reached")]
    SeatLimit(seats::LimitReached),
    /// The deprovisioning guard holds deactivations and deletions in this workspace
    /// (paused: HTTP 503, retry later; cancelled by an admin: 403).
    #[error("deprovisioning held: {0:?}")]
    DeprovisioningHeld(crate::Held),
    /// The database could not be reached in time: retry later (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a corrupt database (HTTP 500).
    #[error("database error: {0}")]
    Internal(String),
}

impl StoreError {
    /// Classifies a driver error by kind, never by constraint name (SQLite errors carry
    /// none). A unique violation without a caller-supplied field is internal.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "callers hand over the error they no longer need"
    )]
    pub(crate) fn classify(err: sqlx::Error, unique: Option<UniqueField>) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                unique.map_or_else(|| Self::Internal(err.to_string()), Self::Conflict)
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(err.to_string()),
            // SQLITE_BUSY after the busy timeout, and Postgres admin shutdown / cannot
            // connect now: the database is there but cannot serve us right now.
            sqlx::Error::Database(db)
                if matches!(
                    db.code().as_deref(),
                    Some("5" | "517" | "57P01" | "57P02" | "57P03")
                ) =>
            {
                Self::Unavailable(err.to_string())
            }
            _ => Self::Internal(err.to_string()),
        }
    }
}

impl StoreError {
    /// The same failure for another of the writers that shared one commit: the kind
    /// (retry later or not) and the message, without the driver's error value.
    pub(crate) fn shared(&self) -> Self {
        match self {
            Self::Unavailable(m) => Self::Unavailable(m.clone()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        Self::classify(err, None)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(e) => e.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}
