"""Cancelling a call that writes: sqlite3_interrupt() (a cancel button, a
timeout thread) or a progress handler that returns non-zero, landing at
every virtual-machine step of the call, leaves the old state or the new one,
and never a transaction the caller did not open (docs/reference.md,
"Cancelling a call").

Each case is swept: a progress handler called at every check SQLite makes
(nProgressOps = 1, which includes the statements the call runs inside) counts
them in one clean run, then each run k cancels at the k-th one, in three
ways: sqlite3_interrupt() (the flag stays raised until the outer statement
ends, so whatever the call runs afterwards to undo its work is interrupted
too), the handler refusing once, and the handler refusing from then on. The
oracle is SQLite's own rule: inside the caller's transaction, a cancel may
also end the caller's whole transaction, as SQLite itself does when a
statement that writes is interrupted; then the database must hold exactly
what it held before the caller's BEGIN.

At every cancel point the database is checked to hold the old state or the
new one; at every AGAIN_STRIDE-th point the call is also made again on the
same connection, which must reach the new state (a second whole run of the
call: at every point it was two thirds of the suite's largest test file)."""
import ctypes
import functools
import os
import shutil
import sqlite3
import pathlib
import tempfile

import pytest

from conftest import BUILD, connect
from theater_data import load_cast

WAYS = ["interrupt", "refuse_once", "refuse_from_then_on"]
TRANSACTIONS = ["autocommit", "caller"]
# Every check by default. The checks are counted in each transaction mode's
# own clean run, so a stride n spreads the mode's three ways to cancel over its
# checks, each way every n-th check from an offset of its own (sweep_points):
# with n <= 3 every check of each mode is still cancelled (scripts/test.sh's
# main run: n = 2, each check one or two ways instead of all three); with
# n = 6 (the other releases and the sanitizers' run) half of them, three
# consecutive checks in every six, each one way.
STRIDE = int(os.environ.get("THEATER_SWEEP_STRIDE", "1"))
# The call made again after a cancel: at every 8th point a sweep takes (it is a
# second whole run of the call: at every 4th it was 28% of the sweeps' time);
# every point with THEATER_AGAIN_STRIDE=1 (docs/platforms.md, "SQLite versions").
AGAIN_STRIDE = int(os.environ.get("THEATER_AGAIN_STRIDE", "8"))


def sweep_points(checks, way, transaction, stride=None):
    """The checks (1-based) at which the sweep of one way and transaction
    cancels: every stride-th, from an offset of its own, the three ways of a
    transaction mode on consecutive offsets (the other mode's after them)."""
    stride = STRIDE if stride is None else stride
    offset = (TRANSACTIONS.index(transaction) * len(WAYS) + WAYS.index(way)) % stride
    return range(1 + offset, checks + 1, stride)


def snapshot(conn):
    """Schema and every row, without the timestamps a run sets."""
    out = []
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM main.sqlite_master ORDER BY type, name"):
        out.append((kind, name, sql))
        if kind != "table":
            continue
        if name == "theater_schema_migrations":
            data = conn.execute("SELECT version, name, checksum FROM theater_schema_migrations ORDER BY 1")
        elif name == "theater_relationships":
            data = conn.execute("SELECT name, from_table, to_table, through_table, options "
                                "FROM theater_relationships ORDER BY 1")
        else:
            data = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
        out.append((name, tuple(data)))
    return out


class Cancel:
    """A progress handler that counts SQLite's checks and cancels at the k-th."""

    def __init__(self, conn, way, at):
        self.conn, self.way, self.at, self.seen = conn, way, at, 0

    def __call__(self):
        self.seen += 1
        if self.at is None or self.seen < self.at:
            return 0
        if self.way == "interrupt":
            if self.seen == self.at:
                self.conn.interrupt()
            return 0
        if self.way == "refuse_once":
            return 1 if self.seen == self.at else 0
        return 1


# The sweeps' progress handler, in C (tests/harness/cancel_at.cpp): the same
# checks and the same three ways as Cancel above, at a few nanoseconds a
# check instead of about 0.9 us, which made these sweeps two thirds of the
# suite's time. Loading it into a connection installs it there, disarmed;
# ctypes arms it, so that no statement of its own adds checks.
CANCEL_AT = BUILD / "testing" / "cancel_at.so"


@functools.lru_cache(maxsize=None)
def cancel_at_library():
    library = ctypes.CDLL(str(CANCEL_AT))
    library.cancel_at_arm.argtypes = [ctypes.c_int, ctypes.c_longlong]
    library.cancel_at_arm.restype = None
    library.cancel_at_disarm.argtypes = []
    library.cancel_at_disarm.restype = ctypes.c_longlong
    return library


