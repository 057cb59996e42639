"""Issue 5, item 1: the bad-input matrix, in one place.

Every function the extension adds, against every awkward value and every
wrong arity, on a migrated database with a few roles, auditions and hires.
Each case gives the documented result (a value, NULL, no rows) or a clear
error naming the function (docs/reference.md's exact texts), never a crash,
and a case that fails writes nothing: the full dump and total_changes() are
the same before and after it.

The same table runs three ways: case by case in this process; all at once in
a child /usr/bin/python3, so that a segfault fails a test instead of killing
pytest; and a representative subset through the real sqlite3 shell (.load).
"""
import dataclasses
import hashlib
import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import ROOT, connect, scalar
from shell import run_shell

TESTS = ROOT / "tests"
VERSION = re.search(r"project\(theater VERSION (\d+\.\d+\.\d+)",
                    (ROOT / "CMakeLists.txt").read_text()).group(1)
HEAD = len(list((ROOT / "migrations").glob("*.sql")))
MB = 1 << 20

SEED = """
INSERT INTO roles (id, character_name) VALUES (1, 'Hamlet'), (2, 'Ophelia'), (3, 'Ghost');
INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES
  (1, 'Sam Waterston', 'New York', 2125550101, 1, 1),
  (2, 'Kevin Kline', 'New York', NULL, 1, 1),
  (3, 'Helena Bonham', 'London', 2075550104, 0, 2),
  (4, 'Kate Winslet', 'London', 2075550105, 1, 2);
"""


# ---- the table ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Value:
    name: str                 # for test ids
    sql: str                  # as a SQL literal
    integer: object = None    # the integer it stands for, or None
    is_null: bool = False


VALUES = [
    Value("NULL", "NULL", is_null=True),
    Value("0", "0", 0),
    Value("-1", "-1", -1),
    Value("2^63-1", "9223372036854775807", 2**63 - 1),
    Value("-2^63", "-9223372036854775808", -2**63),
    Value("1.5", "1.5"),
    Value("1e308", "1e308"),
    Value("empty", "''"),
    Value("abc", "'abc'"),
    Value("12abc", "'12abc'"),
    Value("1MB-text", "'" + "x" * MB + "'"),
    Value("1MB-digits", "'" + "9" * MB + "'"),   # overflows: no integer
    Value("blob", "x'00ff'"),
]


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    sql: str
    rows: list = None         # the documented result, or
    error: str = None         # the documented error, exactly
    writes: bool = False      # a documented write (theater_migrate(0))


def must_be_integer(function, argument):
    return f"{function}: {argument} must be an integer"


def wrong_arity(function):
    return f"wrong number of arguments to function {function}()"


def too_many(function, most):
    return f"too many arguments on {function}() - max {most}"


def unknown_migration(n):
    return (f"theater_migrate: no migration with version {n}; "
            f"this build of theater ({VERSION}) knows versions 0 to {HEAD}")


def domain_scalar(function, argument, noun):
    """call_back, role_lead, role_understudy: NULL gives NULL; an integer that
    names no row is 'no <noun> with id N'; anything else is not an integer."""
    def expect(v):
        if v.is_null:
            return dict(rows=[(None,)])
        if v.integer is not None:
            return dict(error=f"{function}: no {noun} with id {v.integer}")
        return dict(error=must_be_integer(function, argument))
    return f"SELECT {function}({{}})", expect


def migrate(v):
    if v.is_null:
        return dict(error="theater_migrate: version must be an integer, not NULL")
    if v.integer == 0:
        return dict(rows=[(0,)], writes=True)
    if v.integer is not None:
        return dict(error=unknown_migration(v.integer))
    return dict(error="theater_migrate: version must be an integer")


def materialize(v):
    """theater_materialize_casting: 1 or 0 only. The seeded database has no
    stored sheet, so 0 has nothing to remove and writes nothing."""
    if v.is_null:
        return dict(error="theater_materialize_casting: on must be 1 or 0, not NULL")
    if v.integer == 0:
        return dict(rows=[(0,)])
    return dict(error="theater_materialize_casting: on must be 1 or 0")


def hire_all(v):
    """call_back_all(audition_ids): a JSON array text, or NULL."""
    if v.is_null:
        return dict(rows=[(None,)])
    return dict(error="call_back_all: audition_ids must be a JSON array")


