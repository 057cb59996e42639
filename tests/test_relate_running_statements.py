"""A declared relationship used by a statement while the relationship
changes (docs/model-layer.md, "When the schema changes"; docs/reference.md,
"Statements that use a declared relationship while it changes").

A statement that has returned rows is never started again: SQLite would
return its rows twice, or rows of two shapes. It stops with an error naming
the relationship; run again, it sees the change. A statement that has
returned no row yet when it first uses a relationship that went stale (the
first one after a change) is started again, with the new columns. Each test
reads a statement row by row (`finish`), so that the rows it returned before
an error are seen too. (Python's sqlite3 steps a statement to its next row
when it hands out one: the step that fails is the one after the row last
handed out, and that row is dropped with the error.)

Changes made by another connection are seen by the next statement that
starts, prepared before the change too, without theater_refresh()."""
import sqlite3

import pytest

from conftest import SQLITE, connect
from theater_data import error_of, rows

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER, author_id INTEGER REFERENCES authors(id));
CREATE INDEX books_author ON books(author_id);
INSERT INTO authors VALUES (1, 'Borges'), (2, 'Calvino');
INSERT INTO books VALUES (7, 'Ficciones', 1944, 1), (2, 'The Aleph', 1949, 1), (5, 'Invisible Cities', 1972, 2);
SELECT theater_relate('author_books', 'authors', 'books');
"""

UNION = "SELECT 'author', id, name FROM authors UNION ALL SELECT 'book', id, title FROM author_books(1)"
JOIN = "SELECT a.id, r.* FROM authors a, author_books(a.id) r"

SCHEMA_CHANGED = "author_books: the schema changed while this statement was running; run the statement again"
DECLARATION_CHANGED = ("author_books: the declaration of author_books changed while this statement was running; "
                       "run the statement again")


def finish(cursor):
    """The rows a half-read statement still returns, one step at a time, and
    the error that stopped it (None when it ran to its end)."""
    got = []
    while True:
        try:
            row = cursor.fetchone()
        except sqlite3.Error as e:
            return got, str(e)
        if row is None:
            return got, None
        got.append(row)


@pytest.fixture
def database(db_path):
    c = connect(db_path)
    c.executescript(SCHEMA)
    c.close()
    return db_path


@pytest.fixture
def conn(database):
    c = connect(database)
    assert rows(c, "SELECT * FROM author_books(1)") == [(2, "The Aleph", 1949), (7, "Ficciones", 1944)]
    yield c
    c.close()


# --- the statement's own connection changes the relationship ---------------------

def test_a_union_half_read_when_its_connection_alters_the_table_stops_without_repeating_a_row(conn):
    """The relationship's first rows come after rows of the other arm: the
    statement has returned rows before the relationship is first used."""
    running = conn.execute(UNION)
    assert running.fetchone() == ("author", 1, "Borges")
    conn.execute("ALTER TABLE books ADD COLUMN pages INTEGER")
    assert finish(running) == ([], SCHEMA_CHANGED)


def test_a_join_half_read_when_its_connection_declares_the_relationship_again_stops_with_one_shape(conn):
    running = conn.execute(JOIN)
    assert running.fetchone() == (1, 2, "The Aleph", 1949)
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books.title')")
    assert finish(running) == ([], DECLARATION_CHANGED)


def test_a_union_half_read_when_its_connection_declares_the_relationship_again_stops(conn):
    running = conn.execute(UNION)
    assert running.fetchone() == ("author", 1, "Borges")
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books.title')")
    assert finish(running) == ([], DECLARATION_CHANGED)


def test_the_statement_that_stopped_runs_again_with_the_new_schema(conn):
    running = conn.execute(JOIN)
    running.fetchone()
    conn.execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100")
    assert finish(running)[1] == SCHEMA_CHANGED
    assert rows(conn, JOIN) == [(1, 2, "The Aleph", 1949, 100), (1, 7, "Ficciones", 1944, 100),
                                (2, 5, "Invisible Cities", 1972, 100)]


def test_the_statement_that_stopped_runs_again_with_the_new_declaration(conn):
    running = conn.execute(JOIN)
    running.fetchone()
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books.title')")
    assert finish(running)[1] == DECLARATION_CHANGED
    assert rows(conn, JOIN) == [(1, "The Aleph"), (1, "Ficciones"), (2, "Invisible Cities")]


def test_a_statement_prepared_before_a_declaration_on_its_connection_first_runs_with_the_new_one(conn):
    assert len(rows(conn, JOIN)) == 3  # prepared and kept by the sqlite3 module
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books.title')")
    assert rows(conn, JOIN) == [(1, "The Aleph"), (1, "Ficciones"), (2, "Invisible Cities")]


def test_a_statement_prepared_before_a_change_on_its_connection_first_runs_with_the_new_columns(conn):
    assert len(rows(conn, JOIN)) == 3
    conn.execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100")
    assert rows(conn, JOIN) == [(1, 2, "The Aleph", 1949, 100), (1, 7, "Ficciones", 1944, 100),
                                (2, 5, "Invisible Cities", 1972, 100)]


def test_a_change_that_leaves_the_relationship_as_it_was_does_not_stop_a_running_statement(conn):
    running = conn.execute(JOIN)
    assert running.fetchone() == (1, 2, "The Aleph", 1949)
    conn.execute("CREATE TABLE unrelated (x)")
    assert finish(running) == ([(1, 7, "Ficciones", 1944), (2, 5, "Invisible Cities", 1972)], None)


def test_a_declaration_inside_a_write_transaction_stops_a_running_statement(conn):
    conn.execute("BEGIN IMMEDIATE")
    running = conn.execute(JOIN)
    assert running.fetchone() == (1, 2, "The Aleph", 1949)
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books.title')")
    assert finish(running) == ([], DECLARATION_CHANGED)
    conn.execute("COMMIT")
    assert rows(conn, JOIN) == [(1, "The Aleph"), (1, "Ficciones"), (2, "Invisible Cities")]


def test_a_change_inside_a_write_transaction_stops_a_running_statement(conn):
    conn.execute("BEGIN IMMEDIATE")
    running = conn.execute(JOIN)
    assert running.fetchone() == (1, 2, "The Aleph", 1949)
    conn.execute("ALTER TABLE books RENAME COLUMN year TO published")
    assert finish(running) == ([], SCHEMA_CHANGED)
    conn.execute("ROLLBACK")


# --- another connection changes the schema -------------------------------------------

@pytest.fixture
def wal(database):
    c = connect(database)
    assert rows(c, "PRAGMA journal_mode = WAL") == [("wal",)]
    c.close()
    return database


def test_a_statement_half_read_while_another_connection_alters_the_table_reads_its_snapshot(wal):
    """In WAL mode another connection can commit while a statement reads; the
    statement goes on reading the database as it was when it began."""
    reader = connect(wal)
    running = reader.execute(JOIN)
    assert running.fetchone() == (1, 2, "The Aleph", 1949)
    connect(wal).execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100")
    assert finish(running) == ([(1, 7, "Ficciones", 1944), (2, 5, "Invisible Cities", 1972)], None)
    assert rows(reader, JOIN)[0] == (1, 2, "The Aleph", 1949, 100)


def test_a_union_half_read_while_another_connection_alters_the_table_reads_its_snapshot(wal):
    reader = connect(wal)
    running = reader.execute(UNION)
    assert running.fetchone() == ("author", 1, "Borges")
    connect(wal).execute("ALTER TABLE books RENAME COLUMN title TO name")
    assert finish(running) == ([("author", 2, "Calvino"), ("book", 2, "The Aleph"), ("book", 7, "Ficciones")], None)


@pytest.mark.parametrize("change", [
    "ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100",
    "ALTER TABLE books RENAME COLUMN year TO published",
    "CREATE TABLE books2 (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id), "
    "year INTEGER); INSERT INTO books2 SELECT id, title, author_id, year FROM books; DROP TABLE books; "
    "ALTER TABLE books2 RENAME TO books",
])
def test_statements_prepared_before_another_connections_change_first_run_as_a_new_connection_would(database,
                                                                                                   change):
    old = connect(database)
    statements = [JOIN, UNION, "SELECT * FROM author_books(1)", "SELECT count(*) FROM author_books"]
    for sql in statements:
        rows(old, sql)  # prepared, and kept by the sqlite3 module
    connect(database).executescript(change)
    new = connect(database)
    for sql in statements:
        assert rows(old, sql) == rows(new, sql), sql


PREPARED_STALE = ("author_books: the schema changed since this statement was prepared; "
                  "run the statement again")


@pytest.fixture(params=["the same connection", "another connection"])
def changer(request, database, conn):
    """The connection that changes the schema, once `conn` has used the
    relationship (its table was connected before the change)."""
    if request.param == "the same connection":
        yield conn
        return
    other = connect(database)
    yield other
    other.close()


def test_the_first_statement_after_a_change_is_prepared_again_when_it_has_returned_no_row(conn, changer):
    """The connection's table of the relationship was connected before the
    change: the first statement after it is planned with the old columns,
    and started again, with the new ones, at its first use of the
    relationship, before it returns a row."""
    changer.execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100")
    assert rows(conn, "SELECT 'book', * FROM author_books(1)") == [("book", 2, "The Aleph", 1949, 100),
                                                                  ("book", 7, "Ficciones", 1944, 100)]


def test_the_extensions_own_reads_before_the_first_use_do_not_stop_a_restart(conn):
    """role_casting reads through the extension's own statements (the
    connection's pools), which return nothing to the caller: a statement
    that has read the casting sheet, but returned no row, before its first
    use of the stale relationship is started again like any other."""
    conn.executescript("SELECT theater_migrate(); INSERT INTO roles VALUES (1, 'Hamlet');"
                       "ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100;")
    assert rows(conn, "SELECT c.role_id, b.* FROM role_casting c CROSS JOIN author_books(1) b") == [
        (1, 2, "The Aleph", 1949, 100), (1, 7, "Ficciones", 1944, 100)]


def test_the_first_statement_after_a_change_stops_when_it_has_returned_rows_before_its_first_use(conn, changer):
    """A UNION ALL prepared after the change, whose first arm returns rows
    before the relationship is first used: it is not started again (those
    rows would come twice); it stops, and runs with the new columns when run
    again."""
    changer.execute("ALTER TABLE books RENAME COLUMN year TO published")
    union = "SELECT 'author', id, name, NULL FROM authors UNION ALL SELECT 'book', * FROM author_books(1)"
    running = conn.execute(union)
    assert running.fetchone() == ("author", 1, "Borges", None)
    assert finish(running) == ([], PREPARED_STALE)
    assert rows(conn, union) == [("author", 1, "Borges", None), ("author", 2, "Calvino", None),
                                 ("book", 2, "The Aleph", 1949), ("book", 7, "Ficciones", 1944)]


LOGGED = "INSERT INTO log SELECT id FROM authors UNION ALL SELECT id FROM author_books(1)"


def test_the_first_statement_after_a_change_that_writes_is_started_again_in_autocommit_mode(conn):
    """In autocommit mode SQLite undoes what the statement wrote before it
    starts it again (it rolls back the statement's own transaction)."""
    conn.executescript("CREATE TABLE log (x); ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100;")
    conn.execute(LOGGED)
    assert rows(conn, "SELECT x FROM log") == [(1,), (2,), (2,), (7,)]


def test_the_first_statement_after_a_change_that_writes_inside_a_transaction_stops(conn):
    """Inside the caller's transaction SQLite may keep what the statement
    wrote before its error (without a statement journal nothing undoes it):
    started again, it would write those rows twice."""
    conn.executescript("CREATE TABLE log (x); BEGIN; ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100;")
    assert error_of(conn, LOGGED) == PREPARED_STALE
    logged = rows(conn, "SELECT x FROM log")
    assert len(set(logged)) == len(logged) and set(logged) <= {(1,), (2,), (7,)}
    conn.execute(LOGGED)
    conn.execute("ROLLBACK")


def test_a_connection_that_only_read_the_relationships_columns_sees_the_change_in_its_next_statement(database):
    """PRAGMA table_info connects the relationship's table without a
    statement that uses it; another connection's change after that is seen
    by the next statement."""
    old = connect(database)
    assert rows(old, "SELECT name FROM pragma_table_info('author_books')") == [("id",), ("title",), ("year",)]
    connect(database).execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100")
    assert rows(old, "SELECT * FROM author_books(1)") == [(2, "The Aleph", 1949, 100), (7, "Ficciones", 1944, 100)]
