"""The option {"view": "name"} of theater_relate: a declared relationship
published as a plain SQL view, its argument an ordinary column, for the
clients that cannot load the extension, such as most BI tools
(shared/spec/model-layer.md, "Plain views"; issue 14). theater_unrelate
drops it.

The oracle is the relationship's own table-valued function, itself checked
row for row against the plain join in tests/test_model_relate.py, whose
schema, data and relationships (every kind) these tests reuse."""
import json
import sqlite3

import pytest

from conftest import connect, scalar
from test_model_relate import NO_ROWS_KEYS, RELS, REL_IDS, declarations, lib, relate, snapshot  # noqa: F401 (lib: a fixture)
from theater_data import error_of, plan_details, rows


def with_view(args, view):
    """theater_relate's arguments after the name, with {"view": view} added
    to the options (the last argument when it is a JSON object)."""
    args = list(args)
    if args and isinstance(args[-1], str) and args[-1].startswith("{"):
        options = json.loads(args[-1])
        options["view"] = view
        args[-1] = json.dumps(options)
    else:
        args.append(json.dumps({"view": view}))
    return tuple(args)


def view_of(rel):
    return rel.name + "_view"


def declare_with_view(conn, rel, view=None):
    return relate(conn, rel.name, *with_view(rel.args, view or view_of(rel)))


def view_names(conn):
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")]


def function_rows_of_every_key(conn, rel):
    """The function's rows for every key of from_table, keys ascending, each
    row followed by its key: what the view holds, in the view's order."""
    keys = sorted(k for (k,) in rows(conn, rel.keys_sql) if k is not None)
    return [(*row, key) for key in keys for row in rows(conn, f"SELECT * FROM {rel.name}(?)", (key,))]


@pytest.fixture
def viewed(lib):
    for rel in RELS:
        declare_with_view(lib, rel)
    return lib


# --- what the view holds -----------------------------------------------------------

@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_the_view_holds_the_functions_rows_for_every_key_in_its_order(viewed, rel):
    assert rows(viewed, f"SELECT * FROM {view_of(rel)}") == function_rows_of_every_key(viewed, rel)


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_the_views_columns_are_the_functions_then_the_argument(viewed, rel):
    names = [r[1] for r in viewed.execute(f"PRAGMA table_info({view_of(rel)})")]
    assert names == rel.columns + [rel.argument]


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_filtering_the_view_on_the_argument_gives_the_functions_rows(viewed, rel):
    keys = [k for (k,) in rows(viewed, rel.keys_sql)] + NO_ROWS_KEYS
    columns = ", ".join(f'"{c}"' for c in rel.columns)
    for key in keys:
        assert rows(viewed, f'SELECT {columns} FROM {view_of(rel)} WHERE "{rel.argument}" = ?', (key,)) == rows(
            viewed, f"SELECT * FROM {rel.name}(?)", (key,)), key


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_where_the_function_seeks_so_does_the_view(lib, rel):
    """The summary says whether the function's seeks use an index; the view,
    flattened by SQLite into the query, then reads no table whole."""
    summary = declare_with_view(lib, rel)
    details = plan_details(lib, f'SELECT * FROM {view_of(rel)} WHERE "{rel.argument}" = 1')
    if "; seeks use " in summary:
        assert not [d for d in details if d.startswith("SCAN")], details
    assert not [d for d in details if "CO-ROUTINE" in d or "MATERIALIZE" in d], details


def test_a_connection_without_the_extension_reads_the_view(viewed, db_path):
    """What a BI tool sees: a plain sqlite3 connection that never loads the
    extension reads every view, filtered or not, as the function gives it."""
    path = str(db_path)
    disk = sqlite3.connect(path)
    viewed.backup(disk)
    disk.close()
    plain = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table: author_books"):
            plain.execute("SELECT * FROM author_books(1)")
        for rel in RELS:
            assert rows(plain, f"SELECT * FROM {view_of(rel)}") == function_rows_of_every_key(viewed, rel), rel.name
            assert rows(plain, f'SELECT * FROM {view_of(rel)} WHERE "{rel.argument}" = 1') == [
                (*row, 1) for row in rows(viewed, f"SELECT * FROM {rel.name}(1)")], rel.name
    finally:
        plain.close()


def test_the_view_follows_the_data(viewed):
    viewed.execute("INSERT INTO books VALUES (20, 'Cosmicomics', 2, NULL, 1965)")
    viewed.execute("DELETE FROM books WHERE id = 5")
    assert rows(viewed, "SELECT title FROM author_books_view WHERE author_id = 2") == [("Cosmicomics",)]


