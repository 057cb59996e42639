"""Declared relationships against the plain SQL join each one stands for, on
random schemas and data (shared/spec/model-layer.md, "Declaring";
docs/model-layer.md, "What a relationship returns").

Every seeded case builds a small schema whose key and foreign key columns
are drawn from every declared affinity (and the key forms SQLite treats
differently: a rowid alias, INTEGER PRIMARY KEY DESC, which is not one, INT
PRIMARY KEY, a WITHOUT ROWID parent, a foreign key to a UNIQUE column that is
not the key), fills them with keys of mixed types (1, '1', ' 1', 1.0, 1.5,
x'31', 'abc', NULL) including orphans (a child whose key names no parent),
inserts rows out of rowid order, declares each kind of relationship
(one-to-many, one-to-one, many-to-one, many-to-many, the association proxy)
and compares it with the join, written once per kind below:

- with the argument, for every integer key of the from_table and keys that
  name nothing, in the documented order;
- the same through WHERE <argument> = ?;
- without the argument: every row, in argument order, then the documented
  order (a row whose key is NULL is in no relationship);
- joined from the from_table, as a multiset (the order of a join is SQLite's).

Values are compared with their types (1 is not 1.0 is not '1')."""
import dataclasses
import os
import random

import pytest

from conftest import connect

# Seeded schemas: 120 take about 3 s. THEATER_RELATE_CASES=5000 runs more
# (about 2 minutes), for a change to the relationship code.
CASES = int(os.environ.get("THEATER_RELATE_CASES", 120))


# --- what the generator draws from --------------------------------------------

# The parent's key: (its column, a table constraint, WITHOUT ROWID?, is it
# the rowid?).
PARENT_KEYS = [
    ("id INTEGER PRIMARY KEY", "", False, True),         # the rowid itself
    ("id INTEGER PRIMARY KEY DESC", "", False, False),   # not a rowid alias: a column with an index
    ("id INT PRIMARY KEY", "", False, False),            # INTEGER affinity, not the rowid: holds 'abc', 2.5, NULL
    ("id BIGINT PRIMARY KEY", "", False, False),
    ("id INTEGER", ", PRIMARY KEY (id DESC)", False, True),  # a rowid alias after all
    ("id INTEGER PRIMARY KEY", "", True, False),         # WITHOUT ROWID
]
# The child's own key: ordering of one-to-many rows is its rowid order.
CHILD_KEYS = [
    "cid INTEGER PRIMARY KEY",
    "cid INTEGER PRIMARY KEY DESC",
    "cid INT PRIMARY KEY",
    "cid INTEGER",  # no primary key: the rowid is the key
]
# Declared types of a foreign key column, one or more per affinity.
FK_TYPES = ["INTEGER", "INT", "BIGINT", "TEXT", "VARCHAR(10)", "CLOB", "BLOB", "", "REAL", "DOUBLE", "FLOAT",
            "NUMERIC", "DECIMAL(10,2)", "BOOLEAN", "STRING"]

# Values a key column may hold, as SQL literals; {k} is an integer key.
def key_spellings(k):
    return [str(k), f"'{k}'", f"' {k}'", f"{k}.0", f"'{k}.0'", f"x'{str(k).encode().hex()}'", f"{k}.5"]


ODD_KEYS = ["NULL", "'abc'", "''", "x'00'", "2.5", "-1", "0", "4611686018427387904", "'7e0'"]


@dataclasses.dataclass
class Case:
    seed: int
    parent_key: int        # index in PARENT_KEYS
    fk_type: str
    schema: list           # CREATE statements
    data: list             # INSERT statements
    rels: list             # Rel


