-- Test-only migrations (never shipped): they let the tests prove atomicity.
-- migrate:up
CREATE TABLE first_table (x);
INSERT INTO first_table VALUES (1);
-- migrate:down
DROP TABLE first_table;
