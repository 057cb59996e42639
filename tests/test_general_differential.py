"""General relationships (issue 15: shared/spec/model-layer.md, "Real
schemas") against the plain SQL join each one stands for, on random schemas
and data; the integer path's own differential is test_relate_differential.py.

Every seeded case builds a parent p whose key is drawn from the kinds the
general path serves (TEXT, BLOB, no affinity, NUMERIC, REAL, a UUID type,
two columns of mixed affinities, WITHOUT ROWID, a rowid table with no key,
an INTEGER PRIMARY KEY with a filter), joined by its key, its rowid or a
UNIQUE column that is not the key; a child c whose foreign key columns are
of every affinity, declared or not (the options then name the columns); a
target o and a link table l (rowid or WITHOUT ROWID, with or without an
index on its column(s) to p); views over p, c and o (CREATE VIEW v AS SELECT
* FROM t WHERE ...) as source or target; and optional "where" and "order_by"
options (with ties and NULLs). Keys hold values of mixed types (1, '1',
' 1', 1.0, 1.5, x'31', 'abc', NULL, a UUID as text and as a blob), orphans
included. Then three relationships are declared, one-to-many p -> c,
many-to-one c -> p and many-to-many p -> o through l (some of them
association proxies), and each is compared with its join:

- with the arguments, for every key of the source and keys that name
  nothing (NULL too): SELECT * FROM rel(?, ...), the same through
  WHERE arg = ? AND ..., and the hidden argument columns with the rows;
- without arguments: every row, in key order then the relationship's order;
- joined from the source table, as a multiset.

The order a relationship documents is the plain join's ORDER BY: the
"order_by" terms, then the tie-break: to_table's rowid (its primary key when
WITHOUT ROWID), or for many-to-many the link table's index on its column(s)
to from_table (its next columns) then the link's rowid; a WITHOUT ROWID
link's primary key alone (the engine ignores its index there). A view
target has no tie-break: its rows are compared as a multiset, and, where the
"order_by" terms are plain columns, in the sequence of their values.

Values are compared with their types (1 is not 1.0 is not '1').

A second part writes hostile "where" and "order_by" options straight into
theater_relationships (as a file from elsewhere could hold them) and checks
that the extension still loads, the other relationships work, and the
hostile one fails naming itself and the option, reading nothing."""
import dataclasses
import json
import os
import random
import sqlite3
import uuid

import pytest

from conftest import connect

# Seeded schemas: 120 take about 4 s of one core (and as much again for the
# coverage test). THEATER_GENERAL_CASES=2000 runs more (about 100 s with
# -n 2), for a change to the general path.
CASES = int(os.environ.get("THEATER_GENERAL_CASES", 120))


# Extension bugs these cases find, each recognized by its symptom alone, so
# that a case meeting one is an expected failure and any other failure fails.
# --- what the generator draws from --------------------------------------------

# The parent's key: (its column definitions, its PRIMARY KEY, WITHOUT ROWID?).
PARENT_KINDS = {
    "text": (["k TEXT"], ["k"], False),
    "blob": (["k BLOB"], ["k"], False),
    "no affinity": (["k"], ["k"], False),
    "numeric": (["k NUMERIC"], ["k"], False),
    "real": (["k REAL"], ["k"], False),
    "uuid": (["k UUID"], ["k"], False),  # NUMERIC affinity, holding UUIDs as text and blobs
    "composite": (None, ["k1", "k2"], False),  # two columns of affinities drawn below
    "text without rowid": (["k TEXT"], ["k"], True),
    "no key": ([], [], False),  # the rowid is the key
    "integer": (["k INTEGER"], ["k"], False),  # general only by its options (a filter)
}
AFFINITY_TYPES = ["TEXT", "INTEGER", "BLOB", "", "NUMERIC", "REAL", "VARCHAR(8)", "DOUBLE", "UUID"]
# Declared types of a foreign key column, one or more per affinity.
FK_TYPES = ["INTEGER", "INT", "TEXT", "VARCHAR(10)", "CLOB", "BLOB", "", "REAL", "DOUBLE", "FLOAT",
            "NUMERIC", "DECIMAL(10,2)", "BOOLEAN", "UUID"]
CHILD_KEYS = {
    "integer primary key": ("cid INTEGER PRIMARY KEY", False),
    "integer primary key desc": ("cid INTEGER PRIMARY KEY DESC", False),
    "text without rowid": ("cid TEXT PRIMARY KEY", True),
    "no key": ("cid INTEGER", False),
}