def hire_all_element(v):
    """call_back_all(json_array(value)): each element follows the *_id rule;
    null is skipped. json_array() itself refuses a blob."""
    if v.is_null:
        return dict(rows=[(0,)])
    if v.integer is not None:
        return dict(error=f"call_back_all: no audition with id {v.integer}")
    if v.name == "blob":
        return dict(error="JSON cannot hold BLOB values")
    return dict(error=must_be_integer("call_back_all", "audition_id"))


def table_valued(function, argument):
    """NULL or an id with no rows gives no rows; a non-integer is an error."""
    def expect(v):
        if v.is_null or v.integer is not None:
            return dict(rows=[])
        return dict(error=must_be_integer(function, argument))
    return f"SELECT * FROM {function}({{}})", expect


def text_argument(function, argument, text_outcome):
    """The model layer's names: TEXT only; text_outcome(v) for a text value."""
    def expect(v):
        if not v.sql.startswith("'"):
            return dict(error=f"{function}: {argument} must be text")
        return text_outcome(v.sql[1:-1])
    return expect


def no_table(function, what, quote='"', kind="table"):
    def outcome(text):
        name = f'"{text}"' if quote == '"' else f"'{text}'"
        return dict(error=f"{function}: {what}no {kind} named {name} in the main database")
    return outcome


def diagram_format(text):
    return dict(error=f"theater_diagram: format must be 'mermaid' or 'dot', not '{text}'")


def json_shape_outcome(text):
    """A shape is names, never SQL: a word that is no column of roles, or no
    name at all."""
    if not text or text[0].isdigit():
        return dict(error="theater_json: shape: expected a column or relationship name at character 1")
    return dict(error=f"theater_json: roles has no column {text}")


# name -> (SQL with {} for the value, value -> expected outcome)
TARGETS = {
    "call_back": domain_scalar("call_back", "audition_id", "audition"),
    "call_back_all": ("SELECT call_back_all({})", hire_all),
    "call_back_all element": ("SELECT call_back_all(json_array({}))", hire_all_element),
    "role_lead": domain_scalar("role_lead", "role_id", "role"),
    "role_understudy": domain_scalar("role_understudy", "role_id", "role"),
    "theater_migrate": ("SELECT theater_migrate({})", migrate),
    "theater_materialize_casting": ("SELECT theater_materialize_casting({})", materialize),
    # Functions of no arguments: any value is a wrong arity.
    "theater_schema_version": ("SELECT theater_schema_version({})",
                               lambda v: dict(error=wrong_arity("theater_schema_version"))),
    "theater_version": ("SELECT theater_version({})",
                        lambda v: dict(error=wrong_arity("theater_version"))),
    "theater_debug": ("SELECT theater_debug({})", lambda v: dict(error=wrong_arity("theater_debug"))),
    "role_auditions": table_valued("role_auditions", "role_id"),
    "role_actors": table_valued("role_actors", "role_id"),
    "role_locations": table_valued("role_locations", "role_id"),
    "audition_role": table_valued("audition_role", "audition_id"),
    "role_casting": table_valued("role_casting", "role_id"),
    # role_id is a real column of role_casting: a comparison, never an error.
    "role_casting WHERE role_id": ("SELECT * FROM role_casting WHERE role_id = {}",
                                   lambda v: dict(rows=[])),
    "theater_migration_status": ("SELECT * FROM theater_migration_status({})",
                                 lambda v: dict(error=too_many("theater_migration_status", 0))),
    # The model layer (model-layer.md). A declared relationship behaves like
    # the theater's own; SEEDED declares role_hires.
    "theater_relate": ("SELECT theater_relate('x', {}, 'auditions')",
                       text_argument("theater_relate", "from_table",
                                     no_table("theater_relate", "from_table: ", kind="table or view"))),
    "theater_relate to_table": ("SELECT theater_relate('x', 'roles', {})",
                                text_argument("theater_relate", "to_table",
                                              no_table("theater_relate", "to_table: ", kind="table or view"))),
    "theater_unrelate": ("SELECT theater_unrelate({})",
                         text_argument("theater_unrelate", "name", lambda text: dict(rows=[(0,)]))),
    "theater_enforce_foreign_keys": ("SELECT theater_enforce_foreign_keys({})",
                                     text_argument("theater_enforce_foreign_keys", "table",
                                                   no_table("theater_enforce_foreign_keys", "", quote="'"))),
    "theater_diagram": ("SELECT theater_diagram({})",
                        text_argument("theater_diagram", "format", diagram_format)),
    "theater_refresh": ("SELECT theater_refresh({})", lambda v: dict(error=wrong_arity("theater_refresh"))),
    "theater_json table": ("SELECT theater_json({}, 1, 'id')",
                           text_argument("theater_json", "table",
                                         no_table("theater_json", "", kind="table or view"))),
    "theater_json shape": ("SELECT theater_json('roles', 1, {})",
                           text_argument("theater_json", "shape", json_shape_outcome)),
    "role_hires (declared)": table_valued("role_hires", "role_id"),
}

