"""A declared one-to-many or many-to-many asked for keys in ascending order
checks that each key names a row of from_table, as the plain join does
(RelationshipSpec::parent). Once a statement has asked about enough keys,
and where from_table's key is its rowid, the extension reads the keys' least
and greatest and their count: when the count fills the span, a key names a
row exactly when it lies in it, and the walk of from_table stops
(parent_fills_span in ext/engine/relationship_module.cpp).

The oracle is the plain join over the same keys, for parents that fill
their span and parents that leave gaps, children that name no parent below,
inside and above the span, and spans at the ends of the 64-bit range; then
writes between calls of one statement, a write transaction, and an
authorizer that denies the count."""
import sqlite3

import pytest

from conftest import connect

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

SCHEMA = """
CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents(id), note TEXT);
CREATE INDEX children_parent ON children(parent_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE parent_tags (parent_id INTEGER REFERENCES parents(id), tag_id INTEGER REFERENCES tags(id));
CREATE INDEX parent_tags_parent ON parent_tags(parent_id);
CREATE TABLE keys (id INTEGER);
"""

# (function's query, plain join), both ordered by the key's place, then the row's.
RELATIONSHIPS = {
    "one-to-many": ("SELECT k.rowid, t.id, t.note FROM keys k CROSS JOIN kids(k.id) AS t",
                    "SELECT k.rowid, c.id, c.note FROM keys k JOIN parents p ON p.id = k.id"
                    " JOIN children c ON c.parent_id = p.id ORDER BY k.rowid, c.id"),
    "many-to-many": ("SELECT k.rowid, t.id, t.name FROM keys k CROSS JOIN parent_tag_list(k.id) AS t",
                     "SELECT k.rowid, t.id, t.name FROM keys k JOIN parents p ON p.id = k.id"
                     " JOIN parent_tags l ON l.parent_id = p.id JOIN tags t ON t.id = l.tag_id"
                     " ORDER BY k.rowid, l.rowid"),
}

# Parents, orphans' parent ids (children that name no parent), keys asked.
DENSE = range(1, 401)
LAYOUTS = {
    # Keys below the first parent, more than 64 of them: the span is known
    # when the first parent is asked.
    "parents fill the span": (DENSE, [0, -1, 401, 402, 10**9, INT64_MAX, INT64_MIN], range(-100, 406)),
    "a gap with orphans in it": ([p for p in DENSE if p not in (150, 151, 300)], [150, 151, 300, 0, 401],
                                 range(-3, 406)),
    "negative ids": (range(-200, 200), [-201, 200, 10**6], range(-300, 205)),
    "one parent": ([7], [6, 8, 0, 1000], range(0, 120)),
    "at the top of the range": (range(INT64_MAX - 299, INT64_MAX + 1), [INT64_MAX - 300, 0],
                                [0] + list(range(INT64_MAX - 302, INT64_MAX + 1))),
    "at the bottom of the range": (range(INT64_MIN, INT64_MIN + 300), [INT64_MIN + 300, 0],
                                   list(range(INT64_MIN, INT64_MIN + 303)) + [0]),
    "the whole range, two parents": ([INT64_MIN, INT64_MAX], [0, 1, -1], [INT64_MIN] + list(range(-100, 100)) + [INT64_MAX]),
    "keys that skip": ([p for p in range(1, 4001) if p % 1000], [1000, 2000, 4001], range(0, 4010, 7)),
}


def make(conn, parents, orphans, keys):
    conn.executescript(SCHEMA)
    parents = list(parents)
    conn.executemany("INSERT INTO parents VALUES (?, ?)", [(p, f"parent {p}") for p in parents])
    conn.executemany("INSERT INTO tags VALUES (?, ?)", [(t, f"tag {t}") for t in range(1, 6)])
    children, links = [], []
    for i, p in enumerate(parents + list(orphans)):
        for j in range((i + 1) % 3):  # a third of the parents have no child
            children.append((p, f"child {j} of {p}"))
            links.append((p, (i + j) % 5 + 1))
    conn.executemany("INSERT INTO children (parent_id, note) VALUES (?, ?)", children)
    conn.executemany("INSERT INTO parent_tags VALUES (?, ?)", links)
    conn.executemany("INSERT INTO keys VALUES (?)", [(k,) for k in keys])
    conn.execute("SELECT theater_relate('kids', 'parents', 'children')")
    conn.execute("SELECT theater_relate('parent_tag_list', 'parents', 'tags', 'parent_tags')")


@pytest.fixture
def conn():
    c = connect()
    yield c
    c.close()


def assert_same(conn, relationship):
    function, plain = RELATIONSHIPS[relationship]
    expected = conn.execute(plain).fetchall()
    assert expected, "the case returns rows"
    assert conn.execute(function).fetchall() == expected


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_keys_in_order_return_the_plain_join(conn, layout, relationship):
    make(conn, *LAYOUTS[layout])
    assert_same(conn, relationship)


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_same_inside_a_write_transaction(conn, layout, relationship):
    make(conn, *LAYOUTS[layout])
    conn.execute("BEGIN")
    conn.execute("INSERT INTO tags VALUES (99, 'written')")  # the transaction writes
    assert_same(conn, relationship)
    conn.execute("ROLLBACK")


