"""theater_enforce_foreign_keys against SQLite's own enforcement, on random
schemas and statements (docs/model-layer.md, "Integrity without the
pragma").

Each case is a random schema and a random sequence of statements, run from
the same empty database twice: on a connection with PRAGMA foreign_keys = ON
and no triggers (SQLite's own enforcement), and on one with the pragma off and
theater_enforce_foreign_keys() called for every table. After every statement
both must have accepted it, or both refused it, and both must hold the same
rows, value and type.

Where they disagree, the disagreement must be one of the documented
differences (docs/model-layer.md, "Where the triggers differ from SQLite"),
each checked here by an executable definition (classify()); any other fails
the test with the seed that replays it. A documented disagreement ends its
case: from then on the two databases hold different rows.

    THEATER_ENFORCE_CASES=100000 THEATER_ENFORCE_SEED=1000000 \\
        /usr/bin/python3 -m pytest -q -p no:cacheprovider -s tests/test_enforce_differential.py

runs a longer campaign (CI runs the default, 5000 cases from seed 0, about 30
s of one core); with a newer SQLite, put its libsqlite3.so.0 first with
LD_LIBRARY_PATH. `/usr/bin/python3 tests/test_enforce_differential.py SEED`
prints one case and runs it.
"""
import collections
import json
import os
import random
import re
import sqlite3
import sys
import time

import pytest

from conftest import connect

CASES = int(os.environ.get("THEATER_ENFORCE_CASES", "5000"))
FIRST_SEED = int(os.environ.get("THEATER_ENFORCE_SEED", "0"))
CHUNKS = 10  # so that pytest-xdist can share the cases out

# ---- the generator ----------------------------------------------------------------------

# Declared types, by the affinity SQLite gives them (datatype3.html, 3.1).
TYPES = {
    "INTEGER": ["INTEGER", "INT", "BIGINT"],
    "TEXT": ["TEXT", "VARCHAR(10)"],
    "BLOB": ["", "BLOB"],
    "REAL": ["REAL", "DOUBLE"],
    "NUMERIC": ["NUMERIC", "DECIMAL(5,2)"],
}
COLLATIONS = [None] * 6 + ["NOCASE", "RTRIM"]
ACTIONS = [None, "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"]
# Few values, in every storage class and several spellings, so that keys
# collide: the integer 1, the real 1.0, the texts '1' and '01', the blob x'31'.
KEY_VALUES = [1, 2, 3, 1, 2, "1", "2", 1.0, "a", "A", b"1", None]
VALUES = KEY_VALUES + ["01", " 2", 2.5, "a "]
# A SET DEFAULT writes the DEFAULT as SQLite reads it: an identifier, bare
# or quoted, is the string it spells ('a', 'A', '1', and 'v', which is also
# a column of every table), but TRUE and FALSE are 1 and 0.
DEFAULTS = ["1", "2", "'a'", "NULL", "a", '"a"', "[A]", "`1`", "v", "true", "FALSE", "+1", "-1", "(1 + 1)",
            "x'31'", "'01'", "1.0", "(2 IS TRUE)", "(NOT false)"]
# Table names that are also the aliases, and the old name of the CTE, of
# the triggers' SQL: a table's name never captures a column reference there.
NAMES = ["theater_row", "theater_parent", "theater_child", "theater_a", "theater_b", "theater_c", "theater_p",
         "theater_doomed"]


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def pick_type(rng):
    return rng.choice(TYPES[rng.choice(list(TYPES))])


class Column:
    def __init__(self, name, type_="", *, collation=None, primary=False, unique=False, not_null=False,
                 default=None, has_default=False, generated=None, stored=False, keyish=True):
        self.name, self.type, self.collation = name, type_, collation
        self.primary, self.unique, self.not_null = primary, unique, not_null
        self.default, self.has_default = default, has_default
        self.default_sql = None     # the DEFAULT as SQL, where it is no literal()
        self.generated, self.stored = generated, stored  # generated: the column it is computed from
        self.keyish = keyish        # its values come from KEY_VALUES
        self.references = None      # a column constraint's REFERENCES clause

    def sql(self):
        out = self.name + (" " + self.type if self.type else "")
        if self.primary:
            out += " PRIMARY KEY"
        if self.generated:
            out += f" AS ({self.generated})" + (" STORED" if self.stored else "")
        if self.not_null:
            out += " NOT NULL"
        if self.has_default:
            out += " DEFAULT " + (self.default_sql or literal(self.default))
        if self.collation:
            out += " COLLATE " + self.collation
        if self.unique:
            out += " UNIQUE"
        if self.references:
            out += " " + self.references
        return out


class ForeignKey:
    def __init__(self, columns, parent, parent_columns, implicit, on_delete, on_update, table_constraint):
        self.columns, self.parent, self.parent_columns = columns, parent, parent_columns
        self.implicit = implicit  # REFERENCES parent, its primary key
        self.on_delete, self.on_update = on_delete, on_update
        self.table_constraint = table_constraint

    def action(self, event):
        return (self.on_delete if event == "delete" else self.on_update) or "NO ACTION"

    def clause(self):
        out = "REFERENCES " + self.parent + ("" if self.implicit else "(" + ", ".join(self.parent_columns) + ")")
        if self.on_delete:
            out += " ON DELETE " + self.on_delete
        if self.on_update:
            out += " ON UPDATE " + self.on_update
        return out


class Table:
    def __init__(self, name):
        self.name = name
        self.columns = []
        self.pk = []           # the primary key's columns, in key order
        self.ipk = None        # the INTEGER PRIMARY KEY column, if any
        self.keys = []         # the column lists a foreign key may refer to
        self.constraints = []  # table constraints but foreign keys, as SQL
        self.foreign_keys = []
        self.without_rowid = False

    def column(self, name):
        return next(c for c in self.columns if c.name == name)

    def writable(self):
        return [c for c in self.columns if not c.generated]

    def sql(self):
        parts = [c.sql() for c in self.columns] + self.constraints
        parts += ["FOREIGN KEY (" + ", ".join(fk.columns) + ") " + fk.clause()
                  for fk in self.foreign_keys if fk.table_constraint]
        return f"CREATE TABLE {self.name} (" + ", ".join(parts) + ")" + (" WITHOUT ROWID" if self.without_rowid
                                                                         else "")


