"""The model layer on the schemas people have (issue 15; shared/spec/model-layer.md,
"Real schemas"; docs/model-layer.md, "Real schemas"): keys of every kind,
relationships without a foreign key and on views, the user's order and filter,
and trees. Each relationship is checked against the plain SQL it stands for,
for every key of its source plus keys that name nothing and NULL.
tests/test_real_schemas_orm.py compares the same kinds with SQLAlchemy, and
tests/test_general_differential.py with the join on random schemas."""
import sqlite3
import uuid

import pytest

from conftest import connect, scalar


def error_of(conn, sql, params=()):
    try:
        conn.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def relate(conn, name, from_table, to_table, through=None, options=None):
    return scalar(conn, "SELECT theater_relate(?, ?, ?, ?, ?)", (name, from_table, to_table, through, options))


def rows(conn, sql, params=()):
    return conn.execute(sql, params).fetchall()


def typed(result):
    """Rows with each value's type, so that 1, 1.0 and '1' differ."""
    return [tuple((type(v).__name__, v) for v in row) for row in result]


def check_against(conn, function, keys, plain, arity=1):
    """function(key...) gives plain's rows, in order, for every key."""
    marks = ", ".join("?" * arity)
    checked = 0
    for key in keys:
        key = key if isinstance(key, tuple) else (key,)
        got = rows(conn, f"SELECT * FROM {function}({marks})", key)
        want = rows(conn, plain, key)
        assert typed(got) == typed(want), f"{function}{key}"
        checked += len(want)
    assert checked > 0, "checked against nothing"


# --- keys of every kind ------------------------------------------------------

UUIDS = [str(uuid.UUID(int=n * 7919 + 11)) for n in range(6)]

TEXT_KEYS = f"""
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, name TEXT);
CREATE TABLE posts (id TEXT PRIMARY KEY, author_id TEXT REFERENCES users (id), title TEXT, year INTEGER);
CREATE INDEX posts_author ON posts (author_id);
CREATE TABLE tags (id TEXT PRIMARY KEY, label TEXT);
CREATE TABLE post_tags (post_id TEXT REFERENCES posts (id), tag_id TEXT REFERENCES tags (id));
CREATE INDEX post_tags_post ON post_tags (post_id);
INSERT INTO users VALUES ('{UUIDS[0]}', 'ann@x.org', 'Ann'), ('{UUIDS[1]}', 'bob@x.org', 'Bob'),
                         ('{UUIDS[2]}', 'cy@x.org', 'Cy');
INSERT INTO posts VALUES ('p3', '{UUIDS[0]}', 'Third', 2003), ('p1', '{UUIDS[1]}', 'First', 2001),
                         ('p2', '{UUIDS[0]}', 'Second', 2002), ('p4', 'nobody', 'Orphan', 2004),
                         ('p5', NULL, 'Nobody''s', 2005);
INSERT INTO tags VALUES ('t1', 'sql'), ('t2', 'orm');
INSERT INTO post_tags VALUES ('p3', 't2'), ('p3', 't1'), ('p1', 't1'), ('p2', 'gone');
"""
USER_KEYS = UUIDS[:3] + ["nobody", UUIDS[4].upper(), None, 1]


@pytest.fixture
def text_keys(conn):
    conn.executescript(TEXT_KEYS)
    return conn


def test_a_text_primary_key_one_to_many(text_keys):
    summary = relate(text_keys, "user_posts", "users", "posts")
    assert summary == ("user_posts(author_id): one-to-many from users to posts by posts(author_id) = users(id); "
                       "seeks use the index posts_author")
    check_against(text_keys, "user_posts", USER_KEYS,
                  "SELECT p.id, p.title, p.year FROM users AS s JOIN posts AS p ON p.author_id = s.id "
                  "WHERE s.id = ? ORDER BY p.rowid")


def test_a_text_primary_key_many_to_one(text_keys):
    relate(text_keys, "post_author", "posts", "users")
    check_against(text_keys, "post_author", ["p1", "p2", "p3", "p4", "p5", "nothing", None],
                  "SELECT u.* FROM posts AS s JOIN users AS u ON u.id = s.author_id WHERE s.id = ?")


def test_text_keys_many_to_many(text_keys):
    relate(text_keys, "post_tag_list", "posts", "tags", "post_tags")
    check_against(text_keys, "post_tag_list", ["p1", "p2", "p3", "p4", None],
                  "SELECT t.* FROM posts AS s JOIN post_tags AS l ON l.post_id = s.id JOIN tags AS t ON t.id = l.tag_id "
                  "WHERE s.id = ? ORDER BY l.rowid")
    # The argument is the link's column, and the hidden column reads back.
    assert rows(text_keys, "SELECT label, post_id FROM post_tag_list WHERE post_id = 'p3'") == [
        ("orm", "p3"), ("sql", "p3")]


def test_a_foreign_key_to_a_unique_column_that_is_not_the_key(conn):
    conn.executescript(f"""
        CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, name TEXT);
        CREATE TABLE notes (id INTEGER PRIMARY KEY, owner_email TEXT REFERENCES users (email), body TEXT);
        INSERT INTO users VALUES ('{UUIDS[0]}', 'ann@x.org', 'Ann'), ('{UUIDS[1]}', 'bob@x.org', 'Bob');
        INSERT INTO notes (owner_email, body) VALUES ('bob@x.org', 'b1'), ('ann@x.org', 'a1'), ('bob@x.org', 'b2');
    """)
    # The argument is the user's key, not the email the notes hold.
    assert relate(conn, "user_notes", "users", "notes").startswith("user_notes(users_id): one-to-many")
    check_against(conn, "user_notes", UUIDS[:2] + ["bob@x.org", None],
                  "SELECT n.* FROM users AS s JOIN notes AS n ON n.owner_email = s.email WHERE s.id = ? "
                  "ORDER BY n.rowid")


