"""A declared relationship after its tables change (docs/model-layer.md,
"When the schema changes").

Each change is made the way users make it (sqlite-utils' transform, which
rebuilds a table: CREATE new, INSERT SELECT, DROP, ALTER RENAME; ALTER TABLE
RENAME COLUMN, ADD COLUMN, DROP COLUMN; DROP TABLE; dropped and created again),
on the connection that then uses the relationship or on another one. The
connection that was open before the change, re-running the statements it had
prepared before (the sqlite3 module caches them), must answer exactly what a
connection opened after the change answers, without theater_refresh(): the
plain join over the new schema when the declaration still resolves, or the
documented error naming the relationship when it does not."""
import sqlite3

import pytest
import sqlite_utils

from conftest import SQLITE, connect
from shell import run_shell
from theater_data import rows

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER, author_id INTEGER REFERENCES authors(id));
CREATE INDEX books_author ON books(author_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE book_tags (book_id INTEGER REFERENCES books(id), tag_id INTEGER REFERENCES tags(id));
CREATE INDEX book_tags_book ON book_tags(book_id);
INSERT INTO authors VALUES (1, 'Borges'), (2, 'Calvino'), (3, 'Le Guin');
INSERT INTO books VALUES (7, 'Ficciones', 1944, 1), (2, 'The Aleph', 1949, 1), (5, 'Invisible Cities', 1972, 2),
                         (9, 'The Dispossessed', 1974, 3), (4, 'Labyrinths', 1962, 1), (3, 'Orphan', 2000, 42);
INSERT INTO tags VALUES (1, 'classic'), (2, 'short stories'), (3, 'fantasy');
INSERT INTO book_tags VALUES (7, 2), (5, 3), (7, 3), (2, 1), (7, 1), (9, 3);
SELECT theater_relate('author_books', 'authors', 'books');
SELECT theater_relate('author_titles', 'authors', 'books.title');
SELECT theater_relate('book_author', 'books', 'authors');
SELECT theater_relate('book_tag_list', 'books', 'tags', 'book_tags');
"""

# name -> (from_table, the hidden argument)
RELATIONSHIPS = {
    "author_books": ("authors", "author_id"),
    "author_titles": ("authors", "author_id"),
    "book_author": ("books", "books_id"),
    "book_tag_list": ("books", "book_id"),
}


def queries(name):
    """The statements a client may have prepared before the change."""
    from_table, argument = RELATIONSHIPS[name]
    return [
        f"SELECT * FROM {name}(1)",
        f"SELECT * FROM {name}(7)",
        f"SELECT {argument}, * FROM {name}",
        f"SELECT x.id, r.* FROM {from_table} AS x, {name}(x.id) AS r ORDER BY x.id",
    ]


def answer(conn, sql):
    """Rows, or the error message: what a client sees."""
    try:
        return rows(conn, sql)
    except sqlite3.Error as e:
        return f"error: {e}"


def no_longer_fits(name, why):
    return (f"error: {name}: this relationship no longer fits the schema ({why}); declare it again with "
            f"theater_relate, or remove it with theater_unrelate('{name}')")


# --- the plain joins, over whatever columns the tables have now -------------------

def columns_of(conn, table, without=()):
    return [r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))
            if r[0] not in without]


def select(alias, columns):
    return ", ".join(f'{alias}."{c}"' for c in columns)


def plain_join(conn, name, key):
    """The rows name(key) stands for, written by hand."""
    if name == "author_books":
        cols = select("t", columns_of(conn, "books", without=("author_id",)))
        return rows(conn, f"SELECT {cols} FROM authors s JOIN books t ON t.author_id = s.id WHERE s.id = ? "
                          "ORDER BY t.rowid", (key,))
    if name == "author_titles":
        return rows(conn, "SELECT t.title FROM authors s JOIN books t ON t.author_id = s.id WHERE s.id = ? "
                          "ORDER BY t.rowid", (key,))
    if name == "book_author":
        cols = select("t", columns_of(conn, "authors"))
        return rows(conn, f"SELECT {cols} FROM books s JOIN authors t ON t.id = s.author_id WHERE s.id = ?", (key,))
    cols = select("t", columns_of(conn, "tags"))
    return rows(conn, f"SELECT {cols} FROM books f JOIN book_tags s ON s.book_id = f.id JOIN tags t "
                      f"ON t.id = s.tag_id WHERE f.id = ? ORDER BY {link_order(conn)}s.rowid", (key,))


def link_order(conn):
    """The documented order of a book's tags: the columns after book_id in
    the smallest index of book_tags that starts with it, then link order."""
    indexes = []
    for (index,) in conn.execute("SELECT name FROM pragma_index_list('book_tags') WHERE partial = 0"):
        columns = [c for (c,) in conn.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,))]
        if columns[0] == "book_id":
            indexes.append(columns)
    return "".join(f's."{c}", ' for c in min(indexes, key=len)[1:]) if indexes else ""


# --- the changes --------------------------------------------------------------------

def transform(**kwargs):
    """sqlite-utils' transform of books: a new table, INSERT SELECT, DROP,
    ALTER TABLE RENAME."""
    def change(conn):
        sqlite_utils.Database(conn, recursive_triggers=False)["books"].transform(**kwargs)
    return change


def sql(script):
    return lambda conn: conn.executescript(script)


RENAMED_FK = "the options name no foreign key that joins {0} and {1}; the candidates are books.writer_id -> authors.id ({2})"
GONE = '{0}: no table or view named "{1}" in the main database'

# (id, the change, name -> why it no longer fits; the others still resolve)
CHANGES = [
    ("transform fk to TEXT", transform(types={"author_id": str}), {}),
    ("transform drop year", transform(drop={"year"}), {}),
    ("transform rename title", transform(rename={"title": "name"}),
     {"author_titles": 'to_table: books has no column named "title"'}),
    ("transform reorder columns", transform(column_order=["author_id", "year"]), {}),
    ("add column", sql("ALTER TABLE books ADD COLUMN pages INTEGER; UPDATE books SET pages = id * 100;"), {}),
    ("rename column", sql("ALTER TABLE books RENAME COLUMN title TO name"),
     {"author_titles": 'to_table: books has no column named "title"'}),
    ("rename the foreign key", sql("ALTER TABLE books RENAME COLUMN author_id TO writer_id"),
     {"author_books": RENAMED_FK.format("authors", "books", "one-to-many"),
      "author_titles": RENAMED_FK.format("authors", "books", "one-to-many"),
      "book_author": RENAMED_FK.format("books", "authors", "many-to-one")}),
    ("drop column", sql("ALTER TABLE books DROP COLUMN year"), {}),
    ("drop the association table", sql("DROP TABLE book_tags"),
     {"book_tag_list": GONE.format("through_table", "book_tags")}),
    ("drop books", sql("DROP TABLE book_tags; DROP TABLE books"),
     {"author_books": GONE.format("to_table", "books"), "author_titles": GONE.format("to_table", "books.title"),
      "book_author": GONE.format("from_table", "books"), "book_tag_list": GONE.format("from_table", "books")}),
    ("drop and create books again", sql("""
        DROP TABLE books;
        CREATE TABLE books (id INTEGER PRIMARY KEY DESC, author_id TEXT REFERENCES authors(id), isbn TEXT, title TEXT);
        INSERT INTO books VALUES (7, '1', 'x7', 'Ficciones'), (2, 1, 'x2', 'The Aleph'), (9, '3', 'x9', 'Left Hand'),
                                 (1, 1.0, 'x1', 'Labyrinths'), (3, 42, 'x3', 'Orphan');"""), {}),
    ("rename authors", sql("ALTER TABLE authors RENAME TO writers"),
     {"author_books": GONE.format("from_table", "authors"), "author_titles": GONE.format("from_table", "authors"),
      "book_author": GONE.format("to_table", "authors")}),
    ("drop the index", sql("DROP INDEX books_author"), {}),
    ("an index of two columns", sql("DROP INDEX book_tags_book; CREATE INDEX book_tags_by ON book_tags(book_id, tag_id)"),
     {}),
    ("another table only", sql("CREATE TABLE unrelated (x)"), {}),
]


# The changes this SQLite cannot make: the release that brought the syntax.
NEEDS = {"drop column": ((3, 35, 0), "ALTER TABLE DROP COLUMN arrived in SQLite 3.35.0")}


def possible(case_id):
    return case_id not in NEEDS or SQLITE >= NEEDS[case_id][0]


def parametrized_changes():
    return [pytest.param(*case, id=case[0], marks=[pytest.mark.skipif(not possible(case[0]),
                                                                      reason=NEEDS.get(case[0], ("", ""))[1])])
            for case in CHANGES]


@pytest.fixture
def database(db_path):
    c = connect(db_path)
    c.executescript(SCHEMA)
    c.close()
    return db_path


@pytest.mark.parametrize("who", ["the same connection", "another connection"])
@pytest.mark.parametrize("case_id, change, broken", parametrized_changes())
def test_after_a_schema_change_an_open_connection_answers_as_a_new_one(database, who, case_id, change, broken):
    old = connect(database)
    before = {q: answer(old, q) for name in RELATIONSHIPS for q in queries(name)}
    assert all(not str(a).startswith("error") for a in before.values()), before
    changer = old if who == "the same connection" else connect(database)
    change(changer)
    new = connect(database)
    for name in RELATIONSHIPS:
        for q in queries(name):
            assert answer(old, q) == answer(new, q), (name, q)
        if name in broken:
            assert answer(new, queries(name)[0]) == no_longer_fits(name, broken[name])
        else:
            for key in (1, 7):
                assert answer(new, f"SELECT * FROM {name}({key})") == plain_join(new, name, key), (name, key)
    # Declaring again is never needed for a change the declaration survives.
    assert rows(old, "SELECT count(*) FROM theater_relationships") == [(4,)]
    for c in {old, changer, new}:
        c.close()


def test_the_changes_change_what_the_relationships_return(database, tmp_path):
    """The cases above are not vacuous: each change that the declaration
    survives changes some answer, except those that only change the plan."""
    plan_only = {"drop the index", "another table only", "transform fk to TEXT"}
    for number, (case_id, change, broken) in enumerate(CHANGES):
        if broken or case_id in plan_only or not possible(case_id):
            continue
        copy = tmp_path / f"copy{number}.db"
        c = connect(database)
        c.execute("VACUUM INTO ?", (str(copy),))
        c.close()
        c = connect(copy)
        before = {q: answer(c, q) for name in RELATIONSHIPS for q in queries(name)}
        change(c)
        after = {q: answer(c, q) for name in RELATIONSHIPS for q in queries(name)}
        c.close()
        assert before != after, case_id


def test_a_new_column_shows_in_select_star_on_the_connection_that_used_it(database):
    old = connect(database)
    assert rows(old, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972)]
    other = connect(database)
    other.execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 300")
    assert rows(old, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972, 300)]
    assert rows(old, "SELECT pages FROM author_books(2)") == [(300,)]


def test_a_change_rolled_back_is_forgotten_and_a_later_one_seen(database):
    """SQLite gives the schema the same version number again after a
    rollback; a later change with that number is still a change."""
    conn = connect(database)
    assert rows(conn, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972)]
    conn.execute("BEGIN")
    conn.execute("ALTER TABLE books RENAME COLUMN author_id TO writer_id")
    assert answer(conn, "SELECT * FROM author_books(2)") == no_longer_fits(
        "author_books", RENAMED_FK.format("authors", "books", "one-to-many"))
    conn.execute("ROLLBACK")
    assert rows(conn, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972)]
    conn.execute("BEGIN")
    conn.execute("ALTER TABLE books ADD COLUMN pages INTEGER")
    assert rows(conn, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972, None)]
    version_of_pages = rows(conn, "PRAGMA schema_version")
    conn.execute("ROLLBACK")
    conn.execute("ALTER TABLE books ADD COLUMN isbn TEXT DEFAULT 'x'")
    assert rows(conn, "PRAGMA schema_version") == version_of_pages  # another schema, the same number
    assert rows(conn, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972, "x")]


def test_a_table_created_again_makes_a_broken_declaration_work_without_refresh(database):
    old = connect(database)
    query = "SELECT * FROM book_tag_list(7)"
    assert rows(old, query) == [(2, "short stories"), (3, "fantasy"), (1, "classic")]
    old.execute("DROP TABLE book_tags")
    assert answer(old, query) == no_longer_fits("book_tag_list", GONE.format("through_table", "book_tags"))
    other = connect(database)
    other.executescript("CREATE TABLE book_tags (tag_id INTEGER REFERENCES tags(id), "
                        "book_id INTEGER REFERENCES books(id), since INTEGER);"
                        "INSERT INTO book_tags VALUES (3, 7, 2001), (1, 7, 1999);")
    assert rows(old, query) == [(3, "fantasy"), (1, "classic")]
    assert rows(connect(database), query) == rows(old, query)


def test_a_declaration_broken_before_the_connection_opened_works_once_the_table_is_back(database):
    setup = connect(database)
    setup.execute("DROP TABLE book_tags")
    later = connect(database)
    query = "SELECT * FROM book_tag_list(7)"
    assert answer(later, query) == no_longer_fits("book_tag_list", GONE.format("through_table", "book_tags"))
    setup.executescript("CREATE TABLE book_tags (book_id INTEGER REFERENCES books(id), tag_id INTEGER "
                        "REFERENCES tags(id)); INSERT INTO book_tags VALUES (7, 2);")
    assert rows(later, query) == [(2, "short stories")]


def test_a_statement_running_while_its_connection_changes_the_relationship_stops(database):
    conn = connect(database)
    running = conn.execute("SELECT a.id, r.* FROM authors a, author_books(a.id) r")
    assert running.fetchone() == (1, 2, "The Aleph", 1949)
    conn.execute("ALTER TABLE books ADD COLUMN pages INTEGER")
    with pytest.raises(sqlite3.OperationalError) as caught:
        running.fetchall()
    assert str(caught.value) == "author_books: the schema changed while this statement was running; run the statement again"
    assert rows(conn, "SELECT a.id, r.* FROM authors a, author_books(a.id) r")[0] == (1, 2, "The Aleph", 1949, None)


@pytest.mark.parametrize("who", ["the same connection", "another connection"])
def test_a_new_column_named_by_a_new_statement_needs_one_use_first(database, who):
    """The documented limit: the table-valued function's columns are fixed
    until the connection uses it after the change, on the connection that
    made the change too."""
    old = connect(database)
    assert rows(old, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972)]
    changer = old if who == "the same connection" else connect(database)
    changer.execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 300")
    assert answer(old, "SELECT pages FROM author_books(2)") == "error: no such column: pages"
    assert rows(old, "SELECT count(*) FROM author_books(0)") == [(0,)]
    assert rows(old, "SELECT pages FROM author_books(2)") == [(300,)]


def test_the_first_use_on_a_connection_behind_another_connections_change_sees_it(database):
    """The first use of a relationship on a connection connects its table
    while SQLite prepares the statement, here against a schema another
    connection changed after this one last read it. SQLite 3.54.1 (not
    3.40.1) locks the schema during xConnect, so the extension's lookups there
    cannot read the new one: xConnect returns SQLITE_SCHEMA and SQLite
    prepares the statement again with the schema read anew."""
    later = connect(database)  # loading the extension reads the schema
    connect(database).execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 300")
    assert rows(later, "SELECT * FROM author_books(2)") == [(5, "Invisible Cities", 1972, 300)]
    assert rows(later, "SELECT pages FROM author_books(2)") == [(300,)]


def test_a_declaration_broken_before_the_connection_used_it_says_why_in_every_statement(database):
    """A connection that first uses a relationship after its declaration broke.
    From SQLite 3.37.0 the table's xConnect fails with the reason, whatever
    the statement names. Before, SQLite would replace that error with "no
    such table", so the table is connected with a placeholder column: the
    statements that name no column of it say why, one that names a column
    fails with "no such column" (docs/platforms.md, "SQLite versions")."""
    setup = connect(database)
    setup.execute("ALTER TABLE books RENAME COLUMN author_id TO writer_id")
    later = connect(database)
    why = no_longer_fits("author_books", RENAMED_FK.format("authors", "books", "one-to-many"))
    for query in ["SELECT * FROM author_books(1)", "SELECT author_id, * FROM author_books",
                  "SELECT count(*) FROM author_books(1)",
                  "SELECT a.name, b.* FROM authors a JOIN author_books b ON b.author_id = a.id"]:
        assert answer(later, query) == why, query
    named = "SELECT title FROM author_books(2)"
    table_info = "SELECT name FROM pragma_table_info('author_books')"
    if SQLITE >= (3, 37, 0):
        assert answer(later, named) == why
        assert answer(later, table_info) == why
    else:
        assert answer(later, named) == "error: no such column: title"
        assert rows(later, table_info) == [("this relationship no longer fits the schema",)]
    setup.execute("ALTER TABLE books RENAME COLUMN writer_id TO author_id")
    if SQLITE < (3, 37, 0):
        # The placeholder's columns stand until the relationship is used.
        assert answer(later, named) == "error: no such column: title"
        assert rows(later, "SELECT count(*) FROM author_books(0)") == [(0,)]
    assert rows(later, named) == [("Invisible Cities",)]
    assert rows(later, table_info) == [("id",), ("title",), ("year",)]


def test_the_sqlite3_shell_prints_the_first_statement_after_a_change_as_prepared_first(database):
    """docs/model-layer.md, "When the schema changes": the first statement
    after a change is prepared with the relationship's old columns and
    prepared again when it first runs. The sqlite3 shell from 3.52.0 reads a
    statement's columns before running it (its result formatter,
    qrfInitialize in shell.c), so it prints that statement with the old
    columns; before 3.52.0 it reads them after the first step. (The suite's
    3.54.1 run uses 3.53.4's shell.c; docs/platforms.md.)"""
    script = """
        SELECT * FROM author_books(2);
        ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 300;
        SELECT * FROM author_books(2);
        SELECT * FROM author_books(2);
        ALTER TABLE books RENAME COLUMN pages TO page_count;
        SELECT page_count FROM author_books(2);
    """
    printed = run_shell(database, script, check=False)
    first = "5|Invisible Cities|1972\n"
    after = "5|Invisible Cities|1972|300\n"
    if SQLITE >= (3, 52, 0):
        assert printed.stdout == first + first + after
    else:
        assert printed.stdout == first + after + after
    # Naming the renamed column fails until the relationship is used (the
    # first limit there), in every shell; -bail stops the script there.
    assert printed.returncode != 0 and "no such column: page_count" in printed.stderr