def make_table(rng, name):
    t = Table(name)
    form = rng.choice(["integer primary key"] * 2 + ["primary key", "composite primary key", "no primary key"])
    if form == "integer primary key":
        t.columns.append(Column("id", "INTEGER", primary=True))
        t.pk, t.ipk = ["id"], "id"
    elif form == "primary key":
        type_ = pick_type(rng)
        t.without_rowid = rng.random() < 0.3
        t.columns.append(Column("k", type_, collation=rng.choice(COLLATIONS), primary=True,
                                not_null=t.without_rowid))
        t.pk = ["k"]
        if type_ == "INTEGER" and not t.without_rowid:
            t.ipk = "k"
    elif form == "composite primary key":
        t.without_rowid = rng.random() < 0.3
        for n in ("k1", "k2"):
            t.columns.append(Column(n, pick_type(rng), collation=rng.choice(COLLATIONS), not_null=t.without_rowid))
        t.pk = ["k1", "k2"]
        t.constraints.append("PRIMARY KEY (k1, k2)")
    if t.pk:
        t.keys.append(t.pk)
    if form == "no primary key" or rng.random() < 0.5:
        t.columns.append(Column("u", pick_type(rng), collation=rng.choice(COLLATIONS), unique=True))
        t.keys.append(["u"])
    if rng.random() < 0.25:
        t.columns.append(Column("u1", pick_type(rng)))
        t.columns.append(Column("u2", pick_type(rng), collation=rng.choice(COLLATIONS)))
        t.constraints.append("UNIQUE (u1, u2)")
        t.keys.append(["u1", "u2"])
    if rng.random() < 0.2:  # a generated parent key
        t.columns.append(Column("w", pick_type(rng)))
        t.columns.append(Column("gk", pick_type(rng), generated="w", stored=rng.random() < 0.5, unique=True))
        t.keys.append(["gk"])
    t.columns.append(Column("v", pick_type(rng), keyish=False))
    return t


def add_foreign_key(rng, t, n, tables):
    parent = rng.choice(tables)  # t itself, or a table made before or after it
    key = rng.choice(parent.keys)
    parent_columns = list(key)
    if len(key) > 1 and rng.random() < 0.3:
        parent_columns.reverse()
    implicit = parent_columns == parent.pk and rng.random() < 0.3
    names = [f"f{n}"] if len(key) == 1 else [f"f{n}a", f"f{n}b"]
    generated = rng.random() < 0.15  # the key's first column, computed from s<n>
    for i, name in enumerate(names):
        column = Column(name, pick_type(rng), collation=rng.choice(COLLATIONS),
                        unique=len(names) == 1 and rng.random() < 0.1)
        if generated and i == 0:
            t.columns.append(Column(f"s{n}", pick_type(rng)))
            column.generated, column.stored = f"s{n}", rng.random() < 0.5
        elif rng.random() < 0.1:
            column.not_null = column.has_default = True
            column.default = 1
        elif rng.random() < 0.3:
            column.has_default, column.default_sql = True, rng.choice(DEFAULTS)
        t.columns.append(column)
    on_delete, on_update = rng.choice(ACTIONS), rng.choice(ACTIONS)
    if generated:  # an action that would write a generated column is refused (test_model_enforce.py)
        on_delete = "CASCADE" if on_delete in ("SET NULL", "SET DEFAULT") else on_delete
        on_update = "RESTRICT" if on_update in ("SET NULL", "SET DEFAULT", "CASCADE") else on_update
    fk = ForeignKey(names, parent.name, parent_columns, implicit, on_delete, on_update,
                    table_constraint=len(names) > 1 or rng.random() < 0.3)
    t.foreign_keys.append(fk)
    if not fk.table_constraint:
        t.column(names[0]).references = fk.clause()


class Schema:
    def __init__(self, tables):
        self.tables = tables

    def table(self, name):
        return next(t for t in self.tables if t.name == name)

    def sql(self):
        return [t.sql() for t in self.tables]


def make_schema(rng):
    names = [f"t{i}" for i in range(rng.choice([1, 2, 2, 3, 3]))]
    for i, clashing in enumerate(rng.sample(NAMES, len(names))):
        if rng.random() < 0.1:
            names[i] = clashing
    tables = [make_table(rng, name) for name in names]
    for t in tables:
        for n in range(rng.choice([0, 1, 1, 2, 2, 3])):
            add_foreign_key(rng, t, n, tables)
    return Schema(tables)


def value(rng, table, column):
    if column.name == table.ipk:
        return rng.choice([1, 2, 3, 4, "2", None])
    if column.keyish and rng.random() < 0.5:
        return rng.choice([1, 2, 3])  # the populated keys, so that children find parents
    return rng.choice(KEY_VALUES if column.keyish else VALUES)


def where(rng, t):
    column = rng.choice(t.columns)
    choice = rng.random()
    if choice < 0.15:
        return ""
    if choice < 0.7:
        return f" WHERE {column.name} = {literal(value(rng, t, column))}"
    if choice < 0.85:
        return f" WHERE {column.name} IN ({literal(value(rng, t, column))}, {literal(rng.choice(VALUES))})"
    return f" WHERE {column.name} IS NULL"


def make_statement(rng, schema):
    t = rng.choice(schema.tables)
    writable = t.writable()
    kind = rng.random()
    if kind < 0.45:  # INSERT of one to three rows, INSERT OR REPLACE, REPLACE, OR IGNORE, upserts
        columns = writable if rng.random() < 0.7 else rng.sample(writable, rng.randint(1, len(writable)))
        rows = [[value(rng, t, c) for c in columns] for _ in range(rng.choice([1, 1, 2, 3]))]
        head = rng.choice(["INSERT"] * 3 + ["INSERT OR REPLACE", "REPLACE", "INSERT OR IGNORE"])
        sql = (f"{head} INTO {t.name} ({', '.join(c.name for c in columns)}) VALUES "
               + ", ".join("(" + ", ".join(literal(v) for v in r) + ")" for r in rows))
        key = rng.choice(t.keys)
        if head == "INSERT" and rng.random() < 0.3 and not any(t.column(k).generated for k in key):
            target = rng.choice(writable).name
            sql += f" ON CONFLICT ({', '.join(key)}) " + (f"DO UPDATE SET {target} = excluded.{target}"
                                                          if rng.random() < 0.7 else "DO NOTHING")
        return sql
    if kind < 0.75:  # UPDATE of any number of rows
        sets = []
        for c in rng.sample(writable, min(len(writable), rng.choice([1, 1, 2]))):
            r = rng.random()
            other = rng.choice(t.columns).name
            sets.append(f"{c.name} = " + (literal(value(rng, t, c)) if r < 0.75 else c.name if r < 0.9 else other))
        if not t.without_rowid and rng.random() < 0.05:
            sets = [f"rowid = {rng.choice([1, 2, 5])}"]
        head = rng.choice(["UPDATE"] * 5 + ["UPDATE OR REPLACE", "UPDATE OR IGNORE"])
        return f"{head} {t.name} SET {', '.join(sets)}" + where(rng, t)
    return f"DELETE FROM {t.name}" + where(rng, t)


