"""theater_enforce_foreign_keys against SQLite's own enforcement, case by
case: what tests/test_enforce_differential.py found, kept as cases that run
on SQLite with PRAGMA foreign_keys = ON and on the triggers with the pragma
off (docs/model-layer.md, "Integrity without the pragma").

AGREE: the triggers now accept or refuse each statement as SQLite does and
leave the same rows (each id says what used to go wrong).
The tests after it show each documented difference ("Where the triggers
differ from SQLite") on its smallest case: what the triggers do, and what
SQLite does."""
import collections
import sqlite3

import pytest

from conftest import connect
from test_enforce_differential import (NOT_REENTERED, PINNED, REPLACE_UNCHECKED, ROW_BY_ROW, SQLITE_MISCOUNT,
                                       SQLITE_ORPHAN, SQLITE_RECHECK, RECHECKED_ORPHAN_ROWS,
                                       RECHECKED_ORPHAN_STATEMENT, RECHECKED_ORPHAN_TABLE, Case, run_case)
from theater_data import rows


def sqlite_own(script, recursive=False):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(f"PRAGMA recursive_triggers = {int(recursive)};" + script)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def with_triggers(script, recursive=False):
    conn = connect()
    conn.executescript(f"PRAGMA recursive_triggers = {int(recursive)};" + script)
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall():
        conn.execute("SELECT theater_enforce_foreign_keys(?)", (table,))
    return conn


def error_of(conn, statement):
    """None when `statement` is accepted, else its error message."""
    try:
        conn.execute(statement)
        return None
    except sqlite3.Error as e:
        return str(e)


def outcome(conn, statement):
    """Accepted or refused, and then every table's rows."""
    refused = error_of(conn, statement) if statement else None
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return refused is None, {t: sorted(rows(conn, f"SELECT * FROM {t}"), key=repr) for t in tables}


def both(script, statement, recursive=False):
    """(SQLite's outcome, the triggers' outcome) of `statement` after `script`."""
    return (outcome(sqlite_own(script, recursive), statement),
            outcome(with_triggers(script, recursive), statement))


