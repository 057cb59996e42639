"""Crash safety of theater_migrate (issue 5, item 3).

A child process (/usr/bin/python3) migrates a file database that is big
enough for the work to take a while (300k auditions: building the partial
index of migration 2 takes tens of milliseconds, dropping it a few), and the
parent kills it with SIGKILL:

- at named points inside the migration, reached deterministically: the child
  pauses in a progress handler at the n-th VM step of a given statement of the
  migration (a test-only pause in the child, nothing in the extension);
- at 15 points in time while the child migrates up and down in a loop, so that
  kills also land inside file I/O (journal writes, the commit itself).

After every kill, a fresh connection finds the database at the old version or
the new one and nothing in between: PRAGMA integrity_check is ok, the schema
and the bookkeeping are exactly those of that version, every data row is
there, and a later theater_migrate() finishes. Both journal modes: rollback
(DELETE) and WAL.
"""
import os
import select
import shutil
import signal
import subprocess
import time

import pytest

from conftest import EXTENSION, ROOT, SQLITE, connect, scalar

HEAD = len(list((ROOT / "migrations").glob("*.sql")))
ROLES = 1_000
AUDITIONS = 300_000
JOURNAL_MODES = ["delete", "wal"]
# Every kill point by default; the runs that repeat the suite on other SQLite
# releases and under the sanitizers (scripts/test.sh) take every n-th.
CRASH_STRIDE = int(os.environ.get("THEATER_CRASH_STRIDE", "1"))
LINE_TIMEOUT = 60  # seconds; a bound on every wait for the child, never reached when things work

# The child. argv: database, extension, then either "loop" (migrate between
# 1 and 2 forever, announcing each call; a database at head, where an earlier
# recovery left it, goes down to 2 first) or "pause TARGET PREFIX STEP" (migrate
# to TARGET and stop for good at the STEP-th VM step of the first statement of
# the migration whose SQL starts with PREFIX, or right after the call returned
# when PREFIX is "returned").
CHILD = r"""
import sqlite3, sys, time
path, extension, how = sys.argv[1:4]
conn = sqlite3.connect(path, isolation_level=None)
conn.enable_load_extension(True)
conn.load_extension(extension)
version = conn.execute("SELECT theater_schema_version()").fetchone()[0]
print("ready", version, flush=True)
if how == "loop":
    target = 1 if version == 2 else 2
    while True:
        print("migrating", target, flush=True)
        conn.execute("SELECT theater_migrate(?)", (target,)).fetchall()
        print("done", target, flush=True)
        target = 3 - target
else:
    target, prefix, step = int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
    state = {"armed": False, "steps": 0}

    def trace(sql):
        # Statements run by the extension are reported as "-- <sql>".
        sql = sql[3:] if sql.startswith("-- ") else sql
        if not state["armed"] and sql.startswith(prefix) and state["steps"] == 0:
            state["armed"] = True
        elif state["armed"]:
            state["armed"] = False  # the next statement began: STEP never came
            state["steps"] = -1

    def progress():
        if state["armed"]:
            state["steps"] += 1
            if state["steps"] >= step:
                print("paused", flush=True)
                time.sleep(600)  # killed long before
        return 0

    if prefix != "returned":
        conn.set_trace_callback(trace)
        conn.set_progress_handler(progress, 1)
    print("migrating", target, flush=True)
    conn.execute("SELECT theater_migrate(?)", (target,)).fetchall()
    if prefix == "returned":
        print("paused", flush=True)  # the call returned; the child has not said so
        time.sleep(600)
    print("done", target, flush=True)
"""


# ---- the child ---------------------------------------------------------------

class Child:
    """The migrating child process; reads its stdout line by line with a bound
    on every wait."""

    def __init__(self, path, *args):
        self.lines = []
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-c", CHILD, str(path), str(EXTENSION), *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        self._pending = b""

    def wait_for(self, word):
        """Reads lines until one starts with word; returns it."""
        deadline = time.monotonic() + LINE_TIMEOUT
        while True:
            while b"\n" in self._pending:
                line, self._pending = self._pending.split(b"\n", 1)
                self.lines.append(line.decode())
                if self.lines[-1].split()[0] == word:
                    return self.lines[-1]
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                self._stop()
                pytest.fail(f"child gave no {word!r} line; said {self.lines}; stderr: {self.stderr}")
            self._pending += chunk

    def kill(self):
        """SIGKILL, then collect everything it printed."""
        self._stop()
        assert self.proc.returncode == -signal.SIGKILL, \
            f"the child ended on its own ({self.proc.returncode}): {self.lines}; stderr: {self.stderr}"

    def _stop(self):
        self.proc.send_signal(signal.SIGKILL)  # a no-op once it has ended
        self.proc.wait(timeout=LINE_TIMEOUT)
        rest = self._pending + self.proc.stdout.read()
        self._pending = b""
        self.lines += [line for line in rest.decode().split("\n") if line]
        self.stderr = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def where(self):
        """(version before the call in progress, its target or None when the
        kill landed between calls)."""
        version = int(self.lines[0].split()[1])
        target = None
        for line in self.lines[1:]:
            word, *number = line.split()
            if word == "migrating":
                target = int(number[0])
            elif word == "done":
                version, target = int(number[0]), None
        return version, target


