//! Write transactions on either backend, and the statements they defer.

use std::fmt::Write as _;

use sqlx::{Postgres, Sqlite, Transaction};
use uuid::Uuid;

use crate::ts::Ts;
use crate::{StoreError, UniqueField};

/// A value bound to a deferred statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Uuid),
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Bool(bool),
    Ts(Ts),
}

impl From<Uuid> for Arg {
    fn from(v: Uuid) -> Self {
        Self::Uuid(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Self::OptText(v.map(str::to_owned))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Self::OptText(v.clone())
    }
}
impl From<Ts> for Arg {
    fn from(v: Ts) -> Self {
        Self::Ts(v)
    }
}

/// `vec![Arg::from(a), …]`.
macro_rules! args {
    ($($a:expr),* $(,)?) => { vec![$($crate::tx::Arg::from($a)),*] };
}
pub(crate) use args;

/// Binds `$args` (a `&[Arg]`) in order to `$query`; a macro because the query's type
/// differs per backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Uuid(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::OptText(v) => q.bind(v.as_deref()),
                Arg::Int(v) => q.bind(*v),
                Arg::Bool(v) => q.bind(*v),
                Arg::Ts(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// An open write transaction with the statements it deferred: writes that return
/// nothing and that nothing later in the transaction reads (audit rows, outbox events
/// and deliveries, email and source rows). They run in order when the transaction
/// flushes, before it commits. On SQLite that is one multi-statement text, one round
/// trip to the connection's worker thread instead of one per statement (in the
/// single writer, those round trips were most of a create's time: docs/benchmarks.md);
/// PostgreSQL runs them one by one, as it would have. Statements that can fail in a
/// way the caller must tell apart (a uniqueness conflict) run at once instead, or the
/// caller flushes and classifies the error itself.
pub(crate) struct Tx<'c, DB: sqlx::Database> {
    tx: Transaction<'c, DB>,
    later: Vec<(String, Vec<Arg>)>,
}

impl<'c, DB: sqlx::Database> Tx<'c, DB> {
    pub(crate) fn new(tx: Transaction<'c, DB>) -> Self {
        Self {
            tx,
            later: Vec::new(),
        }
    }

    /// Defers `sql` (numbered `$1…` for its own `args`).
    pub(crate) fn later(&mut self, sql: impl Into<String>, args: Vec<Arg>) {
        self.later.push((sql.into(), args));
    }
}

impl<DB: sqlx::Database> std::ops::Deref for Tx<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Tx<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// The statements a write body runs at once, by the same names as on SQLite's
/// [`crate::writer::DirectTx`]: `in_tx!(direct …)` expands its body once per backend,
/// so a body written with these compiles against the transaction of either arm.
impl Tx<'_, Postgres> {
    /// Runs `sql`; the rows it changed.
    pub(crate) async fn exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        Ok(bind_args!(sqlx::query(sql), &args)
            .execute(&mut *self.tx)
            .await?
            .rows_affected())
    }

    /// Runs `sql`; a uniqueness violation is `Conflict(field)`.
    pub(crate) async fn exec_unique(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        field: UniqueField,
    ) -> Result<u64, StoreError> {
        match bind_args!(sqlx::query(sql), &args)
            .execute(&mut *self.tx)
            .await
        {
            Ok(r) => Ok(r.rows_affected()),
            Err(e) => Err(StoreError::classify(e, Some(field))),
        }
    }

    /// Every row of `sql`.
    pub(crate) async fn rows<T>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        Ok(bind_args!(sqlx::query_as(sql), &args)
            .fetch_all(&mut *self.tx)
            .await?)
    }

    /// The first row of `sql`, if any.
    pub(crate) async fn optional<T>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        Ok(bind_args!(sqlx::query_as(sql), &args)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// The first row of `sql`; `NotFound` without one.
    pub(crate) async fn one<T>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        self.optional(sql, args).await?.ok_or(StoreError::NotFound)
    }
}

impl Tx<'_, Sqlite> {
    /// Runs the deferred statements as one text.
    pub(crate) async fn flush(&mut self) -> Result<(), sqlx::Error> {
        if self.later.is_empty() {
            return Ok(());
        }
        let (sql, args) = joined(std::mem::take(&mut self.later));
        bind_args!(sqlx::query(&sql), &args)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.flush().await?;
        self.tx.commit().await
    }
}

