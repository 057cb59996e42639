"""The hire memo (ext/theater/hire_memo.hpp) and the memo pass
(ext/core/memo_pass.hpp): role_lead / role_understudy asked about many roles
in no order answer from every role's lead and understudy, read in one pass
over the hired index (and one over the roles, unless their ids fill their
span) once the keyed lookups would have paid for it; and in ascending
order a role without a hire is known to exist from the roles' id span when
the ids fill it.

None of that may show. The oracle is the correlated subquery a user would
write (lead_sql), over the same tables, in the same statement order. The
memo is built only where role ids are dense (a span of at most 4M ids), so
the casts here are dense, with gaps, orphan hires and writes in the middle
of the statement. sqlite_stmt (SQLITE_ENABLE_STMTVTAB) shows that the passes
really ran (its run counts also count a statement prepared again after a
schema change, so only "none" and "some" are compared)."""
import random
import sqlite3

import pytest

from conftest import connect
from test_keyed_lookups import assert_same, fill_keys, lead_sql, replay
from theater_data import error_of, rows

SEEDS = [1, 2, 3]
PASS = "%theater_memo_put(?1, k, v)%"  # every memo pass
HIRES_PASS = "%FROM main.auditions WHERE hired = 1)%theater_memo_put%"
ROLES_PASS = "%FROM main.roles)%theater_memo_put%"


def pass_runs(conn, pattern=PASS):
    """How many times the connection ran a memo pass (of `pattern`)."""
    return conn.execute("SELECT coalesce(sum(run), 0) FROM sqlite_stmt WHERE sql LIKE ?", (pattern,)).fetchone()[0]


def make_roles(conn, seed, roles=400, gaps=(), orphans=()):
    """Roles 1..roles but `gaps`, each with 0 to 5 auditions, about 40% hired,
    audition ids shuffled so that id order is not insertion order; `orphans`
    are role ids (absent from roles) given hired auditions all the same, as
    a client that dropped the migrations' trigger could."""
    rng = random.Random(seed)
    conn.execute("SELECT theater_migrate()")
    role_ids = [r for r in range(1, roles + 1) if r not in set(gaps)]
    conn.executemany("INSERT INTO roles VALUES (?, ?)", [(r, f"role {r}") for r in role_ids])
    plan = [r for r in role_ids for _ in range(rng.randint(0, 5))] + [o for o in orphans for _ in range(3)]
    ids = rng.sample(range(1, 20 * len(plan) + 2), len(plan))
    if orphans:
        conn.execute("DROP TRIGGER auditions_role_must_exist_on_insert")
    conn.executemany("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES (?, 'A', 'B', ?, ?)",
                     [(a, int(rng.random() < 0.4 or r in set(orphans)), r) for a, r in zip(ids, plan)])
    return role_ids


def random_roles(seed, role_ids, times=2):
    rng = random.Random(seed * 31 + 7)
    keys = list(role_ids) * times
    rng.shuffle(keys)
    return keys


def both(key="k.id"):
    return (f"SELECT k.rowid, role_lead({key}), role_understudy({key}) FROM keys k ORDER BY k.rowid",
            f"SELECT k.rowid, {lead_sql(key, 0)}, {lead_sql(key, 1)} FROM keys k ORDER BY k.rowid")


@pytest.fixture
def bare():
    c = connect(cached_statements=0)
    yield c
    c.close()


# ---------------------------------------------------------------------------
# 1. The memo answers as the subquery does

CASTS = {
    "ids that fill their span": {},
    "gaps in the ids": {"gaps": (1, 2, 150, 151, 152, 399, 400)},
    "hires of roles that do not exist, inside the span": {"gaps": (77, 200), "orphans": (77, 200)},
}


