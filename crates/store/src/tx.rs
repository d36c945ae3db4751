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

/// Runs one write statement, `$body` with `$conn` as its executor, evaluating to
/// `Result<_, StoreError>` (the body's error converts). On SQLite the statement joins
/// the writer's batch like a transaction would, so it never waits in SQLite's busy
/// handler behind an open batch, and the result comes back once the batch is
/// durable; a failed statement undoes only itself, so it needs no savepoint.
/// PostgreSQL runs it on the pool, a transaction of its own.
macro_rules! write_one {
    ($store:expr, $conn:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(db) => {
                async {
                    let mut turn = db.writer.turn(&db.pool).await?;
                    let out = {
                        let $conn = turn.conn()?;
                        $body
                    }?;
                    turn.durable().await?;
                    Ok::<_, $crate::StoreError>(out)
                }
                .await
            }
            $crate::Store::Postgres($conn) => $body.map_err($crate::StoreError::from),
        }
    };
}
pub(crate) use write_one;
