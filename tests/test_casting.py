"""role_casting, the casting sheet: shared/spec/sql-api.md section 6."""
import random

import pytest

from theater_data import (
    NO_LEAD,
    bare_connection,
    counters_of_new_statements,
    NO_UNDERSTUDY,
    error_of,
    expected_hires,
    extension_statements,
    insert_auditions,
    insert_roles,
    load_cast,
    load_random_cast,
    plan_details,
    rows,
)

COLUMNS = ["role_id", "character_name", "lead", "lead_actor", "understudy", "understudy_actor"]
SHEET = "SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor FROM role_casting"
CAST_SHEET = [
    (1, "Hamlet", 5, "Carol", 7, "Alice"),
    (2, "Ophelia", 8, "Bob", None, None),
    (3, "Yorick", None, None, None, None),
    (4, "Horatio", None, None, None, None),
]


@pytest.fixture
def cast(migrated):
    return load_cast(migrated)


def reference_sheet(role_rows, audition_rows):
    """The sheet computed in Python from the rows that were inserted."""
    actor = {a[0]: a[1] for a in audition_rows}
    out = []
    for role_id, name in sorted(role_rows):
        hires = expected_hires(audition_rows, role_id)
        lead = hires[0] if hires else None
        understudy = hires[1] if len(hires) > 1 else None
        out.append((role_id, name, lead, actor.get(lead), understudy, actor.get(understudy)))
    return out


# --- shape -------------------------------------------------------------------------

def test_columns_and_declared_types(conn):
    info = [(r[1], r[2], r[6]) for r in conn.execute("PRAGMA table_xinfo(role_casting)")]
    visible = [(name, kind) for name, kind, hidden in info if not hidden]
    assert visible == [
        ("role_id", "INTEGER"), ("character_name", "TEXT"), ("lead", "INTEGER"),
        ("lead_actor", "TEXT"), ("understudy", "INTEGER"), ("understudy_actor", "TEXT"),
    ]


def test_one_hidden_argument_column(conn):
    hidden = [r[1] for r in conn.execute("PRAGMA table_xinfo(role_casting)") if r[6]]
    assert len(hidden) == 1


def test_star_gives_the_visible_columns(cast):
    assert [d[0] for d in cast.execute("SELECT * FROM role_casting").description] == COLUMNS


# --- the whole sheet -------------------------------------------------------------

def test_whole_sheet(cast):
    assert rows(cast, SHEET) == CAST_SHEET


def test_roles_without_hires_have_null_lead_and_understudy(cast):
    got = rows(cast, "SELECT role_id FROM role_casting WHERE lead IS NULL AND lead_actor IS NULL "
                     "AND understudy IS NULL AND understudy_actor IS NULL")
    assert got == [(3,), (4,)]


def test_rows_come_in_role_id_order(migrated):
    role_rows = [(10, "J"), (-3, "A"), (7, "G"), (1000000, "Z"), (0, "O")]
    insert_roles(migrated, role_rows)
    insert_auditions(migrated, [(1, "a", "x", None, 1, 1000000), (2, "b", "x", None, 1, -3), (3, "c", "x", None, 1, 7)])
    assert [r[0] for r in rows(migrated, SHEET)] == [-3, 0, 7, 10, 1000000]


def test_temp_tables_with_the_same_names_are_ignored(cast):
    cast.execute("CREATE TEMP TABLE roles (id INTEGER PRIMARY KEY, character_name TEXT)")
    cast.execute("CREATE TEMP TABLE auditions (id INTEGER PRIMARY KEY, actor, location, phone, hired, role_id)")
    assert rows(cast, SHEET) == CAST_SHEET


def test_empty_database_has_an_empty_sheet(migrated):
    assert rows(migrated, SHEET) == []


@pytest.mark.parametrize(
    "sql, key",
    [
        (SHEET + " ORDER BY role_id DESC", lambda r: -r[0]),
        (SHEET + " ORDER BY lead DESC", lambda r: -(r[2] or 0)),
        (SHEET + " ORDER BY character_name", lambda r: r[1]),
    ],
)
def test_other_orders_are_honoured(cast, sql, key):
    got = rows(cast, sql)
    assert got == sorted(CAST_SHEET, key=key)


