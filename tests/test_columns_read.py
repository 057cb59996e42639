"""Only the columns a statement reads (xBestIndex's colUsed; reading_columns
in ext/engine/relationship_spec.hpp): a relationship's queries compute the
output columns the statement reads and NULL for the others, so an unread
column costs nothing. A column SQLite does read must never come back NULL.

The oracle is the plain join of each case of test_keyed_lookups (theater's
relationships and the declared ones over a library full of orphans, NULL
keys and odd key spellings), read through the same query shape: a column
in the select list, only in WHERE, only in ORDER BY, in an aggregate, in a
subquery, through a CTE or a view, and so on. Each shape runs with every
output column as the one read, with the keys in ascending order (the
forward scan) and shuffled (the keyed statement), and over every key
(the scan)."""
import itertools
import random
import re
import sqlite3

import pytest

from test_follow_window import runs
from test_keyed_lookups import (DECLARED_CASES, THEATER_CASES, assert_same, fill_keys, library_keys_for,
                                make_dense_cast, make_library)
from conftest import scalar
from theater_data import rows

CASES = {**{k: v for k, v in THEATER_CASES.items() if v[0] != "roles only"}, **DECLARED_CASES}


def parts(case):
    """(function FROM, plain FROM, {t.column: plain expression}) of a case:
    the two queries' select lists pair up item by item."""
    _, query, plain = CASES[case]
    q = re.match(r"SELECT (.*?) FROM (.*)$", query)
    p = re.match(r"SELECT (.*?) FROM (.*?) ORDER BY .*$", plain)
    pairs = dict(zip(q.group(1).split(", "), p.group(1).split(", ")))
    columns = {c: e for c, e in pairs.items() if c.startswith("t.") and c != "t.rowid"}
    return q.group(2), p.group(2), columns


# Shapes: {x} and {y} are two output columns, {f} the FROM clause; each
# query's rows are compared as a multiset unless it orders them fully.
SHAPES = {
    "select list": "SELECT k.rowid, {x} FROM {f}",
    "only in WHERE": "SELECT k.rowid FROM {f} WHERE {x} IS NOT NULL",
    "only in ORDER BY": "SELECT k.rowid FROM {f} ORDER BY {x}, k.rowid",
    "GROUP BY": "SELECT {x}, count(*) FROM {f} GROUP BY {x}",
    "aggregates": "SELECT count({x}), max({x}), min({x}), count(*) FROM {f}",
    "HAVING": "SELECT k.rowid, count(*) FROM {f} GROUP BY k.rowid HAVING max({x}) IS NOT NULL",
    "DISTINCT": "SELECT DISTINCT {x} FROM {f}",
    "scalar subquery": "SELECT k.rowid, (SELECT {x}) FROM {f}",
    "EXISTS": "SELECT k.rowid FROM {f} WHERE EXISTS (SELECT 1 WHERE {x} IS NULL)",
    "CASE over two": "SELECT k.rowid, CASE WHEN {x} IS NULL THEN {y} ELSE {x} END FROM {f}",
    "OR over two": "SELECT k.rowid FROM {f} WHERE {x} IS NULL OR {y} IS NOT NULL",
    "window function": "SELECT k.rowid, count(*) OVER (PARTITION BY {x}) FROM {f}",
    "json": "SELECT json_object('v', {x}) FROM {f}",
    "UNION": "SELECT {x} FROM {f} UNION SELECT {y} FROM {f}",
    "every column": "SELECT * FROM {f}",
    "no column": "SELECT count(*) FROM {f}",
    "the rowid": "SELECT k.rowid, t.rowid FROM {f}",
    "a CTE of t.*": "WITH c AS (SELECT k.rowid AS n, t.* FROM {f}) SELECT n, {xc} FROM c",
    "a subquery of t.*": "SELECT n, {xc} FROM (SELECT k.rowid AS n, t.* FROM {f})",
    "a view of t.*": "SELECT n, {xc} FROM v",
}


def pair_for(case, shape, x, y):
    """The shape over the function and over the plain join."""
    function_from, plain_from, columns = parts(case)
    template = SHAPES[shape]
    name = x.split(".")[1]
    function = template.format(f=function_from, x=x, y=y, xc=f"c.{name}" if "WITH" in template else name)
    plain = template.format(f=plain_from, x=columns[x], y=columns[y], xc=f"c.{name}" if "WITH" in template else name)
    if shape == "the rowid":
        rowid = [e for c, e in zip(*select_lists(case)) if c == "t.rowid"]
        if not rowid:
            return None  # a relationship whose rowid the plain join has no column for
        plain = plain.replace("t.rowid", rowid[0])
    if shape == "every column":
        # SELECT * over the plain join is every table's columns: the
        # function's columns are spelled out instead, in its order.
        plain = f"SELECT k.rowid, {', '.join(columns.values())} FROM {plain_from}"
        function = f"SELECT k.rowid, {', '.join(columns)} FROM {function_from}"
    if shape.startswith("a CTE") or shape.startswith("a subquery") or shape.startswith("a view"):
        # t.* of the plain join is the target table's columns: the
        # function's columns, aliased to their names, instead.
        aliased = ", ".join(f"{e} AS {c.split('.')[1]}" for c, e in columns.items())
        plain = template.replace("t.*", aliased).replace("FROM v", "FROM ({view})").format(
            f=plain_from, xc=f"c.{name}" if "WITH" in template else name,
            view=f"SELECT k.rowid AS n, {aliased} FROM {plain_from}")
    return function, plain


