//! The provisioning log: the recent SCIM requests of each workspace, as the admin
//! console shows them. The gateway writes them in batches off the request path and
//! prunes each workspace to its newest rows.

use std::fmt::Write as _;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::ts::Ts;
use crate::tx::{args, in_tx, write_one};
use crate::{Store, StoreError, chunks, on_pool, value_rows};

/// One recorded SCIM request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LogEntry {
    /// A `UUIDv7`: its order is the order of the requests.
    pub id: Uuid,
    pub workspace_id: String,
    pub occurred_at: OffsetDateTime,
    pub method: String,
    /// The request path without the query string.
    pub route: String,
    /// The `filter` query parameter of a list request, if any.
    pub filter: Option<String>,
    pub status: i64,
    pub duration_us: i64,
    /// `okta`, `entra` or `other` (`scim::Idp::as_str`).
    pub idp: String,
    /// A failure's reason code, `None` on success.
    pub reason: Option<String>,
}

/// Which entries to list, newest first.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogQuery<'a> {
    /// Only statuses in `[lo, lo + 100)`, e.g. 400 for 4xx.
    pub status_class: Option<u16>,
    /// Only failures (status 400 and above).
    pub failures: bool,
    pub method: Option<&'a str>,
    /// Entries older than this one (the `next` cursor of the previous page).
    pub before: Option<Uuid>,
    pub limit: u32,
}

/// One page of the log and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    pub next: Option<Uuid>,
}

/// Most rows per insert ([`chunks`]): ten parameters a row.
const LOG_ROWS_PER_STATEMENT: usize = 32;

const COLUMNS: &str =
    "id, workspace_id, occurred_at, method, route, filter, status, duration_us, idp, reason";

impl Store {
    /// Appends entries in one transaction, a multi-row insert per chunk. Entries of a
    /// workspace deleted meanwhile would fail the foreign key; the caller only sends
    /// known workspaces.
    #[tracing::instrument(level = "debug", skip_all, fields(entries = entries.len()))]
    pub async fn append_log(&self, entries: &[LogEntry]) -> Result<(), StoreError> {
        // On SQLite's direct writer: its statements bind by position, where sqlx's
        // name lookup per parameter made each chunk quadratic in its size.
        in_tx!(direct self, tx => {
            for chunk in chunks(entries, LOG_ROWS_PER_STATEMENT) {
                let sql = format!(
                    "insert into provisioning_log ({COLUMNS}) values {}",
                    value_rows(chunk.len(), 10)
                );
                let mut binds = Vec::with_capacity(chunk.len() * 10);
                for e in chunk {
                    binds.extend(args![
                        e.id, &e.workspace_id, Ts(e.occurred_at), &e.method, &e.route, &e.filter,
                        e.status, e.duration_us, &e.idp, &e.reason
                    ]);
                }
                tx.exec(&sql, binds).await?;
            }
            Ok::<(), StoreError>(())
        })
    }

    /// Deletes all but the newest `keep` entries of the workspace; returns how many
    /// went. One indexed probe finds the oldest row to keep.
    #[tracing::instrument(level = "debug", skip_all, fields(workspace.id = %ws))]
    pub async fn prune_log(&self, ws: &str, keep: u32) -> Result<u64, StoreError> {
        let oldest_kept: Option<Uuid> = on_pool!(self, pool => sqlx::query_scalar(
            "select id from provisioning_log where workspace_id = $1 order by id desc limit 1 offset $2",
        )
        .bind(ws)
        .bind(i64::from(keep.saturating_sub(1)))
        .fetch_optional(pool)
        .await)?;
        let Some(oldest_kept) = oldest_kept else {
            return Ok(0);
        };
        Ok(write_one!(self, pool => sqlx::query(
            "delete from provisioning_log where workspace_id = $1 and id < $2",
        )
        .bind(ws)
        .bind(oldest_kept)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// A page of the workspace's log, newest first.
    pub async fn log_entries(&self, ws: &str, q: LogQuery<'_>) -> Result<LogPage, StoreError> {
        let mut sql = format!("select {COLUMNS} from provisioning_log where workspace_id = $1");
        let mut n = 1;
        let mut next_param = || {
            n += 1;
            format!("${n}")
        };
        let (mut lo, mut hi) = (None, None);
        if let Some(class) = q.status_class {
            lo = Some(i64::from(class));
            hi = Some(i64::from(class) + 100);
        } else if q.failures {
            lo = Some(400);
        }
        if lo.is_some() {
            let _ = write!(sql, " and status >= {}", next_param());
        }
        if hi.is_some() {
            let _ = write!(sql, " and status < {}", next_param());
        }
        if q.method.is_some() {
            let _ = write!(sql, " and method = {}", next_param());
        }
        if q.before.is_some() {
            let _ = write!(sql, " and id < {}", next_param());
        }
        let _ = write!(sql, " order by id desc limit {}", next_param());
        let fetch = i64::from(q.limit) + 1;
        let mut entries: Vec<LogEntry> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql).bind(ws);
            if let Some(v) = lo { query = query.bind(v); }
            if let Some(v) = hi { query = query.bind(v); }
            if let Some(m) = q.method { query = query.bind(m); }
            if let Some(b) = q.before { query = query.bind(b); }
            query.bind(fetch).fetch_all(pool).await
        })?;
        let next = if entries.len() > q.limit as usize {
            entries.truncate(q.limit as usize);
            entries.last().map(|e| e.id)
        } else {
            None
        };
        Ok(LogPage { entries, next })
    }
}