def test_whole_sheet_reads_in_one_pass_not_per_role(migrated):
    load_random_cast(migrated, seed=1, roles=200)
    own = {SHEET, "SELECT theater_migrate()"}
    rows(migrated, SHEET)  # prepare whatever the sheet prepares
    before = extension_statements(migrated, own)
    assert len(rows(migrated, SHEET)) == 200
    after = extension_statements(migrated, own)
    runs = sum(after.values()) - sum(before.values())
    assert runs <= 2, f"{runs} internal statement runs for one sheet of 200 roles"


def test_whole_sheet_plan_is_not_the_seek(cast):
    assert "INDEX 1" not in plan_details(cast, SHEET)[0]


@pytest.fixture
def bare():
    conn = bare_connection()
    load_random_cast(conn, seed=6, roles=50)
    yield conn
    conn.close()


@pytest.mark.parametrize("counter", ["nsort", "naidx"])
def test_whole_sheet_streams_without_sorting(bare, counter):
    # A sort or an automatic index would hold every role in memory.
    counters = counters_of_new_statements(bare, lambda: bare.execute(SHEET).fetchall(), counter)
    assert len(counters) == 2 and set(counters.values()) == {0}, counters


@pytest.mark.parametrize("counter", ["nscan", "nsort", "naidx"])
def test_seek_reads_no_more_than_that_role(bare, counter):
    sql = "SELECT c.* FROM roles r, role_casting(r.id) c"
    counters = counters_of_new_statements(bare, lambda: bare.execute(sql).fetchall(), counter)
    assert counters and set(counters.values()) == {0}, counters


# --- one role --------------------------------------------------------------------

@pytest.mark.parametrize("row", CAST_SHEET, ids=lambda r: str(r[0]))
def test_argument_gives_that_role_alone(cast, row):
    assert rows(cast, SHEET.replace("role_casting", "role_casting(?)"), (row[0],)) == [row]


@pytest.mark.parametrize("row", CAST_SHEET, ids=lambda r: str(r[0]))
def test_where_role_id_gives_that_role_alone(cast, row):
    assert rows(cast, SHEET + " WHERE role_id = ?", (row[0],)) == [row]


@pytest.mark.parametrize("sql", ["SELECT * FROM role_casting(?)", "SELECT * FROM role_casting WHERE role_id = ?"])
def test_one_role_is_a_seek(cast, sql):
    # idxNum 1 seeks by the argument, 2 by the role_id column; 0 reads the sheet.
    detail = plan_details(cast, sql, (1,))[0]
    assert "INDEX 1" in detail or "INDEX 2" in detail, detail


@pytest.mark.parametrize("sql", ["SELECT * FROM role_casting(?)", "SELECT * FROM role_casting WHERE role_id = ?"])
@pytest.mark.parametrize("key", [42, 0, -1, None])
def test_unknown_or_null_role_gives_no_rows(cast, sql, key):
    assert rows(cast, sql, (key,)) == []


@pytest.mark.parametrize("expr", ["1.0", "'1'", "' 1 '", "'1e0'"])
def test_integer_like_argument_is_that_integer(cast, expr):
    assert rows(cast, f"{SHEET}({expr})") == [CAST_SHEET[0]]


@pytest.mark.parametrize("expr", ["1.5", "'12abc'", "''", "x'01'"])
def test_non_integer_argument_is_an_error(cast, expr):
    message = error_of(cast, f"SELECT * FROM role_casting({expr})")
    assert message.startswith("role_casting: ") and message.endswith("must be an integer")


@pytest.mark.parametrize("expr", ["2.5", "'x'", "''", "x'01'"])
def test_where_role_id_is_no_integer_matches_no_role_like_a_table_column(cast, expr):
    # role_id is an ordinary column: a filter on it behaves as on a table's
    # INTEGER column. Only the hidden argument follows the strict rules.
    assert rows(cast, f"SELECT * FROM role_casting WHERE role_id = {expr}") == []


def test_in_list_gives_those_roles(cast):
    assert rows(cast, SHEET + " WHERE role_id IN (4, 1, 42)") == [CAST_SHEET[0], CAST_SHEET[3]]


def test_join_seeks_each_role(cast):
    sql = "SELECT r.id, c.lead FROM roles r JOIN role_casting(r.id) c"
    details = plan_details(cast, sql)
    assert details[0].startswith("SCAN r") and "INDEX 1" in details[-1], details
    assert rows(cast, sql) == [(r[0], r[2]) for r in CAST_SHEET]


