"""Issue 17, target 4: call_back_all(audition_ids), the set-based hire
(docs/reference.md, "call_back_all"). It hires what the per-call call_back
and the hand-written UPDATE hire, or fails and writes nothing: a missing id,
a bad element, a trigger's error, an interrupt, in any chunk of the batch.

SQLITE_LIMIT_VARIABLE_NUMBER sets the widest chunk: lowering it makes small
batches take several chunks (several UPDATEs), so the all-or-nothing of a
long batch is tested on a few ids."""
import json
import shutil
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import connect, scalar
from test_cancel import Cancel, scratch, snapshot  # noqa: F401 (scratch is a fixture)
from theater_data import error_of, hired_flags, load_cast, load_random_cast, rows

NOT_MIGRATED = ("call_back_all: the theater schema is not installed in this database; "
                "run SELECT theater_migrate() first")
NOT_INTEGER = "call_back_all: audition_id must be an integer"
NOT_ARRAY = "call_back_all: audition_ids must be a JSON array"
IN_A_WRITE = ("call_back_all: it writes, so it cannot run inside a statement that writes; "
              "run it as a statement of its own: SELECT call_back_all(...)")


@pytest.fixture
def cast():
    """The hand-made cast: auditions 1, 2, 3, 5, 7, 8, 9; 5, 7, 8, 9 hired."""
    conn = load_cast(connect())
    yield conn
    conn.close()


def state(conn):
    return hired_flags(conn), scalar(conn, "SELECT count(*) FROM roles")


def hire_all(conn, ids):
    return scalar(conn, "SELECT call_back_all(?)", (json.dumps(ids),))


def limit_chunks(conn, width):
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, width)


# ---- what it hires -------------------------------------------------------------

def test_hires_every_id_once_and_returns_how_many(cast):
    assert hire_all(cast, [3, 1, 2, 1, None, 3]) == 3
    assert rows(cast, "SELECT id FROM auditions WHERE hired = 1 ORDER BY id") == [(i,) for i in (1, 2, 3, 5, 7, 8, 9)]
    # Hiring again is harmless, as with call_back: each is still counted.
    assert hire_all(cast, [1, 5]) == 2


def test_empty_null_and_only_nulls_write_nothing(cast):
    before = state(cast)
    changes = scalar(cast, "SELECT total_changes()")
    assert hire_all(cast, []) == 0
    assert hire_all(cast, [None, None]) == 0
    assert scalar(cast, "SELECT call_back_all(NULL)") is None
    assert scalar(cast, "SELECT call_back_all(json_group_array(id)) FROM auditions WHERE 0") == 0
    assert state(cast) == before
    assert scalar(cast, "SELECT total_changes()") == changes
    assert not cast.in_transaction


def test_collected_by_json_group_array_in_the_same_statement(cast):
    assert scalar(cast, "SELECT call_back_all(json_group_array(id)) FROM auditions WHERE hired = 0") == 3
    assert scalar(cast, "SELECT count(*) FROM auditions WHERE hired = 0") == 0


def test_per_group_each_group_is_a_call(cast):
    got = rows(cast, "SELECT role_id, call_back_all(json_group_array(id)) FROM auditions GROUP BY role_id "
                     "ORDER BY role_id")
    assert got == [(1, 4), (2, 2), (4, 1)]
    assert scalar(cast, "SELECT min(hired) FROM auditions") == 1


@pytest.mark.parametrize("element", ["7", '"7"', '" 7 "', "7.0", '"7e0"', "7e0", "0.7e1", '"\\u0037"'])
def test_each_element_follows_the_id_rule(cast, element):
    assert scalar(cast, "SELECT call_back_all(?)", (f"[2, {element}, null]",)) == 2
    assert rows(cast, "SELECT id FROM auditions WHERE id IN (2, 7) AND hired = 1") == [(2,), (7,)]


@pytest.mark.parametrize("element", ["7.5", "1e308", "1e400", '""', '"abc"', '"12abc"', "true", "false", "[7]",
                                     '{"id": 7}', "9223372036854775808", '"' + "9" * 100 + '"'])
