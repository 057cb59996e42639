-- Adopts a database whose roles/auditions tables were made outside theater
-- (by hand, or by the seed's SQLAlchemy models): the tables are set aside,
-- theater_migrate() creates the managed schema, and every row is copied in
-- through the schema's rules. All in one transaction: on any error (an orphan
-- audition, a NULL actor, ...) the shell stops (-bail) and nothing changes.
--
--   sqlite3 -bail my.db -cmd '.load ./build/theater' < sql/adopt.sql
--
-- A NULL `hired` (SQLAlchemy's Boolean allows it) is adopted as 0.
.bail on
BEGIN;
ALTER TABLE auditions RENAME TO theater_adopting_auditions;
ALTER TABLE roles RENAME TO theater_adopting_roles;
SELECT theater_migrate();
INSERT INTO roles (id, character_name)
  SELECT id, character_name FROM theater_adopting_roles ORDER BY id;
INSERT INTO auditions (id, actor, location, phone, hired, role_id)
  SELECT id, actor, location, phone, coalesce(hired, 0), role_id FROM theater_adopting_auditions ORDER BY id;
DROP TABLE theater_adopting_auditions;
DROP TABLE theater_adopting_roles;
COMMIT;
SELECT 'adopted: ' || (SELECT count(*) FROM roles) || ' roles, ' || (SELECT count(*) FROM auditions) || ' auditions';