@dataclasses.dataclass
class Rel:
    name: str
    args: tuple            # theater_relate's arguments after the name
    argument: str          # the hidden column's documented name
    columns: list          # visible columns, in order
    join: str              # FROM ... of the plain join (aliases f or s, t)
    key: str               # the argument's expression in the join
    order: str             # the documented order within one key
    from_table: str


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def generate(seed):
    rng = random.Random(seed)
    parent_form = seed % len(PARENT_KEYS)  # each form as often as the others
    key_column, constraint, without_rowid, alias = PARENT_KEYS[parent_form]
    # A foreign key to a UNIQUE column that is not the key (the argument is
    # then the parent's key, and the seek goes through the parent).
    by_code = rng.random() < 0.2
    code_type = rng.choice(["INTEGER", "TEXT", ""])
    parent = (f"CREATE TABLE p ({key_column}, code {code_type} UNIQUE, name TEXT{constraint})"
              + (" WITHOUT ROWID" if without_rowid else ""))
    fk_type = rng.choice(FK_TYPES)
    unique_fk = rng.random() < 0.2
    child_key = rng.choice(CHILD_KEYS)
    ref = "p(code)" if by_code else rng.choice(["p(id)", "p"])
    child = (f"CREATE TABLE c ({child_key}, label TEXT, pid {fk_type}{' UNIQUE' if unique_fk else ''} "
             f"REFERENCES {ref}, n INTEGER)")
    link_fk_type = rng.choice(FK_TYPES)
    other = "CREATE TABLE o (oid INTEGER PRIMARY KEY, word TEXT)"
    link = (f"CREATE TABLE l (pid {link_fk_type} REFERENCES {'p(code)' if by_code else 'p(id)'}, "
            f"oid {rng.choice(FK_TYPES)} REFERENCES o(oid), weight INTEGER)")
    schema = [parent, child, other, link]
    link_index = rng.choice([None, "pid", "pid, weight", "pid, oid"])
    if link_index:
        schema.append(f"CREATE INDEX l_by ON l({link_index})")
    if rng.random() < 0.6 and not unique_fk:
        schema.append("CREATE INDEX c_by ON c(pid)")

    # Parents: integer keys, and, where the key column can hold them, others.
    ints = rng.sample(range(1, 40), rng.randint(3, 9))
    parent_keys = [str(k) for k in ints]
    if not alias:
        parent_keys += rng.sample([k for k in ODD_KEYS if not (without_rowid and k == "NULL")], 3)
    codes = rng.sample(range(100, 200), len(parent_keys))
    rng.shuffle(parent_keys)
    data = []
    seen = set()
    for key, code in zip(parent_keys, codes):
        code_value = rng.choice([str(code), f"'{code}'"])
        data.append(f"INSERT OR IGNORE INTO p (id, code, name) VALUES ({key}, {code_value}, 'p{len(seen)}')")
        seen.add(key)

    # Children: keys that name a parent, spelled every way, orphans, odd values.
    def a_key(targets):
        r = rng.random()
        if r < 0.6:
            target = rng.choice(targets)
            return rng.choice(key_spellings(target))
        if r < 0.8:
            return str(rng.choice([0, 41, 57, 99, -3]))  # orphans
        return rng.choice(ODD_KEYS)

    targets = codes if by_code else ints
    child_ids = rng.sample(range(1, 300), rng.randint(8, 30))
    for cid in child_ids:  # random ids: rowid order is not insertion order
        fk = a_key(targets)
        data.append(f"INSERT OR IGNORE INTO c VALUES ({cid}, 'c{cid}', {fk}, {rng.randint(0, 9)})")
    data.append("INSERT INTO o VALUES " + ", ".join(f"({i}, 'w{i}')" for i in range(1, 8)))
    for _ in range(rng.randint(5, 25)):
        other_key = rng.choice([str(rng.randint(1, 9)), f"'{rng.randint(1, 7)}'", "NULL", f"{rng.randint(1, 7)}.0"])
        data.append(f"INSERT INTO l VALUES ({a_key(targets)}, {other_key}, {rng.randint(0, 3)})")

    ref_column = "code" if by_code else "id"
    one_kind_argument = "p_id" if by_code else "pid"
    child_rowid = "cid" if child_key in ("cid INTEGER PRIMARY KEY",) else "rowid"
    child_key_column = "rowid" if child_key == "cid INTEGER" else "cid"
    child_columns = ["cid", "label", "n"] if not by_code else ["cid", "label", "pid", "n"]
    one_to_many = Rel(
        "kids", ("p", "c"), one_kind_argument, child_columns,
        f"p AS s JOIN c AS t ON t.pid = s.{ref_column}", "s.id", f"t.{child_rowid}", "p")
    proxy = dataclasses.replace(one_to_many, name="kid_labels", args=("p", "c.label"), columns=["label"])
    many_to_one = Rel(
        "kid_parent", ("c", "p"), f"c_{child_key_column}", ["id", "code", "name"],
        f"c AS s JOIN p AS t ON t.{ref_column} = s.pid", f"s.{child_key_column}", "", "c")
    link_order = {None: "", "pid": "", "pid, weight": "s.weight, ", "pid, oid": "s.oid, "}[link_index]
    many_to_many = Rel(
        "words", ("p", "o", "l"), one_kind_argument, ["oid", "word"],
        f"p AS f JOIN l AS s ON s.pid = f.{ref_column} JOIN o AS t ON t.oid = s.oid", "f.id",
        f"{link_order}s.rowid", "p")
    word_proxy = dataclasses.replace(many_to_many, name="word_list", args=("p", "o.word", "l"), columns=["word"])
    rels = [one_to_many, proxy, many_to_one, many_to_many, word_proxy]
    return Case(seed, parent_form, fk_type, schema, data, rels)