def read_schema(tables_sql):
    """A Schema of the given CREATE TABLE statements, as SQLite reads them."""
    conn = sqlite3.connect(":memory:")
    for sql in tables_sql:
        conn.execute(sql)
    tables = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"):
        t = Table(name)
        t.without_rowid = sql.upper().rstrip().endswith("WITHOUT ROWID")
        keyed = []
        for column, type_, pk, hidden in conn.execute(
                "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid", (name,)):
            t.columns.append(Column(column, type_, generated=column if hidden >= 2 else None))
            keyed += [(pk, column)] if pk else []
        t.pk = [column for _, column in sorted(keyed)]
        if len(t.pk) == 1 and t.column(t.pk[0]).type.upper() == "INTEGER" and not t.without_rowid:
            t.ipk = t.pk[0]
        listed = collections.defaultdict(list)
        for row in conn.execute('SELECT id, "table", "from", "to", on_delete, on_update FROM '
                                "pragma_foreign_key_list(?) ORDER BY id, seq", (name,)):
            listed[row[0]].append(row[1:])
        for rows in listed.values():
            parent, _, to, on_delete, on_update = rows[0]
            t.foreign_keys.append(ForeignKey([r[1] for r in rows], parent, [r[2] for r in rows], to is None,
                                             on_delete, on_update, True))
        tables.append(t)
    conn.close()
    return Schema(tables)


def population(rng, schema):
    """Rows 1, 2 and 3 in every table, each of their key columns 1, 2 or 3,
    then each table's foreign keys set to one of those: parents and children
    for the statements to work on."""
    statements = []
    for t in schema.tables:
        in_keys = {c for fk in t.foreign_keys for c in fk.columns} | {c.generated for c in t.columns if c.generated}

        def populated(c, n):  # no foreign key set, unless it must be (NOT NULL): then to the row's own number
            if c.name in in_keys:
                return str(n) if c.not_null else "NULL"
            return str(n) if c.keyish else "NULL"

        columns = t.writable()
        rows = ", ".join("(" + ", ".join(populated(c, n) for c in columns) + ")" for n in (1, 2, 3))
        statements.append(f"INSERT INTO {t.name} ({', '.join(c.name for c in columns)}) VALUES {rows}")
    for t in schema.tables:
        # Rows 1 and 2 get parents; a key to the table itself names row 3,
        # which is left as it is (SQLite does not always find a row's own
        # parent key in the row itself: a documented difference).
        sets = [f"{t.column(c).generated or c} = {3 if fk.parent == t.name else rng.choice([1, 2, 3])}"
                for fk in t.foreign_keys for c in fk.columns]
        if sets:
            statements.append(f"UPDATE {t.name} SET {', '.join(sets)} WHERE {t.pk[0] if t.without_rowid else 'rowid'}"
                              " <> 3")
    return statements


class Case:
    def __init__(self, seed):
        rng = random.Random(seed)
        self.seed = seed
        self.schema = make_schema(rng)
        self.recursive = rng.random() < 0.5
        self.statements = population(rng, self.schema) + [make_statement(rng, self.schema)
                                                          for _ in range(rng.randint(6, 16))]

    @classmethod
    def of(cls, tables_sql, statements, recursive=False):
        """A case written out: its CREATE TABLE statements, then the rest."""
        case = cls.__new__(cls)
        case.seed, case.recursive, case.statements = None, recursive, statements
        case.schema = read_schema(tables_sql)
        case.schema.sql = lambda: list(tables_sql)
        return case

    depth_first = False  # the triggers' cascades to their own table made to go depth first (NOT_REENTERED)
    again = False        # a case run again by classify(), which classifies it without NOT_REENTERED

    def with_recursive_triggers(self, depth_first=False):
        other = Case.__new__(Case)
        other.__dict__.update(self.__dict__, recursive=True, depth_first=depth_first, again=True)
        return other

    def script(self):
        return "\n".join([f"PRAGMA recursive_triggers = {int(self.recursive)};"]
                         + [s + ";" for s in self.schema.sql()] + [s + ";" for s in self.statements])


# ---- running a case -----------------------------------------------------------------------

