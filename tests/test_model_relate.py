"""theater_relate, theater_unrelate, theater_refresh: relationships declared
for any schema (shared/spec/model-layer.md, "Declaring").

Every kind of relationship is checked row for row, in order, against the
plain SQL join it stands for, on a small library/company schema whose ids
are inserted out of order (so that rowid order, insertion order and id
order differ where the spec's order depends on it)."""
import dataclasses
import sqlite3

import pytest

from conftest import SQLITE, connect, scalar
from theater_data import bare_connection, error_of, extension_statements, plan_details, rows

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE publishers (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id),
                    publisher_id INTEGER REFERENCES publishers(id), year INTEGER);
CREATE INDEX books_author ON books(author_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE book_tags (book_id INTEGER NOT NULL REFERENCES books(id), tag_id INTEGER NOT NULL REFERENCES tags(id));
CREATE INDEX book_tags_book ON book_tags(book_id);
CREATE TABLE actors (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE stuntmen (id INTEGER PRIMARY KEY, name TEXT, actor_id INTEGER UNIQUE REFERENCES actors(id));
CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT);
CREATE TABLE assignments (id INTEGER PRIMARY KEY, employee_id INTEGER REFERENCES employees(id),
                          project_id INTEGER REFERENCES projects(id), role TEXT, hours INTEGER);
CREATE INDEX assignments_employee ON assignments(employee_id, project_id);
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, boss_id INTEGER REFERENCES people(id));
CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT, sender_id INTEGER REFERENCES people(id),
                       receiver_id INTEGER REFERENCES people(id));
CREATE TABLE friendships (a_id INTEGER REFERENCES people(id), b_id INTEGER REFERENCES people(id));
"""

DATA = """
INSERT INTO authors VALUES (3, 'Le Guin'), (1, 'Borges'), (2, 'Calvino'), (4, 'Nobody');
INSERT INTO publishers VALUES (2, 'Gollancz'), (1, 'Penguin');
INSERT INTO books VALUES (7, 'Ficciones', 1, 1, 1944), (2, 'The Aleph', 1, 2, 1949),
                         (5, 'Invisible Cities', 2, 1, 1972), (9, 'The Dispossessed', 3, NULL, 1974),
                         (4, 'Labyrinths', 1, NULL, 1962), (1, 'Orphan', NULL, 2, 2000);
-- rows whose keys name no row (foreign keys are not enforced): in no relationship
INSERT INTO books VALUES (3, 'Apocrypha', 42, 42, 1900);
INSERT INTO book_tags VALUES (42, 1), (9, 42);
INSERT INTO stuntmen VALUES (7, 'Ghost', 42);
INSERT INTO assignments VALUES (15, 42, 1, 'ghost', 0), (16, 3, 42, 'void', 0);
INSERT INTO messages VALUES (5, 'lost', 42, 42);
INSERT INTO friendships VALUES (42, 1), (1, 42);
INSERT INTO tags VALUES (3, 'fantasy'), (1, 'classic'), (2, 'short stories'), (4, 'unused');
-- links made out of tag id order: the order of a book's tags is the order they were linked
INSERT INTO book_tags VALUES (7, 2), (5, 3), (7, 3), (2, 1), (7, 1), (9, 3), (2, 2), (9, 1);
INSERT INTO actors VALUES (2, 'Dwayne Johnson'), (1, 'Jackie Chan'), (3, 'Nobody');
INSERT INTO stuntmen VALUES (5, 'Tanoai Reed', 2), (4, 'Bradley Allan', 1), (6, 'Free agent', NULL);
INSERT INTO employees VALUES (1, 'Ann'), (2, 'Ben'), (3, 'Cy');
INSERT INTO projects VALUES (1, 'Apollo'), (2, 'Boson'), (3, 'Cosmos');
-- the index is on (employee_id, project_id): an employee's projects come in project order
INSERT INTO assignments VALUES (10, 1, 3, 'lead', 5), (11, 2, 1, 'dev', 8), (12, 1, 1, 'dev', 2),
                               (13, 1, 2, 'qa', 1), (14, 2, 3, 'dev', 3);