def test_uuid_keys_as_blobs(conn):
    blobs = [uuid.UUID(u).bytes for u in UUIDS[:3]]
    conn.execute("CREATE TABLE devices (id BLOB PRIMARY KEY, name TEXT)")
    conn.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, device BLOB REFERENCES devices (id), value REAL)")
    conn.execute("CREATE INDEX readings_device ON readings (device)")
    conn.executemany("INSERT INTO devices VALUES (?, ?)", [(b, f"d{i}") for i, b in enumerate(blobs)])
    conn.executemany("INSERT INTO readings (device, value) VALUES (?, ?)",
                     [(blobs[i % 3], i * 0.5) for i in range(10)] + [(UUIDS[0], 99.0)])  # text is not the blob
    relate(conn, "device_readings", "devices", "readings")
    check_against(conn, "device_readings", blobs + [UUIDS[0], b"", None],
                  "SELECT r.id, r.value FROM devices AS s JOIN readings AS r ON r.device = s.id WHERE s.id = ? "
                  "ORDER BY r.rowid")
    assert rows(conn, "SELECT count(*) FROM device_readings(?)", (blobs[1],)) == [(3,)]


COMPOSITE = """
CREATE TABLE enrolments (student_id TEXT, course_id INTEGER, term TEXT, PRIMARY KEY (student_id, course_id));
CREATE TABLE grades (id INTEGER PRIMARY KEY, student_id TEXT, course_id INTEGER, grade INTEGER,
                     FOREIGN KEY (student_id, course_id) REFERENCES enrolments (student_id, course_id));
CREATE INDEX grades_enrolment ON grades (student_id, course_id);
INSERT INTO enrolments VALUES ('s1', 101, 'spring'), ('s1', 102, 'spring'), ('s2', 101, 'fall');
INSERT INTO grades (student_id, course_id, grade) VALUES
    ('s1', 101, 90), ('s2', 101, 70), ('s1', 102, 80), ('s1', 101, 85), ('s1', '101', 60), ('s3', 101, 50);
"""


@pytest.mark.parametrize("without_rowid", [False, True])
def test_a_composite_key_has_one_argument_per_column_in_key_order(conn, without_rowid):
    schema = COMPOSITE.replace("PRIMARY KEY (student_id, course_id));",
                               "PRIMARY KEY (student_id, course_id))" + (" WITHOUT ROWID;" if without_rowid else ";"))
    conn.executescript(schema)
    assert relate(conn, "enrolment_grades", "enrolments", "grades") == (
        "enrolment_grades(student_id, course_id): one-to-many from enrolments to grades by "
        "grades(student_id, course_id) = enrolments(student_id, course_id); seeks use the index grades_enrolment")
    keys = [("s1", 101), ("s1", 102), ("s2", 101), ("s1", "101"), ("s3", 101), ("s1", None), (None, 101)]
    check_against(conn, "enrolment_grades", keys,
                  "SELECT g.id, g.grade FROM enrolments AS s JOIN grades AS g ON g.student_id = s.student_id "
                  "AND g.course_id = s.course_id WHERE s.student_id = ?1 AND s.course_id = ?2 ORDER BY g.rowid",
                  arity=2)
    # Filtering on both hidden columns is the same seek; on one, every row.
    assert rows(conn, "SELECT grade FROM enrolment_grades WHERE student_id = 's1' AND course_id = 101") == [
        (90,), (85,), (60,)]
    assert rows(conn, "SELECT course_id, grade FROM enrolment_grades WHERE student_id = 's1'") == [
        (101, 90), (101, 85), (101, 60), (102, 80)]
    # Joined from the source: the plain join's rows.
    assert sorted(rows(conn, "SELECT e.term, g.grade FROM enrolments AS e, enrolment_grades(e.student_id, e.course_id) AS g")) \
        == sorted(rows(conn, "SELECT e.term, g.grade FROM enrolments AS e JOIN grades AS g "
                             "USING (student_id, course_id)"))


def test_a_composite_key_many_to_one(conn):
    conn.executescript(COMPOSITE)
    assert relate(conn, "grade_enrolment", "grades", "enrolments").startswith(
        "grade_enrolment(grades_id): many-to-one from grades to enrolments")
    check_against(conn, "grade_enrolment", list(range(1, 8)) + [None],
                  "SELECT e.* FROM grades AS s JOIN enrolments AS e ON e.student_id = s.student_id "
                  "AND e.course_id = s.course_id WHERE s.id = ?")


def test_a_rowid_table_without_a_declared_key(conn):
    conn.executescript("""
        CREATE TABLE boxes (label TEXT);
        CREATE TABLE items (box INTEGER, what TEXT);
        INSERT INTO boxes VALUES ('a'), ('b');
        INSERT INTO items VALUES (2, 'x'), (1, 'y'), (2, 'z');
    """)
    summary = relate(conn, "box_items", "boxes", "items", None, '{"to_column": "box"}')
    assert summary.startswith("box_items(box): one-to-many from boxes to items by items(box) = boxes(rowid); no index")
    assert 'CREATE INDEX "items_box" ON "items"("box") to seek' in summary
    check_against(conn, "box_items", [1, 2, 3, "2", None],
                  "SELECT i.what FROM boxes AS s JOIN items AS i ON i.box = s.rowid WHERE s.rowid = ? ORDER BY i.rowid")


