"""theater_enforce_foreign_keys against SQLite's own enforcement.

Each case is a random schema and a random sequence of statements, run twice
from the same empty database: on one connection with PRAGMA foreign_keys = ON
and no triggers (SQLite's own enforcement), on the other with the pragma off
and theater_enforce_foreign_keys() called for every table. After every
statement both must have accepted or refused it alike and hold the same rows.

Where they disagree, the disagreement must be one of the documented
differences of docs/model-layer.md ("Where the triggers differ from SQLite"),
each checked here by an executable definition (classify() below); any other
disagreement fails the test with the seed that replays it.

    THEATER_ENFORCE_CASES=200000 THEATER_ENFORCE_SEED=1000 \\
        /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/test_enforce_differential.py

runs a long campaign; `/usr/bin/python3 tests/test_enforce_differential.py SEED`
prints one case and replays it statement by statement.
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

CASES = int(os.environ.get("THEATER_ENFORCE_CASES", "2500"))
FIRST_SEED = int(os.environ.get("THEATER_ENFORCE_SEED", "0"))

# ---- the generator -----------------------------------------------------------------

# Declared types by the affinity SQLite gives them (datatype3.html, 3.1).
TYPES = {
    "INTEGER": ["INTEGER", "INT", "BIGINT"],
    "TEXT": ["TEXT", "VARCHAR(10)"],
    "BLOB": ["", "BLOB"],
    "REAL": ["REAL", "DOUBLE"],
    "NUMERIC": ["NUMERIC", "DECIMAL(5,2)"],
}
COLLATIONS = [None] * 6 + ["NOCASE", "RTRIM"]
ACTIONS = [None, "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"]
# Few distinct values, in every storage class and spelling, so that keys
# collide: the integer 1, the real 1.0, the texts '1' and '01', the blob x'31'.
VALUES = [1, 2, 3, "1", "2", "01", " 2", 1.0, 2.5, "a", "A", "a ", b"1", None]
KEY_VALUES = [1, 2, 3, 1, 2, "1", "2", 1.0, "a", "A", b"1", None]


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
    def __init__(self, name, type_="", collation=None, not_null=False, default=None, has_default=False,
                 generated=None, stored=False, unique=False, primary=False):
        self.name, self.type, self.collation = name, type_, collation
        self.not_null, self.default, self.has_default = not_null, default, has_default
        self.generated, self.stored, self.unique, self.primary = generated, stored, unique, primary
        self.references = None  # a column-level REFERENCES clause

    def sql(self):
        out = self.name + (" " + self.type if self.type else "")
        if self.primary:
            out += " PRIMARY KEY"
        if self.generated:
            out += f" AS ({self.generated})" + (" STORED" if self.stored else "")
        if self.not_null:
            out += " NOT NULL"
        if self.has_default:
            out += " DEFAULT " + literal(self.default)
        if self.collation:
            out += " COLLATE " + self.collation
        if self.unique:
            out += " UNIQUE"
        if self.references:
            out += " " + self.references
        return out


class Table:
    def __init__(self, name):
        self.name = name
        self.columns = []
        self.pk = []           # primary key columns, in key order
        self.ipk = None        # the INTEGER PRIMARY KEY column, if any
        self.keys = []         # column lists a foreign key may refer to (unique)
        self.constraints = []  # table constraints (composite keys), as SQL
        self.foreign_keys = []
        self.without_rowid = False

    def column(self, name):
        return next(c for c in self.columns if c.name == name)

    def writable(self):
        return [c for c in self.columns if not c.generated]



class ForeignKey:
    def __init__(self, columns, parent, parent_columns, implicit, on_delete, on_update, table_level):
        self.columns, self.parent, self.parent_columns = columns, parent, parent_columns
        self.implicit, self.on_delete, self.on_update = implicit, on_delete, on_update
        self.table_level = table_level

    def clause(self):
        out = "REFERENCES " + self.parent + ("" if self.implicit else "(" + ", ".join(self.parent_columns) + ")")
        if self.on_delete:
            out += " ON DELETE " + self.on_delete
        if self.on_update:
            out += " ON UPDATE " + self.on_update
        return out

    def sql(self):
        return "FOREIGN KEY (" + ", ".join(self.columns) + ") " + self.clause()


def make_table(rng, name):
    t = Table(name)
    form = rng.choice(["ipk", "ipk", "single", "composite", "none"])
    if form == "ipk":
        t.columns.append(Column("id", "INTEGER", primary=True))
        t.pk, t.ipk = ["id"], "id"
    elif form == "single":
        type_ = pick_type(rng)
        t.without_rowid = rng.random() < 0.3
        t.columns.append(Column("k", type_, collation=rng.choice(COLLATIONS), primary=True,
                                not_null=t.without_rowid))
        t.pk = ["k"]
        if type_ == "INTEGER" and not t.without_rowid:
            t.ipk = "k"
    elif form == "composite":
        t.without_rowid = rng.random() < 0.3
        for n in ("k1", "k2"):
            t.columns.append(Column(n, pick_type(rng), collation=rng.choice(COLLATIONS), not_null=t.without_rowid))
        t.pk = ["k1", "k2"]
        t.constraints.append("PRIMARY KEY (k1, k2)")
    if t.pk:
        t.keys.append(t.pk)
    if form == "none" or rng.random() < 0.5:
        t.columns.append(Column("u", pick_type(rng), collation=rng.choice(COLLATIONS), unique=True))
        t.keys.append(["u"])
    if rng.random() < 0.25:
        t.columns.append(Column("u1", pick_type(rng)))
        t.columns.append(Column("u2", pick_type(rng), collation=rng.choice(COLLATIONS)))
        t.constraints.append("UNIQUE (u1, u2)")
        t.keys.append(["u1", "u2"])
    if rng.random() < 0.2:  # a generated column as a parent key
        t.columns.append(Column("w", pick_type(rng)))
        t.columns.append(Column("gk", pick_type(rng), generated="w", stored=rng.random() < 0.5, unique=True))
        t.keys.append(["gk"])
    t.columns.append(Column("v", pick_type(rng)))
    return t


def add_foreign_key(rng, t, n, tables):
    parent = rng.choice(tables)
    key = rng.choice(parent.keys)
    implicit = key == parent.pk and rng.random() < 0.3
    parent_columns = list(key)
    if len(key) > 1 and rng.random() < 0.3:
        parent_columns.reverse()
    names = [f"f{n}"] if len(key) == 1 else [f"f{n}a", f"f{n}b"]
    generated = rng.random() < 0.15
    for i, name in enumerate(names):
        not_null = rng.random() < 0.1
        has_default = not_null or rng.random() < 0.3
        column = Column(name, pick_type(rng), collation=rng.choice(COLLATIONS), not_null=not_null,
                        has_default=has_default, default=rng.choice([1, 2, "a", None]) if not not_null else 1,
                        unique=len(names) == 1 and rng.random() < 0.1)
        if generated and i == 0:
            source = f"s{n}"
            t.columns.append(Column(source, pick_type(rng)))
            column.generated, column.stored = source, rng.random() < 0.5
            column.not_null = column.has_default = False
        t.columns.append(column)
    table_level = len(names) > 1 or rng.random() < 0.3
    on_delete, on_update = rng.choice(ACTIONS), rng.choice(ACTIONS)
    if generated:  # an action that writes a generated column is refused (tested on its own)
        on_delete = on_delete if on_delete not in ("SET NULL", "SET DEFAULT") else "CASCADE"
        on_update = on_update if on_update not in ("SET NULL", "SET DEFAULT", "CASCADE") else "RESTRICT"
    fk = ForeignKey(names, parent.name, parent_columns, implicit and len(parent_columns) == len(parent.pk)
                    and parent_columns == parent.pk, on_delete, on_update, table_level)
    t.foreign_keys.append(fk)
    if not table_level:
        t.column(names[0]).references = fk.clause()


class Schema:
    def __init__(self, tables):
        self.tables = tables

    def table(self, name):
        return next(t for t in self.tables if t.name == name)

    def sql(self):
        out = []
        for t in self.tables:
            parts = [c.sql() for c in t.columns] + t.constraints + [fk.sql() for fk in t.foreign_keys if fk.table_level]
            out.append(f"CREATE TABLE {t.name} (" + ", ".join(parts) + ")"
                       + (" WITHOUT ROWID" if t.without_rowid else ""))
        return out


def make_schema(rng):
    tables = [make_table(rng, f"t{i}") for i in range(rng.choice([1, 2, 2, 3, 3]))]
    for t in tables:
        for n in range(rng.choice([0, 1, 1, 2, 2, 3])):
            add_foreign_key(rng, t, n, tables)
    return Schema(tables)


def key_value(rng, table, column):
    if column == table.ipk:
        return rng.choice([1, 2, 3, 4, "2", None])
    return rng.choice(KEY_VALUES)


def row_values(rng, table, columns):
    return [key_value(rng, table, c.name) if c.name in table.pk or c.unique or c.name.startswith("f")
            else rng.choice(VALUES) for c in columns]


def where(rng, table):
    choice = rng.random()
    candidates = [c for c in table.columns]
    column = rng.choice(candidates).name
    if choice < 0.15:
        return ""
    if choice < 0.7:
        return f" WHERE {column} = {literal(key_value(rng, table, column))}"
    if choice < 0.85:
        return f" WHERE {column} IN ({literal(key_value(rng, table, column))}, {literal(rng.choice(VALUES))})"
    return f" WHERE {column} IS NULL"


def make_statement(rng, schema):
    t = rng.choice(schema.tables)
    writable = t.writable()
    kind = rng.random()
    if kind < 0.45:
        columns = writable if rng.random() < 0.7 else rng.sample(writable, rng.randint(1, len(writable)))
        rows = [row_values(rng, t, columns) for _ in range(rng.choice([1, 1, 2, 3]))]
        values = ", ".join("(" + ", ".join(literal(v) for v in r) + ")" for r in rows)
        head = rng.choice(["INSERT", "INSERT", "INSERT", "INSERT OR REPLACE", "REPLACE", "INSERT OR IGNORE"])
        sql = f"{head} INTO {t.name} ({', '.join(c.name for c in columns)}) VALUES {values}"
        if head == "INSERT" and rng.random() < 0.3:
            key = rng.choice(t.keys)
            if all(not t.column(k).generated for k in key):
                target = rng.choice(writable).name
                action = (f"DO UPDATE SET {target} = excluded.{target}" if rng.random() < 0.7
                          else "DO NOTHING")
                sql += f" ON CONFLICT ({', '.join(key)}) {action}"
        return sql
    if kind < 0.75:
        targets = rng.sample(writable, min(len(writable), rng.choice([1, 1, 2])))
        sets = []
        for c in targets:
            r = rng.random()
            if r < 0.75:
                sets.append(f"{c.name} = {literal(row_values(rng, t, [c])[0])}")
            elif r < 0.9:
                sets.append(f"{c.name} = {c.name}")
            else:
                sets.append(f"{c.name} = {rng.choice(t.columns).name}")
        if not t.without_rowid and rng.random() < 0.05:
            sets = [f"rowid = {rng.choice([1, 2, 5])}"]
        head = rng.choice(["UPDATE"] * 5 + ["UPDATE OR REPLACE", "UPDATE OR IGNORE"])
        return f"{head} {t.name} SET {', '.join(sets)}" + where(rng, t)
    return f"DELETE FROM {t.name}" + where(rng, t)


class Case:
    def __init__(self, seed):
        rng = random.Random(seed)
        self.seed = seed
        self.schema = make_schema(rng)
        self.recursive = rng.random() < 0.5
        self.statements = [make_statement(rng, self.schema) for _ in range(rng.randint(6, 16))]

    def script(self):
        return "\n".join([f"PRAGMA recursive_triggers = {int(self.recursive)};"]
                         + [s + ";" for s in self.schema.sql()] + [s + ";" for s in self.statements])


# ---- running a case --------------------------------------------------------------------

def open_sqlite(case, data=None):
    """SQLite's own enforcement."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    prepare(conn, case, data)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_triggers(case, data=None):
    """The pragma off, theater_enforce_foreign_keys() on every table."""
    conn = connect()
    prepare(conn, case, data)
    for t in case.schema.tables:
        conn.execute("SELECT theater_enforce_foreign_keys(?)", (t.name,))
    return conn


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