def test_an_element_that_is_not_an_integer_is_an_error_and_writes_nothing(cast, element):
    before = state(cast)
    assert error_of(cast, "SELECT call_back_all(?)", (f"[2, {element}, 3]",)) == NOT_INTEGER
    assert state(cast) == before


# Not text SQLite 3.42 and later read as JSON5 either (a trailing comma, hex).
@pytest.mark.parametrize("argument", ["7", "'7'", "'{\"a\": 1}'", "'[1, 2'", "'[1 2]'", "''", "'[1] x'",
                                      "x'5b315d'", "1.5", "'[1]' || char(0) || 'x'"])
def test_an_argument_that_is_not_a_json_array_is_an_error(cast, argument):
    before = state(cast)
    assert error_of(cast, f"SELECT call_back_all({argument})") == NOT_ARRAY
    assert state(cast) == before


def test_json_from_sqlite_and_from_an_application_are_the_same(cast):
    text = scalar(cast, "SELECT json_array(2, '3', 1.0, NULL)")
    assert scalar(cast, "SELECT call_back_all(?)", (text,)) == 3
    assert scalar(cast, "SELECT call_back_all(json_array(2, ' 3 ', 1.0, NULL))") == 3


# ---- errors: named, and nothing written ---------------------------------------------

@pytest.mark.parametrize("width", [1024, 2, 1])
def test_a_missing_id_names_the_lowest_and_nothing_is_written(cast, width):
    limit_chunks(cast, width)
    before = state(cast)
    changes = scalar(cast, "SELECT total_changes()")
    # 4 and 6 name no audition; with narrow chunks the first chunks are
    # written before the one holding 6 fails, and are undone with it.
    assert error_of(cast, "SELECT call_back_all(?)", (json.dumps([9, 2, 3, 6, 1, 4]),)) == (
        "call_back_all: no audition with id 4")
    assert error_of(cast, "SELECT call_back_all(?)", (json.dumps([1, 2, 3, 99]),)) == (
        "call_back_all: no audition with id 99")
    assert state(cast) == before
    assert not cast.in_transaction
    assert scalar(cast, "SELECT total_changes()") >= changes


@pytest.mark.parametrize("width", [1024, 1])
def test_inside_the_callers_transaction_a_failure_undoes_only_the_call(cast, width):
    limit_chunks(cast, width)
    cast.execute("BEGIN")
    cast.execute("INSERT INTO roles (id, character_name) VALUES (10, 'Yorick')")
    before = state(cast)
    assert error_of(cast, "SELECT call_back_all('[1, 2, 3, 4]')") == "call_back_all: no audition with id 4"
    assert cast.in_transaction
    assert state(cast) == before
    assert hire_all(cast, [1, 2]) == 2
    cast.execute("ROLLBACK")
    assert scalar(cast, "SELECT count(*) FROM auditions WHERE hired = 1") == 4
    assert scalar(cast, "SELECT count(*) FROM roles WHERE id = 10") == 0


def test_inside_the_callers_transaction_a_success_is_the_callers_to_commit(cast):
    cast.execute("BEGIN")
    assert hire_all(cast, [1, 2]) == 2
    assert cast.in_transaction
    cast.execute("COMMIT")
    assert scalar(cast, "SELECT count(*) FROM auditions WHERE hired = 1") == 6


def test_an_error_later_in_the_statement_hires_nothing(cast):
    """The reason call_back_all is a scalar over an array rather than an
    aggregate: SQLite finalizes an aggregate also when the statement stops
    part-way, which would have hired the ids read so far."""
    before = state(cast)
    sql = ("SELECT call_back_all(json_group_array(id)) FROM auditions "
           "WHERE abs(CASE WHEN id = 8 THEN -9223372036854775808 ELSE 1 END)")
    assert error_of(cast, sql) == "integer overflow"
    assert state(cast) == before