# --- the oracle and the comparison -----------------------------------------------

def typed(row):
    """A row with each value's type: 1, 1.0 and '1' differ."""
    return tuple((type(v).__name__, v) for v in row)


def fetch(conn, sql, params=()):
    return [typed(r) for r in conn.execute(sql, params).fetchall()]


def plain(rel, where="", with_key=True):
    """The join the relationship stands for, in the documented order."""
    columns = ", ".join(f"t.{quoted(c)}" for c in rel.columns)
    select = f"{rel.key}, {columns}" if with_key else columns
    order = f"{rel.key}" + (f", {rel.order}" if rel.order else "")
    return f"SELECT {select} FROM {rel.join} {where} ORDER BY {order}"


def declared_case(seed):
    case = generate(seed)
    conn = connect()
    for sql in case.schema + case.data:
        conn.execute(sql)
    for rel in case.rels:
        marks = ", ".join("?" * (len(rel.args) + 1))
        conn.execute(f"SELECT theater_relate({marks})", (rel.name, *rel.args))
    return case, conn


def keys_to_try(conn, rel):
    """Every integer key of from_table and keys that name nothing."""
    own = [k for (k,) in conn.execute(f"SELECT {rel.key.split('.')[1]} FROM {rel.from_table}")
           if isinstance(k, int)]
    return sorted(set(own)) + [0, -3, 41, 57, 99, 123456789]


def compare(conn, rel):
    """Every way of reading the relationship against the join; returns how
    many rows the join had, so the caller can see the data exercised it."""
    columns = ", ".join(quoted(c) for c in rel.columns)
    total = 0
    for key in keys_to_try(conn, rel):
        expected = fetch(conn, plain(rel, f"WHERE {rel.key} = ?1", with_key=False), (key,))
        total += len(expected)
        assert fetch(conn, f"SELECT {columns} FROM {rel.name}(?)", (key,)) == expected, (rel.name, key)
        assert fetch(conn, f"SELECT {columns} FROM {rel.name} WHERE {quoted(rel.argument)} = ?", (key,)) \
            == expected, (rel.name, key)
        # The hidden column is the argument: the from_table's key, an integer.
        assert fetch(conn, f"SELECT {quoted(rel.argument)} FROM {rel.name}(?)", (key,)) \
            == [typed((key,))] * len(expected), (rel.name, key)
    assert fetch(conn, f"SELECT * FROM {rel.name}(NULL)") == []
    # Without the argument: a NULL key relates to nothing.
    everything = fetch(conn, plain(rel, f"WHERE {rel.key} IS NOT NULL"))
    assert fetch(conn, f"SELECT {quoted(rel.argument)}, {columns} FROM {rel.name}") == everything, rel.name
    # Joined from the from_table (integer keys only: an argument that is not
    # an integer is an error, sql-api.md section 4).
    key_column = rel.key.split(".")[1]
    joined = fetch(conn, f"SELECT x.{key_column}, r.* FROM {rel.from_table} AS x, {rel.name}(x.{key_column}) AS r "
                         f"WHERE typeof(x.{key_column}) = 'integer'")
    integer_rows = [r for r in everything if r[0][0] == "int"]
    assert sorted(joined) == sorted(integer_rows), rel.name
    return total


@pytest.mark.parametrize("seed", range(CASES))
def test_every_relationship_is_its_join(seed):
    case, conn = declared_case(seed)
    try:
        for rel in case.rels:
            compare(conn, rel)
    finally:
        conn.close()


def test_the_generated_cases_cover_what_they_should():
    """The seeds draw every key form and affinity, orphans, keys of other
    types that the join matches (' 5' in TEXT is not 5; '5' in NUMERIC is),
    and relationships with rows."""
    key_forms, fk_types, rows_found, mixed, orphans = set(), set(), 0, 0, 0
    for seed in range(CASES):
        case, conn = declared_case(seed)
        key_forms.add(case.parent_key)
        fk_types.add(case.fk_type)
        rows_found += conn.execute("SELECT count(*) FROM kids").fetchone()[0] > 0
        mixed += conn.execute("SELECT count(*) FROM p AS s JOIN c AS t ON t.pid = s.id "
                              "WHERE typeof(t.pid) <> typeof(s.id)").fetchone()[0] > 0
        orphans += conn.execute("SELECT count(*) FROM c WHERE pid IS NOT NULL AND pid NOT IN "
                                "(SELECT id FROM p WHERE id IS NOT NULL)").fetchone()[0] > 0
        conn.close()
    assert len(key_forms) == len(PARENT_KEYS)
    assert fk_types == {t for t in FK_TYPES}
    assert rows_found > CASES * 0.8 and mixed > CASES * 0.2 and orphans > CASES * 0.8
