//! SQLite reads on the calling thread, for the statements of the IdPs' hot path.
//!
//! `sqlx` runs every SQLite connection on a thread of its own, so each statement is
//! a message to that thread and a reply: two futex wakes and two context switches.
//! Under the `userName eq` lookup that both IdPs send before every push, those hops
//! were half of the gateway's CPU and SQLite's own work a tenth (issue #7,
//! docs/benchmarks.md). The few statements a lookup runs (the credential, the
//! page) go through these `rusqlite` connections instead, stepped on the tokio
//! worker that asks. Only short, indexed reads belong here: a statement blocks its
//! worker while it runs. Everything else keeps the `sqlx` readers.
//!
//! The connections are read-only and in WAL mode see the last commit, like
//! [`crate::readers`]. rusqlite links the same `libsqlite3-sys` as sqlx.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::types::{FromSql, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, Row, ffi};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::tx::Arg;
use crate::{StoreError, UniqueField};

/// Prepared statements kept per connection: the hot path's texts are few.
const STATEMENT_CACHE: usize = 64;

/// A fixed set of read-only connections, one per thread that may read at once.
#[derive(Debug)]
pub(crate) struct Direct {
    slots: Vec<Mutex<Connection>>,
    /// Where a reader that finds every slot busy waits its turn.
    next: AtomicUsize,
}

impl Direct {
    /// Opens `n` (at least one) read-only connections to the database file at `path`.
    pub(crate) fn open(path: &Path, n: usize, busy_timeout: Duration) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let slots = (0..n.max(1))
            .map(|_| {
                let conn = Connection::open_with_flags(path, flags)?;
                conn.busy_timeout(busy_timeout)?;
                conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                Ok(Mutex::new(conn))
            })
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| error(&e))?;
        Ok(Self {
            slots,
            next: AtomicUsize::new(0),
        })
    }

    /// Every row of `sql` with `binds` as `$1, $2, …`, each read by `read`, on a free
    /// connection and this thread. A connection is held only for the call (never
    /// across an `await`), so a busy slot frees within one statement.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        binds: &[&dyn ToSql],
        read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        query(&self.slot(), sql, binds, read).map_err(|e| error(&e))
    }

    fn slot(&self) -> MutexGuard<'_, Connection> {
        if let Some(free) = self.slots.iter().find_map(|s| s.try_lock().ok()) {
            return free;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        // A panic while reading leaves the connection as usable as before.
        self.slots[i].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every row of `sql` with `binds` as `$1, $2, …`, each read by `read`, on `conn`
/// (its statement cache keeps `sql` prepared).
pub(crate) fn query<T>(
    conn: &Connection,
    sql: &str,
    binds: &[&dyn ToSql],
    mut read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut stmt = prepared(conn, sql, binds)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(row)?);
    }
    Ok(out)
}

/// Runs `sql`, which returns no rows, with `binds` as `$1, $2, …`; the rows it changed.
pub(crate) fn execute(conn: &Connection, sql: &str, binds: &[&dyn ToSql]) -> rusqlite::Result<u64> {
    let changed = prepared(conn, sql, binds)?.raw_execute()?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

fn prepared<'c>(
    conn: &'c Connection,
    sql: &str,
    binds: &[&dyn ToSql],
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = conn.prepare_cached(&numbered(sql))?;
    if stmt.parameter_count() > binds.len() {
        return Err(rusqlite::Error::InvalidParameterCount(
            binds.len(),
            stmt.parameter_count(),
        ));
    }
    for (i, value) in binds.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, *value)?;
    }
    Ok(stmt)
}

/// `sql` with each `$n` written `?n`. SQLite numbers `$name` parameters in the order
/// they first appear (which need not be `n`'s), so binding them means a lookup by
/// name, a linear search per parameter; a `?n` parameter is number `n` itself.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    crate::tx::renumber(sql, &mut out, '?', 0);
    out
}

/// A time column: RFC 3339 text (the store's `Ts`, or sqlx's own encoding).
pub(crate) fn time(row: &Row<'_>, column: &str) -> rusqlite::Result<OffsetDateTime> {
    let text = row.get_ref(column)?.as_str()?;
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| conversion(column, e))
}

/// A nullable time column.
pub(crate) fn time_opt(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<OffsetDateTime>> {
    match row.get_ref(column)? {
        ValueRef::Null => Ok(None),
        _ => time(row, column).map(Some),
    }
}

fn conversion(column: &str, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(Named(column.to_owned(), Box::new(e))),
    )
}

/// A decoding error with the column it came from.
#[derive(Debug)]
struct Named(String, Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.0, self.1)
    }
}

