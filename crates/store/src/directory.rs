//! The admin console's read-only view of the directory: searchable, keyset-paged
//! lists of users and groups, and a group's members. Kept apart from the SCIM
//! queries (`resources`), whose paging follows RFC 7644 instead.

use std::fmt::Write as _;

use scim::roles::RoleMap;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::roles::load_role_map;
use crate::{Store, StoreError, on_pool};

/// Which users to list, ordered by `userName` (case-insensitively).
#[derive(Debug, Clone, Copy, Default)]
pub struct UserQuery<'a> {
    /// Matches `userName`, `displayName` or an email value containing this text.
    pub search: Option<&'a str>,
    pub active: Option<bool>,
    /// `okta`, `entra` or `other`: the IdP that created the user.
    pub source_idp: Option<scim::Idp>,
    /// The `next` cursor of the previous page.
    pub after: Option<&'a str>,
    pub limit: u32,
}

/// A user as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSummary {
    pub id: Uuid,
    pub user_name: String,
    /// `displayName`, else the given and family names.
    pub display_name: Option<String>,
    /// The primary email, else the first one.
    pub email: Option<String>,
    pub active: bool,
    /// The IdP that created the user; `None` for users created before it was recorded.
    pub source_idp: Option<scim::Idp>,
    /// The role values the IdP sent, primary first.
    pub idp_roles: Vec<String>,
    /// The mapped app role (`scim::roles::RoleMap::app_role`).
    pub app_role: Option<String>,
    pub created_at: OffsetDateTime,
    /// The last provisioned change.
    pub updated_at: OffsetDateTime,
}

/// A page of users and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    pub next: Option<String>,
}

/// Which groups to list, ordered by `displayName` (case-insensitively).
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupQuery<'a> {
    pub search: Option<&'a str>,
    pub after: Option<&'a str>,
    pub limit: u32,
}

/// A group as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupSummary {
    pub id: Uuid,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A page of groups and the cursor of the next.
#[derive(Debug, Clone)]
pub struct GroupList {
    pub groups: Vec<GroupSummary>,
    pub next: Option<String>,
}