# ---- the database ------------------------------------------------------------

def reference(version):
    """Schema and bookkeeping of a database freshly migrated to version."""
    ref = connect()
    ref.execute("SELECT theater_migrate(?)", (version,))
    state = schema_of(ref)
    ref.close()
    return state


def schema_of(conn):
    objects = conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master"
                           " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").fetchall()
    bookkeeping = conn.execute("SELECT version, name, checksum FROM main.theater_schema_migrations"
                               " ORDER BY version").fetchall()
    status = conn.execute("SELECT version, name, applied FROM theater_migration_status").fetchall()
    return objects, bookkeeping, status


REFERENCE = {}


def expected_schema(version):
    if version not in REFERENCE:
        REFERENCE[version] = reference(version)
    return REFERENCE[version]


def fingerprint(conn):
    """Every data row, summed up."""
    return conn.execute(
        "SELECT (SELECT count(*) FROM roles), (SELECT total(length(character_name)) FROM roles),"
        " count(*), sum(hired), sum(role_id), sum(phone), total(length(actor) + length(location))"
        " FROM auditions").fetchone()


def build_template(path, journal_mode):
    conn = connect(path)
    assert scalar(conn, f"PRAGMA journal_mode = {journal_mode}") == journal_mode
    conn.execute("SELECT theater_migrate(1)")
    conn.execute("BEGIN")
    conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                 " INSERT INTO roles SELECT i, 'role ' || i FROM n", (ROLES,))
    conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                 " INSERT INTO auditions (id, actor, location, phone, hired, role_id)"
                 " SELECT i, 'actor ' || i, 'city ' || (i % 97), 5550000 + i, i % 3 = 0, 1 + i % ?"
                 " FROM n", (AUDITIONS, ROLES))
    conn.execute("COMMIT")
    prints = fingerprint(conn)
    conn.close()  # checkpoints and removes a WAL: the file alone is the database
    assert not os.path.exists(f"{path}-wal") and not os.path.exists(f"{path}-journal")
    return prints


@pytest.fixture(scope="module", params=JOURNAL_MODES)
def template(request, tmp_path_factory):
    """A database at version 1 with ROLES roles and AUDITIONS auditions, in
    the journal mode of the parameter; (journal_mode, path, fingerprint)."""
    path = tmp_path_factory.mktemp(f"crash-{request.param}") / "template.db"
    return request.param, path, build_template(path, request.param)


@pytest.fixture
def victim(template, tmp_path):
    """A fresh copy of the template for one test."""
    journal_mode, source, prints = template
    path = tmp_path / "victim.db"
    shutil.copyfile(source, path)
    return journal_mode, path, prints


def leftovers(path):
    """What the kill left beside the database file: a hot rollback journal or
    a WAL with frames, for the report."""
    found = {}
    for suffix in ("-journal", "-wal"):
        if os.path.exists(f"{path}{suffix}"):
            found[suffix] = os.path.getsize(f"{path}{suffix}")
    return found


def check_after_kill(path, journal_mode, prints, allowed):
    """The database left by a kill, opened by a fresh connection (which rolls
    back a hot journal or recovers the WAL). Returns the version found."""
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert scalar(conn, "PRAGMA journal_mode") == journal_mode
        version = scalar(conn, "SELECT theater_schema_version()")
        assert version in allowed, f"version {version}, expected one of {allowed}"
        assert schema_of(conn) == expected_schema(version)
        has_index = scalar(conn, "SELECT count(*) FROM sqlite_master"
                                 " WHERE type = 'index' AND name = 'auditions_hired_by_role'")
        assert has_index == (version >= 2)
        assert fingerprint(conn) == prints
        # A later migration finishes, and its index holds every hired audition.
        assert scalar(conn, "SELECT theater_migrate()") == HEAD
        assert schema_of(conn) == expected_schema(HEAD)
        assert scalar(conn, "SELECT count(*) FROM auditions INDEXED BY auditions_hired_by_role"
                            " WHERE hired = 1") == prints[3]
        assert fingerprint(conn) == prints
        return version
    finally:
        conn.close()


# ---- kills at named points inside a migration ---------------------------------

