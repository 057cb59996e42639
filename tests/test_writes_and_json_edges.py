"""Edges of writes through relationships and of theater_json that a second
reader found (issue 16's review), one regression test each."""
import sqlite3

import pytest

from conftest import connect


def db(*sql):
    conn = connect()
    for statement in sql:
        conn.execute(statement)
    return conn


LIBRARY = (
    "CREATE TABLE authors(id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT)",
    "CREATE TABLE books(id INTEGER PRIMARY KEY, author_code TEXT REFERENCES authors(code), title TEXT)",
    "INSERT INTO authors VALUES (1, 'A', 'Ann'), (2, 'B', 'Bob')",
    "INSERT INTO books VALUES (7, 'A', 'seven')",
)


def test_an_insert_cannot_set_the_key_the_source_row_gives():
    conn = db(*LIBRARY, "SELECT theater_relate('ab', 'authors', 'books')")
    with pytest.raises(sqlite3.Error, match="ab: column author_code is set from the authors row"):
        conn.execute("INSERT INTO ab(authors_id, author_code, title) VALUES (1, 'B', 'x')")
    conn.execute("INSERT INTO ab(authors_id, title) VALUES (2, 'y')")
    assert conn.execute("SELECT author_code, title FROM books WHERE id > 7").fetchall() == [("B", "y")]


def test_a_join_that_could_match_several_parents_takes_no_writes():
    """'ab' and 'AB' are two parents under the UNIQUE index, one under the
    child's NOCASE: the child's rowid cannot name one row of the result, so
    it is not the relationship's rowid, and nothing can be written."""
    conn = db("CREATE TABLE p(k TEXT PRIMARY KEY, code TEXT UNIQUE)",
              "CREATE TABLE c(id INTEGER PRIMARY KEY, pcode TEXT COLLATE NOCASE REFERENCES p(code), x)",
              "INSERT INTO p VALUES ('a', 'ab'), ('b', 'AB')", "INSERT INTO c VALUES (1, 'ab', 'c1')",
              "SELECT theater_relate('pc', 'p', 'c')")
    assert conn.execute("SELECT p_k, x FROM pc ORDER BY p_k").fetchall() == [("a", "c1"), ("b", "c1")]
    with pytest.raises(sqlite3.Error, match="pc: c\\(pcode\\) may match several rows of p\\(code\\)"):
        conn.execute("DELETE FROM pc WHERE p_k = 'a'")
    assert "(writable)" not in conn.execute("SELECT theater_diagram()").fetchone()[0]


@pytest.mark.parametrize("schema", [
    # The unique index compares under BINARY, the join under the column's NOCASE.
    ("CREATE TABLE p(k INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE)",
     "CREATE UNIQUE INDEX p_code ON p(code COLLATE BINARY)",
     "CREATE TABLE c(id INTEGER PRIMARY KEY, pcode TEXT COLLATE NOCASE REFERENCES p(code), x)",
     "SELECT theater_relate('rel', 'p', 'c')", "INSERT INTO rel(p_k, x) VALUES (1, 'x')"),
    # The link's INTEGER column reads '1' and '01' of the target's TEXT key as one number.
    ("CREATE TABLE p(id INTEGER PRIMARY KEY)", "CREATE TABLE t(id INTEGER PRIMARY KEY, code TEXT UNIQUE)",
     "CREATE TABLE l(p_id INTEGER REFERENCES p(id), t_code INTEGER REFERENCES t(code))",
     "SELECT theater_relate('rel', 'p', 't', 'l')", "INSERT INTO rel(p_id, id) VALUES (1, 1)"),
], ids=["index-collation", "link-to-target-types"])
def test_a_row_that_may_match_several_takes_no_writes(schema):
    conn = db(*schema[:-1])
    with pytest.raises(sqlite3.Error, match="rel: .* may match several rows"):
        conn.execute(schema[-1])
    assert "(writable)" not in conn.execute("SELECT theater_diagram()").fetchone()[0]


