"""Issue 5, item 2: trust boundaries.

- Writers (call_back, theater_migrate) are SQLITE_DIRECTONLY: no view or
  trigger stored in the main database or an ATTACHed one can run them.
- Readers are innocuous: they work in views and triggers under
  PRAGMA trusted_schema=OFF.
- Everything works with SQLITE_DBCONFIG_DEFENSIVE on (the sqlite3 shell's
  .dbconfig), migrations up and down included.
- The extension opens no files and no sockets (strace).
- On a read-only connection readers work and writers fail with SQLite's
  "attempt to write a readonly database", named by the function.
"""
import hashlib
import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import EXTENSION, ROOT, connect, scalar
from shell import run_shell

VERSION = re.search(r"project\(theater VERSION (\d+\.\d+\.\d+)",
                    (ROOT / "CMakeLists.txt").read_text()).group(1)
HEAD = len(list((ROOT / "migrations").glob("*.sql")))

SEED = """
INSERT INTO roles (id, character_name) VALUES (1, 'Hamlet'), (2, 'Ophelia'), (3, 'Ghost');
INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES
  (1, 'Sam Waterston', 'New York', 2125550101, 1, 1),
  (2, 'Kevin Kline', 'New York', NULL, 1, 1),
  (3, 'Helena Bonham', 'London', 2075550104, 0, 2),
  (4, 'Kate Winslet', 'London', 2075550105, 1, 2),
  (5, 'Julia Stiles', 'Chicago', NULL, 0, 2);
"""

WRITERS = ["call_back(3)", "theater_migrate()", "theater_migrate(0)", "theater_migrate(1)"]

# Every reader, as a query whose rows a view or trigger can pass on.
READERS = [
    "SELECT role_lead(1)",
    "SELECT role_understudy(2)",
    "SELECT theater_schema_version()",
    "SELECT theater_version()",
    "SELECT theater_debug()",
    "SELECT * FROM role_auditions(2)",
    "SELECT * FROM role_actors(1)",
    "SELECT * FROM role_locations(2)",
    "SELECT * FROM audition_role(4)",
    "SELECT * FROM role_casting(2)",
    "SELECT * FROM role_casting",
    "SELECT * FROM role_casting WHERE role_id = 1",
    "SELECT role_id, actor FROM role_actors",
    "SELECT version, name, applied, applied_at FROM theater_migration_status",
]

SCHEMAS = ["main", "aux"]


def seed(conn):
    conn.execute("SELECT theater_migrate()")
    conn.executescript(SEED)
    return conn


def snapshot(conn):
    return list(conn.iterdump()), scalar(conn, "SELECT total_changes()")


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def seeded(conn):
    """A migrated, seeded database with an empty database attached as aux,
    each with a table `events` for triggers to fire on."""
    seed(conn)
    conn.execute("ATTACH ':memory:' AS aux")
    for schema in SCHEMAS:
        conn.execute(f"CREATE TABLE {schema}.events (x)")
    return conn


def trusted_schema(conn, on):
    conn.execute(f"PRAGMA trusted_schema = {'ON' if on else 'OFF'}")
    assert scalar(conn, "PRAGMA trusted_schema") == int(on)


# ---- writers: never from a view or trigger of the schema ---------------------------

@pytest.mark.parametrize("trusted", [True, False], ids=["trusted_schema=ON", "trusted_schema=OFF"])
@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_writer_cannot_run_from_a_view(seeded, writer, schema, trusted):
    trusted_schema(seeded, trusted)
    seeded.execute(f"CREATE VIEW {schema}.v AS SELECT {writer} AS r")
    before = snapshot(seeded)
    name = writer.split("(")[0]
    with pytest.raises(sqlite3.OperationalError, match=re.escape(f"unsafe use of {name}()")):
        seeded.execute(f"SELECT * FROM {schema}.v").fetchall()
    assert snapshot(seeded) == before


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted_schema=ON", "trusted_schema=OFF"])
@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_writer_cannot_run_from_a_trigger(seeded, writer, schema, trusted):
    trusted_schema(seeded, trusted)
    seeded.execute(f"CREATE TRIGGER {schema}.t AFTER INSERT ON events BEGIN SELECT {writer}; END")
    before = snapshot(seeded)
    name = writer.split("(")[0]
    with pytest.raises(sqlite3.OperationalError, match=re.escape(f"unsafe use of {name}()")):
        seeded.execute(f"INSERT INTO {schema}.events VALUES (1)")
    assert snapshot(seeded) == before