# (version before, target, statement prefix, VM step, version expected):
# where the child stops for its kill. The statements are those the extension
# runs for the migration, as its SQL trace shows them; a point that is never
# reached fails the test with the child's "done" line. Every point inside the
# call comes before COMMIT has done its work, so the old version must be
# found; after the call returned, the new one.
PAUSES = [
    (1, 2, "BEGIN", 1, "old"),                 # taking the write lock
    (1, 2, "CREATE INDEX", 1, "old"),          # the migration's own SQL starts
    (1, 2, "CREATE INDEX", 1_000_000, "old"),  # half-way through building the index
    (1, 2, "INSERT", 1, "old"),                # index built, bookkeeping not yet written
    (1, 2, "COMMIT", 1, "old"),                # everything written, not committed
    (1, 2, "returned", 0, "new"),              # committed; the child has not said so
    (2, 1, "BEGIN", 1, "old"),
    (2, 1, "DROP INDEX", 1, "old"),
    (2, 1, "DELETE", 1, "old"),                # index dropped, bookkeeping row still there
    (2, 1, "COMMIT", 1, "old"),
    (2, 1, "returned", 0, "new"),
    # Down to 0 drops the data: a kill must give every row back.
    (2, 0, "DROP TABLE main.auditions", 1, "old"),  # migration 2 undone, 1 not yet
    (2, 0, "DROP TABLE main.theater_schema_migrations", 1, "old"),  # data tables gone
    (2, 0, "COMMIT", 1, "old"),
]


def prepare_version(path, version):
    conn = connect(path)
    conn.execute("SELECT theater_migrate(?)", (version,))
    conn.close()


def pause_id(pause):
    before, target, prefix, step, _ = pause
    return f"{before}to{target}-{prefix.replace('main.', '').replace(' ', '_')}-{step}"


@pytest.mark.parametrize("before,target,prefix,step,expected", PAUSES[::CRASH_STRIDE],
                         ids=map(pause_id, PAUSES[::CRASH_STRIDE]))
def test_kill_at_a_named_point_leaves_the_old_or_the_new_version(victim, before, target, prefix, step,
                                                                   expected):
    journal_mode, path, prints = victim
    if prefix == "COMMIT" and SQLITE < (3, 40, 0):
        # The pause comes from the progress handler, which SQLite calls at jumps.
        # From 3.40.0 the COMMIT program jumps (Init, Goto) before OP_AutoCommit
        # commits; before, it runs Init, AutoCommit, Halt, so the first call
        # comes after the commit: this point does not exist there (the kill
        # would land where the "returned" cases already do).
        pytest.skip("before SQLite 3.40.0 no progress handler call comes between COMMIT's start and the commit")
    prepare_version(path, before)
    child = Child(path, "pause", target, prefix, step)
    child.wait_for("paused")
    child.kill()
    assert child.where() == (before, target)  # killed before it could report the call done
    version = before if expected == "old" else target
    assert check_after_kill(path, journal_mode, prints, allowed={version}) == version


# ---- kills at points in time --------------------------------------------------

# Delays after the child's "ready" line, in seconds: spread over several
# up-and-down cycles (one cycle takes about 70 ms on the reference machine).
KILL_DELAYS = [0.003 + 0.0217 * i for i in range(15)]


def test_kills_at_many_points_in_time_leave_old_or_new_version(template, tmp_path, capsys):
    """The same database, killed and recovered again and again."""
    journal_mode, source, prints = template
    path = tmp_path / "victim.db"
    shutil.copyfile(source, path)
    report = []
    for delay in KILL_DELAYS[::CRASH_STRIDE]:
        child = Child(path, "loop")
        child.wait_for("ready")
        time.sleep(delay)
        child.kill()
        version, target = child.where()
        left = leftovers(path)
        allowed = {version} if target is None else {version, target}
        found = check_after_kill(path, journal_mode, prints, allowed)
        report.append((round(delay, 3), version, target, found, left))
    inside = [r for r in report if r[2] is not None]
    rolled_back = [r for r in inside if r[3] == r[1]]
    summary = (f"[{journal_mode}] {len(inside)} of {len(report)} kills landed inside theater_migrate"
               f" ({len(rolled_back)} found the old version, {len(inside) - len(rolled_back)} the new);"
               f" {sum(1 for r in report if r[4].get('-journal'))} left a hot journal,"
               f" {sum(1 for r in report if r[4].get('-wal'))} a non-empty WAL")
    with capsys.disabled():
        print("\n" + summary)
    # The child spends all but microseconds of each cycle inside the call, so
    # this only fails when the children never got to migrate at all.
    assert len(inside) >= len(report) // 2, (summary, report)