def typed(value):
    return (type(value).__name__, value)


def contents(conn, schema):
    out = {}
    for t in schema.tables:
        columns = ", ".join(c.name for c in t.columns)
        order = ", ".join(t.pk) if t.without_rowid else "rowid"
        select = (f"SELECT {columns} FROM {t.name}" if t.without_rowid
                  else f"SELECT rowid, {columns} FROM {t.name}")
        out[t.name] = [tuple(typed(v) for v in row) for row in conn.execute(f"{select} ORDER BY {order}")]
    return out


class Disagreement(AssertionError):
    pass


def run_case(case, found):
    """Runs the case both ways, statement by statement, until they
    disagree. A documented disagreement is counted in `found` and ends the
    case (the two databases differ from then on, and the rows SQLite leaves
    may break a key); any other raises Disagreement. Returns the number of
    statements compared."""
    own = open_sqlite(case)
    triggers = open_triggers(case)
    try:
        for i, sql in enumerate(case.statements):
            before = own.serialize()
            error_own, error_triggers = run(own, sql), run(triggers, sql)
            if (error_own is None) == (error_triggers is None) and contents(own, case.schema) == contents(
                    triggers, case.schema):
                continue
            kind = classify(case, before, sql, error_own, error_triggers, own, triggers)
            if kind is None:
                raise Disagreement(describe(case, i, error_own, error_triggers, own, triggers))
            found[kind] = found.get(kind, 0) + 1
            return i + 1
        return len(case.statements)
    finally:
        own.close()
        triggers.close()


