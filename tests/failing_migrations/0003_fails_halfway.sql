-- Its up part creates a table, writes a row, then fails: nothing may stay.
-- migrate:up
CREATE TABLE third_table (z);
INSERT INTO third_table VALUES (1);
INSERT INTO no_such_table VALUES (1);
-- migrate:down
DROP TABLE third_table;
