-- company.sql: the company seed (shared/seeds/003_ca144497d7178799.txt, "Use
-- Flask-SQLAlchemy to join tables with many-to-many relationships") done with
-- theater's model layer: employees and meetings (many-to-many through the
-- association table employee_meetings), employees and projects (many-to-many
-- through the association object Assignment, and the association proxies
-- Employee.projects and Project.employees).
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/company.sql
--
-- Nothing else is needed: the script does not .load the extension itself.
--
-- It prints the seed's Flask shell session: each expression the seed types
-- after >>>, then what the seed shows for it, with the models' __repr__s.
--
-- Where the seed's printed output contradicts its own data, the data wins:
--   * meeting2.employees: the seed shows employees 1, 4, 3, 2. Its query has
--     no ORDER BY, so that is whatever its database's plan gave. Here
--     meeting_employees seeks the index on employee_meetings(meeting_id) alone
--     and gives the links in the order they were made: 1 (e1.meetings.append),
--     then 2, 3, 4 (m2.employees.append).
--   * project1.assignments: the seed's output is cut off mid-line
--     ("...2023-10-01 00:00:0"); here it is printed whole.
-- Not contradictions, kept as the seed has them:
--   * Project.__repr__ says "<Review ...>" (the seed's slip), so employee1.projects
--     prints [<Review 1, XYZ Project Flask server, 50000>], as the seed shows.
--   * The association table is 'employee_meetings' as in the final models.py
--     (an earlier snippet calls it 'employees_meetings').

.bail on
.headers off
.mode list

-- server/models.py. The naming convention
-- "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s" names the
-- foreign keys.
CREATE TABLE employees (
    id        INTEGER PRIMARY KEY,
    name      TEXT,
    hire_date DATE
);
CREATE TABLE meetings (
    id             INTEGER PRIMARY KEY,
    topic          TEXT,
    scheduled_time DATETIME,
    location       TEXT
);
CREATE TABLE projects (
    id     INTEGER PRIMARY KEY,
    title  TEXT,
    budget INTEGER
);
CREATE TABLE employee_meetings (
    employee_id INTEGER
        CONSTRAINT fk_employee_meetings_employee_id_employees REFERENCES employees (id),
    meeting_id  INTEGER
        CONSTRAINT fk_employee_meetings_meeting_id_meetings REFERENCES meetings (id),
    PRIMARY KEY (employee_id, meeting_id)
);
-- The primary key's index serves an employee's meetings; a meeting's
-- employees need their own index.
CREATE INDEX employee_meetings_meeting_id ON employee_meetings (meeting_id);
-- Employee.assignments and Project.assignments have cascade='all,
-- delete-orphan': an assignment does not outlive its employee or project.
CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY,
    role        TEXT,
    start_date  DATETIME,
    end_date    DATETIME,
    employee_id INTEGER
        CONSTRAINT fk_assignments_employee_id_employees
        REFERENCES employees (id) ON DELETE CASCADE,
    project_id  INTEGER
        CONSTRAINT fk_assignments_project_id_projects
        REFERENCES projects (id) ON DELETE CASCADE
);
CREATE INDEX assignments_employee_id ON assignments (employee_id);
CREATE INDEX assignments_project_id ON assignments (project_id);

