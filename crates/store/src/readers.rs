//! SQLite's read connections, held by the store itself rather than a `sqlx` pool.
//!
//! Every statement on an `sqlx` SQLite connection is a round trip to that
//! connection's worker thread. A pooled connection adds two more: a ping when it is
//! taken (`test_before_acquire`) and another, in a spawned task, when it is given
//! back. For a remote database those pings find dead connections; an SQLite file
//! has none, so here they only tripled the thread hops of every read. Measured
//! with 32 tasks reading one row on one core (issue #7, docs/benchmarks.md): 34 µs
//! a query through the pool, 15 µs through these slots.
//!
//! Reads never wait for the writer: in WAL mode a reader sees the last commit.

use std::time::Duration;

use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::{Mutex, MutexGuard, Semaphore, SemaphorePermit};

/// A fixed set of open read connections.
#[derive(Debug)]
pub(crate) struct Readers {
    slots: Vec<Mutex<SqliteConnection>>,
    /// One permit per slot: a holder of a permit always finds a free slot.
    permits: Semaphore,
    acquire_timeout: Duration,
}

/// One read connection, given back when dropped.
pub(crate) struct Reader<'r> {
    // Field order is drop order: the slot is free before its permit is back.
    conn: MutexGuard<'r, SqliteConnection>,
    _permit: SemaphorePermit<'r>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Readers {
    /// Opens `n` (at least one) connections with `options`.
    pub(crate) async fn open(
        options: &SqliteConnectOptions,
        n: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, sqlx::Error> {
        let mut slots = Vec::new();
        for _ in 0..n.max(1) {
            let conn = sqlx::Connection::connect_with(options).await?;
            slots.push(Mutex::new(conn));
        }
        Ok(Self {
            permits: Semaphore::new(slots.len()),
            slots,
            acquire_timeout,
        })
    }

    /// A free connection, waiting at most the acquire timeout for one
    /// (`PoolTimedOut`, as a pool would say; `PoolClosed` after [`Self::close`]).
    pub(crate) async fn acquire(&self) -> Result<Reader<'_>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = self
            .slots
            .iter()
            .find_map(|slot| slot.try_lock().ok())
            .ok_or(sqlx::Error::PoolTimedOut)?;
        Ok(Reader {
            conn,
            _permit: permit,
        })
    }

    /// Refuses new reads and waits for the ones under way.
    pub(crate) async fn close(&self) {
        self.permits.close();
        for slot in &self.slots {
            drop(slot.lock().await);
        }
    }
}
