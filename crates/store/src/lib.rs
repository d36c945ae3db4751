//! The only crate of scimgate that speaks SQL.
//!
//! One concrete [`Store`] over SQLite (the embedded default) or PostgreSQL (several
//! gateway replicas). Every query is written once with `$n` placeholders and run on
//! whichever pool the store holds; dialect differences sit side by side where they
//! occur, each with a comment saying why. Callers never see `sqlx`.

mod admins;
mod console;
mod direct;
mod directory;
mod error;
mod guard;
mod oauth;
mod outbox;
mod provlog;
mod readers;
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
pub use resources::{AuditEvent, Change, ListQuery, MemberChange, Page, Related, ResourceRow};
pub use seats::{CAUSE_ADMIN, CAUSE_AUTO_CHARGE, SeatPurchase, SeatSettings, SeatStatus};
pub use tokens::{NewToken, ScimToken, TokenRecord};
pub use url::{Backend, DatabaseUrl};
pub use workspaces::{Workspace, slug};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Runs the same expression on whichever database the store holds; `$pool` is bound
/// to a read connection on SQLite ([`readers`]) and to the pool on PostgreSQL, so
/// one query text serves both databases. `$body` evaluates to a `Result`.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(db) => match db.readers.acquire().await {
                Ok(mut reader) => {
                    let $pool = &mut *reader;
                    $body
                }
                Err(e) => Err(e.into()),
            },
            $crate::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// `$first, $first+1, …` for `n` parameters, for an `in (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `items` in chunks of at most `max` whose lengths are powers of two, largest first.
/// A statement's text depends on how many rows or ids it carries, so this bounds the
/// distinct texts to a few that stay prepared in each connection's statement cache.
/// `max` should stay in the low hundreds of parameters a statement: SQLite resolves
/// each `$n` by a linear search, so a statement's cost grows with the square of its
/// parameters.
pub(crate) fn chunks<T>(items: &[T], max: usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let n = rest.len().min(max.max(1));
        // The largest power of two that is at most n.
        let take = 1 << n.ilog2();
        let (head, tail) = rest.split_at(take);
        out.push(head);
        rest = tail;
    }
    out
}

/// `($1, …, $cols), ($cols+1, …), …` for `rows` rows of a multi-row `values` list.
pub(crate) fn value_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(r * cols + 1, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How long a PostgreSQL connection may sit idle before it is pinged on its next use
/// (a restarted server or a dropped link leaves dead connections in the pool).
const PG_PING_IDLE: Duration = Duration::from_secs(1);

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

/// The embedded database: read connections ([`readers`], and [`direct`] for the
/// hot path's statements), the one in-process writer
/// that every write queues for ([`writer`]), and the pool that lends the writer and
/// the migrations their connection.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    pool: SqlitePool,
    readers: Arc<readers::Readers>,
    direct: Arc<direct::Direct>,
    writer: Arc<writer::Writer>,
}

impl Store {
    /// Connects to the database, creating an SQLite file if it does not exist yet.
    /// Does not migrate: call [`Store::migrate`].
    #[tracing::instrument(level = "debug", skip_all, fields(db.backend = ?url.backend()))]
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
                    // Each write is a savepoint in the writer's batch, and a savepoint
                    // journals the pages it changes: in memory, not a temporary file.
                    .pragma("temp_store", "memory")
                    .busy_timeout(options.acquire_timeout);
                // One connection: the writer's batches and the migrations take turns.
                let pool = SqlitePoolOptions::new()
                    .test_before_acquire(false)
                    .max_connections(1)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect.clone())
                    .await?;
                let readers = readers::Readers::open(
                    &connect,
                    options.max_connections,
                    options.acquire_timeout,
                )
                .await?;
                // One per thread that can read at once: the runtime's workers.
                let threads = std::thread::available_parallelism().map_or(2, usize::from);
                let direct =
                    direct::Direct::open(connect.get_filename(), threads, options.acquire_timeout)?;
                Ok(Self::Sqlite(SqliteDb {
                    pool,
                    readers: Arc::new(readers),
                    direct: Arc::new(direct),
                    writer: Arc::new(writer::Writer::start(
                        connect.get_filename(),
                        options.acquire_timeout,
                    )?),
                }))
            }
            Backend::Postgres => {
                let connect = PgConnectOptions::from_str(raw)?;
                let pool = PgPoolOptions::new()
                    // A ping before every use doubled the round trips of every query;
                    // a connection used within the last second is known to be alive.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > PG_PING_IDLE {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Applies pending migrations (the set that matches the backend).
    #[tracing::instrument(level = "debug", skip_all)]
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
        match self {
            Self::Sqlite(db) => {
                db.readers.close().await;
                db.pool.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{chunks, placeholders, value_rows};

    #[test]
    fn chunks_are_powers_of_two_up_to_the_maximum() {
        let items: Vec<u32> = (0..300).collect();
        let lens: Vec<usize> = chunks(&items, 128).iter().map(|c| c.len()).collect();
        assert_eq!(lens, [128, 128, 32, 8, 4]);
        let lens: Vec<usize> = chunks(&items[..7], 128).iter().map(|c| c.len()).collect();
        assert_eq!(lens, [4, 2, 1]);
        assert!(chunks::<u32>(&[], 8).is_empty());
        // Every item, once, in order.
        let back: Vec<u32> = chunks(&items, 100).concat();
        assert_eq!(back, items);
    }

    #[test]
    fn placeholders_number_from_the_first() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(value_rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