# --- the answer and the stored declaration ----------------------------------------

def test_the_summary_names_the_view(lib):
    assert relate(lib, "author_books", "authors", "books", '{"view": "books_by_author"}') == (
        "author_books(author_id): one-to-many from authors to books by books.author_id; "
        "seeks use the index books_author; view books_by_author")


def test_the_stored_options_name_the_view(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "books_by_author"}')
    assert declarations(lib) == [
        ("author_books", "authors", "books", None, '{"column": "books.author_id", "view": "books_by_author"}')]


def test_the_view_carries_the_relationships_mark(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "books_by_author"}')
    sql = scalar(lib, "SELECT sql FROM sqlite_master WHERE name = 'books_by_author'")
    assert sql.startswith('CREATE VIEW "books_by_author"("id", "title", "publisher_id", "year", "author_id") AS '
                          "/* theater_relate: author_books */ SELECT ")


def test_without_the_option_no_view_is_made(lib):
    relate(lib, "author_books", "authors", "books")
    assert view_names(lib) == []


# --- its life: declared again, removed ---------------------------------------------

def test_unrelate_drops_the_view(viewed):
    assert scalar(viewed, "SELECT theater_unrelate('author_books')") == 1
    assert "author_books_view" not in view_names(viewed)
    assert len(view_names(viewed)) == len(RELS) - 1


def test_unrelate_from_a_statement_that_reads_a_table_drops_the_view(viewed):
    """DROP VIEW, unlike DROP TABLE, runs while the calling statement reads."""
    assert rows(viewed, "SELECT theater_unrelate('author_books') FROM authors ORDER BY id") == [(1,), (0,), (0,), (0,)]
    assert "author_books_view" not in view_names(viewed)