def test_not_migrated_read_only_and_inside_a_statement_that_writes(tmp_path):
    conn = connect()
    assert error_of(conn, "SELECT call_back_all('[1]')") == NOT_MIGRATED
    assert error_of(conn, "SELECT call_back_all('[]')") == NOT_MIGRATED
    assert scalar(conn, "SELECT call_back_all(NULL)") is None
    conn.close()
    path = tmp_path / "cast.db"
    load_cast(connect(path)).close()
    ro = connect(f"file:{path}?mode=ro", uri=True)
    assert error_of(ro, "SELECT call_back_all('[1]')") == "call_back_all: attempt to write a readonly database"
    assert scalar(ro, "SELECT call_back_all('[]')") == 0
    ro.close()
    conn = connect(path)
    conn.execute("CREATE TABLE log (n INTEGER)")
    before = state(conn)
    assert error_of(conn, "INSERT INTO log SELECT call_back_all('[1]')") == IN_A_WRITE
    conn.execute("BEGIN")
    assert error_of(conn, "INSERT INTO log SELECT call_back_all('[1]')") == IN_A_WRITE
    conn.execute("ROLLBACK")
    assert state(conn) == before
    assert scalar(conn, "SELECT count(*) FROM log") == 0
    conn.close()


def test_directonly_no_view_or_trigger_of_the_schema_may_call_it(cast):
    cast.execute("CREATE VIEW hire_them AS SELECT call_back_all('[1, 2]') AS n")
    before = state(cast)
    assert error_of(cast, "SELECT * FROM hire_them") == "unsafe use of call_back_all()"
    assert state(cast) == before


# ---- triggers -----------------------------------------------------------------------

def test_triggers_fire_as_for_call_back(cast):
    cast.executescript("""
        CREATE TABLE hire_log (audition_id INTEGER);
        CREATE TRIGGER log_hire AFTER UPDATE OF hired ON auditions BEGIN
          INSERT INTO hire_log VALUES (NEW.id);
        END;""")
    assert hire_all(cast, [3, 1, 9, 1]) == 3
    assert rows(cast, "SELECT audition_id FROM hire_log ORDER BY rowid") == [(1,), (3,), (9,)]
    cast.execute("DELETE FROM hire_log")
    for i in (3, 1, 9):
        cast.execute("SELECT call_back(?)", (i,))
    assert rows(cast, "SELECT audition_id FROM hire_log ORDER BY audition_id") == [(1,), (3,), (9,)]


@pytest.mark.parametrize("width", [1024, 1])
def test_a_trigger_that_fails_undoes_the_whole_batch(cast, width):
    limit_chunks(cast, width)
    cast.execute("CREATE TRIGGER no_nine BEFORE UPDATE ON auditions WHEN NEW.id = 9 BEGIN "
                 "SELECT RAISE(ABORT, 'nine is not for hire'); END")
    before = state(cast)
    assert error_of(cast, "SELECT call_back_all('[1, 2, 3, 9]')") == "call_back_all: nine is not for hire"
    assert state(cast) == before


@pytest.mark.parametrize("width", [1024, 1])
def test_a_constraint_that_fails_inside_a_trigger_undoes_the_whole_batch(cast, width):
    # The UPDATEs run OR FAIL (no statement journal of their own); a trigger's
    # statement inherits that, and still fails the call.
    limit_chunks(cast, width)
    cast.executescript("""
        CREATE TABLE once (n INTEGER UNIQUE);
        INSERT INTO once VALUES (3);
        CREATE TRIGGER log_once AFTER UPDATE OF hired ON auditions BEGIN INSERT INTO once VALUES (NEW.id); END;""")
    before = state(cast), rows(cast, "SELECT n FROM once")
    assert error_of(cast, "SELECT call_back_all('[1, 2, 3]')") == "call_back_all: UNIQUE constraint failed: once.n"
    assert (state(cast), rows(cast, "SELECT n FROM once")) == before


def test_a_trigger_that_skips_a_row_is_an_error_and_undoes_the_batch(cast):
    cast.execute("CREATE TRIGGER skip_two BEFORE UPDATE ON auditions WHEN NEW.id = 2 BEGIN "
                 "SELECT RAISE(IGNORE); END")
    before = state(cast)
    assert error_of(cast, "SELECT call_back_all('[1, 2, 3]')") == (
        "call_back_all: a trigger on auditions skipped some of these hires (RAISE(IGNORE)); nothing was hired")
    assert state(cast) == before


