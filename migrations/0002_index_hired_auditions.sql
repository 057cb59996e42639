-- role_lead, role_understudy and role_casting read only hired auditions, per
-- role, in audition id order. This partial index holds exactly those, in that
-- order, with the columns they read (hired is named so the planner can use the
-- index as covering; id is the rowid, named to fix the order):
-- role_lead(r) is one seek, the casting sheet one sequential pass.
-- migrate:up
CREATE INDEX main.auditions_hired_by_role ON auditions(role_id, hired, id, actor) WHERE hired = 1;
-- migrate:down
DROP INDEX main.auditions_hired_by_role;