impl Tx<'_, Postgres> {
    /// Runs the deferred statements one by one: PostgreSQL prepares one statement
    /// per query.
    pub(crate) async fn flush(&mut self) -> Result<(), sqlx::Error> {
        for (sql, args) in std::mem::take(&mut self.later) {
            bind_args!(sqlx::query(&sql), &args)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.flush().await?;
        self.tx.commit().await
    }
}

/// Statements numbered `$1…` each, as one `;`-separated text numbered across all of
/// them, and their arguments in that order (sqlx's SQLite driver binds `$n` by number
/// in every statement of a text; upstream calls that deprecated, docs/dependencies.md).
fn joined(statements: Vec<(String, Vec<Arg>)>) -> (String, Vec<Arg>) {
    let mut text = String::new();
    let mut all = Vec::new();
    for (sql, args) in statements {
        if !text.is_empty() {
            text.push_str("; ");
        }
        renumber(&sql, &mut text, '$', all.len());
        all.extend(args);
    }
    (text, all)
}

/// Appends `sql` to `out` with each parameter `$n` written `{sigil}{n + offset}`
/// (a `$` without digits is kept).
pub(crate) fn renumber(sql: &str, out: &mut String, sigil: char, offset: usize) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        match rest[at + 1..at + 1 + digits].parse::<usize>() {
            Ok(n) => {
                let _ = write!(out, "{sigil}{}", n + offset);
            }
            Err(_) => out.push('$'),
        }
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
}

/// Runs `$body` (which uses `$tx`, a [`Tx`], as its executor via `&mut *$tx`) in one
/// write transaction, flushes what it deferred and commits it; a `?` inside the body
/// returns early and the dropped transaction rolls back. On SQLite the transaction is
/// a savepoint in the in-process writer's batch, which began with `BEGIN IMMEDIATE`,
/// so a transaction that reads and then writes holds the write lock up front instead
/// of failing with `SQLITE_BUSY` when it tries to upgrade (docs/style.md §4); the
/// macro returns once the batch's commit is durable (`writer`).
///
/// `in_tx!(direct store, tx => body)` runs a body that uses only the calls that
/// every write transaction has (`exec`, `rows`, `later`, …; [`Tx::exec`] on PostgreSQL) on
/// SQLite's direct writer connection ([`crate::writer::DirectTx`]) instead.
macro_rules! in_tx {
    (direct $store:expr, $tx:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(db) => {
                let mut turn = db.writer.direct_turn().await?;
                let mut $tx = turn.direct()?;
                let out = $body;
                $tx.commit().await?;
                turn.durable().await?;
                out
            }
            $crate::Store::Postgres(pool) => $crate::tx::in_tx!(@postgres pool, $tx => $body),
        }
    };
    (@postgres $pool:ident, $tx:ident => $body:expr) => {{
        let mut $tx = $crate::tx::Tx::new($pool.begin().await?);
        let out = $body;
        $tx.commit().await?;
        out
    }};
    ($store:expr, $tx:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(db) => {
                let mut turn = db.writer.turn(&db.pool).await?;
                let mut $tx = $crate::tx::Tx::new(turn.savepoint().await?);
                let out = $body;
                $tx.commit().await?;
                turn.durable().await?;
                out
            }
            $crate::Store::Postgres(pool) => $crate::tx::in_tx!(@postgres pool, $tx => $body),
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

#[cfg(test)]
mod tests {
    use super::{Arg, joined};

    #[test]
    fn joined_statements_number_their_parameters_across_the_text() {
        let (text, args) = joined(vec![
            ("insert into a values ($1, $2)".into(), args!["x", 1_i64]),
            ("insert into b values ($2, $1, $1)".into(), args!["y", "z"]),
            ("delete from c".into(), Vec::new()),
        ]);
        assert_eq!(
            text,
            "insert into a values ($1, $2); insert into b values ($4, $3, $3); delete from c"
        );
        assert_eq!(args.len(), 4);
        assert!(matches!(&args[2], Arg::Text(t) if t == "y"));
    }

    #[test]
    fn a_dollar_without_digits_is_kept() {
        let (text, _) = joined(vec![
            ("select 1".into(), Vec::new()),
            ("select '$x', $1".into(), args![1_i64]),
        ]);
        assert_eq!(text, "select 1; select '$x', $1");
    }
}
