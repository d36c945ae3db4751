-- SCIM Users and Groups. `doc` is the canonical JSON of every client-writable
-- attribute, stored exactly as sent; the other columns are derived from it in Rust
-- for indexed lookups. `*_norm` columns hold lowercased values (case-insensitive
-- attributes), compared against lowercased binds.
create table users (
    id blob primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    user_name text not null,
    user_name_norm text not null,
    external_id text,
    display_name_norm text,
    active boolean not null,
    doc text not null,
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create unique index users_user_name on users (workspace_id, user_name_norm);
create index users_external_id on users (workspace_id, external_id);
create index users_display_name on users (workspace_id, display_name_norm);

-- Every email value of a user, lowercased, for `emails.value eq` lookups.
create table user_emails (
    user_id blob not null references users (id) on delete cascade,
    workspace_id text not null,
    value_norm text not null,
    primary key (user_id, value_norm)
);
create index user_emails_value on user_emails (workspace_id, value_norm);

create table groups (
    id blob primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    display_name text not null,
    display_name_norm text not null,
    external_id text,
    doc text not null,
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create unique index groups_display_name on groups (workspace_id, display_name_norm);
create index groups_external_id on groups (workspace_id, external_id);

-- Membership rows, changed one row at a time so concurrent PATCHes never
-- read-modify-write a whole member list.
create table group_members (
    group_id blob not null references groups (id) on delete cascade,
    user_id blob not null references users (id) on delete cascade,
    created_at text not null,
    primary key (group_id, user_id)
);
create index group_members_user on group_members (user_id);
