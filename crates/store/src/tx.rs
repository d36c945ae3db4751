//! Write transactions on either backend.

/// Runs `$body` (which uses `$tx` as its executor via `&mut *$tx`) in one write
/// transaction and commits it; a `?` inside the body returns early and the dropped
/// transaction rolls back. SQLite begins with `BEGIN IMMEDIATE` so that a
/// transaction that reads and then writes waits for the write lock up front instead
/// of failing with `SQLITE_BUSY` when it tries to upgrade (docs/style.md §4).
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
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