-- The seed's relationship() and association_proxy() definitions, declared once.
-- Each summary is printed only if its declaration cannot seek an index.
-- Employee.meetings cannot be called employee_meetings: that is the
-- association table's name (theater_relate refuses it), so it is
-- meetings_of_employee.
WITH declared (summary) AS MATERIALIZED (
    -- Employee.meetings = relationship('Meeting', secondary=employee_meetings)
    SELECT theater_relate('meetings_of_employee', 'employees', 'meetings', 'employee_meetings')
    UNION ALL  -- Meeting.employees = relationship('Employee', secondary=employee_meetings)
    SELECT theater_relate('meeting_employees', 'meetings', 'employees', 'employee_meetings')
    UNION ALL  -- Employee.assignments = relationship('Assignment', back_populates='employee')
    SELECT theater_relate('employee_assignments', 'employees', 'assignments')
    UNION ALL  -- Project.assignments = relationship('Assignment', back_populates='project')
    SELECT theater_relate('project_assignments', 'projects', 'assignments')
    UNION ALL  -- Assignment.employee
    SELECT theater_relate('assignment_employee', 'assignments', 'employees')
    UNION ALL  -- Assignment.project
    SELECT theater_relate('assignment_project', 'assignments', 'projects')
    UNION ALL  -- Employee.projects = association_proxy('assignments', 'project')
    SELECT theater_relate('employee_projects', 'employees', 'projects', 'assignments')
    UNION ALL  -- Project.employees = association_proxy('assignments', 'employee')
    SELECT theater_relate('project_employees', 'projects', 'employees', 'assignments')
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';

-- server/seed.py. Dates as the repr shows them: Date as YYYY-MM-DD, DateTime
-- as YYYY-MM-DD HH:MM:SS.
INSERT INTO employees (id, name, hire_date) VALUES
    (1, 'Uri Lee', '2022-05-17'),
    (2, 'Tristan Tal', '2020-01-30'),
    (3, 'Sasha Hao', '2021-12-01'),
    (4, 'Taylor Jai', '2015-01-02');
INSERT INTO meetings (id, topic, scheduled_time, location) VALUES
    (1, 'Software Engineering Weekly Update', '2023-10-31 09:30:00', 'Building A, Room 142'),
    (2, 'Github Issues Brainstorming', '2023-12-01 15:15:00', 'Building D, Room 430');
INSERT INTO projects (id, title, budget) VALUES
    (1, 'XYZ Project Flask server', 50000),
    (2, 'XYZ Project React UI', 100000);
-- e1.meetings.append(m1); e1.meetings.append(m2)
-- m2.employees.append(e2); m2.employees.append(e3); m2.employees.append(e4)
INSERT INTO employee_meetings (employee_id, meeting_id) VALUES
    (1, 1), (1, 2),
    (2, 2), (3, 2), (4, 2);
INSERT INTO assignments (id, role, start_date, end_date, employee_id, project_id) VALUES
    (1, 'Project manager', '2023-05-28 00:00:00', '2023-10-30 00:00:00', 1, 1),
    (2, 'Flask programmer', '2023-06-10 00:00:00', '2023-10-01 00:00:00', 2, 1),
    (3, 'Flask programmer', '2023-11-01 00:00:00', '2024-02-01 00:00:00', 2, 2);

-- The Flask shell session, with the models' __repr__s. A Python list prints as
-- [a, b]: group_concat takes the rows in the order the relationship function
-- gives them.
.print '>>> meeting2 = Meeting.query.filter_by(id = 2).first()'
.print '>>> meeting2'
SELECT '<Meeting ' || id || ', ' || topic || ', ' || scheduled_time || ', ' || location || '>'
FROM meetings WHERE id = 2;

.print '>>> meeting2.employees'
SELECT '[' || coalesce(group_concat(
           '<Employee ' || e.id || ', ' || e.name || ', ' || e.hire_date || '>', ', '), '') || ']'
FROM meeting_employees(2) AS e;

.print '>>> employee1 = Employee.query.filter_by(id = 1).first()'
.print '>>> employee1.meetings'
SELECT '[' || coalesce(group_concat(
           '<Meeting ' || m.id || ', ' || m.topic || ', ' || m.scheduled_time || ', ' || m.location || '>', ', '), '') || ']'
FROM meetings_of_employee(1) AS m;

-- Assignment.__repr__ reads self.employee.name and self.project.title: the
-- two many-to-one relationships.
.print '>>> employee2 = Employee.query.filter_by(id = 2).first()'
.print '>>> employee2.assignments'
SELECT '[' || coalesce(group_concat(
           '<Assignment ' || a.id || ', ' || a.role || ', ' || a.start_date || ', ' || a.end_date
           || ', ' || (SELECT name FROM assignment_employee(a.id))
           || ', ' || (SELECT title FROM assignment_project(a.id)) || '>', ', '), '') || ']'
FROM employee_assignments(2) AS a;

.print '>>> project1 = Project.query.filter_by(id = 1).first()'
.print '>>> project1.assignments'
SELECT '[' || coalesce(group_concat(
           '<Assignment ' || a.id || ', ' || a.role || ', ' || a.start_date || ', ' || a.end_date
           || ', ' || (SELECT name FROM assignment_employee(a.id))
           || ', ' || (SELECT title FROM assignment_project(a.id)) || '>', ', '), '') || ']'
FROM project_assignments(1) AS a;

.print '>>> [assignment.employee for assignment in project1.assignments]'
SELECT '[' || coalesce(group_concat(
           '<Employee ' || e.id || ', ' || e.name || ', ' || e.hire_date || '>', ', '), '') || ']'
FROM project_assignments(1) AS a, assignment_employee(a.id) AS e;

.print '>>> # Use association proxy to get employees for a project'
.print '>>> project1.employees'
SELECT '[' || coalesce(group_concat(
           '<Employee ' || e.id || ', ' || e.name || ', ' || e.hire_date || '>', ', '), '') || ']'
FROM project_employees(1) AS e;

.print '>>> # Use association proxy to get projects for an employee'
.print '>>> employee1.projects'
SELECT '[' || coalesce(group_concat(
           '<Review ' || p.id || ', ' || p.title || ', ' || p.budget || '>', ', '), '') || ']'
FROM employee_projects(1) AS p;
