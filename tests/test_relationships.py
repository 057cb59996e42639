"""role_auditions, role_actors, role_locations, audition_role: the
relationship table-valued functions of shared/spec/sql-api.md section 5."""
import random
from collections import Counter

import pytest

from conftest import connect, scalar
from theater_data import (
    AUDITIONS,
    ROLES,
    bare_connection,
    counters_of_new_statements,
    error_of,
    extension_statements,
    insert_auditions,
    insert_roles,
    load_cast,
    load_random_cast,
    plan_details,
    rows,
)

# name -> (hidden argument column, visible columns)
TVFS = {
    "role_auditions": ("role_id", ["id", "actor", "location", "phone", "hired"]),
    "role_actors": ("role_id", ["actor"]),
    "role_locations": ("role_id", ["location"]),
    "audition_role": ("audition_id", ["id", "character_name"]),
}
ROLE_TVFS = ["role_auditions", "role_actors", "role_locations"]
AUDITION_FIELDS = ["id", "actor", "location", "phone", "hired", "role_id"]
ROLE_NAMES = dict(ROLES)


def expected_rows(tvf, key):
    """The reference answer from the cast's Python data: (key, *columns) rows
    in the order the spec gives (hidden id, then audition id)."""
    _, columns = TVFS[tvf]
    out = []
    for audition in sorted(AUDITIONS):
        record = dict(zip(AUDITION_FIELDS, audition))
        if tvf == "audition_role":
            if key is None or record["id"] == key:
                role = record["role_id"]
                out.append((record["id"], role, ROLE_NAMES[role]))
        elif key is None or record["role_id"] == key:
            out.append((record["role_id"], *(record[c] for c in columns)))
    return sorted(out, key=lambda r: r[0]) if key is None else out  # stable: audition id within a key


def select_list(tvf):
    return ", ".join(TVFS[tvf][1])


CASES_WITH_ARGUMENT = [(tvf, role_id) for tvf in ROLE_TVFS for role_id, _ in ROLES] + [
    ("audition_role", a[0]) for a in AUDITIONS
]


@pytest.fixture
def cast(migrated):
    return load_cast(migrated)


def same_rows(got, expected):
    """Equal as multisets (for joins, whose row order the spec leaves open)."""
    return Counter(got) == Counter(expected)


# --- with the argument -------------------------------------------------------

@pytest.mark.parametrize("tvf, key", CASES_WITH_ARGUMENT)
def test_rows_with_argument_in_audition_id_order(cast, tvf, key):
    got = rows(cast, f"SELECT {select_list(tvf)} FROM {tvf}(?)", (key,))
    assert got == [r[1:] for r in expected_rows(tvf, key)]


@pytest.mark.parametrize("tvf, key", CASES_WITH_ARGUMENT)
def test_argument_given_in_where_is_the_same(cast, tvf, key):
    argument = TVFS[tvf][0]
    got = rows(cast, f"SELECT {select_list(tvf)} FROM {tvf} WHERE {argument} = ?", (key,))
    assert got == rows(cast, f"SELECT {select_list(tvf)} FROM {tvf}(?)", (key,))


def test_role_actors_keeps_duplicate_names(cast):
    assert rows(cast, "SELECT actor FROM role_actors(1)") == [("Bob",), ("Carol",), ("Alice",), ("Alice",)]


def test_role_locations_keeps_one_row_per_audition(cast):
    assert scalar(cast, "SELECT count(*) FROM role_locations(1)") == 4


@pytest.mark.parametrize("audition_id", [a[0] for a in AUDITIONS])
def test_audition_role_has_exactly_one_row_for_an_audition(cast, audition_id):
    assert scalar(cast, "SELECT count(*) FROM audition_role(?)", (audition_id,)) == 1


@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_hidden_column_with_argument_is_that_integer(cast, tvf):
    argument = TVFS[tvf][0]
    got = rows(cast, f"SELECT {argument}, typeof({argument}) FROM {tvf}(' 1 ')")
    assert got and set(got) == {(1, "integer")}


@pytest.mark.parametrize("tvf", sorted(TVFS))
@pytest.mark.parametrize("key", [42, 0, -1, None])
def test_unknown_or_null_argument_gives_no_rows(cast, tvf, key):
    assert rows(cast, f"SELECT * FROM {tvf}(?)", (key,)) == []