@pytest.mark.parametrize("key_type, argument, found", [
    # The argument is compared with the key as the plain join compares it:
    # the key column's affinity applies to the argument.
    ("TEXT", 1, True),         # 1 becomes '1'
    ("TEXT", "1", True),
    ("TEXT", 1.0, False),      # 1.0 becomes '1.0'
    ("INTEGER", "1", True),    # '1' becomes 1
    ("NUMERIC", "1.0", True),
    ("BLOB", "1", False),      # no affinity: text is not the integer
    ("BLOB", 1, True),
])
def test_keys_compare_with_the_key_columns_affinity(conn, key_type, argument, found):
    conn.execute(f"CREATE TABLE p (k {key_type} PRIMARY KEY, name TEXT) WITHOUT ROWID")
    conn.execute(f"CREATE TABLE c (id INTEGER PRIMARY KEY, p_k {key_type} REFERENCES p (k))")
    conn.execute("INSERT INTO p VALUES (1, 'one')")
    conn.execute("INSERT INTO c (p_k) VALUES (1)")
    relate(conn, "kids", "p", "c")
    want = rows(conn, "SELECT c.id FROM p AS s JOIN c ON c.p_k = s.k WHERE s.k = ?", (argument,))
    assert rows(conn, "SELECT * FROM kids(?)", (argument,)) == want
    assert bool(want) == found


# --- without a foreign key, and views -----------------------------------------

@pytest.fixture
def shop(conn):
    conn.executescript("""
        CREATE TABLE customers (code TEXT PRIMARY KEY, name TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_code TEXT, total REAL, placed TEXT);
        CREATE INDEX orders_customer ON orders (customer_code);
        INSERT INTO customers VALUES ('c1', 'Ann'), ('c2', 'Bob'), ('c3', 'Cy');
        INSERT INTO orders (customer_code, total, placed) VALUES
            ('c1', 10, '2026-01-01'), ('c2', 99, '2026-02-01'), ('c1', 250, '2026-03-01'),
            ('c1', 40, '2025-12-01'), ('c9', 5, '2026-01-05');
        CREATE VIEW big_orders AS SELECT id, customer_code, total FROM orders WHERE total >= 40;
        CREATE VIEW active_customers AS SELECT code, name FROM customers WHERE code <> 'c3';
    """)
    return conn


def test_columns_named_without_a_foreign_key(shop):
    assert relate(shop, "customer_orders", "customers", "orders", None, '{"to_column": "customer_code"}') == (
        "customer_orders(customer_code): one-to-many from customers to orders by orders(customer_code) = "
        "customers(code); seeks use the index orders_customer")
    check_against(shop, "customer_orders", ["c1", "c2", "c3", "c9", None],
                  "SELECT o.id, o.total, o.placed FROM customers AS s JOIN orders AS o ON o.customer_code = s.code "
                  "WHERE s.code = ? ORDER BY o.rowid")
    # The other way: to_column is the customers' key, so many-to-one.
    assert relate(shop, "order_customer", "orders", "customers", None,
                  '{"from_column": "customer_code"}').startswith("order_customer(orders_id): many-to-one")
    check_against(shop, "order_customer", [1, 2, 5, 6, None],
                  "SELECT c.* FROM orders AS s JOIN customers AS c ON c.code = s.customer_code WHERE s.id = ?")


def test_a_view_as_the_target(shop):
    summary = relate(shop, "customer_big_orders", "customers", "big_orders", None, '{"to_column": "customer_code"}')
    assert summary == ("customer_big_orders(customer_code): one-to-many from customers to big_orders by "
                       "big_orders(customer_code) = customers(code); big_orders is a view: each call runs its query "
                       "with the join's condition, as the plain join does")
    for key in ["c1", "c2", "c3", None]:
        got = rows(shop, "SELECT * FROM customer_big_orders(?)", (key,))
        want = rows(shop, "SELECT b.id, b.total FROM customers AS s JOIN big_orders AS b "
                          "ON b.customer_code = s.code WHERE s.code = ?", (key,))
        assert sorted(got) == sorted(want)  # a view has no rowid: no documented order without order_by
    assert rows(shop, "SELECT id FROM customer_big_orders('c1')") != []


def test_a_view_as_the_source(shop):
    assert relate(shop, "active_orders", "active_customers", "orders", None,
                  '{"from_column": "code", "to_column": "customer_code"}').startswith(
        "active_orders(customer_code): one-to-many from active_customers to orders")
    check_against(shop, "active_orders", ["c1", "c2", "c3", None],
                  "SELECT o.id, o.total, o.placed FROM active_customers AS s JOIN orders AS o "
                  "ON o.customer_code = s.code WHERE s.code = ? ORDER BY o.rowid")


