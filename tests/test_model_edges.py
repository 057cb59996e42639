"""Edge cases of the model layer found by a second reading of its code: each
test is one behaviour a user relies on (names, affinities, declared types,
trigger limits), with the error texts users see."""
import sqlite3

import pytest

from conftest import connect, scalar

LIBRARY = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO authors VALUES (5, 'five'), (10, 'ten');
"""


def library(books_author_type):
    conn = connect()
    conn.executescript(LIBRARY + f"""
        CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id {books_author_type} REFERENCES authors(id));
        CREATE INDEX books_author ON books(author_id);
        INSERT INTO books VALUES (1, 'a', 5), (2, 'b', 10), (3, 'c', '5'), (4, 'd', 10),
                                 (5, 'orphan', 7), (6, 'e', 5.0), (7, 'f', ' 10'), (8, 'g', x'35'), (9, 'h', 5.5);
    """)
    return conn


def typed(rows):
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


@pytest.mark.parametrize("column_type", ["INTEGER", "TEXT", "VARCHAR(10)", "", "NUMERIC", "REAL"])
def test_one_to_many_matches_the_plain_join_whatever_the_foreign_keys_affinity(column_type):
    conn = library(column_type)
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    for author in (5, 7, 10):
        plain = conn.execute("SELECT b.id FROM authors a JOIN books b ON b.author_id = a.id WHERE a.id = ? "
                             "ORDER BY b.id", (author,)).fetchall()
        assert conn.execute("SELECT id FROM author_books(?)", (author,)).fetchall() == plain
        assert bool(plain) == (author != 7)  # 7 has only an orphan: no author 7
    everything = conn.execute("SELECT a.id, b.id FROM authors a JOIN books b ON b.author_id = a.id "
                              "ORDER BY a.id, b.id").fetchall()
    assert conn.execute("SELECT a.id, b.id FROM authors a, author_books(a.id) b").fetchall() == everything
    # Without the argument too, and the argument is the author's key, an
    # integer, not the foreign key as stored (5.0 in a REAL column).
    assert typed(conn.execute("SELECT author_id, id FROM author_books")) == typed(everything)


def test_a_foreign_key_to_a_column_that_is_not_unique_is_refused():
    conn = connect()
    conn.executescript("""
        CREATE TABLE authors (id INTEGER PRIMARY KEY, pen_name TEXT);
        CREATE TABLE books (id INTEGER PRIMARY KEY, author TEXT REFERENCES authors(pen_name));
    """)
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    assert str(caught.value) == (
        "theater_relate: the foreign key books.author refers to authors.pen_name, which is neither its primary key "
        "nor UNIQUE (SQLite calls this a foreign key mismatch); make authors.pen_name UNIQUE")


def test_a_text_foreign_key_to_an_integer_key_says_its_index_cannot_seek():
    conn = library("TEXT")
    assert scalar(conn, "SELECT theater_relate('author_books', 'authors', 'books')") == (
        "author_books(author_id): one-to-many from authors to books by books.author_id; the index books_author "
        "cannot serve the seeks: books.author_id has TEXT affinity and authors.id is numeric, so SQLite compares "
        "them as numbers; every call scans books, as the plain join does (declare books.author_id INTEGER to seek)")


@pytest.mark.parametrize("key", ["INTEGER PRIMARY KEY DESC", "INT PRIMARY KEY", "INTEGER PRIMARY KEY"])
def test_rows_come_in_rowid_order_whatever_the_targets_key(key):
    """INTEGER PRIMARY KEY DESC is not the rowid (a SQLite quirk): ordering by
    it would not be the documented rowid order."""
    conn = connect()
    conn.executescript(LIBRARY + f"""
        CREATE TABLE books (id {key}, title TEXT, author_id INTEGER REFERENCES authors(id));
        INSERT INTO books VALUES (8, 'first', 5), (3, 'second', 5), (6, 'third', 5);
        SELECT theater_relate('author_books', 'authors', 'books');
    """)
    expected = conn.execute("SELECT id FROM books WHERE author_id = 5 ORDER BY rowid").fetchall()
    assert conn.execute("SELECT id FROM author_books(5)").fetchall() == expected
    assert conn.execute("SELECT id FROM author_books").fetchall() == expected
    if key != "INTEGER PRIMARY KEY":
        assert expected == [(8,), (3,), (6,)]


@pytest.mark.parametrize("column_type", ["INTEGER", "TEXT"])
def test_many_to_many_matches_the_plain_join_whatever_the_link_columns_affinity(column_type):
    conn = connect()
    conn.executescript(f"""
        CREATE TABLE movies (id INTEGER PRIMARY KEY, title TEXT);
        CREATE TABLE actors (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE cast_members (movie_id {column_type} REFERENCES movies(id), actor_id INTEGER REFERENCES actors(id));
        CREATE INDEX cast_movie ON cast_members(movie_id);
        INSERT INTO movies VALUES (5, 'five'), (10, 'ten');
        INSERT INTO actors VALUES (1, 'Ann'), (2, 'Bo');
        INSERT INTO cast_members VALUES (5, 2), (10, 1), (5, 1);
        SELECT theater_relate('movie_actors', 'movies', 'actors', 'cast_members');
    """)
    for movie in (5, 10):
        plain = conn.execute("SELECT a.id FROM cast_members c JOIN actors a ON a.id = c.actor_id "
                             "WHERE c.movie_id = ? ORDER BY c.rowid", (movie,)).fetchall()
        assert conn.execute("SELECT id FROM movie_actors(?)", (movie,)).fetchall() == plain != []


def test_a_declared_type_cannot_change_what_the_function_declares():
    """A type with HIDDEN or COLLATE in it is the column's affinity, no more."""
    conn = connect()
    conn.executescript(LIBRARY + """
        CREATE TABLE books (id INTEGER PRIMARY KEY, title "TEXT COLLATE NOCASE", secret "text hidden",
                            author_id INTEGER REFERENCES authors(id));
        INSERT INTO books VALUES (1, 'ABC', 's', 5);
        SELECT theater_relate('author_books', 'authors', 'books');
    """)
    assert conn.execute("SELECT * FROM author_books(5)").fetchall() == [(1, "ABC", "s")]
    assert conn.execute("SELECT count(*) FROM author_books(5) WHERE title = 'abc'").fetchone() == (0,)
    assert [r[1:3] for r in conn.execute("SELECT * FROM pragma_table_xinfo('author_books')")][:3] == [
        ("id", "INTEGER"), ("title", "TEXT"), ("secret", "TEXT")]


def test_ordering_by_the_integer_primary_key_needs_no_sort():
    conn = library("INTEGER")
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    plan = " / ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM author_books(10) ORDER BY id"))
    assert "TEMP B-TREE" not in plan, plan


