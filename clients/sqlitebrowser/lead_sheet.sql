-- Run by DB Browser for SQLite on opening the database (-s), with the theater
-- extension loaded (-o extensions/list=...): role_lead for every role, and
-- the lead's audition through the table-valued function role_auditions.
-- The result is kept as a table, shown in the Browse Data tab (-t lead_sheet),
-- and read back by clients/sqlitebrowser/test.sh.
DROP TABLE IF EXISTS lead_sheet;
CREATE TABLE lead_sheet AS
SELECT r.id AS role_id, r.character_name AS role, role_lead(r.id) AS lead, a.actor AS lead_actor
FROM roles r LEFT JOIN role_auditions(r.id) a ON a.id = role_lead(r.id)
ORDER BY r.id;