def describe(case, i, error_own, error_triggers, own, triggers):
    lines = [f"seed {case.seed}: statement {i + 1} disagrees",
             f"  {case.statements[i]}",
             f"  SQLite:   {error_own or 'accepted'}",
             f"  triggers: {error_triggers or 'accepted'}"]
    a, b = contents(own, case.schema), contents(triggers, case.schema)
    for t in a:
        if a[t] != b[t]:
            lines.append(f"  {t} with SQLite:   {a[t]}")
            lines.append(f"  {t} with triggers: {b[t]}")
    lines.append("replay: /usr/bin/python3 tests/test_enforce_differential.py " + str(case.seed))
    lines.append(case.script())
    return "\n".join(lines)


# ---- the documented differences ----------------------------------------------------------
#
# Each function below is the executable definition of one entry of the list
# in docs/model-layer.md, "Where the triggers differ from SQLite": it says
# whether a disagreement is that difference, by running the statement again
# from the same rows in the ways the definition names.

ROW_BY_ROW = "a check runs when a row is written, not at the end of the statement"
REPLACE_UNCHECKED = "without recursive_triggers, rows REPLACE deletes are not checked"
NOT_REENTERED = "without recursive_triggers, an action does not run again inside itself"
PINNED = "a trigger may not delete the row an UPDATE is writing"
SQLITE_ORPHAN = "SQLite accepts a row its own foreign_key_check finds breaking a key"
SQLITE_MISCOUNT = "SQLite refuses rows its own foreign_key_check finds nothing wrong with"
SQLITE_RECHECK = "SQLite 3.40 refuses an UPDATE OR REPLACE that needs no foreign key work"