def run_call(path, call, transaction, way=None, at=None):
    """Runs `call` on a copy of the database at `path`, cancelled at the
    at-th check; returns (connection, error or None, checks seen)."""
    conn = connect(path)
    conn.enable_load_extension(True)
    conn.load_extension(str(CANCEL_AT))
    conn.enable_load_extension(False)
    conn.execute("PRAGMA synchronous = OFF")  # the sweep need not survive power loss
    if transaction == "caller":
        conn.execute("BEGIN")
        conn.execute("INSERT INTO callers_work VALUES ('kept or lost with the caller''s transaction')")
    library = cancel_at_library()
    library.cancel_at_arm(WAYS.index(way) if way else 0, at or 0)
    error = None
    try:
        conn.execute(call).fetchall()
    except sqlite3.Error as e:
        error = str(e)
    seen = library.cancel_at_disarm()
    return conn, error, seen


def sweep(tmp_path, setup, call, way, transaction):
    """Cancels `call` at every check; returns (checks, outcomes, problems)."""
    base = tmp_path / "base.db"
    conn = connect(base)
    conn.execute("CREATE TABLE callers_work (note TEXT)")
    setup(conn)
    before_caller = snapshot(conn)
    conn.close()
    work = tmp_path / "work.db"

    def fresh():
        shutil.copy(base, work)
        return work

    conn, error, checks = run_call(fresh(), call, transaction)
    assert error is None, error
    if transaction == "caller":
        conn.execute("COMMIT")
    new = snapshot(conn)
    conn.close()
    conn = connect(fresh())
    if transaction == "caller":
        conn.execute("INSERT INTO callers_work VALUES ('kept or lost with the caller''s transaction')")
    old = snapshot(conn)
    conn.close()
    assert old != new, "the call must change something for the sweep to mean anything"

    function = call.split("SELECT ", 1)[1].split("(", 1)[0]
    outcomes = {"old": 0, "new": 0, "new, reported as interrupted": 0, "caller's transaction rolled back": 0}
    problems = []
    for i, at in enumerate(sweep_points(checks, way, transaction)):
        conn, error, _ = run_call(fresh(), call, transaction, way, at)
        in_transaction = conn.in_transaction
        if transaction == "autocommit" and in_transaction:
            problems.append((at, "left inside a transaction", error))
            conn.close()
            continue
        if transaction == "caller" and in_transaction:
            conn.execute("COMMIT")  # whatever the caller sees is what it stores
        # Out of any transaction, the connection reads what is stored.
        state = snapshot(conn)
        # The connection is usable, and the call can be made again: a
        # half-done state would make it fail or give another result.
        again = None
        if i % AGAIN_STRIDE == 0:
            conn.execute(call).fetchall()
            again = snapshot(conn)
        conn.close()
        # SQLite 3.54.1 (not 3.34.0 or 3.40.1) reports an interrupt that
        # meets it while it codes the stored sheet's trigger, "SET (lead,
        # lead_actor) = (SELECT ...)", as this parse error; the state is
        # still old or new, which the checks below hold it to.
        sqlite_row_value_quirk = (sqlite3.sqlite_version_info >= (3, 50, 0) and
                                  error == function + ": 2 columns assigned 1 values")
        if error is not None and not sqlite_row_value_quirk and (
                not error.endswith("interrupted") or error != "interrupted" and not error.startswith(function + ": ")):
            problems.append((at, "an error that does not say the call was interrupted, or names no function",
                             error))
        if transaction == "caller" and not in_transaction:
            outcomes["caller's transaction rolled back"] += 1
            if state != before_caller:
                problems.append((at, "caller's transaction ended but the database is not as before it", error))
            continue
        if state == old and error is not None:
            outcomes["old"] += 1
        elif state == new and error is None:
            outcomes["new"] += 1
        elif state == new:
            # The cancel came after the call's work was committed: the outer
            # statement reports it, in SQLite's words, and the work stays.
            # Inside the caller's transaction, a progress handler may also
            # refuse right after RELEASE took effect, which the call cannot
            # tell from a RELEASE that did not run: it reports the
            # interrupt, and the caller's COMMIT or ROLLBACK decides.
            outcomes["new, reported as interrupted"] += 1
            if error != "interrupted" and transaction == "autocommit":
                problems.append((at, "committed, yet the call reports an error", error))
        elif state == old:
            problems.append((at, "old state without an error", error))
        else:
            problems.append((at, "neither the old state nor the new one", error))
        if again is not None and again != new:
            problems.append((at, "calling again did not reach the new state", error))
    return checks, outcomes, problems


