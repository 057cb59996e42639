-- The casting sheet as a view, for BI tools and schema browsers: they list
-- tables and views from sqlite_schema, where a table-valued function such as
-- role_casting never appears. The view reads role_casting, so it works only on
-- a connection that loaded the extension; elsewhere querying it fails with
-- "no such table: main.role_casting"; listing it in sqlite_schema still works.
-- role_casting is registered SQLITE_VTAB_INNOCUOUS: the view works with
-- PRAGMA trusted_schema=OFF too.
-- migrate:up
CREATE VIEW main.casting_sheet AS
SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor
FROM role_casting;
-- migrate:down
DROP VIEW main.casting_sheet;
