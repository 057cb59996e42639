"""Issue 17, target 5: the stored casting sheet. theater_materialize_casting()
makes the table casting_sheet_stored with role_casting's rows, and plain-SQL
triggers on roles and auditions keep it so for every client, the ones that
never loaded the extension included; theater_materialize_casting(0) removes
it (docs/reference.md, "The stored casting sheet").

The property: after any sequence of writes, from a connection with the
extension or without it, the table holds exactly SELECT * FROM role_casting,
value for value and type for type."""
import contextlib
import os
import pathlib
import random
import shutil
import sqlite3
import subprocess
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import connect, scalar
from theater_data import load_cast, load_random_cast, rows

FUNCTION = "theater_materialize_casting"
TABLE = "casting_sheet_stored"
PENDING = "casting_sheet_stored_pending"
TRIGGERS = [f"casting_sheet_stored:{t}" for t in (
    "roles:insert", "roles:update", "roles:delete", "auditions:before_insert", "auditions:insert",
    "auditions:insert_noted", "auditions:before_update", "auditions:update", "auditions:update_noted",
    "auditions:delete")]
COLUMNS = ["role_id", "character_name", "lead", "lead_actor", "understudy", "understudy_actor"]
TYPED = ", ".join(COLUMNS + [f"typeof({c})" for c in COLUMNS])
NOT_OURS = (f"{FUNCTION}: main.{TABLE} is not the table {FUNCTION} makes (another object of that name, or the "
            "table changed since); rename or drop it first")


def stored(conn):
    return rows(conn, f"SELECT {TYPED} FROM {TABLE}")


def expected(conn):
    return rows(conn, f"SELECT {TYPED} FROM role_casting")


def ours(conn):
    """The objects of the stored sheet in the main database: (type, name)."""
    return sorted(rows(conn, "SELECT type, name FROM main.sqlite_master WHERE name IN ({})".format(
        ", ".join("?" * (2 + len(TRIGGERS)))), (TABLE, PENDING, *TRIGGERS)))


ALL_OURS = sorted([("table", TABLE), ("table", PENDING)] + [("trigger", t) for t in TRIGGERS])


def schema(conn):
    return rows(conn, "SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY type, name")


def plain_connect(path):
    """A connection that never loaded the extension, as a BI tool or another
    program opens the database."""
    return sqlite3.connect(str(path), isolation_level=None)


@pytest.fixture
def cast(db_path):
    conn = connect(db_path)
    load_cast(conn)
    yield conn
    conn.close()


@pytest.fixture
def sheet(cast):
    """The cast with the stored sheet on."""
    assert scalar(cast, f"SELECT {FUNCTION}()") == 1
    return cast


# --- turning it on and off ----------------------------------------------------------

def test_turning_it_on_makes_the_table_with_role_castings_rows_and_its_triggers(cast):
    assert scalar(cast, f"SELECT {FUNCTION}()") == 1
    assert ours(cast) == ALL_OURS
    assert stored(cast) == expected(cast)
    assert rows(cast, f"SELECT * FROM {TABLE}") == [
        (1, "Hamlet", 5, "Carol", 7, "Alice"), (2, "Ophelia", 8, "Bob", None, None),
        (3, "Yorick", None, None, None, None), (4, "Horatio", None, None, None, None)]
    # The columns and types a BI tool sees.
    assert [(r[1], r[2], r[5]) for r in cast.execute(f"PRAGMA table_info({TABLE})")] == [
        ("role_id", "INTEGER", 1), ("character_name", "TEXT", 0), ("lead", "INTEGER", 0),
        ("lead_actor", "TEXT", 0), ("understudy", "INTEGER", 0), ("understudy_actor", "TEXT", 0)]


@pytest.mark.parametrize("argument", ["1", "'1'", "1.0", "TRUE"])
def test_one_is_on_whatever_its_spelling(cast, argument):
    assert scalar(cast, f"SELECT {FUNCTION}({argument})") == 1
    assert stored(cast) == expected(cast)