INSERT INTO people VALUES (1, 'Boss', NULL), (3, 'Mid', 1), (2, 'Low', 3), (4, 'Peer', 1);
INSERT INTO messages VALUES (1, 'hi', 2, 1), (2, 'yo', 1, 2), (3, 'ok', 2, 3), (4, 're', 3, 2);
INSERT INTO friendships VALUES (1, 2), (3, 1), (1, 4);
"""

NO_ROWS_KEYS = [0, 99, 42, None]  # keys that name no row (or NULL): no rows, no error; 42 has orphans


@dataclasses.dataclass(frozen=True)
class Rel:
    name: str
    args: tuple               # theater_relate's arguments after the name
    kind: str
    argument: str             # the hidden column's documented name
    columns: list             # visible columns, to_table's declared order
    same_as: str              # the plain join it stands for: key ?1 -> the rows, in the documented order
    keys_sql: str             # every key of from_table


RELS = [
    Rel("author_books", ("authors", "books"), "one-to-many", "author_id",
        ["id", "title", "publisher_id", "year"],
        "SELECT t.id, t.title, t.publisher_id, t.year FROM authors s JOIN books t ON t.author_id = s.id "
        "WHERE s.id = ?1 ORDER BY t.rowid",
        "SELECT id FROM authors"),
    Rel("book_author", ("books", "authors"), "many-to-one", "books_id", ["id", "name"],
        "SELECT a.id, a.name FROM books b JOIN authors a ON a.id = b.author_id WHERE b.id = ?1",
        "SELECT id FROM books"),
    Rel("actor_stuntman", ("actors", "stuntmen"), "one-to-one", "actor_id", ["id", "name"],
        "SELECT t.id, t.name FROM actors s JOIN stuntmen t ON t.actor_id = s.id WHERE s.id = ?1",
        "SELECT id FROM actors"),
    Rel("stuntman_actor", ("stuntmen", "actors"), "one-to-one", "stuntmen_id", ["id", "name"],
        "SELECT a.id, a.name FROM stuntmen s JOIN actors a ON a.id = s.actor_id WHERE s.id = ?1",
        "SELECT id FROM stuntmen"),
    Rel("book_tag_list", ("books", "tags", "book_tags"), "many-to-many", "book_id", ["id", "label"],
        "SELECT t.id, t.label FROM books f JOIN book_tags bt ON bt.book_id = f.id JOIN tags t ON t.id = bt.tag_id "
        "WHERE f.id = ?1 ORDER BY bt.rowid", "SELECT id FROM books"),
    Rel("tag_books", ("tags", "books", "book_tags"), "many-to-many", "tag_id",
        ["id", "title", "author_id", "publisher_id", "year"],
        "SELECT b.id, b.title, b.author_id, b.publisher_id, b.year FROM tags f JOIN book_tags bt ON bt.tag_id = f.id "
        "JOIN books b ON b.id = bt.book_id WHERE f.id = ?1 ORDER BY bt.rowid", "SELECT id FROM tags"),
    Rel("employee_projects", ("employees", "projects", "assignments"), "many-to-many", "employee_id",
        ["id", "title"],
        "SELECT p.id, p.title FROM employees f JOIN assignments a ON a.employee_id = f.id "
        "JOIN projects p ON p.id = a.project_id WHERE f.id = ?1 ORDER BY a.project_id, a.rowid",
        "SELECT id FROM employees"),
    Rel("employee_assignments", ("employees", "assignments"), "one-to-many", "employee_id",
        ["id", "project_id", "role", "hours"],
        "SELECT t.id, t.project_id, t.role, t.hours FROM employees s JOIN assignments t ON t.employee_id = s.id "
        "WHERE s.id = ?1 ORDER BY t.rowid", "SELECT id FROM employees"),
    # the association proxy
    Rel("author_titles", ("authors", "books.title"), "one-to-many", "author_id", ["title"],
        "SELECT t.title FROM authors s JOIN books t ON t.author_id = s.id WHERE s.id = ?1 ORDER BY t.rowid",
        "SELECT id FROM authors"),
    Rel("book_labels", ("books", "tags.label", "book_tags"), "many-to-many", "book_id", ["label"],
        "SELECT t.label FROM books f JOIN book_tags bt ON bt.book_id = f.id JOIN tags t ON t.id = bt.tag_id "
        "WHERE f.id = ?1 ORDER BY bt.rowid", "SELECT id FROM books"),
    Rel("employee_roles", ("employees", "assignments.role"), "one-to-many", "employee_id", ["role"],
        "SELECT t.role FROM employees s JOIN assignments t ON t.employee_id = s.id WHERE s.id = ?1 ORDER BY t.rowid",
        "SELECT id FROM employees"),
    # self-referencing, both directions
    Rel("reports", ("people", "people", '{"direction": "one-to-many"}'), "one-to-many", "boss_id", ["id", "name"],
        "SELECT t.id, t.name FROM people s JOIN people t ON t.boss_id = s.id WHERE s.id = ?1 ORDER BY t.rowid",
        "SELECT id FROM people"),
    Rel("boss", ("people", "people", '{"direction": "many-to-one"}'), "many-to-one", "people_id",
        ["id", "name", "boss_id"],
        "SELECT b.id, b.name, b.boss_id FROM people p JOIN people b ON b.id = p.boss_id WHERE p.id = ?1",
        "SELECT id FROM people"),
    # two foreign keys to the same table, resolved by option
    Rel("sent", ("people", "messages", '{"column": "sender_id"}'), "one-to-many", "sender_id",
        ["id", "body", "receiver_id"],
        "SELECT t.id, t.body, t.receiver_id FROM people s JOIN messages t ON t.sender_id = s.id WHERE s.id = ?1 "
        "ORDER BY t.rowid", "SELECT id FROM people"),
    Rel("received", ("people", "messages", None, '{"column": "messages.receiver_id"}'), "one-to-many",
        "receiver_id", ["id", "body", "sender_id"],
        "SELECT t.id, t.body, t.sender_id FROM people s JOIN messages t ON t.receiver_id = s.id WHERE s.id = ?1 "
        "ORDER BY t.rowid", "SELECT id FROM people"),
    Rel("friends", ("people", "people", "friendships", '{"from_column": "a_id", "to_column": "b_id"}'),
        "many-to-many", "a_id", ["id", "name", "boss_id"],
        "SELECT p.id, p.name, p.boss_id FROM people s JOIN friendships f ON f.a_id = s.id "
        "JOIN people p ON p.id = f.b_id WHERE s.id = ?1 ORDER BY f.rowid", "SELECT id FROM people"),
]
REL_IDS = [r.name for r in RELS]


def relate(conn, name, *args):
    """theater_relate(name, *args): its summary."""
    marks = ", ".join("?" * (1 + len(args)))
    return scalar(conn, f"SELECT theater_relate({marks})", (name, *args))


def declare(conn, rel):
    return relate(conn, rel.name, *rel.args)


def declarations(conn):
    """theater_relationships without its timestamp."""
    return rows(conn, "SELECT name, from_table, to_table, through_table, options FROM theater_relationships "
                      "ORDER BY name")


def snapshot(conn):
    """Everything a failed call must leave as it was."""
    master = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    has = any(r[1] == "theater_relationships" for r in master)
    return master, declarations(conn) if has else None


def table_names(conn):
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def visible_and_hidden(conn, name):
    info = conn.execute(f"PRAGMA table_xinfo({name})").fetchall()
    return [r[1] for r in info if not r[6]], [r[1] for r in info if r[6]]


@pytest.fixture
def lib(conn):
    conn.executescript(SCHEMA + DATA)
    return conn


@pytest.fixture
def related(lib):
    for rel in RELS:
        declare(lib, rel)
    return lib


# --- each kind, against the plain SQL join -----------------------------------------

@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_summary_names_kind_argument_and_tables(lib, rel):
    to = rel.args[1]
    assert declare(lib, rel).startswith(f"{rel.name}({rel.argument}): {rel.kind} from {rel.args[0]} to {to} by ")


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_rows_and_order_match_the_plain_join(related, rel):
    keys = [r[0] for r in related.execute(rel.keys_sql)]
    nonempty = 0
    for key in keys:
        expected = rows(related, rel.same_as, (key,))
        nonempty += bool(expected)
        assert rows(related, f"SELECT * FROM {rel.name}(?)", (key,)) == expected, key
    assert nonempty >= 2  # the data exercises the relationship


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_argument_in_where_is_the_same_as_the_call(related, rel):
    for (key,) in related.execute(rel.keys_sql).fetchall():
        assert rows(related, f"SELECT * FROM {rel.name} WHERE {rel.argument} = ?", (key,)) == \
            rows(related, f"SELECT * FROM {rel.name}(?)", (key,))


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
@pytest.mark.parametrize("key", NO_ROWS_KEYS)
def test_key_naming_no_row_gives_no_rows(related, rel, key):
    assert rows(related, f"SELECT * FROM {rel.name}(?)", (key,)) == []


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_columns_are_to_tables_in_declared_order_then_the_hidden_argument(related, rel):
    assert visible_and_hidden(related, rel.name) == (rel.columns, [rel.argument])


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_without_argument_every_row_in_key_then_documented_order(related, rel):
    # The stable order: by the argument, then within a key as the spec says.
    keys = sorted(k for (k,) in related.execute(rel.keys_sql))
    expected = [(key, *row) for key in keys for row in rows(related, rel.same_as, (key,))]
    assert rows(related, f"SELECT {rel.argument}, * FROM {rel.name}") == expected


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_rows_with_a_null_key_are_in_no_relationship(related, rel):
    # f(NULL) has no rows, so the scan has no row whose argument is NULL
    # (books.author_id, stuntmen.actor_id and people.boss_id hold NULLs).
    assert rows(related, f"SELECT * FROM {rel.name}(NULL)") == []
    assert rows(related, f"SELECT * FROM {rel.name} WHERE {rel.argument} IS NULL") == []


@pytest.mark.parametrize("rel", RELS, ids=REL_IDS)
def test_joined_from_the_from_table_is_the_plain_join(related, rel):
    from_table = rel.args[0]
    got = rows(related, f"SELECT f.rowid, r.* FROM {from_table} f, {rel.name}(f.rowid) r ORDER BY f.rowid")
    expected = [(key, *row) for (key,) in related.execute(f"SELECT rowid FROM {from_table} ORDER BY rowid")
                for row in rows(related, rel.same_as, (key,))]
    assert got == expected


def test_one_to_one_gives_at_most_one_row(related):
    for rel in ("actor_stuntman", "stuntman_actor", "book_author"):
        counts = rows(related, f"SELECT count(*) FROM {rel} GROUP BY {visible_and_hidden(related, rel)[1][0]}")
        assert counts and {c for (c,) in counts} == {1}


def test_many_to_many_order_is_link_order_with_a_one_column_index(related):
    # book 7 was linked to tags 2, 3, 1 in that order
    assert rows(related, "SELECT id FROM book_tag_list(7)") == [(2,), (3,), (1,)]


def test_many_to_many_order_follows_a_two_column_index(related):
    # assignments_employee is on (employee_id, project_id): project order, not link order
    assert rows(related, "SELECT id FROM employee_projects(1)") == [(1,), (2,), (3,)]


def test_association_object_keeps_its_own_columns_reachable(related):
    assert rows(related, "SELECT role, hours FROM employee_assignments(1)") == [("lead", 5), ("dev", 2), ("qa", 1)]


def test_proxy_keeps_duplicates(lib):
    relate(lib, "tag_labels_of_book", "books", "tags.label", "book_tags")
    lib.execute("INSERT INTO book_tags VALUES (5, 3)")
    assert rows(lib, "SELECT label FROM tag_labels_of_book(5)") == [("fantasy",), ("fantasy",)]


# --- exact summaries and stored rows ---------------------------------------------

@pytest.mark.parametrize("args, summary", [
    (("author_books", "authors", "books"),
     "author_books(author_id): one-to-many from authors to books by books.author_id; seeks use the index books_author"),
    (("book_author", "books", "authors"),
     "book_author(books_id): many-to-one from books to authors by books.author_id; "
     "seeks use the primary key of books"),
    (("book_tag_list", "books", "tags", "book_tags"),
     "book_tag_list(book_id): many-to-many from books to tags by book_tags.book_id and book_tags.tag_id; "
     "seeks use the index book_tags_book"),
    (("tag_books", "tags", "books", "book_tags"),
     "tag_books(tag_id): many-to-many from tags to books by book_tags.tag_id and book_tags.book_id; "
     "no index on book_tags(tag_id), so every call scans book_tags: CREATE INDEX \"book_tags_tag_id\" ON \"book_tags\"(\"tag_id\") "
     "to seek"),
    (("author_titles", "authors", "books.title"),
     "author_titles(author_id): one-to-many from authors to books.title by books.author_id; "
     "seeks use the index books_author"),
    (("actor_stuntman", "actors", "stuntmen"),
     "actor_stuntman(actor_id): one-to-one from actors to stuntmen by stuntmen.actor_id; "
     "seeks use the index sqlite_autoindex_stuntmen_1"),
])
def test_exact_summary(lib, args, summary):
    assert relate(lib, *args) == summary


def test_stored_with_every_choice_named(related):
    got = {r[0]: r[1:] for r in declarations(related)}
    assert got["author_books"] == ("authors", "books", None, '{"column": "books.author_id"}')
    assert got["book_author"] == ("books", "authors", None, '{"column": "books.author_id"}')
    assert got["book_tag_list"] == ("books", "tags", "book_tags", '{"from_column": "book_id", "to_column": "tag_id"}')
    assert got["author_titles"] == ("authors", "books.title", None, '{"column": "books.author_id"}')
    assert got["reports"] == ("people", "people", None, '{"column": "people.boss_id", "direction": "one-to-many"}')
    assert got["sent"] == ("people", "messages", None, '{"column": "messages.sender_id"}')


def test_table_names_are_stored_as_the_schema_spells_them(lib):
    relate(lib, "author_books", "AUTHORS", "Books")
    assert declarations(lib)[0][1:3] == ("authors", "books")
    assert rows(lib, "SELECT id FROM author_books(1)") == [(2,), (4,), (7,)]


# --- the argument's name ------------------------------------------------------------

def test_argument_option_renames_the_hidden_column(lib):
    summary = relate(lib, "author_books", "authors", "books", '{"argument": "writer"}')
    assert summary.startswith("author_books(writer): one-to-many from authors to books")
    assert visible_and_hidden(lib, "author_books") == (["id", "title", "publisher_id", "year"], ["writer"])
    assert rows(lib, "SELECT id FROM author_books WHERE writer = 1") == [(2,), (4,), (7,)]
    assert rows(lib, "SELECT writer, id FROM author_books(2)") == [(2, 5)]


def test_argument_option_is_stored(lib):
    relate(lib, "author_books", "authors", "books", '{"argument": "writer"}')
    assert declarations(lib)[0][4] == '{"column": "books.author_id", "argument": "writer"}'


def test_argument_for_a_foreign_key_to_a_column_that_is_not_the_key(conn):
    # one-to-many by a foreign key to another (unique) column: the argument
    # is still the from_table's key, named <from_table>_<key>
    conn.executescript("""
        CREATE TABLE countries (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
        CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT, country_code TEXT REFERENCES countries(code));
        INSERT INTO countries VALUES (1, 'FR'), (2, 'IT');
        INSERT INTO cities VALUES (5, 'Roma', 'IT'), (3, 'Paris', 'FR'), (4, 'Lyon', 'FR'), (9, 'Milano', 'IT');
    """)
    assert relate(conn, "country_cities", "countries", "cities").startswith(
        "country_cities(countries_id): one-to-many from countries to cities by cities.country_code")
    assert visible_and_hidden(conn, "country_cities") == (["id", "name", "country_code"], ["countries_id"])
    assert rows(conn, "SELECT id, name FROM country_cities(2)") == [(5, "Roma"), (9, "Milano")]


@pytest.mark.parametrize("options, error", [
    ('{"argument": "title"}',
     "theater_relate: the argument column \"title\" has the name of a column of books; "
     "rename it with '{\"argument\": \"...\"}'"),
    ('{"argument": "TITLE"}',
     "theater_relate: the argument column \"TITLE\" has the name of a column of books; "
     "rename it with '{\"argument\": \"...\"}'"),
    ('{"argument": ""}', 'theater_relate: option "argument" must not be empty'),
])
def test_argument_option_refused(lib, options, error):
    assert error_of(lib, "SELECT theater_relate('author_books', 'authors', 'books', ?)", (options,)) == error


def test_default_argument_that_collides_with_a_column_names_the_fix(conn):
    conn.executescript("""
        CREATE TABLE owners (id INTEGER PRIMARY KEY, pets_id INTEGER);
        CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id));
    """)
    # pets -> owners is many-to-one: its argument would be pets_id, a column of owners
    assert error_of(conn, "SELECT theater_relate('pet_owner', 'pets', 'owners')") == (
        "theater_relate: the argument column \"pets_id\" has the name of a column of owners; "
        "rename it with '{\"argument\": \"...\"}'")
    relate(conn, "pet_owner", "pets", "owners", '{"argument": "pet"}')
    assert visible_and_hidden(conn, "pet_owner") == (["id", "pets_id"], ["pet"])


# --- ambiguous and missing paths ---------------------------------------------------

AMBIGUOUS = [
    (("sent", "people", "messages"),
     "theater_relate: 2 foreign keys could join people and messages: messages.receiver_id -> people.id "
     "(one-to-many), messages.sender_id -> people.id (one-to-many); name the one to use in the options argument, "
     "e.g. '{\"column\": \"receiver_id\"}'"),
    (("reports", "people", "people"),
     "theater_relate: 2 foreign keys could join people and people: people.boss_id -> people.id (one-to-many), "
     "people.boss_id -> people.id (many-to-one); name the one to use in the options argument, "
     "e.g. '{\"column\": \"boss_id\", \"direction\": \"one-to-many\"}'"),
    (("friends", "people", "people", "friendships"),
     "theater_relate: 2 paths through friendships could join people to people: friendships.b_id -> people with "
     "friendships.a_id -> people, friendships.a_id -> people with friendships.b_id -> people; name them in the "
     "options argument, e.g. '{\"from_column\": \"b_id\", \"to_column\": \"a_id\"}'"),
]


@pytest.mark.parametrize("args, error", AMBIGUOUS, ids=[a[0][0] for a in AMBIGUOUS])
def test_ambiguous_path_names_every_candidate_and_writes_nothing(lib, args, error):
    before = snapshot(lib)
    marks = ", ".join("?" * len(args))
    assert error_of(lib, f"SELECT theater_relate({marks})", args) == error
    assert snapshot(lib) == before


@pytest.mark.parametrize("options, argument", [
    ('{"column": "sender_id"}', "sender_id"),
    ('{"column": "messages.sender_id"}', "sender_id"),
    ('{"column": "MESSAGES.SENDER_ID"}', "sender_id"),
    ('{"column": "receiver_id"}', "receiver_id"),
])
def test_ambiguity_resolved_by_the_column_option(lib, options, argument):
    assert relate(lib, "msgs", "people", "messages", options).startswith(f"msgs({argument}): one-to-many")


def test_self_reference_resolved_by_column_and_direction(lib):
    relate(lib, "reports", "people", "people", '{"column": "boss_id", "direction": "one-to-many"}')
    assert rows(lib, "SELECT id FROM reports(1)") == [(3,), (4,)]


def test_many_to_many_ambiguity_resolved_by_one_column(lib):
    relate(lib, "befriended", "people", "people", "friendships", '{"from_column": "b_id"}')
    assert rows(lib, "SELECT id FROM befriended(1)") == [(3,)]


MISSING = [
    (("x", "authors", "tags"),
     "theater_relate: no foreign key joins authors and tags: neither table has a FOREIGN KEY that references the "
     "other; declare one in the schema, or name an association table as through_table for many-to-many"),
    (("x", "authors", "books", '{"column": "year"}'),
     "theater_relate: the options name no foreign key that joins authors and books; the candidates are "
     "books.author_id -> authors.id (one-to-many)"),
    (("x", "authors", "books", '{"direction": "many-to-one"}'),
     "theater_relate: the options name no foreign key that joins authors and books; the candidates are "
     "books.author_id -> authors.id (one-to-many)"),
    (("x", "authors", "publishers", "tags"),
     "theater_relate: no many-to-many path through tags: it needs a FOREIGN KEY to authors (one-column foreign keys "
     "only)"),
    (("x", "books", "authors", "book_tags"),
     "theater_relate: no many-to-many path through book_tags: it needs a FOREIGN KEY to authors (one-column foreign "
     "keys only)"),
    (("x", "people", "people", "friendships", '{"from_column": "nope"}'),
     "theater_relate: the options name no path through friendships; the candidates are friendships.b_id -> people "
     "with friendships.a_id -> people, friendships.a_id -> people with friendships.b_id -> people"),
    (("x", "authors", "books", "book_tags", '{"column": "author_id"}'),
     "theater_relate: with a through_table, name its columns with \"from_column\" and \"to_column\""),
    (("x", "authors", "books", None, '{"from_column": "author_id"}'),
     'theater_relate: option "from_column": authors has no column named "author_id"'),
    (("x", "nowhere", "books"), 'theater_relate: from_table: no table or view named "nowhere" in the main database'),
    (("x", "authors", "nowhere"), 'theater_relate: to_table: no table or view named "nowhere" in the main database'),
    (("x", "authors", "books.nowhere"), 'theater_relate: to_table: books has no column named "nowhere"'),
    (("x", "authors", "books.author_id"),
     "theater_relate: to_table: books.author_id is the relationship's own key (the argument)"),
    (("x", "authors", "books", "nowhere"), 'theater_relate: through_table: no table or view named "nowhere" in the main database'),
]


@pytest.mark.parametrize("args, error", MISSING, ids=[e[1][16:60] for e in MISSING])
def test_missing_path_is_a_clear_error_and_writes_nothing(lib, args, error):
    before = snapshot(lib)
    marks = ", ".join("?" * len(args))
    assert error_of(lib, f"SELECT theater_relate({marks})", args) == error
    assert snapshot(lib) == before
    assert error_of(lib, "SELECT * FROM x") == "no such table: x"


def test_a_composite_foreign_key_is_a_path(conn):
    """Before issue 15 a composite foreign key was refused; now it joins on
    every column (test_real_schemas.py has the rest)."""
    conn.executescript("""
        CREATE TABLE p (a INTEGER, b INTEGER, label TEXT, PRIMARY KEY (a, b));
        CREATE TABLE c (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES p(a, b));
        INSERT INTO p VALUES (1, 1, 'one-one'), (1, 2, 'one-two');
        INSERT INTO c VALUES (10, 1, 2), (11, 1, 1), (12, 2, 2);
    """)
    conn.execute("SELECT theater_relate('pc', 'c', 'p')")
    assert conn.execute("SELECT c.id, x.label FROM c JOIN pc(c.id) AS x ORDER BY c.id").fetchall() == [
        (10, "one-two"), (11, "one-one")]


# --- hostile names --------------------------------------------------------------

ODD = 'my "odd" table'
KIDS = "kids; DROP TABLE authors"
HOSTILE_SCHEMA = """
CREATE TABLE "my ""odd"" table" ("the id" INTEGER PRIMARY KEY, "it's name" TEXT, [say "hi"] TEXT);
CREATE TABLE "kids; DROP TABLE authors" ("k id" INTEGER PRIMARY KEY,
    "odd id" INTEGER REFERENCES "my ""odd"" table"("the id"), "a'b" TEXT);
