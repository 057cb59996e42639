-- org_chart.sql: the company seed's employees (shared/seeds/003_ca144497d7178799.txt)
-- with a manager each, and the two trees SQLAlchemy's adjacency-list pattern
-- gives them: an employee's reports, all the way down, and their managers,
-- all the way up (model-layer.md, "Real schemas": trees). The seed has no
-- manager column; this script adds one, as the adjacency-list pattern does:
--
--   manager_id = Column(Integer, ForeignKey('employees.id'))
--   manager = relationship('Employee', remote_side=[id], backref='reports')
--
-- SQLAlchemy's relationship is one level; the recursive walk (a recursive CTE
-- in SQLAlchemy's docs) is one declaration here.
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/org_chart.sql

.bail on
.headers off
.mode list

CREATE TABLE employees (
    id         INTEGER PRIMARY KEY,
    name       TEXT,
    hire_date  DATE,
    manager_id INTEGER REFERENCES employees (id)
);
CREATE INDEX employees_manager ON employees (manager_id);

-- The seed's four employees (server/seed.py), the longest-serving at the top,
-- and one more hire.
INSERT INTO employees (id, name, hire_date, manager_id) VALUES
    (1, 'Uri Lee', '2022-05-17', 2),
    (2, 'Tristan Tal', '2020-01-30', 4),
    (3, 'Sasha Hao', '2021-12-01', 2),
    (4, 'Taylor Jai', '2015-01-02', NULL),
    (5, 'Robin Ng', '2023-03-01', 3);

-- One level each way (Employee.reports and Employee.manager), then the trees.
WITH declared(summary) AS MATERIALIZED (
    SELECT theater_relate('direct_reports', 'employees', 'employees', '{"direction": "one-to-many"}')
    UNION ALL
    SELECT theater_relate('employee_manager', 'employees', 'employees', '{"direction": "many-to-one"}')
    UNION ALL
    SELECT theater_relate('all_reports', 'employees', 'employees', '{"direction": "one-to-many", "recursive": true}')
    UNION ALL
    SELECT theater_relate('all_managers', 'employees', 'employees', '{"direction": "many-to-one", "recursive": true}')
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';

.print '>>> taylor.reports'
SELECT group_concat(name, ', ') FROM direct_reports(4);

.print '>>> everyone under Taylor Jai, by depth'
SELECT depth || ' ' || name FROM all_reports(4);

.print '>>> everyone under Tristan Tal, two levels at most'
SELECT depth || ' ' || name FROM all_reports(2) WHERE depth <= 2;

.print ">>> Robin Ng's managers, nearest first"
SELECT depth || ' ' || name FROM all_managers(5);

.print '>>> how many report to each manager, at any depth'
SELECT e.name || ': ' || count(r.id) FROM employees AS e LEFT JOIN all_reports(e.id) AS r
GROUP BY e.id HAVING count(r.id) > 0 ORDER BY count(r.id) DESC, e.id;