def open_sqlite(case, data=None):
    """SQLite's own enforcement, on the empty schema or on `data`."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    prepare(conn, case, data)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def enforce(conn, case):
    for t in case.schema.tables:
        conn.execute("SELECT theater_enforce_foreign_keys(?)", (t.name,))


def open_triggers(case, data=None):
    """The pragma off and the triggers, on the empty schema or on `data`
    (SQLite's rows, which have no triggers)."""
    conn = connect()
    prepare(conn, case, data)
    ENFORCE(conn, case)
    if case.depth_first:
        remake_triggers(conn, lambda name, sql: SUBTREE.sub(
            lambda m: f"DELETE FROM {m[1]} WHERE {m[2].replace('theater_c.', m[1] + '.')};", sql))
    return conn


ENFORCE = enforce  # the sabotage tests below replace it


def prepare(conn, case, data):
    if data is None:
        for sql in case.schema.sql():
            conn.execute(sql)
    else:
        conn.deserialize(data)
    conn.execute(f"PRAGMA recursive_triggers = {int(case.recursive)}")


class Refused(str):
    """A refused statement's error message; .name is SQLite's name for its
    code (SQLITE_CONSTRAINT_FOREIGNKEY, ...)."""

    def __new__(cls, error):
        refused = super().__new__(cls, str(error))
        refused.name = getattr(error, "sqlite_errorname", "")
        return refused


def run(conn, sql):
    """None when the statement is accepted, else a Refused."""
    try:
        conn.execute(sql)
        return None
    except sqlite3.DatabaseError as e:
        return Refused(e)


def contents(conn, schema):
    """Every table's rows, with the rowid, each value with its type."""
    out = {}
    for t in schema.tables:
        columns = ", ".join(c.name for c in t.columns)
        select = (f"SELECT {columns} FROM {t.name} ORDER BY {', '.join(t.pk)}" if t.without_rowid
                  else f"SELECT rowid, {columns} FROM {t.name} ORDER BY rowid")
        out[t.name] = [tuple((type(v).__name__, v) for v in row) for row in conn.execute(select)]
    return out


def same(error_own, error_triggers, own, triggers, schema):
    return (error_own is None) == (error_triggers is None) and contents(own, schema) == contents(triggers, schema)


class Disagreement(AssertionError):
    pass


def run_case(case, found):
    """Runs the case both ways, statement by statement. A documented
    disagreement is counted in `found` and ends the case; any other raises
    Disagreement. Returns the number of statements that agreed."""
    own, triggers = open_sqlite(case), open_triggers(case)
    try:
        for i, sql in enumerate(case.statements):
            before = own.serialize()
            error_own, error_triggers = run(own, sql), run(triggers, sql)
            if same(error_own, error_triggers, own, triggers, case.schema):
                continue
            kind = classify(case, before, sql, error_own, error_triggers, own, triggers)
            if kind is None:
                raise Disagreement(describe(case, i, error_own, error_triggers, own, triggers))
            found[kind] += 1
            return i
        return len(case.statements)
    finally:
        own.close()
        triggers.close()


def describe(case, i, error_own, error_triggers, own, triggers):
    lines = [f"seed {case.seed}: statement {i + 1} disagrees, and is none of the documented differences",
             f"  {case.statements[i]}",
             f"  SQLite:   {error_own or 'accepted'}",
             f"  triggers: {error_triggers or 'accepted'}"]
    a, b = contents(own, case.schema), contents(triggers, case.schema)
    for t in a:
        if a[t] != b[t]:
            lines += [f"  {t} with SQLite:   {a[t]}", f"  {t} with triggers: {b[t]}"]
    lines.append(f"replay: /usr/bin/python3 tests/test_enforce_differential.py {case.seed}")
    return "\n".join(lines + [case.script()])


# ---- the documented differences ---------------------------------------------------------
#
# One function per entry of docs/model-layer.md, "Where the triggers differ
# from SQLite": each says whether a disagreement is that difference, by
# running the statement again from the same rows in the ways it names.

ROW_BY_ROW = "a check sees each row's change, not the statement's"
REPLACE_UNCHECKED = "recursive_triggers OFF: REPLACE deletes rows without their triggers"
NOT_REENTERED = "an action does not run again inside itself, a cascade to its own table deletes a subtree at once"
PINNED = "a trigger may not delete the row an UPDATE is writing"
SQLITE_ORPHAN = "SQLite accepts a row its own foreign_key_check finds breaking a key"
SQLITE_MISCOUNT = "SQLite refuses rows its own foreign_key_check finds nothing wrong with"
SQLITE_RECHECK = "SQLite 3.40 fails an UPDATE OR REPLACE on a UNIQUE constraint it does not break"
SQLITE_CONVERTED = "SQLite 3.40 converts a text parent key to a number while it counts an indexed child"


def classify(case, before, sql, error_own, error_triggers, own, triggers):
    """The documented difference the disagreement is, or None."""
    if error_own is None and error_triggers is not None:
        if checked_row_by_row(case, before, sql, error_triggers, own):
            return ROW_BY_ROW
        if sqlite_accepted_an_orphan(case, before, error_triggers, own):
            return SQLITE_ORPHAN
        if error_triggers.name == "SQLITE_CONSTRAINT_PINNED":
            return PINNED
    if not case.recursive and replace_deleted_rows(case, before, sql) and agrees(
            case.with_recursive_triggers(), before, sql):
        return REPLACE_UNCHECKED
    if not case.again and not case.recursive and action_ran_inside_itself(case, before, sql) and agrees(
            case.with_recursive_triggers(depth_first=True), before, sql):
        return NOT_REENTERED
    if error_triggers is None and error_own is not None:
        if error_own.name == "SQLITE_CONSTRAINT_FOREIGNKEY" and sqlite_refused_consistent_rows(
                case, before, sql, triggers):
            return SQLITE_MISCOUNT
        if error_own.name in UNIQUE_ERRORS and unique_error_without_cause(case, before, sql, triggers):
            return SQLITE_RECHECK
    if error_own is None and error_triggers is not None and error_triggers.name in UNIQUE_ERRORS and \
            unique_error_without_cause(case, before, sql, None):
        return SQLITE_RECHECK
    if sqlite_converted_the_old_key(case, before, sql, error_own, own):
        return SQLITE_CONVERTED
    if not case.again and subtree_at_once(case) and agrees(
            case.with_recursive_triggers(depth_first=True), before, sql) and not agrees(
            case.with_recursive_triggers(), before, sql):
        return NOT_REENTERED
    return None


def agrees(case, before, sql):
    """Both ways agree on the statement from these rows, or disagree by
    another documented difference."""
    own, triggers = open_sqlite(case, before), open_triggers(case, before)
    try:
        error_own, error_triggers = run(own, sql), run(triggers, sql)
        return same(error_own, error_triggers, own, triggers, case.schema) or classify(
            case, before, sql, error_own, error_triggers, own, triggers) is not None
    finally:
        own.close()
        triggers.close()


def key_ids(conn, table):
    """{foreign key: its id in pragma_foreign_key_list} (SQLite numbers a
    table's keys from the last written, column and table constraints alike)."""
    columns = collections.defaultdict(list)
    for n, column in conn.execute('SELECT id, "from" FROM pragma_foreign_key_list(?) ORDER BY id, seq',
                                  (table.name,)):
        columns[n].append(column)
    return {fk: next(n for n, c in columns.items() if c == fk.columns) for fk in table.foreign_keys}


def broken_rows(case, child, n):
    """SQL for the rows of `child` that SQLite's PRAGMA foreign_key_check
    finds breaking key n, as a JSON array of their values (of a table without
    rowid, nulls: one per row)."""
    table = case.schema.table(child)
    if table.without_rowid:
        return f"(SELECT json_group_array(NULL) FROM pragma_foreign_key_check('{child}') WHERE fkid = {n})"
    values = ", ".join(f"CAST(quote(r.{c.name}) AS TEXT)" for c in table.columns)
    return (f"(SELECT json_group_array(json_array({values})) FROM pragma_foreign_key_check('{child}') AS v "
            f"JOIN {child} AS r ON r.rowid = v.rowid WHERE v.fkid = {n})")


def broken(conn, case, child, n):
    return collections.Counter(map(str, json.loads(conn.execute("SELECT " + broken_rows(case, child, n))
                                                   .fetchone()[0])))


RAISE = re.compile(r"BEGIN SELECT RAISE\(ABORT, ('(?:[^']|'')*')\); END$")


def checks(case, conn):
    """{name: (child, key id)} of the triggers that check rather than act:
    the child's "insert" and "update", the parent's "*_check", and its
    "parent_delete" and "parent_update" where the action is NO ACTION."""
    out = {}
    for t in case.schema.tables:
        for fk, n in key_ids(conn, t).items():
            whats = ["insert", "update", "parent_delete_check", "parent_update_check"]
            whats += [f"parent_{event}" for event in ("delete", "update") if fk.action(event) == "NO ACTION"]
            out.update((f"theater_fk:{t.name}:{n}:{what}", (t.name, n)) for what in whats)
    return out


def remake_triggers(conn, change):
    """Drops every trigger and makes it again, in the same order (SQLite
    runs the newest first), its SQL passed through change(name, sql)."""
    made = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid").fetchall()
    for name, _ in made:
        conn.execute(f'DROP TRIGGER "{name}"')
    for name, sql in made:
        conn.execute(change(name, sql))


def checked_row_by_row(case, before, sql, error_triggers, own):
    """ROW_BY_ROW (see checked_row_by_row_as()); on a SQLite that converts
    old keys (SQLITE_CONVERTED), also with the triggers converting them."""
    return checked_row_by_row_as(case, before, sql, error_triggers, own, None) or (
        SQLITE_CONVERTS_OLD_KEYS and bool(converted_keys(case)) and any(
            checked_row_by_row_as(case, before, sql, error_triggers, own, values) for values in CONVERTED_VALUES))


def checked_row_by_row_as(case, before, sql, error_triggers, own, converting):
    """ROW_BY_ROW: the triggers refused at a check that SQLite makes at the
    end of the statement. Run again with every check made to note, instead
    of refusing, its message, the rows that SQLite's own
    PRAGMA foreign_key_check finds breaking the key at that moment, the row
    change it checks, and (at the first note) every table's rows: the first
    note is the refusal; at that moment the key was broken by SQLite's
    standards (its check found a row breaking it that it did not find before
    the statement, or SQLite's enforcement refuses the row change checked,
    made again by itself on the rows of that moment); and the statement ends
    with exactly SQLite's rows, in which its check finds no new row breaking
    the key, or, continued, meets PINNED."""
    conn = open_triggers(case, before)
    try:
        if converting:
            convert_old_keys(case, conn, converting)
        found = checks(case, conn)
        on = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'").fetchall())
        start = {key: broken(conn, case, *key) for key in set(found.values())}
        # The notes go to Python, where an aborted statement cannot take
        # them back; the rows of the first moment to the database.
        notes = []
        conn.create_function("theater_note", 5, lambda *note: notes.append(note))
        conn.execute("CREATE TABLE theater_moments (n)")
        for t in case.schema.tables:
            rowid = "" if t.without_rowid else "rowid AS theater_rowid, "
            conn.execute(f"CREATE TABLE theater_then_{t.name} AS SELECT {rowid}* FROM {t.name} WHERE 0")
        keep = " ".join(f"INSERT INTO theater_then_{t.name} SELECT {'' if t.without_rowid else 'rowid, '}* FROM "
                        f"{t.name} WHERE (SELECT count(*) FROM theater_moments) = 1;" for t in case.schema.tables)

        def noting(name, text):
            if name not in found:
                return text
            child, n = found[name]
            what, table = name.split(":")[-1], case.schema.table(on[name])
            old = "json_array()" if what == "insert" else quoted(table, "OLD")
            new = "json_array()" if what.startswith("parent_delete") else quoted(table, "NEW")
            change = f"json_object('what', '{what}', 'table', '{table.name}', 'old', {old}, 'new', {new})"
            text, replaced = RAISE.subn(lambda m: f"BEGIN SELECT theater_note({m[1]}, '{child}', {n}, "
                                                  f"{broken_rows(case, child, n)}, {change}); INSERT INTO "
                                                  f"theater_moments VALUES (1); {keep} END", text)
            assert replaced == 1, text
            return text

        remake_triggers(conn, noting)
        continued = run(conn, sql)
        if continued is not None and continued.name != "SQLITE_CONSTRAINT_PINNED" or not notes:
            return False
        first = notes[0]
        if first[0] != error_triggers:
            return False
        key = (first[1], first[2])
        broken_then = bool(collections.Counter(map(str, json.loads(first[3]))) - start[key])
        if continued is not None:  # PINNED later on: no end, and the rows of that moment are undone too
            return broken_then
        broken_then = broken_then or refused_then(case, conn, json.loads(first[4]))
        return (broken_then and not broken(conn, case, *key) - start[key]
                and contents(conn, case.schema) == contents(own, case.schema))
    finally:
        conn.close()


def quoted(table, row):
    """SQL for a JSON array of the quoted values of OLD or NEW: the rowid (of
    a rowid table), then the columns a statement writes."""
    names = ([] if table.without_rowid else ["rowid"]) + [c.name for c in table.writable()]
    # CAST: SQLite 3.34's quote() hands a number back as that number, where
    # the notes need SQL text.
    return "json_array(" + ", ".join(f"CAST(quote({row}.{n}) AS TEXT)" for n in names) + ")"


def rebuilt(case, conn, source="{}"):
    """A new database of the case's schema (no triggers) holding the rows of
    `conn`'s tables, or of the tables source.format(name) names, whose
    first column is the rowid."""
    out = sqlite3.connect(":memory:", isolation_level=None)
    for t in case.schema.tables:
        out.execute(t.sql())
        written = [c.name for c in t.writable()]
        rowid = [] if t.without_rowid else ["rowid"]
        picked = (["theater_rowid"] if rowid and source != "{}" else rowid) + written
        for values in conn.execute(f"SELECT {', '.join(picked)} FROM {source.format(t.name)}"):
            out.execute(f"INSERT INTO {t.name} ({', '.join(rowid + written)}) VALUES "
                        f"({', '.join('?' for _ in values)})", values)
    return out


def refused_then(case, conn, change):
    """SQLite's enforcement refuses the row change a check noted, made again
    by itself on the rows the theater_then_ tables of `conn` keep: for
    "insert" and "update", the row inserted again by itself; for
    "parent_delete", the old row put back and deleted; for "parent_update",
    the row given its old values and then its new ones."""
    then = rebuilt(case, conn, "theater_then_{}")
    try:
        table = case.schema.table(change["table"])
        names = ([] if table.without_rowid else ["rowid"]) + [c.name for c in table.writable()]
        old, new = ([then.execute("SELECT " + v).fetchone()[0] for v in change[which]] for which in ("old", "new"))
        identity = names[:1] if not table.without_rowid else table.pk
        where = " AND ".join(f"{k} IS ?" for k in identity)
        what = change["what"]
        if what in ("insert", "update"):
            ids = [new[names.index(k)] for k in identity]
            select = ", ".join(([] if table.without_rowid else ["rowid"]) + [c.name for c in table.columns])
            return any(refused_alone(case, then, table, tuple((type(v).__name__, v) for v in values))
                       for values in then.execute(f"SELECT {select} FROM {table.name} WHERE {where}", ids))
        settings = ", ".join(f"{n} = ?" for n in names)
        if what.startswith("parent_delete"):
            then.execute(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", old)
            redo, params = f"DELETE FROM {table.name} WHERE {where}", [old[names.index(k)] for k in identity]
        else:
            then.execute(f"UPDATE {table.name} SET {settings} WHERE {where}",
                         old + [new[names.index(k)] for k in identity])
            redo, params = f"UPDATE {table.name} SET {settings} WHERE {where}", new + [old[names.index(k)]
                                                                                       for k in identity]
        then.execute("PRAGMA foreign_keys = ON")
        try:
            then.execute(redo, params)
            return False
        except sqlite3.IntegrityError as e:
            return e.sqlite_errorname == "SQLITE_CONSTRAINT_FOREIGNKEY"
    finally:
        then.close()


REFUSED_KEY = re.compile(r"FOREIGN KEY constraint failed: (?:(.*)\.([^.]*) must name a row of .*"
                         r"|a row of .* is still referenced by (.*)\.([^.]*))$")


def sqlite_accepted_an_orphan(case, before, error_triggers, own):
    """SQLITE_ORPHAN: SQLite accepted the statement, the triggers refused it
    at a check of one key, and after SQLite's statement a row breaks that
    key by SQLite's own standards: its PRAGMA foreign_key_check finds it and
    did not before, or SQLite's enforcement refuses the row (new or changed
    by the statement) when it is inserted again by itself."""
    refused = REFUSED_KEY.match(error_triggers)
    if not refused:
        return False
    table = case.schema.table(refused[1] or refused[3])
    fk = next(fk for fk in table.foreign_keys if fk.columns == (refused[2] or refused[4]).split(","))
    conn = open_sqlite(case, before)
    try:
        n = key_ids(conn, table)[fk]
        if broken(own, case, table.name, n) - broken(conn, case, table.name, n):
            return True
        return any(refused_alone(case, own, table, row) for row in changed_rows(conn, own, table))
    finally:
        conn.close()


def changed_rows(before, after, table):
    """The rows of `table` in `after` that `before` does not hold as they are."""
    old = set(contents(before, Schema([table]))[table.name])
    return [row for row in contents(after, Schema([table]))[table.name] if row not in old]


def refused_alone(case, conn, table, row):
    """SQLite's enforcement refuses `row` (as contents() gives it), inserted
    again by itself into the rows of `conn`."""
    names = ([] if table.without_rowid else ["rowid"]) + [c.name for c in table.columns]
    written = [(n, v) for n, (_, v) in zip(names, row) if n == "rowid" or not table.column(n).generated]
    key = written[:1] if not table.without_rowid else [(k, dict(written)[k]) for k in table.pk]
    again = open_sqlite(case, conn.serialize())
    try:
        again.execute("PRAGMA foreign_keys = OFF")
        again.execute(f"DELETE FROM {table.name} WHERE " + " AND ".join(f"{n} IS ?" for n, _ in key),
                      [v for _, v in key])
        again.execute("PRAGMA foreign_keys = ON")
        refused = run(again, "INSERT INTO {} ({}) VALUES ({})".format(
            table.name, ", ".join(n for n, _ in written), ", ".join(literal(v) for _, v in written)))
        return refused is not None and refused.name == "SQLITE_CONSTRAINT_FOREIGNKEY"
    finally:
        again.close()


def replace_deleted_rows(case, before, sql):
    """For REPLACE_UNCHECKED: the statement's REPLACE deleted rows: run on
    the rows without foreign keys or triggers, it leaves fewer rows than it
    found and inserted (changes() counts the rows it wrote, not the ones
    REPLACE deleted)."""
    if not re.match(r"(INSERT OR REPLACE|REPLACE|UPDATE OR REPLACE) ", sql):
        return False
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.deserialize(before)
        table = re.match(r"(?:INSERT OR \w+ INTO|REPLACE INTO|INSERT INTO|UPDATE OR \w+|UPDATE) (\w+)", sql)[1]
        count = f"SELECT count(*) FROM {table}"
        found = conn.execute(count).fetchone()[0]
        if run(conn, sql) is not None:
            return False
        written = conn.execute("SELECT changes()").fetchone()[0] if sql.startswith(("INSERT", "REPLACE")) else 0
        return conn.execute(count).fetchone()[0] < found + written
    finally:
        conn.close()


SUBTREE = re.compile(r"DELETE FROM (\S+) WHERE \(.*?\) IN \(WITH RECURSIVE sqlite_theater_doomed\(.*?\) AS \("
                     r"SELECT .*? FROM \S+ AS theater_c WHERE (.*?) UNION SELECT .*\) SELECT .*? FROM "
                     r"sqlite_theater_doomed\);")


def subtree_at_once(case):
    """For NOT_REENTERED: some table cascades to its own rows, which the
    triggers delete a subtree at a time (SQLite deletes them depth first)."""
    return any(fk.parent == t.name and fk.action("delete") == "CASCADE" for t in case.schema.tables
               for fk in t.foreign_keys)


ACTION_BODY = re.compile(r"^(CREATE TRIGGER .*? BEGIN )(.*)( END)$", re.S)


REFUSING = re.compile(r"SELECT RAISE\(ABORT, ('(?:[^']|'')*')\)")


def action_ran_inside_itself(case, before, sql):
    """For NOT_REENTERED: run the triggers again with every action noting,
    before and after its work, that it runs, with a twin of each action
    (same event and condition) noting whether its change comes while the
    action itself runs (SQLite then does not run the action again), and
    with every refusal noted instead: such a change came before the first
    refusal, or there was none."""
    conn = open_triggers(case, before)
    try:
        found = checks(case, conn)
        conn.execute("CREATE TABLE theater_running (name)")
        noted = []  # in Python, where an aborted statement cannot take them back
        conn.create_function("theater_noted", 1, noted.append)
        actions = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'theater_fk:%'")
            if name not in found]

        def noting(name, text):
            text = REFUSING.sub(lambda m: "SELECT theater_noted('refused')", text)
            if name not in actions:
                return text
            head, body, end = ACTION_BODY.match(text).groups()
            return (f"{head}INSERT INTO theater_running VALUES ('{name}'); {body} "
                    f"DELETE FROM theater_running WHERE rowid = (SELECT max(rowid) FROM theater_running); {end}")

        remake_triggers(conn, noting)
        for name, text in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall():
            if name in actions:
                twin = ACTION_BODY.match(text)[1].replace(f'"{name}"', f'"twin {name}"', 1)
                conn.execute(f"{twin}SELECT theater_noted('skipped') WHERE EXISTS (SELECT 1 FROM "
                             f"theater_running WHERE name = '{name}'); END")
        run(conn, sql)
        return bool(noted) and noted[0] == "skipped"
    finally:
        conn.close()


def sqlite_refused_consistent_rows(case, before, sql, triggers):
    """SQLITE_MISCOUNT: SQLite refused the statement at its end, but made to
    count the violations for COMMIT instead (defer_foreign_keys, in a
    transaction) it leaves exactly the triggers' rows, in which its own
    PRAGMA foreign_key_check finds no violation that was not there before;
    or none among the rows the statement wrote, one of which SQLite's
    enforcement refuses when it is inserted again by itself (its enforcement
    and its check disagree on that row)."""
    conn = open_sqlite(case, before)
    try:
        start = collections.Counter(pragma_check(conn))
        conn.execute("BEGIN")
        conn.execute("PRAGMA defer_foreign_keys = ON")
        if run(conn, sql) is not None or contents(conn, case.schema) != contents(triggers, case.schema):
            return False
        if not collections.Counter(pragma_check(conn)) - start:
            return True
        now = rebuilt(case, conn)  # the transaction's rows: serialize() gives the committed ones
        try:
            written = written_rows(case, before, now)
            return written_rows_break_no_key(case, before, now) and any(
                refused_alone(case, now, t, r) for t in case.schema.tables for r in written[t.name])
        finally:
            now.close()
    finally:
        conn.close()


def written_rows(case, before, conn):
    """{table: the rows of `conn` that the database `before` does not hold
    as they are}."""
    old = sqlite3.connect(":memory:")
    try:
        old.deserialize(before)
        return {t.name: changed_rows(old, conn, t) for t in case.schema.tables}
    finally:
        old.close()


def written_rows_break_no_key(case, before, conn):
    """SQLite's PRAGMA foreign_key_check finds no new violation in a row
    that differs from the database `before` (in a table without rowid, no
    new violation at all)."""
    written = written_rows(case, before, conn)
    for table, rowid, _, _ in new_violations(conn, before):
        if rowid is None or any(r[0][1] == rowid for r in written[table]):
            return False
    return True


def pragma_check(conn):
    return conn.execute("SELECT * FROM pragma_foreign_key_check").fetchall()


def new_violations(conn, before):
    """The rows SQLite's PRAGMA foreign_key_check finds in `conn` but not in
    the database `before`."""
    then = sqlite3.connect(":memory:")
    try:
        then.deserialize(before)
        check = "SELECT * FROM pragma_foreign_key_check"
        return set(conn.execute(check).fetchall()) - set(then.execute(check).fetchall())
    finally:
        then.close()


UNIQUE_ERRORS = ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


def unique_error_without_cause(case, before, sql, triggers):
    """SQLITE_RECHECK: SQLite refused an UPDATE OR REPLACE with a UNIQUE
    error, which the statement does not break: with foreign keys off SQLite
    accepts it, and the triggers, doing the actions too, end with every
    UNIQUE constraint kept (SQLite keeps them) and no row they wrote
    breaking a key. Or (triggers None) the triggers refused it so, the
    recheck coming after their own delete triggers, and SQLite accepted it.
    (With foreign keys on, SQLite 3.40 checks the UNIQUE constraints again
    after the rows it replaced are gone and their actions done, and fails
    there; 3.54 accepts these statements.)"""
    if not sql.startswith("UPDATE OR REPLACE") or (
            triggers is not None and not SQLITE_RECHECKS_ORPHANS and
            not written_rows_break_no_key(case, before, triggers)):
        return False
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.deserialize(before)
        return run(conn, sql) is None
    finally:
        conn.close()


def sqlite_rechecks_orphans():
    """SQLite 3.34 (not 3.40 nor 3.54) also fails with the recheck an
    UPDATE OR REPLACE whose replaced parent leaves a child naming no parent,
    which 3.40 and 3.54 accept (the triggers do as they do): there, a row the
    triggers wrote may break a key."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(f"PRAGMA recursive_triggers = 1; {RECHECKED_ORPHAN_TABLE}; {RECHECKED_ORPHAN_ROWS};"
                       "PRAGMA foreign_keys = ON;")
    return run(conn, RECHECKED_ORPHAN_STATEMENT) is not None


# The smallest case of sqlite_rechecks_orphans() (tests/test_enforce_findings.py),
# run with recursive_triggers on.
RECHECKED_ORPHAN_TABLE = ("CREATE TABLE t0 (k INTEGER PRIMARY KEY, u UNIQUE, u1 REAL, u2 TEXT, f0a, f0b, "
                          "UNIQUE (u1, u2), FOREIGN KEY (f0a, f0b) REFERENCES t0(u1, u2) "
                          "ON DELETE RESTRICT ON UPDATE CASCADE)")
RECHECKED_ORPHAN_ROWS = "INSERT INTO t0 VALUES (3, 3, 3, '3', NULL, NULL), (1, 1, 1, '1', 3, 3), (2, 2, 2, '2', 3, 3)"
RECHECKED_ORPHAN_STATEMENT = "UPDATE OR REPLACE t0 SET u = f0a"
SQLITE_RECHECKS_ORPHANS = sqlite_rechecks_orphans()


def sqlite_converts_old_keys():
    """SQLite 3.40 (not 3.54) converts a parent's old key value in place
    while it counts the children of a key with numeric affinity and an
    index, and the parent's other keys then compare the converted value."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript("""
        CREATE TABLE p (k TEXT UNIQUE, n INT UNIQUE REFERENCES p(k));
        CREATE TABLE c (k REFERENCES p(k) ON DELETE SET NULL);
        INSERT INTO p (k) VALUES ('2'); INSERT INTO c VALUES (2);
        PRAGMA foreign_keys = ON; DELETE FROM p;
    """)
    return conn.execute("SELECT k FROM c").fetchone()[0] is None


SQLITE_CONVERTS_OLD_KEYS = sqlite_converts_old_keys()


def converted_keys(case):
    """{parent table: its key columns} of TEXT or BLOB affinity that a key of
    numeric affinity with an index refers to."""
    out = collections.defaultdict(set)
    for t in case.schema.tables:
        for fk in t.foreign_keys:
            parent = case.schema.table(fk.parent)
            key = parent.pk if fk.implicit else fk.parent_columns
            child = t.column(fk.columns[0])
            if (child.unique or fk.columns[:1] == t.pk[:1]) and affinity(child.type) in NUMERIC:
                out[parent.name] |= {k for k in key if affinity(parent.column(k).type) not in NUMERIC}
    return out


CONVERTED_VALUES = [("OLD", "NEW"), ("OLD",), ("NEW",)]


def convert_old_keys(case, conn, values=("OLD", "NEW")):
    """Makes the triggers of `conn` again with the `values` (OLD, NEW) of
    every parent key converted_keys() names made a number where they are
    text that looks like one, as SQLite 3.40 leaves them (whichever of the
    two its counts of the indexed child have converted by then)."""
    keys = converted_keys(case)
    on = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'").fetchall())

    def converting(name, sql):
        for k in keys.get(on[name], ()):
            for value in (f'{row}."{k}"' for row in values):
                sql = sql.replace(value, f"(CASE WHEN typeof({value}) = 'text' AND CAST({value} AS NUMERIC) = "
                                         f"{value} THEN CAST({value} AS NUMERIC) ELSE {value} END)")
        return sql

    remake_triggers(conn, converting)


def sqlite_converted_the_old_key(case, before, sql, error_own, own):
    """SQLITE_CONVERTED: on a SQLite that does so, the triggers, run again
    with the old value, the new or both of every such parent key made a
    number where they are text that looks like one (convert_old_keys()),
    accept or refuse the statement as SQLite did and leave its rows."""
    if not SQLITE_CONVERTS_OLD_KEYS or not converted_keys(case):
        return False
    for values in CONVERTED_VALUES:
        conn = open_triggers(case, before)
        try:
            convert_old_keys(case, conn, values)
            if same(error_own, run(conn, sql), own, conn, case.schema):
                return True
        finally:
            conn.close()
    return False


NUMERIC = ("INTEGER", "REAL", "NUMERIC")


def affinity(declared):
    """SQLite's affinity of a declared type (datatype3.html, 3.1)."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if any(word in t for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in t or not t:
        return "BLOB"
    return "REAL" if any(word in t for word in ("REAL", "FLOA", "DOUB")) else "NUMERIC"


# ---- the tests ------------------------------------------------------------------------------

def seeds(chunk):
    return range(FIRST_SEED + chunk, FIRST_SEED + CASES, CHUNKS)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_the_triggers_agree_with_sqlite_but_for_the_documented_differences(chunk):
    found, compared, started = collections.Counter(), 0, time.monotonic()
    for seed in seeds(chunk):
        compared += run_case(Case(seed), found)
    print(f"\n{len(seeds(chunk))} cases (every {CHUNKS}th from seed {FIRST_SEED + chunk}), {compared} statements "
          f"agreed, {time.monotonic() - started:.1f} s; documented differences: {dict(found)}")


def drop_triggers(what):
    def enforce_but(conn, case):
        enforce(conn, case)
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE ?", (f"theater_fk:%:{what}",))\
                .fetchall():
            conn.execute(f'DROP TRIGGER "{name}"')
    return enforce_but


@pytest.mark.parametrize("what", ["insert", "parent_delete"])
def test_a_disagreement_that_is_not_documented_fails_the_test(monkeypatch, what):
    """The classification is no catch-all: without the triggers that check
    inserts, or without the delete actions, cases fail."""
    monkeypatch.setattr(sys.modules[__name__], "ENFORCE", drop_triggers(what))
    failed = 0
    for seed in range(40):
        try:
            run_case(Case(seed), collections.Counter())
        except Disagreement as e:
            assert "none of the documented differences" in str(e) and f"tests/test_enforce_differential.py {seed}" \
                in str(e)
            failed += 1
    assert failed >= 5


if __name__ == "__main__":
    case = Case(int(sys.argv[1]))
    print(case.script())
    documented = collections.Counter()
    agreed = run_case(case, documented)
    print(f"{agreed} statements agree" + (f"; then {dict(documented)}" if documented else ""))
