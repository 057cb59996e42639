-- The theater casting model (shared/spec/sql-api.md section 2).
-- Integrity is kept by triggers, not by the foreign key alone, so that it holds
-- for every client whether or not it set PRAGMA foreign_keys (off by default).
-- The foreign key is declared without ON DELETE CASCADE on purpose: with
-- foreign_keys=ON, INSERT OR REPLACE on a role deletes the old row first, and a
-- cascading key would take the role's auditions with it.
-- Every name is qualified with main. so that a TEMP table called roles or
-- auditions on the migrating connection can never receive the schema.
-- migrate:up
CREATE TABLE main.roles (
  id             INTEGER PRIMARY KEY,
  character_name TEXT NOT NULL
);

CREATE TABLE main.auditions (
  id        INTEGER PRIMARY KEY,
  actor     TEXT NOT NULL,
  location  TEXT NOT NULL,
  phone     INTEGER,
  hired     INTEGER NOT NULL DEFAULT 0 CHECK (hired IN (0, 1)),
  role_id   INTEGER NOT NULL REFERENCES roles(id)
);

-- Every lookup by role is a seek on this index.
CREATE INDEX main.auditions_role_id ON auditions(role_id);

CREATE TRIGGER main.auditions_role_must_exist_on_insert
BEFORE INSERT ON auditions
WHEN NEW.role_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM roles WHERE id = NEW.role_id)
BEGIN
  SELECT RAISE(ABORT, 'auditions.role_id must name an existing role');
END;

CREATE TRIGGER main.auditions_role_must_exist_on_update
BEFORE UPDATE OF role_id ON auditions
WHEN NEW.role_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM roles WHERE id = NEW.role_id)
BEGIN
  SELECT RAISE(ABORT, 'auditions.role_id must name an existing role');
END;

-- A role's auditions go with it. REPLACE does not fire delete triggers while
-- recursive_triggers is OFF (SQLite's default), so replacing a role's row in
-- place keeps its auditions.
CREATE TRIGGER main.roles_delete_removes_auditions
AFTER DELETE ON roles
BEGIN
  DELETE FROM auditions WHERE role_id = OLD.id;
END;

CREATE TRIGGER main.roles_id_is_fixed_while_auditioned
BEFORE UPDATE OF id ON roles
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM auditions WHERE role_id = OLD.id)
BEGIN
  SELECT RAISE(ABORT, 'roles.id cannot change while auditions refer to it');
END;
-- migrate:down
DROP TABLE main.auditions;
DROP TABLE main.roles;
