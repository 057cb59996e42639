"""What role_lead / role_understudy rely on and SQLite does not document: data
set with sqlite3_set_auxdata() in a negative slot belongs to the statement as a
whole, lives until the statement is reset or finalized, and is destroyed then
(ext/theater/hires.cpp; docs/platforms.md, "SQLite versions").

A statement asking about many roles in ascending order is served by one
HireStream, which holds one of the connection's pooled statements (kHires in
hires.cpp) and walks it forward instead of seeking again. sqlite_stmt
shows that statement from SQL: `run` counts its seeks (one per start after a
reset), `busy` says whether a stream is holding it mid-scan. So:
- SQLite dropping the data between calls means a new stream, hence a new seek,
  per call: `run` grows with the number of roles instead of by one;
- SQLite never destroying it means the stream keeps its statement: it stays
  busy after the outer statement ends, and the next statement's stream has to
  prepare a second copy.
scripts/test-sqlite-versions.sh runs this on the newest and the oldest SQLite
the extension supports; the valgrind run of the C++ tests (scripts/test-cpp.sh)
would report the leak too."""
import re

import pytest

from conftest import ROOT
from theater_data import bare_connection, insert_auditions, insert_roles

SOURCE = (ROOT / "ext" / "theater" / "hires.cpp").read_text()
# The stream's query, as the extension prepares it (and sqlite_stmt shows it).
HIRES = re.search(r'constexpr const char\* kHires =\s*"([^"]+)";', SOURCE)[1]
ROLES = 200
EVERY_ROLE = "SELECT id, role_lead(id), role_understudy(id) FROM roles ORDER BY id"


@pytest.fixture
def cast():
    """Roles 1..ROLES; role r hires auditions 10r+1 and 10r+2 (10r is not hired).
    The sqlite3 module caches no statement, so the outer query is finalized
    once Python drops it."""
    conn = bare_connection()
    conn.execute("SELECT theater_migrate()")
    insert_roles(conn, [(r, f"role {r}") for r in range(1, ROLES + 1)])
    insert_auditions(conn, [(10 * r + k, f"actor {r}.{k}", "Oslo", None, int(k > 0), r)
                            for r in range(1, ROLES + 1) for k in range(3)])
    yield conn
    conn.close()


def hires_statements(conn):
    """(run, busy) of each copy of the stream's query prepared on conn."""
    assert conn.execute("SELECT count(*) FROM pragma_module_list WHERE name = 'sqlite_stmt'").fetchone()[0], (
        "this SQLite has no sqlite_stmt table (SQLITE_ENABLE_STMTVTAB): Debian's libsqlite3 "
        "and the builds of scripts/test-sqlite-versions.sh have it")
    return conn.execute("SELECT run, busy FROM sqlite_stmt WHERE sql = ?", (HIRES,)).fetchall()


def expected(first, last):
    return [(r, 10 * r + 1, 10 * r + 2) for r in range(first, last + 1)]


def test_the_query_is_the_one_the_extension_prepares(cast):
    cast.execute("SELECT role_lead(1)").fetchall()
    assert hires_statements(cast) == [(1, 0)]


def test_one_stream_serves_every_call_of_a_statement(cast):
    cursor = cast.execute(EVERY_ROLE)
    assert cursor.fetchmany(ROLES // 2) == expected(1, ROLES // 2)
    # Halfway: 200 calls so far (role_lead and role_understudy share the
    # stream), one seek, and the stream still holds the statement mid-scan.
    assert hires_statements(cast) == [(1, 1)]
    assert cursor.fetchall() == expected(ROLES // 2 + 1, ROLES)
    # 400 calls, one seek; the statement ended, so the stream was destroyed
    # and gave its statement back (reset, hence not busy).
    assert hires_statements(cast) == [(1, 0)]


def test_the_stream_is_destroyed_when_the_statement_is_reset_midway(cast):
    cursor = cast.execute(EVERY_ROLE)
    cursor.fetchmany(10)
    assert hires_statements(cast) == [(1, 1)]
    cursor.close()  # sqlite3_reset()
    assert hires_statements(cast) == [(1, 0)]
    # The next statement's stream takes the same statement back from the
    # pool: a stream left alive would have forced a second copy.
    assert cast.execute(EVERY_ROLE).fetchall() == expected(1, ROLES)
    assert hires_statements(cast) == [(2, 0)]


def test_the_stream_is_destroyed_when_the_statement_is_finalized_midway(cast):
    query = EVERY_ROLE + " -- finalized"
    cursor = cast.execute(query)
    cursor.fetchmany(10)
    assert hires_statements(cast) == [(1, 1)]
    del cursor  # with no statement cache, the last reference finalizes it
    assert cast.execute("SELECT count(*) FROM sqlite_stmt WHERE sql = ?", (query,)).fetchone()[0] == 0
    assert hires_statements(cast) == [(1, 0)]


def test_each_statement_gets_a_stream_of_its_own(cast):
    for _ in range(3):
        assert cast.execute(EVERY_ROLE).fetchall() == expected(1, ROLES)
    assert hires_statements(cast) == [(3, 0)]


def test_two_statements_at_once_have_a_stream_each(cast):
    # Auxiliary data belongs to one statement: interleaving two statements
    # gives two streams, two copies of the query, each sought once.
    first = cast.execute(EVERY_ROLE)
    second = cast.execute(EVERY_ROLE + " -- second")
    for start in range(1, ROLES // 2, 10):
        assert first.fetchmany(10) == second.fetchmany(10) == expected(start, start + 9)
    assert sorted(hires_statements(cast)) == [(1, 1), (1, 1)]
    assert first.fetchall() == second.fetchall() == expected(ROLES // 2 + 1, ROLES)
    # Both streams gave their copy back: the pool keeps one idle copy (reset)
    # and finalizes the other.
    assert hires_statements(cast) == [(1, 0)]


def test_a_trigger_program_gets_a_stream_per_run_and_destroys_it(cast):
    # SQLite sets a statement's auxiliary data aside while a trigger runs and
    # destroys the trigger's own when it returns (sqlite3VdbeFrameRestore).
    # Inside the UPDATE's write transaction every call seeks anew (the stream
    # forgets its position whenever the connection may have written), so what
    # this shows is that no stream outlives its trigger run.
    cast.execute("CREATE TEMP TABLE leads (role_id, lead)")
    cast.execute("CREATE TEMP TRIGGER note_lead AFTER UPDATE OF phone ON auditions "
                 "BEGIN INSERT INTO leads SELECT NEW.role_id, role_lead(NEW.role_id); END")
    cast.execute("UPDATE auditions SET phone = 1 WHERE id % 10 = 0")
    assert cast.execute("SELECT count(*), count(DISTINCT role_id), sum(lead = 10 * role_id + 1) FROM leads"
                        ).fetchone() == (ROLES, ROLES, ROLES)
    [(runs, busy)] = hires_statements(cast)
    assert (runs, busy) == (ROLES, 0)