def test_a_keyword_is_not_a_relationship_name():
    conn = library("INTEGER")
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("SELECT theater_relate('order', 'authors', 'books')")
    assert str(caught.value) == "theater_relate: invalid name 'order': it is an SQL keyword, which would need quoting"


def test_a_stored_declaration_never_replaces_a_function_the_connection_has(tmp_path):
    path = tmp_path / "lib.db"
    conn = library("INTEGER")
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    conn.execute("VACUUM INTO ?", (str(path),))
    conn.close()
    # A row edited by hand (or declared where json_each did not exist).
    raw = sqlite3.connect(str(path))
    raw.execute("INSERT INTO theater_relationships SELECT 'json_each', from_table, to_table, through_table, options, "
                "declared_at FROM theater_relationships WHERE name = 'author_books'")
    raw.commit()
    raw.close()
    conn = connect(path)
    assert conn.execute("SELECT value FROM json_each('[1,2]')").fetchall() == [(1,), (2,)]
    assert conn.execute("SELECT id FROM author_books(5)").fetchall() == [(1,), (3,), (6,)]
    assert scalar(conn, "SELECT theater_refresh()") == 1  # author_books only


@pytest.mark.parametrize("recursive", [0, 1], ids=["OFF", "ON"])
def test_a_self_referencing_cascade_goes_all_the_way_down_whatever_recursive_triggers(recursive):
    """A trigger does not fire itself while recursive_triggers is OFF,
    SQLite's default, so the cascade deletes the whole subtree at once
    (docs/model-layer.md), as SQLite's own does."""
    conn = connect()
    conn.executescript(f"""
        PRAGMA recursive_triggers = {recursive};
        CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp(id) ON DELETE CASCADE);
        INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 2), (4, 3);
        SELECT theater_enforce_foreign_keys('emp');
        DELETE FROM emp WHERE id = 1;
    """)
    assert conn.execute("SELECT id, boss FROM emp ORDER BY id").fetchall() == []


def test_enforcing_again_after_a_drop_finds_the_leftover_triggers_in_any_case():
    conn = connect()
    conn.executescript("""
        CREATE TABLE p (id INTEGER PRIMARY KEY);
        CREATE TABLE kids (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));
        SELECT theater_enforce_foreign_keys('kids');
        DROP TABLE kids;
    """)
    assert scalar(conn, "SELECT theater_enforce_foreign_keys('KIDS')") == 0
    conn.execute("DELETE FROM p")  # no trigger left that names kids
    assert scalar(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'") == 0


def test_a_writer_inside_a_statement_writing_to_temp_says_to_run_it_on_its_own():
    conn = library("INTEGER")
    conn.execute("CREATE TEMP TABLE log (s)")
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO temp.log SELECT theater_relate('author_books', 'authors', 'books')")
    assert str(caught.value).startswith("theater_relate: it writes, so it cannot run inside a statement that writes")


def test_a_table_with_no_column_but_the_foreign_key_has_nothing_to_return():
    conn = connect()
    conn.executescript(LIBRARY + """
        CREATE TABLE mentions (author_id INTEGER REFERENCES authors(id));
        CREATE TABLE books (title TEXT, author_id INTEGER REFERENCES authors(id));
        SELECT theater_relate('author_books', 'authors', 'books');
    """)
    refusal = ("to_table: mentions has no column but author_id, the relationship's own key (the argument); "
               "it has nothing to return")
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("SELECT theater_relate('author_mentions', 'authors', 'mentions')")
    assert str(caught.value) == "theater_relate: " + refusal
    # Become such a table (rebuilt without title), and the relationship no
    # longer fits.
    conn.executescript("""
        CREATE TABLE books_new (author_id INTEGER REFERENCES authors(id));
        INSERT INTO books_new SELECT author_id FROM books;
        DROP TABLE books;
        ALTER TABLE books_new RENAME TO books;
    """)
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("SELECT * FROM author_books(5)")
    assert str(caught.value) == (
        "author_books: this relationship no longer fits the schema (" + refusal.replace("mentions", "books") +
        "); declare it again with theater_relate, or remove it with theater_unrelate('author_books')")