def test_turning_it_off_removes_the_table_and_every_trigger(sheet, db_path):
    assert scalar(sheet, f"SELECT {FUNCTION}(0)") == 0
    assert ours(sheet) == []
    # Writes go on as before, on both kinds of connection.
    sheet.execute("SELECT call_back(2)")
    plain = plain_connect(db_path)
    plain.execute("UPDATE auditions SET hired = 1 WHERE id = 3")
    plain.close()
    assert rows(sheet, "SELECT role_id, lead FROM role_casting WHERE role_id IN (1, 4)") == [(1, 2), (4, 3)]


def test_off_when_it_is_off_writes_nothing(cast):
    before, changes = schema(cast), scalar(cast, "SELECT total_changes()")
    assert scalar(cast, f"SELECT {FUNCTION}(0)") == 0
    assert (schema(cast), scalar(cast, "SELECT total_changes()")) == (before, changes)


def test_on_again_writes_nothing_and_works_on_a_read_only_connection(sheet, db_path):
    before = schema(sheet), stored(sheet), scalar(sheet, "SELECT total_changes()")
    assert scalar(sheet, f"SELECT {FUNCTION}()") == 1
    assert scalar(sheet, f"SELECT {FUNCTION}(1)") == 1
    assert (schema(sheet), stored(sheet), scalar(sheet, "SELECT total_changes()")) == before
    reader = connect(f"file:{db_path}?mode=ro", uri=True)
    assert scalar(reader, f"SELECT {FUNCTION}()") == 1
    reader.close()


def out_of_step(how):
    """Ways the sheet falls behind: its triggers gone (a rebuild of roles or
    auditions drops them, docs/reference.md "Changing a table's shape"), its
    rows written by hand, its notes table dropped."""
    def apply(conn):
        if how == "a trigger dropped, then writes":
            conn.execute('DROP TRIGGER "casting_sheet_stored:auditions:update"')
            conn.execute("UPDATE auditions SET hired = 1 WHERE id = 2")
        elif how == "every trigger dropped, then writes":
            for t in TRIGGERS:
                conn.execute(f'DROP TRIGGER "{t}"')
            conn.execute("INSERT INTO roles VALUES (9, 'Laertes')")
            conn.execute("DELETE FROM auditions WHERE id = 5")
        elif how == "rows written by hand":
            conn.execute(f"UPDATE {TABLE} SET lead_actor = 'Nobody' WHERE role_id = 1")
            conn.execute(f"DELETE FROM {TABLE} WHERE role_id = 3")
        elif how == "a row added by hand":
            conn.execute(f"INSERT INTO {TABLE} (role_id, character_name) VALUES (99, 'Ghost')")
        elif how == "the notes table dropped":
            for t in TRIGGERS:
                conn.execute(f'DROP TRIGGER "{t}"')
            conn.execute(f"DROP TABLE {PENDING}")
    return apply


@pytest.mark.parametrize("how", ["a trigger dropped, then writes", "every trigger dropped, then writes",
                                 "rows written by hand", "a row added by hand", "the notes table dropped"])
def test_on_again_makes_an_out_of_step_sheet_right(sheet, how):
    out_of_step(how)(sheet)
    assert stored(sheet) != expected(sheet) or ours(sheet) != ALL_OURS
    assert scalar(sheet, f"SELECT {FUNCTION}()") == 1
    assert ours(sheet) == ALL_OURS
    assert stored(sheet) == expected(sheet)
    sheet.execute("SELECT call_back(2)")
    assert stored(sheet) == expected(sheet)


def test_theater_migrate_0_leaves_the_tables_and_off_removes_them(sheet):
    """Dropping roles and auditions drops the triggers on them, not the
    sheet's tables; off needs no theater table to remove them."""
    assert scalar(sheet, "SELECT theater_migrate(0)") == 0
    assert ours(sheet) == [("table", TABLE), ("table", PENDING)]
    assert scalar(sheet, f"SELECT {FUNCTION}(0)") == 0
    assert ours(sheet) == []
    assert rows(sheet, "SELECT name FROM sqlite_master") == []


def test_it_works_inside_the_callers_transaction_and_goes_with_its_rollback(cast):
    before = schema(cast)
    cast.execute("BEGIN")
    assert scalar(cast, f"SELECT {FUNCTION}()") == 1
    assert stored(cast) == expected(cast)
    cast.execute("ROLLBACK")
    assert schema(cast) == before