@pytest.mark.parametrize("tvf", sorted(TVFS))
@pytest.mark.parametrize("expr", ["1.0", "'1'", "' 1 '", "'1e0'"])
def test_integer_like_argument_is_that_integer(cast, tvf, expr):
    expected = rows(cast, f"SELECT * FROM {tvf}(1)")
    assert expected and rows(cast, f"SELECT * FROM {tvf}({expr})") == expected


@pytest.mark.parametrize("tvf", sorted(TVFS))
@pytest.mark.parametrize("expr", ["1.5", "1e308", "'12abc'", "''", "x'01'"])
def test_non_integer_argument_is_an_error(cast, tvf, expr):
    argument = TVFS[tvf][0]
    assert error_of(cast, f"SELECT * FROM {tvf}({expr})") == f"{tvf}: {argument} must be an integer"


@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_non_integer_argument_in_where_is_an_error(cast, tvf):
    argument = TVFS[tvf][0]
    assert error_of(cast, f"SELECT * FROM {tvf} WHERE {argument} = 'abc'") == f"{tvf}: {argument} must be an integer"


# --- without the argument ----------------------------------------------------

@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_without_argument_every_row_ordered_by_hidden_id_then_audition_id(cast, tvf):
    argument = TVFS[tvf][0]
    got = rows(cast, f"SELECT {argument}, {select_list(tvf)} FROM {tvf}")
    assert got == expected_rows(tvf, None)


@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_star_leaves_the_hidden_column_out(cast, tvf):
    cursor = cast.execute(f"SELECT * FROM {tvf}")
    assert [d[0] for d in cursor.description] == TVFS[tvf][1]


@pytest.mark.parametrize(
    "tvf, declared",
    [
        ("role_auditions", [("id", "INTEGER", 0), ("actor", "TEXT", 0), ("location", "TEXT", 0),
                            ("phone", "INTEGER", 0), ("hired", "INTEGER", 0), ("role_id", "INTEGER", 1)]),
        ("role_actors", [("actor", "TEXT", 0), ("role_id", "INTEGER", 1)]),
        ("role_locations", [("location", "TEXT", 0), ("role_id", "INTEGER", 1)]),
        ("audition_role", [("id", "INTEGER", 0), ("character_name", "TEXT", 0), ("audition_id", "INTEGER", 1)]),
    ],
)
def test_columns_and_declared_types(conn, tvf, declared):
    got = [(r[1], r[2], r[6]) for r in conn.execute(f"PRAGMA table_xinfo({tvf})")]
    assert got == declared


@pytest.mark.parametrize(
    "sql, key",
    [
        ("SELECT role_id, id FROM role_auditions ORDER BY id", lambda r: r[1]),
        ("SELECT role_id, id FROM role_auditions ORDER BY role_id DESC, id DESC", lambda r: (-r[0], -r[1])),
        ("SELECT role_id, id FROM role_auditions ORDER BY role_id, id DESC", lambda r: (r[0], -r[1])),
        ("SELECT role_id, id FROM role_auditions(1) ORDER BY id DESC", lambda r: -r[1]),
        ("SELECT audition_id, id FROM audition_role ORDER BY id, audition_id DESC", lambda r: (r[1], -r[0])),
    ],
)
def test_order_by_other_than_the_natural_order_is_honoured(cast, sql, key):
    got = rows(cast, sql)
    assert got == sorted(got, key=key) and len(got) > 1


def test_distinct_over_the_hidden_column(cast):
    assert rows(cast, "SELECT DISTINCT role_id FROM role_actors") == [(1,), (2,), (4,)]


def test_group_by_the_hidden_column(cast):
    assert rows(cast, "SELECT role_id, count(*) FROM role_locations GROUP BY role_id") == [(1, 4), (2, 2), (4, 1)]


# --- joins ---------------------------------------------------------------------