def select_lists(case):
    _, query, plain = CASES[case]
    return (re.match(r"SELECT (.*?) FROM", query).group(1).split(", "),
            re.match(r"SELECT (.*?) FROM", plain).group(1).split(", "))


def prepare(conn, case, order, seed=1):
    drawn_from = CASES[case][0]
    if drawn_from in ("roles", "auditions"):
        make_dense_cast(conn, seed, roles=120, auditions=900)
        keys = [i for (i,) in conn.execute(f"SELECT id FROM {drawn_from}")]
        keys = keys + [None, 424242, -3]
        if order == "shuffled":
            random.Random(seed).shuffle(keys)
    else:
        make_library(conn, seed)
        keys = library_keys_for(conn, seed, drawn_from)
        if order == "ascending":
            keys = sorted((k for k in keys if isinstance(k, int)))
    fill_keys(conn, keys)
    function_from = parts(case)[0]
    conn.execute(f"CREATE TEMP VIEW v AS SELECT k.rowid AS n, t.* FROM {function_from}")


@pytest.mark.parametrize("order", ["ascending", "shuffled"])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("case", list(CASES))
def test_a_shape_reading_some_columns_is_the_plain_join(conn, case, shape, order):
    prepare(conn, case, order)
    columns = list(parts(case)[2])
    # t.* names the output columns, not the hidden argument.
    visible = {d[0] for d in conn.execute(f"SELECT t.* FROM {parts(case)[0]} LIMIT 0").description}
    for i, x in enumerate(columns):
        y = columns[(i + 1) % len(columns)]
        if "t.*" in SHAPES[shape] + ("t.*" if shape == "a view of t.*" else "") and x[2:] not in visible:
            continue
        pair = pair_for(case, shape, x, y)
        if pair is None:
            continue
        function, plain = pair
        got, expected = rows(conn, function), rows(conn, plain)
        if "ORDER BY" not in SHAPES[shape]:
            got, expected = sorted(got, key=repr), sorted(expected, key=repr)
        assert_same(got, expected, f"{case}, {shape}, {x}: {function}")


@pytest.mark.parametrize("case", list(CASES))
def test_every_key_read_one_column_at_a_time_is_the_plain_join(conn, case):
    """Without the argument (the scan): each column alone, and the key."""
    prepare(conn, case, "ascending")
    _, query, _ = CASES[case]
    name = re.search(r"CROSS JOIN (\w+)\(", query).group(1)
    every = rows(conn, f"SELECT * FROM {name}")
    names = [d[0] for d in conn.execute(f"SELECT * FROM {name} LIMIT 0").description]
    for i, column in enumerate(names):
        got = rows(conn, f"SELECT {column} FROM {name}")
        assert_same(got, [(r[i],) for r in every], f"{name}.{column}")


def test_the_seek_computes_only_the_columns_read(conn):
    """What makes it cheaper: the nested query names NULL for every column
    the statement does not read, and each column it reads."""
    prepare(conn, "one-to-many", "ascending")
    rows(conn, "SELECT k.rowid, t.title FROM keys k CROSS JOIN author_books(k.id) AS t")
    seeks = [s for (s,) in conn.execute("SELECT sql FROM sqlite_stmt WHERE sql LIKE '%FROM main.\"books\" AS t WHERE%'")]
    assert 'SELECT t."id", t."title", NULL, NULL, t."author_id", NULL FROM' in " ".join(seeks), seeks
    assert runs(conn, '%t."title", NULL, NULL, t."author_id"%') > 0


def test_a_relationship_of_seventy_columns_reads_any_one(conn):
    """colUsed has 64 bits: bit 63 stands for every column from the 64th on."""
    columns = ", ".join(f"c{i} INTEGER" for i in range(70))
    conn.execute(f"CREATE TABLE owners (id INTEGER PRIMARY KEY)")
    conn.execute(f"CREATE TABLE wide (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners(id), {columns})")
    conn.execute("CREATE INDEX wide_owner ON wide(owner)")
    conn.executemany("INSERT INTO owners VALUES (?)", [(o,) for o in range(1, 6)])
    values = ", ".join(f"{{r}} * 100 + {i}" for i in range(70))
    for r in range(1, 31):
        conn.execute(f"INSERT INTO wide VALUES ({r}, {r % 5 + 1}, {values.format(r=r)})")
    conn.execute("SELECT theater_relate('owner_wide', 'owners', 'wide')")
    for i in [0, 5, 60, 61, 62, 63, 64, 69]:
        got = rows(conn, f"SELECT o.id, w.c{i} FROM owners o, owner_wide(o.id) w")
        expected = rows(conn, f"SELECT o.id, w.c{i} FROM owners o JOIN wide w ON w.owner = o.id ORDER BY o.id, w.id")
        assert_same(got, expected, f"c{i}")
        assert all(v is not None for _, v in got)


