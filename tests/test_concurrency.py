"""Concurrency (issue 5, item 4): several processes and several threads on one
WAL database, the busy-snapshot rule for statements that read and then call
call_back, and a database used beside TEMP tables and ATTACHed databases."""
import json
import pathlib
import random
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import connect, scalar
from theater_data import NO_LEAD, NO_UNDERSTUDY, load_cast, rows

BUSY_TIMEOUT = 10  # seconds, every connection that writes beside others
WAIT = 120  # seconds, a bound on every wait for a worker; never reached when things work
TESTS = pathlib.Path(__file__).resolve().parent

# ---- the shared database -------------------------------------------------------

ROLE_COUNT = 12
AUDITIONS_PER_ROLE = 8


def initial_cast():
    """(roles, auditions) of the starting database: auditions interleave
    across roles, every fifth one hired."""
    roles = [(r, f"role {r}") for r in range(1, ROLE_COUNT + 1)]
    auditions = [(a, f"actor {a}", f"city {a % 7}", 5550000 + a, int(a % 5 == 0), 1 + a % ROLE_COUNT)
                 for a in range(1, ROLE_COUNT * AUDITIONS_PER_ROLE + 1)]
    return roles, auditions


def shared_database(path):
    roles, auditions = initial_cast()
    conn = connect(path)
    assert scalar(conn, "PRAGMA journal_mode = WAL") == "wal"
    conn.execute("SELECT theater_migrate()")
    conn.executemany("INSERT INTO roles VALUES (?, ?)", roles)
    conn.executemany("INSERT INTO auditions (id, actor, location, phone, hired, role_id)"
                     " VALUES (?, ?, ?, ?, ?, ?)", auditions)
    conn.close()
    return path


# The casting sheet by hand, from the tables alone.
HAND_CASTING = """
WITH hires AS (
  SELECT id, actor, role_id, row_number() OVER (PARTITION BY role_id ORDER BY id) AS n
  FROM main.auditions WHERE hired = 1)
SELECT r.id, r.character_name, l.id, l.actor, u.id, u.actor
FROM main.roles r
LEFT JOIN hires l ON l.role_id = r.id AND l.n = 1
LEFT JOIN hires u ON u.role_id = r.id AND u.n = 2
ORDER BY r.id"""
CASTING = "SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor FROM role_casting"

# ---- one worker ------------------------------------------------------------------

# Each read asks a function and, in the same statement (so from the same
# snapshot), the same question in plain SQL: (function's answer, SQL's answer).
def nth_hire(column, n):
    """Plain SQL: a column of the role's n-th hired audition (from 0), by id."""
    return (f"(SELECT {column} FROM main.auditions WHERE role_id = :r AND hired = 1"
            f" ORDER BY id LIMIT 1 OFFSET {n})")


AUDITION_ROWS = "SELECT json_group_array(json_array(id, actor, location, phone, hired)) FROM "
READS = {
    "role_lead": f"SELECT role_lead(:r), coalesce({nth_hire('id', 0)}, '{NO_LEAD}')",
    "role_understudy": f"SELECT role_understudy(:r), coalesce({nth_hire('id', 1)}, '{NO_UNDERSTUDY}')",
    "role_auditions": f"SELECT ({AUDITION_ROWS} role_auditions(:r)),"
                      f" ({AUDITION_ROWS} (SELECT * FROM main.auditions WHERE role_id = :r ORDER BY id))",
    "role_casting": "SELECT (SELECT json_array(lead, lead_actor, understudy, understudy_actor)"
                    " FROM role_casting(:r)),"
                    f" json_array({nth_hire('id', 0)}, {nth_hire('actor', 0)},"
                    f" {nth_hire('id', 1)}, {nth_hire('actor', 1)})",
}
OWN_HIRES = "SELECT id FROM role_auditions(:r) WHERE hired = 1"


