"""Table rebuilds: how SQLite users change a column. sqlite-utils' transform,
Alembic's batch mode, DB Browser's "Modify table" and SQLite's own 12-step
procedure all create the new table, copy the rows, drop the old table and
rename the new one into its place (docs/reference.md, "Changing a table's
shape"). SQLite checks every trigger and view of the schema on that RENAME,
and a trigger that names the dropped table fails the check: the theater's
integrity triggers and theater_enforce_foreign_keys' triggers name their
tables by necessity. These tests pin down what works, what fails and leaves
nothing changed, and that the documented recipes work."""
import re
import sqlite3
import subprocess

import pytest
import sqlite_utils

from conftest import EXTENSION, SQLITE, connect, scalar
from theater_data import error_of, load_cast, rows

LIBRARY = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                    author_id INTEGER REFERENCES authors(id) ON DELETE CASCADE);
CREATE TABLE reviews (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(id) ON DELETE CASCADE, stars INTEGER);
CREATE INDEX books_author ON books(author_id);
INSERT INTO authors VALUES (1, 'Le Guin'), (2, 'Borges');
INSERT INTO books VALUES (1, 'Earthsea', 1), (2, 'Ficciones', 2), (3, 'Lathe of Heaven', 1);
INSERT INTO reviews VALUES (1, 1, 5), (2, 3, 4);
"""


def schema(conn):
    return rows(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")


def everything(conn):
    """Schema and rows of every table."""
    out = schema(conn)
    for (name,) in rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        out.append((name, rows(conn, f'SELECT * FROM "{name}" ORDER BY rowid')))
    return out


def plain(path):
    """A connection that never loaded the extension, as a BI tool's is."""
    return sqlite3.connect(str(path))


def transform_cli(path, table, *options, load=False):
    """sqlite-utils' command line, as users run it (its own connection)."""
    command = ["sqlite-utils", "transform", str(path), table, *options]
    if load:
        command += ["--load-extension", str(EXTENSION)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def strays(conn):
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name GLOB '*_new_*'")]


@pytest.fixture
def theater_db(tmp_path):
    path = tmp_path / "theater.db"
    conn = load_cast(connect(path))
    conn.execute("SELECT call_back(2)")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, score TEXT)")
    conn.execute("INSERT INTO notes VALUES (1, 'first', '7')")
    conn.close()
    return path


@pytest.fixture
def library_db(tmp_path):
    path = tmp_path / "library.db"
    conn = connect(path)
    conn.executescript(LIBRARY)
    for table in ("books", "reviews"):
        conn.execute("SELECT theater_enforce_foreign_keys(?)", (table,))
    conn.close()
    return path


# --- a migrated database stays rebuildable where the extension is not loaded -----

REBUILDS_OF_AN_UNRELATED_TABLE = [
    "ALTER TABLE notes RENAME TO remarks",
    "ALTER TABLE notes RENAME COLUMN body TO text",
    pytest.param("ALTER TABLE notes DROP COLUMN score", marks=pytest.mark.skipif(
        SQLITE < (3, 35, 0), reason="ALTER TABLE DROP COLUMN arrived in SQLite 3.35.0")),
]


@pytest.mark.parametrize("sql", REBUILDS_OF_AN_UNRELATED_TABLE)
def test_alter_table_works_without_the_extension(theater_db, sql):
    """Migration 3's view read role_casting, which a connection without the
    extension cannot resolve, and SQLite checks every view on these
    statements: they all failed. Migration 4's view is plain SQL."""
    conn = plain(theater_db)
    conn.execute(sql)
    assert scalar(conn, "SELECT count(*) FROM casting_sheet") == 4
    conn.close()


def test_sqlite_utils_transform_of_an_unrelated_table_works_without_the_extension(theater_db):
    result = transform_cli(theater_db, "notes", "--type", "score", "INTEGER")
    assert result.returncode == 0, result.stderr
    conn = connect(theater_db)
    assert rows(conn, "SELECT id, body, score, typeof(score) FROM notes") == [(1, "first", 7, "integer")]
    assert rows(conn, "SELECT * FROM casting_sheet") == rows(conn, "SELECT * FROM role_casting")