def test_a_delete_through_the_relationship_reads_the_columns_its_where_names(conn):
    """DELETE through a writable relationship, its WHERE on a column nothing
    else reads: the rows it deletes are the ones the plain WHERE names. Where
    SQLite takes RETURNING on a virtual table, the columns it returns are the
    rows' own (3.40.1 and 3.54.1 refuse it: "DELETE RETURNING is not
    available on virtual tables")."""
    prepare(conn, "one-to-many", "ascending")
    author = scalar(conn, "SELECT author_id FROM books WHERE year IS NOT NULL AND author_id IN (SELECT id FROM authors)"
                          " GROUP BY author_id HAVING count(*) > 1 AND count(DISTINCT year) > 1 LIMIT 1")
    year = scalar(conn, "SELECT min(year) FROM books WHERE author_id = ?", (author,))
    doomed = rows(conn, "SELECT id, title FROM books WHERE author_id = ? AND year = ? ORDER BY id", (author, year))
    kept = rows(conn, "SELECT * FROM books WHERE NOT coalesce(author_id = ? AND year = ?, 0) ORDER BY id",
                (author, year))
    assert doomed
    try:
        returned = rows(conn, "DELETE FROM author_books WHERE author_id = ? AND year = ? RETURNING id, title",
                        (author, year))
    except sqlite3.OperationalError as e:
        # Before 3.35.0 SQLite has no RETURNING at all.
        expected = "RETURNING is not available on virtual tables" if sqlite3.sqlite_version_info >= (3, 35) \
            else 'near "RETURNING": syntax error'
        assert expected in str(e)
        conn.execute("DELETE FROM author_books WHERE author_id = ? AND year = ?", (author, year))
    else:
        assert sorted(returned) == doomed
    assert rows(conn, "SELECT * FROM books ORDER BY id") == kept


def scan_queries(conn):
    """The texts of author_books's scan that the connection has prepared."""
    return {s for (s,) in conn.execute(
        "SELECT sql FROM sqlite_stmt WHERE sql LIKE 'SELECT %FROM main.\"authors\" AS s JOIN main.\"books\" AS t%'"
        " AND sql NOT LIKE '%sqlite_stmt%'")}


def test_statements_that_compute_the_same_columns_share_one_reading(conn):
    """The kept rowid column and the hidden argument change nothing that is
    computed: statements that differ only in them share one set of queries,
    so the 16 a table keeps are not spent on copies (a second reader's
    finding: 16 such statements made 4 texts, 16 readings, and a seventeenth
    statement then computed every column)."""
    prepare(conn, "one-to-many", "ascending")
    shapes = [["t.year"], ["t.year", "t.author_code"], ["t.author_code"], ["t.title", "t.year"]]
    for with_id, with_argument in itertools.product([False, True], repeat=2):
        for columns in shapes:
            listed = columns + (["t.id"] if with_id else []) + (["t.author_id"] if with_argument else [])
            rows(conn, f"SELECT {', '.join(listed)} FROM author_books t")
    assert len(scan_queries(conn)) == len(shapes)
    rows(conn, "SELECT t.title FROM author_books t")
    assert 'SELECT t."id", t."title", NULL, NULL, s."id", NULL FROM' in " ".join(scan_queries(conn))


def test_a_covering_index_that_fewer_columns_would_use_does_not_cost_the_keyed_statement(conn):
    """Reading only `year`, the keyed statement's plan would read the index on
    (author_id, year), whose order within a key is by year, not by id: the
    plan is refused, and the keyed statement that computes every column
    (whose plan reads the index on author_id alone) serves the keys in no
    order instead of a seek per key. Rows and their order are the plain
    join's either way."""
    prepare(conn, "one-to-many", "shuffled")
    # Without ANALYZE: with it SQLite reads that index for every column too,
    # and the keyed statement is refused whatever the statement reads.
    conn.execute("CREATE INDEX books_author_year ON books(author_id, year)")
    got = rows(conn, "SELECT k.rowid, t.year FROM keys k CROSS JOIN author_books(k.id) AS t")
    expected = rows(conn, "SELECT k.rowid, t.year FROM keys k JOIN authors s ON s.id = k.id "
                          "JOIN books t ON t.author_id = s.id ORDER BY k.rowid, t.id")
    assert_same(got, expected)
    # Prepared only once its plan was accepted (the cursor's statement may
    # still be on loan, not yet counted as a run).
    keyed = scalar(conn, "SELECT count(*) FROM sqlite_stmt WHERE sql LIKE ?",
                   ('%theater_keys(?1) AS k LEFT JOIN %main."books" AS t%',))
    assert keyed == 1