INSERT INTO "my ""odd"" table" VALUES (1, 'x', 'y'), (2, 'p', 'q'), (3, 'none', 'none');
INSERT INTO "kids; DROP TABLE authors" VALUES (12, 1, 'c'), (10, 1, 'a'), (11, 2, 'b');
"""


@pytest.fixture
def hostile(lib):
    lib.executescript(HOSTILE_SCHEMA)
    return lib


@pytest.mark.parametrize("args, columns, hidden, same_as", [
    ((ODD, KIDS), ["k id", "a'b"], "odd id",
     'SELECT "k id", "a\'b" FROM "kids; DROP TABLE authors" WHERE "odd id" = ?1 ORDER BY rowid'),
    ((KIDS, ODD), ["the id", "it's name", 'say "hi"'], "kids; DROP TABLE authors_k id",
     'SELECT o.* FROM "kids; DROP TABLE authors" k JOIN "my ""odd"" table" o ON o."the id" = k."odd id" '
     'WHERE k."k id" = ?1'),
    ((ODD, KIDS + ".a'b"), ["a'b"], "odd id",
     'SELECT "a\'b" FROM "kids; DROP TABLE authors" WHERE "odd id" = ?1 ORDER BY rowid'),
])
def test_names_with_spaces_quotes_and_semicolons_work(hostile, args, columns, hidden, same_as):
    before = table_names(hostile)
    relate(hostile, "odd_rel", *args)
    assert visible_and_hidden(hostile, "odd_rel") == (columns, [hidden])
    for key in (1, 2, 3, 10, 11, 12):
        assert rows(hostile, "SELECT * FROM odd_rel(?)", (key,)) == rows(hostile, same_as, (key,))
    assert table_names(hostile) == before | {"theater_relationships"}


def test_hostile_names_in_the_summary_are_as_written(hostile):
    assert relate(hostile, "odd_kids", ODD, KIDS) == (
        'odd_kids(odd id): one-to-many from my "odd" table to kids; DROP TABLE authors by '
        'kids; DROP TABLE authors.odd id; no index on kids; DROP TABLE authors(odd id), so every call scans '
        'kids; DROP TABLE authors: CREATE INDEX "kids; DROP TABLE authors_odd id" ON "kids; DROP TABLE authors"("odd id") to seek')


INJECTIONS = [
    (("x; DROP TABLE authors", "authors", "books"),
     "theater_relate: invalid name 'x; DROP TABLE authors': a name has only letters, digits and _ "
     "(it is used unquoted, as a table-valued function)"),
    (("x", "authors; DROP TABLE books", "books"),
     'theater_relate: from_table: no table or view named "authors; DROP TABLE books" in the main database'),
    (("x", "authors", "books\"; DROP TABLE books; --"),
     'theater_relate: to_table: no table or view named "books\\"; DROP TABLE books; --" in the main database'),
    (("x", "authors", "books.title; DROP TABLE authors"),
     'theater_relate: to_table: books has no column named "title; DROP TABLE authors"'),
    (("x", "books", "tags", "book_tags; DROP TABLE tags"),
     'theater_relate: through_table: no table or view named "book_tags; DROP TABLE tags" in the main database'),
    (("x", "authors", "books", '{"column": "author_id; DROP TABLE books"}'),
     "theater_relate: the options name no foreign key that joins authors and books; the candidates are "
     "books.author_id -> authors.id (one-to-many)"),
    (("x", "authors", "books", "{\"column\": \"author_id\"}'); DROP TABLE books; --"),
     "theater_relate: options must be a JSON object such as '{\"column\": \"author_id\"}', not "
     "{\"column\": \"author_id\"}'); DROP TABLE books; --"),
]


@pytest.mark.parametrize("args, error", INJECTIONS, ids=[str(i) for i in range(len(INJECTIONS))])
def test_injection_attempts_are_refused_and_do_nothing(lib, args, error):
    before = snapshot(lib)
    marks = ", ".join("?" * len(args))
    assert error_of(lib, f"SELECT theater_relate({marks})", args) == error
    assert snapshot(lib) == before
    assert {"authors", "books", "tags", "book_tags"} <= table_names(lib)


def test_injection_in_the_argument_name_is_only_a_name(lib):
    hostile_argument = 'x" INTEGER HIDDEN); DROP TABLE books; --'
    relate(lib, "author_books", "authors", "books", '{"argument": "x\\" INTEGER HIDDEN); DROP TABLE books; --"}')
    assert visible_and_hidden(lib, "author_books") == (["id", "title", "publisher_id", "year"], [hostile_argument])
    assert rows(lib, "SELECT id FROM author_books(1)") == [(2,), (4,), (7,)]
    assert {"authors", "books"} <= table_names(lib)


# --- names ----------------------------------------------------------------------

BAD_NAMES = [
    ("", "the name is empty"),
    ("a" * 65, "the name is longer than 64 characters"),
    ("1abc", "a name starts with a letter or _"),
    ("a b", "a name has only letters, digits and _ (it is used unquoted, as a table-valued function)"),
    ("a-b", "a name has only letters, digits and _ (it is used unquoted, as a table-valued function)"),
    ("café", "a name has only letters, digits and _ (it is used unquoted, as a table-valued function)"),
    ("theater_books", "names starting with theater_, sqlite_ or pragma_ are reserved"),
    ("THEATER_x", "names starting with theater_, sqlite_ or pragma_ are reserved"),
    ("sqlite_x", "names starting with theater_, sqlite_ or pragma_ are reserved"),
    ("pragma_table_info", "names starting with theater_, sqlite_ or pragma_ are reserved"),
] + [(n, "it is one of the theater's own functions") for n in
     ["role_auditions", "role_actors", "role_locations", "audition_role", "role_casting", "call_back", "role_lead",
      "role_understudy", "Role_Lead"]]


@pytest.mark.parametrize("name, why", BAD_NAMES, ids=[n[:20] for n, _ in BAD_NAMES])
def test_invalid_name_refused(lib, name, why):
    before = snapshot(lib)
    assert error_of(lib, "SELECT theater_relate(?, 'authors', 'books')", (name,)) == \
        f"theater_relate: invalid name '{name}': {why}"
    assert snapshot(lib) == before


@pytest.mark.parametrize("name", ["a", "_", "A_1", "a" * 64, "_theater_x", "theaterx"])
def test_valid_names_accepted(lib, name):
    relate(lib, name, "authors", "books")
    assert rows(lib, f"SELECT id FROM {name}(2)") == [(5,)]


@pytest.mark.parametrize("setup, name, error", [
    ("", "authors", "theater_relate: a table named authors exists; a relationship needs a name of its own"),
    ("", "BOOKS", "theater_relate: a table named BOOKS exists; a relationship needs a name of its own"),
    ("CREATE VIEW v AS SELECT 1", "v", "theater_relate: a view named v exists; a relationship needs a name of its own"),
    ("CREATE TEMP TABLE tt (x)", "tt", "theater_relate: a table named tt exists; a relationship needs a name of its own"),
    # From 3.51, SQLite registers json_each on its first use, so it is not in
    # pragma_module_list: the extension's fallback probe finds it instead.
    ("", "json_each",
     "theater_relate: a table or table-valued function named json_each exists on this connection"
     if SQLITE >= (3, 51, 0) else
     "theater_relate: a table-valued function or module named json_each is registered on this connection already"),
    ("", "theater_migration_status",
     "theater_relate: invalid name 'theater_migration_status': names starting with theater_, sqlite_ or pragma_ "
     "are reserved"),
])
def test_name_taken_by_something_else_refused(lib, setup, name, error):
    lib.executescript(setup)
    before = snapshot(lib)
    assert error_of(lib, "SELECT theater_relate(?, 'authors', 'books')", (name,)) == error
    assert snapshot(lib) == before


# --- declaring again, removing -------------------------------------------------------

def test_declaring_a_name_again_replaces_it(lib):
    relate(lib, "author_books", "authors", "books")
    relate(lib, "author_books", "authors", "books.title")
    assert visible_and_hidden(lib, "author_books") == (["title"], ["author_id"])
    assert rows(lib, "SELECT * FROM author_books(1)") == [("The Aleph",), ("Labyrinths",), ("Ficciones",)]
    assert [r[0] for r in declarations(lib)] == ["author_books"]


def test_declaring_again_in_other_case_replaces_it(lib):
    relate(lib, "author_books", "authors", "books")
    relate(lib, "AUTHOR_BOOKS", "authors", "books.title")
    assert len(declarations(lib)) == 1
    assert rows(lib, "SELECT * FROM author_books(2)") == [("Invisible Cities",)]


def test_unrelate_returns_1_then_0_and_the_name_gives_a_clear_error(lib):
    relate(lib, "author_books", "authors", "books")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 0
    assert declarations(lib) == []
    assert error_of(lib, "SELECT * FROM author_books(1)") == (
        "author_books: no relationship named author_books is declared (theater_unrelate removed it, or the "
        "transaction that declared it was rolled back); declare it with theater_relate")


def test_unrelate_is_case_insensitive(lib):
    relate(lib, "author_books", "authors", "books")
    assert scalar(lib, "SELECT theater_unrelate('Author_Books')") == 1


def test_unrelate_without_any_declaration_is_0_and_writes_nothing(lib):
    before = snapshot(lib)
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 0
    assert snapshot(lib) == before


def test_unrelate_leaves_the_others(related):
    assert scalar(related, "SELECT theater_unrelate('sent')") == 1
    assert [r[0] for r in declarations(related)] == sorted(set(REL_IDS) - {"sent"})
    assert rows(related, "SELECT id FROM received(2)") == [(2,), (4,)]


def test_declared_again_after_unrelate_works(lib):
    relate(lib, "author_books", "authors", "books")
    lib.execute("SELECT theater_unrelate('author_books')")
    relate(lib, "author_books", "authors", "books")
    assert rows(lib, "SELECT id FROM author_books(2)") == [(5,)]


# --- transactions ----------------------------------------------------------------

ROLLED_BACK = ("{0}: no relationship named {0} is declared (theater_unrelate removed it, or the transaction that "
               "declared it was rolled back); declare it with theater_relate")


def test_rolled_back_first_declaration_leaves_nothing_usable(lib):
    lib.execute("BEGIN")
    relate(lib, "author_books", "authors", "books")
    assert rows(lib, "SELECT id FROM author_books(2)") == [(5,)]  # usable inside its transaction
    lib.execute("ROLLBACK")
    assert "theater_relationships" not in table_names(lib)
    assert error_of(lib, "SELECT * FROM author_books(2)") == ROLLED_BACK.format("author_books")


def test_rolled_back_later_declaration_leaves_nothing_usable(lib):
    relate(lib, "author_books", "authors", "books")
    lib.execute("BEGIN")
    relate(lib, "book_author", "books", "authors")
    lib.execute("ROLLBACK")
    assert [r[0] for r in declarations(lib)] == ["author_books"]
    assert error_of(lib, "SELECT * FROM book_author(2)") == ROLLED_BACK.format("book_author")
    assert rows(lib, "SELECT id FROM author_books(2)") == [(5,)]


def test_rolled_back_to_savepoint_leaves_nothing_usable(lib):
    lib.execute("BEGIN")
    lib.execute("SAVEPOINT s")
    relate(lib, "author_books", "authors", "books")
    lib.execute("ROLLBACK TO s")
    lib.execute("COMMIT")
    assert error_of(lib, "SELECT * FROM author_books(2)") == ROLLED_BACK.format("author_books")


def test_rolled_back_unrelate_keeps_the_relationship(lib):
    relate(lib, "author_books", "authors", "books")
    lib.execute("BEGIN")
    assert scalar(lib, "SELECT theater_unrelate('author_books')") == 1
    lib.execute("ROLLBACK")
    assert rows(lib, "SELECT id FROM author_books(2)") == [(5,)]


def test_declaration_inside_a_committed_transaction_stays(lib):
    lib.execute("BEGIN")
    relate(lib, "author_books", "authors", "books")
    lib.execute("COMMIT")
    assert rows(lib, "SELECT id FROM author_books(2)") == [(5,)]


# --- persistence across connections ---------------------------------------------

@pytest.fixture
def lib_file(db_path):
    c = connect(db_path)
    c.executescript("BEGIN;" + SCHEMA + DATA + "COMMIT;")  # one commit: one fsync
    yield c
    c.close()


@pytest.fixture
def open_connections(db_path):
    opened = []

    def open_one():
        c = connect(db_path)
        opened.append(c)
        return c

    yield open_one
    for c in opened:
        c.close()


def test_a_later_connection_has_every_declaration(lib_file, open_connections):
    for rel in RELS:
        declare(lib_file, rel)
    later = open_connections()
    for rel in RELS:
        for (key,) in later.execute(rel.keys_sql).fetchall():
            assert rows(later, f"SELECT * FROM {rel.name}(?)", (key,)) == rows(later, rel.same_as, (key,))


def test_a_later_connection_has_the_renamed_argument(lib_file, open_connections):
    relate(lib_file, "author_books", "authors", "books", '{"argument": "writer"}')
    assert visible_and_hidden(open_connections(), "author_books") == (["id", "title", "publisher_id", "year"],
                                                                       ["writer"])


def test_an_open_connection_sees_a_declaration_after_refresh(lib_file, open_connections):
    already_open = open_connections()
    relate(lib_file, "author_books", "authors", "books")
    assert error_of(already_open, "SELECT id FROM author_books(2)") == "no such table: author_books"
    assert scalar(already_open, "SELECT theater_refresh()") == 1
    assert rows(already_open, "SELECT id FROM author_books(2)") == [(5,)]


def test_refresh_counts_the_declarations(related):
    assert scalar(related, "SELECT theater_refresh()") == len(RELS)


def test_refresh_without_declarations_is_0_and_writes_nothing(lib):
    before = snapshot(lib)
    assert scalar(lib, "SELECT theater_refresh()") == 0
    assert snapshot(lib) == before


CHANGED = ("author_books: the declaration of author_books differs from the one this connection registered "
           "(another connection changed it, or a replacement made here was rolled back); "
           "run SELECT theater_refresh() to use the stored one")


def test_a_declaration_changed_elsewhere_is_refused_until_refresh(lib_file, open_connections):
    relate(lib_file, "author_books", "authors", "books")
    other = open_connections()
    relate(lib_file, "author_books", "authors", "books.title")
    assert error_of(other, "SELECT * FROM author_books(2) -- first") == CHANGED
    other.execute("SELECT theater_refresh()")
    assert rows(other, "SELECT * FROM author_books(2) -- second") == [("Invisible Cities",)]


def test_the_same_statement_works_after_refresh(lib_file, open_connections):
    # The error says "run SELECT theater_refresh()"; the statement that got
    # it (here cached by the sqlite3 module, as any client's prepared
    # statement is) must then see the new declaration.
    relate(lib_file, "author_books", "authors", "books")
    other = open_connections()
    query = "SELECT * FROM author_books(2)"
    assert rows(other, query) == [(5, "Invisible Cities", 1, 1972)]
    relate(lib_file, "author_books", "authors", "books.title")
    assert error_of(other, query) == CHANGED
    other.execute("SELECT theater_refresh()")
    assert rows(other, query) == [("Invisible Cities",)]


def test_unrelate_elsewhere_is_seen_at_once(lib_file, open_connections):
    relate(lib_file, "author_books", "authors", "books")
    other = open_connections()
    lib_file.execute("SELECT theater_unrelate('author_books')")
    assert error_of(other, "SELECT * FROM author_books(2)") == ROLLED_BACK.format("author_books")


# --- a declaration the schema no longer supports ----------------------------------

def no_longer_fits(name, why):
    return (f"{name}: this relationship no longer fits the schema ({why}); declare it again with theater_relate, "
            f"or remove it with theater_unrelate('{name}')")


@pytest.fixture
def stale(lib_file, db_path):
    """A file database whose author_books and book_tag_list lost a table."""
    relate(lib_file, "author_books", "authors", "books")
    relate(lib_file, "book_tag_list", "books", "tags", "book_tags")
    relate(lib_file, "employee_projects", "employees", "projects", "assignments")
    lib_file.executescript("DROP TABLE book_tags; DROP TABLE books;")
    return db_path


def test_stale_declaration_does_not_break_loading(stale, open_connections):
    later = open_connections()
    assert rows(later, "SELECT id FROM employee_projects(2)") == [(1,), (3,)]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM author_books(1)",
    "SELECT count(*) FROM author_books(1)",
    "SELECT count(*) FROM author_books",
])
def test_using_a_stale_declaration_says_why(stale, open_connections, sql):
    assert error_of(open_connections(), sql) == no_longer_fits(
        "author_books", 'to_table: no table or view named "books" in the main database')


def test_stale_many_to_many_says_why(stale, open_connections):
    assert error_of(open_connections(), "SELECT count(*) FROM book_tag_list(1)") == no_longer_fits(
        "book_tag_list", 'from_table: no table or view named "books" in the main database')


def test_stale_declaration_after_refresh_on_the_same_connection_says_why(stale, lib_file):
    lib_file.execute("SELECT theater_refresh()")
    assert error_of(lib_file, "SELECT count(*) FROM author_books(1)") == no_longer_fits(
        "author_books", 'to_table: no table or view named "books" in the main database')


def test_stale_declaration_can_be_removed_and_declared_again(stale, open_connections):
    later = open_connections()
    assert scalar(later, "SELECT theater_unrelate('author_books')") == 1
    later.executescript("CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id));"
                        "INSERT INTO books VALUES (1, 3);")
    relate(later, "author_books", "authors", "books")
    assert rows(later, "SELECT id FROM author_books(3)") == [(1,)]


# --- DIRECTONLY ------------------------------------------------------------------

@pytest.mark.parametrize("call, function", [
    ("theater_relate('via_view', 'authors', 'books')", "theater_relate"),
    ("theater_unrelate('author_books')", "theater_unrelate"),
    ("theater_refresh()", "theater_refresh"),
])
def test_writers_cannot_be_used_from_a_view(lib, call, function):
    lib.execute(f"CREATE VIEW v AS SELECT {call} AS x")
    before = snapshot(lib)
    assert error_of(lib, "SELECT * FROM v") == f"unsafe use of {function}()"
    assert snapshot(lib) == before


@pytest.mark.parametrize("call, function", [
    ("theater_relate('via_trigger', 'authors', 'books')", "theater_relate"),
    ("theater_unrelate('author_books')", "theater_unrelate"),
])
def test_writers_cannot_be_used_from_a_trigger(lib, call, function):
    relate(lib, "author_books", "authors", "books")
    lib.execute(f"CREATE TRIGGER t AFTER INSERT ON tags BEGIN SELECT {call}; END")
    before = snapshot(lib)
    assert error_of(lib, "INSERT INTO tags VALUES (10, 'new')") == f"unsafe use of {function}()"
    assert snapshot(lib) == before
    assert scalar(lib, "SELECT count(*) FROM tags WHERE id = 10") == 0


def test_a_declared_relationship_can_be_used_from_a_view(lib):
    relate(lib, "author_books", "authors", "books")
    lib.execute("CREATE VIEW borges AS SELECT title FROM author_books(1)")
    assert rows(lib, "SELECT * FROM borges") == [("The Aleph",), ("Labyrinths",), ("Ficciones",)]


# --- bad input -------------------------------------------------------------------

OBJECT = "theater_relate: options must be a JSON object such as '{\"column\": \"author_id\"}', not "
UNKNOWN = ("; the options are column, from_column, to_column, through_from, through_to, argument, direction, where, "
           "order_by, recursive, max_depth, view and on_remove")


def must_be_text(function, what):
    return f"{function}: {what} must be text"


def wrong_arity(function):
    return f"wrong number of arguments to function {function}()"


NON_TEXT = [("NULL", "NULL"), ("int", "1"), ("real", "1.5"), ("blob", "x'00ff'")]
NON_TEXT_NOT_NULL = [v for v in NON_TEXT if v[0] != "NULL"]

BAD_INPUT = (
    [(f"name[{n}]", f"SELECT theater_relate({v}, 'authors', 'books')", must_be_text("theater_relate", "name"))
     for n, v in NON_TEXT]
    + [(f"from[{n}]", f"SELECT theater_relate('x', {v}, 'books')", must_be_text("theater_relate", "from_table"))
       for n, v in NON_TEXT]
    + [(f"to[{n}]", f"SELECT theater_relate('x', 'authors', {v})", must_be_text("theater_relate", "to_table"))
       for n, v in NON_TEXT]
    # NULL is "none" for the through_table and the options (the five-argument form needs it)
    + [(f"through[{n}]", f"SELECT theater_relate('x', 'books', 'tags', {v})",
        must_be_text("theater_relate", "through_table")) for n, v in NON_TEXT_NOT_NULL]
    + [(f"options[{n}]", f"SELECT theater_relate('x', 'authors', 'books', NULL, {v})",
        must_be_text("theater_relate", "options")) for n, v in NON_TEXT_NOT_NULL]
    + [
        ("name['']", "SELECT theater_relate('', 'authors', 'books')", "theater_relate: invalid name '': the name is empty"),
        ("from['']", "SELECT theater_relate('x', '', 'books')",
         'theater_relate: from_table: no table or view named "" in the main database'),
        ("to['']", "SELECT theater_relate('x', 'authors', '')",
         'theater_relate: to_table: no table or view named "" in the main database'),
        ("through['']", "SELECT theater_relate('x', 'books', 'tags', '')",
         'theater_relate: through_table: no table or view named "" in the main database'),
        ("through[''] options", "SELECT theater_relate('x', 'authors', 'books', '', '{}')",
         'theater_relate: through_table: no table or view named "" in the main database'),
        ("options['']", "SELECT theater_relate('x', 'authors', 'books', NULL, '')", OBJECT + "''"),
        ("name NUL", "SELECT theater_relate('a' || char(0) || 'b', 'authors', 'books')",
         "theater_relate: name must not contain a NUL character"),
        ("from NUL", "SELECT theater_relate('x', 'authors' || char(0), 'books')",
         "theater_relate: from_table must not contain a NUL character"),
        # wrong arity
        ("relate()", "SELECT theater_relate()", wrong_arity("theater_relate")),
        ("relate(1)", "SELECT theater_relate('x')", wrong_arity("theater_relate")),
        ("relate(2)", "SELECT theater_relate('x', 'authors')", wrong_arity("theater_relate")),
        ("relate(6)", "SELECT theater_relate('x', 'authors', 'books', NULL, '{}', '{}')", wrong_arity("theater_relate")),
        ("unrelate()", "SELECT theater_unrelate()", wrong_arity("theater_unrelate")),
        ("unrelate(2)", "SELECT theater_unrelate('x', 'y')", wrong_arity("theater_unrelate")),
        ("refresh(1)", "SELECT theater_refresh(1)", wrong_arity("theater_refresh")),
        # bad JSON, as the fourth argument (options when it starts with {) and the fifth
        ("json4 {bad", "SELECT theater_relate('x', 'authors', 'books', '{bad')", OBJECT + "{bad"),
        ("json5 {bad", "SELECT theater_relate('x', 'authors', 'books', NULL, '{bad')", OBJECT + "{bad"),
        ("json5 trailing", "SELECT theater_relate('x', 'authors', 'books', NULL, '{} x')", OBJECT + "{} x"),
        ("json4 [1] is a table name", "SELECT theater_relate('x', 'authors', 'books', '[1]')",
         'theater_relate: through_table: no table or view named "[1]" in the main database'),
        ("json5 array", "SELECT theater_relate('x', 'authors', 'books', NULL, '[1]')", OBJECT + "[1]"),
        ("json5 string", "SELECT theater_relate('x', 'authors', 'books', NULL, '\"column\"')", OBJECT + '"column"'),
        ("json5 number", "SELECT theater_relate('x', 'authors', 'books', NULL, '1')", OBJECT + "1"),
        ("json5 null", "SELECT theater_relate('x', 'authors', 'books', NULL, 'null')", OBJECT + "null"),
        ("unknown key", "SELECT theater_relate('x', 'authors', 'books', '{\"colour\": \"red\"}')",
         'theater_relate: unknown option "colour"' + UNKNOWN),
        ("unknown key case", "SELECT theater_relate('x', 'authors', 'books', '{\"Column\": \"author_id\"}')",
         'theater_relate: unknown option "Column"' + UNKNOWN),
        ("unknown key quote", "SELECT theater_relate('x', 'authors', 'books', '{\"a\\\"b\": \"c\"}')",
         'theater_relate: unknown option "a\\"b"' + UNKNOWN),
        ("direction", "SELECT theater_relate('x', 'authors', 'books', '{\"direction\": \"sideways\"}')",
         'theater_relate: option "direction" must be "one-to-many" or "many-to-one", not "sideways"'),
    ]
    + [(f"value {key}={value}", f"SELECT theater_relate('x', 'authors', 'books', NULL, '{{\"{key}\": {value}}}')",
        f'theater_relate: option "{key}" must be a string')
       for key in ["column", "direction", "view", "where", "order_by"]
       for value in ["1", "null", "true", "[\"author_id\"]", "{\"a\": 1}"]]
    # The options that name columns take a string or, for a composite key,
    # an array of strings.
    + [(f"value {key}={value}", f"SELECT theater_relate('x', 'authors', 'books', NULL, '{{\"{key}\": {value}}}')",
        f'theater_relate: option "{key}" must {what}')
       for key in ["argument", "from_column", "to_column", "through_from", "through_to"]
       for value, what in [(v, "be a string or an array of strings")
                           for v in ["1", "null", "true", "[1]", "[\"a\", null]", "{\"a\": 1}"]]
                          + [("[]", "not be an empty array"), ("[\"\"]", "not be empty")]]
    + [(f"value recursive={value}", f"SELECT theater_relate('x', 'authors', 'books', NULL, '{{\"recursive\": {value}}}')",
        'theater_relate: option "recursive" must be true or false')
       for value in ["1", "null", "\"true\"", "[true]"]]
    + [(f"value max_depth={value}",
        f"SELECT theater_relate('x', 'authors', 'books', NULL, '{{\"recursive\": true, \"max_depth\": {value}}}')",
        f'theater_relate: option "max_depth" must be an integer of 1 or more, not {shown}')
       for value, shown in [("0", "0"), ("-1", "-1"), ("2.0", "2.0"), ("\"3\"", "3"), ("null", ""), ("true", "1"),
                            ("9e99", "9.0e+99")]]
    + [("max_depth alone", "SELECT theater_relate('x', 'authors', 'books', NULL, '{\"max_depth\": 2}')",
        'theater_relate: option "max_depth" needs "recursive": true')]
    + [(f"unrelate[{n}]", f"SELECT theater_unrelate({v})", must_be_text("theater_unrelate", "name"))
       for n, v in NON_TEXT]
)


@pytest.fixture
def declared(lib):
    """lib with one declaration, so theater_relationships exists to stay unchanged."""
    relate(lib, "author_books", "authors", "books")
    return lib


@pytest.mark.parametrize("sql, error", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_names_the_function_and_writes_nothing(declared, sql, error):
    before = snapshot(declared)
    changes = declared.total_changes
    assert error_of(declared, sql) == error
    assert snapshot(declared) == before
    assert declared.total_changes == changes
    assert error_of(declared, "SELECT * FROM x") == "no such table: x"


@pytest.mark.parametrize("sql, error", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_on_a_fresh_database_creates_nothing(lib, sql, error):
    before = snapshot(lib)
    assert error_of(lib, sql) == error
    assert snapshot(lib) == before


@pytest.mark.parametrize("options", ["{}", "{ }", '{"argument": "author_id"}'])
def test_empty_or_redundant_options_are_accepted(lib, options):
    assert relate(lib, "x", "authors", "books", None, options).startswith("x(author_id): one-to-many")


def test_unrelate_of_an_empty_or_unknown_name_is_0(declared):
    before = snapshot(declared)
    assert scalar(declared, "SELECT theater_unrelate('')") == 0
    assert scalar(declared, "SELECT theater_unrelate('x; DROP TABLE books')") == 0
    assert snapshot(declared) == before


# --- the index the seek uses ------------------------------------------------------

BIG = 20_000


def big_library(conn, with_index):
    conn.executescript("""
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id));
    """)
    if with_index:
        conn.execute("CREATE INDEX books_by_author ON books(author_id)")
    conn.executemany("INSERT INTO authors VALUES (?, ?)", [(i, f"author {i}") for i in range(1, 1001)])
    conn.executemany("INSERT INTO books VALUES (?, ?, ?)",
                     [(i, f"book {i}", (i * 7919) % 1000 + 1) for i in range(1, BIG + 1)])


@pytest.fixture
def bare():
    c = bare_connection()
    yield c
    c.close()


def inner_plans(conn, run):
    """Runs run(); the EXPLAIN QUERY PLAN details of the statements the
    extension prepared for it."""
    before = set(extension_statements(conn, set()))
    run()
    # The lookups that check the declaration is still the stored one, and
    # the schema it was resolved from (a probe of sqlite_master that reads
    # no row), are not the relationship's own query.
    new = [sql for sql in extension_statements(conn, set())
           if sql not in before and "FROM main.theater_relationships" not in sql
           and not sql.startswith("PRAGMA") and sql != "SELECT 1 FROM main.sqlite_master WHERE 0"]
    return {sql: " / ".join(plan_details(conn, sql, (1,) if "?1" in sql else ())) for sql in new}


def children_and_parent(plans):
    """The plans of a one-to-many seek by an INTEGER foreign key: its own
    query of books, and the lookup of the author's key (once per key: a key
    that names no author has no books, as in the join)."""
    assert len(plans) == 2, plans
    parent = [plan for sql, plan in plans.items() if 'FROM main."authors"' in sql and "books" not in sql]
    children = [plan for sql, plan in plans.items() if 'FROM main."books"' in sql and "authors" not in sql]
    assert parent == ["SEARCH s USING INTEGER PRIMARY KEY (rowid>?)"], plans
    assert len(children) == 1, plans
    return children[0], parent[0]


def test_with_the_index_the_summary_names_it_and_the_seek_uses_it(bare):
    big_library(bare, with_index=True)
    assert relate(bare, "author_books", "authors", "books").endswith("; seeks use the index books_by_author")
    expected = rows(bare, "SELECT id, title FROM books WHERE author_id = 17 ORDER BY rowid")
    plans = inner_plans(bare, lambda: rows(bare, "SELECT * FROM author_books(17)"))
    assert rows(bare, "SELECT * FROM author_books(17)") == expected and len(expected) == BIG // 1000
    assert children_and_parent(plans)[0].startswith("SEARCH t USING INDEX books_by_author"), plans


def test_with_the_index_a_join_seeks_every_author(bare):
    big_library(bare, with_index=True)
    relate(bare, "author_books", "authors", "books")
    got = rows(bare, "SELECT a.id, b.id FROM authors a, author_books(a.id) b")
    assert got == rows(bare, "SELECT a.id, b.id FROM authors a JOIN books b ON b.author_id = a.id ORDER BY a.id, b.id")
    counters = extension_statements(bare, set(), "nscan")
    assert counters and set(counters.values()) == {0}, counters


def test_without_the_index_the_summary_says_so_and_the_seek_scans(bare):
    big_library(bare, with_index=False)
    assert relate(bare, "author_books", "authors", "books").endswith(
        '; no index on books(author_id), so every call scans books: CREATE INDEX "books_author_id" ON "books"("author_id") to seek')
    plans = inner_plans(bare, lambda: rows(bare, "SELECT * FROM author_books(17)"))
    assert children_and_parent(plans)[0].startswith("SCAN t"), plans
    assert rows(bare, "SELECT * FROM author_books(17)") == rows(
        bare, "SELECT id, title FROM books WHERE author_id = 17 ORDER BY rowid")


def test_many_to_one_seeks_by_the_primary_key(bare):
    big_library(bare, with_index=False)
    assert relate(bare, "book_author", "books", "authors").endswith("; seeks use the primary key of books")
    plans = inner_plans(bare, lambda: rows(bare, "SELECT * FROM book_author(17)"))
    assert len(plans) == 1 and "SCAN" not in next(iter(plans.values())), plans
    assert rows(bare, "SELECT * FROM book_author(17)") == [(17 * 7919 % 1000 + 1, f"author {17 * 7919 % 1000 + 1}")]


# ---- writers inside a statement that writes -------------------------------------

@pytest.mark.parametrize("call", [
    "theater_relate('author_books', 'authors', 'books')",
    "theater_unrelate('author_books')",
    "theater_enforce_foreign_keys('books')",
    "theater_migrate()",
])
@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "in BEGIN"])
def test_a_writer_inside_a_writing_statement_says_to_run_it_on_its_own(call, in_transaction):
    conn = connect()
    conn.executescript(SCHEMA + DATA + "CREATE TABLE log (s);")
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    before = list(conn.iterdump())
    if in_transaction:
        conn.execute("BEGIN")
    function = call.split("(")[0]
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute(f"INSERT INTO log SELECT {call}")
    assert str(caught.value) == (f"{function}: it writes, so it cannot run inside a statement that "
                                 f"writes; run it as a statement of its own: SELECT {function}(...)")
    if in_transaction:
        conn.execute("COMMIT")
    assert list(conn.iterdump()) == before
    # As a statement of its own it works.
    conn.execute(f"SELECT {call}")