/// A page of a group's members (ordered by `userName`) and the cursor of the next.
#[derive(Debug, Clone)]
pub struct MemberList {
    pub members: Vec<(Uuid, String)>,
    pub next: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    user_name: String,
    user_name_norm: String,
    active: bool,
    source_idp: Option<String>,
    doc: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

/// `%text%` for `LIKE … escape '\'`, lowercased like the `*_norm` columns.
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn summary(row: UserRow, roles: &RoleMap) -> Result<UserSummary, StoreError> {
    let doc: Value = serde_json::from_str(&row.doc)
        .map_err(|e| StoreError::Internal(format!("stored document: {e}")))?;
    let str_at = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let display_name = str_at(&doc, "displayName").or_else(|| {
        let name = doc.get("name")?;
        let parts: Vec<String> = ["givenName", "familyName"]
            .iter()
            .filter_map(|k| str_at(name, k))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let emails = doc.get("emails").and_then(Value::as_array);
    let email = emails
        .into_iter()
        .flatten()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| emails.and_then(|e| e.first()))
        .and_then(|e| str_at(e, "value"));
    let idp_roles = scim::roles::role_values(&doc);
    Ok(UserSummary {
        id: row.id,
        app_role: roles.app_role(&idp_roles).map(str::to_owned),
        idp_roles,
        user_name: row.user_name,
        display_name,
        email,
        active: row.active,
        source_idp: row.source_idp.as_deref().and_then(scim::Idp::parse),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Users with the IdP that created them (none for users created before it was recorded).
const USERS_FROM: &str = "users.id, user_name, user_name_norm, active, s.idp as source_idp, doc, created_at, \
     updated_at from users left join user_sources s on s.user_id = users.id";

impl Store {
    /// A page of the workspace's users. `NotFound` for an unknown workspace.
    pub async fn admin_users(&self, ws: &str, q: UserQuery<'_>) -> Result<UserList, StoreError> {
        let roles = on_pool!(self, pool => load_role_map!(pool, ws))?;
        let mut sql = format!("select {USERS_FROM} where workspace_id = $1");
        let pattern = q
            .search
            .filter(|s| !s.trim().is_empty())
            .map(contains_pattern);
        let mut n = 1;
        if pattern.is_some() {
            n += 1;
            let _ = write!(
                sql,
                " and (user_name_norm like ${n} escape '\\' or display_name_norm like ${n} escape '\\' \
                 or exists (select 1 from user_emails e where e.user_id = users.id and e.value_norm like ${n} escape '\\'))"
            );
        }
        if q.active.is_some() {
            n += 1;
            let _ = write!(sql, " and active = ${n}");
        }
        if q.source_idp.is_some() {
            n += 1;
            let _ = write!(sql, " and s.idp = ${n}");
        }
        if q.after.is_some() {
            n += 1;
            let _ = write!(sql, " and user_name_norm > ${n}");
        }
        let _ = write!(sql, " order by user_name_norm limit ${}", n + 1);
        let mut rows: Vec<UserRow> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql).bind(ws);
            if let Some(p) = &pattern { query = query.bind(p.as_str()); }
            if let Some(a) = q.active { query = query.bind(a); }
            if let Some(i) = q.source_idp { query = query.bind(i.as_str()); }
            if let Some(a) = q.after { query = query.bind(a.to_lowercase()); }
            query.bind(i64::from(q.limit) + 1).fetch_all(pool).await
        })?;
        let next = if rows.len() > q.limit as usize {
            rows.truncate(q.limit as usize);
            rows.last().map(|r| r.user_name_norm.clone())
        } else {
            None
        };
        let users = rows
            .into_iter()
            .map(|r| summary(r, &roles))
            .collect::<Result<_, _>>()?;
        Ok(UserList { users, next })
    }

    /// One user of the workspace as the console shows it. `NotFound` for another
    /// workspace's id.
    pub async fn admin_user(&self, ws: &str, id: Uuid) -> Result<UserSummary, StoreError> {
        let roles = on_pool!(self, pool => load_role_map!(pool, ws))?;
        let sql = format!("select {USERS_FROM} where workspace_id = $1 and users.id = $2");
        let row: UserRow =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(ws).bind(id).fetch_one(pool).await)?;
        summary(row, &roles)
    }

    /// A page of the workspace's groups with their member counts.
    pub async fn admin_groups(&self, ws: &str, q: GroupQuery<'_>) -> Result<GroupList, StoreError> {
        let mut sql = String::from(
            "select id, display_name, external_id, \
             (select count(*) from group_members m where m.group_id = groups.id) as members, \
             created_at, updated_at from groups where workspace_id = $1",
        );
        let pattern = q
            .search
            .filter(|s| !s.trim().is_empty())
            .map(contains_pattern);
        let mut n = 1;
        if pattern.is_some() {
            n += 1;
            let _ = write!(sql, " and display_name_norm like ${n} escape '\\'");
        }
        if q.after.is_some() {
            n += 1;
            let _ = write!(sql, " and display_name_norm > ${n}");
        }
        let _ = write!(sql, " order by display_name_norm limit ${}", n + 1);
        let mut groups: Vec<GroupSummary> = on_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql).bind(ws);
            if let Some(p) = &pattern { query = query.bind(p.as_str()); }
            if let Some(a) = q.after { query = query.bind(a.to_lowercase()); }
            query.bind(i64::from(q.limit) + 1).fetch_all(pool).await
        })?;
        let next = if groups.len() > q.limit as usize {
            groups.truncate(q.limit as usize);
            groups.last().map(|g| g.display_name.to_lowercase())
        } else {
            None
        };
        Ok(GroupList { groups, next })
    }

    /// One group of the workspace with its member count. `NotFound` for another
    /// workspace's id.
    pub async fn admin_group(&self, ws: &str, id: Uuid) -> Result<GroupSummary, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "select id, display_name, external_id, \
             (select count(*) from group_members m where m.group_id = groups.id) as members, \
             created_at, updated_at from groups where workspace_id = $1 and id = $2",
        )
        .bind(ws)
        .bind(id)
        .fetch_one(pool)
        .await)?)
    }

    /// A page of a group's members, ordered by `userName`; `after` is the previous
    /// page's `next`. The caller checks the group belongs to the workspace.
    pub async fn admin_group_members(
        &self,
        ws: &str,
        group: Uuid,
        after: Option<&str>,
        limit: u32,
    ) -> Result<MemberList, StoreError> {
        let fetch = i64::from(limit) + 1;
        let after = after.map(str::to_lowercase).unwrap_or_default();
        let mut rows: Vec<(Uuid, String, String)> = on_pool!(self, pool => sqlx::query_as(
            "select u.id, u.user_name, u.user_name_norm from group_members m join users u on u.id = m.user_id \
             where u.workspace_id = $1 and m.group_id = $2 and u.user_name_norm > $3 \
             order by u.user_name_norm limit $4",
        )
        .bind(ws)
        .bind(group)
        .bind(&after)
        .bind(fetch)
        .fetch_all(pool)
        .await)?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.2.clone())
        } else {
            None
        };
        Ok(MemberList {
            members: rows.into_iter().map(|(id, name, _)| (id, name)).collect(),
            next,
        })
    }
}
