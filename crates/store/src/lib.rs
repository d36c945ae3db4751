//! The only crate of scimgate that speaks SQL.
//!
//! One concrete [`Store`] over SQLite (the embedded default) or PostgreSQL (several
//! gateway replicas). Every query is written once with `$n` placeholders and run on
//! whichever pool the store holds; dialect differences sit side by side where they
//! occur, each with a comment saying why. Callers never see `sqlx`.

mod admins;
mod console;
mod directory;
mod error;
mod guard;
mod oauth;
mod outbox;
mod provlog;
mod resources;
mod roles;
mod seats;
mod tokens;
mod ts;
mod tx;
mod url;
mod workspaces;
mod writer;

#[cfg(feature = "testing")]
pub mod testing;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use admins::{AdminRecord, SessionAdmin};
pub use console::{ApiKeyRecord, AuditEntry, AuditFilter, ScimSettings};
pub use directory::{
    GroupList, GroupQuery, GroupSummary, MemberList, UserList, UserQuery, UserSummary,
};
pub use error::{StoreError, UniqueField};
pub use guard::{GUARD_CANCELLED, GUARD_PAUSED, GuardSettings, GuardStatus, Held};
pub use oauth::{
    ClientRecord, CodeRecord, GrantRecord, JwtKeyRecord, NewClient, NewCode, Redemption, Refresh,
    ScimGrant,
};
pub use outbox::{
    AttemptResult, DEAD, DELIVERED, DeliveryRecord, DueDelivery, Hook, PENDING, StoredEvent,
};
pub use provlog::{LogEntry, LogPage, LogQuery};
pub use resources::{AuditEvent, Change, ListQuery, MemberChange, Page, ResourceRow};
pub use seats::{CAUSE_ADMIN, CAUSE_AUTO_CHARGE, SeatPurchase, SeatSettings, SeatStatus};
pub use tokens::{NewToken, ScimToken, TokenRecord};
pub use url::{Backend, DatabaseUrl};
pub use workspaces::{Workspace, slug};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Runs the same expression on whichever pool the store holds; `$pool` is bound
/// to the concrete pool in each arm, so one query text serves both databases.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(db) => {
                let $pool = &db.pool;
                $body
            }
            $crate::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Pool settings that the gateway's configuration decides.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a request waits for a connection before the store is `Unavailable`.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The database: SQLite or PostgreSQL, behind one set of methods.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// The embedded database: a pool for reads and single statements, and the one
/// in-process writer that write transactions queue for ([`writer`]).
#[derive(Debug, Clone)]
pub struct SqliteDb {
    pool: SqlitePool,
    writer: Arc<writer::Writer>,
}

impl Store {
    /// Connects to the database, creating an SQLite file if it does not exist yet.
    /// Does not migrate: call [`Store::migrate`].
    #[tracing::instrument(skip_all, fields(db.backend = ?url.backend()))]
    pub async fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StoreError> {
        use secrecy::ExposeSecret;
        let raw = url.expose().expose_secret();
        match url.backend() {
            Backend::Sqlite => {
                let connect = SqliteConnectOptions::from_str(raw)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: a commit is on disk before the response says 2xx, so a
                    // crash or power loss never loses an acknowledged write.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(options.acquire_timeout);
                let pool = SqlitePoolOptions::new()
                    .test_before_acquire(false)
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?;
                Ok(Self::Sqlite(SqliteDb {
                    pool,
                    writer: Arc::new(writer::Writer::start()),
                }))
            }
            Backend::Postgres => {
                let connect = PgConnectOptions::from_str(raw)?;
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Applies pending migrations (the set that matches the backend).
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(db) => SQLITE_MIGRATIONS.run(&db.pool).await?,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database (`/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("select 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Closes every connection; pending queries finish first.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}
