"""call_back, role_lead and role_understudy: shared/spec/sql-api.md section 4."""
import subprocess
import sys
import textwrap

import pytest

from conftest import EXTENSION, connect, scalar
from theater_data import (
    CAST_ANSWERS,
    bare_connection,
    counters_of_new_statements,
    NO_LEAD,
    NO_UNDERSTUDY,
    error_of,
    extension_statements,
    hired_flags,
    insert_auditions,
    insert_roles,
    load_cast,
    load_random_cast,
    rows,
)

# function -> name of its argument
ARGUMENT = {"call_back": "audition_id", "role_lead": "role_id", "role_understudy": "role_id"}
FUNCTIONS = sorted(ARGUMENT)
READERS = ["role_lead", "role_understudy"]

SQLITE_DETERMINISTIC = 0x800
SQLITE_DIRECTONLY = 0x80000
SQLITE_INNOCUOUS = 0x200000


@pytest.fixture
def cast(migrated):
    return load_cast(migrated)


def load_seven(conn):
    """Role 7 hires auditions 70 and 71; audition 7 (of role 7) is not hired:
    every function has an answer for the id 7."""
    insert_roles(conn, [(7, "Macbeth")])
    insert_auditions(
        conn,
        [(7, "Ann", "Oslo", None, 0, 7), (70, "Ben", "Oslo", None, 1, 7), (71, "Cid", "Oslo", None, 1, 7)],
    )
    return conn


@pytest.fixture
def seven(migrated):
    return load_seven(migrated)


# The answer of each function for the id 7 in the `seven` database.
ANSWER_FOR_SEVEN = {"call_back": 1, "role_lead": 70, "role_understudy": 71}

INTEGER_LIKE = ["7", "7.0", "'7'", "' 7 '", "'7e0'", "'7.0'", "'\t7\n'", "CAST(7 AS REAL)", "'+7'"]
NOT_INTEGER = ["7.5", "1e308", "-1e308", "'12abc'", "''", "' '", "x'07'", "'7.5'", "'0x7'", "9223372036854775808.0"]


# --- argument coercion -------------------------------------------------------

@pytest.mark.parametrize("expr", INTEGER_LIKE)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_integer_like_argument_is_taken_as_that_integer(seven, function, expr):
    assert scalar(seven, f"SELECT {function}({expr})") == ANSWER_FOR_SEVEN[function]