def prepared_functions(conn, sql):
    """The SQL functions named by the statements SQLite prepared while `sql` ran."""
    seen = []

    def record(action, arg1, arg2, db, source):
        if action == sqlite3.SQLITE_FUNCTION:
            seen.append(arg2)
        return sqlite3.SQLITE_OK

    conn.set_authorizer(record)
    try:
        conn.execute(sql).fetchall()
    finally:
        conn.set_authorizer(None)
    return seen


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
def test_parents_that_fill_their_span_are_counted_once(conn, relationship):
    make(conn, *LAYOUTS["parents fill the span"])
    functions = prepared_functions(conn, RELATIONSHIPS[relationship][0])
    assert functions.count("count") == 1
    assert functions.count("min") == 1 and functions.count("max") == 1


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
def test_a_statement_about_a_few_keys_reads_neither_bounds_nor_count(conn, relationship):
    make(conn, DENSE, [], range(1, 60))
    assert "count" not in prepared_functions(conn, RELATIONSHIPS[relationship][0])
    assert_same(conn, relationship)


def test_parents_spread_wide_are_not_counted(conn):
    # Keys 1 to 400 of parents whose span is 4 million: a sixteenth of the
    # span is never reached, so the count is not worth its pass.
    make(conn, list(DENSE) + [4_000_000], [0], range(0, 401))
    assert "count" not in prepared_functions(conn, RELATIONSHIPS["one-to-many"][0])
    assert_same(conn, "one-to-many")


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
def test_an_authorizer_that_denies_the_count_leaves_the_walk_answering(conn, relationship):
    make(conn, *LAYOUTS["a gap with orphans in it"])
    function, plain = RELATIONSHIPS[relationship]
    expected = conn.execute(plain).fetchall()

    def deny_count(action, arg1, arg2, db, source):
        if action == sqlite3.SQLITE_FUNCTION and arg2 in ("count", "min"):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.set_authorizer(deny_count)
    assert conn.execute(function).fetchall() == expected


@pytest.mark.parametrize("relationship", list(RELATIONSHIPS))
@pytest.mark.parametrize("write", [
    "DELETE FROM parents WHERE id = 301",
    "UPDATE parents SET id = 10000 WHERE id = 301",
    "INSERT INTO parents VALUES (401, 'new')",
    "DELETE FROM parents",
])
def test_a_write_between_calls_of_one_statement_is_seen_by_the_next_key(conn, relationship, write):
    # The span is known (more than 64 keys asked) when the key 100 runs the
    # write, on the same connection, in the middle of the statement; keys
    # after it see the parents as they are now, also once the span is read
    # again (64 keys later: 301 and 401 come after that).
    make(conn, DENSE, [401, 10000], range(1, 402))
    conn.execute("INSERT INTO children (parent_id, note) VALUES (401, 'waits for 401'), (10000, 'far')")
    conn.execute("INSERT INTO parent_tags VALUES (401, 1)")
    function, _ = RELATIONSHIPS[relationship]

    def write_at(key):
        if key == 100:
            conn.execute(write)
        return key

    conn.create_function("write_at", 1, write_at)
    got = conn.execute(function.replace("(k.id)", "(write_at(k.id))")).fetchall()
    keys_with_rows = {row[0] for row in got}
    # The plain join over the parents as they are after the write, for the
    # keys after 100; the ones before it were answered before the write.
    after = {row[0] for row in conn.execute(RELATIONSHIPS[relationship][1]).fetchall()}
    assert {k for k in keys_with_rows if k > 100} == {k for k in after if k > 100}
    if write == "DELETE FROM parents":
        assert not {k for k in keys_with_rows if k > 100}
        return
    assert (301 in keys_with_rows) == (write.startswith("INSERT"))
    assert (401 in keys_with_rows) == (write.startswith("INSERT"))


@pytest.mark.parametrize("key", ["id INT PRIMARY KEY", "id INTEGER PRIMARY KEY DESC"])
def test_a_key_that_is_not_the_rowid_is_never_counted(conn, key):
    # Such a key may hold 199.5 where 200 is missing: 400 keys between 1 and
    # 400 then leave a gap, which only the walk sees.
    make(conn, DENSE, [200], range(-100, 406))
    conn.executescript(f"""
        CREATE TABLE other (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        INSERT INTO other SELECT * FROM parents;
        DROP TABLE parents;
        CREATE TABLE parents ({key}, name TEXT NOT NULL);
        INSERT INTO parents SELECT * FROM other;
        UPDATE parents SET id = 199.5 WHERE id = 200;
        SELECT theater_refresh();
    """)
    function = RELATIONSHIPS["one-to-many"][0]
    assert "count" not in prepared_functions(conn, function)
    assert_same(conn, "one-to-many")
    assert 200 not in {row[0] + -101 for row in conn.execute(function)}


@pytest.mark.parametrize("write", ["DELETE FROM parents WHERE id = 301", "INSERT INTO parents VALUES (401, 'new')"])
def test_another_connection_writing_under_read_uncommitted_is_seen_as_the_plain_join_sees_it(tmp_path, write):
    # Shared cache with read_uncommitted: the other connection's write lands
    # between two rows of the statement, and moves nothing this connection
    # can see; the span is not used, the walk sees the write, as the join.
    uri = f"file:{tmp_path.name}?mode=memory&cache=shared"
    conn = connect(uri, uri=True)
    other = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA read_uncommitted = 1")
        make(conn, DENSE, [401], range(1, 402))

        def keys_with_rows(sql):
            other.execute("DELETE FROM parents WHERE id = 401")
            other.execute("INSERT OR IGNORE INTO parents VALUES (301, 'parent 301')")
            seen = set()
            for row in conn.execute(sql):
                if row[0] >= 100 and not seen.intersection(range(100, 402)):
                    other.execute(write)
                seen.add(row[0])
            return seen

        for relationship, (function, plain) in RELATIONSHIPS.items():
            got, expected = keys_with_rows(function), keys_with_rows(plain)
            assert (301 in expected, 401 in expected) == ("INSERT" in write, "INSERT" in write)
            assert got == expected, relationship
    finally:
        other.close()
        conn.close()
