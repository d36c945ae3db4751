//! Write transactions on either backend.

/// Runs `$body` (which uses `$tx` as its executor via `&mut *$tx`) in one write
/// transaction and commits it; a `?` inside the body returns early and the dropped
/// transaction rolls back. On SQLite the transaction is a savepoint in the
/// in-process writer's batch, which began with `BEGIN IMMEDIATE`, so a transaction
/// that reads and then writes holds the write lock up front instead of failing with
/// `SQLITE_BUSY` when it tries to upgrade (docs/style.md §4); the macro returns once
/// the batch's commit is durable (`writer`).
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(db) => {
                let mut turn = db.writer.turn(&db.pool).await?;
                let mut $tx = turn.savepoint().await?;
                let out = $body;
                $tx.commit().await?;
                turn.durable().await?;
                out
            }
            $crate::Store::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use in_tx;