VALUE_CASES = [Case(id=f"{name}[{v.name}]", sql=template.format(v.sql), **expect(v))
               for name, (template, expect) in TARGETS.items() for v in VALUES]

ARITY_CASES = [
    Case("call_back()", "SELECT call_back()", error=wrong_arity("call_back")),
    Case("call_back(1, 2)", "SELECT call_back(1, 2)", error=wrong_arity("call_back")),
    Case("call_back_all()", "SELECT call_back_all()", error=wrong_arity("call_back_all")),
    Case("call_back_all(1, 2)", "SELECT call_back_all('[1]', 2)", error=wrong_arity("call_back_all")),
    Case("role_lead()", "SELECT role_lead()", error=wrong_arity("role_lead")),
    Case("role_lead(1, 2)", "SELECT role_lead(1, 2)", error=wrong_arity("role_lead")),
    Case("role_understudy()", "SELECT role_understudy()", error=wrong_arity("role_understudy")),
    Case("role_understudy(1, 2)", "SELECT role_understudy(1, 2)", error=wrong_arity("role_understudy")),
    Case("theater_migrate(1, 2)", "SELECT theater_migrate(1, 2)", error=wrong_arity("theater_migrate")),
    Case("theater_materialize_casting(1, 2)", "SELECT theater_materialize_casting(1, 2)",
         error=wrong_arity("theater_materialize_casting")),
    Case("theater_schema_version(1, 2)", "SELECT theater_schema_version(1, 2)",
         error=wrong_arity("theater_schema_version")),
    Case("theater_version(1, 2)", "SELECT theater_version(1, 2)", error=wrong_arity("theater_version")),
    Case("theater_debug(1, 2)", "SELECT theater_debug(1, 2)", error=wrong_arity("theater_debug")),
    *[Case(f"{f}(1, 2)", f"SELECT * FROM {f}(1, 2)", error=too_many(f, 1))
      for f in ("role_auditions", "role_actors", "role_locations", "audition_role", "role_casting")],
    Case("theater_relate()", "SELECT theater_relate()", error=wrong_arity("theater_relate")),
    Case("theater_relate(1, 2)", "SELECT theater_relate('a', 'roles')", error=wrong_arity("theater_relate")),
    Case("theater_relate(6 arguments)", "SELECT theater_relate('a', 'roles', 'auditions', NULL, '{}', 1)",
         error=wrong_arity("theater_relate")),
    Case("theater_unrelate()", "SELECT theater_unrelate()", error=wrong_arity("theater_unrelate")),
    Case("theater_enforce_foreign_keys()", "SELECT theater_enforce_foreign_keys()",
         error=wrong_arity("theater_enforce_foreign_keys")),
    Case("theater_diagram(1, 2)", "SELECT theater_diagram('dot', 2)", error=wrong_arity("theater_diagram")),
    Case("role_hires(1, 2)", "SELECT * FROM role_hires(1, 2)", error=too_many("role_hires", 1)),
    Case("theater_json(2 arguments)", "SELECT theater_json('roles', 1)", error=wrong_arity("theater_json")),
    Case("theater_json(4 arguments)", "SELECT theater_json('roles', 1, 'id', 2)", error=wrong_arity("theater_json")),
    # The right arities, for contrast: the documented values, nothing written.
    Case("theater_version()", "SELECT theater_version()", rows=[(VERSION,)]),
    Case("theater_schema_version()", "SELECT theater_schema_version()", rows=[(HEAD,)]),
    Case("theater_migrate()", "SELECT theater_migrate()", rows=[(HEAD,)]),
]

CASES = VALUE_CASES + ARITY_CASES
ERROR_CASES = [c for c in CASES if c.error]
WRITER_ERROR_CASES = [c for c in ERROR_CASES if re.match(
    r"SELECT (call_back|call_back_all|theater_migrate|theater_relate|theater_unrelate|theater_enforce_foreign_keys|"
    r"theater_materialize_casting)\(", c.sql)]


# ---- running one case ----------------------------------------------------------

