//! Throwaway databases for tests (feature `testing`): a fresh SQLite file or a fresh
//! PostgreSQL database per test, removed when the handle is dropped.

use std::path::PathBuf;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

/// The server the PostgreSQL half of the suites runs against. `.ci/run` points it at
/// a database it created for the run; per-test databases are created from there.
pub const POSTGRES_URL_ENV: &str = "SCIMGATE_TEST_POSTGRES_URL";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Every database a test creates starts with this, so leftovers are recognisable.
pub const DATABASE_PREFIX: &str = "scimgate_e2e_";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A database the test manages itself (e.g. on a private server it starts).
    External,
}

impl TestDatabase {
    /// A new SQLite file in a fresh temporary directory (not created until first use).
    pub fn sqlite() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("scimgate-test-")
            .tempdir()
            .expect("create temporary directory");
        let url = format!("sqlite://{}", dir.path().join("scimgate.db").display());
        Self {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A new, empty PostgreSQL database. Panics with a clear message when the
    /// server is unreachable: the PostgreSQL half of a suite never silently skips.
    pub async fn postgres() -> Self {
        let admin_url =
            std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let name = format!("{DATABASE_PREFIX}{}", Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required for this test and is unreachable at {POSTGRES_URL_ENV} \
                 (or {DEFAULT_POSTGRES_URL}): {e}. Start it, e.g. `pg_ctlcluster --skip-systemctl-redirect \
                 $(ls /etc/postgresql) main start`."
            )
        });
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = conn.close().await;
        let mut url = url::Url::parse(&admin_url).expect("test PostgreSQL URL parses");
        url.set_path(&name);
        Self {
            url: url.to_string(),
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// A database the caller created and will remove: nothing is dropped here.
    pub fn external(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cleanup: Cleanup::External,
        }
    }

    /// The database URL to hand to the store or the gateway.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// On a PostgreSQL server with autovacuum off, `VACUUM (ANALYZE)` of the whole
    /// database: what autovacuum does by itself after a bulk load on a server that
    /// runs it (statistics for the planner, the visibility map for index-only
    /// scans). Whether it ran; never on SQLite, which has no such step.
    pub async fn vacuum_unless_autovacuum(&self) -> Result<bool, String> {
        if !matches!(self.cleanup, Cleanup::Postgres { .. }) {
            return Ok(false);
        }
        let mut conn = PgConnection::connect(&self.url)
            .await
            .map_err(|e| e.to_string())?;
        let autovacuum: String = sqlx::query_scalar("show autovacuum")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        if autovacuum != "off" {
            return Ok(false);
        }
        sqlx::query("vacuum (analyze)")
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        conn.close().await.map_err(|e| e.to_string())?;
        Ok(true)
    }

    /// The SQLite file's path, if this is an SQLite database.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => Some(dir.path().join("scimgate.db")),
            Cleanup::Postgres { .. } | Cleanup::External => None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot be blocked on; a
            // short-lived thread with its own runtime drops the database.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "drop database if exists {name} with (force)"
                            ))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// Tables with their columns, and explicitly created indexes, as the database
/// reports them: compared across backends to prove the migrations agree.
#[derive(Debug, PartialEq, Eq)]
pub struct SchemaShape {
    /// `(table, column)`, sorted.
    pub columns: Vec<(String, String)>,
    /// Index names, sorted (not those that back primary keys or unique constraints).
    pub indexes: Vec<String>,
}

/// Reads the shape of the migrated schema (the migration bookkeeping table excluded).
pub async fn schema_shape(store: &crate::Store) -> SchemaShape {
    let (mut columns, mut indexes): (Vec<(String, String)>, Vec<String>) = match store {
        crate::Store::Sqlite(db) => {
            let pool = &db.pool;
            let columns = sqlx::query_as(
                "select m.name, p.name from sqlite_master m, pragma_table_info(m.name) p \
                 where m.type = 'table' and m.name not like '\\_%' escape '\\' and m.name not like 'sqlite%'",
            )
            .fetch_all(pool)
            .await
            .expect("read sqlite columns");
            let indexes = sqlx::query_scalar(
                "select name from sqlite_master where type = 'index' and sql is not null",
            )
            .fetch_all(pool)
            .await
            .expect("read sqlite indexes");
            (columns, indexes)
        }
        crate::Store::Postgres(pool) => {
            let columns = sqlx::query_as(
                "select table_name::text, column_name::text from information_schema.columns \
                 where table_schema = 'public' and table_name not like '\\_%'",
            )
            .fetch_all(pool)
            .await
            .expect("read postgres columns");
            let indexes = sqlx::query_scalar(
                "select indexname::text from pg_indexes i where schemaname = 'public' \
                 and tablename not like '\\_%' \
                 and not exists (select 1 from pg_constraint c where c.conname = i.indexname)",
            )
            .fetch_all(pool)
            .await
            .expect("read postgres indexes");
            (columns, indexes)
        }
    };
    columns.sort();
    indexes.sort();
    SchemaShape { columns, indexes }
}

/// The database's plan for the SQL part of a list query with this filter, as text.
/// On PostgreSQL sequential scans are discouraged first, so the plan shows whether an
/// index *can* serve the query (on a small test table the planner would otherwise
/// rightly prefer a scan).
pub async fn list_plan(
    store: &crate::Store,
    kind: scim::schema::ResourceKind,
    ws: &str,
    filter: &scim::filter::Filter<scim::filter::Checked>,
) -> String {
    use crate::resources::{Bind, Where, bind_all, table};
    let (clause, _) = Where::of(kind, Some(filter));
    let sql = format!(
        "select id from {} where {} order by id limit 100",
        table(kind),
        clause.text
    );
    match store {
        crate::Store::Sqlite(db) => {
            let explain = format!("explain query plan {sql}");
            let rows: Vec<(i64, i64, i64, String)> =
                bind_all!(sqlx::query_as(&explain), ws, &clause.binds)
                    .fetch_all(&db.pool)
                    .await
                    .expect("explain");
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
        }
        crate::Store::Postgres(pool) => {
            let mut conn = pool.acquire().await.expect("connection");
            sqlx::query("set enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .expect("set");
            let explain = format!("explain {sql}");
            let rows: Vec<String> = bind_all!(sqlx::query_scalar(&explain), ws, &clause.binds)
                .fetch_all(&mut *conn)
                .await
                .expect("explain");
            sqlx::query("reset enable_seqscan")
                .execute(&mut *conn)
                .await
                .expect("reset");
            rows.join("\n")
        }
    }
}
