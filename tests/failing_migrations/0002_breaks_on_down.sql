-- Its down part drops its table and then fails: a downgrade must undo the drop.
-- migrate:up
CREATE TABLE second_table (y);
-- migrate:down
DROP TABLE second_table;
DROP TABLE no_such_table;