# --- errors ------------------------------------------------------------------------

def error_of(conn, sql):
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute(sql).fetchall()
    return str(caught.value)


def test_on_needs_a_migrated_database(conn):
    assert error_of(conn, f"SELECT {FUNCTION}()") == (
        f"{FUNCTION}: the theater schema is not installed in this database; run SELECT theater_migrate() first")
    assert scalar(conn, f"SELECT {FUNCTION}(0)") == 0
    assert rows(conn, "SELECT name FROM sqlite_master") == []


@pytest.mark.parametrize("argument,message", [
    ("NULL", "on must be 1 or 0, not NULL"),
    ("2", "on must be 1 or 0"),
    ("-1", "on must be 1 or 0"),
    ("0.5", "on must be 1 or 0"),
    ("'on'", "on must be 1 or 0"),
    ("x'01'", "on must be 1 or 0"),
])
def test_a_bad_argument_is_refused_and_writes_nothing(sheet, argument, message):
    before = schema(sheet), stored(sheet)
    assert error_of(sheet, f"SELECT {FUNCTION}({argument})") == f"{FUNCTION}: {message}"
    assert (schema(sheet), stored(sheet)) == before


@pytest.mark.parametrize("other,name", [(f"CREATE TABLE {TABLE} (x)", TABLE),
                                        (f"CREATE VIEW {TABLE} AS SELECT 1 AS x", TABLE),
                                        (f"CREATE TABLE {PENDING.upper()} (role_id)", PENDING)])
def test_a_table_of_that_name_not_made_by_it_is_left_alone(cast, other, name):
    cast.execute(other)
    before = schema(cast)
    message = NOT_OURS.replace(f"main.{TABLE} ", f"main.{name} ")
    assert error_of(cast, f"SELECT {FUNCTION}()") == message
    assert error_of(cast, f"SELECT {FUNCTION}(0)") == message
    assert schema(cast) == before


def test_a_sheet_changed_by_alter_table_is_no_longer_taken_for_its_own(sheet):
    sheet.execute(f"ALTER TABLE {TABLE} ADD COLUMN note TEXT")
    assert error_of(sheet, f"SELECT {FUNCTION}()") == NOT_OURS


def test_inside_a_statement_that_writes_it_says_to_run_it_alone(cast):
    cast.execute("CREATE TABLE log (x)")
    assert error_of(cast, f"INSERT INTO log SELECT {FUNCTION}()") == (
        f"{FUNCTION}: it writes, so it cannot run inside a statement that writes; run it as a statement of its "
        f"own: SELECT {FUNCTION}(...)")
    assert ours(cast) == []


def test_off_inside_a_statement_that_reads_a_table_says_to_run_it_alone(sheet):
    """SQLite refuses DROP TABLE while another statement of the connection
    reads a table; the call then changes nothing."""
    before = schema(sheet)
    assert error_of(sheet, f"SELECT {FUNCTION}(0) FROM roles") == (
        f"{FUNCTION}: database table is locked (run it as a statement of its own, SELECT {FUNCTION}(0), "
        "not inside a statement that reads tables)")
    assert schema(sheet) == before
    assert not sheet.in_transaction


def test_on_inside_a_statement_that_reads_a_table_works(sheet):
    """On never drops a table: one already there is emptied and filled."""
    sheet.execute(f"DELETE FROM {TABLE} WHERE role_id = 2")
    assert rows(sheet, f"SELECT {FUNCTION}() FROM roles") == [(1,)] * 4
    assert stored(sheet) == expected(sheet)