def classify(case, before, sql, error_own, error_triggers, own, triggers):
    """The documented difference this disagreement is, or None."""
    if error_own is None and error_triggers is not None:
        if checked_row_by_row(case, before, sql, error_triggers, own):
            return ROW_BY_ROW
        if sqlite_accepted_an_orphan(case, before, error_triggers, own):
            return SQLITE_ORPHAN
        if error_triggers.name == "SQLITE_CONSTRAINT_PINNED":
            return PINNED
    if not case.recursive:
        with_recursive = Case.__new__(Case)
        with_recursive.__dict__.update(case.__dict__, recursive=True)
        if agrees(with_recursive, before, sql):
            if REPLACING.match(sql):
                return REPLACE_UNCHECKED
            if actions_that_reenter(case.schema):
                return NOT_REENTERED
    if (error_own is not None and error_own.name == "SQLITE_CONSTRAINT_FOREIGNKEY" and error_triggers is None
            and sqlite_refused_consistent_rows(case, before, sql, triggers)):
        return SQLITE_MISCOUNT
    if (error_own is not None and error_own.name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
            and error_triggers is None
            and sqlite_rechecked_without_cause(case, before, sql, triggers)):
        return SQLITE_RECHECK
    return None


def agrees(case, before, sql):
    """Both ways agree on the statement from these rows, up to the other
    documented differences."""
    own, triggers = open_sqlite(case, before), open_triggers(case, before)
    try:
        error_own, error_triggers = run(own, sql), run(triggers, sql)
        if (error_own is None) == (error_triggers is None) and contents(own, case.schema) == contents(
                triggers, case.schema):
            return True
        return classify(case, before, sql, error_own, error_triggers, own, triggers) is not None
    finally:
        own.close()
        triggers.close()


