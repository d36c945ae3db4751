//! SQLite's single writer, with group commit.
//!
//! SQLite runs one write transaction at a time, and with `synchronous = FULL` each
//! commit waits for an fsync. Write transactions that each began on their own pooled
//! connection queued in SQLite's busy handler, which sleeps and polls, and paid one
//! fsync each: a few hundred creates a second at best. Here they queue in-process
//! instead, in arrival order, and run one after another inside one open transaction,
//! each in a savepoint of its own. A committer task commits whatever has joined with
//! one fsync, while the writers that arrive meanwhile queue for the next batch.
//!
//! Durability is unchanged: a writer returns only after the commit that holds its
//! savepoint is on disk, so a 2xx still means the write survives a crash or a power
//! cut. Isolation is unchanged: writers run strictly one after another and a failed
//! writer's savepoint is rolled back, so each sees exactly the writes before it. The
//! one thing writers of a batch share is the commit's fate: if the fsync fails, every
//! writer of the batch gets the error and none was acknowledged.
//!
//! A batch runs on one of two connections. Most writes use sqlx's pooled one, where
//! each statement is a round trip to that connection's thread. The IdPs' hot writes
//! ([`DirectTx`], `in_tx!(direct …)`) use the writer's own rusqlite connection
//! instead, stepped on the tokio worker that holds the turn, as [`crate::direct`]
//! does for reads: a create's seven statements had been fourteen thread hops inside
//! the one section that every write waits for (issue #7, docs/benchmarks.md). Only
//! `BEGIN` and `COMMIT`, which may wait for a lock or the disk, leave the worker, for
//! a blocking thread. A writer of the other kind commits the open batch first, so
//! the two connections never hold SQLite's write lock at once.

use std::path::Path;
use std::sync::{Arc, Mutex as SyncMutex, PoisonError, Weak};
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

use crate::direct::{self, Decode};
use crate::tx::Arg;
use crate::{StoreError, UniqueField};

/// What a writer learns when its batch's commit is over: `None` until then.
type Outcome = Option<Result<(), StoreError>>;

/// The open batch's transaction.
#[derive(Debug)]
enum Open {
    /// On the pool's connection.
    Pool(Transaction<'static, Sqlite>),
    /// On the writer's direct connection, which ran `BEGIN IMMEDIATE`.
    Direct,
}

/// The open batch: one `BEGIN IMMEDIATE` transaction that writers add savepoints to.
#[derive(Debug)]
struct Batch {
    open: Option<Open>,
    /// Tells this batch's writers how its commit went.
    done: watch::Sender<Outcome>,
}

/// The in-process queue of SQLite write transactions and their committer.
#[derive(Debug)]
pub(crate) struct Writer {
    batch: Arc<Mutex<Batch>>,
    /// Wakes the committer: every writer that leaves the batch rings it.
    commit: Arc<Notify>,
    /// Used only by the holder of the batch's lock (and by `BEGIN`/`COMMIT` on a
    /// blocking thread while that lock is held), so this mutex is never contended.
    direct: Arc<SyncMutex<Connection>>,
}

/// Prepared statements kept on the direct connection: the hot writes' texts.
const STATEMENT_CACHE: usize = 64;

impl Writer {
    /// A writer on the database file at `path`, with its committer task (which ends
    /// when the writer is dropped). The direct connection gets the pool's settings.
    pub(crate) fn start(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        let open = || -> rusqlite::Result<Connection> {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(path, flags)?;
            conn.busy_timeout(busy_timeout)?;
            // As the pool's connection (`Store::connect`): durable commits, enforced
            // foreign keys, savepoint journals in memory.
            conn.execute_batch(
                "pragma synchronous = full; pragma foreign_keys = on; pragma temp_store = memory",
            )?;
            conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            Ok(conn)
        };
        let direct = Arc::new(SyncMutex::new(open().map_err(|e| direct::error(&e))?));
        let batch = Arc::new(Mutex::new(Batch {
            open: None,
            done: watch::channel(None).0,
        }));
        let commit = Arc::new(Notify::new());
        tokio::spawn(committer(
            Arc::downgrade(&batch),
            Arc::clone(&commit),
            Arc::clone(&direct),
        ));
        Ok(Self {
            batch,
            commit,
            direct,
        })
    }

