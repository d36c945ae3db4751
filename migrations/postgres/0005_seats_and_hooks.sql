-- Seat licensing (issue #5). `seats_purchased` null: the workspace is not licensed per
-- seat (workspaces created before seats existed, or without `--seats`) and never refuses
-- a user; `seats_in_use` is still kept, so licensing can be switched on later.
alter table workspaces add column seats_purchased bigint;
alter table workspaces add column seats_in_use bigint not null default 0;
alter table workspaces add column auto_charge boolean not null default false;
alter table workspaces add column auto_charge_cap bigint;
-- The deprovisioning guard: its settings, its state (null, 'paused' or 'cancelled')
-- and when an admin last resumed it (deprovisions before that no longer count).
alter table workspaces add column guard_share_percent bigint not null default 20;
alter table workspaces add column guard_min_users bigint not null default 10;
alter table workspaces add column guard_window_seconds bigint not null default 3600;
alter table workspaces add column guard_state text;
alter table workspaces add column guard_since timestamptz;
update workspaces set seats_in_use = (
    select count(*) from users where users.workspace_id = workspaces.id and users.active
);

-- The seat ledger: every purchase after the workspace's starting allotment.
create table seat_purchases (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    occurred_at timestamptz not null,
    cause text not null,
    quantity bigint not null,
    seats_purchased bigint not null,
    actor text not null,
    user_id uuid,
    user_name text
);
create index seat_purchases_workspace on seat_purchases (workspace_id, id);

-- The outbox: billing events, written in the transaction of the change that caused
-- them. `payload` is the exact body that is signed and sent.
create table events (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    event_type text not null,
    occurred_at timestamptz not null,
    payload text not null
);
create index events_workspace on events (workspace_id, id);

-- Billing hook endpoints. `secret` is kept as is because every delivery is signed with it.
create table hooks (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    url text not null,
    secret text not null,
    events text not null,
    created_at timestamptz not null
);
create index hooks_workspace on hooks (workspace_id, id);

-- One row per (event, hook): the delivery state the dispatcher claims and updates.
create table deliveries (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    event_id uuid not null references events (id) on delete cascade,
    hook_id uuid not null references hooks (id) on delete cascade,
    state text not null,
    attempts bigint not null,
    next_attempt_at timestamptz not null,
    claimed_until timestamptz,
    last_status bigint,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz not null
);
create unique index deliveries_event_hook on deliveries (event_id, hook_id);
create index deliveries_due on deliveries (state, next_attempt_at);
create index deliveries_workspace on deliveries (workspace_id, id);

-- Deactivations and deletions of active users, counted by the deprovisioning guard.
create table deprovisions (
    id uuid primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    user_id uuid not null,
    occurred_at timestamptz not null
);
create index deprovisions_workspace on deprovisions (workspace_id, occurred_at);