def run_worker(path, worker, seed, operations, start):
    """operations random operations on the database at path: call_back of an
    audition it knows (the initial ones and its own), inserts of auditions,
    and reads through each table-valued or scalar reader. Returns what it
    did: every error, every read whose answer disagreed with plain SQL or
    lost one of this worker's own hires, every audition it called back, every
    audition it inserted."""
    rng = random.Random(seed)
    _, auditions = initial_cast()
    known = [(a[0], a[5]) for a in auditions]  # (audition id, role id)
    mine = {}  # role id -> ids this worker has called back
    record = {"worker": worker, "errors": [], "mismatches": [], "called_back": [], "inserted": [], "reads": 0}
    conn = connect(path, timeout=BUSY_TIMEOUT, check_same_thread=False)
    start()
    for op in range(operations):
        kind = rng.choices(["call_back", "insert", "read"], weights=[35, 25, 40])[0]
        try:
            if kind == "call_back":
                audition, role = rng.choice(known)
                assert scalar(conn, "SELECT call_back(?)", (audition,)) == 1
                record["called_back"].append(audition)
                mine.setdefault(role, set()).add(audition)
            elif kind == "insert":
                role = rng.randint(1, ROLE_COUNT)
                tag = f"worker {worker} op {op}"
                cursor = conn.execute("INSERT INTO auditions (actor, location, phone, role_id)"
                                      " VALUES (?, 'Elsewhere', ?, ?)", (tag, op, role))
                record["inserted"].append([cursor.lastrowid, tag, role])
                known.append((cursor.lastrowid, role))
            else:
                role = rng.randint(1, ROLE_COUNT)
                function = rng.choice(sorted(READS))
                got, expected = conn.execute(READS[function], {"r": role}).fetchone()
                record["reads"] += 1
                if got != expected:
                    record["mismatches"].append([op, function, role, got, expected])
                hired = {r[0] for r in conn.execute(OWN_HIRES, {"r": role})}
                if not mine.get(role, set()) <= hired:
                    record["mismatches"].append([op, "own hires lost", role, sorted(mine[role] - hired)])
        except sqlite3.Error as e:
            record["errors"].append([op, kind, str(e), getattr(e, "sqlite_errorname", None)])
    conn.close()
    return record


