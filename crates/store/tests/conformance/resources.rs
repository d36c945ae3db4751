use std::sync::Arc;

use scim::filter::{Checked, Filter};
use scim::schema::ResourceKind::{Group, User};
use serde_json::{Value, json};
use store::{Change, ListQuery, MemberChange, Store, StoreError, UniqueField, Workspace};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-23 09:00:00 UTC);

fn ch(workspace: &str) -> Change<'_> {
    Change {
        workspace,
        actor: "token okta",
        now: T0,
        idp: scim::Idp::Okta,
    }
}

async fn ws(store: &Store, id: &str) {
    store
        .create_workspace(&Workspace {
            id: id.into(),
            name: id.into(),
            created_at: T0,
        })
        .await
        .unwrap();
}

fn user(name: &str, email: &str) -> Value {
    json!({"userName": name, "active": true, "name": {"givenName": "Ann", "familyName": name},
           "emails": [{"value": email, "type": "work", "primary": true}], "externalId": format!("ext-{name}")})
}

fn filter(kind: scim::schema::ResourceKind, text: &str) -> Filter<Checked> {
    Filter::parse(text).unwrap().check(kind).unwrap()
}

fn all() -> ListQuery<'static> {
    ListQuery {
        filter: None,
        start_index: 1,
        count: 100,
        sort: None,
    }
}

async fn users_are_unique_by_user_name_in_any_case(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    store
        .create_user(
            &ch("acme"),
            Uuid::now_v7(),
            &user("Ann.Lee@x.com", "ann@x.com"),
        )
        .await
        .unwrap();
    let dup = store
        .create_user(
            &ch("acme"),
            Uuid::now_v7(),
            &user("ann.lee@X.COM", "a2@x.com"),
        )
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Conflict(UniqueField::UserName))
    ));
    // Another workspace may have the same userName.
    store
        .create_user(
            &ch("globex"),
            Uuid::now_v7(),
            &user("Ann.Lee@x.com", "ann@x.com"),
        )
        .await
        .unwrap();
    assert_eq!(store.list(User, "acme", all()).await.unwrap().total, 1);
}