def test_a_trigger_may_call_call_back_but_not_call_back_all(cast):
    # DIRECTONLY: only a TEMP trigger, which the connection's own SQL makes,
    # may call them.
    cast.execute("CREATE TEMP TRIGGER also_two AFTER UPDATE OF hired ON auditions WHEN NEW.id = 1 BEGIN "
                 "SELECT call_back(2); END")
    assert hire_all(cast, [1]) == 1
    assert rows(cast, "SELECT id FROM auditions WHERE id IN (1, 2) AND hired = 1") == [(1,), (2,)]
    cast.execute("DROP TRIGGER also_two")
    cast.execute("CREATE TEMP TRIGGER batch_again AFTER UPDATE OF hired ON auditions WHEN NEW.id = 3 BEGIN "
                 "SELECT call_back_all('[3]'); END")
    before = state(cast)
    assert error_of(cast, "SELECT call_back_all('[1, 3]')") == IN_A_WRITE
    assert state(cast) == before


# ---- the same hires as call_back and as the hand-written UPDATE ----------------------

ELEMENT_FORMS = [
    lambda i: str(i),
    lambda i: f'"{i}"',
    lambda i: f"{i}.0",
    lambda i: f'" {i} "',
]


@st.composite
def batches(draw):
    seed = draw(st.integers(0, 10_000))
    n = draw(st.integers(0, 40))
    picks = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    nulls = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    forms = draw(st.lists(st.sampled_from(range(len(ELEMENT_FORMS))), min_size=n, max_size=n))
    missing = draw(st.lists(st.integers(-5, 10_000_000), max_size=2)) if draw(st.integers(0, 4)) == 0 else []
    width = draw(st.sampled_from([1, 2, 3, 4, 5, 16, 1024]))
    caller_transaction = draw(st.booleans())
    return seed, picks, nulls, forms, missing, width, caller_transaction


def fresh_cast(seed):
    conn = connect()
    _, auditions = load_random_cast(conn, seed, roles=6, max_auditions=6)
    return conn, sorted(a[0] for a in auditions)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=batches())
def test_property_call_back_all_hires_what_call_back_and_the_hand_update_hire(case):
    seed, picks, nulls, forms, missing, width, caller_transaction = case
    conn, existing = fresh_cast(seed)
    ids = [existing[p % len(existing)] for p in picks] if existing else []
    ids = ids + missing
    elements = ["null" if k < len(nulls) and nulls[k] else ELEMENT_FORMS[forms[k] if k < len(forms) else 0](i)
                for k, i in enumerate(ids)]
    text = "[" + ", ".join(elements) + "]"
    chosen = {i for k, i in enumerate(ids) if elements[k] != "null"}
    absent = sorted(chosen - set(existing))
    limit_chunks(conn, width)
    before = state(conn)
    if caller_transaction:
        conn.execute("BEGIN")
    if absent:
        assert error_of(conn, "SELECT call_back_all(?)", (text,)) == f"call_back_all: no audition with id {absent[0]}"
        assert state(conn) == before
        assert conn.in_transaction == caller_transaction
        conn.close()
        return
    assert scalar(conn, "SELECT call_back_all(?)", (text,)) == len(chosen)
    assert conn.in_transaction == caller_transaction
    got = state(conn)
    # The same batch through call_back, one call per id, in the batch's order.
    per_call, _ = fresh_cast(seed)
    per_call.execute("BEGIN")
    for k, i in enumerate(ids):
        if elements[k] != "null":
            assert scalar(per_call, "SELECT call_back(?)", (json.loads(f"[{elements[k]}]")[0],)) == 1
    per_call.execute("COMMIT")
    assert state(per_call) == got
    per_call.close()
    # And through the hand-written UPDATE.
    hand, _ = fresh_cast(seed)
    hand.execute("UPDATE auditions SET hired = 1 WHERE id IN (SELECT value FROM json_each(?))",
                 (json.dumps(sorted(chosen)),))
    assert state(hand) == got
    hand.close()
    conn.close()


# ---- cancelled at every step ----------------------------------------------------------

