-- Paging (issue #7): lists run `where workspace_id = $1 order by id`; without this
-- index a deep page sorts or scans the whole table. The index alone answers the
-- offset walk that finds a page's first id, so `startIndex` 90000 reads 100 rows.
create index users_workspace_id on users (workspace_id, id);
create index groups_workspace_id on groups (workspace_id, id);
