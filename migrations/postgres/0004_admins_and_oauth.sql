-- Workspace admins, their console sessions, OAuth clients and what they were granted.
-- Every secret (password, session, client secret, code, refresh token) is stored
-- only as a hash; ids and times are made in Rust.

-- A person who signs in to the console and approves Okta's authorization request.
create table admins (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    email text not null,
    password_hash text not null,
    created_at timestamptz not null,
    failed_logins integer not null default 0,
    locked_until timestamptz
);
-- Sign-in is by e-mail alone, so an address names one admin across all workspaces.
create unique index admins_email on admins (email);

create table admin_sessions (
    token_hash text primary key,
    admin_id uuid not null references admins (id) on delete cascade,
    created_at timestamptz not null,
    expires_at timestamptz not null
);
create index admin_sessions_admin on admin_sessions (admin_id);

-- workspace_id null: a vendor-level client (one client id for every customer, as
-- apps in Okta's catalog have); the approving admin's workspace owns its grants.
create table oauth_clients (
    id uuid primary key,
    client_id text not null unique,
    workspace_id text references workspaces (id) on delete cascade,
    name text not null,
    secret_hash text not null,
    previous_secret_hash text,
    previous_secret_expires_at timestamptz,
    require_pkce boolean not null,
    created_at timestamptz not null
);
create index oauth_clients_workspace on oauth_clients (workspace_id);

create table oauth_redirect_uris (
    client uuid not null references oauth_clients (id) on delete cascade,
    uri text not null,
    created_at timestamptz not null,
    primary key (client, uri)
);

-- What a client may do in a workspace. Owned by the workspace: `approved_by` is a
-- record, not a reference, so an admin leaving does not break provisioning.
create table oauth_grants (
    id uuid primary key,
    client uuid not null references oauth_clients (id) on delete cascade,
    workspace_id text not null references workspaces (id) on delete cascade,
    grant_type text not null,
    scope text not null,
    approved_by text,
    created_at timestamptz not null,
    last_used_at timestamptz,
    revoked_at timestamptz,
    revoked_reason text
);
create index oauth_grants_client on oauth_grants (client);
create index oauth_grants_workspace on oauth_grants (workspace_id);

create table oauth_codes (
    code_hash text primary key,
    client uuid not null references oauth_clients (id) on delete cascade,
    workspace_id text not null references workspaces (id) on delete cascade,
    approved_by text not null,
    redirect_uri text not null,
    redirect_uri_sent boolean not null,
    scope text not null,
    code_challenge text,
    issued_at timestamptz not null,
    consumed_at timestamptz,
    grant_id uuid references oauth_grants (id) on delete set null
);

-- A refresh token stays valid until its first child is used ("retire on successor
-- use"); presenting a retired one revokes the grant.
create table oauth_refresh_tokens (
    token_hash text primary key,
    grant_id uuid not null references oauth_grants (id) on delete cascade,
    parent_hash text,
    issued_at timestamptz not null,
    last_used_at timestamptz,
    retired_at timestamptz
);
create index oauth_refresh_tokens_grant on oauth_refresh_tokens (grant_id);

-- A consent form waiting for Allow or Deny: its ticket is the CSRF token, bound to
-- the session and to the validated request, used once.
create table oauth_consents (
    ticket_hash text primary key,
    session_hash text not null references admin_sessions (token_hash) on delete cascade,
    client uuid not null references oauth_clients (id) on delete cascade,
    request text not null,
    expires_at timestamptz not null
);

-- HMAC keys for access tokens when SCIMGATE_JWT_KEYS is not set, shared by every
-- replica on the database.
create table jwt_keys (
    kid text primary key,
    secret text not null,
    created_at timestamptz not null
);