    /// Waits for the writer's turn and opens a batch on the pool's connection if
    /// none is open. While the returned [`Turn`] lives, no other writer runs.
    pub(crate) async fn turn(&self, pool: &SqlitePool) -> Result<Turn<'_>, StoreError> {
        self.turn_on(On::Pool(pool.clone())).await
    }

    /// [`Writer::turn`], for a [`DirectTx`]: the batch is on the direct connection.
    pub(crate) async fn direct_turn(&self) -> Result<Turn<'_>, StoreError> {
        self.turn_on(On::Direct).await
    }

    async fn turn_on(&self, on: On) -> Result<Turn<'_>, StoreError> {
        let mut batch = Arc::clone(&self.batch).lock_owned().await;
        let ready = matches!(
            (&batch.open, &on),
            (Some(Open::Pool(_)), On::Pool(_)) | (Some(Open::Direct), On::Direct)
        );
        if !ready {
            // Committing the other connection's batch and beginning this one must
            // finish even if this writer's request is cancelled meanwhile: stopped
            // halfway, the batch would no longer say which connection holds a
            // transaction, or its writers would never hear of their commit. So a task
            // of its own does both, holding the lock.
            let direct = Arc::clone(&self.direct);
            batch = tokio::spawn(async move {
                finish(&mut batch, &direct).await;
                batch.open = Some(match on {
                    On::Pool(pool) => Open::Pool(pool.begin_with("BEGIN IMMEDIATE").await?),
                    On::Direct => {
                        blocking(&direct, |c| c.execute_batch("BEGIN IMMEDIATE")).await?;
                        Open::Direct
                    }
                });
                Ok::<_, StoreError>(batch)
            })
            .await
            .map_err(|e| StoreError::Internal(format!("the writer's task: {e}")))??;
        }
        Ok(Turn {
            batch,
            commit: &self.commit,
            direct: &self.direct,
        })
    }
}

/// Which connection a writer's batch must be on.
enum On {
    Pool(SqlitePool),
    Direct,
}

impl Drop for Writer {
    fn drop(&mut self) {
        // The committer holds only a weak reference: woken now, it finds the writer
        // gone and ends.
        self.commit.notify_one();
    }
}

/// One writer's exclusive turn in the open batch.
pub(crate) struct Turn<'w> {
    batch: OwnedMutexGuard<Batch>,
    commit: &'w Notify,
    direct: &'w SyncMutex<Connection>,
}

