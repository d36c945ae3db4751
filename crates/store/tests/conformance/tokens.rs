use store::{NewToken, Store, StoreError, UniqueField, Workspace};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-23 09:00:00.5 UTC);

async fn workspace(store: &Store, id: &str) {
    let ws = Workspace {
        id: id.into(),
        name: format!("{id} Inc"),
        created_at: T0,
    };
    store.create_workspace(&ws).await.unwrap();
}

fn token<'a>(ws: &'a str, name: &'a str, hash: &'a str) -> NewToken<'a> {
    NewToken {
        workspace_id: ws,
        name,
        token_hash: hash,
        created_at: T0,
        expires_at: None,
    }
}

async fn workspace_ids_are_unique(store: Store) {
    workspace(&store, "acme").await;
    let dup = Workspace {
        id: "acme".into(),
        name: "Other".into(),
        created_at: T0,
    };
    assert!(matches!(
        store.create_workspace(&dup).await,
        Err(StoreError::Conflict(UniqueField::WorkspaceId))
    ));
    let got = store.workspace("acme").await.unwrap();
    assert_eq!(got.name, "acme Inc");
    assert_eq!(got.created_at, T0);
    assert!(matches!(
        store.workspace("nope").await,
        Err(StoreError::NotFound)
    ));
}

async fn tokens_round_trip_and_revoke(store: Store) {
    workspace(&store, "acme").await;
    let exp = T0 + Duration::days(90);
    let created = store
        .create_token(&NewToken {
            expires_at: Some(exp),
            ..token("acme", "okta", "h1")
        })
        .await
        .unwrap();
    assert_eq!(created.expires_at, Some(exp));
    assert_eq!(
        store.token_by_hash("h1").await.unwrap().unwrap().token.id,
        created.id
    );
    assert!(store.token_by_hash("h2").await.unwrap().is_none());

    // One live token per name; a revoked name can be reused.
    let again = store.create_token(&token("acme", "okta", "h2")).await;
    assert!(matches!(
        again,
        Err(StoreError::Conflict(UniqueField::TokenName))
    ));
    let revoked = store
        .revoke_token("acme", "okta", T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + Duration::hours(1)));
    assert!(matches!(
        store.revoke_token("acme", "okta", T0).await,
        Err(StoreError::NotFound)
    ));
    store
        .create_token(&token("acme", "okta", "h2"))
        .await
        .unwrap();
    assert_eq!(store.tokens("acme").await.unwrap().len(), 2);
}

async fn tokens_belong_to_one_workspace(store: Store) {
    workspace(&store, "acme").await;
    workspace(&store, "globex").await;
    store
        .create_token(&token("acme", "okta", "ha"))
        .await
        .unwrap();
    assert!(store.tokens("globex").await.unwrap().is_empty());
    assert!(matches!(
        store.revoke_token("globex", "okta", T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.create_token(&token("ghost", "x", "hx")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.tokens("ghost").await,
        Err(StoreError::NotFound)
    ));
}

async fn touch_writes_at_most_once_per_granularity(store: Store) {
    workspace(&store, "acme").await;
    let t = store
        .create_token(&token("acme", "okta", "h1"))
        .await
        .unwrap();
    let minute = Duration::minutes(1);
    store.touch_token(t.id, T0, minute).await.unwrap();
    store
        .touch_token(t.id, T0 + Duration::seconds(30), minute)
        .await
        .unwrap();
    assert_eq!(
        store
            .token_by_hash("h1")
            .await
            .unwrap()
            .unwrap()
            .token
            .last_used_at,
        Some(T0)
    );
    // Sub-second times compare correctly on SQLite too (fixed-width text).
    let later = T0 + Duration::seconds(60) + Duration::microseconds(1);
    store.touch_token(t.id, later, minute).await.unwrap();
    assert_eq!(
        store
            .token_by_hash("h1")
            .await
            .unwrap()
            .unwrap()
            .token
            .last_used_at,
        Some(later)
    );
}

async fn ping_and_backend(store: Store) {
    store.ping().await.unwrap();
    assert!(store.workspaces().await.unwrap().is_empty());
}

crate::both_backends!(
    workspace_ids_are_unique,
    tokens_round_trip_and_revoke,
    tokens_belong_to_one_workspace,
    touch_writes_at_most_once_per_granularity,
    ping_and_backend,
);