def test_statements_are_reused_across_seeks(cast):
    sql = "SELECT * FROM role_casting(?)"
    own = {sql, "SELECT theater_migrate()"}
    rows(cast, sql, (1,))
    before = extension_statements(cast, own)
    for key in range(50):
        rows(cast, sql, (key % 5,))
    after = extension_statements(cast, own)
    assert sorted(after) == sorted(before)
    assert sum(after.values()) - sum(before.values()) >= 50


# --- hires ---------------------------------------------------------------------

def role_with_hires(conn, hires, seed=0):
    """Role 1 with ten auditions whose ids interleave with role 2's; `hires`
    of them are hired by call_back in descending id order. Returns the
    hired ids."""
    rng = random.Random(seed)
    insert_roles(conn, [(1, "Hamlet"), (2, "Ophelia")])
    insert_auditions(conn, [(i, f"actor {i}", "x", None, 0, 1 if i % 2 else 2) for i in range(1, 21)])
    chosen = sorted(rng.sample(range(1, 21, 2), hires), reverse=True)
    for audition_id in chosen:
        conn.execute("SELECT call_back(?)", (audition_id,))
    return sorted(chosen)


@pytest.mark.parametrize("hires", [0, 1, 2, 3, 10])
@pytest.mark.parametrize("form", ["sheet", "argument", "where"])
def test_lead_and_understudy_are_the_lowest_hired_ids(migrated, hires, form):
    chosen = role_with_hires(migrated, hires, seed=hires)
    sql = {
        "sheet": "SELECT lead, lead_actor, understudy, understudy_actor FROM role_casting WHERE role_id + 0 = 1",
        "argument": "SELECT lead, lead_actor, understudy, understudy_actor FROM role_casting(1)",
        "where": "SELECT lead, lead_actor, understudy, understudy_actor FROM role_casting WHERE role_id = 1",
    }[form]
    lead = chosen[0] if chosen else None
    understudy = chosen[1] if len(chosen) > 1 else None
    expected = (lead, lead and f"actor {lead}", understudy, understudy and f"actor {understudy}")
    assert rows(migrated, sql) == [expected]


def test_sheet_sees_uncommitted_call_back(cast):
    cast.execute("BEGIN")
    cast.execute("SELECT call_back(2)")
    assert rows(cast, "SELECT lead, understudy FROM role_casting(1)") == [(2, 5)]
    cast.execute("ROLLBACK")


def test_sheet_sees_call_backs_made_earlier_in_the_same_statement(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    got = rows(
        cast,
        "SELECT call_back(a.id), (SELECT lead || ',' || ifnull(understudy, '-') FROM role_casting(a.role_id)) "
        "FROM auditions a WHERE a.role_id = 1 ORDER BY a.id",
    )
    assert got == [(1, "2,-"), (1, "2,5"), (1, "2,5"), (1, "2,5")]


# --- random data -----------------------------------------------------------------

SEEDS = range(10)


@pytest.mark.parametrize("seed", SEEDS)
def test_sheet_matches_the_reference_on_random_data(migrated, seed):
    role_rows, audition_rows = load_random_cast(migrated, seed, roles=30)
    assert rows(migrated, SHEET) == reference_sheet(role_rows, audition_rows)


@pytest.mark.parametrize("seed", SEEDS)
def test_sheet_agrees_with_role_lead_and_role_understudy(migrated, seed):
    load_random_cast(migrated, seed, roles=30)
    got = rows(
        migrated,
        f"SELECT role_id, coalesce(lead, '{NO_LEAD}'), coalesce(understudy, '{NO_UNDERSTUDY}') FROM role_casting",
    )
    expected = rows(migrated, "SELECT id, role_lead(id), role_understudy(id) FROM roles ORDER BY id")
    assert got == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_seek_agrees_with_the_whole_sheet(migrated, seed):
    load_random_cast(migrated, seed, roles=30)
    sheet = rows(migrated, SHEET)
    assert [rows(migrated, SHEET.replace("role_casting", "role_casting(?)"), (r[0],))[0] for r in sheet] == sheet


@pytest.mark.parametrize("seed", SEEDS)
def test_sheet_matches_the_reference_after_random_call_backs(migrated, seed):
    role_rows, audition_rows = load_random_cast(migrated, seed, roles=30)
    rng = random.Random(seed)
    ids = [a[0] for a in audition_rows]
    for audition_id in rng.sample(ids, len(ids) // 3):
        migrated.execute("SELECT call_back(?)", (audition_id,))
    now = rows(migrated, "SELECT id, actor, location, phone, hired, role_id FROM auditions")
    assert rows(migrated, SHEET) == reference_sheet(role_rows, now)