# "where" and "order_by" over to_table's columns ({t}: "t." in the plain
# join, nothing in the option) and, many-to-many, the link's ({l}).
CHILD_WHERE = ["{t}x > 3", "{t}name LIKE 'a%'", "{t}x IS NOT NULL AND {t}x % 2 = 0",
               "coalesce({t}name, '') <> 'b'", "{t}x BETWEEN 1 AND 5 OR {t}name IS NULL",
               "abs({t}x) < 4 AND length({t}name) > 0", "{t}name IN ('a', 'b', 'A1')"]
# (terms, the output columns whose values are the order's, when the terms
# are plain columns of BINARY collation: a view target is compared by them).
CHILD_ORDER = [("{t}x DESC, {t}name", ["x", "name"]), ("{t}name", ["name"]), ("{t}x", ["x"]),
               ("{t}x NULLS LAST, {t}name DESC", ["x", "name"]), ("{t}x + 1 DESC", None),
               ("length({t}name), {t}x DESC", None), ("{t}name COLLATE NOCASE, {t}x", None)]
LINK_WHERE = CHILD_WHERE + ["{l}weight > 0", "{l}weight IS NULL OR {t}x < 3"]
LINK_ORDER = CHILD_ORDER + [("{l}weight DESC", None), ("{l}weight, {t}name", None),
                            ("{t}x DESC NULLS FIRST, {l}weight", None)]
VIEW_FILTERS = ["x IS NOT 2", "name IS NOT 'b'", "1", "x IS NULL OR x < 6"]
NAMES = ["a", "A", "a1", "A1", "b", "B", "abc", "", None, "ab"]


def pool(rng):
    """Key values of mixed types, two UUIDs as text and as blobs among them."""
    u1, u2 = (uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(2))
    return [1, "1", " 1", 1.0, 1.5, b"1", "abc", None, str(u1), u1.bytes, str(u2).upper(), u2.bytes,
            2, "2", 2.0, "2.0", "a", "A", "", 0, -1, "x y", 3, "3"]