AGREE = [
    # The parent's key compared the way SQLite compares it.
    pytest.param("CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid REFERENCES p ON DELETE CASCADE);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES ('1');",
                 "DELETE FROM p", id="text '1' of an INT parent: the cascade misses it, so SQLite refuses"),
    pytest.param("CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid TEXT REFERENCES p ON DELETE SET NULL);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES ('01');",
                 "DELETE FROM p", id="text '01' of an INT parent: SET NULL misses it, so SQLite refuses"),
    pytest.param("CREATE TABLE p (k TEXT COLLATE NOCASE PRIMARY KEY); "
                 "CREATE TABLE c (pk TEXT REFERENCES p ON DELETE CASCADE);"
                 "INSERT INTO p VALUES ('A'); INSERT INTO c VALUES ('a');",
                 "DELETE FROM p", id="the parent's collation finds the child to cascade to"),
    pytest.param("CREATE TABLE p (k TEXT PRIMARY KEY); CREATE TABLE c (pk TEXT COLLATE NOCASE REFERENCES p "
                 "ON DELETE CASCADE); INSERT INTO p VALUES ('a'), ('A'); INSERT INTO c VALUES ('a');",
                 "DELETE FROM p WHERE k = 'A'", id="the child's collation does not: the child of 'a' stays"),
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (pid INTEGER REFERENCES p);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);",
                 "UPDATE p SET rowid = 2", id="the rowid changed by another name"),
    pytest.param("CREATE TABLE p (k TEXT UNIQUE); CREATE TABLE c (pk REFERENCES p(k) ON DELETE SET NULL);"
                 "INSERT INTO p VALUES ('2'); INSERT INTO c VALUES (2);",
                 "DELETE FROM p", id="a child only the lookup finds stays, naming no parent, as SQLite leaves it"),
    # Rows of one table.
    pytest.param("CREATE TABLE t (id INTEGER PRIMARY KEY, up REFERENCES t); INSERT INTO t VALUES (1, 1);",
                 "DELETE FROM t", id="a row that refers to itself is deleted"),
    pytest.param("CREATE TABLE t (k TEXT COLLATE NOCASE PRIMARY KEY, up REFERENCES t);",
                 "INSERT INTO t VALUES ('A', 'a')", id="a new row is its own parent only byte for byte"),
    pytest.param("CREATE TABLE t (k TEXT COLLATE NOCASE PRIMARY KEY, up REFERENCES t); INSERT INTO t VALUES ('A', 'A');",
                 "INSERT INTO t VALUES ('B', 'a')", id="another row is a parent under the key's collation"),
    pytest.param("CREATE TABLE t (id INTEGER PRIMARY KEY, up REFERENCES t); INSERT INTO t VALUES (1, 1);",
                 "UPDATE t SET id = 2", id="a row that refers to itself cannot change its key alone"),
    pytest.param("CREATE TABLE t (k TEXT PRIMARY KEY, u UNIQUE, f REFERENCES t ON UPDATE CASCADE);"
                 "INSERT INTO t VALUES ('1', 'A', '1');",
                 "INSERT INTO t VALUES ('2', 'A', '1') ON CONFLICT (u) DO UPDATE SET k = excluded.k",
                 id="an upsert's key change cascades to the row itself"),
    pytest.param("CREATE TABLE t (id INTEGER PRIMARY KEY, up REFERENCES t ON DELETE CASCADE);"
                 "INSERT INTO t VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, NULL);",
                 "DELETE FROM t WHERE id = 1", id="a cascade to its own table goes all the way down"),
    # Several keys.
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE c (a REFERENCES p ON DELETE CASCADE, b REFERENCES p);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);",
                 "DELETE FROM p", id="one key cascades, so the other finds no child left"),
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE c (a REFERENCES p ON DELETE CASCADE, b REFERENCES p ON DELETE RESTRICT);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);",
                 "DELETE FROM p", id="the last declared key acts first: RESTRICT refuses"),
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE c (b REFERENCES p ON DELETE RESTRICT, a REFERENCES p ON DELETE CASCADE);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);",
                 "DELETE FROM p", id="the last declared key acts first: CASCADE leaves RESTRICT nothing"),
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE q (id INTEGER PRIMARY KEY, p REFERENCES p ON DELETE CASCADE);"
                 "CREATE TABLE c (q REFERENCES q ON DELETE CASCADE, p REFERENCES p ON DELETE RESTRICT);"
                 "INSERT INTO p VALUES (1); INSERT INTO q VALUES (1, 1); INSERT INTO c VALUES (1, 1);",
                 "DELETE FROM p", id="the newest child table acts first: RESTRICT refuses"),
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE c (q REFERENCES q ON DELETE CASCADE, p REFERENCES p ON DELETE RESTRICT);"
                 "CREATE TABLE q (id INTEGER PRIMARY KEY, p REFERENCES p ON DELETE CASCADE);"
                 "INSERT INTO p VALUES (1); INSERT INTO q VALUES (1, 1); INSERT INTO c VALUES (1, 1);",
                 "DELETE FROM p", id="the newest child table acts first: its cascade leaves RESTRICT nothing"),
    # Generated columns.
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE c (s, g AS (s) STORED REFERENCES p); INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);",
                 "UPDATE c SET s = 2", id="a STORED generated child key is checked when its source changes"),
    pytest.param("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE c (s, g AS (s + 0) REFERENCES p); INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);",
                 "UPDATE c SET s = 2", id="a VIRTUAL generated child key is checked when its source changes"),
    pytest.param("CREATE TABLE p (w, k AS (w) UNIQUE); CREATE TABLE c (pk REFERENCES p(k) ON UPDATE CASCADE);"
                 "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);",
                 "UPDATE p SET w = 2", id="a generated parent key cascades when its source changes"),
]