impl Turn<'_> {
    /// The open batch's pooled connection, for a single statement.
    pub(crate) fn conn(&mut self) -> Result<&mut SqliteConnection, StoreError> {
        match self.batch.open.as_mut() {
            Some(Open::Pool(tx)) => Ok(&mut **tx),
            _ => Err(StoreError::Internal("no open batch on the pool".into())),
        }
    }

    /// A savepoint in the open batch for this writer's statements. Dropped without
    /// [`Transaction::commit`], it rolls back to where this writer began.
    pub(crate) async fn savepoint(&mut self) -> Result<Transaction<'_, Sqlite>, StoreError> {
        Ok(sqlx::Connection::begin(self.conn()?).await?)
    }

    /// A savepoint in the open direct batch ([`Writer::direct_turn`]).
    pub(crate) fn direct(&mut self) -> Result<DirectTx<'_>, StoreError> {
        if !matches!(self.batch.open, Some(Open::Direct)) {
            return Err(StoreError::Internal("no open direct batch".into()));
        }
        // Outside a transaction (an earlier writer of this batch rolled it back whole,
        // below) a SAVEPOINT would begin one of its own and its RELEASE commit at once,
        // ahead of the batch's commit, which is bound to fail: refuse instead.
        let joined = on(
            self.direct,
            |c| {
                let open = !c.is_autocommit();
                if open {
                    c.execute_batch("SAVEPOINT writer")?;
                }
                Ok(open)
            },
            |e| direct::error(&e),
        )?;
        if !joined {
            return Err(StoreError::Unavailable(
                "the open batch was rolled back".into(),
            ));
        }
        Ok(DirectTx {
            conn: self.direct,
            later: Vec::new(),
            open: true,
        })
    }

    /// Ends the turn (the next writer may run) and waits until the batch holding
    /// this writer's released savepoint is committed.
    pub(crate) async fn durable(self) -> Result<(), StoreError> {
        let mut outcome = self.batch.done.subscribe();
        drop(self);
        let seen = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| StoreError::Unavailable("the committer stopped".into()))?;
        match &*seen {
            Some(Err(e)) => Err(e.shared()),
            _ => Ok(()),
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        // However the turn ends (done, failed, or its request cancelled), the batch
        // must not stay open holding SQLite's write lock: the committer takes it.
        self.commit.notify_one();
    }
}

/// One writer's savepoint on the direct connection, with the same methods as
/// [`crate::tx::Tx`] so that one `in_tx!` body serves both. The methods are
/// `async` for that reason only: each statement runs to its end on this thread.
/// Dropped without [`DirectTx::commit`], it rolls back to where this writer began.
pub(crate) struct DirectTx<'t> {
    conn: &'t SyncMutex<Connection>,
    /// Statements deferred to the commit ([`crate::tx::Tx::later`]).
    later: Vec<(String, Vec<Arg>)>,
    /// The savepoint is neither released nor rolled back yet.
    open: bool,
}

#[expect(
    clippy::unused_async,
    reason = "the same calls as on sqlx's transactions, whose statements are awaited"
)]
impl DirectTx<'_> {
    fn run<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        on(self.conn, f, |e| direct::error(&e))
    }

    /// Defers `sql` to the commit.
    pub(crate) fn later(&mut self, sql: impl Into<String>, args: Vec<Arg>) {
        self.later.push((sql.into(), args));
    }

    pub(crate) async fn exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        self.run(|c| direct::execute(c, sql, &binds(&args)))
    }

    pub(crate) async fn exec_unique(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        field: UniqueField,
    ) -> Result<u64, StoreError> {
        on(
            self.conn,
            |c| direct::execute(c, sql, &binds(&args)),
            |e| direct::error_unique(&e, field),
        )
    }

    pub(crate) async fn rows<T: Decode>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        self.run(|c| direct::query(c, sql, &binds(&args), T::decode))
    }

    pub(crate) async fn optional<T: Decode>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.rows(sql, args).await?.into_iter().next())
    }

    pub(crate) async fn one<T: Decode>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, StoreError> {
        self.optional(sql, args).await?.ok_or(StoreError::NotFound)
    }

    /// Runs the deferred statements and releases the savepoint into the batch.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let later = std::mem::take(&mut self.later);
        self.run(|c| {
            for (sql, args) in &later {
                direct::execute(c, sql, &binds(args))?;
            }
            c.execute_batch("RELEASE writer")
        })?;
        self.open = false;
        Ok(())
    }
}

impl Drop for DirectTx<'_> {
    fn drop(&mut self) {
        if self.open
            && let Err(e) = self.run(|c| c.execute_batch("ROLLBACK TO writer; RELEASE writer"))
        {
            // This writer's changes must not reach the batch's commit: roll the whole
            // batch back, so that its commit fails and none of its writers, none yet
            // acknowledged, is told otherwise.
            tracing::error!(error = %e, "rolling back a direct write failed; its batch is rolled back");
            let _ = self.run(|c| c.execute_batch("ROLLBACK"));
        }
    }
}