@pytest.mark.parametrize("value", [7, 7.0, "7", " 7 ", "7e0"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_integer_like_parameter_is_taken_as_that_integer(seven, function, value):
    assert scalar(seven, f"SELECT {function}(?)", (value,)) == ANSWER_FOR_SEVEN[function]


@pytest.mark.parametrize("expr", INTEGER_LIKE)
def test_call_back_with_integer_like_argument_hires_that_audition(seven, expr):
    seven.execute(f"SELECT call_back({expr})")
    assert scalar(seven, "SELECT hired FROM auditions WHERE id = 7") == 1


@pytest.mark.parametrize("expr", NOT_INTEGER)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_non_integer_argument_is_an_error(seven, function, expr):
    message = error_of(seven, f"SELECT {function}({expr})")
    assert message == f"{function}: {ARGUMENT[function]} must be an integer"


@pytest.mark.parametrize("value", [7.5, 1e308, "12abc", "", b"\x07"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_non_integer_parameter_is_an_error(seven, function, value):
    message = error_of(seven, f"SELECT {function}(?)", (value,))
    assert message == f"{function}: {ARGUMENT[function]} must be an integer"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_null_gives_null(seven, function):
    assert rows(seven, f"SELECT {function}(NULL), {function}(?)", (None,)) == [(None, None)]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_null_writes_nothing(seven, function):
    before_changes, before_flags = seven.total_changes, hired_flags(seven)
    seven.execute(f"SELECT {function}(NULL)")
    assert (seven.total_changes, hired_flags(seven)) == (before_changes, before_flags)


# --- unknown ids -------------------------------------------------------------

@pytest.mark.parametrize("missing", [42, 0, -7, 9223372036854775807])
@pytest.mark.parametrize(
    "function, noun", [("role_lead", "role"), ("role_understudy", "role"), ("call_back", "audition")]
)
def test_unknown_id_is_an_error(cast, function, noun, missing):
    assert error_of(cast, f"SELECT {function}(?)", (missing,)) == f"{function}: no {noun} with id {missing}"


def test_unknown_id_given_as_text_is_reported_as_the_integer(cast):
    assert error_of(cast, "SELECT role_lead(' 42 ')") == "role_lead: no role with id 42"


# --- databases without the schema --------------------------------------------

NEEDS_SCHEMA = [
    "SELECT call_back(1)",
    "SELECT role_lead(1)",
    "SELECT role_understudy(1)",
    "SELECT * FROM role_auditions(1)",
    "SELECT * FROM role_auditions",
    "SELECT * FROM role_actors(1)",
    "SELECT * FROM role_actors",
    "SELECT * FROM role_locations(1)",
    "SELECT * FROM role_locations",
    "SELECT * FROM audition_role(1)",
    "SELECT * FROM audition_role",
    "SELECT * FROM role_casting(1)",
    "SELECT * FROM role_casting",
]


@pytest.mark.parametrize("sql", NEEDS_SCHEMA)
def test_never_migrated_database_names_theater_migrate(conn, sql):
    assert "theater_migrate()" in error_of(conn, sql)


@pytest.mark.parametrize("sql", NEEDS_SCHEMA)
def test_database_migrated_down_to_zero_names_theater_migrate(cast, sql):
    cast.execute(sql.replace("(1)", "(2)")).fetchall()  # statements now prepared and cached
    cast.execute("SELECT theater_migrate(0)")
    assert "theater_migrate()" in error_of(cast, sql)


@pytest.mark.parametrize("sql", NEEDS_SCHEMA)
def test_never_migrated_error_changes_nothing(conn, sql):
    error_of(conn, sql)
    assert scalar(conn, "SELECT count(*) FROM sqlite_master") == 0


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_works_after_migrating_on_the_same_connection(conn, function):
    error_of(conn, f"SELECT {function}(7)")
    conn.execute("SELECT theater_migrate()")
    load_seven(conn)
    assert scalar(conn, f"SELECT {function}(7)") == ANSWER_FOR_SEVEN[function]


# --- lead and understudy -----------------------------------------------------

@pytest.mark.parametrize("role_id, expected", sorted(CAST_ANSWERS.items()))
def test_role_lead_is_the_lowest_hired_audition_id(cast, role_id, expected):
    assert scalar(cast, "SELECT role_lead(?)", (role_id,)) == expected[0]


@pytest.mark.parametrize("role_id, expected", sorted(CAST_ANSWERS.items()))
def test_role_understudy_is_the_second_lowest_hired_audition_id(cast, role_id, expected):
    assert scalar(cast, "SELECT role_understudy(?)", (role_id,)) == expected[1]


@pytest.mark.parametrize("function", READERS)
def test_hired_audition_id_is_returned_as_an_integer(cast, function):
    assert scalar(cast, f"SELECT typeof({function}(1))") == "integer"


@pytest.mark.parametrize(
    "expr, text",
    [
        ("role_lead(3)", "no actor has been hired for this role"),
        ("role_understudy(3)", "no actor has been hired for understudy for this role"),
        ("role_understudy(2)", "no actor has been hired for understudy for this role"),
    ],
)
def test_nobody_hired_gives_the_seed_text(cast, expr, text):
    assert rows(cast, f"SELECT {expr}, typeof({expr})") == [(text, "text")]


@pytest.mark.parametrize(
    "change, expected",
    [
        ("SELECT call_back(2)", (2, 5)),                              # a lower id is hired
        ("UPDATE auditions SET hired = 0 WHERE id = 5", (7, 9)),      # the lead is let go
        ("DELETE FROM auditions WHERE id = 7", (5, 9)),               # the understudy leaves
        ("UPDATE auditions SET hired = 0 WHERE role_id = 1", (NO_LEAD, NO_UNDERSTUDY)),
        ("UPDATE auditions SET role_id = 2 WHERE id = 5", (7, 9)),    # moved to another role
    ],
)
def test_answers_follow_later_changes(cast, change, expected):
    assert rows(cast, "SELECT role_lead(1), role_understudy(1)") == [CAST_ANSWERS[1]]  # prime any state
    cast.execute(change)
    assert rows(cast, "SELECT role_lead(1), role_understudy(1)") == [expected]


# --- call_back ---------------------------------------------------------------

def test_call_back_returns_1(cast):
    assert scalar(cast, "SELECT call_back(2)") == 1


def test_call_back_hires_that_audition_only(cast):
    before = dict(hired_flags(cast))
    cast.execute("SELECT call_back(2)")
    assert dict(hired_flags(cast)) == {**before, 2: 1}


def test_call_back_again_returns_1(cast):
    cast.execute("SELECT call_back(2)")
    assert scalar(cast, "SELECT call_back(2)") == 1


def test_call_back_again_changes_nothing(cast):
    cast.execute("SELECT call_back(2)")
    before = rows(cast, "SELECT * FROM auditions ORDER BY id")
    cast.execute("SELECT call_back(2)")
    assert rows(cast, "SELECT * FROM auditions ORDER BY id") == before


def test_call_back_of_a_hired_audition_keeps_it_hired(cast):
    cast.execute("SELECT call_back(5)")
    assert scalar(cast, "SELECT hired FROM auditions WHERE id = 5") == 1


@pytest.mark.parametrize("sql", ["SELECT call_back(42)", "SELECT call_back('x')", "SELECT call_back(2.5)"])
def test_failing_call_back_writes_nothing(cast, sql):
    before_changes, before_flags = cast.total_changes, hired_flags(cast)
    error_of(cast, sql)
    assert (cast.total_changes, hired_flags(cast)) == (before_changes, before_flags)


@pytest.mark.parametrize("sql", ["SELECT role_lead(42)", "SELECT role_understudy('x')"])
def test_failing_reader_writes_nothing(cast, sql):
    before = cast.total_changes
    error_of(cast, sql)
    assert cast.total_changes == before


def test_call_back_commits_in_autocommit_mode(db_path):
    writer = connect(db_path)
    load_cast(writer)
    writer.execute("SELECT call_back(2)")
    reader = connect(db_path)
    try:
        assert scalar(reader, "SELECT hired FROM auditions WHERE id = 2") == 1
    finally:
        reader.close()
        writer.close()


# --- one statement, many calls -----------------------------------------------

def simulate_leads(auditions):
    """The rows of `SELECT a.id, call_back(a.id), role_lead(a.role_id),
    role_understudy(a.role_id) FROM auditions a ORDER BY a.id`, computed
    in Python: each row sees the hires of the rows before it."""
    hired = {a[0]: a[4] for a in auditions}
    out = []
    for aid, _, _, _, _, role_id in sorted(auditions):
        hired[aid] = 1
        hires = sorted(i for i, _, _, _, _, r in auditions if r == role_id and hired[i])
        out.append((aid, 1, hires[0], hires[1] if len(hires) > 1 else NO_UNDERSTUDY))
    return out


def test_readers_see_call_backs_made_earlier_in_the_same_statement(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    auditions = rows(cast, "SELECT id, actor, location, phone, hired, role_id FROM auditions")
    got = rows(
        cast,
        "SELECT a.id, call_back(a.id), role_lead(a.role_id), role_understudy(a.role_id) "
        "FROM auditions a ORDER BY a.id",
    )
    assert got == simulate_leads(auditions)


def test_lead_appears_as_hires_happen_in_one_statement(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    got = rows(cast, "SELECT call_back(a.id), role_lead(a.role_id) FROM auditions a WHERE a.role_id = 1 ORDER BY a.id")
    assert got == [(1, 2), (1, 2), (1, 2), (1, 2)]


def test_understudy_appears_with_the_second_hire_in_one_statement(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    got = rows(cast, "SELECT role_understudy(1), call_back(a.id) FROM auditions a WHERE a.role_id = 1 ORDER BY a.id")
    assert [r[0] for r in got] == [NO_UNDERSTUDY, NO_UNDERSTUDY, 5, 5]


def test_many_call_backs_in_one_statement_hire_them_all(cast):
    cast.execute("SELECT call_back(id) FROM auditions").fetchall()
    assert {h for _, h in hired_flags(cast)} == {1}


def test_failure_part_way_keeps_the_callers_transaction_open(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    cast.execute("BEGIN")
    error_of(cast, "SELECT call_back(column1) FROM (VALUES (1), (2), (42), (3))")
    assert cast.in_transaction
    cast.execute("ROLLBACK")


def test_rollback_after_failure_part_way_leaves_nothing(cast):
    cast.execute("UPDATE auditions SET hired = 0")
    before_flags = hired_flags(cast)
    cast.execute("BEGIN")
    assert "no audition with id 42" in error_of(cast, "SELECT call_back(column1) FROM (VALUES (1), (2), (42), (3))")
    cast.execute("ROLLBACK")
    assert hired_flags(cast) == before_flags


def test_readers_see_uncommitted_call_back_in_the_callers_transaction(cast):
    cast.execute("BEGIN")
    cast.execute("SELECT call_back(2)")
    assert scalar(cast, "SELECT role_lead(1)") == 2
    cast.execute("ROLLBACK")


def test_readers_forget_a_rolled_back_call_back(cast):
    cast.execute("BEGIN")
    cast.execute("SELECT call_back(2)")
    scalar(cast, "SELECT role_lead(1)")
    cast.execute("ROLLBACK")
    assert scalar(cast, "SELECT role_lead(1)") == 5


# --- flags, views, triggers --------------------------------------------------

def function_flags(conn, name):
    return scalar(conn, "SELECT flags FROM pragma_function_list WHERE name = ? AND narg = 1", (name,))


@pytest.mark.parametrize(
    "function, required, forbidden",
    [
        ("call_back", SQLITE_DIRECTONLY, 0),
        ("role_lead", SQLITE_INNOCUOUS, SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY),
        ("role_understudy", SQLITE_INNOCUOUS, SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY),
    ],
)
def test_function_flags(conn, function, required, forbidden):
    flags = function_flags(conn, function)
    assert (flags & required, flags & forbidden) == (required, 0), hex(flags)


def test_call_back_is_not_deterministic(conn):
    assert function_flags(conn, "call_back") & SQLITE_DETERMINISTIC == 0


@pytest.mark.parametrize("function", READERS)
def test_reader_usable_from_a_view_with_trusted_schema_off(cast, function):
    cast.execute(f"CREATE VIEW answer AS SELECT {function}(1) AS a")
    cast.execute("PRAGMA trusted_schema = OFF")
    assert scalar(cast, "SELECT a FROM answer") == CAST_ANSWERS[1][READERS.index(function)]


@pytest.mark.parametrize("function", READERS)
def test_reader_usable_from_a_trigger_with_trusted_schema_off(cast, function):
    cast.execute("CREATE TABLE log (answer)")
    cast.execute(
        f"CREATE TRIGGER note AFTER INSERT ON auditions BEGIN "
        f"INSERT INTO log VALUES ({function}(NEW.role_id)); END"
    )
    cast.execute("PRAGMA trusted_schema = OFF")
    insert_auditions(cast, [(100, "Zed", "Oslo", None, 0, 1)])
    assert scalar(cast, "SELECT answer FROM log") == CAST_ANSWERS[1][READERS.index(function)]


@pytest.mark.parametrize("trusted_schema", ["ON", "OFF"])
def test_call_back_refused_in_a_view(cast, trusted_schema):
    cast.execute("CREATE VIEW hire AS SELECT call_back(2) AS h")
    cast.execute(f"PRAGMA trusted_schema = {trusted_schema}")
    assert error_of(cast, "SELECT h FROM hire") == "unsafe use of call_back()"
    assert scalar(cast, "SELECT hired FROM auditions WHERE id = 2") == 0


@pytest.mark.parametrize("trusted_schema", ["ON", "OFF"])
def test_call_back_refused_in_a_trigger(cast, trusted_schema):
    cast.execute("CREATE TRIGGER hire AFTER INSERT ON auditions BEGIN SELECT call_back(NEW.id); END")
    cast.execute(f"PRAGMA trusted_schema = {trusted_schema}")
    assert error_of(cast, "INSERT INTO auditions (id, actor, location, role_id) VALUES (100, 'Zed', 'Oslo', 1)") == (
        "unsafe use of call_back()"
    )
    assert scalar(cast, "SELECT count(*) FROM auditions WHERE id = 100") == 0


def test_call_back_usable_from_a_temp_trigger(cast):
    # SQLite's rule: TEMP schema objects belong to the application itself,
    # so SQLITE_DIRECTONLY functions may run there.
    cast.execute(
        "CREATE TEMP TRIGGER hire AFTER INSERT ON auditions BEGIN SELECT call_back(NEW.id); END"
    )
    insert_auditions(cast, [(100, "Zed", "Oslo", None, 0, 1)])
    assert scalar(cast, "SELECT hired FROM auditions WHERE id = 100") == 1


NESTED_CALL_BACK = textwrap.dedent(
    """
    import sqlite3, sys
    c = sqlite3.connect(':memory:', isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(sys.argv[1])
    c.execute("SELECT theater_migrate()")
    c.execute("INSERT INTO roles VALUES (1, 'Hamlet')")
    c.execute("INSERT INTO auditions (id, actor, location, role_id) VALUES (1, 'A', 'X', 1), (2, 'B', 'Y', 1)")
    c.execute("CREATE TEMP TRIGGER chain AFTER UPDATE OF hired ON auditions WHEN NEW.id = 1 "
              "BEGIN SELECT call_back(2); END")
    c.execute("SELECT call_back(1)")
    print(c.execute("SELECT group_concat(hired) FROM auditions").fetchone()[0])
    """
)


def test_call_back_nested_through_a_temp_trigger_does_not_crash():
    # Run in a child process: a crash here must not take pytest down.
    done = subprocess.run(
        [sys.executable, "-c", NESTED_CALL_BACK, str(EXTENSION)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "1,1"), done.stderr[-500:]


ENDLESS_CALL_BACK = NESTED_CALL_BACK.replace("WHEN NEW.id = 1 ", "").replace("call_back(2)", "call_back(NEW.id)")


def test_call_back_calling_itself_forever_through_a_trigger_is_a_clean_error():
    done = subprocess.run(
        [sys.executable, "-c", ENDLESS_CALL_BACK, str(EXTENSION)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr[-500:]
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line == ("sqlite3.OperationalError: call_back: nested too deeply: triggers call call_back "
                         "from inside call_back more than 64 levels deep")


# --- statements are prepared once and reused ---------------------------------

@pytest.mark.parametrize(
    "sql, argument",
    [
        ("SELECT role_lead(?)", 1),
        ("SELECT role_lead(?)", 3),          # nobody hired: also checks the role exists
        ("SELECT role_understudy(?)", 2),
        ("SELECT call_back(?)", 2),
    ],
)
def test_statements_are_prepared_once_and_reused(cast, sql, argument):
    calls = 50
    own = {sql, "SELECT theater_migrate()"}
    cast.execute(sql, (argument,)).fetchall()
    before = extension_statements(cast, own)
    for _ in range(calls):
        cast.execute(sql, (argument,)).fetchall()
    after = extension_statements(cast, own)
    assert sorted(after) == sorted(before), "statements were prepared or finalized between calls"
    assert sum(after.values()) - sum(before.values()) >= calls


def test_prepared_statement_count_stays_constant_over_many_calls(cast):
    count = "SELECT count(*) FROM sqlite_stmt"
    calls = "SELECT role_lead(?), role_understudy(?), call_back(2)"
    cast.execute(calls, (3, 3)).fetchall()
    before = scalar(cast, count)
    for role_id in range(100):
        cast.execute(calls, (role_id % 4 + 1, role_id % 4 + 1)).fetchall()
    assert scalar(cast, count) == before


@pytest.mark.parametrize("counter", ["nscan", "nsort", "naidx"])
def test_every_lookup_is_an_index_seek(counter):
    # sqlite_stmt counts full-scan steps, sorts and automatic indexes of
    # each statement: the extension's own statements may do none of them.
    conn = bare_connection()
    try:
        load_random_cast(conn, seed=3, roles=50)

        def run():
            conn.execute("SELECT role_lead(id), role_understudy(id) FROM roles").fetchall()
            conn.execute("SELECT call_back(id) FROM auditions").fetchall()

        counters = counters_of_new_statements(conn, run, counter)
        assert len(counters) >= 2 and set(counters.values()) == {0}, counters
    finally:
        conn.close()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_temp_tables_with_the_same_names_are_ignored(seven, function):
    # A TEMP table shadows main in unqualified SQL; the functions read main.
    seven.execute("CREATE TEMP TABLE roles (id INTEGER PRIMARY KEY, character_name TEXT)")
    seven.execute("CREATE TEMP TABLE auditions (id INTEGER PRIMARY KEY, actor, location, phone, hired, role_id)")
    assert scalar(seven, f"SELECT {function}(7)") == ANSWER_FOR_SEVEN[function]
