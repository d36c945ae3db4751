-- Workspaces and their SCIM bearer tokens. Ids and times are made in Rust.
create table workspaces (
    id text primary key,
    name text not null,
    created_at text not null
);

create table workspace_tokens (
    id blob primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    name text not null,
    token_hash text not null unique,
    created_at text not null,
    expires_at text,
    last_used_at text,
    revoked_at text
);

-- A name identifies one live token per workspace; revoked tokens keep their name for the record.
create unique index workspace_tokens_live_name on workspace_tokens (workspace_id, name) where revoked_at is null;
