-- The admin console's access settings: admin API keys for scripts, and per-workspace
-- switches for SCIM and its credential kinds.

-- A key a workspace admin created for scripts calling /admin/api; only its hash is
-- stored, and it acts as that workspace's admin.
create table admin_api_keys (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    name text not null,
    key_hash text not null unique,
    created_by text not null,
    created_at timestamptz not null,
    last_used_at timestamptz,
    revoked_at timestamptz
);
-- A name picks one live key, as token names do.
create unique index admin_api_keys_live_name on admin_api_keys (workspace_id, name) where revoked_at is null;

-- SCIM on/off and which credentials it accepts; everything on keeps older
-- workspaces working as before.
alter table workspaces add column scim_enabled boolean not null default true;
alter table workspaces add column allow_bearer_tokens boolean not null default true;
alter table workspaces add column allow_oauth boolean not null default true;

-- The audit log page filters by action.
create index audit_events_action on audit_events (workspace_id, action, id);
