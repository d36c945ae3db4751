//! The admin console's directory queries, role mappings and the provisioning log.

use scim::schema::ResourceKind::User;
use serde_json::{Value, json};
use store::{
    Change, GroupQuery, LogEntry, LogQuery, MemberChange, Store, StoreError, UserQuery, Workspace,
};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-23 09:00:00 UTC);

fn by(workspace: &str, idp: scim::Idp) -> Change<'_> {
    Change {
        workspace,
        actor: "token idp",
        now: T0,
        idp,
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

fn user(name: &str, active: bool, roles: &Value) -> Value {
    json!({"userName": name, "active": active, "name": {"givenName": "Ann", "familyName": name},
           "emails": [{"value": format!("{name}@mail.test"), "primary": true}], "roles": roles})
}

fn names(list: &store::UserList) -> Vec<&str> {
    list.users.iter().map(|u| u.user_name.as_str()).collect()
}

async fn users_are_searched_filtered_and_keyset_paged(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    let okta = by("acme", scim::Idp::Okta);
    let entra = by("acme", scim::Idp::Entra);
    for (name, active, change) in [
        ("carol", true, &okta),
        ("Bob_1", true, &entra),
        ("alice", false, &okta),
        ("dave%", true, &entra),
    ] {
        store
            .create_user(change, Uuid::now_v7(), &user(name, active, &json!([])))
            .await
            .unwrap();
    }
    store
        .create_user(
            &by("globex", scim::Idp::Okta),
            Uuid::now_v7(),
            &user("zed", true, &json!([])),
        )
        .await
        .unwrap();
    let q = |limit| UserQuery {
        limit,
        ..UserQuery::default()
    };
    let all = store.admin_users("acme", q(10)).await.unwrap();
    assert_eq!(
        names(&all),
        ["alice", "Bob_1", "carol", "dave%"],
        "by userName, any case; no other workspace"
    );
    assert_eq!(all.next, None);
    assert_eq!(all.users[0].source_idp, Some(scim::Idp::Okta));
    assert_eq!(all.users[0].email.as_deref(), Some("alice@mail.test"));
    assert_eq!(all.users[0].display_name.as_deref(), Some("Ann alice"));
    // Keyset pages: each `next` continues where the last ended.
    let first = store.admin_users("acme", q(3)).await.unwrap();
    assert_eq!(names(&first), ["alice", "Bob_1", "carol"]);
    let after = first.next.clone().unwrap();
    let second = store
        .admin_users(
            "acme",
            UserQuery {
                after: Some(&after),
                ..q(3)
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&second), ["dave%"]);
    assert_eq!(second.next, None);
    // Search: case-insensitive, in userName and emails, with LIKE characters taken literally.
    let search = |s: &'static str| UserQuery {
        search: Some(s),
        ..q(10)
    };
    assert_eq!(
        names(&store.admin_users("acme", search("BOB")).await.unwrap()),
        ["Bob_1"]
    );
    assert_eq!(
        names(
            &store
                .admin_users("acme", search("carol@mail"))
                .await
                .unwrap()
        ),
        ["carol"]
    );
    assert_eq!(
        names(&store.admin_users("acme", search("%")).await.unwrap()),
        ["dave%"]
    );
    assert_eq!(
        names(&store.admin_users("acme", search("b_")).await.unwrap()),
        ["Bob_1"]
    );
    assert!(
        store
            .admin_users("acme", search("zed"))
            .await
            .unwrap()
            .users
            .is_empty()
    );
    let inactive = UserQuery {
        active: Some(false),
        ..q(10)
    };
    assert_eq!(
        names(&store.admin_users("acme", inactive).await.unwrap()),
        ["alice"]
    );
    let from_entra = UserQuery {
        source_idp: Some(scim::Idp::Entra),
        ..q(10)
    };
    assert_eq!(
        names(&store.admin_users("acme", from_entra).await.unwrap()),
        ["Bob_1", "dave%"]
    );
    // One user: only in its own workspace.
    let carol = all.users[2].id;
    assert_eq!(
        store.admin_user("acme", carol).await.unwrap().user_name,
        "carol"
    );
    assert!(matches!(
        store.admin_user("globex", carol).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.admin_users("nope", q(10)).await,
        Err(StoreError::NotFound)
    ));
}

