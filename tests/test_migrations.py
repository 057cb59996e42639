"""Spec section 3: the migration engine."""
import hashlib
import os
import re
import shutil
import sqlite3

import pytest

from conftest import BUILD, EXTENSION, ROOT, connect, scalar, tables

VERSION = re.search(r"project\(\s*theater\s+VERSION\s+(\d+\.\d+\.\d+)", (ROOT / "CMakeLists.txt").read_text())[1]
BOOKKEEPING = "theater_schema_migrations"
ISO_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"
ADOPT = ('theater_migrate: this database already has roles/auditions tables that theater did not create; '
         'to adopt them, run the script sql/adopt.sql (README: "Adopting an existing database")')
TABLE_LOCKED_HINT = ("(run it as a statement of its own, SELECT theater_migrate(...), "
                     "not inside a statement that reads tables)")


def migration_files(folder):
    """[(version, name, up text, checksummed text)] as the build embeds them
    from folder: the checksum covers the up part, the down marker and the down
    part."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = re.fullmatch(r"(\d{4})_([a-z0-9_]+)\.sql", path.name)
        assert match, path
        text = path.read_text()
        up_at, down_at = text.index("-- migrate:up\n"), text.index("-- migrate:down\n")
        up = text[up_at + len("-- migrate:up\n"):down_at]
        found.append((int(match[1]), match[2], up, text[up_at + len("-- migrate:up\n"):]))
    return found


MIGRATIONS = migration_files(ROOT / "migrations")
HEAD = len(MIGRATIONS)
FAILING = migration_files(ROOT / "tests" / "failing_migrations")


def unknown_target(version, known=HEAD):
    return (f"theater_migrate: no migration with version {version}; "
            f"this build of theater ({VERSION}) knows versions 0 to {known}")


def snapshot(conn):
    """Everything in the database: schema, bookkeeping (applied_at included), rows."""
    return list(conn.iterdump())


def refused(conn, sql, params=()):
    """Runs sql, which must fail and change nothing; returns the error text."""
    before = snapshot(conn)
    in_transaction = conn.in_transaction
    with pytest.raises(sqlite3.Error) as error:
        conn.execute(sql, params).fetchall()
    assert snapshot(conn) == before
    assert conn.in_transaction == in_transaction
    return str(error.value)


def version(conn):
    return scalar(conn, "SELECT theater_schema_version()")


def status(conn):
    return conn.execute("SELECT version, name, applied, applied_at FROM theater_migration_status").fetchall()


def bookkeeping(conn):
    return conn.execute(f"SELECT version, name, checksum, applied_at FROM {BOOKKEEPING} ORDER BY version").fetchall()


def schema(conn):
    return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def sha256(text):
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def at_head(migrated):
    return migrated


# ---- migrate up, down, again ----------------------------------------------

def test_fresh_database_is_at_version_0(conn):
    assert version(conn) == 0
    assert tables(conn) == set()


def test_migrate_creates_the_schema_and_returns_the_newest_version(conn):
    assert scalar(conn, "SELECT theater_migrate()") == HEAD
    assert tables(conn) == {"roles", "auditions", BOOKKEEPING}
    assert version(conn) == HEAD


def test_migrate_returns_an_integer(conn):
    assert conn.execute("SELECT typeof(theater_migrate()), typeof(theater_migrate(0))").fetchone() == (
        "integer", "integer")


@pytest.mark.parametrize("again", ["SELECT theater_migrate()", f"SELECT theater_migrate({HEAD})"])
def test_migrating_again_at_head_changes_nothing(at_head, again):
    before = snapshot(at_head)
    assert scalar(at_head, again) == HEAD
    assert snapshot(at_head) == before


def test_migrate_0_removes_every_theater_table_bookkeeping_included(at_head):
    assert scalar(at_head, "SELECT theater_migrate(0)") == 0
    assert at_head.execute("SELECT type, name FROM sqlite_master").fetchall() == []
    assert version(at_head) == 0


def test_migrate_0_keeps_the_users_own_tables(conn):
    conn.execute("CREATE TABLE mine (x)")
    conn.execute("INSERT INTO mine VALUES (1)")
    conn.execute("SELECT theater_migrate()")
    conn.execute("SELECT theater_migrate(0)")
    assert tables(conn) == {"mine"}
    assert conn.execute("SELECT x FROM mine").fetchall() == [(1,)]


@pytest.mark.parametrize("call", ["SELECT theater_migrate(0)", "SELECT theater_schema_version()"])
def test_version_0_calls_on_a_fresh_database_create_nothing(conn, call):
    assert scalar(conn, call) == 0
    assert conn.execute("SELECT * FROM sqlite_master").fetchall() == []


def test_migrate_after_0_brings_the_same_schema_back(at_head):
    first = schema(at_head)
    at_head.execute("SELECT theater_migrate(0)")
    assert scalar(at_head, "SELECT theater_migrate()") == HEAD
    assert schema(at_head) == first


def test_migrating_step_by_step_gives_the_same_schema_as_at_once(conn, tmp_path):
    for target in range(1, HEAD + 1):
        assert scalar(conn, "SELECT theater_migrate(?)", (target,)) == target
        assert version(conn) == target
    at_once = connect(tmp_path / "at_once.db")
    at_once.execute("SELECT theater_migrate()")
    assert schema(conn) == schema(at_once)


@pytest.mark.parametrize("target", range(HEAD + 1))
def test_migrate_to_n_up_then_down_step_by_step(conn, target):
    conn.execute("SELECT theater_migrate(?)", (target,))
    assert version(conn) == target
    assert [row[2] for row in status(conn)] == [int(v <= target) for v, *_ in MIGRATIONS]
    for step in range(target - 1, -1, -1):
        assert scalar(conn, "SELECT theater_migrate(?)", (step,)) == step
        assert version(conn) == step
        assert [row[2] for row in status(conn)] == [int(v <= step) for v, *_ in MIGRATIONS]
    assert conn.execute("SELECT * FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize("path", [[1, 2], [2], [1, 0], [1, 0, 2], [2, 2]], ids=str)
def test_migrate_moves_between_versions_of_a_longer_set(failing_conn, path):
    # The test-only set has two working migrations: it shows a move of
    # several steps at once (0 -> 2) that the shipped set may not have.
    expected_tables = {0: set(), 1: {"first_table"}, 2: {"first_table", "second_table"}}
    for target in path:
        assert scalar(failing_conn, "SELECT theater_migrate(?)", (target,)) == target
        assert version(failing_conn) == target
        assert tables(failing_conn) - {BOOKKEEPING} == expected_tables[target]


# ---- theater_schema_version, theater_migration_status, bookkeeping ---------

def test_migration_status_lists_every_embedded_migration_as_pending(conn):
    assert status(conn) == [(v, name, 0, None) for v, name, *_ in MIGRATIONS]


def test_migration_status_columns(conn):
    cursor = conn.execute("SELECT * FROM theater_migration_status")
    assert [d[0] for d in cursor.description] == ["version", "name", "applied", "applied_at"]


def test_migration_status_after_migrating(at_head):
    rows = status(at_head)
    assert [row[:3] for row in rows] == [(v, name, 1) for v, name, *_ in MIGRATIONS]
    for row in rows:
        assert re.fullmatch(ISO_TIMESTAMP, row[3]), row


def test_migration_status_applied_at_is_the_bookkeeping_time(at_head):
    assert [(r[0], r[3]) for r in status(at_head)] == [(r[0], r[3]) for r in bookkeeping(at_head)]


def test_migration_status_marks_pending_migrations_above_the_version(failing_conn):
    failing_conn.execute("SELECT theater_migrate(1)")
    rows = status(failing_conn)
    assert [r[:3] for r in rows] == [(v, name, int(v == 1)) for v, name, *_ in FAILING]
    assert [r[3] is None for r in rows] == [v != 1 for v, *_ in FAILING]


def test_bookkeeping_table_columns(at_head):
    info = {row[1]: row for row in at_head.execute(f"PRAGMA table_info({BOOKKEEPING})")}
    assert sorted(info) == sorted(["version", "name", "checksum", "applied_at"])
    assert (info["version"][2], info["version"][5]) == ("INTEGER", 1)  # INTEGER PRIMARY KEY


def test_bookkeeping_rows_record_name_checksum_and_time(at_head):
    rows = bookkeeping(at_head)
    assert [r[:3] for r in rows] == [(v, name, sha256(whole)) for v, name, _, whole in MIGRATIONS]
    for row in rows:
        assert re.fullmatch(ISO_TIMESTAMP, row[3]), row


def test_an_empty_bookkeeping_table_means_version_0(conn):
    conn.execute(f"CREATE TABLE {BOOKKEEPING} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")
    assert version(conn) == 0
    assert [row[2] for row in status(conn)] == [0] * HEAD
    assert scalar(conn, "SELECT theater_migrate()") == HEAD


# ---- refusals: clear error, no change ---------------------------------------

@pytest.mark.parametrize("state", ["fresh", "at_head"])
@pytest.mark.parametrize("target", [-1, HEAD + 1, 99, 2 ** 62])
def test_unknown_target_is_refused(conn, state, target):
    if state == "at_head":
        conn.execute("SELECT theater_migrate()")
    assert refused(conn, "SELECT theater_migrate(?)", (target,)) == unknown_target(target)


AT_HEAD_CALLS = ["SELECT theater_migrate()", f"SELECT theater_migrate({HEAD})", "SELECT theater_migrate(0)"]


@pytest.mark.parametrize("call", AT_HEAD_CALLS)
def test_database_from_a_newer_build_is_refused(at_head, call):
    at_head.execute(f"INSERT INTO {BOOKKEEPING} VALUES (99, 'from_the_future', 'sha256:00', '2099-01-01T00:00:00Z')")
    message = refused(at_head, call)
    assert message.startswith("theater_migrate: the database has migration 99 (from_the_future) applied")
    assert "newer build" in message
    assert f"knows versions 0 to {HEAD}" in message


@pytest.mark.parametrize("call", AT_HEAD_CALLS)
def test_changed_checksum_is_refused(at_head, call):
    first_version, first_name, _, first_text = MIGRATIONS[0]
    at_head.execute(f"UPDATE {BOOKKEEPING} SET checksum = 'sha256:00' WHERE version = 1")
    assert refused(at_head, call) == (
        f"theater_migrate: migration 1 ({first_name}) has changed since it was applied to this database "
        f"(checksum sha256:00, this build has {sha256(first_text)}); applied migrations must never be edited")


@pytest.mark.parametrize("call", ["SELECT theater_migrate()", "SELECT theater_migrate(2)",
                                  "SELECT theater_migrate(1)", "SELECT theater_migrate(0)"])
def test_changed_checksum_is_refused_below_head(failing_conn, call):
    failing_conn.execute("SELECT theater_migrate(1)")
    failing_conn.execute(f"UPDATE {BOOKKEEPING} SET checksum = 'sha256:00'")
    assert "has changed since it was applied" in refused(failing_conn, call)


def test_bookkeeping_with_a_gap_is_refused(failing_conn):
    failing_conn.execute("SELECT theater_migrate(2)")
    failing_conn.execute(f"DELETE FROM {BOOKKEEPING} WHERE version = 1")
    assert refused(failing_conn, "SELECT theater_migrate(0)") == (
        "theater_migrate: the bookkeeping in theater_schema_migrations is inconsistent: "
        "migration 1 is missing while 2 is applied")


UNMANAGED = {
    "roles": ["CREATE TABLE roles (id INTEGER PRIMARY KEY, character_name TEXT)"],
    "auditions": ["CREATE TABLE auditions (id INTEGER PRIMARY KEY, actor TEXT, role_id INTEGER)"],
    "both": ["CREATE TABLE roles (id INTEGER PRIMARY KEY, character_name TEXT)",
             "CREATE TABLE auditions (id INTEGER PRIMARY KEY, actor TEXT, role_id INTEGER)",
             "INSERT INTO roles VALUES (1, 'Hamlet')"],
    "both_with_empty_bookkeeping": [
        "CREATE TABLE roles (id INTEGER PRIMARY KEY, character_name TEXT)",
        "CREATE TABLE auditions (id INTEGER PRIMARY KEY, actor TEXT, role_id INTEGER)",
        f"CREATE TABLE {BOOKKEEPING} (version INTEGER PRIMARY KEY, name, checksum, applied_at)"],
}


@pytest.mark.parametrize("call", AT_HEAD_CALLS)
@pytest.mark.parametrize("made", sorted(UNMANAGED))
def test_unmanaged_tables_made_by_hand_are_refused_with_the_way_to_adopt_them(conn, made, call):
    for sql in UNMANAGED[made]:
        conn.execute(sql)
    assert refused(conn, call) == ADOPT


def seed_database_made_by_sqlalchemy(path):
    """The seed's declarative models (shared/seeds/000_*.txt), created and
    filled through SQLAlchemy as the seed project would."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    from sqlalchemy.orm import Session

    from seed_models import Audition, Base, Role

    engine = sqlalchemy.create_engine(f"sqlite:///{path}", future=True)
    Base.metadata.create_all(engine)
    with Session(engine, future=True) as session:
        hamlet = Role(character_name="Hamlet")
        session.add_all([
            Audition(actor="Ada", location="Leeds", phone=5550101, hired=True, role=hamlet),
            Audition(actor="Ben", location="York", phone=5550102, role=hamlet),
        ])
        session.commit()
    engine.dispose()