# A worker in a process of its own: waits at a file barrier, prints its record.
PROCESS_WORKER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_concurrency import run_worker, file_barrier
path, worker, seed, operations, gate = sys.argv[2], *map(int, sys.argv[3:6]), sys.argv[6]
print(json.dumps(run_worker(path, worker, seed, operations, file_barrier(gate, worker))))
"""


def wait_until(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.005)


def file_barrier(gate, worker):
    """For a worker process: says it is connected (gate-ready-N), then waits
    for the gate to open."""
    gate = pathlib.Path(gate)

    def start():
        (gate.parent / f"{gate.name}-ready-{worker}").touch()
        wait_until(gate.exists, "the gate never opened")
    return start


def run_processes(path, workers, operations, tmp_path):
    gate = tmp_path / "gate"
    procs = [subprocess.Popen(["/usr/bin/python3", "-c", PROCESS_WORKER, str(TESTS), str(path), str(w),
                               str(1000 + w), str(operations), str(gate)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    try:
        wait_until(lambda: all((tmp_path / f"gate-ready-{w}").exists() for w in range(workers))
                   or any(p.poll() is not None for p in procs), "workers never got ready")
        gate.touch()
        records = []
        for p in procs:
            out, err = p.communicate(timeout=WAIT)
            assert p.returncode == 0, err
            records.append(json.loads(out))
        return records
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=WAIT)


def run_threads(path, workers, operations):
    barrier = threading.Barrier(workers, timeout=WAIT)
    records = {}

    def work(w):
        records[w] = run_worker(path, w, 2000 + w, operations, barrier.wait)

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=WAIT)
    assert not any(t.is_alive() for t in threads)
    assert sorted(records) == list(range(workers))  # no worker died of an exception
    return [records[w] for w in range(workers)]


def check_final_state(path, records, operations):
    """What every record says happened is in the database, exactly once."""
    assert [r["errors"] for r in records] == [[]] * len(records)
    assert [r["mismatches"] for r in records] == [[]] * len(records)
    assert sum(r["reads"] + len(r["called_back"]) + len(r["inserted"]) for r in records) \
        == operations * len(records)
    _, auditions = initial_cast()
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # No lost update: every call-back hired its audition, and nothing else was hired.
        called = {a for r in records for a in r["called_back"]}
        hired = {row[0] for row in conn.execute("SELECT id FROM auditions WHERE hired = 1")}
        assert hired == called | {a[0] for a in auditions if a[4]}
        # Every insert is there exactly once, as its worker saw it.
        inserted = sorted(tuple(i) for r in records for i in r["inserted"])
        assert rows(conn, "SELECT id, actor, role_id FROM auditions WHERE location = 'Elsewhere'"
                          " ORDER BY id") == inserted
        assert scalar(conn, "SELECT count(*) FROM auditions") == len(auditions) + len(inserted)
        # The casting sheet agrees with the final tables.
        assert rows(conn, CASTING) == rows(conn, HAND_CASTING)
    finally:
        conn.close()


# ---- (a) processes, (c) threads --------------------------------------------------

def test_four_processes_lose_no_update_and_end_in_the_expected_state(tmp_path):
    path = shared_database(tmp_path / "shared.db")
    records = run_processes(path, workers=4, operations=1000, tmp_path=tmp_path)
    check_final_state(path, records, operations=1000)


def test_four_threads_with_a_connection_each_end_in_the_expected_state(tmp_path):
    path = shared_database(tmp_path / "shared.db")
    records = run_threads(path, workers=4, operations=1000)
    check_final_state(path, records, operations=1000)


# ---- (b) a read that turns into a write, in WAL mode -------------------------------

BATCH = "SELECT call_back(id) FROM auditions WHERE role_id = 1"
SNAPSHOT_BUSY = "call_back: database is locked"


@pytest.fixture
def pair(tmp_path):
    """(a, b): two connections on one WAL database holding the hand-made cast;
    a waits up to 10 minutes for a lock (its busy timeout), so a failure that
    comes back at all did not wait. check_same_thread is off so that a
    statement can run on a guard thread."""
    path = tmp_path / "pair.db"
    setup = connect(path)
    assert scalar(setup, "PRAGMA journal_mode = WAL") == "wal"
    load_cast(setup)
    setup.close()
    a = connect(path, timeout=600, check_same_thread=False)
    b = connect(path, timeout=BUSY_TIMEOUT, check_same_thread=False)
    yield a, b
    a.close()
    b.close()


def run_bounded(function):
    """Runs function on a thread and waits a bounded time for it; returns its
    result or raises its exception."""
    outcome = {}

    def body():
        try:
            outcome["value"] = function()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            outcome["error"] = e

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(timeout=WAIT)
    assert not thread.is_alive(), "the statement waited for its busy timeout"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def hired(conn):
    return rows(conn, "SELECT id FROM auditions WHERE hired = 1 ORDER BY id")


def another_connection_commits(b):
    """A write by b that touches nothing of role 1 (it hires audition 3 of role 4)."""
    b.execute("SELECT call_back(3)")


def assert_busy(error):
    assert str(error.value) == SNAPSHOT_BUSY
    # The extension keeps SQLite's primary code (SQLITE_BUSY); the extended
    # SQLITE_BUSY_SNAPSHOT, which says "retrying this statement cannot help",
    # does not reach the caller.
    assert error.value.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


def test_batch_call_back_after_another_commit_in_a_read_transaction_fails_at_once(pair):
    a, b = pair
    before = hired(a)
    a.execute("BEGIN")
    a.execute("SELECT count(*) FROM auditions").fetchall()  # a's snapshot
    another_connection_commits(b)
    with pytest.raises(sqlite3.OperationalError) as error:
        run_bounded(lambda: a.execute(BATCH).fetchall())
    assert_busy(error)
    assert a.in_transaction  # SQLite leaves the caller's transaction open; it can only roll back
    assert hired(a) == before  # a's snapshot: the batch wrote nothing in it
    assert hired(b) == sorted(before + [(3,)])  # nor outside it: b's write alone
    a.execute("ROLLBACK")
    assert hired(a) == sorted(before + [(3,)])


def test_batch_call_back_fails_at_once_when_another_commit_lands_inside_the_statement(pair):
    """In autocommit mode: the statement's own read takes the snapshot, b
    commits while the statement runs (from a function the WHERE clause calls
    before call_back sees the first row), and the first call_back fails."""
    a, b = pair
    before = hired(a)
    commits = []

    def other_commits():
        if not commits:
            another_connection_commits(b)
            commits.append(1)
        return 1

    a.create_function("other_commits", 0, other_commits)
    with pytest.raises(sqlite3.OperationalError) as error:
        run_bounded(lambda: a.execute(BATCH + " AND other_commits()").fetchall())
    assert_busy(error)
    assert commits == [1]
    assert not a.in_transaction
    assert hired(a) == sorted(before + [(3,)])  # nothing of the batch was written


def hold_write_lock(b, held):
    """On a thread: b takes the write lock, writes, holds it a moment, commits."""
    def body():
        b.execute("BEGIN IMMEDIATE")
        b.execute("INSERT INTO auditions (id, actor, location, role_id) VALUES (100, 'Late', 'X', 1)")
        held.set()
        time.sleep(0.3)
        b.execute("COMMIT")
    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    assert held.wait(timeout=WAIT)
    return thread


def test_batch_call_back_in_begin_immediate_waits_for_the_writer_and_succeeds(pair):
    a, b = pair
    a.execute("PRAGMA busy_timeout = 10000")
    holder = hold_write_lock(b, threading.Event())
    a.execute("BEGIN IMMEDIATE")  # waits for b's commit
    got = a.execute(BATCH + " ORDER BY id").fetchall()
    a.execute("COMMIT")
    holder.join(timeout=WAIT)
    role_1 = [r[0] for r in rows(a, "SELECT id FROM auditions WHERE role_id = 1 ORDER BY id")]
    assert 100 in role_1  # a's transaction began after b's commit, so it waited
    assert got == [(1,)] * len(role_1)
    assert scalar(a, "SELECT count(*) FROM auditions WHERE role_id = 1 AND hired = 0") == 0


def test_bare_call_back_waits_for_the_writer_and_succeeds(pair):
    a, b = pair
    a.execute("PRAGMA busy_timeout = 10000")
    holder = hold_write_lock(b, threading.Event())
    assert scalar(a, "SELECT call_back(2)") == 1  # waits for b's commit
    holder.join(timeout=WAIT)
    assert scalar(a, "SELECT hired FROM auditions WHERE id = 2") == 1
    assert scalar(a, "SELECT count(*) FROM auditions WHERE id = 100") == 1


def test_bare_call_back_succeeds_when_another_commit_lands_inside_the_statement(pair):
    """A statement that reads no table holds no snapshot, so a commit by b
    while it runs cannot make its call_back stale."""
    a, b = pair
    before = hired(a)
    commits = []

    def other_commits():
        another_connection_commits(b)
        commits.append(1)
        return 1

    a.create_function("other_commits", 0, other_commits)
    assert run_bounded(lambda: scalar(a, "SELECT call_back(2) WHERE other_commits()")) == 1
    assert commits == [1]
    assert hired(a) == sorted(before + [(2,), (3,)])


# ---- (d) TEMP tables and ATTACHed databases ----------------------------------------

ROLE_IDS = [1, 2, 3, 4, 42, 99]  # 42 exists nowhere, 99 only in the look-alikes
AUDITION_IDS = [1, 2, 3, 5, 7, 8, 9, 42, 99]


def ask(conn, sql, params=()):
    try:
        return rows(conn, sql, params)
    except sqlite3.Error as e:
        return ("error", str(e))


def every_answer(conn):
    """Every function's answer to every question, then after a call_back, a
    migration down and one back up."""
    answers = []

    def all_questions():
        answers.append(ask(conn, "SELECT theater_schema_version()"))
        answers.append(ask(conn, "SELECT version, name, applied FROM theater_migration_status"))
        for r in ROLE_IDS:
            for sql in ("SELECT role_lead(?)", "SELECT role_understudy(?)",
                        "SELECT * FROM role_auditions(?)", "SELECT * FROM role_actors(?)",
                        "SELECT * FROM role_locations(?)", "SELECT * FROM role_casting(?)",
                        f"{CASTING} WHERE role_id = ?"):
                answers.append(ask(conn, sql, (r,)))
        for a in AUDITION_IDS:
            answers.append(ask(conn, "SELECT * FROM audition_role(?)", (a,)))
        for table in ("role_auditions", "role_actors", "role_locations", "audition_role", "role_casting"):
            answers.append(ask(conn, f"SELECT * FROM {table}"))
        answers.append(ask(conn, "SELECT role_id, * FROM role_auditions"))

    all_questions()
    for a in (2, 3, 42, 99):
        answers.append(ask(conn, "SELECT call_back(?)", (a,)))
    all_questions()
    answers.append(ask(conn, "SELECT theater_migrate()"))  # at head: nothing to do
    answers.append(ask(conn, "SELECT theater_migrate(1)"))
    all_questions()
    answers.append(ask(conn, "SELECT theater_migrate()"))
    all_questions()
    answers.append(ask(conn, "PRAGMA main.integrity_check"))
    answers.append(ask(conn, "SELECT type, name, sql FROM main.sqlite_master ORDER BY name"))
    answers.append(ask(conn, "SELECT * FROM main.auditions ORDER BY id"))
    return answers


LOOK_ALIKES = """
CREATE TABLE {s}.roles (id INTEGER PRIMARY KEY, character_name TEXT);
CREATE TABLE {s}.auditions (id INTEGER PRIMARY KEY, actor, location, phone, hired, role_id);
CREATE INDEX {s}.auditions_hired_by_role ON auditions (role_id);
CREATE INDEX {s}.auditions_role_id ON auditions (role_id);
INSERT INTO {s}.roles VALUES (1, 'Not Hamlet'), (3, 'Not Yorick'), (99, 'Nobody');
INSERT INTO {s}.auditions VALUES (1, 'Shadow', 'Nowhere', 0, 1, 1), (2, 'Shadow', 'Nowhere', 0, 1, 3),
                                 (3, 'Shadow', 'Nowhere', 0, 0, 99), (99, 'Shadow', 'Nowhere', 0, 1, 99);
