-- Workspaces and their SCIM bearer tokens. Ids and times are made in Rust.
create table workspaces (
    id text primary key,
    name text not null,
    created_at timestamptz not null
);

create table workspace_tokens (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    created_at timestamptz not null,
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- A name identifies one live token per workspace; revoked tokens keep their name for the record.
create unique index workspace_tokens_live_name on workspace_tokens (workspace_id, name) where revoked_at is null;
