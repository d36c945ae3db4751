use std::path::Path;

use store::testing::{TestDatabase, schema_shape};

use crate::fresh;

fn migration_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn migrations_come_in_pairs() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite,
        migration_names("postgres"),
        "migrations/sqlite and migrations/postgres must pair up"
    );
    for name in &sqlite {
        let (num, rest) = name.split_once('_').unwrap();
        assert!(
            num.len() == 4 && num.bytes().all(|b| b.is_ascii_digit()),
            "{name}: NNNN_name.sql"
        );
        assert!(
            Path::new(rest).extension().is_some_and(|e| e == "sql"),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_columns_and_indexes() {
    let (sqlite, _a) = fresh(TestDatabase::sqlite()).await;
    let (postgres, _b) = fresh(TestDatabase::postgres().await).await;
    let (s, p) = (schema_shape(&sqlite).await, schema_shape(&postgres).await);
    assert!(
        s.columns
            .iter()
            .any(|(t, c)| t == "workspace_tokens" && c == "token_hash")
    );
    assert!(s.indexes.contains(&"workspace_tokens_live_name".to_owned()));
    assert_eq!(s, p);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_twice_is_a_no_op() {
    let (store, _db) = fresh(TestDatabase::sqlite()).await;
    store.migrate().await.unwrap();
    let (store, _db) = fresh(TestDatabase::postgres().await).await;
    store.migrate().await.unwrap();
}