@pytest.mark.parametrize("call", AT_HEAD_CALLS)
def test_database_made_by_the_seeds_sqlalchemy_models_is_refused_with_the_way_to_adopt_it(db_path, call):
    seed_database_made_by_sqlalchemy(db_path)
    c = connect(db_path)
    assert refused(c, call) == ADOPT
    assert version(c) == 0


def test_unmanaged_database_is_at_version_0(conn):
    conn.execute(UNMANAGED["roles"][0])
    assert version(conn) == 0


# ---- arguments ----------------------------------------------------------------

@pytest.mark.parametrize("sql,message", [
    ("SELECT theater_migrate(NULL)", "theater_migrate: version must be an integer, not NULL"),
    ("SELECT theater_migrate('abc')", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate('1abc')", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate('')", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate(1.5)", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate(1e308)", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate(x'00')", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate(x'')", "theater_migrate: version must be an integer"),
    ("SELECT theater_migrate(1, 2)", "wrong number of arguments to function theater_migrate()"),
    ("SELECT theater_schema_version(1)", "wrong number of arguments to function theater_schema_version()"),
    ("SELECT theater_version(1)", "wrong number of arguments to function theater_version()"),
])
@pytest.mark.parametrize("state", ["fresh", "at_head"])
def test_bad_arguments_are_refused_naming_the_function(conn, state, sql, message):
    if state == "at_head":
        conn.execute("SELECT theater_migrate()")
    assert refused(conn, sql) == message