def test_before_migration_4_a_rebuild_without_the_extension_failed(theater_db):
    """The regression the migration fixes, kept visible."""
    conn = connect(theater_db)
    conn.execute("SELECT theater_migrate(3)")
    conn.close()
    conn = plain(theater_db)
    assert error_of(conn, "ALTER TABLE notes RENAME COLUMN body TO text") == (
        "error in view casting_sheet: no such table: main.role_casting")


# --- a rebuild of a table that triggers name fails, and changes nothing ------------

TABLES_NAMED_BY_TRIGGERS = [
    ("theater_db", "auditions", ("--type", "phone", "TEXT"),
     r"error in trigger roles_delete_removes_auditions: no such table: main\.auditions"),
    ("theater_db", "roles", ("--type", "character_name", "TEXT"),
     r"error in trigger auditions_role_must_exist_on_insert: no such table: main\.roles"),
    ("library_db", "books", ("--type", "title", "TEXT"),
     r"error in trigger theater_fk:books:0:parent_\w+: no such table: main\.books"),
    ("library_db", "authors", ("--type", "name", "TEXT"),
     r"error in trigger theater_fk:books:0:\w+: no such table: main\.authors"),
]


@pytest.mark.parametrize("database, table, options, message", TABLES_NAMED_BY_TRIGGERS,
                         ids=[c[1] for c in TABLES_NAMED_BY_TRIGGERS])
def test_sqlite_utils_transform_fails_and_leaves_only_an_empty_stray_table(request, database, table, options,
                                                                          message):
    """sqlite-utils runs the CREATE TABLE of the new table outside its
    transaction (Python's sqlite3 begins one only before INSERT, UPDATE,
    DELETE and REPLACE): the failed RENAME rolls back the copy and the DROP,
    and leaves the new table, empty. The docs say to drop it."""
    path = request.getfixturevalue(database)
    before = everything(plain(path))
    result = transform_cli(path, table, *options, load=True)
    assert result.returncode != 0
    assert re.search(message, result.stderr), result.stderr
    conn = plain(path)
    [stray] = strays(conn)
    assert scalar(conn, f'SELECT count(*) FROM "{stray}"') == 0
    conn.execute(f'DROP TABLE "{stray}"')
    assert everything(conn) == before


def test_sqlite_utils_over_an_autocommit_connection_commits_the_drop(theater_db):
    """sqlite-utils' transform over a connection in autocommit mode
    (isolation_level=None) commits every step: the failed RENAME leaves the
    rows in the new table under another name. The docs warn about it; the
    recipe below avoids it."""
    conn = connect(theater_db)
    conn.isolation_level = None
    with pytest.raises(sqlite3.OperationalError, match="error in trigger roles_delete_removes_auditions"):
        sqlite_utils.Database(conn)["auditions"].transform(types={"phone": str})
    [stray] = strays(conn)
    assert "auditions" not in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert scalar(conn, f'SELECT count(*) FROM "{stray}"') == 7


def twelve_steps(conn, table, create_new, columns, legacy_alter_table):
    """SQLite's generalized ALTER TABLE procedure (lang_altertable.html,
    section 7), in one transaction: remember the table's indexes and
    triggers, create the new table, copy, drop, rename, re-create them."""
    conn.execute(f"PRAGMA legacy_alter_table = {'ON' if legacy_alter_table else 'OFF'}")
    conn.execute("BEGIN")
    try:
        keep = [r[0] for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            (table,))]
        conn.execute(create_new)
        conn.execute(f'INSERT INTO "new_{table}" ({columns}) SELECT {columns} FROM "{table}"')
        conn.execute(f'DROP TABLE "{table}"')
        conn.execute(f'ALTER TABLE "new_{table}" RENAME TO "{table}"')
        for sql in keep:
            conn.execute(sql)
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")


NEW_AUDITIONS = """CREATE TABLE new_auditions (
  id        INTEGER PRIMARY KEY,
  actor     TEXT NOT NULL,
  location  TEXT NOT NULL,
  phone     TEXT,
  hired     INTEGER NOT NULL DEFAULT 0 CHECK (hired IN (0, 1)),
  role_id   INTEGER NOT NULL REFERENCES roles(id))"""
AUDITION_COLUMNS = "id, actor, location, phone, hired, role_id"