@pytest.mark.parametrize("kind", ["view", "trigger"])
def test_temp_views_and_triggers_may_call_theater_migrate(seeded, kind):
    # SQLITE_DIRECTONLY guards against SQL stored in a database file; TEMP
    # views and triggers exist only because this connection's own SQL made
    # them, so SQLite lets them call it (documented in docs/reference.md).
    if kind == "view":
        seeded.execute("CREATE TEMP VIEW v AS SELECT theater_migrate() AS r")
        run = "SELECT * FROM v"
    else:
        seeded.execute("CREATE TEMP TRIGGER t AFTER INSERT ON main.events BEGIN SELECT theater_migrate(); END")
        run = "INSERT INTO main.events VALUES (1)"
    seeded.execute(run).fetchall()
    assert seeded.execute("SELECT theater_schema_version()").fetchone()[0] >= 1


# ---- readers: in views and triggers with trusted_schema=OFF ----------------------

def test_trusted_schema_off_does_refuse_a_function_not_marked_innocuous(seeded):
    """Control: the pragma is in effect, so the readers' passing means something."""
    seeded.create_function("plain", 0, lambda: 1)   # Python cannot mark it innocuous
    seeded.execute("CREATE VIEW v AS SELECT plain() AS r")
    trusted_schema(seeded, False)
    with pytest.raises(sqlite3.OperationalError, match=re.escape("unsafe use of plain()")):
        seeded.execute("SELECT * FROM v").fetchall()


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("reader", READERS)
def test_a_reader_works_in_a_view_with_trusted_schema_off(seeded, reader, schema):
    expected = seeded.execute(reader).fetchall()
    assert expected, "every reader query should return rows on the seeded database"
    seeded.execute(f"CREATE VIEW {schema}.v AS {reader}")
    trusted_schema(seeded, False)
    assert seeded.execute(f"SELECT * FROM {schema}.v").fetchall() == expected


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("reader", READERS)
def test_a_reader_works_in_a_trigger_with_trusted_schema_off(seeded, reader, schema):
    cursor = seeded.execute(reader)
    expected = cursor.fetchall()
    columns = ", ".join(f"c{i}" for i in range(len(cursor.description)))
    seeded.execute(f"CREATE TABLE {schema}.out ({columns})")
    seeded.execute(f"CREATE TRIGGER {schema}.t AFTER INSERT ON events BEGIN INSERT INTO out {reader}; END")
    trusted_schema(seeded, False)
    seeded.execute(f"INSERT INTO {schema}.events VALUES (1)")
    assert seeded.execute(f"SELECT * FROM {schema}.out").fetchall() == expected


# ---- SQLITE_DBCONFIG_DEFENSIVE (through the shell's .dbconfig) -----------------------

DEFENSIVE = ".dbconfig defensive on\n"
SHELL_SEED = "SELECT theater_migrate();\n" + SEED

# (SQL after defensive mode is on, the shell's output)
DEFENSIVE_CASES = {
    "theater_migrate up and down": (
        "SELECT theater_migrate(); SELECT theater_migrate(1); SELECT theater_migrate(0);"
        "SELECT theater_schema_version(); SELECT theater_migrate(1); SELECT theater_migrate();"
        "SELECT theater_schema_version();",
        f"{HEAD}\n1\n0\n0\n1\n{HEAD}\n{HEAD}\n"),
    "call_back": (SHELL_SEED + "SELECT call_back(3); SELECT hired FROM auditions WHERE id = 3;", f"{HEAD}\n1\n1\n"),
    "role_lead": (SHELL_SEED + "SELECT role_lead(2), role_lead(3);",
                  f"{HEAD}\n4|no actor has been hired for this role\n"),
    "role_understudy": (SHELL_SEED + "SELECT role_understudy(1), role_understudy(2);",
                        f"{HEAD}\n2|no actor has been hired for understudy for this role\n"),
    "theater_schema_version": ("SELECT theater_schema_version();", "0\n"),
    "theater_version": ("SELECT theater_version();", f"{VERSION}\n"),
    "role_auditions": (SHELL_SEED + "SELECT * FROM role_auditions(2);",
                       f"{HEAD}\n3|Helena Bonham|London|2075550104|0\n4|Kate Winslet|London|2075550105|1\n"
                       "5|Julia Stiles|Chicago||0\n"),
    "role_actors": (SHELL_SEED + "SELECT * FROM role_actors(1);", f"{HEAD}\nSam Waterston\nKevin Kline\n"),
    "role_locations": (SHELL_SEED + "SELECT * FROM role_locations(2);", f"{HEAD}\nLondon\nLondon\nChicago\n"),
    "audition_role": (SHELL_SEED + "SELECT * FROM audition_role(5);", f"{HEAD}\n2|Ophelia\n"),
    "role_casting": (SHELL_SEED + "SELECT * FROM role_casting;",
                     f"{HEAD}\n1|Hamlet|1|Sam Waterston|2|Kevin Kline\n2|Ophelia|4|Kate Winslet||\n3|Ghost||||\n"),
    "theater_migration_status": (SHELL_SEED + "SELECT version, applied FROM theater_migration_status;",
                                 f"{HEAD}\n" + "".join(f"{v}|1\n" for v in range(1, HEAD + 1))),
}