@pytest.mark.parametrize("transaction", ["autocommit", "caller"])
def test_a_failure_half_way_leaves_nothing_behind(cast, transaction):
    """The triggers' CREATE statements are longer than SQLITE_LIMIT_SQL_LENGTH
    allows here, the tables' are not: the call fails after making the tables
    and filling one, and all of that is undone (inside the caller's
    transaction, its own work only)."""
    before = schema(cast)
    if transaction == "caller":
        cast.execute("BEGIN")
        cast.execute("INSERT INTO roles VALUES (9, 'Laertes')")
    cast.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1000)
    # SQLite before 3.40 (3.34.0 here) reports the over-long CREATE TRIGGER
    # as a malformed schema when it reads the schema back; either way the
    # call fails and leaves nothing.
    assert error_of(cast, f"SELECT {FUNCTION}()") in (
        f"{FUNCTION}: string or blob too big", f"{FUNCTION}: database disk image is malformed")
    cast.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1_000_000_000)
    assert schema(cast) == before
    if transaction == "caller":
        assert cast.in_transaction
        cast.execute("COMMIT")
        assert rows(cast, "SELECT character_name FROM roles WHERE id = 9") == [("Laertes",)]
    else:
        assert not cast.in_transaction
    assert scalar(cast, f"SELECT {FUNCTION}()") == 1
    assert stored(cast) == expected(cast)


# --- clients without the extension -------------------------------------------------

def test_writes_without_the_extension_keep_it_right(sheet, db_path):
    plain = plain_connect(db_path)
    plain.execute("PRAGMA trusted_schema = OFF")  # the triggers call no function
    plain.execute("UPDATE auditions SET hired = 1 WHERE id = 2")  # an earlier id: Hamlet's new lead
    plain.execute("INSERT INTO roles VALUES (5, 'Laertes')")
    plain.execute("INSERT INTO auditions (actor, location, hired, role_id) VALUES ('Finn', 'Oslo', 1, 5)")
    plain.execute("UPDATE auditions SET role_id = 4 WHERE id = 8")  # Ophelia's lead moves to Horatio
    plain.execute("DELETE FROM roles WHERE id = 1")
    assert rows(plain, f"SELECT * FROM {TABLE}") == [
        (2, "Ophelia", None, None, None, None), (3, "Yorick", None, None, None, None),
        (4, "Horatio", 8, "Bob", None, None), (5, "Laertes", 10, "Finn", None, None)]
    plain.close()
    assert stored(sheet) == expected(sheet)


def test_writes_from_the_sqlite3_shell_without_the_extension_keep_it_right(sheet, db_path):
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed")
    script = ("UPDATE auditions SET hired = 0 WHERE id = 5;\n"
              "INSERT OR REPLACE INTO auditions VALUES (7, 'Gus', 'Rome', NULL, 0, 2);\n"
              f"SELECT role_id, lead, understudy FROM {TABLE} WHERE role_id = 1;\n")
    bare = subprocess.run(["sqlite3", "-bail", str(db_path)], input=script, capture_output=True, text=True,
                          timeout=60)
    # Alice's audition 9 is Hamlet's one hire left: 5 was let go, 7 replaced.
    assert (bare.returncode, bare.stdout, bare.stderr) == (0, "1|9|\n", "")
    assert stored(sheet) == expected(sheet)


def test_readers_without_the_extension_read_it_as_a_table_and_seek_by_role(sheet, db_path):
    plain = plain_connect(db_path)
    assert rows(plain, f"SELECT * FROM {TABLE} WHERE role_id = 1") == [(1, "Hamlet", 5, "Carol", 7, "Alice")]
    plan = [r[3] for r in plain.execute(f"EXPLAIN QUERY PLAN SELECT * FROM {TABLE} WHERE role_id = 1")]
    assert len(plan) == 1 and "INTEGER PRIMARY KEY" in plan[0], plan
    plain.close()


@pytest.mark.parametrize("seed", range(5))
def test_a_random_cast_gives_role_castings_rows(conn, seed):
    load_random_cast(conn, seed, roles=40)
    assert scalar(conn, f"SELECT {FUNCTION}()") == 1
    assert stored(conn) == expected(conn)


# --- the property: random writes, from both kinds of connection ---------------------

ROLE = st.integers(min_value=1, max_value=7)
AUDITION = st.integers(min_value=-1, max_value=24)
TAKEN = st.integers(min_value=1, max_value=19)  # where initial_cast's auditions are
NAME = st.sampled_from(["'Hamlet'", "'Ophelia'", "'hamlet'", "x'48616d6c6574'", "''"])
# NULL is refused (actor is NOT NULL): a failed write must leave the sheet right too.
ACTOR = st.sampled_from(["'Alice'", "'Bob'", "'alice'", "x'416c696365'", "'Bob '", "NULL"])
HIRED = st.sampled_from(["0", "1", "1", "'1'", "1.0"])
ROWID = st.sampled_from(["id", "rowid", "oid", "_rowid_"])
OR = st.sampled_from(["", "OR REPLACE ", "OR IGNORE ", "OR FAIL ", "OR ABORT ", "OR ROLLBACK "])