def test_set_null_of_a_not_null_column_fails_even_inside_or_replace():
    # SQLite's own actions abort on a constraint whatever the statement's
    # OR clause; a trigger's UPDATE would take OR REPLACE and write the
    # default instead.
    script = ("CREATE TABLE p (id INTEGER PRIMARY KEY, name UNIQUE);"
              "CREATE TABLE c (pid NOT NULL DEFAULT 0 REFERENCES p ON DELETE SET NULL);"
              "INSERT INTO p VALUES (0, 'zero'), (1, 'one'); INSERT INTO c VALUES (1);")
    own, triggers = both(script, "INSERT OR REPLACE INTO p VALUES (2, 'one')", recursive=True)
    assert triggers == own
    assert own[0] is False


@pytest.mark.parametrize("recursive", [False, True], ids=["recursive_triggers OFF", "ON"])
@pytest.mark.parametrize("script, statement", AGREE)
def test_the_triggers_do_what_sqlite_does(script, statement, recursive):
    own, triggers = both(script, statement, recursive)
    assert triggers == own


def test_a_self_referencing_row_is_replaced_with_recursive_triggers_on():
    # sqlite-utils turns recursive_triggers on: REPLACE then deletes the old
    # row with its triggers, and the row's reference to itself goes with it.
    script = "CREATE TABLE t (id INTEGER PRIMARY KEY, up REFERENCES t, v); INSERT INTO t VALUES (1, 1, 'a');"
    own, triggers = both(script, "INSERT OR REPLACE INTO t VALUES (1, 1, 'b')", recursive=True)
    assert triggers == own == (True, {"t": [(1, 1, "b")]})


# ---- the documented differences -----------------------------------------------------
#
# Each test shows one difference on its smallest case, and that the
# differential test's executable definition of it (classify()) recognizes it.

def recognized(kind, tables, statements, recursive=False):
    """The statements run both ways agree up to the last one, where they
    disagree by `kind`, as test_enforce_differential.classify() decides."""
    found = collections.Counter()
    agreed = run_case(Case.of(tables, statements, recursive), found)
    return agreed == len(statements) - 1 and found == {kind: 1}


SELF = ["CREATE TABLE t (id INTEGER PRIMARY KEY, up REFERENCES t)"]
PARENT_CHILD = ["CREATE TABLE p (id INTEGER PRIMARY KEY, v)", "CREATE TABLE c (pid REFERENCES p)"]
MISSING_T = "FOREIGN KEY constraint failed: t.up must name a row of t"


@pytest.mark.parametrize("tables, statements, error", [
    (SELF, ["INSERT INTO t VALUES (2, 1), (1, NULL)"], MISSING_T),
    (SELF, ["INSERT INTO t VALUES (1, NULL), (2, 1)", "UPDATE t SET up = 2 WHERE id = 1", "DELETE FROM t"],
     "FOREIGN KEY constraint failed: a row of t is still referenced by t.up"),
    (PARENT_CHILD, ["INSERT INTO p VALUES (1, 'a')", "INSERT INTO c VALUES (1)",
                    "INSERT OR REPLACE INTO p VALUES (1, 'b')"],
     "FOREIGN KEY constraint failed: a row of p is still referenced by c.pid"),
], ids=["a child before its parent", "rows that refer to each other", "REPLACE keeps the key"])
def test_difference_a_check_sees_each_row_change_not_the_statement(tables, statements, error):
    script = ";".join(tables + statements[:-1]) + ";"
    own, triggers = sqlite_own(script, True), with_triggers(script, True)
    assert error_of(own, statements[-1]) is None
    assert error_of(triggers, statements[-1]) == error
    assert recognized(ROW_BY_ROW, tables, statements, recursive=True)


def test_difference_an_upsert_keeps_the_key_where_replace_is_refused():
    script = ";".join(PARENT_CHILD) + "; INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1);"
    own, triggers = both(script, "INSERT INTO p VALUES (1, 'b') ON CONFLICT (id) DO UPDATE SET v = excluded.v",
                         recursive=True)
    assert triggers == own == (True, {"c": [(1,)], "p": [(1, "b")]})


