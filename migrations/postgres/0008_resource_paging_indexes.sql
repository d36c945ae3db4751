-- Paging (issue #7): lists run `where workspace_id = $1 … order by id`. Without an
-- index in id order a deep page sorts or scans the whole table; with this one the
-- offset walk that finds a page's first id reads the index alone, so `startIndex`
-- 90000 reads 100 documents.
create index users_workspace_id on users (workspace_id, id);
create index groups_workspace_id on groups (workspace_id, id);

-- The non-unique lookup indexes end in id too, so an `externalId eq` or
-- `displayName eq` lookup is answered in id order by its own index; otherwise the
-- planner may prefer walking the index above in id order and filtering.
drop index users_external_id;
create index users_external_id on users (workspace_id, external_id, id);
drop index users_display_name;
create index users_display_name on users (workspace_id, display_name_norm, id);
drop index groups_external_id;
create index groups_external_id on groups (workspace_id, external_id, id);