@pytest.fixture
def scratch(tmp_path):
    """A directory for the thousands of copies a sweep makes: in memory
    (/dev/shm) where there is one, which makes the sweep I/O-free."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="theater-cancel-") as d:
            yield pathlib.Path(d)
    else:
        yield tmp_path


# --- the cases -------------------------------------------------------------------

def nothing(conn):
    pass


def migrated_to(version, with_cast=False):
    def setup(conn):
        if with_cast:
            load_cast(conn)
            conn.execute("SELECT call_back(2)")
        conn.execute(f"SELECT theater_migrate({version})")
    return setup


def with_hire_log(conn):
    migrated_to(4, with_cast=True)(conn)
    conn.executescript("""
        CREATE TABLE hire_log (audition_id INTEGER);
        CREATE TRIGGER log_hire AFTER UPDATE OF hired ON auditions WHEN NEW.hired IS NOT OLD.hired BEGIN
          INSERT INTO hire_log VALUES (NEW.id);
          SELECT count(*) FROM hire_log, hire_log AS b;
        END;""")


def with_stored_sheet(conn):
    """The cast at the newest migration with the stored casting sheet on
    (theater_materialize_casting)."""
    load_cast(conn)
    conn.execute("SELECT theater_materialize_casting()")


LIBRARY = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id) ON DELETE CASCADE);
CREATE INDEX books_author ON books(author_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE book_tags (book_id INTEGER REFERENCES books(id), tag_id INTEGER REFERENCES tags(id));
INSERT INTO authors VALUES (1, 'Le Guin'), (2, 'Borges');
INSERT INTO books VALUES (1, 'Earthsea', 1), (2, 'Ficciones', 2);
"""


def library(*declarations):
    def setup(conn):
        conn.executescript(LIBRARY)
        for sql in declarations:
            conn.execute(sql)
    return setup


CASES = {
    "migrate up from nothing": (nothing, "SELECT theater_migrate()"),
    "migrate up from nothing, WAL": (lambda conn: conn.execute("PRAGMA journal_mode = WAL"), "SELECT theater_migrate()"),
    # CREATE INDEX over rows expires every prepared statement.
    "migrate up over data": (migrated_to(1, with_cast=True), "SELECT theater_migrate()"),
    # DROP TABLE, DROP INDEX and DROP VIEW pause the guard.
    "migrate down to nothing": (migrated_to(3, with_cast=True), "SELECT theater_migrate(0)"),
    "relate, first declaration": (library(), "SELECT theater_relate('author_books', 'authors', 'books')"),
    "relate, replacing one": (
        library("SELECT theater_relate('tagged', 'books', 'tags', 'book_tags')"),
        "SELECT theater_relate('tagged', 'tags', 'books', 'book_tags')",
    ),
    "unrelate": (
        library("SELECT theater_relate('author_books', 'authors', 'books')"),
        "SELECT theater_unrelate('author_books')",
    ),
    # A plain view (model-layer.md, "Plain views"): DROP VIEW and CREATE VIEW,
    # and the options read at every step.
    "relate, replacing one and its view": (
        library("SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": \"v1\"}')"),
        "SELECT theater_relate('author_books', 'authors', 'books.title', '{\"view\": \"v2\"}')",
    ),
    "unrelate, dropping its view": (
        library("SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": \"v\"}')"),
        "SELECT theater_unrelate('author_books')",
    ),
    # Issue 15: a filter and an order checked on a private connection while
    # the write is under way (a tree is written as any declaration is).
    "relate with a filter and an order": (
        library("SELECT theater_relate('author_books', 'authors', 'books')"),
        "SELECT theater_relate('author_books', 'authors', 'books', '{\"where\": \"title <> ''x''\", "
        "\"order_by\": \"title DESC\"}')",
    ),
    "enforce, first time": (library(), "SELECT theater_enforce_foreign_keys('books')"),
    "enforce again after a schema change": (
        library("SELECT theater_enforce_foreign_keys('books')",
                "ALTER TABLE books ADD COLUMN editor_id INTEGER REFERENCES authors(id)"),
        "SELECT theater_enforce_foreign_keys('books')",
    ),
    "call_back": (migrated_to(4, with_cast=True), "SELECT call_back(3)"),
    # A trigger's completed write counts in sqlite3_total_changes() even
    # when the UPDATE that fired it is then stopped and rolled back.
    "call_back with a trigger that writes": (with_hire_log, "SELECT call_back(3)"),
    # Issue 17: the stored casting sheet. On fills a table from role_casting and
    # makes ten triggers; off drops them (DROP TRIGGER, as on does when the
    # sheet is out of step) and its two tables. call_back's UPDATE runs its
    # triggers.
    "materialize casting": (load_cast, "SELECT theater_materialize_casting()"),
    "materialize casting off": (with_stored_sheet, "SELECT theater_materialize_casting(0)"),
    "call_back with the stored sheet on": (with_stored_sheet, "SELECT call_back(2)"),
}