"""


def look_alikes(conn, schema):
    conn.executescript(LOOK_ALIKES.format(s=schema))


def dump(conn, schema):
    return [rows(conn, f"SELECT * FROM {schema}.{t} ORDER BY 1") for t in ("roles", "auditions")]


@pytest.fixture
def cast_file(tmp_path):
    path = tmp_path / "cast.db"
    conn = connect(path)
    load_cast(conn)
    conn.close()
    return path


def copy_of(path, name):
    target = path.with_name(name)
    shutil.copyfile(path, target)
    return target


def test_temp_and_attached_look_alikes_change_no_answer(cast_file, tmp_path):
    plain = connect(copy_of(cast_file, "plain.db"))
    expected = every_answer(plain)
    plain.close()

    other = tmp_path / "other.db"
    setup = sqlite3.connect(other)
    look_alikes(setup, "main")
    # A newer build's bookkeeping, in the wrong database.
    setup.executescript("CREATE TABLE theater_schema_migrations (version INTEGER PRIMARY KEY, name, checksum,"
                        " applied_at); INSERT INTO theater_schema_migrations VALUES (3, 'future', 'x', 'y');")
    setup.close()
    conn = connect(copy_of(cast_file, "shadowed.db"))
    conn.execute("ATTACH ? AS other", (str(other),))
    conn.execute("ATTACH ':memory:' AS aux")
    look_alikes(conn, "temp")
    look_alikes(conn, "aux")
    shadows = [dump(conn, s) for s in ("temp", "other", "aux")]
    try:
        # The trap is live: unqualified SQL now reads the TEMP look-alikes.
        assert rows(conn, "SELECT actor, hired FROM auditions WHERE id = 1") == [("Shadow", 1)]
        assert every_answer(conn) == expected
        assert [dump(conn, s) for s in ("temp", "other", "aux")] == shadows
        assert rows(conn, "SELECT name FROM temp.sqlite_master WHERE type = 'index' ORDER BY name") \
            == [("auditions_hired_by_role",), ("auditions_role_id",)]
    finally:
        conn.close()


def test_a_theater_database_attached_under_another_name_is_not_read(cast_file, tmp_path):
    """The functions read the main schema only: with the cast attached beside
    an empty main database, every answer is that of a database never migrated
    (and migrating installs into main)."""
    fresh = connect(tmp_path / "fresh.db")
    expected = every_answer(fresh)
    fresh.close()
    conn = connect(tmp_path / "empty.db")
    conn.execute("ATTACH ? AS theater", (str(cast_file),))
    before = dump(conn, "theater")
    try:
        assert every_answer(conn) == expected
        assert dump(conn, "theater") == before
    finally:
        conn.close()