def key_ids(conn, table):
    """{foreign key: its id in pragma_foreign_key_list} (SQLite numbers
    them from the last declared, column constraints and table constraints
    in the order they are written)."""
    columns = {}
    for n, column in conn.execute("SELECT id, \"from\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                                  (table.name,)):
        columns.setdefault(n, []).append(column)
    return {fk: next(n for n, c in columns.items() if c == fk.columns) for fk in table.foreign_keys}


def checks(case, conn):
    """{trigger name: (child, key id)} of the triggers that check (rather
    than act): the child's two, the parent's *_check ones, and the parent's
    plain ones where the action is NO ACTION."""
    out = {}
    for t in case.schema.tables:
        for fk, n in key_ids(conn, t).items():
            names = [f"theater_fk:{t.name}:{n}:{what}"
                     for what in ("insert", "update", "parent_delete_check", "parent_update_check")]
            if (fk.on_delete or "NO ACTION") == "NO ACTION":
                names.append(f"theater_fk:{t.name}:{n}:parent_delete")
            if (fk.on_update or "NO ACTION") == "NO ACTION":
                names.append(f"theater_fk:{t.name}:{n}:parent_update")
            out.update((name, (t.name, n)) for name in names)
    return out


RAISE = re.compile(r"BEGIN SELECT RAISE\(ABORT, ('(?:[^']|'')*')\); END$")


def broken_rows(case, child, n):
    """SQL for the rows of `child` that SQLite's PRAGMA foreign_key_check
    finds breaking key n, as a JSON array of their values (a table without
    rowid: nulls, one per row)."""
    table = case.schema.table(child)
    row = "NULL" if table.without_rowid else "json_array(" + ", ".join(f"quote(r.{c.name})" for c in table.columns) + ")"
    join = "" if table.without_rowid else f" JOIN {child} AS r ON r.rowid = v.rowid"
    return (f"(SELECT json_group_array({row}) FROM pragma_foreign_key_check('{child}') AS v{join} "
            f"WHERE v.fkid = {n})")


def checked_row_by_row(case, before, sql, error_triggers, own):
    """ROW_BY_ROW: the triggers refused at a check that SQLite makes at the
    end of the statement. Run again with every check trigger made to note,
    instead of refusing, its message and the rows SQLite's own
    PRAGMA foreign_key_check finds breaking that key at that moment: the
    first note is the refusal, SQLite's check found at that moment a row
    breaking that key that it did not before the statement, and the
    statement then ends with exactly SQLite's rows, in which it finds no
    such row any more."""
    conn = open_triggers(case, before)
    try:
        found = checks(case, conn)
        start = {key: json.loads(conn.execute("SELECT " + broken_rows(case, *key)).fetchone()[0])
                 for key in set(found.values())}
        conn.execute("CREATE TABLE theater_moments (message, child, id, broken)")
        made = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid").fetchall()
        for name, _ in made:  # made again in the same order: SQLite runs the newest first
            conn.execute(f'DROP TRIGGER "{name}"')
        for name, text in made:
            if name in found:
                child, n = found[name]
                text, replaced = RAISE.subn(
                    lambda m: f"BEGIN INSERT INTO theater_moments SELECT {m[1]}, '{child}', {n}, "
                              f"{broken_rows(case, child, n)}; END", text)
                assert replaced == 1, text
            conn.execute(text)
        if run(conn, sql) is not None:
            return False
        moments = conn.execute("SELECT message, child, id, broken FROM theater_moments").fetchall()
        if not moments:
            return False
        message, child, n, broken = moments[0]
        was = collections.Counter(map(str, start[(child, n)]))
        at_end = json.loads(conn.execute("SELECT " + broken_rows(case, child, n)).fetchone()[0])
        return (message == error_triggers and bool(collections.Counter(map(str, json.loads(broken))) - was)
                and not collections.Counter(map(str, at_end)) - was
                and contents(conn, case.schema) == contents(own, case.schema))
    finally:
        conn.close()


REPLACING = re.compile(r"(INSERT OR REPLACE|REPLACE|UPDATE OR REPLACE) ")
MISSING_PARENT = re.compile(r"FOREIGN KEY constraint failed: (.*)\.([^.]*) must name a row of ")


def violations(conn, table):
    """The rows of `table` that SQLite's own check finds breaking a key, as
    (the row's values, or None without a rowid; the key's id), counted."""
    found = collections.Counter()
    for rowid, fkid in conn.execute("SELECT rowid, fkid FROM pragma_foreign_key_check(?)", (table,)):
        row = None if rowid is None else conn.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        found[(row, fkid)] += 1
    return found


def sqlite_accepted_an_orphan(case, before, error_triggers, own):
    """SQLITE_ORPHAN: SQLite accepted the statement, the triggers refused it
    because a row of the child names no parent, and after SQLite's statement
    SQLite's own PRAGMA foreign_key_check finds a row breaking that key that
    it did not find before."""
    refused = MISSING_PARENT.match(error_triggers)
    if not refused:
        return False
    table = case.schema.table(refused[1])
    fk = next(fk for fk in table.foreign_keys if fk.columns == refused[2].split(","))
    conn = open_sqlite(case, before)
    try:
        n = key_ids(conn, table)[fk]
        return any(fkid == n for _, fkid in violations(own, table.name) - violations(conn, table.name))
    finally:
        conn.close()


def actions_that_reenter(schema):
    """NOT_REENTERED: some action of the schema can lead to itself: ON DELETE
    CASCADE deletes rows of the child (which run the actions of the keys that
    refer to the child), SET NULL, SET DEFAULT and ON UPDATE CASCADE write the
    child's key columns (which run the ON UPDATE actions of the keys whose
    parent key they are). A table's ON DELETE CASCADE of its own rows deletes
    the whole subtree at once, and is left out."""
    acting = {"CASCADE", "SET NULL", "SET DEFAULT"}
    nodes = [(t, fk, event) for t in schema.tables for fk in t.foreign_keys for event in ("delete", "update")
             if (fk.on_delete if event == "delete" else fk.on_update) in acting]

    def key_columns(fk):
        parent = schema.table(fk.parent)
        columns = set(parent.pk if fk.implicit else fk.parent_columns)
        return columns | {c.name for c in parent.columns if c.generated in columns}

    def successors(node):
        t, fk, event = node
        action = fk.on_delete if event == "delete" else fk.on_update
        for node2 in nodes:
            t2, fk2, event2 = node2
            if fk2.parent != t.name:
                continue
            if event == "delete" and action == "CASCADE":
                if event2 == "delete" and not (node2 == node and fk.parent == t.name):
                    yield node2
            elif event2 == "update" and set(fk.columns) & key_columns(fk2):
                yield node2

    for start in nodes:
        seen, todo = set(), list(successors(start))
        while todo:
            node = todo.pop()
            if node == start:
                return True
            if id(node[1]) + hash(node[2]) not in seen:
                seen.add(id(node[1]) + hash(node[2]))
                todo.extend(successors(node))
    return False


def sqlite_refused_consistent_rows(case, before, sql, triggers):
    """SQLITE_MISCOUNT: SQLite refused the statement at its end, but made
    to count the violations for COMMIT instead (defer_foreign_keys, inside a
    transaction) it leaves exactly the triggers' rows, in which its own
    PRAGMA foreign_key_check finds no violation that was not there before."""
    conn = open_sqlite(case, before)
    try:
        check = "SELECT * FROM pragma_foreign_key_check"
        start = set(conn.execute(check).fetchall())
        conn.execute("BEGIN")
        conn.execute("PRAGMA defer_foreign_keys = ON")
        if run(conn, sql) is not None:
            return False
        return (set(conn.execute(check).fetchall()) <= start
                and contents(conn, case.schema) == contents(triggers, case.schema))
    finally:
        conn.close()


def sqlite_rechecked_without_cause(case, before, sql, triggers):
    """SQLITE_RECHECK: SQLite refused the statement with a UNIQUE error, but
    with foreign keys off it accepts it and leaves exactly the triggers'
    rows, in which its PRAGMA foreign_key_check finds no violation that was
    not there before: the statement needed no foreign key work. (With
    foreign keys on, SQLite 3.40 checks the UNIQUE constraints of an UPDATE
    OR REPLACE again after the rows it replaced are gone, and can fail
    there; 3.54 accepts such statements.)"""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.deserialize(before)
        check = "SELECT * FROM pragma_foreign_key_check"
        start = set(conn.execute(check).fetchall())
        return (run(conn, sql) is None and contents(conn, case.schema) == contents(triggers, case.schema)
                and set(conn.execute(check).fetchall()) <= start)
    finally:
        conn.close()


# ---- the tests -----------------------------------------------------------------------------

def test_the_triggers_agree_with_sqlite_on_random_schemas_and_statements():
    found = {}
    started = time.monotonic()
    for seed in range(FIRST_SEED, FIRST_SEED + CASES):
        run_case(Case(seed), found)
    print(f"{CASES} cases from seed {FIRST_SEED} in {time.monotonic() - started:.1f} s; documented: {found}")


if __name__ == "__main__":
    case = Case(int(sys.argv[1]))
    print(case.script())
    found = {}
    run_case(case, found)
    print("agrees" + (f" up to the documented differences {found}" if found else ""))