impl std::error::Error for Named {}

/// The same classes as [`StoreError::classify`] gives sqlx's errors: `SQLITE_BUSY`
/// (and its extended codes) past the timeout is `Unavailable` (retry), anything
/// else `Internal`.
pub(crate) fn error(err: &rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Internal(err.to_string()),
    }
}

/// [`error`], with a uniqueness violation (a `UNIQUE` index or the primary key, as
/// sqlx's `is_unique_violation` tells them) as `Conflict(field)`.
pub(crate) fn error_unique(err: &rusqlite::Error, field: UniqueField) -> StoreError {
    match err {
        rusqlite::Error::SqliteFailure(e, _)
            if matches!(
                e.extended_code,
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ) =>
        {
            StoreError::Conflict(field)
        }
        _ => error(err),
    }
}

/// A row the writer's direct statements read ([`crate::writer::DirectTx`]): the
/// same types that sqlx's `FromRow` reads in the other write transactions.
pub(crate) trait Decode: Sized {
    fn decode(row: &Row<'_>) -> rusqlite::Result<Self>;
}

impl<A: FromSql> Decode for (A,) {
    fn decode(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?,))
    }
}

impl<A: FromSql, B: FromSql> Decode for (A, B) {
    fn decode(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?))
    }
}

impl<A: FromSql, B: FromSql, C: FromSql> Decode for (A, B, C) {
    fn decode(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    }
}

/// An argument as the sqlx side binds it (`bind_args!`): times as the store's fixed
/// text, uuids as 16-byte blobs, booleans as integers.
impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Self::Uuid(v) => v.to_sql(),
            Self::Text(v) => v.to_sql(),
            Self::OptText(v) => v.to_sql(),
            Self::Int(v) => v.to_sql(),
            Self::Bool(v) => v.to_sql(),
            Self::Ts(v) => v
                .sqlite_text()
                .map(ToSqlOutput::from)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn binds_dollar_parameters_by_number_not_position() {
        assert_eq!(
            numbered("select $2, '$x', $10 || $1"),
            "select ?2, '$x', ?10 || ?1"
        );
        let conn = Connection::open_in_memory().unwrap();
        let text: Vec<String> = query(
            &conn,
            "select $2 || '-' || $1 || '-' || $2",
            &[&"one", &"two"],
            |row| row.get(0),
        )
        .unwrap();
        assert_eq!(text, ["two-one-two"]);
        // Fewer values than the statement's parameters is an error, not a null.
        assert!(matches!(
            query(&conn, "select $1, $2", &[&"one"], |row| row
                .get::<_, String>(0)),
            Err(rusqlite::Error::InvalidParameterCount(1, 2))
        ));
    }

    #[test]
    fn reads_times_as_the_store_and_sqlx_write_them() {
        let conn = Connection::open_in_memory().unwrap();
        let mut stmt = conn
            .prepare("select '2026-11-23T09:00:00.500000Z' as a, '2026-11-23T10:00:00+01:00' as b, null as c, 'x' as d")
            .unwrap();
        let mut rows = stmt.raw_query();
        let row = rows.next().unwrap().unwrap();
        assert_eq!(
            time(row, "a").unwrap(),
            datetime!(2026-11-23 09:00:00.5 UTC)
        );
        assert_eq!(
            time_opt(row, "b").unwrap(),
            Some(datetime!(2026-11-23 09:00:00 UTC))
        );
        assert_eq!(time_opt(row, "c").unwrap(), None);
        let err = time(row, "d").unwrap_err().to_string();
        assert!(err.contains("column d"), "{err}");
    }

    #[test]
    fn a_locked_database_is_unavailable_and_a_bad_statement_internal() {
        let path = std::env::temp_dir().join(format!("direct-busy-{}.db", std::process::id()));
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("create table t (x); begin exclusive")
            .unwrap();
        let direct = Direct::open(&path, 1, Duration::from_millis(20)).unwrap();
        let busy = direct.rows("select x from t", &[], |row| row.get::<_, i64>(0));
        assert!(matches!(busy, Err(StoreError::Unavailable(_))), "{busy:?}");
        writer.execute_batch("commit").unwrap();
        assert!(
            direct
                .rows("select x from t", &[], |row| row.get::<_, i64>(0))
                .unwrap()
                .is_empty()
        );
        let bad = direct.rows("select nope from t", &[], |row| row.get::<_, i64>(0));
        assert!(matches!(bad, Err(StoreError::Internal(_))), "{bad:?}");
        drop((direct, writer));
        std::fs::remove_file(&path).unwrap();
    }
}