def test_the_twelve_steps_without_legacy_alter_table_fail_and_change_nothing(theater_db):
    conn = connect(theater_db)
    before = everything(conn)
    with pytest.raises(sqlite3.OperationalError, match="error in trigger roles_delete_removes_auditions"):
        twelve_steps(conn, "auditions", NEW_AUDITIONS, AUDITION_COLUMNS, legacy_alter_table=False)
    assert everything(conn) == before


def test_the_twelve_steps_with_legacy_alter_table_rebuild_a_theater_table(theater_db):
    """The recipe for the theater's own tables: the RENAME then checks no
    trigger, the triggers on other tables find the table under its old name
    again, and step 8 re-creates the table's own."""
    conn = connect(theater_db)
    casting = rows(conn, "SELECT * FROM role_casting")
    twelve_steps(conn, "auditions", NEW_AUDITIONS, AUDITION_COLUMNS, legacy_alter_table=True)
    assert rows(conn, "SELECT type FROM pragma_table_info('auditions') WHERE name = 'phone'") == [("TEXT",)]
    assert rows(conn, "SELECT * FROM role_casting") == casting
    assert scalar(conn, "SELECT theater_migrate()") == scalar(conn, "SELECT theater_schema_version()")
    # Integrity still holds for every client.
    client = plain(theater_db)
    assert error_of(client, "INSERT INTO auditions (actor, location, role_id) VALUES ('x', 'y', 99)") == (
        "auditions.role_id must name an existing role")
    client.execute("DELETE FROM roles WHERE id = 1")
    assert scalar(client, "SELECT count(*) FROM auditions WHERE role_id = 1") == 0
    client.commit()
    assert scalar(conn, "PRAGMA integrity_check") == "ok"


def test_the_recipe_for_enforced_tables_with_sqlite_utils(library_db):
    """legacy_alter_table makes the RENAME skip the triggers that name the
    table; theater_enforce_foreign_keys then re-creates the triggers the
    DROP took, for the table and for the tables that reference it."""
    conn = connect(library_db)
    triggers = rows(conn, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    conn.execute("PRAGMA legacy_alter_table = ON")
    sqlite_utils.Database(conn)["books"].transform(types={"title": str}, not_null={"title"})
    conn.execute("PRAGMA legacy_alter_table = OFF")
    for table in ("books", "reviews"):
        conn.execute("SELECT theater_enforce_foreign_keys(?)", (table,))
    assert rows(conn, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name") == triggers
    client = plain(library_db)
    assert "FOREIGN KEY constraint failed" in error_of(
        client, "INSERT INTO books (title, author_id) VALUES ('Orphan', 9)")
    assert "FOREIGN KEY constraint failed" in error_of(client, "INSERT INTO reviews (book_id) VALUES (9)")
    # reviews' CASCADE, whose triggers live on the rebuilt books, holds again.
    client.execute("DELETE FROM books WHERE id = 1")
    assert rows(client, "SELECT id FROM reviews") == [(2,)]
    # sqlite-utils 3.30 writes the new table's foreign keys without their
    # ON DELETE / ON UPDATE actions (the docs say so): what is enforced
    # afterwards is what the schema now says, NO ACTION.
    assert "ON DELETE CASCADE" not in scalar(client, "SELECT sql FROM sqlite_master WHERE name = 'books'")
    assert error_of(client, "DELETE FROM authors WHERE id = 1") == (
        "FOREIGN KEY constraint failed: a row of authors is still referenced by books.author_id")


def test_a_declared_relationship_follows_a_rebuilt_table(library_db):
    """theater_relate stores names, not triggers: a rebuild needs no recipe."""
    conn = connect(library_db)
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    before = rows(conn, "SELECT a.name, b.title FROM authors a, author_books(a.id) b ORDER BY 1, 2")
    conn.close()
    conn = connect(library_db)
    conn.execute("PRAGMA legacy_alter_table = ON")
    sqlite_utils.Database(conn)["books"].transform(types={"title": str})
    conn.execute("PRAGMA legacy_alter_table = OFF")
    assert rows(conn, "SELECT a.name, b.title FROM authors a, author_books(a.id) b ORDER BY 1, 2") == before
    fresh = connect(library_db)
    assert rows(fresh, "SELECT a.name, b.title FROM authors a, author_books(a.id) b ORDER BY 1, 2") == before