def case_ids():
    return list(CASES)


@pytest.mark.parametrize("transaction", TRANSACTIONS)
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", case_ids())
def test_cancel_at_every_step_leaves_old_or_new(scratch, case, way, transaction):
    setup, call = CASES[case]
    checks, outcomes, problems = sweep(scratch, setup, call, way, transaction)
    assert checks > 10
    assert not problems, f"{len(problems)} of {checks} cancel points: {problems[:5]}"
    if STRIDE == 1:
        assert outcomes["old"] > 0  # the sweep did cancel the call, inside its work
    else:
        # A strided sweep may miss the few checks where a cancel inside the
        # caller's transaction leaves it open: it still cancels the call.
        assert outcomes["old"] + outcomes["caller's transaction rolled back"] > 0


@pytest.mark.parametrize("transaction", TRANSACTIONS)
@pytest.mark.parametrize("way", WAYS)
def test_call_back_on_many_rows_keeps_each_call_whole(scratch, way, transaction):
    """A statement that calls call_back on many rows is not one write: each
    call is (SQLite's rule for functions that write). A cancel keeps the
    calls made before it, and never half of one; inside the caller's
    transaction, the caller's ROLLBACK undoes them all."""
    base = scratch / "base.db"
    conn = connect(base)
    conn.execute("CREATE TABLE callers_work (note TEXT)")
    migrated_to(3, with_cast=True)(conn)
    before = snapshot(conn)
    targets = [r[0] for r in conn.execute("SELECT id FROM auditions WHERE hired = 0 ORDER BY id")]
    conn.close()
    call = "SELECT call_back(id) FROM auditions WHERE hired = 0 ORDER BY id"
    work = scratch / "work.db"
    shutil.copy(base, work)
    conn, error, checks = run_call(work, call, transaction)
    conn.close()
    assert error is None
    problems = []
    for at in sweep_points(checks, way, transaction):
        shutil.copy(base, work)
        conn, error, _ = run_call(work, call, transaction, way, at)
        if transaction == "autocommit" and conn.in_transaction:
            problems.append((at, "left inside a transaction"))
        if transaction == "caller" and not conn.in_transaction and snapshot(conn) != before:
            problems.append((at, "the caller's transaction ended but its work is not all gone"))
        hired = [r[0] for r in conn.execute(
            "SELECT id FROM auditions WHERE hired = 1 AND id IN (%s) ORDER BY id" % ",".join(map(str, targets)))]
        if hired != targets[:len(hired)] or (error is None and hired != targets):
            problems.append((at, hired, error))
        if conn.in_transaction:
            conn.execute("ROLLBACK")
            if snapshot(conn) != before:
                problems.append((at, "the caller's ROLLBACK did not undo the batch"))
        conn.close()
    assert not problems


@pytest.mark.parametrize("stride", [1, 2, 3, 6])
@pytest.mark.parametrize("transaction", TRANSACTIONS)
def test_a_strided_sweep_spreads_a_modes_ways_over_its_checks(stride, transaction):
    """Each way takes every stride-th check; together a transaction mode's
    three ways cancel at every one of its checks up to a stride of three,
    and at three consecutive checks in every six at a stride of six."""
    checks = 97
    covered = set()
    for way in WAYS:
        points = list(sweep_points(checks, way, transaction, stride))
        assert len(points) in (checks // stride, checks // stride + 1)
        assert all(b - a == stride for a, b in zip(points, points[1:]))
        covered.update(points)
    if stride <= len(WAYS):
        assert covered == set(range(1, checks + 1))
    else:
        for start in range(1, checks - stride + 2):
            window = set(range(start, start + stride))
            assert len(covered & window) == len(WAYS)
            assert any(c in covered and c + 1 in covered for c in window)