@pytest.mark.parametrize("args, error", [
    (("x", "active_customers", "orders", None, '{"to_column": "customer_code"}'),
     "from_table: active_customers is a view, which has no key; name the column(s) that identify its rows with "
     "'{\"from_column\": ...}'"),
    (("x", "customers", "big_orders", None, None),
     "big_orders is a view, which has no foreign keys; name the columns that join customers and big_orders with "
     "'{\"from_column\": ..., \"to_column\": ...}'"),
    (("x", "customers", "big_orders", None, '{"from_column": "code"}'),
     "to_table: big_orders is a view, which has no key; name its column(s) with '{\"to_column\": ...}'"),
    (("x", "customers", "orders", None, '{"to_column": "nope"}'),
     'option "to_column": orders has no column named "nope"'),
    (("x", "customers", "orders", None, '{"from_column": ["code", "name"], "to_column": "customer_code"}'),
     '"from_column" names 2 column(s) and "to_column" 1; they are matched in pairs'),
    (("x", "customers", "orders", None, '{"to_column": "customer_code", "column": "customer_code"}'),
     '"column" names a foreign key; with "from_column" and "to_column" there is none to name'),
    (("x", "customers", "orders", None, '{"through_from": "a", "through_to": "b"}'),
     '"through_from" and "through_to" name the columns of a through_table; there is none'),
    (("x", "customers", "orders", None, '{"to_column": "customer_code", "argument": ["a", "b"]}'),
     'option "argument" names 2 column(s); the key of customers has 1'),
])
def test_refusals_name_the_fix(shop, args, error):
    before = rows(shop, "SELECT * FROM sqlite_master")
    assert error_of(shop, "SELECT theater_relate(?, ?, ?, ?, ?)", args) == "theater_relate: " + error
    assert rows(shop, "SELECT * FROM sqlite_master") == before


def test_many_to_many_through_columns_without_foreign_keys(conn):
    conn.executescript("""
        CREATE TABLE people (handle TEXT PRIMARY KEY, name TEXT);
        CREATE TABLE clubs (slug TEXT PRIMARY KEY, title TEXT);
        CREATE TABLE members (person TEXT, club TEXT, since INTEGER);
        CREATE INDEX members_person ON members (person, since);
        INSERT INTO people VALUES ('ann', 'Ann'), ('bob', 'Bob');
        INSERT INTO clubs VALUES ('chess', 'Chess'), ('go', 'Go'), ('poker', 'Poker');
        INSERT INTO members VALUES ('ann', 'go', 2020), ('ann', 'chess', 2010), ('bob', 'go', 2021),
                                   ('ann', 'none', 2000);
    """)
    assert relate(conn, "person_clubs", "people", "clubs", "members",
                  '{"through_from": "person", "through_to": "club"}') == (
        "person_clubs(person): many-to-many from people to clubs by members(person) and members(club); "
        "seeks use the index members_person")
    # In the order of the link's index on (person, since), then its rowid.
    check_against(conn, "person_clubs", ["ann", "bob", "cy", None],
                  "SELECT c.* FROM people AS s JOIN members AS m ON m.person = s.handle JOIN clubs AS c "
                  "ON c.slug = m.club WHERE s.handle = ? ORDER BY m.since, m.rowid")


# --- order and filter -----------------------------------------------------------

@pytest.fixture
def library(conn):
    conn.executescript("""
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors (id), title TEXT,
                            year INTEGER, in_print INTEGER);
        CREATE INDEX books_author ON books (author_id);
        CREATE TABLE secrets (value TEXT);
        INSERT INTO secrets VALUES ('the secret');
        INSERT INTO authors VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
        INSERT INTO books (author_id, title, year, in_print) VALUES
            (1, 'b', 2001, 1), (1, 'A', 2003, 0), (2, 'c', 2003, 1), (1, 'a', 2003, 1), (1, NULL, NULL, 1),
            (1, 'd', 1999, 1), (3, 'e', 2000, 0);
    """)
    return conn


@pytest.mark.parametrize("options, plain_where, plain_order", [
    ('{"order_by": "year DESC, id"}', "", "b.year DESC, b.id"),
    ('{"order_by": "year DESC"}', "", "b.year DESC, b.rowid"),  # ties: the rows' own order
    ('{"order_by": "year"}', "", "b.year, b.rowid"),  # NULL first, as in SQL
    ('{"order_by": "year NULLS LAST, title COLLATE NOCASE DESC"}', "",
     "b.year NULLS LAST, b.title COLLATE NOCASE DESC, b.rowid"),
    ('{"where": "in_print = 1"}', "AND (b.in_print = 1)", "b.rowid"),
    ('{"where": "books.year > 2000 AND title LIKE \'a%\'"}', "AND (b.year > 2000 AND b.title LIKE 'a%')", "b.rowid"),
    ('{"where": "in_print", "order_by": "lower(title), year DESC"}', "AND b.in_print",
     "lower(b.title), b.year DESC, b.rowid"),
    ('{"where": "year IN (SELECT max(year) FROM books)"}', "AND b.year IN (SELECT max(year) FROM books)", "b.rowid"),
    ('{"where": "year > 2000 -- a comment at the end"}', "AND b.year > 2000", "b.rowid"),
])
def test_order_and_filter_as_the_join_with_them(library, options, plain_where, plain_order):
    relate(library, "shelf", "authors", "books", None, options)
    check_against(library, "shelf", [1, 2, 3, 4, None],
                  "SELECT b.id, b.title, b.year, b.in_print FROM authors AS s JOIN books AS b ON b.author_id = s.id "
                  f"WHERE s.id = ? {plain_where} ORDER BY {plain_order}")


def test_a_column_both_tables_have_is_the_targets(library):
    """authors and books both have id: the filter sees the target's alone
    (the source is another scope), as SQLAlchemy's order_by on the related
    class does."""
    relate(library, "shelf", "authors", "books", None, '{"where": "id > 3", "order_by": "id DESC"}')
    assert rows(library, "SELECT id FROM shelf(1)") == [(6,), (5,), (4,)]