@pytest.mark.parametrize("reverse", [False, True], ids=["", "reverse_unordered_selects"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cast", list(CASTS))
def test_random_order_over_every_role_is_the_subquery(bare, cast, seed, reverse):
    """With PRAGMA reverse_unordered_selects the pass meets each role's hires
    highest id first: the memo keeps the two lowest whatever the order."""
    role_ids = make_roles(bare, seed, **CASTS[cast])
    bare.execute(f"PRAGMA reverse_unordered_selects = {int(reverse)}")
    asked = role_ids + list(CASTS[cast].get("orphans", ()))
    fill_keys(bare, random_roles(seed, asked))
    query, plain = both()
    assert_same(rows(bare, query), rows(bare, plain), cast)
    assert pass_runs(bare, HIRES_PASS) >= 1


def test_the_roles_pass_runs_only_when_ids_leave_gaps(bare):
    role_ids = make_roles(bare, 1)
    fill_keys(bare, random_roles(1, role_ids))
    rows(bare, both()[0])
    assert pass_runs(bare, HIRES_PASS) >= 1 and pass_runs(bare, ROLES_PASS) == 0
    bare.execute("DELETE FROM roles WHERE id = 10")
    fill_keys(bare, random_roles(2, [r for r in role_ids if r != 10]))
    rows(bare, both()[0])
    assert pass_runs(bare, ROLES_PASS) >= 1


@pytest.mark.parametrize("missing", [0, -1, 401, 10_000_000, 2**63 - 1, -(2**63)])
def test_a_missing_role_asked_after_the_memo_is_built_is_an_error(bare, missing):
    role_ids = make_roles(bare, 4)
    fill_keys(bare, random_roles(4, role_ids) + [missing])
    assert error_of(bare, "SELECT role_lead(id) FROM keys ORDER BY rowid") == \
        f"role_lead: no role with id {missing}"
    assert pass_runs(bare, HIRES_PASS) >= 1


def test_a_gap_in_the_ids_is_a_missing_role_to_the_memo(bare):
    role_ids = make_roles(bare, 5, gaps=(123,))
    fill_keys(bare, random_roles(5, role_ids) + [123])
    assert error_of(bare, "SELECT role_lead(id) FROM keys ORDER BY rowid") == "role_lead: no role with id 123"


def test_an_orphan_hire_outside_the_span_leaves_the_keyed_statement_serving(bare):
    """A hire of role 5000 when roles end at 400: the scans and the keyed
    statement answer it (a hire says the role exists); the memo cannot hold
    it, so it is not built."""
    role_ids = make_roles(bare, 6, orphans=(5000,))
    fill_keys(bare, random_roles(6, role_ids + [5000]))
    query, plain = both()
    assert_same(rows(bare, query), rows(bare, plain))
    assert pass_runs(bare, HIRES_PASS) >= 1  # it ran, and refused


def test_roles_with_ids_spread_wider_than_the_memo_keep_the_keyed_statement(bare):
    role_ids = make_roles(bare, 7)
    bare.execute("INSERT INTO roles VALUES (?, 'far away')", (2**40,))
    fill_keys(bare, random_roles(7, role_ids + [2**40]))
    query, plain = both()
    assert_same(rows(bare, query), rows(bare, plain))
    assert pass_runs(bare) == 0


# ---------------------------------------------------------------------------
# 2. Writes in the middle of the statement

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("transaction", ["autocommit", "BEGIN ... COMMIT"])
def test_call_back_after_the_memo_is_built_is_seen_by_the_next_read(bare, seed, transaction):
    role_ids = make_roles(bare, seed)
    bare.execute("UPDATE auditions SET hired = 0 WHERE id % 3 <> 0")
    auditions = [a for (a,) in bare.execute("SELECT id FROM auditions")]
    rng = random.Random(seed)
    # 300 reads first (the memo is built by then), then reads and hires mixed.
    ops = [(seq, rng.choice(("lead", "understudy")) if seq <= 300 or rng.random() < 0.8 else "hire", None)
           for seq in range(1, 1201)]
    ops = [(seq, kind, rng.choice(auditions) if kind == "hire" else rng.choice(role_ids)) for seq, kind, _ in ops]
    bare.execute("CREATE TABLE ops (seq INTEGER PRIMARY KEY, kind TEXT, arg INTEGER)")
    bare.executemany("INSERT INTO ops VALUES (?, ?, ?)", ops)
    expected, hired_after = replay(bare, ops)
    if transaction != "autocommit":
        bare.execute("BEGIN")
    got = rows(bare, "SELECT seq, CASE kind WHEN 'hire' THEN call_back(arg) WHEN 'lead' THEN role_lead(arg) "
                     "ELSE role_understudy(arg) END, NULL, NULL FROM ops ORDER BY seq")
    assert_same(got, expected)
    if transaction != "autocommit":
        bare.execute("COMMIT")
    assert rows(bare, "SELECT id, hired FROM auditions ORDER BY id") == sorted(hired_after.items())
    assert pass_runs(bare, HIRES_PASS) >= 1  # built in the first 300 reads, dropped at the first write


# ---------------------------------------------------------------------------
# 3. Ascending order: a role with no hire, known from the span

@pytest.mark.parametrize("cast", list(CASTS))
def test_ascending_order_over_every_role_is_the_subquery(bare, cast):
    role_ids = make_roles(bare, 8, **CASTS[cast])
    fill_keys(bare, sorted(role_ids + list(CASTS[cast].get("orphans", ()))))
    query, plain = both()
    assert_same(rows(bare, query), rows(bare, plain), cast)
    assert pass_runs(bare) == 0


@pytest.mark.parametrize("missing", [401, 402, 10_000_000, 2**63 - 1])
def test_ascending_order_past_the_last_role_is_a_missing_role(bare, missing):
    """Past the point where the roles' count is read (every role asked),
    ids above the span are no role."""
    make_roles(bare, 9)
    fill_keys(bare, list(range(1, 401)) + [missing])
    assert error_of(bare, "SELECT role_lead(id) FROM keys ORDER BY rowid") == \
        f"role_lead: no role with id {missing}"


def test_ascending_order_meets_a_gap_as_a_missing_role(bare):
    role_ids = make_roles(bare, 9, gaps=(300,))
    bare.execute("DELETE FROM auditions WHERE role_id = 300")
    fill_keys(bare, sorted(role_ids + [300]))
    assert error_of(bare, "SELECT role_lead(id) FROM keys ORDER BY rowid") == "role_lead: no role with id 300"


def test_ascending_reads_with_hires_between_them_are_the_replay(bare):
    """Roles read in ascending order past the point where their count is
    read, with call_back between the reads: each read sees the hires before
    it (the count and the span are read again after each write)."""
    role_ids = make_roles(bare, 10)
    bare.execute("UPDATE auditions SET hired = 0 WHERE id % 4 <> 0")
    auditions = [a for (a,) in bare.execute("SELECT id FROM auditions")]
    rng = random.Random(10)
    ops, seq = [], 0
    for role in role_ids:
        for kind in ("lead", "understudy") + (("hire",) if role > 100 and rng.random() < 0.3 else ()):
            seq += 1
            ops.append((seq, kind, rng.choice(auditions) if kind == "hire" else role))
    bare.execute("CREATE TABLE ops (seq INTEGER PRIMARY KEY, kind TEXT, arg INTEGER)")
    bare.executemany("INSERT INTO ops VALUES (?, ?, ?)", ops)
    expected, _ = replay(bare, ops)
    got = rows(bare, "SELECT seq, CASE kind WHEN 'hire' THEN call_back(arg) WHEN 'lead' THEN role_lead(arg) "
                     "ELSE role_understudy(arg) END, NULL, NULL FROM ops ORDER BY seq")
    assert_same(got, expected)


# ---------------------------------------------------------------------------
# 4. The memo pass's function, and what may stand in its way

@pytest.mark.parametrize("arguments", ["", "1", "1, 2", "1, 2, 3", "1, 2, 3, 4", "NULL, NULL, NULL, NULL, NULL"])
def test_theater_memo_put_from_sql_is_an_error_that_names_it(conn, arguments):
    """Of any number of arguments (a window of rows' pass calls it with as
    many as its rows have columns, and two more)."""
    assert error_of(conn, f"SELECT theater_memo_put({arguments})") == \
        "theater_memo_put: for theater's own statements only (it fills a memo bound from C)"


def test_theater_memo_put_is_refused_in_a_view(conn):
    conn.execute("CREATE VIEW v AS SELECT theater_memo_put(NULL, 1, 2) AS x")
    assert "unsafe use of theater_memo_put()" in error_of(conn, "SELECT * FROM v")


def deny_memo_put(action, arg1, arg2, db, source):
    return sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_FUNCTION and arg2 == "theater_memo_put" else sqlite3.SQLITE_OK


def unordered(conn, relationship, seed):
    """Fills `keys` with every role (role_lead) or audition (audition_role)
    twice in random order; returns (the function's query, the plain SQL)."""
    if relationship == "role_lead":
        fill_keys(conn, random_roles(seed, [r for (r,) in conn.execute("SELECT id FROM roles")]))
        return both()
    fill_keys(conn, random_roles(seed, [a for (a,) in conn.execute("SELECT id FROM auditions")]))
    return ("SELECT k.rowid, t.id, t.character_name FROM keys k CROSS JOIN audition_role(k.id) AS t ORDER BY k.rowid",
            "SELECT k.rowid, r.id, r.character_name FROM keys k JOIN auditions a ON a.id = k.id "
            "JOIN roles r ON r.id = a.role_id ORDER BY k.rowid")


@pytest.mark.parametrize("relationship", ["role_lead", "audition_role"])
def test_an_authorizer_that_denies_the_pass_leaves_the_keyed_statement_serving(bare, relationship):
    make_roles(bare, 11)
    bare.set_authorizer(deny_memo_put)
    query, plain = unordered(bare, relationship, 11)
    assert_same(rows(bare, query), rows(bare, plain))
    assert pass_runs(bare) == 0


@pytest.mark.parametrize("returns", [1, 0, None, "x", 2.5])
@pytest.mark.parametrize("relationship", ["role_lead", "audition_role"])
def test_an_application_function_registered_over_theater_memo_put_builds_no_memo(bare, relationship, returns):
    """Whatever an application registers under the name, and whatever it
    returns, the pass's probe tells that its rows did not reach the memo,
    which is then not used (a second reader's finding: with a count alone,
    a function returning 0 made an empty memo pass for a full one)."""
    make_roles(bare, 12)
    bare.create_function("theater_memo_put", 3, lambda p, k, v: returns)
    query, plain = unordered(bare, relationship, 12)
    assert_same(rows(bare, query), rows(bare, plain))
    assert pass_runs(bare) >= 1
