-- Demo data for the Flatiron Theater Company's auditions.
-- Run with the extension loaded:
--   sqlite3 build/demo.db -cmd '.load ./build/theater' < sql/demo_data.sql
SELECT theater_migrate();

INSERT INTO roles (id, character_name) VALUES
  (1, 'Hamlet'),          -- a lead and an understudy
  (2, 'Ophelia'),         -- a lead, no understudy
  (3, 'Ghost'),           -- auditions, nobody hired
  (4, 'Gertrude'),        -- three hires: only the first two count
  (5, 'Yorick');          -- no auditions at all

INSERT INTO auditions (id, actor, location, phone, role_id) VALUES
  (1,  'Sam Waterston',    'New York',     2125550101, 1),
  (2,  'Kevin Kline',      'New York',     2125550102, 1),
  (3,  'Ethan Hawke',      'Los Angeles',  3105550103, 1),
  (4,  'Helena Bonham',    'London',       2075550104, 2),
  (5,  'Kate Winslet',     'London',       2075550105, 2),
  (6,  'Julia Stiles',     'Chicago',      3125550106, 2),
  (7,  'Patrick Stewart',  'London',       2075550107, 3),
  (8,  'Brian Blessed',    'Chicago',      3125550108, 3),
  (9,  'Glenn Close',      'Los Angeles',  3105550109, 4),
  (10, 'Julie Christie',   'London',       2075550110, 4),
  (11, 'Diana Rigg',       'New York',     2125550111, 4),
  (12, 'Kevin Kline',      'Chicago',      3125550112, 4);  -- same actor, another role

-- The company calls its choices back (Audition.call_back()).
SELECT call_back(column1) FROM (VALUES (3), (2), (5), (12), (10), (9));