def test_role_lead_is_a_declaration_plus_limit_1(migrated):
    """The theater's role_lead, written as the spec says: the first hired
    audition by id, over every role of the demo data and more."""
    conn = migrated
    conn.executescript("""
        INSERT INTO roles (id, character_name) VALUES (1, 'Hamlet'), (2, 'Ophelia'), (3, 'Yorick'), (4, 'Horatio');
        INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES
            (1, 'A', 'NYC', 1, 0, 1), (5, 'B', 'NYC', 1, 1, 1), (3, 'C', 'LA', 1, 1, 1),
            (2, 'D', 'LA', 1, 0, 2), (4, 'E', 'LA', 1, 1, 3), (9, 'F', 'LA', 1, 1, 3);
    """)
    relate(conn, "role_hires", "roles", "auditions", None, '{"where": "hired = 1", "order_by": "id"}')
    got = rows(conn, "SELECT r.id, (SELECT id FROM role_hires(r.id) LIMIT 1) FROM roles AS r ORDER BY r.id")
    want = rows(conn, "SELECT r.id, role_lead(r.id) FROM roles AS r ORDER BY r.id")
    assert [(r, lead if lead is not None else "no actor has been hired for this role") for r, lead in got] == want
    assert want == [(1, 3), (2, "no actor has been hired for this role"), (3, 4),
                    (4, "no actor has been hired for this role")]
    # And the understudy: the second.
    assert rows(conn, "SELECT (SELECT id FROM role_hires(1) LIMIT 1 OFFSET 1), role_understudy(1)") == [(5, 5)]


# Hostile filters and orders, refused when declared with a message that names
# the option; the same text stored by a client without the extension is
# refused when loaded (test_hostile_stored_declarations_are_refused_on_load).
HOSTILE = [
    ('{"where": "random() > 0"}',
     'option "where" may call only deterministic, innocuous functions: random() is not'),
    ('{"where": "title IN (SELECT value FROM secrets)"}',
     'option "where" may read only the columns of books: it reads secrets'),
    ('{"order_by": "(SELECT value FROM secrets)"}',
     'option "order_by" may read only the columns of books: it reads secrets'),
    ('{"where": "load_extension(\'x\') IS NULL"}',
     'option "where" may call only deterministic, innocuous functions: load_extension() is not'),
    ('{"where": "role_lead(1) IS NOT NULL"}',
     'option "where" may call only deterministic, innocuous functions: role_lead() is not'),
    ('{"where": "1) UNION SELECT value FROM secrets --"}', None),
    ('{"where": "1; DROP TABLE secrets"}', None),
    ('{"where": "year > ?1"}', None),
    ('{"where": "nope = 1"}', 'option "where": no such column: nope'),
    ('{"where": ""}', 'option "where" must not be empty'),
    ('{"order_by": "2"}', None),
    ('{"where": "EXISTS (SELECT 1 FROM json_each(\'[1]\'))"}', None),
]


@pytest.mark.parametrize("options, error", HOSTILE)
def test_hostile_filters_are_refused_when_declared(library, options, error):
    before = rows(library, "SELECT * FROM sqlite_master")
    got = error_of(library, "SELECT theater_relate('shelf', 'authors', 'books', ?)", (options,))
    assert got is not None and got.startswith("theater_relate: option \"")
    if error:
        assert got == "theater_relate: " + error
    assert "the secret" not in got
    assert rows(library, "SELECT * FROM sqlite_master") == before


@pytest.mark.parametrize("options, error", HOSTILE[:6])
def test_hostile_stored_declarations_are_refused_on_load(tmp_path, options, error):
    path = tmp_path / "hostile.db"
    conn = connect(path)
    conn.executescript("""
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors (id), title TEXT,
                            year INTEGER, in_print INTEGER);
        CREATE TABLE secrets (value TEXT);
        INSERT INTO secrets VALUES ('the secret');
        INSERT INTO authors VALUES (1, 'Ann');
        INSERT INTO books (author_id, title) VALUES (1, 'b');
    """)
    relate(conn, "shelf", "authors", "books", None, '{"where": "year IS NULL"}')
    relate(conn, "good", "authors", "books")
    conn.close()
    # A client that never loaded the extension rewrites the stored options.
    plain = sqlite3.connect(str(path), isolation_level=None)
    plain.execute("UPDATE theater_relationships SET options = ? WHERE name = 'shelf'",
                  ('{"from_column": "id", "to_column": "author_id", "direction": "one-to-many", ' + options[1:],))
    plain.close()
    conn = connect(path)
    try:
        assert rows(conn, "SELECT title FROM good(1)") == [("b",)]
        got = error_of(conn, "SELECT * FROM shelf(1)")
        assert got is not None and "the secret" not in got
        assert "shelf" in got and "option" in got
        if error:
            assert error in got
    finally:
        conn.close()


# --- trees --------------------------------------------------------------------------

ORG = """
CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, manager_id INTEGER REFERENCES employees (id));
CREATE INDEX employees_manager ON employees (manager_id);
INSERT INTO employees VALUES (1, 'ceo', NULL), (2, 'cto', 1), (3, 'cfo', 1), (4, 'dev1', 2), (5, 'dev2', 2),
                             (6, 'acct', 3), (7, 'intern', 4), (8, 'loner', NULL);
"""
DESCENDANTS_CTE = """
WITH RECURSIVE down(id, depth) AS (
    SELECT id, 1 FROM employees WHERE manager_id = ?1
    UNION ALL
    SELECT e.id, down.depth + 1 FROM employees AS e JOIN down ON e.manager_id = down.id)
SELECT e.id, e.name, down.depth FROM down JOIN employees AS e USING (id)"""
ANCESTORS_CTE = """
WITH RECURSIVE up(id, depth) AS (
    SELECT manager_id, 1 FROM employees WHERE id = ?1
    UNION ALL
    SELECT e.manager_id, up.depth + 1 FROM employees AS e JOIN up USING (id))
SELECT e.id, e.name, e.manager_id, up.depth FROM up JOIN employees AS e USING (id)"""