/// Runs `f` on the direct connection, on this thread.
fn on<T>(
    conn: &SyncMutex<Connection>,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    error: impl FnOnce(rusqlite::Error) -> StoreError,
) -> Result<T, StoreError> {
    f(&conn.lock().unwrap_or_else(PoisonError::into_inner)).map_err(error)
}

fn binds(args: &[Arg]) -> Vec<&dyn ToSql> {
    args.iter().map(|a| a as &dyn ToSql).collect()
}

/// Runs `f` on the direct connection on a blocking thread: for the statements that
/// may wait (`BEGIN` for the file's lock, `COMMIT` for the disk).
async fn blocking(
    conn: &Arc<SyncMutex<Connection>>,
    f: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
) -> Result<(), StoreError> {
    let conn = Arc::clone(conn);
    tokio::task::spawn_blocking(move || {
        let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn).map_err(|e| {
            // A failed COMMIT can leave the transaction open; end it, or the next
            // batch's BEGIN would fail too.
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            direct::error(&e)
        })
    })
    .await
    .map_err(|e| StoreError::Internal(format!("the writer's blocking task: {e}")))?
}

/// Commits the open batch, if there is one, and tells its writers how it went.
async fn finish(batch: &mut Batch, direct: &Arc<SyncMutex<Connection>>) {
    let outcome = match batch.open.take() {
        None => return,
        Some(Open::Pool(tx)) => tx.commit().await.map_err(StoreError::from),
        Some(Open::Direct) => blocking(direct, |c| c.execute_batch("COMMIT")).await,
    };
    if let Err(e) = &outcome {
        tracing::error!(error = %e, "group commit failed; its writers were told");
    }
    let (next, _) = watch::channel(None);
    std::mem::replace(&mut batch.done, next).send_replace(Some(outcome));
}

