-- The casting sheet as a view in plain SQL, so that it works where the
-- extension is not loaded (most BI tools open their own connections and
-- cannot load one) and, above all, so that the schema stays valid there.
-- Migration 3's view read role_casting, a table-valued function: a connection
-- without the extension could not resolve it, and SQLite checks every view and
-- trigger of the schema on ALTER TABLE ... RENAME, so on such a connection
-- every table rebuild (sqlite-utils transform, Alembic's batch mode, DB
-- Browser's "Modify table", SQLite's own 12-step procedure) and every RENAME
-- COLUMN failed with "error in view casting_sheet: no such table:
-- main.role_casting", even for tables that have nothing to do with the theater.
-- The rows are role_casting's: per role, its first and second hired audition
-- (lowest audition ids) and their actors; each subquery is a seek on the
-- covering partial index auditions_hired_by_role.
-- migrate:up
DROP VIEW main.casting_sheet;
CREATE VIEW main.casting_sheet AS
SELECT r.id AS role_id,
       r.character_name AS character_name,
       (SELECT a.id FROM auditions a WHERE a.role_id = r.id AND a.hired = 1
        ORDER BY a.id LIMIT 1) AS lead,
       (SELECT a.actor FROM auditions a WHERE a.role_id = r.id AND a.hired = 1
        ORDER BY a.id LIMIT 1) AS lead_actor,
       (SELECT a.id FROM auditions a WHERE a.role_id = r.id AND a.hired = 1
        ORDER BY a.id LIMIT 1 OFFSET 1) AS understudy,
       (SELECT a.actor FROM auditions a WHERE a.role_id = r.id AND a.hired = 1
        ORDER BY a.id LIMIT 1 OFFSET 1) AS understudy_actor
FROM roles r
ORDER BY r.id;
-- migrate:down
DROP VIEW main.casting_sheet;
CREATE VIEW main.casting_sheet AS
SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor
FROM role_casting;