@pytest.mark.parametrize("name", DEFENSIVE_CASES)
def test_every_function_works_with_defensive_on(name, tmp_path):
    sql, expected = DEFENSIVE_CASES[name]
    result = run_shell(tmp_path / "defensive.db", DEFENSIVE + ".dbconfig defensive\n" + sql, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.split("\n", 2)[:2] == ["          defensive on"] * 2
    assert result.stdout.split("\n", 2)[2] == expected


def test_defensive_on_is_in_effect_in_that_shell(tmp_path):
    """Control: defensive mode refuses what it should, so the passes above count."""
    sql = DEFENSIVE + SHELL_SEED + "PRAGMA writable_schema = ON;\nUPDATE sqlite_master SET sql = sql;\n"
    result = run_shell(tmp_path / "defensive.db", sql, check=False)
    assert result.returncode == 1
    assert "table sqlite_master may not be modified" in result.stderr


# ---- no files, no sockets (strace) ------------------------------------------------

STRACE_CHILD = r"""
import sqlite3, sys
db, extension, journal_mode, markers, extra = sys.argv[1:6]

def mark(name):  # a failing open shows in the trace, touches nothing
    try:
        open(f"{markers}/{name}")
    except OSError:
        pass

conn = sqlite3.connect(db, isolation_level=None)
conn.execute(f"PRAGMA journal_mode = {journal_mode}")
# SQLite's own first write: seeds its PRNG from /dev/urandom before the load.
conn.execute("CREATE TABLE warm_up (x)")
conn.execute("DROP TABLE warm_up")
conn.enable_load_extension(True)
mark("BEFORE_LOAD")
conn.load_extension(extension)
mark("LOADED")
if extra:
    open(extra).close()
statements = [
    "SELECT theater_version()",
    "SELECT theater_schema_version()",
    "SELECT theater_migrate()",
    "INSERT INTO roles VALUES (1, 'Hamlet'), (2, 'Ophelia')",
    "INSERT INTO auditions (actor, location, role_id) VALUES ('A', 'X', 1), ('B', 'Y', 1), ('C', 'Z', 2)",
    "SELECT call_back(1), call_back(2)",
    "SELECT role_lead(1), role_understudy(1), role_lead(2), role_understudy(2)",
    "SELECT * FROM role_auditions(1)",
    "SELECT * FROM role_actors(1)",
    "SELECT * FROM role_locations(2)",
    "SELECT * FROM audition_role(3)",
    "SELECT * FROM role_casting(1)",
    "SELECT * FROM role_casting",
    "SELECT * FROM theater_migration_status",
    "SELECT theater_migrate(1)",
    "SELECT theater_migrate(0)",
    "SELECT theater_migrate()",
    "SELECT theater_schema_version()",
]
for sql in statements:
    conn.execute(sql).fetchall()
conn.close()
mark("END")
print("ok")
"""

TRACED = "open,openat,openat2,creat,socket,connect"
CALL = re.compile(r"^(?:\d+\s+)?(open|openat|openat2|creat|socket|connect)\((.*)$")
PATH = re.compile(r'"((?:[^"\\]|\\.)*)"')
SHARED_LIBRARY = re.compile(r"(^/etc/ld\.so\.cache$)|(\.so(\.\d+)*$)")


def traced_run(tmp_path, journal_mode, extra=""):
    """Runs STRACE_CHILD under strace; returns [(syscall, path or None)]."""
    markers, trace = tmp_path / "markers", tmp_path / "trace"
    db = tmp_path / "traced.db"
    child = subprocess.run(
        ["strace", "-f", "-e", f"trace={TRACED}", "-o", str(trace),
         "/usr/bin/python3", "-I", "-c", STRACE_CHILD, str(db), str(EXTENSION), journal_mode, str(markers), extra],
        capture_output=True, text=True, timeout=60)
    assert child.returncode == 0 and child.stdout == "ok\n", child.stderr[-3000:]
    calls = []
    for line in trace.read_text().splitlines():
        m = CALL.match(line)
        if m:
            path = PATH.search(m.group(2))
            calls.append((m.group(1), path.group(1) if path else None))
    return db, markers, calls


def between(calls, start, end):
    paths = [p for _, p in calls]
    return calls[paths.index(start) + 1:paths.index(end)]


def unexpected_calls(tmp_path, journal_mode, extra=""):
    """What the child opened or connected to, from the load of theater.so to
    the end, other than the dynamic loader's libraries (during the load) and
    the database's own files (after it)."""
    db, markers, calls = traced_run(tmp_path, journal_mode, extra)
    loading = between(calls, str(markers / "BEFORE_LOAD"), str(markers / "LOADED"))
    running = between(calls, str(markers / "LOADED"), str(markers / "END"))
    assert ("openat", str(EXTENSION)) in loading, "the trace should show the load"
    own = {str(db), f"{db}-journal", f"{db}-wal", f"{db}-shm", str(db.parent)}  # parent: SQLite's directory fsync
    return ([c for c in loading if c[0] in ("socket", "connect") or not SHARED_LIBRARY.search(c[1] or "")
             and c[1] != str(EXTENSION)]
            + [c for c in running if c[0] in ("socket", "connect") or c[1] not in own])


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_the_extension_opens_no_files_and_no_sockets(tmp_path, journal_mode):
    assert unexpected_calls(tmp_path, journal_mode) == []


def test_the_strace_check_sees_a_file_opened_after_the_load(tmp_path):
    """Control: the same child, opening one more file, is caught."""
    assert unexpected_calls(tmp_path, "delete", extra="/etc/hostname") == [("openat", "/etc/hostname")]


# ---- a read-only connection -------------------------------------------------------

@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("trust") / "seeded.db"
    conn = connect(path)
    seed(conn)
    conn.close()
    return path


def open_read_only(path, how):
    if how == "mode=ro":
        return connect(f"file:{path}?mode=ro", uri=True)
    conn = connect(path)
    conn.execute("PRAGMA query_only = ON")
    return conn


READ_ONLY = ["mode=ro", "query_only"]


@pytest.mark.parametrize("how", READ_ONLY)
@pytest.mark.parametrize("reader", READERS + ["SELECT theater_migrate()", f"SELECT theater_migrate({HEAD})"])
def test_a_reader_works_on_a_read_only_connection(seeded_file, reader, how):
    writable = connect(seeded_file)
    expected = writable.execute(reader).fetchall()
    writable.close()
    before = digest(seeded_file)
    ro = open_read_only(seeded_file, how)
    assert ro.execute(reader).fetchall() == expected
    ro.close()
    assert digest(seeded_file) == before


# theater_migrate's failures in a migration's SQL carry the migration's name
# (docs/reference.md: "a migration's SQL fails"), still after the function's.
READ_ONLY_FAILURES = {
    "call_back(3)": r"call_back: attempt to write a readonly database",
    "call_back(1)": r"call_back: attempt to write a readonly database",   # hired already
    "theater_migrate(0)": r"theater_migrate: attempt to write a readonly database",
    "theater_migrate(1)": r"theater_migrate: attempt to write a readonly database",
}


@pytest.mark.parametrize("how", READ_ONLY)
@pytest.mark.parametrize("writer", READ_ONLY_FAILURES)
def test_a_writer_fails_on_a_read_only_connection_naming_itself(seeded_file, writer, how):
    before = digest(seeded_file)
    ro = open_read_only(seeded_file, how)
    with pytest.raises(sqlite3.OperationalError) as caught:
        ro.execute(f"SELECT {writer}").fetchall()
    assert re.fullmatch(READ_ONLY_FAILURES[writer], str(caught.value)), str(caught.value)
    assert not ro.in_transaction
    ro.close()
    assert digest(seeded_file) == before


def test_the_shell_loads_the_extension_on_a_read_only_database(seeded_file, tmp_path):
    db = tmp_path / "ro.db"
    shutil.copyfile(seeded_file, db)
    result = subprocess.run(
        ["sqlite3", "-readonly", "-bail", str(db), "-cmd", f".load {EXTENSION.with_suffix('')}"],
        input="SELECT role_lead(1), theater_schema_version();\nSELECT call_back(3);\n",
        capture_output=True, text=True, timeout=60)
    assert result.stdout == f"1|{HEAD}\n"
    assert result.returncode == 1
    assert "call_back: attempt to write a readonly database" in result.stderr
