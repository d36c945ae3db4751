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

use std::sync::{Arc, Weak};

use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, MutexGuard, Notify, watch};

use crate::StoreError;

/// What a writer learns when its batch's commit is over: `None` until then.
type Outcome = Option<Result<(), StoreError>>;

/// The open batch: one `BEGIN IMMEDIATE` transaction that writers add savepoints to.
#[derive(Debug)]
struct Batch {
    tx: Option<Transaction<'static, Sqlite>>,
    /// Tells this batch's writers how its commit went.
    done: watch::Sender<Outcome>,
}

/// The in-process queue of SQLite write transactions and their committer.
#[derive(Debug)]
pub(crate) struct Writer {
    batch: Arc<Mutex<Batch>>,
    /// Wakes the committer: every writer that leaves the batch rings it.
    commit: Arc<Notify>,
}

impl Writer {
    /// A writer with its committer task (which ends when the writer is dropped).
    pub(crate) fn start() -> Self {
        let batch = Arc::new(Mutex::new(Batch {
            tx: None,
            done: watch::channel(None).0,
        }));
        let commit = Arc::new(Notify::new());
        tokio::spawn(committer(Arc::downgrade(&batch), Arc::clone(&commit)));
        Self { batch, commit }
    }

    /// Waits for the writer's turn and opens a batch if none is open. While the
    /// returned [`Turn`] lives, no other writer runs.
    pub(crate) async fn turn(&self, pool: &SqlitePool) -> Result<Turn<'_>, StoreError> {
        let mut batch = self.batch.lock().await;
        if batch.tx.is_none() {
            batch.tx = Some(pool.begin_with("BEGIN IMMEDIATE").await?);
        }
        Ok(Turn {
            batch,
            commit: &self.commit,
        })
    }
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
    batch: MutexGuard<'w, Batch>,
    commit: &'w Notify,
}

impl Turn<'_> {
    /// The open batch's connection, for a single statement.
    pub(crate) fn conn(&mut self) -> Result<&mut SqliteConnection, StoreError> {
        let tx = self
            .batch
            .tx
            .as_mut()
            .ok_or_else(|| StoreError::Internal("no open batch".into()))?;
        Ok(&mut **tx)
    }

    /// A savepoint in the open batch for this writer's statements. Dropped without
    /// [`Transaction::commit`], it rolls back to where this writer began.
    pub(crate) async fn savepoint(&mut self) -> Result<Transaction<'_, Sqlite>, StoreError> {
        Ok(sqlx::Connection::begin(self.conn()?).await?)
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

/// Commits the open batch each time a writer leaves it. It queues for the batch's
/// lock like a writer, so every writer already waiting joins the batch first.
async fn committer(batch: Weak<Mutex<Batch>>, commit: Arc<Notify>) {
    loop {
        commit.notified().await;
        let Some(batch) = batch.upgrade() else { return };
        let mut open = batch.lock().await;
        if let Some(tx) = open.tx.take() {
            let outcome = tx.commit().await.map_err(StoreError::from);
            if let Err(e) = &outcome {
                tracing::error!(error = %e, "group commit failed; its writers were told");
            }
            let (next, _) = watch::channel(None);
            std::mem::replace(&mut open.done, next).send_replace(Some(outcome));
        }
    }
}
