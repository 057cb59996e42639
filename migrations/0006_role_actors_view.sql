-- The actors of every role as a plain view, for clients that cannot load the
-- extension (most BI tools open their own connections and have no way to
-- load one): the rows of role_actors(role_id) for every role, with role_id
-- as an ordinary column a tool can filter on. One row per audition,
-- duplicates kept, in audition id order within a role (the seed's
-- association proxy Role.actors). `WHERE role_id = ?` is a seek of the index
-- auditions_role_id, which also gives the order. Every audition's role_id
-- names a role (migration 1's triggers), so, like role_actors, the view reads
-- auditions alone.
-- migrate:up
CREATE VIEW main.role_actors_view AS
SELECT role_id, actor
FROM auditions
ORDER BY role_id, id;
-- migrate:down
DROP VIEW main.role_actors_view;
