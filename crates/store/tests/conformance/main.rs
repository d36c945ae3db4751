//! Storage conformance: every story runs on SQLite and on PostgreSQL, each on a
//! fresh database. One test binary for the crate (see docs/style.md §9).
// Stories read top to bottom; splitting them to satisfy a line count hurts.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

mod console;
mod oauth;
mod resources;
mod schema;
mod seats;
mod tokens;

use store::testing::TestDatabase;
use store::{DatabaseUrl, PoolOptions, Store};

/// A migrated store on a fresh database, and the handle that removes it.
async fn fresh(db: TestDatabase) -> (Store, TestDatabase) {
    let url = DatabaseUrl::parse(db.url()).unwrap();
    let store = Store::connect(&url, &PoolOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    (store, db)
}

/// Expands `async fn story(store: Store)` items into `sqlite::story` and `postgres::story` tests.
#[macro_export]
macro_rules! both_backends {
    ($($story:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                let (store, _db) = $crate::fresh(store::testing::TestDatabase::sqlite()).await;
                super::$story(store).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                let (store, _db) = $crate::fresh(store::testing::TestDatabase::postgres().await).await;
                super::$story(store).await;
            })+
        }
    };
}