def fmt(template, *strategies):
    return st.tuples(*strategies).map(lambda values: template.format(*values))


WRITE = st.one_of(
    # roles
    fmt("INSERT {}INTO roles (id, character_name) VALUES ({}, {})", OR, ROLE, NAME),
    fmt("INSERT INTO roles (character_name) VALUES ({})", NAME),
    fmt("INSERT INTO roles (id, character_name) VALUES ({}, {}) "
        "ON CONFLICT (id) DO UPDATE SET character_name = excluded.character_name", ROLE, NAME),
    fmt("DELETE FROM roles WHERE id = {}", ROLE),
    fmt("UPDATE {}roles SET {} = {} WHERE id = {}", OR, ROWID, ROLE, ROLE),
    fmt("UPDATE roles SET character_name = {} WHERE id = {}", NAME, ROLE),
    # auditions
    fmt("INSERT {}INTO auditions (id, actor, location, hired, role_id) VALUES ({}, {}, 'Oslo', {}, {})",
        OR, AUDITION, ACTOR, HIRED, ROLE),
    fmt("INSERT {}INTO auditions (actor, location, hired, role_id) VALUES ({}, 'Oslo', {}, {})",
        OR, ACTOR, HIRED, ROLE),
    fmt("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES ({}, {}, 'Oslo', {}, {}) "
        "ON CONFLICT (id) DO UPDATE SET location = 'Rome'", AUDITION, ACTOR, HIRED, ROLE),
    fmt("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES ({}, {}, 'Oslo', {}, {}) "
        "ON CONFLICT (id) DO UPDATE SET hired = excluded.hired, role_id = excluded.role_id", AUDITION, ACTOR,
        HIRED, ROLE),
    fmt("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES ({}, {}, 'Oslo', {}, {}) "
        "ON CONFLICT DO NOTHING", AUDITION, ACTOR, HIRED, ROLE),
    fmt("INSERT {}INTO auditions SELECT id + {}, actor, location, phone, hired, role_id FROM auditions "
        "WHERE role_id = {}", OR, st.integers(min_value=1, max_value=3), ROLE),
    fmt("DELETE FROM auditions WHERE id = {}", AUDITION),
    fmt("DELETE FROM auditions WHERE role_id = {} AND hired = 1", ROLE),
    fmt("UPDATE auditions SET hired = {} WHERE id = {}", HIRED, AUDITION),
    fmt("UPDATE auditions SET hired = 1 - hired WHERE role_id = {}", ROLE),
    fmt("UPDATE {}auditions SET role_id = {} WHERE id = {}", OR, ROLE, AUDITION),
    fmt("UPDATE auditions SET actor = {} WHERE id = {}", ACTOR, AUDITION),
    fmt("UPDATE auditions SET location = 'Lima', phone = NULL WHERE id = {}", AUDITION),
    fmt("UPDATE {}auditions SET {} = {} WHERE id = {}", OR, ROWID, AUDITION, AUDITION),
    fmt("UPDATE {}auditions SET id = id + 1 WHERE role_id = {}", OR, ROLE),
    # An audition takes another's id: REPLACE deletes that one without its delete trigger.
    fmt("UPDATE OR REPLACE auditions SET {} = {} WHERE id = {}", ROWID, TAKEN, TAKEN),
    fmt("INSERT OR REPLACE INTO auditions (id, actor, location, hired, role_id) VALUES ({}, {}, 'Oslo', {}, {})",
        TAKEN, ACTOR, HIRED, ROLE),
    fmt("UPDATE auditions SET (hired, actor) = (1, {}) WHERE id = {}", ACTOR, AUDITION),
    # SQLite fires delete triggers for REPLACE only with this on.
    st.sampled_from(["PRAGMA recursive_triggers = ON", "PRAGMA recursive_triggers = OFF"]),
)
EXTENSION_ONLY = fmt("SELECT call_back({})", AUDITION)
# (which connection, statements): one write, or a few inside a transaction
# that is committed or rolled back, or a savepoint rolled back to.
STEP = st.one_of(
    st.tuples(st.sampled_from(["extension", "plain"]), WRITE.map(lambda w: [w])),
    st.tuples(st.just("extension"), EXTENSION_ONLY.map(lambda w: [w])),
    st.tuples(st.sampled_from(["extension", "plain"]),
              st.tuples(st.sampled_from(["COMMIT", "ROLLBACK"]), st.lists(WRITE, min_size=1, max_size=3))
              .map(lambda t: ["BEGIN"] + t[1] + [t[0]])),
    st.tuples(st.sampled_from(["extension", "plain"]),
              st.lists(WRITE, min_size=1, max_size=3).map(
                  lambda ws: ["BEGIN", "SAVEPOINT s"] + ws + ["ROLLBACK TO s", "RELEASE s", "COMMIT"])),
)