def test_difference_without_recursive_triggers_replace_leaves_the_children_alone():
    tables = ["CREATE TABLE p (id INTEGER PRIMARY KEY, name UNIQUE)",
              "CREATE TABLE c (pid REFERENCES p ON DELETE CASCADE)"]
    statements = ["INSERT INTO p VALUES (1, 'one')", "INSERT INTO c VALUES (1)",
                  "INSERT OR REPLACE INTO p VALUES (2, 'one')"]
    script = ";".join(tables + statements[:-1]) + ";"
    assert both(script, statements[-1]) == (
        (True, {"c": [], "p": [(2, "one")]}),         # SQLite: the replaced row's child is deleted
        (True, {"c": [(1,)], "p": [(2, "one")]}))     # the triggers: an orphan
    own, triggers = both(script, statements[-1], recursive=True)
    assert triggers == own
    assert recognized(REPLACE_UNCHECKED, tables, statements)


def test_difference_without_recursive_triggers_an_action_does_not_come_back_to_itself():
    # a1 <- b1 <- a2 <- b2: deleting a1 deletes b1 (b's cascade), then a2
    # (a's cascade), and b2 would need b's cascade again, which is running.
    tables = ["CREATE TABLE a (id INTEGER PRIMARY KEY, b REFERENCES b ON DELETE CASCADE)",
              "CREATE TABLE b (id INTEGER PRIMARY KEY, a REFERENCES a ON DELETE CASCADE)"]
    statements = ["INSERT INTO a VALUES (1, NULL), (2, NULL)", "INSERT INTO b VALUES (1, 1), (2, 2)",
                  "UPDATE a SET b = 1 WHERE id = 2", "DELETE FROM a WHERE id = 1"]
    script = ";".join(tables + statements[:-1]) + ";"
    assert both(script, statements[-1]) == (
        (True, {"a": [], "b": []}),
        (True, {"a": [], "b": [(2, 2)]}))
    own, triggers = both(script, statements[-1], recursive=True)
    assert triggers == own
    assert recognized(NOT_REENTERED, tables, statements)


def test_difference_a_trigger_may_not_delete_the_row_an_update_writes():
    # Replacing t's row 'a' deletes its child, which is the row being updated.
    tables = ["CREATE TABLE t (k TEXT PRIMARY KEY, w, g AS (w) UNIQUE, f REFERENCES t(g) ON DELETE CASCADE)"]
    statements = ["INSERT INTO t (k, w, f) VALUES ('a', 1, 1), ('1', 'x', 1)",
                  "UPDATE OR REPLACE t SET k = 2 WHERE f = 1"]
    script = ";".join(tables + statements[:-1]) + ";"
    own, triggers = sqlite_own(script, True), with_triggers(script, True)
    assert error_of(own, statements[-1]) is None
    with pytest.raises(sqlite3.IntegrityError) as refused:
        triggers.execute(statements[-1])
    assert refused.value.sqlite_errorname == "SQLITE_CONSTRAINT_PINNED"
    assert recognized(PINNED, tables, statements, recursive=True)


def broken(conn):
    return rows(conn, "SELECT * FROM pragma_foreign_key_check")


def test_difference_sqlite_accepts_a_row_its_own_check_finds_breaking_a_key():
    # SQLite skips checking the new row when a SET NULL action of the same
    # key is compiled into the statement last (REPLACE may delete a row).
    tables = ["CREATE TABLE t (id INTEGER PRIMARY KEY, up REFERENCES t ON DELETE SET NULL)"]
    own, triggers = sqlite_own(tables[0]), with_triggers(tables[0])
    assert error_of(own, "INSERT OR REPLACE INTO t VALUES (4, 2)") is None
    assert broken(own) == [("t", 4, "t", 0)]
    assert error_of(triggers, "INSERT OR REPLACE INTO t VALUES (4, 2)") == MISSING_T
    assert error_of(own, "INSERT INTO t VALUES (5, 2)") == "FOREIGN KEY constraint failed"
    assert recognized(SQLITE_ORPHAN, tables, ["INSERT OR REPLACE INTO t VALUES (4, 2)"])