def test_declared_again_under_another_view_name_the_old_view_goes(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v1"}')
    relate(lib, "author_books", "authors", "books", '{"view": "v2"}')
    assert view_names(lib) == ["v2"]


def test_declared_again_without_the_option_the_view_goes(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v1"}')
    relate(lib, "author_books", "authors", "books")
    assert view_names(lib) == []


def test_declared_again_the_view_takes_the_new_shape(lib):
    """A plain view is fixed SQL: it changes when the relationship is
    declared again (after a schema change, too), not on its own."""
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    lib.execute("ALTER TABLE books ADD COLUMN pages INTEGER")
    assert [r[1] for r in lib.execute("PRAGMA table_info(v)")] == ["id", "title", "publisher_id", "year", "author_id"]
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    assert [r[1] for r in lib.execute("PRAGMA table_info(v)")] == [
        "id", "title", "publisher_id", "year", "pages", "author_id"]
    relate(lib, "author_books", "authors", "books.title", '{"view": "v"}')
    assert rows(lib, "SELECT * FROM v WHERE author_id = 2") == [("Invisible Cities", 2)]


def test_a_name_declared_in_another_case_still_owns_its_view(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    relate(lib, "AUTHOR_BOOKS", "authors", "books", '{"view": "v"}')
    assert scalar(lib, "SELECT theater_unrelate('Author_Books')") == 1
    assert view_names(lib) == []


def test_a_rolled_back_declaration_leaves_no_view(lib):
    lib.execute("BEGIN")
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    assert view_names(lib) == ["v"]
    lib.execute("ROLLBACK")
    assert view_names(lib) == []


def test_a_rolled_back_unrelate_keeps_the_view(viewed):
    viewed.execute("BEGIN")
    viewed.execute("SELECT theater_unrelate('author_books')")
    viewed.execute("ROLLBACK")
    assert "author_books_view" in view_names(viewed)
    assert rows(viewed, "SELECT count(*) FROM author_books_view") == [(5,)]


# --- what is never dropped nor replaced -------------------------------------------

def test_a_view_the_user_put_in_its_place_is_left_alone(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    lib.executescript("DROP VIEW v; CREATE VIEW v AS SELECT name FROM authors;")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    assert rows(lib, "SELECT sql FROM sqlite_master WHERE name = 'v'") == [("CREATE VIEW v AS SELECT name FROM authors",)]


def test_declared_again_a_view_the_user_put_in_its_place_is_refused(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    lib.executescript("DROP VIEW v; CREATE VIEW v AS SELECT name FROM authors;")
    before = snapshot(lib)
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": \"v\"}')") == (
        "theater_relate: option \"view\": a view named v exists; the relationship's view needs a name of its own")
    assert snapshot(lib) == before


def test_a_stored_row_edited_to_name_a_table_never_drops_it(lib):
    relate(lib, "author_books", "authors", "books")
    lib.execute("UPDATE theater_relationships SET options = '{\"column\": \"books.author_id\", \"view\": \"books\"}'")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    assert rows(lib, "SELECT count(*) FROM books") == [(7,)]


def test_a_stored_row_edited_into_bad_json_is_removed_all_the_same(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    lib.execute("UPDATE theater_relationships SET options = 'not json'")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    assert view_names(lib) == ["v"]  # no stored row names it any more: left in place


def test_a_stored_row_edited_to_name_another_relationships_view_never_drops_it(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "mine"}')
    relate(lib, "book_author", "books", "authors", '{"view": "theirs"}')
    lib.execute("UPDATE theater_relationships SET options = json_set(options, '$.view', 'theirs') "
                "WHERE name = 'author_books'")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    assert view_names(lib) == ["mine", "theirs"]


def test_a_user_view_that_quotes_the_mark_is_not_the_relationships(lib):
    """The mark counts only where theater_relate writes it, not in a string
    or a column name of someone else's view."""
    lib.execute("CREATE VIEW mine AS SELECT 'x /* theater_relate: author_books */ SELECT ' AS \"note\"")
    before = snapshot(lib)
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": \"mine\"}')") == (
        "theater_relate: option \"view\": a view named mine exists; the relationship's view needs a name of its own")
    assert snapshot(lib) == before


def test_a_temp_table_of_the_name_does_not_keep_unrelate_from_dropping_the_view(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    lib.execute("CREATE TEMP TABLE v (x)")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    assert view_names(lib) == []
    assert rows(lib, "SELECT name FROM temp.sqlite_master") == [("v",)]


def test_declared_twice_in_one_transaction_then_rolled_back_leaves_the_first_view(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v1"}')
    lib.execute("BEGIN")
    relate(lib, "author_books", "authors", "books", '{"view": "v2"}')
    relate(lib, "author_books", "authors", "books.title", '{"view": "v3"}')
    assert view_names(lib) == ["v3"]
    lib.execute("ROLLBACK")
    assert view_names(lib) == ["v1"]
    assert rows(lib, "SELECT count(*) FROM v1") == [(5,)]


def test_the_file_attached_under_another_name_reads_the_view(viewed, db_path):
    """A view stored in a file names its tables without a schema: SQLite
    binds them to the view's own schema, whatever the file is attached as."""
    disk = sqlite3.connect(str(db_path))
    viewed.backup(disk)
    disk.close()
    other = sqlite3.connect(":memory:")
    try:
        other.execute("ATTACH ? AS lib", (str(db_path),))
        other.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER)")  # main's, not lib's
        assert rows(other, "SELECT title FROM lib.author_books_view WHERE author_id = 2") == [("Invisible Cities",)]
        assert rows(other, "SELECT count(*) FROM lib.authors") == [(4,)]
    finally:
        other.close()


def test_a_relationship_another_connection_declared_keeps_its_name(lib, db_path):
    """A view named as a stored relationship this connection has not
    registered yet would hide that relationship's function on every
    connection that loads the extension later."""
    disk = sqlite3.connect(str(db_path))
    lib.backup(disk)
    disk.close()
    first, second = connect(db_path), connect(db_path)
    try:
        scalar(second, "SELECT theater_relate('book_author', 'books', 'authors')")
        before = snapshot(first)
        assert error_of(first, "SELECT theater_relate('author_books', 'authors', 'books', "
                               "'{\"view\": \"BOOK_AUTHOR\"}')") == (
            "theater_relate: option \"view\": a relationship named book_author is declared; "
            "the relationship's view needs a name of its own")
        assert snapshot(first) == before
    finally:
        first.close()
        second.close()


REFUSED = [
    # (setup, view, message after "theater_relate: option \"view\": ")
    ("", "books", "a table named books exists; the relationship's view needs a name of its own"),
    ("", "BOOKS", "a table named BOOKS exists; the relationship's view needs a name of its own"),
    ("", "books_author", "an index named books_author exists; the relationship's view needs a name of its own"),
    ("CREATE VIEW mine AS SELECT 1", "mine", "a view named mine exists; the relationship's view needs a name of its own"),
    ("CREATE TEMP TABLE scratch (x)", "scratch",
     "a table named scratch exists in temp; the relationship's view needs a name of its own"),
    ("SELECT theater_relate('book_author', 'books', 'authors', '{\"view\": \"taken\"}')", "taken",
     "a view named taken exists; the relationship's view needs a name of its own"),
    ("SELECT theater_relate('book_author', 'books', 'authors')", "book_author",
     "invalid name 'book_author': a table-valued function or module of that name is registered on this connection"),
    ("", "author_books", "invalid name 'author_books': it is the relationship's own name, which its function answers to"),
    ("", "json_each",
     "invalid name 'json_each': a table-valued function or module of that name is registered on this connection"),
    ("", "role_casting", "invalid name 'role_casting': it is one of the theater's own functions"),
    ("", "a b", "invalid name 'a b': a name has only letters, digits and _ (it is used unquoted, as a table-valued "
                "function)"),
    ("", "select", "invalid name 'select': it is an SQL keyword, which would need quoting"),
    ("", "sqlite_view", "invalid name 'sqlite_view': names starting with theater_, sqlite_ or pragma_ are reserved"),
]


@pytest.mark.parametrize("setup, view, message", REFUSED, ids=[r[1] for r in REFUSED])
def test_a_view_name_that_is_taken_or_invalid_is_refused_and_nothing_is_written(lib, setup, view, message):
    if setup:
        lib.execute(setup)
    before = snapshot(lib)
    options = json.dumps({"view": view})
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', ?)", (options,)) == (
        f'theater_relate: option "view": {message}')
    assert snapshot(lib) == before


def test_a_view_name_must_not_be_empty(lib):
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": \"\"}')") == (
        'theater_relate: option "view" must not be empty')


def test_a_view_name_must_be_a_string(lib):
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": 1}')") == (
        'theater_relate: option "view" must be a string')


def test_a_refused_redeclaration_keeps_the_old_view(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    before = snapshot(lib)
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', '{\"view\": \"books\"}')").startswith(
        "theater_relate: option \"view\": a table named books exists")
    assert snapshot(lib) == before
    assert rows(lib, "SELECT count(*) FROM v") == [(5,)]


# --- SQLite's own checks of a view, and the view in the stored declaration ----------

def test_rename_column_keeps_the_views_column_name_until_declared_again(lib):
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    lib.execute("ALTER TABLE books RENAME COLUMN title TO name")
    assert [r[1] for r in lib.execute("PRAGMA table_info(v)")][:2] == ["id", "title"]
    assert rows(lib, "SELECT title FROM v WHERE author_id = 2") == [("Invisible Cities",)]
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    assert [r[1] for r in lib.execute("PRAGMA table_info(v)")][:2] == ["id", "name"]


REBUILD = """
CREATE TABLE books_new (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '',
                        author_id INTEGER REFERENCES authors(id), publisher_id INTEGER, year INTEGER);
INSERT INTO books_new SELECT id, coalesce(title, ''), author_id, publisher_id, year FROM books;
DROP TABLE books;
ALTER TABLE books_new RENAME TO books;
"""


def test_a_table_rebuild_fails_on_the_views_check_and_works_with_legacy_alter_table(lib):
    """SQLite checks every view on the RENAME of a rebuild (docs/reference.md,
    "table rebuilds"): the published view makes it fail as any view would,
    and the documented recipe works, the view reading the rebuilt table."""
    relate(lib, "author_books", "authors", "books", '{"view": "v"}')
    before = rows(lib, "SELECT * FROM v")
    with pytest.raises(sqlite3.OperationalError, match="error in view v: no such table: main.books"):
        lib.executescript("BEGIN;" + REBUILD)
    lib.execute("ROLLBACK")
    assert rows(lib, "SELECT * FROM v") == before
    lib.executescript("PRAGMA legacy_alter_table = ON; BEGIN;" + REBUILD + "COMMIT; PRAGMA legacy_alter_table = OFF;")
    assert rows(lib, "SELECT * FROM v") == before


def test_changing_only_the_view_is_a_new_declaration_for_open_connections(lib, db_path):
    disk = sqlite3.connect(str(db_path))
    lib.backup(disk)
    disk.close()
    first = connect(db_path)
    try:
        relate(first, "author_books", "authors", "books")
        second = connect(db_path)
        try:
            assert rows(second, "SELECT count(*) FROM author_books(2)") == [(1,)]
            relate(first, "author_books", "authors", "books", '{"view": "v"}')
            assert "theater_refresh()" in error_of(second, "SELECT count(*) FROM author_books(2)")
            second.execute("SELECT theater_refresh()")
            assert rows(second, "SELECT count(*) FROM author_books(2)") == [(1,)]
            assert rows(second, "SELECT count(*) FROM v WHERE author_id = 2") == [(1,)]
        finally:
            second.close()
    finally:
        first.close()