SAME_AS_ACTORS_JOIN = "SELECT r.character_name, a.actor FROM roles r JOIN auditions a ON a.role_id = r.id"
JOINS = [
    ("SELECT r.character_name, a.actor FROM roles r, role_actors(r.id) a", SAME_AS_ACTORS_JOIN),
    ("SELECT r.character_name, a.actor FROM roles r JOIN role_actors a ON a.role_id = r.id", SAME_AS_ACTORS_JOIN),
    ("SELECT r.character_name, a.actor FROM roles r, role_actors a WHERE a.role_id = r.id", SAME_AS_ACTORS_JOIN),
    ("SELECT r.character_name, a.actor FROM role_actors a, roles r WHERE a.role_id = r.id", SAME_AS_ACTORS_JOIN),
    (
        "SELECT r.character_name, a.id, a.actor, a.location, a.phone, a.hired FROM roles r JOIN role_auditions(r.id) a",
        "SELECT r.character_name, a.id, a.actor, a.location, a.phone, a.hired FROM roles r "
        "JOIN auditions a ON a.role_id = r.id",
    ),
    (
        "SELECT r.character_name, l.location FROM roles r LEFT JOIN role_locations(r.id) l",
        "SELECT r.character_name, a.location FROM roles r LEFT JOIN auditions a ON a.role_id = r.id",
    ),
    (
        "SELECT r.character_name, l.location FROM roles r LEFT JOIN role_locations l ON l.role_id = r.id",
        "SELECT r.character_name, a.location FROM roles r LEFT JOIN auditions a ON a.role_id = r.id",
    ),
    (
        "SELECT a.id, x.id, x.character_name FROM auditions a, audition_role(a.id) x",
        "SELECT a.id, r.id, r.character_name FROM auditions a JOIN roles r ON r.id = a.role_id",
    ),
    (
        "SELECT r.id, (SELECT count(*) FROM role_actors(r.id)) FROM roles r",
        "SELECT r.id, (SELECT count(*) FROM auditions a WHERE a.role_id = r.id) FROM roles r",
    ),
    (
        "SELECT role_id, actor FROM role_actors WHERE role_id IN (4, 2, 1)",
        "SELECT role_id, actor FROM auditions WHERE role_id IN (4, 2, 1)",
    ),
    (
        "SELECT role_id, actor FROM role_actors WHERE role_id IN (SELECT id FROM roles WHERE id <> 2)",
        "SELECT role_id, actor FROM auditions WHERE role_id <> 2",
    ),
    (
        "SELECT audition_id, character_name FROM audition_role WHERE audition_id IN (9, 1, 3, 42)",
        "SELECT a.id, r.character_name FROM auditions a JOIN roles r ON r.id = a.role_id WHERE a.id IN (9, 1, 3)",
    ),
    (
        "SELECT x.actor, y.actor FROM role_actors(1) x, role_actors(1) y",
        "SELECT x.actor, y.actor FROM auditions x, auditions y WHERE x.role_id = 1 AND y.role_id = 1",
    ),
    (
        "SELECT x.actor FROM role_actors(1) x JOIN role_actors(2) y USING (actor)",
        "SELECT x.actor FROM auditions x JOIN auditions y USING (actor) WHERE x.role_id = 1 AND y.role_id = 2",
    ),
    (
        "SELECT x.actor, x.role_id, y.role_id FROM role_actors x JOIN role_actors y "
        "ON x.actor = y.actor AND x.role_id < y.role_id",
        "SELECT x.actor, x.role_id, y.role_id FROM auditions x JOIN auditions y "
        "ON x.actor = y.actor AND x.role_id < y.role_id",
    ),
]


@pytest.mark.parametrize("sql, plain", JOINS)
def test_join_matches_the_plain_sql(cast, sql, plain):
    expected = rows(cast, plain)
    assert expected  # the case means something
    assert same_rows(rows(cast, sql), expected)


def test_left_join_keeps_a_role_without_auditions(cast):
    got = rows(cast, "SELECT l.location FROM roles r LEFT JOIN role_locations(r.id) l WHERE r.id = 3")
    assert got == [(None,)]


def test_rows_of_each_role_in_a_join_come_in_audition_id_order(cast):
    got = rows(cast, "SELECT r.id, a.id FROM roles r, role_auditions(r.id) a WHERE r.id = 1")
    assert got == [(1, 2), (1, 5), (1, 7), (1, 9)]


def test_in_list_with_order_by_id_is_ordered_across_roles(cast):
    got = rows(cast, "SELECT id FROM role_auditions WHERE role_id IN (2, 1) ORDER BY id")
    assert got == [(1,), (2,), (5,), (7,), (8,), (9,)]