@pytest.mark.parametrize("argument", ["1", " 1 ", "1e0", 1.0, "1.0"], ids=repr)
def test_version_written_as_an_integer_in_other_forms_is_accepted(conn, argument):
    assert scalar(conn, "SELECT theater_migrate(?)", (argument,)) == 1
    assert version(conn) == 1


# ---- all or nothing ----------------------------------------------------------

def test_failing_migration_names_itself_and_sqlites_message(failing_conn):
    assert refused(failing_conn, "SELECT theater_migrate()") == (
        "theater_migrate: migration 3 (fails_halfway) failed going up: no such table: no_such_table")


def test_failing_upgrade_from_0_leaves_no_table_at_all(failing_conn):
    with pytest.raises(sqlite3.OperationalError):
        failing_conn.execute("SELECT theater_migrate()")
    assert version(failing_conn) == 0
    assert failing_conn.execute("SELECT * FROM sqlite_master").fetchall() == []


def test_failing_upgrade_from_2_stays_at_2(failing_conn):
    assert scalar(failing_conn, "SELECT theater_migrate(2)") == 2
    assert "migration 3 (fails_halfway) failed going up" in refused(failing_conn, "SELECT theater_migrate(3)")
    assert version(failing_conn) == 2
    assert "third_table" not in tables(failing_conn)