def test_difference_sqlite_refuses_rows_its_own_check_finds_nothing_wrong_with():
    # A row whose key equals its own parent key only under NOCASE: SQLite
    # does not find the row itself when the UPDATE has taken it out of the
    # index first; its check, and the triggers, find it.
    tables = ["CREATE TABLE t (k TEXT COLLATE NOCASE PRIMARY KEY, up REFERENCES t)"]
    statements = ["INSERT INTO t VALUES ('A', 'A')", "UPDATE t SET up = 'a'"]
    own, triggers = sqlite_own(tables[0] + ";" + statements[0]), with_triggers(tables[0] + ";" + statements[0])
    assert error_of(own, statements[1]) == "FOREIGN KEY constraint failed"
    assert error_of(triggers, statements[1]) is None
    assert broken(triggers) == []
    assert recognized(SQLITE_MISCOUNT, tables, statements)


def test_difference_sqlite_340_refuses_a_real_child_key_of_an_integer_primary_key():
    tables = ["CREATE TABLE p (id INTEGER PRIMARY KEY)", "CREATE TABLE c (f REAL REFERENCES p)"]
    statements = ["INSERT INTO p VALUES (1)", "INSERT INTO c VALUES (1)"]
    script = ";".join(tables + statements[:-1]) + ";"
    own, triggers = sqlite_own(script), with_triggers(script)
    assert error_of(triggers, statements[-1]) is None
    assert broken(triggers) == []
    if error_of(own, statements[-1]) is not None:  # 3.40, the version the project tests on; 3.54 accepts it
        assert recognized(SQLITE_MISCOUNT, tables, statements)


def test_difference_sqlite_340_refuses_an_update_or_replace_that_needs_no_foreign_key_work():
    tables = ["CREATE TABLE t (k TEXT PRIMARY KEY, u1, u2, v, UNIQUE (u1, u2))",
              "CREATE TABLE c (k REFERENCES t ON DELETE SET DEFAULT)"]
    statements = ["INSERT INTO t VALUES ('1', 3.0, '1', '2'), ('3', 'a ', '2.5', '2')",
                  "UPDATE OR REPLACE t SET v = x'31', k = 3 WHERE v = '2'"]
    script = ";".join(tables + statements[:-1]) + ";"
    unenforced = sqlite3.connect(":memory:", isolation_level=None)
    unenforced.executescript(script)
    own, triggers = sqlite_own(script), with_triggers(script)
    assert outcome(triggers, statements[-1]) == outcome(unenforced, statements[-1])
    refused = error_of(own, statements[-1])
    if refused is not None:  # 3.40; 3.54 accepts it
        assert refused == "UNIQUE constraint failed: t.u1, t.u2"
        assert recognized(SQLITE_RECHECK, tables, statements)


def test_difference_sqlite_334_refuses_an_update_or_replace_that_leaves_a_child_naming_no_parent():
    # Row 1 takes row 3's u (REPLACE deletes row 3, the parent both rows
    # name), then row 2 takes row 1's. SQLite 3.40 and 3.54 accept it and
    # leave row 2 naming no parent; the triggers do the same.
    accepted = (True, {"t0": [(2, 3, 2.0, "2", 3, 3)]})
    script = f"{RECHECKED_ORPHAN_TABLE}; {RECHECKED_ORPHAN_ROWS};"
    triggers = with_triggers(script, recursive=True)
    assert outcome(triggers, RECHECKED_ORPHAN_STATEMENT) == accepted
    own = sqlite_own(script, recursive=True)
    refused = error_of(own, RECHECKED_ORPHAN_STATEMENT)
    if refused is None:  # 3.40, 3.54
        assert outcome(own, None) == accepted
    else:  # 3.34
        assert refused == "UNIQUE constraint failed: t0.u1, t0.u2"
        assert recognized(SQLITE_RECHECK, [RECHECKED_ORPHAN_TABLE],
                          [RECHECKED_ORPHAN_ROWS, RECHECKED_ORPHAN_STATEMENT], recursive=True)