def test_two_cursors_of_one_table_interleave(cast):
    # Both cursors stay open while the other steps: each needs its own statement.
    got = rows(cast, "SELECT x.id, y.id FROM role_auditions(1) x, role_auditions(2) y")
    assert got == [(x, y) for x in (2, 5, 7, 9) for y in (1, 8)]


SEEK_JOINS = [
    ("SELECT r.character_name, a.actor FROM roles r, role_actors(r.id) a", "r"),
    ("SELECT r.character_name, a.actor FROM roles r JOIN role_auditions(r.id) a", "r"),
    ("SELECT r.character_name, l.location FROM roles r LEFT JOIN role_locations(r.id) l", "r"),
    ("SELECT r.character_name, a.actor FROM roles r, role_actors a WHERE a.role_id = r.id", "r"),
    ("SELECT r.character_name, a.actor FROM role_actors a, roles r WHERE a.role_id = r.id", "r"),
    ("SELECT r.character_name, a.actor FROM roles r JOIN role_actors a ON a.role_id = r.id", "r"),
    ("SELECT a.id, x.character_name FROM auditions a, audition_role(a.id) x", "a"),
    ("SELECT x.id FROM auditions x, audition_role(x.id) y, role_actors(y.id) z", "x"),
]


def assert_seek_is_inner(details, outer):
    virtual = [i for i, d in enumerate(details) if "VIRTUAL TABLE" in d]
    scans = [i for i, d in enumerate(details) if d.startswith(f"SCAN {outer}") and "VIRTUAL" not in d]
    assert virtual and scans, details
    assert all("INDEX 1" in details[i] for i in virtual), details
    assert scans[0] < virtual[0], details


@pytest.mark.parametrize("sql, outer", SEEK_JOINS)
def test_join_plan_seeks_the_table_valued_function_inside(cast, sql, outer):
    assert_seek_is_inner(plan_details(cast, sql), outer)


@pytest.mark.parametrize("sql, outer", SEEK_JOINS)
def test_join_plan_seeks_inside_after_analyze(migrated, sql, outer):
    rng = random.Random(5)
    insert_roles(migrated, [(i, f"role {i}") for i in range(1, 501)])
    insert_auditions(migrated, [(i, "A", "L", None, rng.randint(0, 1), rng.randint(1, 500)) for i in range(1, 2001)])
    migrated.execute("ANALYZE")
    assert_seek_is_inner(plan_details(migrated, sql), outer)


@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_plan_with_argument_is_the_seek(cast, tvf):
    assert "INDEX 1" in plan_details(cast, f"SELECT * FROM {tvf}(1)")[0]


@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_plan_with_in_list_is_the_seek(cast, tvf):
    argument = TVFS[tvf][0]
    assert "INDEX 1" in plan_details(cast, f"SELECT * FROM {tvf} WHERE {argument} IN (1, 2)")[0]


@pytest.mark.parametrize(
    "sql, plain",
    [
        (
            "SELECT actor FROM role_actors WHERE (role_id = 1 AND actor = 'Bob') OR (role_id = 2 AND actor = 'Dana')",
            "SELECT actor FROM auditions WHERE (role_id = 1 AND actor = 'Bob') OR (role_id = 2 AND actor = 'Dana')",
        ),
        (
            "SELECT id FROM role_auditions WHERE (role_id = 1 AND id = 2) OR role_id = 2",
            "SELECT id FROM auditions WHERE (role_id = 1 AND id = 2) OR role_id = 2",
        ),
        (
            "SELECT id FROM audition_role WHERE (audition_id = 1 AND id = 2) OR (audition_id = 2 AND id = 1)",
            "SELECT role_id FROM auditions WHERE (id = 1 AND role_id = 2) OR (id = 2 AND role_id = 1)",
        ),
    ],
)
def test_or_of_two_seeks_matches_the_plain_sql(cast, sql, plain):
    assert same_rows(rows(cast, sql), rows(cast, plain))


# --- views ----------------------------------------------------------------------

@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_usable_from_a_view_with_trusted_schema_off(cast, tvf):
    cast.execute(f"CREATE VIEW v AS SELECT * FROM {tvf}(1)")
    cast.execute("PRAGMA trusted_schema = OFF")
    assert rows(cast, "SELECT * FROM v") == rows(cast, f"SELECT * FROM {tvf}(1)")


# --- what the connection sees -----------------------------------------------------