def test_failing_downgrade_names_the_migration_and_keeps_its_table(failing_conn):
    assert scalar(failing_conn, "SELECT theater_migrate(2)") == 2
    assert refused(failing_conn, "SELECT theater_migrate(1)") == (
        "theater_migrate: migration 2 (breaks_on_down) failed going down: no such table: no_such_table")
    assert version(failing_conn) == 2
    assert {"first_table", "second_table"} <= tables(failing_conn)


def test_failed_call_inside_the_callers_transaction_undoes_only_its_own_work(failing_conn):
    failing_conn.execute("CREATE TABLE mine (x)")
    failing_conn.execute("BEGIN")
    failing_conn.execute("INSERT INTO mine VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="migration 3 \\(fails_halfway\\) failed going up"):
        failing_conn.execute("SELECT theater_migrate()")
    assert failing_conn.in_transaction
    assert failing_conn.execute("SELECT x FROM mine").fetchall() == [(1,)]
    failing_conn.execute("COMMIT")
    assert tables(failing_conn) == {"mine"}
    assert failing_conn.execute("SELECT x FROM mine").fetchall() == [(1,)]


def test_failed_call_keeps_an_earlier_successful_call_of_the_same_transaction(failing_conn):
    failing_conn.execute("BEGIN")
    assert scalar(failing_conn, "SELECT theater_migrate(2)") == 2
    with pytest.raises(sqlite3.OperationalError):
        failing_conn.execute("SELECT theater_migrate(3)")
    assert failing_conn.in_transaction
    failing_conn.execute("COMMIT")
    assert version(failing_conn) == 2


def test_successful_call_is_undone_by_the_callers_rollback(conn):
    conn.execute("BEGIN")
    assert scalar(conn, "SELECT theater_migrate()") == HEAD
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT * FROM sqlite_master").fetchall() == []
    assert version(conn) == 0


def test_successful_call_is_kept_by_the_callers_commit(db_path):
    c = connect(db_path)
    c.execute("BEGIN")
    c.execute("SELECT theater_migrate()")
    c.execute("COMMIT")
    c.close()
    assert version(connect(db_path)) == HEAD


def test_successful_call_outside_a_transaction_commits(db_path):
    c = connect(db_path)
    c.execute("SELECT theater_migrate()")
    assert not c.in_transaction
    other = connect(db_path)
    assert version(other) == HEAD


def test_downgrade_inside_a_statement_that_reads_a_table_is_refused_with_a_hint(at_head):
    at_head.execute("INSERT INTO roles VALUES (1, 'Hamlet')")
    message = refused(at_head, "SELECT theater_migrate(0) FROM roles")
    assert message.startswith("theater_migrate: migration ")
    assert "failed going down: database table is locked" in message
    assert message.endswith(TABLE_LOCKED_HINT)
    assert version(at_head) == HEAD


def test_migrate_at_head_on_a_read_only_database_is_a_no_op(db_path):
    setup = connect(db_path)
    setup.execute("SELECT theater_migrate()")
    setup.close()
    reader = connect(f"file:{db_path}?mode=ro", uri=True)
    assert scalar(reader, "SELECT theater_migrate()") == HEAD


def test_migrate_down_on_a_read_only_database_is_refused(db_path):
    setup = connect(db_path)
    setup.execute("SELECT theater_migrate()")
    setup.close()
    reader = connect(f"file:{db_path}?mode=ro", uri=True)
    assert refused(reader, "SELECT theater_migrate(0)") == "theater_migrate: attempt to write a readonly database"


def test_migrate_while_another_connection_writes_is_refused_as_busy(db_path):
    writer = connect(db_path)
    writer.execute("SELECT theater_migrate()")
    migrator = connect(db_path, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    message = refused(migrator, "SELECT theater_migrate(0)")
    assert message.endswith("database is locked")
    writer.execute("ROLLBACK")
    assert scalar(migrator, "SELECT theater_migrate(0)") == 0


SHADOW = "CREATE TEMP TABLE auditions (id INTEGER PRIMARY KEY, actor TEXT, hired INTEGER, role_id INTEGER)"


def test_a_temp_table_named_auditions_does_not_capture_the_schema(conn):
    conn.execute(SHADOW)
    conn.execute("SELECT theater_migrate()")
    assert conn.execute("SELECT type, name FROM sqlite_temp_master").fetchall() == [("table", "auditions")]
    assert scalar(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'auditions'") > 0


def test_migrate_0_leaves_a_temp_table_named_auditions_alone(conn):
    conn.execute(SHADOW)
    conn.execute("INSERT INTO temp.auditions (id, actor) VALUES (1, 'keep me')")
    conn.execute("SELECT theater_migrate()")
    conn.execute("SELECT theater_migrate(0)")
    assert conn.execute("SELECT type, name FROM sqlite_master").fetchall() == []
    assert conn.execute("SELECT actor FROM temp.auditions").fetchall() == [("keep me",)]


# ---- writers are DIRECTONLY ------------------------------------------------

UNSAFE = "unsafe use of theater_migrate()"


@pytest.mark.parametrize("call", ["theater_migrate()", "theater_migrate(0)"])
def test_a_view_cannot_run_migrate(at_head, call):
    at_head.execute(f"CREATE VIEW v AS SELECT {call} AS m")
    assert refused(at_head, "SELECT * FROM v") == UNSAFE


@pytest.mark.parametrize("call", ["theater_migrate()", "theater_migrate(0)"])
def test_a_trigger_cannot_run_migrate(at_head, call):
    at_head.execute("CREATE TABLE t (x)")
    at_head.execute(f"CREATE TRIGGER t_migrates AFTER INSERT ON t BEGIN SELECT {call}; END")
    assert refused(at_head, "INSERT INTO t VALUES (1)") == UNSAFE


@pytest.mark.parametrize("sql", ["SELECT * FROM other.v", "INSERT INTO other.t VALUES (1)"])
def test_a_view_or_trigger_in_another_database_cannot_run_migrate(conn, tmp_path, sql):
    other = sqlite3.connect(tmp_path / "other.db")
    other.executescript("CREATE VIEW v AS SELECT theater_migrate() AS m;"
                        "CREATE TABLE t (x);"
                        "CREATE TRIGGER t_migrates AFTER INSERT ON t BEGIN SELECT theater_migrate(); END;")
    other.close()
    conn.execute("ATTACH ? AS other", (str(tmp_path / "other.db"),))
    assert refused(conn, sql) == UNSAFE
    assert version(conn) == 0


# ---- migrations are embedded -----------------------------------------------

def test_the_extension_needs_no_file_at_run_time(tmp_path, monkeypatch):
    lonely = tmp_path / "elsewhere" / "theater.so"
    lonely.parent.mkdir()
    shutil.copy(EXTENSION, lonely)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    c = connect(extension=lonely)
    assert scalar(c, "SELECT theater_migrate()") == HEAD
    assert {"roles", "auditions"} <= tables(c)
    assert os.listdir(workdir) == []


@pytest.mark.parametrize("version_,name,up,whole", MIGRATIONS, ids=[m[1] for m in MIGRATIONS])
def test_each_migration_is_embedded_in_the_extension(version_, name, up, whole):
    binary = EXTENSION.read_bytes()
    assert name.encode() in binary
    assert up.encode() in binary


def test_the_shipped_extension_embeds_only_the_real_migrations():
    binary = EXTENSION.read_bytes()
    for _, name, up, _ in FAILING:
        assert up.encode() not in binary, name
    assert b"CREATE TABLE main.roles" in binary


def test_the_build_regenerates_the_extension_when_a_migration_changes():
    # With the Makefile generator the dependency is written out in build.make;
    # other generators are not checked here.
    build_make = BUILD / "CMakeFiles" / "theater.dir" / "build.make"
    if not build_make.is_file():
        pytest.skip("not a Makefile build")
    rules = build_make.read_text()
    for path in sorted((ROOT / "migrations").glob("*.sql")):
        assert re.search(rf"^\S*embedded_migrations\.cpp: {re.escape(str(path))}$", rules, re.M), path
