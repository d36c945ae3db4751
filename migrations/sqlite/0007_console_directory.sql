-- Admin console, directory half (issue #6).

-- Which identity provider created each user, from the User-Agent of the creating
-- request: 'okta', 'entra' or 'other'. No row for users created before it was
-- recorded. A table of its own, so the users table (and the plans of the IdPs'
-- lookups on it) stay as they are.
create table user_sources (
    user_id blob primary key references users (id) on delete cascade,
    idp text not null
);

-- The recent SCIM requests of each workspace, written off the request path by a
-- batching writer and pruned to the newest rows per workspace. `reason` is a
-- stable code for a failure (see docs/console.md), null on success.
create table provisioning_log (
    id blob primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    occurred_at text not null,
    method text not null,
    route text not null,
    filter text,
    status bigint not null,
    duration_us bigint not null,
    idp text not null,
    reason text
);
create index provisioning_log_workspace on provisioning_log (workspace_id, id);

-- IdP role value (exact, as the IdP sends it) to the vendor app's role.
create table role_mappings (
    workspace_id text not null references workspaces (id) on delete cascade,
    idp_value text not null,
    app_role text not null,
    created_at text not null,
    primary key (workspace_id, idp_value)
);
-- The app role of users whose role values match no mapping; null: none.
alter table workspaces add column default_app_role text;
