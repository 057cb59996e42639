-- A role's id cannot change while auditions refer to it, whatever name the
-- UPDATE gives the id. Migration 1's trigger fired on UPDATE OF id, which
-- SQLite does not fire for `SET rowid = ...`, `SET oid = ...` or
-- `SET _rowid_ = ...`, the other names of an INTEGER PRIMARY KEY: such an
-- UPDATE left the role's auditions pointing at no role. The trigger now
-- fires on every UPDATE of roles and compares the ids.
-- migrate:up
DROP TRIGGER main.roles_id_is_fixed_while_auditioned;
CREATE TRIGGER main.roles_id_is_fixed_while_auditioned
BEFORE UPDATE ON roles
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM auditions WHERE role_id = OLD.id)
BEGIN
  SELECT RAISE(ABORT, 'roles.id cannot change while auditions refer to it');
END;
-- migrate:down
DROP TRIGGER main.roles_id_is_fixed_while_auditioned;
CREATE TRIGGER main.roles_id_is_fixed_while_auditioned
BEFORE UPDATE OF id ON roles
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM auditions WHERE role_id = OLD.id)
BEGIN
  SELECT RAISE(ABORT, 'roles.id cannot change while auditions refer to it');
END;