@pytest.fixture
def org(conn):
    conn.executescript(ORG)
    relate(conn, "reports", "employees", "employees", None, '{"direction": "one-to-many", "recursive": true}')
    relate(conn, "managers", "employees", "employees", None, '{"direction": "many-to-one", "recursive": true}')
    return conn


def test_a_tree_of_descendants_is_the_recursive_ctes_rows_in_breadth_first_order(org):
    for key in list(range(1, 10)) + [None]:
        got = rows(org, "SELECT * FROM reports(?)", (key,))
        assert sorted(got) == sorted(rows(org, DESCENDANTS_CTE, (key,))), key
        # Breadth-first: by depth; siblings in the relationship's own order.
        assert [r[2] for r in got] == sorted(r[2] for r in got)
    assert rows(org, "SELECT id, depth FROM reports(1)") == [(2, 1), (3, 1), (4, 2), (5, 2), (6, 2), (7, 3)]


def test_a_tree_of_ancestors(org):
    for key in list(range(1, 10)) + [None]:
        assert rows(org, "SELECT * FROM managers(?)", (key,)) == rows(org, ANCESTORS_CTE + " ORDER BY up.depth", (key,))
    assert rows(org, "SELECT name, depth FROM managers(7)") == [("dev1", 1), ("cto", 2), ("ceo", 3)]


def test_a_tree_without_the_argument_walks_from_every_key(org):
    got = rows(org, "SELECT manager_id, id, depth FROM reports")
    want = [(k, i, d) for (k,) in rows(org, "SELECT id FROM employees ORDER BY id")
            for (i, _, d) in rows(org, "SELECT * FROM reports(?)", (k,))]
    assert got == want
    assert rows(org, "SELECT e.name, count(r.id) FROM employees AS e JOIN reports(e.id) AS r GROUP BY e.id") == [
        ("ceo", 6), ("cto", 3), ("cfo", 1), ("dev1", 1)]


def test_a_cycle_returns_each_row_once(org):
    org.execute("UPDATE employees SET manager_id = 7 WHERE id = 1")  # the intern manages the ceo
    got = rows(org, "SELECT id, depth FROM reports(1)")
    assert got == [(2, 1), (3, 1), (4, 2), (5, 2), (6, 2), (7, 3), (1, 4)]
    assert rows(org, "SELECT id, depth FROM managers(4)") == [(2, 1), (1, 2), (7, 3), (4, 4)]
    org.execute("UPDATE employees SET manager_id = id WHERE id = 8")  # its own manager
    assert rows(org, "SELECT id, depth FROM reports(8)") == [(8, 1)]
    assert rows(org, "SELECT id, depth FROM managers(8)") == [(8, 1)]


def test_max_depth_limits_the_walk(org):
    relate(org, "near_reports", "employees", "employees", None,
           '{"direction": "one-to-many", "recursive": true, "max_depth": 2}')
    assert rows(org, "SELECT id, depth FROM near_reports(1)") == [(2, 1), (3, 1), (4, 2), (5, 2), (6, 2)]
    assert rows(org, "SELECT * FROM near_reports(1)") == rows(org, "SELECT * FROM reports(1) WHERE depth <= 2")


def test_a_tree_with_a_filter_and_an_order(org):
    relate(org, "dev_reports", "employees", "employees", None,
           '{"direction": "one-to-many", "recursive": true, "where": "name <> \'cfo\'", "order_by": "name DESC"}')
    # cfo is left out, and with it the walk below it; siblings by name DESC.
    assert rows(org, "SELECT name, depth FROM dev_reports(1)") == [
        ("cto", 1), ("dev2", 2), ("dev1", 2), ("intern", 3)]


@pytest.mark.parametrize("args, error", [
    (("t", "employees", "employees", None, '{"recursive": true}'),
     "2 foreign keys could join employees and employees"),
    (("t", "employees", "employees", None, '{"direction": "one-to-many", "recursive": true, "view": "v"}'),
     'option "view" cannot publish a tree: a plain view has no walk that returns each row once; query the function'),
])
def test_tree_refusals(org, args, error):
    assert error in error_of(org, "SELECT theater_relate(?, ?, ?, ?, ?)", args)


def test_recursive_needs_a_self_reference(library):
    assert error_of(library, "SELECT theater_relate('t', 'authors', 'books', '{\"recursive\": true}')") == (
        'theater_relate: option "recursive" needs a self-referencing relationship: from_table and to_table must be '
        "the same table (not a view, not a column)")


def test_a_tree_refuses_a_table_with_a_depth_column(conn):
    conn.execute("CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES nodes (id), depth INTEGER)")
    assert error_of(conn, "SELECT theater_relate('t', 'nodes', 'nodes', "
                          "'{\"direction\": \"one-to-many\", \"recursive\": true}')") == (
        "theater_relate: a tree adds a column named depth, and nodes has one")


# --- all of it at once (the "Done when") -----------------------------------