async fn indexed_and_in_memory_filters_agree(store: Store) {
    ws(&store, "acme").await;
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    for (i, id) in ids.iter().enumerate() {
        store
            .create_user(
                &ch("acme"),
                *id,
                &user(&format!("User{i}@x.com"), &format!("Mail{i}@X.com")),
            )
            .await
            .unwrap();
    }
    let cases = [
        ("userName eq \"user3@X.COM\"", 1),
        ("emails.value eq \"mail2@x.com\"", 1),
        ("externalId eq \"ext-User1@x.com\"", 1),
        ("externalId eq \"EXT-User1@x.com\"", 0),
        (&format!("id eq \"{}\"", ids[4]) as &str, 1),
        ("id eq \"not-a-uuid\"", 0),
        ("active eq true", 5),
        ("name.familyName sw \"User\" and active eq true", 5),
        (
            "userName eq \"user1@x.com\" or userName eq \"user2@x.com\"",
            2,
        ),
        ("emails[type eq \"work\" and value ew \"4@x.com\"]", 1),
        ("userName eq \"nobody\"", 0),
    ];
    for (text, expected) in cases {
        let f = filter(User, text);
        let page = store
            .list(
                User,
                "acme",
                ListQuery {
                    filter: Some(&f),
                    start_index: 1,
                    count: 100,
                    sort: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, expected, "{text}");
        assert_eq!(page.rows.len() as u64, expected, "{text}");
    }
    // Paging is stable and 1-based, exact and in-memory alike.
    let p = store
        .list(
            User,
            "acme",
            ListQuery {
                filter: None,
                start_index: 2,
                count: 2,
                sort: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((p.total, p.rows[0].id, p.rows[1].id), (5, ids[1], ids[2]));
    let f = filter(User, "name.familyName co \"@\"");
    let p = store
        .list(
            User,
            "acme",
            ListQuery {
                filter: Some(&f),
                start_index: 4,
                count: 10,
                sort: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((p.total, p.rows.len()), (5, 2));
    assert_eq!(p.rows[0].id, ids[3]);
}

async fn modify_is_versioned_and_all_or_nothing(store: Store) {
    ws(&store, "acme").await;
    let id = Uuid::now_v7();
    store
        .create_user(&ch("acme"), id, &user("a@x.com", "a@x.com"))
        .await
        .unwrap();
    let r = store
        .modify(User, &ch("acme"), id, Some(1), |d| {
            d["active"] = json!(false);
            Ok::<_, ()>(vec![])
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.version, 2);
    let same = store
        .modify(User, &ch("acme"), id, None, |_| Ok::<_, ()>(vec![]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.version, 2, "no change, no new version");
    let stale = store
        .modify(User, &ch("acme"), id, Some(1), |_| Ok::<_, ()>(vec![]))
        .await;
    assert!(matches!(stale, Err(StoreError::VersionMismatch)));
    let rejected = store
        .modify(User, &ch("acme"), id, None, |d| {
            d["userName"] = json!("b@x.com");
            Err("nope")
        })
        .await
        .unwrap();
    assert_eq!(rejected, Err("nope"));
    let now = store.resource(User, "acme", id).await.unwrap();
    assert_eq!(
        (now.version, now.doc["userName"].as_str()),
        (2, Some("a@x.com"))
    );
    let f = filter(User, "active eq false");
    assert_eq!(
        store
            .list(
                User,
                "acme",
                ListQuery {
                    filter: Some(&f),
                    start_index: 1,
                    count: 10,
                    sort: None
                }
            )
            .await
            .unwrap()
            .total,
        1
    );
    // Another workspace cannot see or change it.
    ws(&store, "globex").await;
    assert!(matches!(
        store.resource(User, "globex", id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_resource(User, &ch("globex"), id).await,
        Err(StoreError::NotFound)
    ));
    store.delete_resource(User, &ch("acme"), id).await.unwrap();
    assert!(matches!(
        store.resource(User, "acme", id).await,
        Err(StoreError::NotFound)
    ));
}

async fn groups_membership_rows(store: Store) {
    ws(&store, "acme").await;
    let (u1, u2) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .create_user(&ch("acme"), u1, &user("u1", "u1@x"))
        .await
        .unwrap();
    store
        .create_user(&ch("acme"), u2, &user("u2", "u2@x"))
        .await
        .unwrap();
    let g = Uuid::now_v7();
    store
        .create_group(&ch("acme"), g, &json!({"displayName": "Sales"}), &[u1])
        .await
        .unwrap();
    let dup = store
        .create_group(
            &ch("acme"),
            Uuid::now_v7(),
            &json!({"displayName": "SALES"}),
            &[],
        )
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Conflict(UniqueField::GroupDisplayName))
    ));
    // An unknown member fails the whole create: no group is left behind.
    let ghost = Uuid::now_v7();
    let bad = store
        .create_group(
            &ch("acme"),
            Uuid::now_v7(),
            &json!({"displayName": "Ops"}),
            &[u1, ghost],
        )
        .await;
    assert!(matches!(bad, Err(StoreError::UnknownMembers(ref v)) if v == &vec![ghost.to_string()]));
    assert_eq!(store.list(Group, "acme", all()).await.unwrap().total, 1);

    let r = store
        .modify(Group, &ch("acme"), g, None, |_| {
            Ok::<_, ()>(vec![MemberChange::Add(vec![u1, u2])])
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.version, 2);
    assert_eq!(store.related(Group, "acme", g).await.unwrap().len(), 2);
    assert_eq!(
        store.related(User, "acme", u2).await.unwrap(),
        vec![(g, "Sales".to_owned())]
    );
    store
        .modify(Group, &ch("acme"), g, None, |_| {
            Ok::<_, ()>(vec![MemberChange::Remove(vec![u1])])
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.related(Group, "acme", g).await.unwrap(),
        vec![(u2, "u2".to_owned())]
    );
    // Replace writes only the difference: the same set is no change, no new version.
    let before = store.resource(Group, "acme", g).await.unwrap().version;
    let r = store
        .modify(Group, &ch("acme"), g, None, |_| {
            Ok::<_, ()>(vec![MemberChange::Replace(vec![u2])])
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.version, before);
    let r = store
        .modify(Group, &ch("acme"), g, None, |_| {
            Ok::<_, ()>(vec![MemberChange::Replace(vec![u1])])
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.version, before + 1);
    assert_eq!(
        store.related(Group, "acme", g).await.unwrap(),
        vec![(u1, "u1".to_owned())]
    );
    store
        .modify(Group, &ch("acme"), g, None, |_| {
            Ok::<_, ()>(vec![MemberChange::Replace(vec![u2])])
        })
        .await
        .unwrap()
        .unwrap();
    // Deleting a user removes its memberships; deleting the group keeps the users.
    store.delete_resource(User, &ch("acme"), u2).await.unwrap();
    assert!(store.related(Group, "acme", g).await.unwrap().is_empty());
    store
        .modify(Group, &ch("acme"), g, None, |_| {
            Ok::<_, ()>(vec![MemberChange::Add(vec![u1])])
        })
        .await
        .unwrap()
        .unwrap();
    store.delete_resource(Group, &ch("acme"), g).await.unwrap();
    assert!(store.related(User, "acme", u1).await.unwrap().is_empty());
    assert!(store.resource(User, "acme", u1).await.is_ok());
    let f = filter(Group, "displayName eq \"sales\"");
    assert_eq!(
        store
            .list(
                Group,
                "acme",
                ListQuery {
                    filter: Some(&f),
                    start_index: 1,
                    count: 10,
                    sort: None
                }
            )
            .await
            .unwrap()
            .total,
        0
    );
}

/// Okta and Entra send membership `PATCH`es for one group in parallel; none may be lost.
async fn concurrent_member_adds_are_all_kept(store: Store) {
    ws(&store, "acme").await;
    let g = Uuid::now_v7();
    store
        .create_group(&ch("acme"), g, &json!({"displayName": "All"}), &[])
        .await
        .unwrap();
    let mut users = Vec::new();
    for i in 0..20 {
        let u = Uuid::now_v7();
        store
            .create_user(&ch("acme"), u, &user(&format!("c{i}"), &format!("c{i}@x")))
            .await
            .unwrap();
        users.push(u);
    }
    let store = Arc::new(store);
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let (store, u) = (store.clone(), *u);
            tokio::spawn(async move {
                store
                    .modify(Group, &ch("acme"), g, None, |_| {
                        Ok::<_, ()>(vec![MemberChange::Add(vec![u])])
                    })
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap().unwrap();
    }
    assert_eq!(store.related(Group, "acme", g).await.unwrap().len(), 20);
    assert_eq!(store.resource(Group, "acme", g).await.unwrap().version, 21);
}

/// 50 concurrent creates of one userName: exactly one wins, the rest conflict.
async fn concurrent_creates_of_one_user_name(store: Store) {
    ws(&store, "acme").await;
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = store.clone();
            let name = if i % 2 == 0 {
                "Race@x.com"
            } else {
                "race@X.com"
            };
            tokio::spawn(async move {
                store
                    .create_user(&ch("acme"), Uuid::now_v7(), &user(name, "r@x"))
                    .await
            })
        })
        .collect();
    let (mut ok, mut conflict) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(UniqueField::UserName)) => conflict += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, conflict), (1, 49));
}

/// The IdPs' lookups are index lookups, not scans, on both databases.
async fn idp_lookups_use_indexes(store: Store) {
    ws(&store, "acme").await;
    store
        .create_user(&ch("acme"), Uuid::now_v7(), &user("a@x.com", "a@x.com"))
        .await
        .unwrap();
    let cases = [
        (User, "userName eq \"a@x.com\"", "users_user_name"),
        (User, "externalId eq \"e1\"", "users_external_id"),
        (User, "displayName eq \"Ann\"", "users_display_name"),
        (User, "emails.value eq \"a@x.com\"", "user_emails_value"),
        (Group, "displayName eq \"Sales\"", "groups_display_name"),
        (Group, "externalId eq \"g1\"", "groups_external_id"),
    ];
    for (kind, text, index) in cases {
        let plan = store::testing::list_plan(&store, kind, "acme", &filter(kind, text)).await;
        assert!(plan.contains(index), "{text} should use {index}:\n{plan}");
    }
    let id = format!("id eq \"{}\"", Uuid::now_v7());
    let plan = store::testing::list_plan(&store, User, "acme", &filter(User, &id)).await;
    assert!(
        plan.contains("SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)")
            || plan.contains("users_pkey")
            // (workspace_id, id), both columns bound: the same point lookup.
            || plan.contains("Index Only Scan using users_workspace_id"),
        "{plan}"
    );
}

/// Deep pages are read by keyset (issue #7): whatever `startIndex` and `count` say,
/// and with a filter's binds before the key's, a page is the same slice of the id
/// order that `LIMIT … OFFSET` gave, and the total is exact with or without a count.
async fn keyset_pages_are_offset_pages(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    let mut ids = Vec::new();
    let mut active = Vec::new();
    for i in 0..25 {
        let id = Uuid::now_v7();
        let mut doc = user(&format!("p{i}@x.com"), &format!("p{i}@x.com"));
        doc["active"] = json!(i % 3 != 0);
        store.create_user(&ch("acme"), id, &doc).await.unwrap();
        // Another workspace's users interleave in id order and must never show.
        store
            .create_user(
                &ch("globex"),
                Uuid::now_v7(),
                &user(&format!("p{i}@x.com"), "g@x.com"),
            )
            .await
            .unwrap();
        ids.push(id);
        if i % 3 != 0 {
            active.push(id);
        }
    }
    let f = filter(User, "active eq true");
    for (expected, filter) in [(&ids, None), (&active, Some(&f))] {
        let n = expected.len() as u64;
        for start_index in 1..=n + 2 {
            for count in [0, 1, 7, 100] {
                let p = store
                    .list(
                        User,
                        "acme",
                        ListQuery {
                            filter,
                            start_index,
                            count,
                            sort: None,
                        },
                    )
                    .await
                    .unwrap();
                let want: Vec<Uuid> = expected
                    .iter()
                    .skip(usize::try_from(start_index - 1).unwrap())
                    .take(usize::try_from(count).unwrap())
                    .copied()
                    .collect();
                let got: Vec<Uuid> = p.rows.iter().map(|r| r.id).collect();
                assert_eq!(
                    got,
                    want,
                    "startIndex {start_index} count {count} filter {}",
                    filter.is_some()
                );
                assert_eq!(p.total, n, "startIndex {start_index} count {count}");
            }
        }
    }
    // A page's groups come in one query; a user in no group is simply absent.
    let g = Uuid::now_v7();
    store
        .create_group(&ch("acme"), g, &json!({"displayName": "Pagers"}), &ids[..2])
        .await
        .unwrap();
    let related = store.related_many(User, "acme", &ids[..3]).await.unwrap();
    assert_eq!(related.len(), 2);
    assert_eq!(related[&ids[0]], vec![(g, "Pagers".to_owned())]);
    let members = store.related_many(Group, "acme", &[g]).await.unwrap();
    assert_eq!(
        members[&g].iter().map(|m| m.0).collect::<Vec<_>>(),
        ids[..2]
    );
    assert!(
        store
            .related_many(Group, "globex", &[g])
            .await
            .unwrap()
            .is_empty()
    );
}

/// A page read with its related resources (one statement when SQL answers the
/// filter, the page then `related_many` otherwise) carries exactly what
/// `related_many` reads for the page's rows: ordered, other workspaces left out,
/// resources related to nothing absent.
async fn pages_carry_their_related_resources(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let id = Uuid::now_v7();
        store
            .create_user(&ch("acme"), id, &user(&format!("r{i}@x.com"), "r@x.com"))
            .await
            .unwrap();
        ids.push(id);
    }
    let (g1, g2) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .create_group(
            &ch("acme"),
            g1,
            &json!({"displayName": "Éclair ünits"}),
            &ids[..3],
        )
        .await
        .unwrap();
    store
        .create_group(
            &ch("acme"),
            g2,
            &json!({"displayName": "Two \"quoted\""}),
            &ids[1..2],
        )
        .await
        .unwrap();
    // Another workspace's group with the same display name.
    store
        .create_group(
            &ch("globex"),
            Uuid::now_v7(),
            &json!({"displayName": "Éclair ünits"}),
            &[],
        )
        .await
        .unwrap();
    let sql_filter = filter(User, r#"userName eq "r1@x.com""#);
    let memory_filter = filter(User, r#"userName co "@x.com""#);
    let cases = [
        (None, 1, 100),
        (None, 2, 3),
        (Some(&sql_filter), 1, 100),
        (Some(&memory_filter), 2, 4),
        (None, 7, 10),
    ];
    for (kind, cases) in [
        (User, &cases[..]),
        (Group, &[(None, 1, 100), (None, 2, 1)][..]),
    ] {
        for &(f, start_index, count) in cases {
            let q = ListQuery {
                filter: f,
                start_index,
                count,
                sort: None,
            };
            let (page, related) = store.list_related(kind, "acme", q).await.unwrap();
            let plain = store.list(kind, "acme", q).await.unwrap();
            assert_eq!(page.rows, plain.rows, "{kind:?} {start_index} {count}");
            assert_eq!(page.total, plain.total);
            let ids: Vec<Uuid> = page.rows.iter().map(|r| r.id).collect();
            let want = store.related_many(kind, "acme", &ids).await.unwrap();
            assert_eq!(
                related, want,
                "{kind:?} startIndex {start_index} count {count}"
            );
        }
    }
    // One user through a lookup's statement (on SQLite, the store's direct reads) and
    // through the in-memory filter's (sqlx): the same row, times and all.
    let in_memory = filter(User, r#"userName co "r1@""#);
    let lookup = |f| ListQuery {
        filter: Some(f),
        ..all()
    };
    let by_index = store.list(User, "acme", lookup(&sql_filter)).await.unwrap();
    let by_scan = store.list(User, "acme", lookup(&in_memory)).await.unwrap();
    assert_eq!(by_index.rows.len(), 1);
    assert_eq!(by_index.rows, by_scan.rows);
    // A single resource with its related ones, by the page's statement.
    let (row, related) = store
        .resource_related(User, "acme", ids[1], true)
        .await
        .unwrap();
    assert_eq!(row, by_index.rows[0]);
    assert_eq!(
        related.unwrap()[&ids[1]],
        store.related(User, "acme", ids[1]).await.unwrap()
    );
    let (_, members) = store
        .resource_related(Group, "acme", g1, true)
        .await
        .unwrap();
    assert_eq!(members.unwrap()[&g1].len(), 3);
    let (_, none) = store
        .resource_related(Group, "acme", g1, false)
        .await
        .unwrap();
    assert!(none.is_none());
    assert!(matches!(
        store.resource_related(User, "globex", ids[1], true).await,
        Err(StoreError::NotFound)
    ));
    let (_, related) = store.list_related(User, "acme", all()).await.unwrap();
    assert_eq!(related.len(), 3, "users in no group are absent");
    assert_eq!(
        related[&ids[1]],
        vec![
            (g1, "Éclair ünits".to_owned()),
            (g2, "Two \"quoted\"".to_owned())
        ]
    );
    let (_, members) = store.list_related(Group, "acme", all()).await.unwrap();
    assert_eq!(
        members[&g1].iter().map(|m| m.0).collect::<Vec<_>>(),
        ids[..3]
    );
    assert_eq!(members[&g1][0].1, "r0@x.com");
}

/// `totalResults` of an unfiltered page comes from the workspace's kept counts: they
/// follow creates and deletes, and a create that fails changes nothing.
async fn unfiltered_totals_follow_creates_and_deletes(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    let total = |kind| {
        let store = &store;
        async move {
            let q = ListQuery {
                filter: None,
                start_index: 1,
                count: 1,
                sort: None,
            };
            store.list(kind, "acme", q).await.unwrap().total
        }
    };
    let mut users = Vec::new();
    for i in 0..4 {
        let id = Uuid::now_v7();
        let name = format!("t{i}@x.com");
        store
            .create_user(&ch("acme"), id, &user(&name, &name))
            .await
            .unwrap();
        users.push(id);
    }
    store
        .create_user(&ch("globex"), Uuid::now_v7(), &user("t0@x.com", "t0@x.com"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_user(&ch("acme"), Uuid::now_v7(), &user("T1@x.com", "x@x.com"))
            .await,
        Err(StoreError::Conflict(UniqueField::UserName))
    ));
    assert_eq!(total(User).await, 4);
    store
        .delete_resource(User, &ch("acme"), users[1])
        .await
        .unwrap();
    assert!(
        store
            .delete_resource(User, &ch("acme"), users[1])
            .await
            .is_err()
    );
    assert_eq!(total(User).await, 3);
    let groups: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    for (i, g) in groups.iter().enumerate() {
        let doc = json!({"displayName": format!("Team {i}")});
        store
            .create_group(&ch("acme"), *g, &doc, &users[..1])
            .await
            .unwrap();
    }
    store
        .delete_resource(Group, &ch("acme"), groups[0])
        .await
        .unwrap();
    assert_eq!(total(Group).await, 2);
    // The counts agree with a count of the rows (a filter that SQL answers with one).
    let f = filter(User, "userName pr");
    let q = ListQuery {
        filter: Some(&f),
        start_index: 1,
        count: 1,
        sort: None,
    };
    assert_eq!(store.list(User, "acme", q).await.unwrap().total, 3);
}

crate::both_backends!(
    users_are_unique_by_user_name_in_any_case,
    keyset_pages_are_offset_pages,
    pages_carry_their_related_resources,
    unfiltered_totals_follow_creates_and_deletes,
    indexed_and_in_memory_filters_agree,
    modify_is_versioned_and_all_or_nothing,
    groups_membership_rows,
    concurrent_member_adds_are_all_kept,
    concurrent_creates_of_one_user_name,
    idp_lookups_use_indexes,
);