/// Commits the open batch each time a writer leaves it. It queues for the batch's
/// lock like a writer, so every writer already waiting joins the batch first.
async fn committer(
    batch: Weak<Mutex<Batch>>,
    commit: Arc<Notify>,
    direct: Arc<SyncMutex<Connection>>,
) {
    loop {
        commit.notified().await;
        let Some(batch) = batch.upgrade() else { return };
        finish(&mut *batch.lock().await, &direct).await;
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use super::*;
    use crate::tx::args;

    /// A writer and its pool on a fresh file with `create table t (x integer unique)`.
    async fn fixture(name: &str) -> (Writer, SqlitePool, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("writer-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        sqlx::query("create table t (x integer unique)")
            .execute(&pool)
            .await
            .unwrap();
        let writer = Writer::start(&path, Duration::from_millis(200)).unwrap();
        (writer, pool, path)
    }

    /// What another connection sees: only committed rows.
    fn committed(path: &Path) -> Vec<i64> {
        let conn = Connection::open(path).unwrap();
        direct::query(&conn, "select x from t order by rowid", &[], |r| r.get(0)).unwrap()
    }

    async fn direct_insert(writer: &Writer, x: i64, keep: bool) -> Result<(), StoreError> {
        let mut turn = writer.direct_turn().await?;
        let mut tx = turn.direct()?;
        tx.exec_unique(
            "insert into t (x) values ($1)",
            args![x],
            UniqueField::UserName,
        )
        .await?;
        if keep {
            tx.commit().await?;
        } else {
            drop(tx);
        }
        turn.durable().await
    }

    async fn pool_insert(writer: &Writer, pool: &SqlitePool, x: i64) -> Result<(), StoreError> {
        let mut turn = writer.turn(pool).await?;
        let mut tx = turn.savepoint().await?;
        sqlx::query("insert into t (x) values ($1)")
            .bind(x)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        turn.durable().await
    }

    #[tokio::test]
    async fn a_direct_write_is_durable_once_acknowledged_and_a_dropped_one_leaves_nothing() {
        let (writer, _pool, path) = fixture("direct").await;
        direct_insert(&writer, 1, true).await.unwrap();
        // Acknowledged means committed: another connection sees it.
        assert_eq!(committed(&path), [1]);
        // Dropped without commit: rolled back to its savepoint, the batch goes on.
        direct_insert(&writer, 2, false).await.unwrap();
        direct_insert(&writer, 3, true).await.unwrap();
        assert_eq!(committed(&path), [1, 3]);
        // A broken unique index is the caller's conflict, and undoes only that write.
        let again = direct_insert(&writer, 1, true).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(UniqueField::UserName))),
            "{again:?}"
        );
        assert_eq!(committed(&path), [1, 3]);
    }

    #[tokio::test]
    async fn a_writer_cancelled_while_its_batch_begins_leaves_the_writer_usable() {
        let (writer, pool, path) = fixture("cancel").await;
        pool_insert(&writer, &pool, 1).await.unwrap();
        // Polled once, then dropped: its turn is switching the batch to the direct
        // connection (a COMMIT and a BEGIN, each on a blocking thread) when it goes.
        let first_poll = tokio::select! {
            biased;
            turn = writer.direct_turn() => Some(turn.map(|_| ())),
            () = std::future::ready(()) => None,
        };
        assert!(
            first_poll.is_none(),
            "the turn should still have been pending: {first_poll:?}"
        );
        // Had the switch stopped halfway, this BEGIN would meet a transaction already
        // open on the direct connection, or wait for the pool's write lock.
        direct_insert(&writer, 2, true).await.unwrap();
        pool_insert(&writer, &pool, 3).await.unwrap();
        assert_eq!(committed(&path), [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_batch_rolled_back_whole_takes_no_more_writers_and_acknowledges_none() {
        let (writer, _pool, path) = fixture("whole").await;
        direct_insert(&writer, 1, true).await.unwrap();
        // A writer whose statements end the batch's transaction (as the fallback of a
        // failed savepoint rollback does).
        let mut turn = writer.direct_turn().await.unwrap();
        let mut tx = turn.direct().unwrap();
        tx.exec("insert into t (x) values ($1)", args![2])
            .await
            .unwrap();
        tx.exec("rollback", Vec::new()).await.unwrap();
        drop(tx);
        drop(turn);
        // The next writer gets the lock before the committer runs (one thread), so
        // it would join the same batch: it must be refused, not commit on its own.
        let mut turn = writer.direct_turn().await.unwrap();
        let joined = turn.direct().map(|_| ());
        assert!(
            matches!(joined, Err(StoreError::Unavailable(_))),
            "{joined:?}"
        );
        // The batch's commit fails, so nobody in it is acknowledged.
        assert!(turn.durable().await.is_err());
        assert_eq!(committed(&path), [1]);
        // The next batch works.
        direct_insert(&writer, 4, true).await.unwrap();
        assert_eq!(committed(&path), [1, 4]);
    }

    #[tokio::test]
    async fn writers_on_either_connection_take_turns_and_all_commit() {
        let (writer, pool, path) = fixture("mixed").await;
        // Each switch commits the other connection's open batch first; were it still
        // open, the next BEGIN IMMEDIATE would wait out the busy timeout and fail.
        pool_insert(&writer, &pool, 1).await.unwrap();
        direct_insert(&writer, 2, true).await.unwrap();
        pool_insert(&writer, &pool, 3).await.unwrap();
        direct_insert(&writer, 4, true).await.unwrap();
        // Concurrent writers of both kinds: every acknowledged write is there.
        let (a, b, c, d) = tokio::join!(
            pool_insert(&writer, &pool, 5),
            direct_insert(&writer, 6, true),
            pool_insert(&writer, &pool, 7),
            direct_insert(&writer, 8, true),
        );
        for r in [a, b, c, d] {
            r.unwrap();
        }
        let mut seen = committed(&path);
        seen.sort_unstable();
        assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