async fn groups_and_members_are_paged(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    let okta = by("acme", scim::Idp::Okta);
    let mut ids = Vec::new();
    for name in ["u1", "u2", "u3"] {
        let id = Uuid::now_v7();
        store
            .create_user(&okta, id, &user(name, true, &json!([])))
            .await
            .unwrap();
        ids.push(id);
    }
    let eng = Uuid::now_v7();
    store
        .create_group(&okta, eng, &json!({"displayName": "Engineering"}), &ids)
        .await
        .unwrap();
    store
        .create_group(
            &okta,
            Uuid::now_v7(),
            &json!({"displayName": "admins"}),
            &[],
        )
        .await
        .unwrap();
    let list = store
        .admin_groups(
            "acme",
            GroupQuery {
                limit: 10,
                ..GroupQuery::default()
            },
        )
        .await
        .unwrap();
    let shown: Vec<_> = list
        .groups
        .iter()
        .map(|g| (g.display_name.as_str(), g.members))
        .collect();
    assert_eq!(shown, [("admins", 0), ("Engineering", 3)]);
    let found = store
        .admin_groups(
            "acme",
            GroupQuery {
                search: Some("ENGIN"),
                limit: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.groups.len(), 1);
    let page = store
        .admin_groups(
            "acme",
            GroupQuery {
                limit: 1,
                ..GroupQuery::default()
            },
        )
        .await
        .unwrap();
    let rest = store
        .admin_groups(
            "acme",
            GroupQuery {
                limit: 1,
                after: page.next.as_deref(),
                search: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.groups[0].display_name, "Engineering");
    assert_eq!(rest.next, None);
    let m1 = store
        .admin_group_members("acme", eng, None, 2)
        .await
        .unwrap();
    let names: Vec<_> = m1.members.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["u1", "u2"]);
    let m2 = store
        .admin_group_members("acme", eng, m1.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!((m2.members.len(), m2.next), (1, None));
    assert!(
        store
            .admin_group_members("globex", eng, None, 10)
            .await
            .unwrap()
            .members
            .is_empty()
    );
    assert!(matches!(
        store.admin_group("globex", eng).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.admin_group("acme", eng).await.unwrap().members, 3);
}

fn app_role_of_events(events: &[store::StoredEvent]) -> Vec<(String, Value)> {
    events
        .iter()
        .map(|e| {
            let body: Value = serde_json::from_str(&e.payload).unwrap();
            (e.event_type.clone(), body["data"]["app_role"].clone())
        })
        .collect()
}

async fn role_mappings_decide_the_app_role_of_users_and_events(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    store
        .set_role_mapping("acme", "Admin", "owner", T0)
        .await
        .unwrap();
    store
        .set_role_mapping("acme", "Editor", "member", T0)
        .await
        .unwrap();
    // Saving a value again replaces its mapping.
    store
        .set_role_mapping("acme", "Editor", "editor", T0)
        .await
        .unwrap();
    store
        .set_default_app_role("acme", Some("viewer"))
        .await
        .unwrap();
    let map = store.role_map("acme").await.unwrap();
    assert_eq!(
        map.mappings,
        [
            ("Admin".to_owned(), "owner".to_owned()),
            ("Editor".to_owned(), "editor".to_owned())
        ]
    );
    assert_eq!(map.default.as_deref(), Some("viewer"));
    assert_eq!(
        store.role_map("globex").await.unwrap(),
        scim::roles::RoleMap::default()
    );

    let okta = by("acme", scim::Idp::Okta);
    let ann = Uuid::now_v7();
    store
        .create_user(
            &okta,
            ann,
            &user("ann", true, &json!([{"value": "Admin", "primary": true}])),
        )
        .await
        .unwrap();
    let bob = Uuid::now_v7();
    store
        .create_user(&okta, bob, &user("bob", true, &json!([])))
        .await
        .unwrap();
    let users = store
        .admin_users(
            "acme",
            UserQuery {
                limit: 10,
                ..UserQuery::default()
            },
        )
        .await
        .unwrap();
    let roles: Vec<_> = users
        .users
        .iter()
        .map(|u| (u.app_role.as_deref(), u.idp_roles.clone()))
        .collect();
    assert_eq!(
        roles,
        [
            (Some("owner"), vec!["Admin".to_owned()]),
            (Some("viewer"), vec![])
        ]
    );

    // The role moves with the user's role values, and the events say so.
    store
        .modify(User, &okta, ann, None, |doc| {
            doc["roles"] = json!([{"value": "Editor", "primary": true}]);
            Ok::<_, ()>(Vec::<MemberChange>::new())
        })
        .await
        .unwrap()
        .unwrap();
    store.delete_resource(User, &okta, bob).await.unwrap();
    let events = store.events_after("acme", None, 100).await.unwrap();
    let roles = app_role_of_events(&events);
    assert!(
        roles.contains(&("user.provisioned".into(), json!("owner"))),
        "{roles:?}"
    );
    assert!(
        roles.contains(&("user.updated".into(), json!("editor"))),
        "{roles:?}"
    );
    assert!(
        roles.contains(&("user.deleted".into(), json!("viewer"))),
        "{roles:?}"
    );

    // Removing a mapping and the default: unmapped users have no role.
    store.remove_role_mapping("acme", "Editor").await.unwrap();
    assert!(matches!(
        store.remove_role_mapping("acme", "Editor").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.remove_role_mapping("globex", "Admin").await,
        Err(StoreError::NotFound)
    ));
    store.set_default_app_role("acme", None).await.unwrap();
    assert_eq!(store.admin_user("acme", ann).await.unwrap().app_role, None);
    assert!(matches!(
        store.set_default_app_role("nope", None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.set_role_mapping("nope", "a", "b", T0).await,
        Err(StoreError::NotFound)
    ));
}

fn entry(ws: &str, i: i64, method: &str, status: i64, reason: Option<&str>) -> LogEntry {
    LogEntry {
        id: Uuid::now_v7(),
        workspace_id: ws.into(),
        occurred_at: T0 + time::Duration::seconds(i),
        method: method.into(),
        route: "/scim/v2/Users".into(),
        filter: (method == "GET").then(|| "userName eq \"a\"".into()),
        status,
        duration_us: 1200 + i,
        idp: "okta".into(),
        reason: reason.map(str::to_owned),
    }
}

async fn the_provisioning_log_is_filtered_paged_and_pruned(store: Store) {
    ws(&store, "acme").await;
    ws(&store, "globex").await;
    let mut batch = Vec::new();
    for i in 0..10 {
        let (method, status, reason) = match i % 3 {
            0 => ("GET", 200, None),
            1 => ("POST", 403, Some("seat_limit")),
            _ => ("POST", 503, Some("unavailable")),
        };
        batch.push(entry("acme", i, method, status, reason));
    }
    batch.push(entry("globex", 0, "GET", 200, None));
    store.append_log(&batch).await.unwrap();
    let q = |limit| LogQuery {
        limit,
        ..LogQuery::default()
    };
    let all = store.log_entries("acme", q(100)).await.unwrap();
    assert_eq!(all.entries.len(), 10);
    assert_eq!(all.entries[0], batch[9], "newest first, stored as sent");
    assert_eq!(all.next, None);
    let failures = store
        .log_entries(
            "acme",
            LogQuery {
                failures: true,
                ..q(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(failures.entries.len(), 6);
    let fours = store
        .log_entries(
            "acme",
            LogQuery {
                status_class: Some(400),
                ..q(100)
            },
        )
        .await
        .unwrap();
    assert!(
        fours
            .entries
            .iter()
            .all(|e| e.reason.as_deref() == Some("seat_limit"))
    );
    assert_eq!(fours.entries.len(), 3);
    let gets = store
        .log_entries(
            "acme",
            LogQuery {
                method: Some("GET"),
                ..q(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(gets.entries.len(), 4);
    // Pages: `next` is the last id shown; the following page starts after it.
    let p1 = store.log_entries("acme", q(4)).await.unwrap();
    let p2 = store
        .log_entries(
            "acme",
            LogQuery {
                before: p1.next,
                ..q(4)
            },
        )
        .await
        .unwrap();
    let p3 = store
        .log_entries(
            "acme",
            LogQuery {
                before: p2.next,
                ..q(4)
            },
        )
        .await
        .unwrap();
    let ids: Vec<Uuid> = [p1.entries, p2.entries, p3.entries]
        .concat()
        .iter()
        .map(|e| e.id)
        .collect();
    let expected: Vec<Uuid> = all.entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, expected);
    assert_eq!(p3.next, None);
    // Pruning keeps the newest rows of one workspace only.
    assert_eq!(store.prune_log("acme", 3).await.unwrap(), 7);
    let kept = store.log_entries("acme", q(100)).await.unwrap();
    assert_eq!(
        kept.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
        expected[..3]
    );
    assert_eq!(store.prune_log("acme", 3).await.unwrap(), 0);
    assert_eq!(
        store
            .log_entries("globex", q(100))
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
}

crate::both_backends!(
    users_are_searched_filtered_and_keyset_paged,
    groups_and_members_are_paged,
    role_mappings_decide_the_app_role_of_users_and_events,
    the_provisioning_log_is_filtered_paged_and_pruned,
);