@pytest.mark.parametrize(
    "change, sql, expected",
    [
        ("INSERT INTO auditions (id, actor, location, role_id) VALUES (100, 'Zed', 'Oslo', 3)",
         "SELECT actor FROM role_actors(3)", [("Zed",)]),
        ("DELETE FROM auditions WHERE id = 8", "SELECT actor FROM role_actors(2)", [("Dana",)]),
        ("UPDATE auditions SET location = 'Rome' WHERE id = 1", "SELECT location FROM role_locations(2)",
         [("Rome",), ("New York",)]),
        ("UPDATE auditions SET role_id = 3 WHERE id = 1", "SELECT id FROM role_auditions(3)", [(1,)]),
        ("SELECT call_back(1)", "SELECT id, hired FROM role_auditions(2)", [(1, 1), (8, 1)]),
        ("UPDATE roles SET character_name = 'Ophelia II' WHERE id = 2", "SELECT character_name FROM audition_role(1)",
         [("Ophelia II",)]),
        ("DELETE FROM roles WHERE id = 2", "SELECT * FROM audition_role(1)", []),
    ],
)
def test_uncommitted_change_is_visible_on_the_same_connection(cast, change, sql, expected):
    cast.execute("BEGIN")
    cast.execute(change)
    assert rows(cast, sql) == expected
    cast.execute("ROLLBACK")


@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_temp_tables_with_the_same_names_are_ignored(cast, tvf):
    expected = rows(cast, f"SELECT * FROM {tvf}")
    cast.execute("CREATE TEMP TABLE roles (id INTEGER PRIMARY KEY, character_name TEXT)")
    cast.execute("CREATE TEMP TABLE auditions (id INTEGER PRIMARY KEY, actor, location, phone, hired, role_id)")
    assert rows(cast, f"SELECT * FROM {tvf}") == expected


def test_rolled_back_change_is_gone(cast):
    cast.execute("BEGIN")
    insert_auditions(cast, [(100, "Zed", "Oslo", None, 0, 3)])
    rows(cast, "SELECT * FROM role_actors(3)")
    cast.execute("ROLLBACK")
    assert rows(cast, "SELECT * FROM role_actors(3)") == []


