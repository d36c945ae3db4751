-- What happened to each resource, written in the same transaction as the change,
-- and kept after the resource is deleted.
create table audit_events (
    id blob primary key,
    workspace_id text not null references workspaces (id) on delete cascade,
    occurred_at text not null,
    actor text not null,
    action text not null,
    resource_type text not null,
    resource_id blob not null,
    resource_name text not null
);
create index audit_events_workspace on audit_events (workspace_id, id);
create index audit_events_resource on audit_events (workspace_id, resource_id, id);