def test_a_refused_filtered_insert_replaces_nothing():
    """The filter is checked before the row is written: a REPLACE conflict
    clause never gets to delete the row the new one would replace."""
    conn = db("CREATE TABLE authors(id INTEGER PRIMARY KEY)", "INSERT INTO authors VALUES (1), (2)",
              "CREATE TABLE books(id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id), "
              "title TEXT UNIQUE ON CONFLICT REPLACE, year INTEGER)",
              "INSERT INTO books VALUES (7, 2, 'Dune', 1965)",
              """SELECT theater_relate('modern', 'authors', 'books', '{"where": "year > 2000"}')""")
    conn.execute("BEGIN")
    with pytest.raises(sqlite3.Error, match="modern: the row does not meet"):
        conn.execute("INSERT INTO modern(author_id, title, year) VALUES (1, 'Dune', 1990)")
    conn.execute("COMMIT")
    assert conn.execute("SELECT * FROM books").fetchall() == [(7, 2, "Dune", 1965)]


def test_a_reparenting_insert_that_fails_inside_a_transaction_leaves_nothing():
    """The re-parented row's rowid is read before the UPDATE: a trigger that
    renumbers the row cannot make the INSERT fail after writing."""
    conn = db("CREATE TABLE authors(id INTEGER PRIMARY KEY)", "INSERT INTO authors VALUES (1), (2)",
              "CREATE TABLE books(id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id), title TEXT)",
              "INSERT INTO books VALUES (7, 1, 'seven')", "CREATE TABLE audit(msg)",
              "CREATE TRIGGER renumber AFTER UPDATE OF author_id ON books BEGIN "
              "INSERT INTO audit VALUES ('moved'); UPDATE books SET id = id + 100 WHERE id = new.id; END",
              "SELECT theater_relate('author_books', 'authors', 'books')")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO author_books(author_id, id) VALUES (2, 7)")
    conn.execute("COMMIT")
    assert conn.execute("SELECT * FROM books").fetchall() == [(107, 2, "seven")]
    assert conn.execute("SELECT * FROM audit").fetchall() == [("moved",)]


def test_a_declaration_that_makes_a_cached_shape_ambiguous_is_seen():
    conn = db("CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT)",
              "CREATE TABLE books(id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id), title TEXT, "
              "year INTEGER)",
              "INSERT INTO authors VALUES (1, 'Ann')", "INSERT INTO books VALUES (1, 1, 'x', 1999)",
              "SELECT theater_relate('author_books', 'authors', 'books')")
    assert conn.execute("SELECT theater_json('authors', 1, 'name, books(title)')").fetchone() == (
        '{"name":"Ann","books":[{"title":"x"}]}',)
    conn.execute("""SELECT theater_relate('modern_books', 'authors', 'books', '{"where": "year > 2000"}')""")
    with pytest.raises(sqlite3.Error, match="theater_json: several relationships lead from authors to books"):
        conn.execute("SELECT theater_json('authors', 1, 'name, books(title)')")


def test_table_and_shape_never_share_a_cache_entry():
    conn = db('CREATE TABLE "a\x1fb"(id INTEGER PRIMARY KEY, c TEXT)', "INSERT INTO \"a\x1fb\" VALUES (1, 'SECRET')",
              "CREATE TABLE a(id INTEGER PRIMARY KEY, b TEXT)", "INSERT INTO a VALUES (1, 'plain')")
    assert conn.execute("SELECT theater_json(?, 1, 'c')", ("a\x1fb",)).fetchone() == ('{"c":"SECRET"}',)
    with pytest.raises(sqlite3.Error, match="theater_json: shape"):
        conn.execute("SELECT theater_json('a', 1, ?)", ("b\x1fc",))


def test_many_shapes_still_answer_after_the_kept_ones_are_forgotten():
    """The connection keeps the queries of its 64 most recent shapes; a
    shape compiled again after that answers the same."""
    conn = db("CREATE TABLE t(id INTEGER PRIMARY KEY, x)", "INSERT INTO t VALUES (1, 2), (2, 3)")
    first = conn.execute("SELECT theater_json('t', NULL, 'x; limit: 1')").fetchone()
    for n in range(2, 300):
        assert conn.execute("SELECT theater_json('t', NULL, ?)", (f"x; limit: {n}",)).fetchone() == (
            '[{"x":2},{"x":3}]',)
    assert conn.execute("SELECT theater_json('t', NULL, 'x; limit: 1')").fetchone() == first == ('[{"x":2}]',)