def test_changes_made_earlier_in_the_same_statement_are_visible(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    got = rows(
        cast,
        "SELECT call_back(a.id), (SELECT group_concat(id) FROM role_auditions(a.role_id) WHERE hired = 1) "
        "FROM auditions a WHERE a.role_id = 1 ORDER BY a.id",
    )
    assert got == [(1, "2"), (1, "2,5"), (1, "2,5,7"), (1, "2,5,7,9")]


@pytest.fixture
def wal_pair(db_path):
    writer = connect(db_path)
    writer.execute("PRAGMA journal_mode = WAL")
    load_cast(writer)
    reader = connect(db_path)
    yield writer, reader
    reader.close()
    writer.close()


READ_ROLE_3 = [
    "SELECT actor FROM role_actors(3)",
    "SELECT id FROM role_auditions(3)",
    "SELECT location FROM role_locations(3)",
    "SELECT id FROM audition_role(100)",
]


@pytest.mark.parametrize("sql", READ_ROLE_3)
def test_other_connection_does_not_see_uncommitted_rows(wal_pair, sql):
    writer, reader = wal_pair
    writer.execute("BEGIN")
    insert_auditions(writer, [(100, "Zed", "Oslo", None, 0, 3)])
    assert rows(reader, sql) == []
    writer.execute("ROLLBACK")


@pytest.mark.parametrize("sql", READ_ROLE_3)
def test_other_connection_sees_committed_rows(wal_pair, sql):
    writer, reader = wal_pair
    assert rows(reader, sql) == []
    writer.execute("BEGIN")
    insert_auditions(writer, [(100, "Zed", "Oslo", None, 0, 3)])
    writer.execute("COMMIT")
    assert len(rows(reader, sql)) == 1


# --- statements are reused ---------------------------------------------------

@pytest.mark.parametrize("tvf", sorted(TVFS))
def test_seek_statements_are_prepared_once_and_reused(cast, tvf):
    sql = f"SELECT count(*) FROM {tvf}(?)"
    own = {sql, "SELECT theater_migrate()"}
    cast.execute(sql, (1,)).fetchall()
    before = extension_statements(cast, own)
    for key in range(50):
        cast.execute(sql, (key,)).fetchall()
    after = extension_statements(cast, own)
    assert sorted(after) == sorted(before)
    assert sum(after.values()) - sum(before.values()) >= 50


@pytest.fixture
def bare():
    conn = bare_connection()
    load_random_cast(conn, seed=4, roles=50)
    yield conn
    conn.close()


@pytest.mark.parametrize("counter", ["nscan", "nsort", "naidx"])
def test_seeks_are_index_seeks(bare, counter):
    # sqlite_stmt counts full-scan steps, sorts and automatic indexes per statement.
    def run():
        for sql in [
            "SELECT * FROM roles r, role_auditions(r.id)",
            "SELECT * FROM roles r, role_actors(r.id)",
            "SELECT * FROM roles r LEFT JOIN role_locations(r.id)",
            "SELECT * FROM auditions a, audition_role(a.id)",
        ]:
            bare.execute(sql).fetchall()

    # (PRAGMA read_uncommitted and its sentinel, asked at a cursor's second
    # call, are no seeks.)
    counters = {sql: n for sql, n in counters_of_new_statements(bare, run, counter).items()
                if sql != "PRAGMA read_uncommitted" and "read_uncommitted's sentinel" not in sql}
    assert len(counters) == 4 and set(counters.values()) == {0}, counters


@pytest.mark.parametrize("tvf", sorted(TVFS))
@pytest.mark.parametrize("counter", ["nsort", "naidx"])
def test_scan_without_argument_streams_without_sorting(bare, tvf, counter):
    # A sort or an automatic index would hold the whole result in memory.
    counters = counters_of_new_statements(bare, lambda: bare.execute(f"SELECT * FROM {tvf}").fetchall(), counter)
    assert len(counters) == 1 and set(counters.values()) == {0}, counters


# --- large results stream --------------------------------------------------------

BIG = 50_000


@pytest.fixture
def big(migrated):
    rng = random.Random(50)
    insert_roles(migrated, [(i, f"role {i}") for i in range(1, 101)])
    # role 1 gets a tenth of everything; ids interleave across roles
    insert_auditions(
        migrated,
        [
            (i, f"actor {i % 977}", f"city {i % 13}", None, i % 2, 1 if i % 10 == 0 else rng.randint(2, 100))
            for i in range(1, BIG + 1)
        ],
    )
    return migrated


def fetch_in_batches(cursor, size=1000):
    out = []
    while True:
        batch = cursor.fetchmany(size)
        if not batch:
            return out
        out.extend(batch)


def test_large_scan_streams_every_row_in_order(big):
    got = fetch_in_batches(big.execute("SELECT role_id, id FROM role_auditions"))
    assert got == rows(big, "SELECT role_id, id FROM auditions ORDER BY role_id, id")
    assert len(got) == BIG


def test_large_seek_streams_every_row_in_order(big):
    got = fetch_in_batches(big.execute("SELECT id FROM role_auditions(1)"))
    assert got == [(i,) for i in range(10, BIG + 1, 10)]


@pytest.mark.parametrize(
    "sql", ["SELECT * FROM role_auditions", "SELECT * FROM role_actors(1)", "SELECT * FROM audition_role"]
)
def test_closing_a_cursor_early_releases_the_statement(big, sql):
    cursor = big.execute(sql)
    assert len(cursor.fetchmany(10)) == 10
    cursor.close()
    # Dropping the tables fails ("database table is locked") while any
    # statement still reads them.
    assert scalar(big, "SELECT theater_migrate(0)") == 0


@pytest.mark.parametrize("sql", ["SELECT id FROM role_auditions", "SELECT id FROM role_auditions(1)"])
def test_reading_again_after_closing_early_gives_everything(big, sql):
    cursor = big.execute(sql)
    cursor.fetchmany(10)
    cursor.close()
    assert len(fetch_in_batches(big.execute(sql))) == len(rows(big, sql))


def test_abandoned_cursor_does_not_disturb_a_second_one(big):
    first = big.execute("SELECT id FROM role_auditions(1)")
    head = first.fetchmany(3)
    second = fetch_in_batches(big.execute("SELECT id FROM role_auditions(1)"))
    assert head == second[:3] and len(second) == BIG // 10
    assert first.fetchmany(3) == second[3:6]