def test_a_schema_with_uuid_keys_a_composite_key_a_view_and_a_tree(tmp_path):
    """Declared once, then navigated from a new connection with no workaround."""
    path = tmp_path / "app.db"
    conn = connect(path)
    conn.executescript(f"""
        CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT, parent_id TEXT REFERENCES orgs (id));
        CREATE TABLE members (org_id TEXT REFERENCES orgs (id), user_id TEXT, role TEXT,
                              PRIMARY KEY (org_id, user_id)) WITHOUT ROWID;
        CREATE TABLE grants (id INTEGER PRIMARY KEY, org_id TEXT, user_id TEXT, scope TEXT,
                             FOREIGN KEY (org_id, user_id) REFERENCES members (org_id, user_id));
        CREATE VIEW admins AS SELECT org_id, user_id FROM members WHERE role = 'admin';
        INSERT INTO orgs VALUES ('{UUIDS[0]}', 'root', NULL), ('{UUIDS[1]}', 'eng', '{UUIDS[0]}'),
                                ('{UUIDS[2]}', 'db', '{UUIDS[1]}');
        INSERT INTO members VALUES ('{UUIDS[1]}', 'u1', 'admin'), ('{UUIDS[1]}', 'u2', 'dev'),
                                   ('{UUIDS[2]}', 'u2', 'admin');
        INSERT INTO grants (org_id, user_id, scope) VALUES ('{UUIDS[1]}', 'u2', 'read'), ('{UUIDS[1]}', 'u2', 'write'),
                                                          ('{UUIDS[2]}', 'u2', 'all');
    """)
    relate(conn, "org_members", "orgs", "members")
    relate(conn, "member_grants", "members", "grants")
    relate(conn, "org_admins", "orgs", "admins", None, '{"to_column": "org_id"}')
    relate(conn, "sub_orgs", "orgs", "orgs", None, '{"direction": "one-to-many", "recursive": true}')
    conn.close()
    conn = connect(path)
    try:
        assert rows(conn, "SELECT user_id, role FROM org_members(?)", (UUIDS[1],)) == [("u1", "admin"), ("u2", "dev")]
        assert rows(conn, "SELECT scope FROM member_grants(?, 'u2')", (UUIDS[1],)) == [("read",), ("write",)]
        assert rows(conn, "SELECT user_id FROM org_admins(?)", (UUIDS[2],)) == [("u2",)]
        assert rows(conn, "SELECT name, depth FROM sub_orgs(?)", (UUIDS[0],)) == [("eng", 1), ("db", 2)]
        # Every grant under the root org, through the tree, the members and the grants.
        assert rows(conn, "SELECT o.name, g.scope FROM sub_orgs(?) AS o, org_members(o.id) AS m, "
                          "member_grants(m.org_id, m.user_id) AS g", (UUIDS[0],)) == [
            ("eng", "read"), ("eng", "write"), ("db", "all")]
    finally:
        conn.close()


# --- the bad-input matrix, for general relationships ---------------------------------

def bad_values():
    from test_bad_input import VALUES
    return VALUES


@pytest.mark.parametrize("value", bad_values(), ids=lambda v: v.name)
def test_any_argument_gives_the_joins_rows_and_writes_nothing(text_keys, value):
    """A general relationship compares its argument as the join does: a value
    of any type or size is an answer (often no rows), never an error, a crash
    or a write; the integer path's "must be an integer" is for integer keys
    only."""
    conn = text_keys
    relate(conn, "user_posts", "users", "posts", None, '{"order_by": "year DESC", "where": "year > 2001"}')
    relate(conn, "post_chain", "posts", "posts", None, '{"from_column": "id", "to_column": "title", '
                                                        '"direction": "many-to-one", "recursive": true}')
    before = rows(conn, "SELECT * FROM sqlite_master") + rows(conn, "SELECT * FROM posts")
    assert rows(conn, f"SELECT * FROM user_posts({value.sql})") == rows(
        conn, "SELECT p.id, p.title, p.year FROM users AS s JOIN posts AS p ON p.author_id = s.id "
              f"WHERE s.id = {value.sql} AND p.year > 2001 ORDER BY p.year DESC, p.rowid")
    assert rows(conn, f"SELECT count(*) FROM post_chain({value.sql})") == rows(
        conn, f"SELECT count(*) FROM posts AS s JOIN posts AS t ON t.title = s.id WHERE s.id = {value.sql}")
    assert rows(conn, f"SELECT * FROM user_posts WHERE author_id = {value.sql}") == rows(
        conn, f"SELECT * FROM user_posts({value.sql})")
    assert rows(conn, "SELECT * FROM sqlite_master") + rows(conn, "SELECT * FROM posts") == before