def sweep(scratch, call, transaction, way, width=None, setup=None):
    """test_cancel.py's sweep for one call, on a connection whose chunks are
    `width` ids wide: a cancel at every check SQLite makes leaves the old
    state (with an error) or the new one, never a transaction the caller did
    not open; inside the caller's transaction, a cancel may end it, and then
    the database is as before the caller's BEGIN."""
    base = scratch / "base.db"
    conn = connect(base)
    load_cast(conn)
    conn.execute("CREATE TABLE callers_work (note TEXT)")
    if setup:
        conn.executescript(setup)
    before_caller = snapshot(conn)
    conn.close()
    work = scratch / "work.db"

    def run(cancel_at=None):
        shutil.copy(base, work)
        conn = connect(work)
        conn.execute("PRAGMA synchronous = OFF")
        if width:
            limit_chunks(conn, width)
        if transaction == "caller":
            conn.execute("BEGIN")
            conn.execute("INSERT INTO callers_work VALUES ('the caller''s')")
        cancel = Cancel(conn, way, cancel_at)
        conn.set_progress_handler(cancel, 1)
        error = None
        try:
            conn.execute(call).fetchall()
        except sqlite3.Error as e:
            error = str(e)
        conn.set_progress_handler(None, 1)
        return conn, error, cancel.seen

    conn, error, checks = run()
    assert error is None, error
    if transaction == "caller":
        conn.execute("COMMIT")
    new = snapshot(conn)
    conn.close()
    shutil.copy(base, work)
    conn = connect(work)
    if transaction == "caller":
        conn.execute("INSERT INTO callers_work VALUES ('the caller''s')")
    old = snapshot(conn)
    conn.close()
    assert old != new

    problems, outcomes = [], {"old": 0, "new": 0, "new, reported": 0, "caller's rolled back": 0}
    for at in range(1, checks + 1):
        conn, error, _ = run(at)
        if transaction == "autocommit" and conn.in_transaction:
            problems.append((at, "left inside a transaction", error))
            conn.close()
            continue
        ended = transaction == "caller" and not conn.in_transaction
        if conn.in_transaction:
            conn.execute("COMMIT")
        got = snapshot(conn)
        conn.close()
        if error is not None and not error.endswith("interrupted"):
            problems.append((at, "an error that is not the interrupt", error))
        if ended:
            outcomes["caller's rolled back"] += 1
            if got != before_caller:
                problems.append((at, "the caller's transaction ended, but not as before it", error))
        elif got == old and error is not None:
            outcomes["old"] += 1
        elif got == new and error is None:
            outcomes["new"] += 1
        elif got == new:
            outcomes["new, reported"] += 1
            if error != "interrupted" and transaction == "autocommit":
                problems.append((at, "committed, yet the call reports an error", error))
        else:
            problems.append((at, "neither the old state nor the new one" if got != old else "old without an error",
                             error))
    assert checks > 10
    assert not problems, f"{len(problems)} of {checks} cancel points: {problems[:5]}"
    assert outcomes["old"] > 0


HIRE_LOG = """
CREATE TABLE hire_log (audition_id INTEGER);
CREATE TRIGGER log_hire AFTER UPDATE OF hired ON auditions BEGIN INSERT INTO hire_log VALUES (NEW.id); END;
"""

CANCEL_CASES = {
    "one chunk": ("SELECT call_back_all('[2, 3, 1]')", None, None),
    # Three chunks of one id: the first two written when the third is cancelled.
    "three chunks": ("SELECT call_back_all('[2, 3, 1]')", 1, None),
    "three chunks, a trigger that writes": ("SELECT call_back_all('[2, 3, 1]')", 1, HIRE_LOG),
    # Cancelled while json_group_array still collects, or while the batch is written.
    "collected in the statement": ("SELECT call_back_all(json_group_array(id)) FROM auditions WHERE hired = 0",
                                   2, None),
}


@pytest.mark.parametrize("transaction", ["autocommit", "caller"])
@pytest.mark.parametrize("way", ["interrupt", "refuse_once", "refuse_from_then_on"])
@pytest.mark.parametrize("case", list(CANCEL_CASES))
def test_cancel_at_every_step_hires_all_or_nothing(scratch, case, way, transaction):  # noqa: F811
    call, width, setup = CANCEL_CASES[case]
    sweep(scratch, call, transaction, way, width, setup)