def initial_cast(conn, seed):
    """Roles 1 to 5 and a dozen auditions, some hired, for the writes above
    to hit (their ids are drawn from the same small ranges)."""
    rng = random.Random(seed)
    conn.execute("SELECT theater_migrate()")
    conn.executemany("INSERT INTO roles VALUES (?, ?)", [(i, f"Role {i}") for i in range(1, 6)])
    conn.executemany("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES (?, ?, 'Oslo', ?, ?)",
                     [(i, rng.choice(["Alice", "Bob", "Carol"]), int(rng.random() < 0.5), rng.randint(1, 5))
                      for i in rng.sample(range(1, 20), 12)])


@contextlib.contextmanager
def scratch_database():
    """A database file in memory where there is /dev/shm: hypothesis runs a
    few hundred examples, each on a fresh file (tmp_path is per test)."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=base, prefix="theater-sheet-") as d:
        yield pathlib.Path(d) / "sheet.db"


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.integers(min_value=0, max_value=50), steps=st.lists(STEP, min_size=1, max_size=25))
def test_after_any_writes_the_sheet_is_role_casting(seed, steps):
    with scratch_database() as path:
        ext = connect(path)
        plain = plain_connect(path)
        try:
            initial_cast(ext, seed)
            assert scalar(ext, f"SELECT {FUNCTION}()") == 1
            for who, statements in steps:
                c = ext if who == "extension" else plain
                for sql in statements:
                    try:
                        c.execute(sql)
                    except sqlite3.Error:
                        pass  # refused writes (no such role, NOT NULL, conflicts) must leave it right too
                if c.in_transaction:  # a write that failed under OR ROLLBACK ended it already, or not
                    c.execute("ROLLBACK")
                assert stored(ext) == expected(ext), (who, statements)
            # Calling it again finds nothing to do.
            changes = scalar(ext, "SELECT total_changes()")
            assert scalar(ext, f"SELECT {FUNCTION}()") == 1
            assert scalar(ext, "SELECT total_changes()") == changes
        finally:
            plain.close()
            ext.close()


def test_the_twelve_step_rebuild_of_auditions_carries_the_sheets_triggers(sheet):
    """docs/reference.md, "Changing a table's shape": steps 3 and 8 re-create
    every trigger on the rebuilt table, the sheet's included, so it stays in
    step without a call."""
    from test_rebuild import AUDITION_COLUMNS, NEW_AUDITIONS, twelve_steps

    twelve_steps(sheet, "auditions", NEW_AUDITIONS, AUDITION_COLUMNS, legacy_alter_table=True)
    assert ours(sheet) == ALL_OURS
    sheet.execute("UPDATE auditions SET hired = 1 WHERE id = 2")
    sheet.execute("INSERT OR REPLACE INTO auditions VALUES (5, 'Zoe', 'Rome', NULL, 0, 4)")
    assert stored(sheet) == expected(sheet)
    changes = scalar(sheet, "SELECT total_changes()")
    assert scalar(sheet, f"SELECT {FUNCTION}()") == 1
    assert scalar(sheet, "SELECT total_changes()") == changes