@pytest.mark.parametrize("key_type, parent_type", [
    ("INT", "INTEGER"), ("TEXT", "TEXT"), ("TEXT", "INTEGER"), ("INT", "TEXT"), ("NUMERIC", "BLOB"),
    ("BLOB", "REAL"), ("REAL", "NUMERIC"),
])
def test_a_tree_over_keys_of_mixed_affinities_is_the_ctes_rows(conn, key_type, parent_type):
    """Below the first level a tree seeks the children by their parent's
    values alone where the two columns compare alike, else through the key
    (engine/join_path.cpp); both give the recursive CTE's rows, each at its
    smallest depth, whatever the affinities make equal."""
    conn.execute(f"CREATE TABLE n (id {key_type} PRIMARY KEY, parent {parent_type} REFERENCES n (id), label TEXT)")
    conn.execute("CREATE INDEX n_parent ON n (parent)")
    values = [1, "1", "1.0", 2, "2", 2.0, "x", b"1", 3, "3 "]
    rows_in = [(v, values[(i * 7 + 3) % len(values)] if i % 4 else None, f"r{i}") for i, v in enumerate(values)]
    conn.executemany("INSERT OR IGNORE INTO n VALUES (?, ?, ?)", rows_in)
    relate(conn, "below", "n", "n", None, '{"direction": "one-to-many", "recursive": true}')
    relate(conn, "above", "n", "n", None, '{"direction": "many-to-one", "recursive": true}')
    keys = [r[0] for r in rows(conn, "SELECT id FROM n")] + [None, 99]
    down = ("WITH RECURSIVE w(id, depth) AS (SELECT c.id, 1 FROM n AS s JOIN n AS c ON c.parent = s.id WHERE s.id = ?1 "
            "UNION SELECT c.id, w.depth + 1 FROM w JOIN n AS s ON s.id = w.id JOIN n AS c ON c.parent = s.id "
            "WHERE w.depth < 12) SELECT id, min(depth) FROM w GROUP BY id")
    up = ("WITH RECURSIVE w(id, depth) AS (SELECT p.id, 1 FROM n AS s JOIN n AS p ON p.id = s.parent WHERE s.id = ?1 "
          "UNION SELECT p.id, w.depth + 1 FROM w JOIN n AS s ON s.id = w.id JOIN n AS p ON p.id = s.parent "
          "WHERE w.depth < 12) SELECT id, min(depth) FROM w GROUP BY id")
    for key in keys:
        for function, cte in [("below", down), ("above", up)]:
            got = rows(conn, f"SELECT id, depth FROM {function}(?)", (key,))
            assert len(got) == len({(type(i).__name__, i) for i, _ in got}), (function, key, got)
            assert sorted(got, key=repr) == sorted(rows(conn, cte, (key,)), key=repr), (function, key)


# --- found by review (each a regression test) ---------------------------------------

def test_a_hex_literal_cannot_hide_the_end_of_the_filter(library):
    """SQLite ends 0xe at its last hex digit, so "0xe--'" is a number and a
    comment: the checker must not read a quote there, or the text after the
    newline escapes the filter's parentheses (a GROUP BY injected)."""
    escape = "14=0xe--'\n) GROUP BY author_id HAVING (14=0xe--'"
    got = error_of(library, "SELECT theater_relate('shelf', 'authors', 'books', json_object('where', ?))", (escape,))
    assert got is not None and got.startswith('theater_relate: option "where"'), got


def test_a_double_quoted_name_is_a_name_in_a_filter(library):
    """Where SQLite would take an unknown double-quoted name for a string, the
    real query could read a column of its own: refused."""
    got = error_of(library, "SELECT theater_relate('shelf', 'authors', 'books', ?)",
                   ('{"where": "\\"theater c1\\" = \'theater c1\'"}',))
    # SQLite 3.41 and later add a hint to the message.
    assert got.startswith('theater_relate: option "where": no such column: ') and "theater c1" in got, got


def test_order_by_a_key_with_a_collation_is_sorted_by_sqlite(conn):
    """The hidden column cannot carry the key's NOCASE (SQLite 3.40 loses a
    HIDDEN column's COLLATE): ORDER BY the argument is SQLite's sort, not the
    scan's key order."""
    conn.executescript("""
        CREATE TABLE members (id TEXT PRIMARY KEY COLLATE NOCASE, name TEXT);
        CREATE TABLE notes (id INTEGER PRIMARY KEY, member_id TEXT REFERENCES members (id), body TEXT);
        INSERT INTO members VALUES ('a', 'Ann'), ('B', 'Bob'), ('c', 'Cy');
        INSERT INTO notes VALUES (1, 'a', 'x'), (2, 'B', 'y'), (3, 'c', 'z');
    """)
    relate(conn, "member_notes", "members", "notes")
    assert rows(conn, "SELECT member_id FROM member_notes ORDER BY member_id") == [("B",), ("a",), ("c",)]
    assert rows(conn, "SELECT body FROM member_notes('A')") == [("x",)]  # the key's NOCASE, as the join


def test_a_tree_reports_its_argument_as_the_key_holds_it(org):
    assert rows(org, "SELECT DISTINCT typeof(manager_id), manager_id FROM reports('1')") == [("integer", 1)]
    assert rows(org, "SELECT DISTINCT typeof(manager_id), manager_id FROM reports(1.0)") == [("integer", 1)]


def test_a_link_tables_unrelated_composite_key_keeps_the_integer_path(conn):
    conn.executescript("""
        CREATE TABLE shelves (room INTEGER, slot INTEGER, PRIMARY KEY (room, slot));
        CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT);
        CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE book_tags (book_id INTEGER REFERENCES books (id), tag_id INTEGER REFERENCES tags (id),
                                room INTEGER, slot INTEGER, FOREIGN KEY (room, slot) REFERENCES shelves (room, slot));
        INSERT INTO books VALUES (1, 'b'); INSERT INTO tags VALUES (1, 't'); INSERT INTO book_tags VALUES (1, 1, 0, 0);
    """)
    relate(conn, "book_tag_list", "books", "tags", "book_tags")
    assert scalar(conn, "SELECT options FROM theater_relationships") == '{"from_column": "book_id", "to_column": "tag_id"}'
    assert error_of(conn, "SELECT * FROM book_tag_list('abc')") == "book_tag_list: book_id must be an integer"


def test_a_one_element_array_names_a_link_column_as_a_string_would(conn):
    conn.executescript("""
        CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT);
        CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE book_tags (book_id INTEGER REFERENCES books (id), tag_id INTEGER REFERENCES tags (id));
    """)
    got = error_of(conn, "SELECT theater_relate('x', 'books', 'tags', 'book_tags', '{\"from_column\": [\"nope\"]}')")
    assert got is not None and "nope" in got, got