def spellings(value):
    """A key spelled the other ways a client may write it."""
    out = [value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out += [str(value), f" {value}", str(value).encode(), float(value)]
        if float(value).is_integer():
            out.append(int(value))
    elif isinstance(value, str):
        out += [value.upper(), value.encode(), f" {value}"]
        try:
            out.append(int(value))
        except ValueError:
            pass
    elif isinstance(value, bytes):
        try:
            out.append(value.decode())
        except UnicodeDecodeError:
            pass
        if len(value) == 16:
            out.append(str(uuid.UUID(bytes=value)))
    return out


# --- a case: the schema, its data, the relationships and their joins -----------

@dataclasses.dataclass
class Rel:
    name: str
    args: tuple           # theater_relate's arguments after the name
    source: str           # from_table
    source_key: list      # the source's key, as columns of the source (what the arguments compare with)
    join: str             # FROM ... of the plain join: s the source, t the target, k the link
    where: str            # the filter in the join's words ("" none)
    order: list           # the documented order within one key: order_by terms, then the tie-break
    documented: bool      # whether that order is total (a table's tie-break)
    by_values: list       # for a view target with order_by of plain columns: those output columns
    columns: list         # the visible columns, in order
    arguments: list       # the hidden argument columns, in order
    kind: str             # one-to-many, many-to-one or many-to-many, as the options and schema decide


@dataclasses.dataclass
class Case:
    seed: int
    parent_kind: str
    schema: list
    data: list            # (sql, params)
    rels: list

    def describe(self):
        return "\n".join([f"seed {self.seed}: parent {self.parent_kind}"] + self.schema +
                         [f"{sql} {params!r}" for sql, params in self.data] +
                         [f"{r.name}: {r.args!r}" for r in self.rels])


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def generate(seed):
    rng = random.Random(seed)
    kind_names = list(PARENT_KINDS)
    parent_kind = kind_names[seed % len(kind_names)]  # each kind as often as the others
    columns, pk, without_rowid = PARENT_KINDS[parent_kind]
    if parent_kind == "composite":
        columns = [f"k1 {rng.choice(AFFINITY_TYPES)}", f"k2 {rng.choice(AFFINITY_TYPES)}"]
    code_type = rng.choice(AFFINITY_TYPES)
    name_collation = rng.choice(["", "", " COLLATE NOCASE"])
    constraint = f", PRIMARY KEY ({', '.join(pk)})" if pk else ""
    parent = (f"CREATE TABLE p ({', '.join(columns + [f'code {code_type} UNIQUE', f'name TEXT{name_collation}', 'x INTEGER'])}"
              f"{constraint})" + (" WITHOUT ROWID" if without_rowid else ""))
    # The columns the child refers to: the key, the rowid, or the UNIQUE code.
    if not pk:
        ref = rng.choice([["rowid"], ["code"]])
    else:
        ref = ["code"] if rng.random() < 0.2 else pk
    key = pk or ["rowid"]

    child_form = rng.choice(list(CHILD_KEYS))
    child_key, child_without_rowid = CHILD_KEYS[child_form]
    fks = ["pk"] if len(ref) == 1 else ["pk1", "pk2"]
    fk_types = [rng.choice(FK_TYPES) for _ in fks]
    unique_fk = len(fks) == 1 and rng.random() < 0.15
    fk_declared = ref != ["rowid"] and rng.random() < 0.7
    child_columns = [child_key, f"name TEXT{rng.choice(['', ' COLLATE NOCASE'])}"]
    for fk, fk_type in zip(fks, fk_types):
        child_columns.append(f"{fk} {fk_type}" + (" UNIQUE" if unique_fk else ""))
    child_columns.append("x INTEGER")
    if fk_declared:
        implicit = ref == pk and rng.random() < 0.5
        child_columns.append(f"FOREIGN KEY ({', '.join(fks)}) REFERENCES p" + ("" if implicit else f"({', '.join(ref)})"))
    child = f"CREATE TABLE c ({', '.join(child_columns)})" + (" WITHOUT ROWID" if child_without_rowid else "")

    other_without_rowid = rng.random() < 0.3
    other = (f"CREATE TABLE o (ok {rng.choice(AFFINITY_TYPES)} PRIMARY KEY, name TEXT, x INTEGER)"
             + (" WITHOUT ROWID" if other_without_rowid else ""))
    link_without_rowid = rng.random() < 0.3
    lps = ["lp"] if len(ref) == 1 else ["lp1", "lp2"]
    link_declared = ref != ["rowid"] and rng.random() < 0.7
    link_columns = (["lid INTEGER PRIMARY KEY"] if link_without_rowid else []) + \
        [f"{c} {rng.choice(FK_TYPES)}" for c in lps] + [f"lo {rng.choice(FK_TYPES)}", "weight INTEGER"]
    if link_declared:
        link_columns += [f"FOREIGN KEY ({', '.join(lps)}) REFERENCES p({', '.join(ref)})",
                         "FOREIGN KEY (lo) REFERENCES o(ok)"]
    link = f"CREATE TABLE l ({', '.join(link_columns)})" + (" WITHOUT ROWID" if link_without_rowid else "")
    link_index = rng.choice([None, "from", "from, weight"])
    schema = [parent, child, other, link]
    if link_index:
        schema.append(f"CREATE INDEX l_by ON l({', '.join(lps)}{', weight' if link_index == 'from, weight' else ''})")
    if rng.random() < 0.5 and not unique_fk:
        schema.append(f"CREATE INDEX c_by ON c({', '.join(fks)})")
    schema += [f"CREATE VIEW pv AS SELECT * FROM p WHERE {rng.choice(VIEW_FILTERS)}",
               f"CREATE VIEW cv AS SELECT * FROM c WHERE {rng.choice(VIEW_FILTERS)}",
               f"CREATE VIEW ov AS SELECT * FROM o WHERE {rng.choice(VIEW_FILTERS)}"]

    # Data: keys of mixed types, spelled every way, orphans, NULLs.
    values = pool(rng)
    data = []
    parent_rows = []
    for i in range(rng.randint(4, 10)):
        if parent_kind == "integer":
            keys = [rng.randint(1, 30)]
        elif parent_kind == "uuid" and rng.random() < 0.6:
            keys = [rng.choice(values[8:12])]
        else:
            keys = [rng.choice(values) for _ in pk]
        code = rng.choice(values + list(range(100, 110)))
        row = dict(zip(pk, keys), code=code, name=rng.choice(NAMES), x=rng.choice([None, 0, 1, 2, 3, 4, 5, 6]))
        names = list(row)
        data.append((f"INSERT OR IGNORE INTO p ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     tuple(row.values())))
        parent_rows.append(row)

    def a_reference(columns):
        """Values naming a parent row (by the columns `columns` refer to)
        in some spelling, or anything from the pool."""
        if rng.random() < 0.65 and parent_rows:
            row = rng.choice(parent_rows)
            if columns == ["rowid"]:
                return [rng.choice(spellings(parent_rows.index(row) + 1))]
            return [rng.choice(spellings(row[c])) for c in columns]
        if columns == ["rowid"] and rng.random() < 0.5:
            return [rng.choice(spellings(rng.randint(1, 14)))]
        return [rng.choice(values) for _ in columns]

    texts = rng.sample(range(1000), 40)
    for i in range(rng.randint(6, 22)):
        cid = f"c{texts[i]}" if child_form == "text without rowid" else rng.randint(1, 500)
        row = dict(cid=cid, name=rng.choice(NAMES), x=rng.choice([None, 0, 1, 2, 3, 4, 5, 6]))
        row.update(zip(fks, a_reference(ref)))
        names = list(row)
        data.append((f"INSERT OR IGNORE INTO c ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     tuple(row.values())))
    other_keys = []
    for i in range(rng.randint(3, 7)):
        ok = rng.choice(values)
        other_keys.append(ok)
        data.append(("INSERT OR IGNORE INTO o VALUES (?, ?, ?)", (ok, rng.choice(NAMES), rng.choice([None, 0, 1, 2, 3, 5]))))
    for i in range(rng.randint(5, 25)):
        lo = rng.choice(spellings(rng.choice(other_keys))) if rng.random() < 0.7 else rng.choice(values)
        row = dict(zip(lps, a_reference(ref)), lo=lo, weight=rng.choice([None, 0, 1, 2, 3]))
        if link_without_rowid:
            row["lid"] = rng.randint(1, 1000)
        names = list(row)
        data.append((f"INSERT OR IGNORE INTO l ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     tuple(row.values())))
    rng.shuffle(data)  # rowid order is not the order rows were thought of

    shape = dict(pk=pk, key=key, ref=ref, fks=fks, lps=lps, unique_fk=unique_fk, fk_declared=fk_declared,
                 link_declared=link_declared, link_index=link_index, child_without_rowid=child_without_rowid,
                 child_form=child_form, other_without_rowid=other_without_rowid,
                 link_without_rowid=link_without_rowid, without_rowid=without_rowid, parent_kind=parent_kind)
    rels = [one_to_many(rng, shape), many_to_one(rng, shape), many_to_many(rng, shape)]
    return Case(seed, parent_kind, schema, data, rels)


TABLE_COLUMNS = {
    "p": lambda s: s["pk"] + ["code", "name", "x"],
    "c": lambda s: ["cid", "name"] + s["fks"] + ["x"],
    "o": lambda s: ["ok", "name", "x"],
}


def columns_of(relation, shape):
    return TABLE_COLUMNS[relation[0]](shape)


def on(pairs):
    return " AND ".join(f"{a} = {b}" for a, b in pairs)


def filter_and_order(rng, where_choices, order_choices, holder_is_view):
    """Options "where" and "order_by" (or neither), each in the option's
    words and the join's."""
    where = rng.choice(where_choices) if rng.random() < 0.4 else None
    order = rng.choice(order_choices) if rng.random() < 0.5 else None
    options = {}
    if where:
        options["where"] = where.format(t="", l="")
    if order:
        options["order_by"] = order[0].format(t="", l="")
    join_where = where.format(t="t.", l="k.") if where else ""
    join_order = [term.strip() for term in order[0].format(t="t.", l="k.").split(",")] if order else []
    by_values = order[1] if order and holder_is_view else None
    return options, join_where, join_order, by_values


def one_to_many(rng, s):
    source = "pv" if s["ref"] != ["rowid"] and rng.random() < 0.25 else "p"
    target = "cv" if rng.random() < 0.25 else "c"
    proxy = rng.random() < 0.15
    options = {}
    named = source == "pv" or target == "cv" or not s["fk_declared"] or rng.random() < 0.2
    if named:
        if source == "pv" or s["ref"] != s["key"] or rng.random() < 0.5:
            options["from_column"] = s["ref"] if len(s["ref"]) > 1 or rng.random() < 0.5 else s["ref"][0]
        options["to_column"] = s["fks"] if len(s["fks"]) > 1 else s["fks"][0]
        if rng.random() < 0.5:
            options["direction"] = "one-to-many"
    more, where, order, by_values = filter_and_order(rng, CHILD_WHERE, CHILD_ORDER, target == "cv")
    options.update(more)
    key = s["ref"] if source == "pv" else s["key"]
    by_key = s["ref"] == key
    if named and "direction" not in options:
        unique = target == "c" and s["unique_fk"]
        kind = "many-to-one" if unique else "one-to-many"
    else:
        kind = "one-to-many"
    arguments = s["fks"] if kind == "one-to-many" and by_key else [f"{source}_{k}" for k in key]
    dropped = s["fks"] if kind == "one-to-many" and by_key else []
    columns = ["name"] if proxy else [c for c in columns_of(target, s) if c not in dropped]
    tie = [] if target == "cv" else (["t.cid"] if s["child_without_rowid"] else ["t.rowid"])
    args = (source, f"{target}.name" if proxy else target)
    if options:
        args += (json.dumps(options),)
    rel = Rel("kids", args, source, key,
               f"{source} AS s JOIN {target} AS t ON {on((f't.{f}', f's.{r}') for f, r in zip(s['fks'], s['ref']))}",
               where, order + tie, target == "c", by_values, columns, arguments, kind)
    return rel


def many_to_one(rng, s):
    source = "cv" if rng.random() < 0.25 else "c"
    target = "pv" if s["ref"] != ["rowid"] and rng.random() < 0.25 else "p"
    options = {}
    named = source == "cv" or target == "pv" or not s["fk_declared"] or rng.random() < 0.2
    if named:
        options["from_column"] = s["fks"] if len(s["fks"]) > 1 else s["fks"][0]
        if target == "pv" or s["ref"] != s["key"] or rng.random() < 0.5:
            options["to_column"] = s["ref"] if len(s["ref"]) > 1 else s["ref"][0]
        if target == "pv" and rng.random() < 0.7 or rng.random() < 0.3:
            options["direction"] = "many-to-one"
    more, where, order, by_values = filter_and_order(rng, CHILD_WHERE, CHILD_ORDER, target == "pv")
    options.update(more)
    child_key = ["cid"] if s["child_form"] != "no key" else ["rowid"]
    key = s["fks"] if source == "cv" else child_key
    by_key = s["fks"] == key
    if named and "direction" not in options:
        kind = "many-to-one" if target == "p" else "one-to-many"
    else:
        kind = "many-to-one"
    arguments = s["ref"] if kind == "one-to-many" and by_key else [f"{source}_{k}" for k in key]
    dropped = s["ref"] if kind == "one-to-many" and by_key else []
    columns = [c for c in columns_of(target, s) if c not in dropped]
    tie = [] if target == "pv" else ([f"t.{k}" for k in s["pk"]] if s["without_rowid"] else ["t.rowid"])
    args = (source, target) + ((json.dumps(options),) if options else ())
    rel = Rel("kid_parent", args, source, key,
               f"{source} AS s JOIN {target} AS t ON {on((f't.{r}', f's.{f}') for f, r in zip(s['fks'], s['ref']))}",
               where, order + tie, target == "p", by_values, columns, arguments, kind)
    return rel


def many_to_many(rng, s):
    source = "pv" if s["ref"] != ["rowid"] and rng.random() < 0.25 else "p"
    target = "ov" if rng.random() < 0.25 else "o"
    proxy = rng.random() < 0.15
    options = {}
    named = source == "pv" or target == "ov" or not s["link_declared"] or rng.random() < 0.2
    if named:
        options["through_from"] = s["lps"] if len(s["lps"]) > 1 else s["lps"][0]
        options["through_to"] = "lo"
        if source == "pv" or s["ref"] != s["key"] or rng.random() < 0.5:
            options["from_column"] = s["ref"] if len(s["ref"]) > 1 else s["ref"][0]
        if target == "ov" or rng.random() < 0.5:
            options["to_column"] = "ok"
    more, where, order, _ = filter_and_order(rng, LINK_WHERE, LINK_ORDER, False)
    options.update(more)
    key = s["ref"] if source == "pv" else s["key"]
    by_key = s["ref"] == key
    arguments = s["lps"] if by_key else [f"{source}_{k}" for k in key]
    columns = ["name"] if proxy else ["ok", "name", "x"]
    # The link's index on its from column(s): its next columns, then the
    # link's rowid (a WITHOUT ROWID link: its primary key).
    tie = (["k.weight"] if s["link_index"] == "from, weight" else []) + (
        ["k.lid"] if s["link_without_rowid"] else ["k.rowid"])
    args = (source, f"{target}.name" if proxy else target, "l") + ((json.dumps(options),) if options else ())
    join = (f"{source} AS s JOIN l AS k ON {on((f'k.{lp}', f's.{r}') for lp, r in zip(s['lps'], s['ref']))} "
            f"JOIN {target} AS t ON t.ok = k.lo")
    # The link's tie-break orders every row when the target's rows are unique
    # by ok (a view of o keeps that).
    rel = Rel("words", args, source, key, join, where, order + tie, True, None, columns, arguments, "many-to-many")
    return rel


# --- the oracle and the comparison -----------------------------------------------

def typed(row):
    """A row with each value's type: 1, 1.0 and '1' differ."""
    return tuple((type(v).__name__, v) for v in row)


def fetch(conn, sql, params=()):
    return [typed(r) for r in conn.execute(sql, params).fetchall()]


def multiset(rows):
    return sorted(rows, key=repr)


def plain(rel, condition, keys=True):
    """The join the relationship stands for, in the documented order."""
    select = ", ".join(([f"s.{k}" for k in rel.source_key] if keys else []) + [f"t.{c}" for c in rel.columns])
    where = " AND ".join([f"({condition})"] + ([f"({rel.where})"] if rel.where else []))
    # Each term behind a unary +, which keeps its value and collation: SQLite
    # 3.40 drops an ORDER BY term it believes constant (t.k = s.pk AND
    # s.pk = ?1) even where the two compare with different affinities, so
    # that t.k is not ('2' and '2.0' in a TEXT key both equal the REAL 2.0).
    # The extension guards its own terms the same way (engine/join_path.cpp).
    order = ["+" + term for term in ([f"s.{k}" for k in rel.source_key] if keys else []) + rel.order]
    return f"SELECT {select} FROM {rel.join} WHERE {where}" + (f" ORDER BY {', '.join(order)}" if order else "")


def same(rel, got, expected, what, skip_columns=0):
    """The relationship's rows are the join's: in order where the order is
    documented; else as a multiset, and in the order of the "order_by"
    values where those are plain columns."""
    if rel.documented:
        assert got == expected, what
        return
    assert multiset(got) == multiset(expected), what
    if rel.by_values and all(c in rel.columns for c in rel.by_values):
        at = [skip_columns + rel.columns.index(c) for c in rel.by_values]
        assert [tuple(r[i] for i in at) for r in got] == [tuple(r[i] for i in at) for r in expected], what


def source_keys(conn, rel, values, integer_path):
    """Every key of the source, keys that name nothing, NULL."""
    own = conn.execute(f"SELECT DISTINCT {', '.join(rel.source_key)} FROM {rel.source}").fetchall()
    rng = random.Random(len(own))
    tried = list(own)
    for _ in range(12):
        tried.append(tuple(rng.choice(values) for _ in rel.source_key))
    for row in own[:4]:
        if len(row) > 1:
            tried.append((row[0], rng.choice(values)))
    tried += [(None,) * len(rel.source_key), ("no such key",) * len(rel.source_key), (123456789,) * len(rel.source_key)]
    if integer_path:
        tried = [k for k in tried if all(v is None or type(v) is int for v in k)]
    unique = []
    for k in tried:
        if typed(k) not in [typed(u) for u in unique]:
            unique.append(k)
    return unique


def declare(conn, rel):
    marks = ", ".join("?" * (len(rel.args) + 1))
    return conn.execute(f"SELECT theater_relate({marks})", (rel.name, *rel.args)).fetchone()[0]


def on_integer_path(conn, rel):
    """Whether the declaration took the integer path (an INTEGER key and
    nothing the general path is needed for), which refuses other arguments."""
    marks = ", ".join("?" * len(rel.arguments))
    try:
        conn.execute(f"SELECT * FROM {rel.name}({marks})", ("zz",) * len(rel.arguments)).fetchall()
    except sqlite3.Error as e:
        assert "must be an integer" in str(e), (rel.name, str(e))
        return True
    return False


def compare(conn, rel, values):
    """Every way of reading the relationship against the join; returns how
    many rows the join had, so the caller can see the data exercised it."""
    got_columns = [d[0] for d in conn.execute(f"SELECT * FROM {rel.name} LIMIT 0").description]
    assert got_columns == rel.columns, rel.name
    integer_path = on_integer_path(conn, rel)
    arguments = ", ".join(quoted(a) for a in rel.arguments)
    marks = ", ".join("?" * len(rel.arguments))
    by_arguments = " AND ".join(f"{quoted(a)} = ?" for a in rel.arguments)
    key_is = " AND ".join(f"s.{k} = ?{i + 1}" for i, k in enumerate(rel.source_key))
    total = 0
    for key in source_keys(conn, rel, values, integer_path):
        expected = fetch(conn, plain(rel, key_is, keys=False), key)
        total += len(expected)
        what = (rel.name, key)
        same(rel, fetch(conn, f"SELECT * FROM {rel.name}({marks})", key), expected, what)
        same(rel, fetch(conn, f"SELECT * FROM {rel.name} WHERE {by_arguments}", key), expected, what)
        # The hidden columns are the source's key, as the join gives it.
        same(rel, fetch(conn, f"SELECT {arguments}, * FROM {rel.name}({marks})", key),
             fetch(conn, plain(rel, key_is), key), what, len(rel.arguments))
    # Without arguments: a NULL key relates to nothing.
    not_null = " AND ".join(f"s.{k} IS NOT NULL" for k in rel.source_key)
    same(rel, fetch(conn, f"SELECT {arguments}, * FROM {rel.name}"), fetch(conn, plain(rel, not_null)),
         (rel.name, "every key"), len(rel.arguments))
    # Joined from the source.
    x_key = ", ".join(f"x.{k}" for k in rel.source_key)
    integers = " WHERE " + " AND ".join(f"typeof(x.{k}) = 'integer'" for k in rel.source_key) if integer_path else ""
    joined = fetch(conn, f"SELECT {x_key}, r.* FROM {rel.source} AS x, {rel.name}({x_key}) AS r{integers}")
    x_is = " AND ".join(f"s.{k} = x.{k}" for k in rel.source_key)
    columns = ", ".join(f"t.{c}" for c in rel.columns)
    where = f" AND ({rel.where})" if rel.where else ""
    integers = integers.replace(" WHERE ", " AND ")
    expected = fetch(conn, f"SELECT {x_key}, {columns} FROM {rel.source} AS x, {rel.join} WHERE {x_is}{where}{integers}")
    assert multiset(joined) == multiset(expected), (rel.name, "joined")
    return total, integer_path


def build(seed):
    case = generate(seed)
    conn = connect()
    for sql in case.schema:
        conn.execute(sql)
    for sql, params in case.data:
        try:
            conn.execute(sql, params)
        except sqlite3.IntegrityError as e:  # not an integer for an INTEGER PRIMARY KEY
            assert "datatype mismatch" in str(e), (sql, params)
    return case, conn


def declared(seed):
    case, conn = build(seed)
    answers = {}
    for rel in case.rels:
        try:
            answers[rel.name] = declare(conn, rel)
        except sqlite3.Error as e:
            raise AssertionError(f"{rel.name}{rel.args!r} refused: {e}\n{case.describe()}") from e
    return case, conn, answers


@pytest.mark.parametrize("seed", range(CASES))
def test_every_general_relationship_is_its_join(seed):
    case, conn, answers = declared(seed)
    values = pool(random.Random(seed))
    try:
        for rel in case.rels:
            try:
                # The argument columns the rules name.
                conn.execute(f"SELECT {', '.join(quoted(a) for a in rel.arguments)} FROM {rel.name} LIMIT 0")
                compare(conn, rel, values)
            except sqlite3.Error as e:
                raise AssertionError(f"{rel.name}: {e}\n{answers[rel.name]}\n{case.describe()}") from e
            except AssertionError as e:
                raise AssertionError(f"{e}\n{answers[rel.name]}\n{case.describe()}") from e
    finally:
        conn.close()


def test_the_generated_cases_cover_what_they_should():
    """The seeds draw every key kind, views on both sides, options and
    filters, keys of other types that the join matches, and relationships
    with rows on the general path."""
    kinds, general, with_rows, views, filtered, mixed = set(), 0, 0, 0, 0, 0
    for seed in range(CASES):
        case, conn, answers = declared(seed)
        kinds.add(case.parent_kind)
        values = pool(random.Random(seed))
        for rel in case.rels:
            total, integer_path = compare(conn, rel, values)
            general += not integer_path
            with_rows += total > 0 and not integer_path
            views += "v" in (rel.args[0] + rel.args[1].split(".")[0])
            filtered += "where" in (rel.args[-1] if rel.args[-1].startswith("{") else "")
        mixed += conn.execute("SELECT count(*) FROM p AS s JOIN c AS t ON t.pk = s.k WHERE typeof(t.pk) <> typeof(s.k)"
                              if "k" in PARENT_KINDS[case.parent_kind][1] else "SELECT 0").fetchone()[0] > 0
        conn.close()
    rels = CASES * 3
    assert kinds == set(PARENT_KINDS)
    assert general > rels * 0.7 and with_rows > rels * 0.4, (general, with_rows)
    assert views > rels * 0.15 and filtered > rels * 0.2, (views, filtered)
    assert mixed > CASES * 0.1, mixed


# --- hostile stored declarations ---------------------------------------------------

SECRET = "TOPSECRET-7f3a"
HOSTILE_SCHEMA = f"""
CREATE TABLE a (k TEXT PRIMARY KEY, name TEXT);
CREATE TABLE b (id INTEGER PRIMARY KEY, ak TEXT REFERENCES a, x INTEGER, name TEXT);
CREATE TABLE secrets (id INTEGER PRIMARY KEY, value TEXT);
INSERT INTO a VALUES ('k1', 'one'), ('k2', 'two');
INSERT INTO b VALUES (1, 'k1', 5, 'b1'), (2, 'k1', 1, 'b2'), (3, 'k2', 7, 'b3');
INSERT INTO secrets VALUES (1, '{SECRET}');
"""

# (option, its text): each refused when declared, and when loaded from a file.
HOSTILE = [
    ("where", "random() > 0"),
    ("where", "id IN (SELECT id FROM secrets)"),
    ("where", "EXISTS (SELECT 1 FROM secrets WHERE value LIKE 'TOP%')"),
    ("where", "1) UNION SELECT value, value, value, value FROM secrets --"),
    ("where", "1) UNION SELECT value, value, value, value FROM (secrets"),
    ("where", "load_extension('x') IS NULL"),
    ("where", "x > ?1"),
    ("where", "x > :secret"),
    ("where", "x IN (SELECT value FROM json_each('[1, 5]'))"),
    ("where", "x > 0; DELETE FROM secrets"),
    ("where", "secrets.value IS NOT NULL"),
    ("where", "theater_unrelate('good') IS NOT NULL"),
    ("where", "x > 0 /* unclosed"),
    ("where", "changes() >= 0"),
    # SQLite 3.40's json_each() ends a string at an escaped NUL (\u0000),
    # which would cut the option's text short: the options are refused.
    ("where", "x > 0\x00 OR 1"),
    ("order_by", "(SELECT value FROM secrets)"),
    ("order_by", "x, (SELECT count(*) FROM secrets)"),
    ("order_by", "random()"),
    ("order_by", "load_extension('x')"),
    ("order_by", "x LIMIT 1"),
    ("order_by", "x) UNION SELECT value FROM secrets --"),
    ("order_by", "?1"),
    ("order_by", "2"),
    ("order_by", "(SELECT max(value) FROM json_each('[1]'))"),
]


@pytest.fixture
def hostile_file(tmp_path):
    """A database with a good relationship and a declaration to spoil."""
    path = tmp_path / "hostile.db"
    conn = connect(path)
    conn.executescript(HOSTILE_SCHEMA)
    declare_good = "SELECT theater_relate('good', 'a', 'b', '{\"where\": \"x > 2\", \"order_by\": \"x DESC\"}')"
    conn.execute(declare_good)
    conn.execute("SELECT theater_relate('evil', 'a', 'b', '{\"where\": \"x > 0\", \"order_by\": \"name\"}')")
    conn.close()
    return path


def named(option, message):
    """The refusal names the option, or (a NUL, refused before the options
    are read one by one) the character."""
    return f'option "{option}"' in message or "options must not contain a NUL character" in message


@pytest.mark.parametrize("option, text", HOSTILE)
def test_a_hostile_option_is_refused_when_declared(hostile_file, option, text):
    conn = connect(hostile_file)
    options = json.dumps({option: text})
    with pytest.raises(sqlite3.Error) as e:
        conn.execute("SELECT theater_relate('worse', 'a', 'b', ?)", (options,))
    assert named(option, str(e.value)) and SECRET not in str(e.value), str(e.value)
    conn.close()


@pytest.mark.parametrize("option, text", HOSTILE)
def test_a_hostile_stored_option_is_refused_when_loaded(hostile_file, option, text):
    # Written by a client that never loaded the extension.
    raw = sqlite3.connect(str(hostile_file), isolation_level=None)
    stored = json.loads(raw.execute("SELECT options FROM theater_relationships WHERE name = 'evil'").fetchone()[0])
    stored[option] = text
    raw.execute("UPDATE theater_relationships SET options = ? WHERE name = 'evil'", (json.dumps(stored),))
    raw.close()

    conn = connect(hostile_file)  # loading works
    seen = []
    conn.set_trace_callback(seen.append)

    def authorize(action, arg1, arg2, db, source):
        if "secrets" in (arg1 or "", arg2 or ""):
            seen.append(f"authorizer: {action} {arg1} {arg2}")
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and arg2 in ("load_extension", "random", "theater_unrelate"):
            seen.append(f"authorizer: function {arg2}")
        return sqlite3.SQLITE_OK
    conn.set_authorizer(authorize)
    # The other relationships work.
    assert conn.execute("SELECT id, x FROM good('k1')").fetchall() == [(1, 5)]
    assert conn.execute("SELECT ak, id FROM good ORDER BY ak").fetchall() == [("k1", 1), ("k2", 3)]
    # The hostile one fails, naming itself and the option, and reads nothing.
    for query in ["SELECT * FROM evil('k1')", "SELECT * FROM evil", "SELECT * FROM a, evil(a.k)"]:
        with pytest.raises(sqlite3.Error) as e:
            conn.execute(query).fetchall()
        message = str(e.value)
        assert message.startswith("evil: ") and named(option, message), message
        assert SECRET not in message, message
    conn.set_authorizer(None)
    conn.set_trace_callback(None)
    assert not [s for s in seen if s.startswith("authorizer")], seen
    # Its text never reaches this connection but as the JSON the options are
    # read from (the trace shows bound values).
    fragment = text.split("\x00")[0]
    assert not [s for s in seen if len(fragment) > 4 and fragment in s and "json_" not in s], seen
    assert conn.execute("SELECT value FROM secrets").fetchall() == [(SECRET,)]
    assert conn.execute("SELECT count(*) FROM theater_relationships").fetchone()[0] == 2
    conn.close()
