-- A short tour of the theater model, run by scripts/demo.sh.
.mode box
.headers on

.print
.print '-- Migrations: theater_migration_status'
SELECT version, name, applied FROM theater_migration_status;

.print
.print '-- Every role with its lead and understudy: role_lead(id), role_understudy(id)'
SELECT id, character_name, role_lead(id) AS lead, role_understudy(id) AS understudy FROM roles;

.print
.print '-- The casting sheet in one ordered pass: SELECT * FROM role_casting'
SELECT * FROM role_casting;

.print
.print "-- Hamlet's auditions: role_auditions(1)"
SELECT * FROM role_auditions(1);

.print
.print '-- Who auditioned for what: roles r, role_actors(r.id)'
SELECT r.character_name, a.actor FROM roles r, role_actors(r.id) a;

.print
.print '-- Where Gertrude was auditioned: role_locations(4)'
SELECT location FROM role_locations(4);

.print
.print '-- The role of audition 12: audition_role(12)'
SELECT * FROM audition_role(12);

.print
.print '-- A call-back changes the sheet: call_back(7) hires the Ghost'
SELECT call_back(7) AS called_back;
SELECT role_id, character_name, lead, lead_actor FROM role_casting(3);
