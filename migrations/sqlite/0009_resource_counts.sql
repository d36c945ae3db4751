-- How many users and groups each workspace holds (issue #7): an unfiltered list page
-- must say totalResults, and counting 100,000 index entries for every page of an
-- IdP's full read cost more than the page itself. Kept by the same transactions that
-- create and delete resources.
alter table workspaces add column users_count bigint not null default 0;
alter table workspaces add column groups_count bigint not null default 0;
update workspaces set
    users_count = (select count(*) from users where users.workspace_id = workspaces.id),
    groups_count = (select count(*) from groups where groups.workspace_id = workspaces.id);