def seeded_connection(path=":memory:"):
    conn = connect(path)
    conn.execute("SELECT theater_migrate()")
    conn.executescript(SEED)
    conn.execute("SELECT theater_relate('role_hires', 'roles', 'auditions')")
    return conn


def snapshot(conn):
    """Everything in the database, and how many rows this connection changed."""
    return list(conn.iterdump()), scalar(conn, "SELECT total_changes()")


def check(case, conn):
    before = snapshot(conn)
    if case.error:
        with pytest.raises(sqlite3.Error) as caught:
            conn.execute(case.sql).fetchall()
        assert str(caught.value) == case.error, f"error {str(caught.value)!r}, expected {case.error!r}"
    else:
        rows = conn.execute(case.sql).fetchall()
        assert rows == case.rows, f"rows {rows!r}, expected {case.rows!r}"
    assert not conn.in_transaction, "the case left a transaction open"
    if case.writes:
        assert scalar(conn, "SELECT theater_schema_version()") == 0
    else:
        assert snapshot(conn) == before, "the case wrote to the database"


def check_on_a_fresh_database(case):
    conn = seeded_connection()
    try:
        check(case, conn)
    finally:
        conn.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_the_documented_result_and_writes_nothing_on_error(case):
    check_on_a_fresh_database(case)


@pytest.mark.parametrize("case", WRITER_ERROR_CASES, ids=[c.id for c in WRITER_ERROR_CASES])
def test_a_failing_writer_inside_a_transaction_keeps_the_callers_work(case):
    conn = seeded_connection()
    conn.execute("BEGIN")
    conn.execute("INSERT INTO roles (id, character_name) VALUES (9, 'Yorick')")
    with pytest.raises(sqlite3.Error, match=re.escape(case.error)):
        conn.execute(case.sql).fetchall()
    assert conn.in_transaction
    conn.execute("COMMIT")
    assert scalar(conn, "SELECT character_name FROM roles WHERE id = 9") == "Yorick"
    conn.close()


def test_the_matrix_covers_every_value_of_the_issue_for_every_function():
    assert len(VALUE_CASES) == len(TARGETS) * len(VALUES)
    assert len({c.id for c in CASES}) == len(CASES)


# ---- the whole matrix in a child process ------------------------------------------

def run_all():
    """Runs every case; returns the ids of the ones that failed (with why)."""
    failures = []
    for case in CASES:
        try:
            check_on_a_fresh_database(case)
        except BaseException as e:  # pytest's failures are BaseException
            failures.append(f"{case.id}: {type(e).__name__}: {str(e)[:300]}")
    return failures


CHILD = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import test_bad_input
failures = test_bad_input.run_all()
print("\\n".join(failures))
print("ran", len(test_bad_input.CASES), "cases")
sys.exit(1 if failures else 0)
"""


def test_the_whole_matrix_runs_clean_in_a_child_process():
    # A crash in the extension kills the child (a negative return code), not pytest.
    child = subprocess.run(["/usr/bin/python3", "-c", CHILD], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
    assert child.returncode == 0, f"exit {child.returncode}\n{child.stdout}\n{child.stderr[-3000:]}"
    assert f"ran {len(CASES)} cases" in child.stdout


# ---- a representative subset through the sqlite3 shell -----------------------------

SHELL_VALUES = {"NULL", "0", "-2^63", "1.5", "12abc", "1MB-text", "blob"}
SHELL_CASES = [c for c in VALUE_CASES if c.id.rsplit("[", 1)[1].rstrip("]") in SHELL_VALUES] + ARITY_CASES


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bad_input") / "seeded.db"
    seeded_connection(path).close()
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def list_mode(rows):
    """The shell's default output: columns joined by '|', NULL as nothing."""
    return "".join("|".join("" if v is None else str(v) for v in row) + "\n" for row in rows)


@pytest.mark.parametrize("case", SHELL_CASES, ids=[c.id for c in SHELL_CASES])
def test_the_shell_gives_the_same_results_and_writes_nothing_on_error(case, seeded_file, tmp_path):
    db = tmp_path / "case.db"
    shutil.copyfile(seeded_file, db)
    before = digest(db)
    result = run_shell(db, case.sql + ";\n", check=False)
    if case.error:
        assert result.returncode == 1, result
        assert case.error in result.stderr
        assert result.stdout == ""
    else:
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == list_mode(case.rows)
    if not case.writes:
        assert digest(db) == before, "the case wrote to the database file"
