"""INSERT and DELETE through a declared relationship (issue 16;
docs/model-layer.md, "Writes: INSERT and DELETE through a relationship";
shared/spec/model-layer.md, "Writes").

Every write is checked by what it changes in the real tables: a snapshot of
every table before and after the statement, compared as multisets of rows
(`changes`), so a test states exactly the rows a write adds and removes and
that nothing else moved. A refusal is checked the same way: an error naming
the relationship and its key phrase, and no change at all. Error texts are
matched loosely (the relationship's name and a phrase), since their exact
wording is not part of the contract.

The parts: what each kind of write does (one-to-many, one-to-one,
many-to-many; INTEGER, TEXT and composite keys; filters), the rowid and
last_insert_rowid(), refusals, constraints of the real tables, all-or-nothing
statements, and trust (PRAGMA trusted_schema).
tests/test_relationship_writes_orm.py compares the same writes with
SQLAlchemy's collections."""
import collections
import dataclasses
import json
import sqlite3

import pytest

from conftest import connect, scalar


# --- schemas -------------------------------------------------------------------

# Seed 001's library with its "Alter it" additions (publishers, tags), a
# DEFAULT, a CHECK and a UNIQUE column on books, and a book without author.
LIBRARY = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE publishers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (
  id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER CHECK (year > 0),
  status TEXT NOT NULL DEFAULT 'in print',
  author_id INTEGER REFERENCES authors (id),
  publisher_id INTEGER REFERENCES publishers (id),
  isbn TEXT UNIQUE);
CREATE INDEX books_author ON books (author_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE book_tag_links (
  book_id INTEGER REFERENCES books (id) ON DELETE CASCADE,
  tag_id INTEGER REFERENCES tags (id) ON DELETE CASCADE);
CREATE INDEX book_tag_links_book ON book_tag_links (book_id);
CREATE TABLE covers (id INTEGER PRIMARY KEY, book_id INTEGER UNIQUE REFERENCES books (id), color TEXT);
CREATE TABLE chapters (book_id INTEGER REFERENCES books (id), title TEXT);
CREATE INDEX chapters_book ON chapters (book_id);
CREATE TABLE reviews (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books (id), stars INTEGER);
CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, manager_id INTEGER REFERENCES staff (id));
CREATE VIEW recent_books AS SELECT id, title, year, author_id FROM books WHERE year > 2010;
INSERT INTO authors VALUES (1, 'David Thomas'), (2, 'Robert C. Martin'), (3, 'Luciano Ramalho');
INSERT INTO publishers VALUES (1, 'Addison-Wesley'), (2, 'Prentice Hall');
INSERT INTO books (id, title, year, author_id, publisher_id, isbn) VALUES
  (1, 'The Pragmatic Programmer', 1999, 1, 1, '978-0201616224'),
  (2, 'Programming Pearls', 2000, 1, 1, NULL),
  (3, 'Clean Code', 2008, 2, 2, '978-0132350884'),
  (4, 'Clean Architecture', 2017, 2, 2, NULL),
  (5, 'The Clean Coder', 2011, 2, NULL, NULL),
  (6, 'Fluent Python', 2015, 3, NULL, NULL),
  (7, 'Fluent Python 2nd Ed', 2022, 3, NULL, NULL),
  (8, 'Clean Anonymous', 2020, NULL, NULL, NULL);
INSERT INTO tags VALUES (1, 'programming'), (2, 'python'), (3, 'design');
INSERT INTO book_tag_links VALUES (1, 1), (3, 1), (3, 3), (6, 2);
INSERT INTO covers VALUES (1, 3, 'blue');
INSERT INTO chapters VALUES (1, 'A Pragmatic Philosophy'), (3, 'Meaningful Names'), (1, 'A Pragmatic Approach'),
                            (3, 'Functions');
INSERT INTO reviews VALUES (1, 3, 5);
INSERT INTO staff VALUES (1, 'Taylor', NULL), (2, 'Tristan', 1), (3, 'Sasha', 2);
"""

ANN = "7f1c9c1e-0b7a-4c47-9d3e-2b1f5d0c6a11"
BOB = "0d3b6a52-8e1f-4a5b-b2c9-6f7e8d9a0b12"

# TEXT keys (docs' members and notes), a foreign key to a UNIQUE column, and a
# many-to-many whose keys are TEXT.
MEMBERS = f"""
CREATE TABLE members (id TEXT PRIMARY KEY, email TEXT UNIQUE, name TEXT);
CREATE TABLE notes (id TEXT PRIMARY KEY, member_id TEXT REFERENCES members (id), body TEXT,
                    pinned INTEGER DEFAULT 0, written TEXT);
CREATE INDEX notes_member ON notes (member_id);
CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT REFERENCES members (email), text TEXT);
CREATE TABLE clubs (code TEXT PRIMARY KEY, title TEXT, slug TEXT UNIQUE);
CREATE TABLE memberships (member_id TEXT REFERENCES members (id), club_code TEXT REFERENCES clubs (code));
CREATE INDEX memberships_member ON memberships (member_id);
CREATE TABLE subscriptions (member_email TEXT REFERENCES members (email), club_slug TEXT REFERENCES clubs (slug));
CREATE VIEW pinned_notes AS SELECT id, member_id, body FROM notes WHERE pinned;
INSERT INTO members VALUES ('{ANN}', 'ann@example.org', 'Ann'), ('{BOB}', 'bob@example.org', 'Bob');
INSERT INTO notes VALUES ('n1', '{ANN}', 'Buy milk', 0, '2026-11-02'),
                         ('n2', '{BOB}', 'Call Ann', 1, '2026-11-03'),
                         ('n3', '{ANN}', 'Fix the bike', 1, '2026-11-04');
INSERT INTO messages VALUES (1, 'bob@example.org', 'hello');
INSERT INTO clubs VALUES ('chess', 'Chess club', 'chess-club'), ('choir', 'Choir', 'the-choir');
INSERT INTO memberships VALUES ('{BOB}', 'choir'), ('{BOB}', 'chess');
INSERT INTO subscriptions VALUES ('bob@example.org', 'the-choir');
"""

# Composite keys: a WITHOUT ROWID source with a two-column key (the docs'
# enrolments and marks), and a many-to-many to a target with a two-column key.
COMPOSITE = """
CREATE TABLE students (name TEXT PRIMARY KEY);
CREATE TABLE enrolments (student TEXT REFERENCES students (name), course TEXT, term TEXT,
                         PRIMARY KEY (student, course)) WITHOUT ROWID;
CREATE TABLE marks (id INTEGER PRIMARY KEY, student TEXT, course TEXT, mark INTEGER,
                    FOREIGN KEY (student, course) REFERENCES enrolments (student, course));
CREATE INDEX marks_enrolment ON marks (student, course);
CREATE TABLE posters (id INTEGER PRIMARY KEY, title TEXT);
CREATE TABLE labels (ns TEXT, name TEXT, colour TEXT, PRIMARY KEY (ns, name));
CREATE TABLE poster_labels (poster_id INTEGER REFERENCES posters (id), ns TEXT, name TEXT,
                            FOREIGN KEY (ns, name) REFERENCES labels (ns, name));
CREATE INDEX poster_labels_poster ON poster_labels (poster_id);
CREATE TABLE fixed_links (poster_id INTEGER REFERENCES posters (id), ns TEXT, name TEXT,
                          FOREIGN KEY (ns, name) REFERENCES labels (ns, name),
                          PRIMARY KEY (poster_id, ns, name)) WITHOUT ROWID;
INSERT INTO students VALUES ('sam'), ('kim');
INSERT INTO enrolments VALUES ('sam', 'sql101', 'spring'), ('sam', 'orm201', 'fall'), ('kim', 'sql101', 'spring');
INSERT INTO marks (student, course, mark) VALUES ('sam', 'sql101', 91), ('sam', 'orm201', 78), ('sam', 'sql101', 84);
INSERT INTO posters VALUES (1, 'Metropolis'), (2, 'Solaris');
INSERT INTO labels VALUES ('genre', 'scifi', 'blue'), ('genre', 'noir', 'black'), ('era', '1920s', 'sepia');
INSERT INTO poster_labels VALUES (1, 'genre', 'scifi'), (1, 'era', '1920s');
"""

# A target with a generated column.
GENERATED = """
CREATE TABLE makers (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE products (id INTEGER PRIMARY KEY, maker_id INTEGER REFERENCES makers (id), price REAL,
                       cents INTEGER GENERATED ALWAYS AS (CAST(round(price * 100) AS INTEGER)) VIRTUAL);
INSERT INTO makers VALUES (1, 'Acme');
INSERT INTO products (id, maker_id, price) VALUES (1, 1, 2.5);
"""

# Names that need quoting everywhere.
QUOTED = '''
CREATE TABLE "order" ("select" INTEGER PRIMARY KEY, "from" TEXT);
CREATE TABLE "line items" (id INTEGER PRIMARY KEY, "order ref" INTEGER REFERENCES "order" ("select"),
                           "group" TEXT, "it's" INTEGER DEFAULT 7);
CREATE TABLE "odd ""tags""" (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE "odd links" ("line" INTEGER REFERENCES "line items" (id), "tag" INTEGER REFERENCES "odd ""tags""" (id));
INSERT INTO "order" VALUES (1, 'shop'), (2, 'web');
INSERT INTO "line items" VALUES (1, 1, 'a', 1), (2, 2, 'b', 2);
INSERT INTO "odd ""tags""" VALUES (1, 'x'), (2, 'y');
INSERT INTO "odd links" VALUES (1, 1);
'''

SCHEMAS = {"library": LIBRARY, "members": MEMBERS, "composite": COMPOSITE, "generated": GENERATED, "quoted": QUOTED}


# --- helpers -------------------------------------------------------------------

def relate(name, from_table, to_table, through=None, **options):
    """The SQL of a declaration, in the form docs/model-layer.md shows."""
    args = [name, from_table, to_table]
    if options:
        args += [through, json.dumps(options)]
    elif through is not None:
        args.append(through)
    text = ", ".join("NULL" if a is None else "'" + a.replace("'", "''") + "'" for a in args)
    return f"SELECT theater_relate({text})"


AUTHOR_BOOKS = relate("author_books", "authors", "books")
AUTHOR_BOOKS_ORPHAN = relate("author_books", "authors", "books", on_remove="orphan")
BOOK_TAGS = relate("book_tag_list", "books", "tags", "book_tag_links")
TAG_BOOKS = relate("tag_books", "tags", "books", "book_tag_links")
MEMBER_NOTES = relate("member_notes", "members", "notes")
MEMBER_CLUBS = relate("member_clubs", "members", "clubs", "memberships")
ENROLMENT_MARKS = relate("enrolment_marks", "enrolments", "marks")
POSTER_LABELS = relate("poster_label_list", "posters", "labels", "poster_labels")


def open_db(schema, setup=()):
    """An in-memory database with the extension, `schema` and the `setup`
    statements (declarations, pragmas, triggers), one by one."""
    conn = connect()
    conn.executescript(SCHEMAS[schema])
    for statement in setup:
        conn.execute(statement).fetchall()
    return conn


def snapshot(conn):
    """Every table's rows (not the extension's own), as multisets."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'theater\\_%' ESCAPE '\\' ORDER BY name")]
    return {n: collections.Counter(conn.execute(f"SELECT * FROM {quoted(n)}").fetchall()) for n in names}


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def changes(before, after):
    """{table: (rows removed, rows added)}, each sorted; tables without change left out."""
    out = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, collections.Counter()), after.get(name, collections.Counter())
        removed, added = sorted((old - new).elements(), key=repr), sorted((new - old).elements(), key=repr)
        if removed or added:
            out[name] = (removed, added)
    return out


def run(conn, sql, params=()):
    """Runs a write; returns what it changed."""
    before = snapshot(conn)
    conn.execute(sql, params).fetchall()
    return changes(before, snapshot(conn))


def matches(message, phrase):
    """phrase: a string, or a tuple of alternatives; case-insensitive."""
    alternatives = phrase if isinstance(phrase, tuple) else (phrase,)
    return any(a.lower() in message.lower() for a in alternatives)


def refused(conn, sql, params=(), phrases=(), prefix=None):
    """Runs a statement that must fail, change nothing, and say each phrase
    (and start with `prefix` when given). Returns the message."""
    before = snapshot(conn)
    with pytest.raises(sqlite3.Error) as info:
        conn.execute(sql, params).fetchall()
    message = str(info.value)
    for phrase in phrases:
        assert matches(message, phrase), (phrase, message)
    if prefix is not None:
        assert message.startswith(prefix), (prefix, message)
    assert changes(before, snapshot(conn)) == {}, message
    return message


def book(id, title, year, author_id, publisher_id=None, isbn=None, status="in print"):
    return (id, title, year, status, author_id, publisher_id, isbn)


BOOKS = {b[0]: b for b in [
    book(1, "The Pragmatic Programmer", 1999, 1, 1, "978-0201616224"),
    book(2, "Programming Pearls", 2000, 1, 1),
    book(3, "Clean Code", 2008, 2, 2, "978-0132350884"),
    book(4, "Clean Architecture", 2017, 2, 2),
    book(5, "The Clean Coder", 2011, 2),
    book(6, "Fluent Python", 2015, 3),
    book(7, "Fluent Python 2nd Ed", 2022, 3),
    book(8, "Clean Anonymous", 2020, None),
]}


def with_author(book_id, author_id):
    b = BOOKS[book_id]
    return b[:4] + (author_id,) + b[5:]


def added(table, *rows):
    return {table: ([], sorted(rows, key=repr))}


def removed(table, *rows):
    return {table: (sorted(rows, key=repr), [])}


def replaced(table, old, new):
    return {table: ([old], [new])}


# --- what each write does ---------------------------------------------------------

@dataclasses.dataclass
class Write:
    id: str
    schema: str
    setup: tuple
    sql: str
    params: tuple
    expect: dict  # changes()

    def __str__(self):
        return self.id


WRITES = [
    # one-to-many: INSERT a new child
    Write("o2m-insert-new-child", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title, year) VALUES (1, 'Dune', 1965)", (),
          added("books", book(9, "Dune", 1965, 1))),
    Write("o2m-insert-left-out-takes-default", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title) VALUES (3, 'Untitled')", (),
          added("books", book(9, "Untitled", None, 3))),
    Write("o2m-insert-null-takes-default", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title, year, status) VALUES (3, 'Untitled', NULL, NULL)", (),
          added("books", book(9, "Untitled", None, 3))),
    Write("o2m-insert-every-column", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, id, title, year, status, publisher_id, isbn) "
          "VALUES (2, 40, 'Agile Software Development', 2002, 'out of print', 2, '978-0135974445')", (),
          added("books", book(40, "Agile Software Development", 2002, 2, 2, "978-0135974445", "out of print"))),
    Write("o2m-insert-the-argument-by-name", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(title, author_id) VALUES (?, ?)", ("Dune", 2),
          added("books", book(9, "Dune", None, 2))),
    Write("o2m-insert-into-a-table-without-key", "library", (relate("book_chapters", "books", "chapters"),),
          "INSERT INTO book_chapters(book_id, title) VALUES (2, 'Cracking the Oyster')", (),
          added("chapters", (2, "Cracking the Oyster"))),
    # the target's key alone re-parents only a row that exists; naming none, it is a new row
    Write("o2m-key-alone-naming-no-row-inserts-it", "library", (relate("book_cover", "books", "covers"),),
          "INSERT INTO book_cover(book_id, id) VALUES (1, 50)", (),
          added("covers", (50, 1, None))),
    Write("o2m-insert-several-rows", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title) VALUES (1, 'A'), (3, 'B')", (),
          added("books", book(9, "A", None, 1), book(10, "B", None, 3))),
    Write("o2m-insert-select", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title) SELECT id, name || ' memoir' FROM authors WHERE id > 1", (),
          added("books", book(9, "Robert C. Martin memoir", None, 2), book(10, "Luciano Ramalho memoir", None, 3))),
    Write("one-to-one-insert", "library", (relate("book_cover", "books", "covers"),),
          "INSERT INTO book_cover(book_id, color) VALUES (1, 'red')", (),
          added("covers", (2, 1, "red"))),
    Write("o2m-insert-argument-as-text-names-the-integer-key", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title) VALUES ('1', 'Dune')", (),  # the key comes from authors' row
          added("books", book(9, "Dune", None, 1))),
    Write("o2m-insert-renamed-argument", "library", (relate("writer_books", "authors", "books", argument="writer"),),
          "INSERT INTO writer_books(writer, title) VALUES (2, 'Dune')", (),
          added("books", book(9, "Dune", None, 2))),
    Write("o2m-insert-by-the-named-column", "library",
          (relate("publisher_books", "publishers", "books", column="publisher_id", argument="publisher"),),
          "INSERT INTO publisher_books(publisher, title, author_id) VALUES (2, 'Dune', 1)", (),
          added("books", book(9, "Dune", None, 1, 2))),
    Write("o2m-insert-select-from-the-relationship-itself", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, title) SELECT 3, title || ' (copy)' FROM author_books(1)", (),
          added("books", book(9, "The Pragmatic Programmer (copy)", None, 3),
                book(10, "Programming Pearls (copy)", None, 3))),
    Write("quoted-names-o2m-insert", "quoted", (relate("order_lines", "order", "line items"),),
          'INSERT INTO order_lines("order ref", "group") VALUES (2, \'c\')', (),
          added("line items", (3, 2, "c", 7))),
    Write("quoted-names-o2m-delete-orphan", "quoted", (relate("order_lines", "order", "line items",
                                                              on_remove="orphan"),),
          'DELETE FROM order_lines WHERE "order ref" = 1', (),
          replaced("line items", (1, 1, "a", 1), (1, None, "a", 1))),
    Write("quoted-names-m2m-insert", "quoted", (relate("line_tags", "line items", "odd \"tags\"", "odd links"),),
          "INSERT INTO line_tags(line, id) VALUES (2, 2)", (),
          added("odd links", (2, 2))),
    # one-to-many: re-parent with the target's key alone
    Write("o2m-reparent", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, id) VALUES (2, 7)", (),
          replaced("books", BOOKS[7], with_author(7, 2))),
    Write("o2m-reparent-other-columns-given-as-null-are-left-out", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, id, title, year) VALUES (2, 7, NULL, NULL)", (),
          replaced("books", BOOKS[7], with_author(7, 2))),
    Write("o2m-reparent-a-parentless-row", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, id) VALUES (1, 8)", (),
          replaced("books", BOOKS[8], with_author(8, 1))),
    Write("o2m-reparent-to-the-same-parent-changes-nothing", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, id) VALUES (3, 7)", (), {}),
    Write("o2m-reparent-every-child-by-insert-select", "library", (AUTHOR_BOOKS,),
          "INSERT INTO author_books(author_id, id) SELECT 3, id FROM author_books(2)", (),
          {"books": (sorted([BOOKS[3], BOOKS[4], BOOKS[5]], key=repr),
                     sorted([with_author(3, 3), with_author(4, 3), with_author(5, 3)], key=repr))}),
    Write("o2m-reparent-orphan-relationship-too", "library", (AUTHOR_BOOKS_ORPHAN,),
          "INSERT INTO author_books(author_id, id) VALUES (1, 3)", (),
          replaced("books", BOOKS[3], with_author(3, 1))),
    # one-to-many: DELETE
    Write("o2m-delete-deletes-the-child", "library", (AUTHOR_BOOKS,),
          "DELETE FROM author_books WHERE author_id = 2 AND id = 4", (),
          removed("books", BOOKS[4])),
    Write("o2m-delete-every-child-of-a-source", "library", (AUTHOR_BOOKS,),
          "DELETE FROM author_books WHERE author_id = 2", (),
          removed("books", BOOKS[3], BOOKS[4], BOOKS[5])),
    Write("o2m-delete-only-the-relationships-rows", "library", (AUTHOR_BOOKS,),
          "DELETE FROM author_books WHERE title LIKE 'Clean%'", (),  # book 8 has no author: not a row of it
          removed("books", BOOKS[3], BOOKS[4])),
    Write("o2m-delete-every-row", "library", (AUTHOR_BOOKS,),
          "DELETE FROM author_books", (),  # book 8, without author, is no row of it
          removed("books", *[BOOKS[i] for i in range(1, 8)])),
    Write("o2m-delete-by-a-subquery", "library", (AUTHOR_BOOKS,),
          "DELETE FROM author_books WHERE author_id IN (SELECT id FROM authors WHERE name LIKE 'Robert%')", (),
          removed("books", BOOKS[3], BOOKS[4], BOOKS[5])),
    Write("o2m-delete-another-sources-child-changes-nothing", "library", (AUTHOR_BOOKS,),
          "DELETE FROM author_books WHERE author_id = 1 AND id = 6", (), {}),
    Write("o2m-delete-orphan-sets-the-key-null", "library", (AUTHOR_BOOKS_ORPHAN,),
          "DELETE FROM author_books WHERE author_id = 2 AND id = 4", (),
          replaced("books", BOOKS[4], with_author(4, None))),
    Write("o2m-delete-orphan-every-child", "library", (AUTHOR_BOOKS_ORPHAN,),
          "DELETE FROM author_books WHERE author_id = 1", (),
          {"books": (sorted([BOOKS[1], BOOKS[2]], key=repr),
                     sorted([with_author(1, None), with_author(2, None)], key=repr))}),
    Write("o2m-delete-with-a-filter-reaches-only-its-rows", "library",
          (relate("new_books", "authors", "books", where="year > 2010"),),
          "DELETE FROM new_books WHERE author_id = 2", (),
          removed("books", BOOKS[4], BOOKS[5])),
    Write("o2m-delete-in-a-table-without-key", "library", (relate("book_chapters", "books", "chapters"),),
          "DELETE FROM book_chapters WHERE book_id = 1", (),
          removed("chapters", (1, "A Pragmatic Philosophy"), (1, "A Pragmatic Approach"))),
    Write("o2m-delete-cascades-with-foreign-keys-on", "library", ("PRAGMA foreign_keys = ON", AUTHOR_BOOKS),
          "DELETE FROM author_books WHERE author_id = 3 AND id = 6", (),
          {**removed("books", BOOKS[6]), **removed("book_tag_links", (6, 2))}),
    # many-to-many
    Write("m2m-insert-adds-a-link", "library", (BOOK_TAGS,),
          "INSERT INTO book_tag_list(book_id, id) VALUES (2, 3)", (),
          added("book_tag_links", (2, 3))),
    Write("m2m-insert-duplicate-link", "library", (BOOK_TAGS,),
          "INSERT INTO book_tag_list(book_id, id) VALUES (3, 1)", (),
          added("book_tag_links", (3, 1))),
    Write("m2m-insert-another-column-given-as-null-is-left-out", "library", (BOOK_TAGS,),
          "INSERT INTO book_tag_list(book_id, id, name) VALUES (2, 3, NULL)", (),
          added("book_tag_links", (2, 3))),
    Write("m2m-insert-several-links", "library", (BOOK_TAGS,),
          "INSERT INTO book_tag_list(book_id, id) VALUES (7, 2), (7, 1)", (),
          added("book_tag_links", (7, 2), (7, 1))),
    Write("m2m-insert-from-the-other-side", "library", (TAG_BOOKS,),
          "INSERT INTO tag_books(tag_id, id) VALUES (2, 7)", (),
          added("book_tag_links", (7, 2))),
    Write("m2m-insert-link-columns-take-their-defaults", "library",
          ("CREATE TABLE rated_links (book_id INTEGER REFERENCES books (id), tag_id INTEGER REFERENCES tags (id), "
           "weight INTEGER DEFAULT 1, note TEXT)",
           relate("book_rated_tags", "books", "tags", "rated_links")),
          "INSERT INTO book_rated_tags(book_id, id) VALUES (5, 3)", (),
          added("rated_links", (5, 3, 1, None))),
    Write("m2m-delete-every-link", "library", (BOOK_TAGS,),
          "DELETE FROM book_tag_list", (),
          removed("book_tag_links", (1, 1), (3, 1), (3, 3), (6, 2))),
    Write("m2m-delete-removes-the-link-only", "library", (BOOK_TAGS,),
          "DELETE FROM book_tag_list WHERE book_id = 3 AND id = 1", (),
          removed("book_tag_links", (3, 1))),
    Write("m2m-delete-every-link-of-a-source", "library", (BOOK_TAGS,),
          "DELETE FROM book_tag_list WHERE book_id = 3", (),
          removed("book_tag_links", (3, 1), (3, 3))),
    Write("m2m-delete-by-a-target-column", "library", (BOOK_TAGS,),
          "DELETE FROM book_tag_list WHERE name = 'programming'", (),
          removed("book_tag_links", (1, 1), (3, 1))),
    Write("m2m-delete-from-the-other-side", "library", (TAG_BOOKS,),
          "DELETE FROM tag_books WHERE tag_id = 1 AND id = 3", (),
          removed("book_tag_links", (3, 1))),
    Write("m2m-insert-meeting-the-filter", "library",
          (relate("book_topics", "books", "tags", "book_tag_links", where="name <> 'python'"),),
          "INSERT INTO book_topics(book_id, id) VALUES (2, 3)", (),  # the filter reads the tag's row
          added("book_tag_links", (2, 3))),
    # filters on one-to-many
    Write("o2m-insert-meeting-the-filter", "library",
          (relate("new_books", "authors", "books", where="year > 2010"),),
          "INSERT INTO new_books(author_id, title, year) VALUES (1, 'Later', 2020)", (),
          added("books", book(9, "Later", 2020, 1))),
    # TEXT keys
    Write("text-o2m-insert", "members", (MEMBER_NOTES,),
          "INSERT INTO member_notes(member_id, id, body) VALUES (?, 'n4', 'Water plants')", (BOB,),
          added("notes", ("n4", BOB, "Water plants", 0, None))),
    Write("text-o2m-reparent", "members", (MEMBER_NOTES,),
          "INSERT INTO member_notes(member_id, id) VALUES (?, 'n1')", (BOB,),
          replaced("notes", ("n1", ANN, "Buy milk", 0, "2026-11-02"), ("n1", BOB, "Buy milk", 0, "2026-11-02"))),
    Write("text-o2m-delete", "members", (MEMBER_NOTES,),
          "DELETE FROM member_notes WHERE member_id = ? AND id = 'n3'", (ANN,),
          removed("notes", ("n3", ANN, "Fix the bike", 1, "2026-11-04"))),
    Write("text-o2m-delete-orphan", "members", (relate("member_notes", "members", "notes", on_remove="orphan"),),
          "DELETE FROM member_notes WHERE member_id = ?", (BOB,),
          replaced("notes", ("n2", BOB, "Call Ann", 1, "2026-11-03"), ("n2", None, "Call Ann", 1, "2026-11-03"))),
    Write("unique-column-key-is-set-from-the-source-row", "members",
          (relate("member_messages", "members", "messages"),),
          # the argument (members_id) is members' key; the key column set is messages.sender, from members.email
          "INSERT INTO member_messages(members_id, text) VALUES (?, 'hi')", (ANN,),
          added("messages", (2, "ann@example.org", "hi"))),
    Write("text-m2m-insert", "members", (MEMBER_CLUBS,),
          "INSERT INTO member_clubs(member_id, code) VALUES (?, 'chess')", (ANN,),
          added("memberships", (ANN, "chess"))),
    # the link's columns refer to UNIQUE columns: the link row holds those, from the two rows named by their keys
    Write("unique-columns-m2m-insert", "members", (relate("member_subs", "members", "clubs", "subscriptions"),),
          "INSERT INTO member_subs(members_id, code) VALUES (?, 'chess')", (ANN,),
          added("subscriptions", ("ann@example.org", "chess-club"))),
    Write("unique-columns-m2m-delete", "members", (relate("member_subs", "members", "clubs", "subscriptions"),),
          "DELETE FROM member_subs WHERE members_id = ? AND code = 'choir'", (BOB,),
          removed("subscriptions", ("bob@example.org", "the-choir"))),
    Write("text-m2m-delete", "members", (MEMBER_CLUBS,),
          "DELETE FROM member_clubs WHERE member_id = ? AND code = 'choir'", (BOB,),
          removed("memberships", (BOB, "choir"))),
    # composite keys
    Write("composite-o2m-insert", "composite", (ENROLMENT_MARKS,),
          "INSERT INTO enrolment_marks(student, course, mark) VALUES ('kim', 'sql101', 70)", (),
          added("marks", (4, "kim", "sql101", 70))),
    Write("composite-o2m-reparent", "composite", (ENROLMENT_MARKS,),
          "INSERT INTO enrolment_marks(student, course, id) VALUES ('sam', 'orm201', 1)", (),
          replaced("marks", (1, "sam", "sql101", 91), (1, "sam", "orm201", 91))),
    Write("composite-o2m-delete", "composite", (ENROLMENT_MARKS,),
          "DELETE FROM enrolment_marks WHERE student = 'sam' AND course = 'sql101'", (),
          removed("marks", (1, "sam", "sql101", 91), (3, "sam", "sql101", 84))),
    Write("composite-o2m-delete-orphan", "composite", (relate("enrolment_marks", "enrolments", "marks",
                                                             on_remove="orphan"),),
          "DELETE FROM enrolment_marks WHERE student = 'sam' AND course = 'orm201'", (),
          replaced("marks", (2, "sam", "orm201", 78), (2, None, None, 78))),
    Write("composite-m2m-insert", "composite", (POSTER_LABELS,),
          "INSERT INTO poster_label_list(poster_id, ns, name) VALUES (2, 'genre', 'scifi')", (),
          added("poster_labels", (2, "genre", "scifi"))),
    Write("composite-m2m-delete", "composite", (POSTER_LABELS,),
          "DELETE FROM poster_label_list WHERE poster_id = 1 AND ns = 'era'", (),
          removed("poster_labels", (1, "era", "1920s"))),
    # a generated column is computed, not given
    Write("generated-column-is-computed", "generated", (relate("maker_products", "makers", "products"),),
          "INSERT INTO maker_products(maker_id, price) VALUES (1, 4.25)", (),
          added("products", (2, 1, 4.25, 425))),
]


@pytest.mark.parametrize("case", WRITES, ids=str)
def test_write_changes_exactly_its_rows(case):
    conn = open_db(case.schema, case.setup)
    assert run(conn, case.sql, case.params) == case.expect


def test_an_inserted_child_is_a_row_of_the_relationship():
    conn = open_db("library", (AUTHOR_BOOKS,))
    conn.execute("INSERT INTO author_books(author_id, title, year) VALUES (1, 'Dune', 1965)")
    assert conn.execute("SELECT id, title FROM author_books(1)").fetchall() == [
        (1, "The Pragmatic Programmer"), (2, "Programming Pearls"), (9, "Dune")]


def test_an_inserted_link_is_a_row_of_the_relationship():
    conn = open_db("library", (BOOK_TAGS,))
    conn.execute("INSERT INTO book_tag_list(book_id, id) VALUES (3, 2)")
    conn.execute("INSERT INTO book_tag_list(book_id, id) VALUES (3, 1)")
    assert conn.execute("SELECT id, name FROM book_tag_list(3)").fetchall() == [
        (1, "programming"), (3, "design"), (2, "python"), (1, "programming")]


def test_a_removed_link_leaves_the_target_in_other_collections():
    conn = open_db("library", (BOOK_TAGS, TAG_BOOKS))
    conn.execute("DELETE FROM book_tag_list WHERE book_id = 3 AND id = 1")
    assert conn.execute("SELECT id FROM tag_books(1)").fetchall() == [(1,)]
    assert scalar(conn, "SELECT name FROM tags WHERE id = 1") == "programming"


def test_one_prepared_insert_runs_many_times():
    conn = open_db("library", (AUTHOR_BOOKS,))
    rows = [(1, "A", 2001), (2, "B", None), (3, "C", 2003), (1, "D", 2004)]
    conn.executemany("INSERT INTO author_books(author_id, title, year) VALUES (?, ?, ?)", rows)
    assert conn.execute("SELECT id, title, year, author_id FROM books WHERE id > 8 ORDER BY id").fetchall() == [
        (9, "A", 2001, 1), (10, "B", None, 2), (11, "C", 2003, 3), (12, "D", 2004, 1)]


def test_a_write_after_a_schema_change_uses_the_new_columns():
    """docs/model-layer.md, "When the schema changes": a new column is
    usable once the connection has used the relationship again."""
    conn = open_db("library", (AUTHOR_BOOKS,))
    conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'before')")
    conn.execute("ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 100")
    conn.execute("SELECT count(*) FROM author_books(0)").fetchall()
    conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'defaulted')")
    conn.execute("INSERT INTO author_books(author_id, title, pages) VALUES (1, 'given', 352)")
    conn.execute("DELETE FROM author_books WHERE author_id = 1 AND title = 'before'")
    assert conn.execute("SELECT title, pages FROM books WHERE id > 8 ORDER BY id").fetchall() == [
        ("defaulted", 100), ("given", 352)]


def test_a_write_after_the_target_is_rebuilt():
    """The target rebuilt as sqlite-utils' transform does: the write goes to
    the new table."""
    conn = open_db("library", (relate("book_chapters", "books", "chapters"),))
    conn.executescript("""
        CREATE TABLE chapters_new (book_id INTEGER REFERENCES books (id), title TEXT, words INTEGER DEFAULT 0);
        INSERT INTO chapters_new (rowid, book_id, title) SELECT rowid, book_id, title FROM chapters;
        DROP TABLE chapters;
        ALTER TABLE chapters_new RENAME TO chapters;
    """)
    assert run(conn, "INSERT INTO book_chapters(book_id, title) VALUES (3, 'Comments')") == added(
        "chapters", (3, "Comments", 0))
    assert run(conn, "DELETE FROM book_chapters WHERE book_id = 1") == removed(
        "chapters", (1, "A Pragmatic Philosophy", 0), (1, "A Pragmatic Approach", 0))


# --- the rowid and last_insert_rowid() ----------------------------------------------

@dataclasses.dataclass
class Holder:
    """A writable relationship, a source key, and the rows holding its rows."""
    id: str
    schema: str
    declare: str
    name: str
    key: tuple                 # the argument, one value per argument column
    argument: tuple            # the argument columns
    holder_rowids: str         # the holder's rowids of key's rows, in the relationship's order
    insert: str                # an INSERT of one new row for key (the argument first)
    insert_values: tuple
    new_row: str               # SELECT rowid FROM holder of the row `insert` adds
    gap: str                   # a holder row at rowid 100 that is no row of the relationship


HOLDERS = [
    Holder("o2m-table-without-key", "library", relate("book_chapters", "books", "chapters"), "book_chapters",
           (1,), ("book_id",), "SELECT rowid FROM chapters WHERE book_id = 1 ORDER BY rowid",
           "INSERT INTO book_chapters(book_id, title) VALUES (?, ?)", ("Epilogue",),
           "SELECT rowid FROM chapters WHERE title = 'Epilogue'",
           "INSERT INTO chapters (rowid, title) VALUES (100, 'gap')"),
    Holder("o2m-integer-key", "library", AUTHOR_BOOKS, "author_books",
           (2,), ("author_id",), "SELECT rowid FROM books WHERE author_id = 2 ORDER BY rowid",
           "INSERT INTO author_books(author_id, title) VALUES (?, ?)", ("Epilogue",),
           "SELECT rowid FROM books WHERE title = 'Epilogue'",
           "INSERT INTO books (id, title) VALUES (100, 'gap')"),
    Holder("m2m-link", "library", BOOK_TAGS, "book_tag_list",
           (3,), ("book_id",), "SELECT rowid FROM book_tag_links WHERE book_id = 3 ORDER BY rowid",
           "INSERT INTO book_tag_list(book_id, id) VALUES (?, ?)", (2,),
           "SELECT max(rowid) FROM book_tag_links",
           "INSERT INTO book_tag_links (rowid) VALUES (100)"),
    Holder("o2m-text-key", "members", MEMBER_NOTES, "member_notes",
           (ANN,), ("member_id",), f"SELECT rowid FROM notes WHERE member_id = '{ANN}' ORDER BY rowid",
           "INSERT INTO member_notes(member_id, id, body) VALUES (?, 'n9', ?)", ("Epilogue",),
           "SELECT rowid FROM notes WHERE id = 'n9'",
           "INSERT INTO notes (rowid, id) VALUES (100, 'gap')"),
    Holder("m2m-text-key", "members", MEMBER_CLUBS, "member_clubs",
           (BOB,), ("member_id",), f"SELECT rowid FROM memberships WHERE member_id = '{BOB}' ORDER BY rowid",
           "INSERT INTO member_clubs(member_id, code) VALUES (?, ?)", ("chess",),
           "SELECT max(rowid) FROM memberships",
           "INSERT INTO memberships (rowid) VALUES (100)"),
    Holder("o2m-composite-key", "composite", ENROLMENT_MARKS, "enrolment_marks",
           ("sam", "sql101"), ("student", "course"),
           "SELECT rowid FROM marks WHERE student = 'sam' AND course = 'sql101' ORDER BY rowid",
           "INSERT INTO enrolment_marks(student, course, mark) VALUES (?, ?, ?)", (55,),
           "SELECT rowid FROM marks WHERE mark = 55",
           "INSERT INTO marks (id) VALUES (100)"),
]


def where_key(holder):
    return " AND ".join(f"{a} = ?" for a in holder.argument)


def holder_db(holder):
    """The holder's database, with a gap in the holder's rowids (so that a
    new row's rowid is not its count + 1)."""
    return open_db(holder.schema, (holder.declare, holder.gap))


@pytest.mark.parametrize("holder", HOLDERS, ids=lambda h: h.id)
def test_the_rowid_is_the_holders(holder):
    conn = holder_db(holder)
    got = conn.execute(f"SELECT rowid FROM {holder.name} WHERE {where_key(holder)}", holder.key).fetchall()
    assert got == conn.execute(holder.holder_rowids).fetchall()
    assert len(got) >= 2


@pytest.mark.parametrize("holder", HOLDERS, ids=lambda h: h.id)
def test_delete_where_rowid_deletes_that_row_only(holder):
    conn = holder_db(holder)
    first, *rest = [r[0] for r in conn.execute(holder.holder_rowids)]
    change = run(conn, f"DELETE FROM {holder.name} WHERE rowid = ?", (first,))
    assert [(len(gone), len(new)) for gone, new in change.values()] == [(1, 0)], change
    assert [r[0] for r in conn.execute(holder.holder_rowids)] == rest


@pytest.mark.parametrize("holder", HOLDERS, ids=lambda h: h.id)
def test_last_insert_rowid_is_the_new_rows(holder):
    conn = holder_db(holder)
    cursor = conn.execute(holder.insert, holder.key + holder.insert_values)
    new = scalar(conn, holder.new_row)
    assert new == 101  # after the gap
    assert scalar(conn, "SELECT last_insert_rowid()") == new
    assert cursor.lastrowid == new


def test_delete_where_rowid_removes_one_of_two_duplicate_links():
    conn = open_db("library", (BOOK_TAGS,))
    conn.execute("INSERT INTO book_tag_list(book_id, id) VALUES (3, 1)")
    new = scalar(conn, "SELECT last_insert_rowid()")
    conn.execute("DELETE FROM book_tag_list WHERE rowid = ?", (new,))
    assert conn.execute("SELECT rowid, book_id, tag_id FROM book_tag_links ORDER BY rowid").fetchall() == [
        (1, 1, 1), (2, 3, 1), (3, 3, 3), (4, 6, 2)]


def test_last_insert_rowid_after_several_rows_is_the_last_rows():
    conn = open_db("library", (AUTHOR_BOOKS,))
    conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'A'), (2, 'B')")
    assert scalar(conn, "SELECT last_insert_rowid()") == scalar(conn, "SELECT id FROM books WHERE title = 'B'") == 10


# --- the source and the target must exist -------------------------------------------

@pytest.mark.parametrize("schema, setup, sql, params, name, phrases", [
    ("library", AUTHOR_BOOKS, "INSERT INTO author_books(author_id, title) VALUES (9, 'x')", (),
     "author_books", ["authors", "9"]),
    ("library", AUTHOR_BOOKS, "INSERT INTO author_books(author_id, title) VALUES (NULL, 'x')", (),
     "author_books", []),
    ("library", AUTHOR_BOOKS, "INSERT INTO author_books(title) VALUES ('x')", (),
     "author_books", []),
    ("library", AUTHOR_BOOKS, "INSERT INTO author_books(author_id, id) VALUES (9, 7)", (),
     "author_books", ["authors", "9"]),
    ("library", BOOK_TAGS, "INSERT INTO book_tag_list(book_id, id) VALUES (99, 1)", (),
     "book_tag_list", ["books", "99"]),
    ("members", MEMBER_NOTES, "INSERT INTO member_notes(member_id, id, body) VALUES ('nobody', 'n9', 'x')", (),
     "member_notes", ["members", "nobody"]),
    ("composite", ENROLMENT_MARKS, "INSERT INTO enrolment_marks(student, course, mark) VALUES ('kim', 'orm201', 1)",
     (), "enrolment_marks", ["enrolments", "orm201"]),
], ids=["o2m", "o2m-null", "o2m-left-out", "o2m-reparent", "m2m", "text", "composite"])
def test_insert_needs_an_existing_source(schema, setup, sql, params, name, phrases):
    conn = open_db(schema, (setup,))
    refused(conn, sql, params, [name] + phrases)


@pytest.mark.parametrize("schema, setup, sql, name, phrases", [
    ("library", BOOK_TAGS, "INSERT INTO book_tag_list(book_id, id) VALUES (2, 99)", "book_tag_list", ["tags", "99"]),
    ("library", BOOK_TAGS, "INSERT INTO book_tag_list(book_id, id) VALUES (2, NULL)", "book_tag_list", []),
    ("members", MEMBER_CLUBS, f"INSERT INTO member_clubs(member_id, code) VALUES ('{ANN}', 'darts')",
     "member_clubs", ["clubs", "darts"]),
    ("composite", POSTER_LABELS, "INSERT INTO poster_label_list(poster_id, ns, name) VALUES (1, 'genre', 'western')",
     "poster_label_list", ["labels", "western"]),
], ids=["integer", "null", "text", "composite"])
def test_many_to_many_insert_needs_an_existing_target(schema, setup, sql, name, phrases):
    conn = open_db(schema, (setup,))
    refused(conn, sql, (), [name] + phrases)


@pytest.mark.parametrize("sql", [
    "INSERT INTO book_tag_list(book_id, id, name) VALUES (2, 3, 'design')",
    "INSERT INTO book_tag_list(book_id, name) VALUES (2, 'craft')",
], ids=["key-and-another-column", "no-key"])
def test_many_to_many_insert_takes_only_the_target_key(sql):
    conn = open_db("library", (BOOK_TAGS,))
    refused(conn, sql, (), ["book_tag_list"])


# --- filters ---------------------------------------------------------------------

@pytest.mark.parametrize("declare, sql, name, phrases", [
    (relate("new_books", "authors", "books", where="year > 2010"),
     "INSERT INTO new_books(author_id, title, year) VALUES (1, 'Old', 1990)", "new_books",
     [("where", "filter", "year > 2010")]),
    (relate("new_books", "authors", "books", where="year > 2010"),
     "INSERT INTO new_books(author_id, title, year) VALUES (1, 'Ok', 2020), (1, 'Old', 1990)", "new_books",
     [("where", "filter", "year > 2010")]),
    (relate("new_books", "authors", "books", where="year > 2010"),
     "INSERT INTO new_books(author_id, title) VALUES (1, 'Undated')", "new_books", ["year"]),
    (relate("new_books", "authors", "books", where="year > 2010"),
     "INSERT INTO new_books(author_id, title, year) VALUES (1, 'Undated', NULL)", "new_books", []),
    # status has a DEFAULT that would meet the filter: left out, it is still not given
    (relate("in_print", "authors", "books", where="status = 'in print'"),
     "INSERT INTO in_print(author_id, title) VALUES (1, 'x')", "in_print", ["status"]),
    # a re-parented row must meet it too (book 3 is from 2008)
    (relate("new_books", "authors", "books", where="year > 2010"),
     "INSERT INTO new_books(author_id, id) VALUES (1, 3)", "new_books", []),
    (relate("book_topics", "books", "tags", "book_tag_links", where="name <> 'python'"),
     "INSERT INTO book_topics(book_id, id) VALUES (1, 2)", "book_topics", [("where", "filter", "python")]),
    (relate("book_tag_rows", "books", "tags", "book_tag_links", where="book_tag_links.tag_id > 0"),
     "INSERT INTO book_tag_rows(book_id, id) VALUES (1, 2)", "book_tag_rows", [("book_tag_links", "link")]),
], ids=["not-met", "second-row-not-met", "reads-a-left-out-column", "reads-a-null", "reads-a-defaulted-column",
        "reparent-not-met",
        "m2m-target-row-not-met", "m2m-reads-the-link-table"])
def test_insert_must_meet_the_filter(declare, sql, name, phrases):
    conn = open_db("library", (declare,))
    refused(conn, sql, (), [name] + phrases)


def test_the_filter_is_checked_on_the_values_as_their_columns_store_them():
    """Each value under its column's affinity: '2020' given to an INTEGER
    column is the year 2020, '1965' is refused; nothing is written for a
    refused row, inside a transaction too, and the caller's transaction goes
    on. A column the filter reads must be given (its DEFAULT is not read)."""
    conn = open_db("library", (relate("in_print", "authors", "books", where="status = 'in print'"),
                               relate("new_books", "authors", "books", where="year > 2010")))
    with pytest.raises(sqlite3.Error, match="in_print: the relationship's filter reads a column this INSERT leaves out"):
        conn.execute("INSERT INTO in_print(author_id, title) VALUES (1, 'x')")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO new_books(author_id, title, year) VALUES (1, 'y', '2020')")
    before = snapshot(conn)
    with pytest.raises(sqlite3.Error, match="new_books: the row does not meet the relationship's filter"):
        conn.execute("INSERT INTO new_books(author_id, title, year) VALUES (1, 'z', '1965')")
    assert snapshot(conn) == before
    assert conn.in_transaction
    conn.execute("COMMIT")
    assert conn.execute("SELECT year, typeof(year) FROM books WHERE title = 'y'").fetchall() == [(2020, "integer")]


# --- refusals ------------------------------------------------------------------------

@dataclasses.dataclass
class Refusal:
    id: str
    schema: str
    setup: tuple
    sql: str
    name: str
    phrases: list

    def __str__(self):
        return self.id


BOOK_AUTHOR = relate("book_author", "books", "authors")
STAFF_UNDER = relate("staff_under", "staff", "staff", direction="one-to-many", recursive=True)
STAFF_OVER = relate("staff_over", "staff", "staff", direction="many-to-one", recursive=True)
MEMBER_PINNED = relate("member_pinned", "members", "pinned_notes", to_column="member_id")
STUDENT_ENROLMENTS = relate("student_enrolments", "students", "enrolments")
POSTER_FIXED = relate("poster_fixed", "posters", "labels", "fixed_links")

REFUSALS = [
    Refusal("update-o2m", "library", (AUTHOR_BOOKS,), "UPDATE author_books SET title = 'x' WHERE author_id = 1",
            "author_books", ["update"]),
    Refusal("update-m2m", "library", (BOOK_TAGS,), "UPDATE book_tag_list SET id = 2 WHERE book_id = 1",
            "book_tag_list", ["update"]),
    Refusal("update-the-argument", "library", (AUTHOR_BOOKS,),
            "UPDATE author_books SET author_id = 3 WHERE author_id = 1", "author_books", ["update"]),
    Refusal("explicit-rowid-o2m", "library", (AUTHOR_BOOKS,),
            "INSERT INTO author_books(rowid, author_id, title) VALUES (50, 1, 'x')", "author_books", ["rowid"]),
    Refusal("explicit-rowid-m2m", "library", (BOOK_TAGS,),
            "INSERT INTO book_tag_list(rowid, book_id, id) VALUES (50, 2, 3)", "book_tag_list", ["rowid"]),
    Refusal("generated-column", "generated", (relate("maker_products", "makers", "products"),),
            "INSERT INTO maker_products(maker_id, price, cents) VALUES (1, 4.25, 425)", "maker_products", ["cents"]),
    Refusal("many-to-one-insert", "library", (BOOK_AUTHOR,),
            "INSERT INTO book_author(books_id, id, name) VALUES (8, 9, 'Someone')", "book_author", ["many-to-one"]),
    Refusal("many-to-one-insert-existing", "library", (BOOK_AUTHOR,),
            "INSERT INTO book_author(books_id, id) VALUES (8, 1)", "book_author", ["many-to-one"]),
    Refusal("many-to-one-delete", "library", (BOOK_AUTHOR,),
            "DELETE FROM book_author WHERE books_id = 1", "book_author", ["many-to-one"]),
    Refusal("tree-descendants-insert", "library", (STAFF_UNDER,),
            "INSERT INTO staff_under(manager_id, name) VALUES (1, 'Robin')", "staff_under", [("tree", "recursive")]),
    Refusal("tree-descendants-delete", "library", (STAFF_UNDER,),
            "DELETE FROM staff_under WHERE manager_id = 1", "staff_under", [("tree", "recursive")]),
    Refusal("tree-ancestors-delete", "library", (STAFF_OVER,),
            "DELETE FROM staff_over WHERE staff_id = 3", "staff_over", [("tree", "recursive", "many-to-one")]),
    Refusal("view-target-insert", "members", (MEMBER_PINNED,),
            f"INSERT INTO member_pinned(member_id, id, body) VALUES ('{ANN}', 'n9', 'x')", "member_pinned", ["view"]),
    Refusal("view-target-delete", "members", (MEMBER_PINNED,),
            f"DELETE FROM member_pinned WHERE member_id = '{ANN}'", "member_pinned", ["view"]),
    Refusal("view-target-o2m-library", "library",
            (relate("author_recent", "authors", "recent_books", to_column="author_id"),),
            "DELETE FROM author_recent WHERE author_id = 2", "author_recent", ["view"]),
    Refusal("without-rowid-target-insert", "composite", (STUDENT_ENROLMENTS,),
            "INSERT INTO student_enrolments(student, course) VALUES ('kim', 'orm201')", "student_enrolments",
            ["without rowid"]),
    Refusal("without-rowid-target-delete", "composite", (STUDENT_ENROLMENTS,),
            "DELETE FROM student_enrolments WHERE student = 'sam'", "student_enrolments", ["without rowid"]),
    Refusal("without-rowid-link-insert", "composite", (POSTER_FIXED,),
            "INSERT INTO poster_fixed(poster_id, ns, name) VALUES (1, 'genre', 'noir')", "poster_fixed",
            ["without rowid"]),
    # authors.name is neither the key nor UNIQUE: a row could have several parents
    Refusal("source-column-not-unique", "library",
            ("INSERT INTO books (id, title, author_id) VALUES (20, 'David Thomas', 1)",
             relate("named_books", "authors", "books", from_column="name", to_column="title")),
            "DELETE FROM named_books", "named_books", ["unique"]),
    Refusal("insert-or-replace-does-not-replace", "library", (AUTHOR_BOOKS,),
            "INSERT OR REPLACE INTO author_books(author_id, id, title) VALUES (2, 7, 'Fluent')", "author_books",
            ["UNIQUE"]),
    Refusal("insert-or-ignore-does-not-ignore", "library", (AUTHOR_BOOKS,),
            "INSERT OR IGNORE INTO author_books(author_id, title) VALUES (1, 'ok'), (1, NULL)", "author_books",
            ["NOT NULL"]),
]


@pytest.mark.parametrize("case", REFUSALS, ids=str)
def test_refused_with_a_message_naming_the_relationship(case):
    conn = open_db(case.schema, case.setup)
    refused(conn, case.sql, (), [case.name] + case.phrases)


@pytest.mark.parametrize("sql", [
    "INSERT INTO role_auditions(role_id, actor, location) VALUES (1, 'Ann', 'Leeds')",
    "DELETE FROM role_auditions WHERE role_id = 1",
    "UPDATE role_auditions SET hired = 1 WHERE role_id = 1",
])
def test_the_theaters_own_relationships_are_read_only(migrated, sql):
    migrated.execute("INSERT INTO roles (id, character_name) VALUES (1, 'Hamlet')")
    migrated.execute("INSERT INTO auditions (actor, location, role_id) VALUES ('Bo', 'York', 1)")
    refused(migrated, sql, (), ["table role_auditions may not be modified"])


# --- constraints of the real tables ----------------------------------------------------

@dataclasses.dataclass
class Broken:
    id: str
    setup: tuple
    sql: str
    name: str
    phrases: list

    def __str__(self):
        return self.id


ENFORCE_BOOKS = "SELECT theater_enforce_foreign_keys('books')"
NO_DELETING_4 = ("CREATE TRIGGER keep_book_4 BEFORE DELETE ON books WHEN old.id = 4 "
                 "BEGIN SELECT RAISE(ABORT, 'book 4 stays'); END")

CONSTRAINTS = [
    Broken("not-null", (AUTHOR_BOOKS,), "INSERT INTO author_books(author_id, year) VALUES (1, 2000)",
           "author_books", ["NOT NULL constraint failed", "books.title"]),
    Broken("check", (AUTHOR_BOOKS,), "INSERT INTO author_books(author_id, title, year) VALUES (1, 'x', -5)",
           "author_books", ["CHECK constraint failed"]),
    Broken("unique", (AUTHOR_BOOKS,),
           "INSERT INTO author_books(author_id, title, isbn) VALUES (1, 'x', '978-0132350884')",
           "author_books", ["UNIQUE constraint failed", "books.isbn"]),
    Broken("primary-key-with-other-columns", (AUTHOR_BOOKS,),
           "INSERT INTO author_books(author_id, id, title) VALUES (2, 7, 'x')",
           "author_books", ["UNIQUE constraint failed", "books.id"]),
    Broken("one-to-one-second-child", (relate("book_cover", "books", "covers"),),
           "INSERT INTO book_cover(book_id, color) VALUES (3, 'red')",
           "book_cover", ["UNIQUE constraint failed", "covers.book_id"]),
    Broken("unique-link-table", ("CREATE TABLE unique_links (book_id INTEGER REFERENCES books (id), "
                                 "tag_id INTEGER REFERENCES tags (id), UNIQUE (book_id, tag_id))",
                                 "INSERT INTO unique_links VALUES (3, 1)",
                                 relate("book_unique_tags", "books", "tags", "unique_links")),
           "INSERT INTO book_unique_tags(book_id, id) VALUES (3, 1)",
           "book_unique_tags", ["UNIQUE constraint failed", "unique_links"]),
    Broken("orphan-on-a-not-null-key", ("CREATE TABLE editions (id INTEGER PRIMARY KEY, "
                                        "book_id INTEGER NOT NULL REFERENCES books (id), label TEXT)",
                                        "INSERT INTO editions VALUES (1, 3, 'first'), (2, 3, 'second')",
                                        relate("book_editions", "books", "editions", on_remove="orphan")),
           "DELETE FROM book_editions WHERE book_id = 3 AND id = 2",
           "book_editions", ["NOT NULL constraint failed", "editions.book_id"]),
    Broken("foreign-keys-pragma-insert", ("PRAGMA foreign_keys = ON", AUTHOR_BOOKS),
           "INSERT INTO author_books(author_id, title, publisher_id) VALUES (1, 'x', 99)",
           "author_books", ["FOREIGN KEY constraint failed"]),
    Broken("foreign-keys-pragma-delete", ("PRAGMA foreign_keys = ON", AUTHOR_BOOKS),
           "DELETE FROM author_books WHERE author_id = 2 AND id = 3",  # review 1 refers to book 3
           "author_books", ["FOREIGN KEY constraint failed"]),
    Broken("enforce-foreign-keys-triggers", (ENFORCE_BOOKS, AUTHOR_BOOKS),
           "INSERT INTO author_books(author_id, title, publisher_id) VALUES (1, 'x', 99)",
           "author_books", ["FOREIGN KEY constraint failed", "publishers"]),
    Broken("trigger-raise", (NO_DELETING_4, AUTHOR_BOOKS),
           "DELETE FROM author_books WHERE author_id = 2 AND id = 4", "author_books", ["book 4 stays"]),
]


@pytest.mark.parametrize("case", CONSTRAINTS, ids=str)
def test_constraints_apply_and_errors_name_the_relationship(case):
    conn = open_db("library", case.setup)
    refused(conn, case.sql, (), case.phrases, prefix=case.name)


LOANS = ("CREATE TABLE readers (id INTEGER PRIMARY KEY)",
         "CREATE TABLE loans (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books (id), "
         "reader_id INTEGER REFERENCES readers (id) DEFERRABLE INITIALLY DEFERRED)",
         "PRAGMA foreign_keys = ON",
         relate("book_loans", "books", "loans"))


def test_a_deferred_foreign_key_is_checked_at_commit():
    conn = open_db("library", LOANS)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO book_loans(book_id, reader_id) VALUES (1, 5)")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        conn.execute("COMMIT")
    conn.execute("INSERT INTO readers VALUES (5)")
    conn.execute("COMMIT")
    assert conn.execute("SELECT * FROM loans").fetchall() == [(1, 1, 5)]


def test_foreign_keys_pragma_allows_a_valid_reparent():
    conn = open_db("library", ("PRAGMA foreign_keys = ON", relate("book_reviews", "books", "reviews")))
    assert run(conn, "INSERT INTO book_reviews(book_id, id) VALUES (1, 1)") == replaced(
        "reviews", (1, 3, 5), (1, 1, 5))


def test_enforced_foreign_keys_allow_a_valid_insert():
    conn = open_db("library", (ENFORCE_BOOKS, AUTHOR_BOOKS))
    assert run(conn, "INSERT INTO author_books(author_id, title, publisher_id) VALUES (1, 'x', 2)") == added(
        "books", book(9, "x", None, 1, 2))


# --- triggers that write through relationships themselves ------------------------------

def test_a_trigger_of_the_target_writes_through_the_same_relationship():
    """The INSERT through author_books fires a trigger on books that inserts
    through author_books again, while the first write runs."""
    sequel = ("CREATE TRIGGER sequel AFTER INSERT ON books WHEN new.title NOT LIKE '% 2' BEGIN "
              "INSERT INTO author_books(author_id, title) VALUES (new.author_id, new.title || ' 2'); END")
    conn = open_db("library", (AUTHOR_BOOKS, sequel))
    assert run(conn, "INSERT INTO author_books(author_id, title) VALUES (1, 'A'), (2, 'B')") == added(
        "books", book(9, "A", None, 1), book(10, "A 2", None, 1), book(11, "B", None, 2), book(12, "B 2", None, 2))


def test_a_trigger_of_the_target_deletes_through_another_relationship():
    unlink = ("CREATE TRIGGER unlink BEFORE DELETE ON books BEGIN "
              "DELETE FROM book_tag_list WHERE book_id = old.id; END")
    conn = open_db("library", (AUTHOR_BOOKS, BOOK_TAGS, unlink))
    assert run(conn, "DELETE FROM author_books WHERE author_id = 2") == {
        **removed("books", BOOKS[3], BOOKS[4], BOOKS[5]), **removed("book_tag_links", (3, 1), (3, 3))}


def test_a_trigger_whose_write_through_a_relationship_fails_fails_its_statement():
    trigger = ("CREATE TRIGGER two_books AFTER INSERT ON authors BEGIN "
               "INSERT INTO author_books(author_id, title) VALUES (new.id, 'ok'), (new.id, NULL); END")
    conn = open_db("library", (AUTHOR_BOOKS, trigger))
    refused(conn, "INSERT INTO authors VALUES (4, 'Ursula K. Le Guin')", (), ["author_books", "NOT NULL"])


# --- all or nothing ---------------------------------------------------------------

@pytest.fixture(params=["autocommit", "transaction"])
def mode(request):
    return request.param


def all_or_nothing(conn, mode, sql, phrases, name):
    """Runs the failing `sql` alone (autocommit) or after other work inside
    BEGIN; the failing statement changes nothing, the earlier work stays and
    the transaction stays open."""
    if mode == "transaction":
        conn.execute("BEGIN")
        conn.execute("INSERT INTO authors VALUES (10, 'Earlier Work')")
    before = snapshot(conn)
    refused(conn, sql, (), phrases, prefix=name)
    if mode == "transaction":
        assert conn.in_transaction
        conn.execute("COMMIT")
        assert scalar(conn, "SELECT name FROM authors WHERE id = 10") == "Earlier Work"
    assert changes(before, snapshot(conn)) == {}


def test_a_multi_row_delete_that_fails_on_one_row_deletes_nothing(mode):
    conn = open_db("library", (NO_DELETING_4, AUTHOR_BOOKS))
    all_or_nothing(conn, mode, "DELETE FROM author_books WHERE author_id = 2", ["book 4 stays"], "author_books")
    assert [r[0] for r in conn.execute("SELECT id FROM author_books(2)")] == [3, 4, 5]


def test_a_multi_row_orphaning_delete_that_fails_on_one_row_changes_nothing(mode):
    keep = ("CREATE TRIGGER keep_book_4_owned BEFORE UPDATE OF author_id ON books WHEN old.id = 4 "
            "BEGIN SELECT RAISE(ABORT, 'book 4 stays'); END")
    conn = open_db("library", (keep, AUTHOR_BOOKS_ORPHAN))
    all_or_nothing(conn, mode, "DELETE FROM author_books WHERE author_id = 2", ["book 4 stays"], "author_books")


def test_a_multi_row_link_delete_that_fails_on_one_row_deletes_nothing(mode):
    keep = ("CREATE TRIGGER keep_design BEFORE DELETE ON book_tag_links WHEN old.tag_id = 3 "
            "BEGIN SELECT RAISE(ABORT, 'design stays'); END")
    conn = open_db("library", (keep, BOOK_TAGS))
    all_or_nothing(conn, mode, "DELETE FROM book_tag_list WHERE book_id = 3", ["design stays"], "book_tag_list")


@pytest.mark.parametrize("sql, phrases", [
    ("INSERT INTO author_books(author_id, title) VALUES (1, 'First'), (2, NULL)", ["NOT NULL"]),
    ("INSERT INTO author_books(author_id, title) VALUES (1, 'First'), (9, 'Second')", ["authors"]),
    ("INSERT INTO author_books(author_id, id) VALUES (1, 6), (2, 99)", []),  # a re-parent, then a new row without title
    ("INSERT INTO author_books(author_id, title, isbn) VALUES (1, 'First', 'X'), (2, 'Second', 'X')", ["UNIQUE"]),
], ids=["not-null", "no-source", "reparent-then-fail", "unique-within-the-statement"])
def test_a_multi_row_insert_whose_second_row_fails_writes_neither(mode, sql, phrases):
    conn = open_db("library", (AUTHOR_BOOKS,))
    all_or_nothing(conn, mode, sql, phrases, "author_books")


def test_a_multi_row_link_insert_whose_second_row_fails_writes_neither(mode):
    conn = open_db("library", (BOOK_TAGS,))
    all_or_nothing(conn, mode, "INSERT INTO book_tag_list(book_id, id) VALUES (2, 1), (2, 99)", ["tags"],
                   "book_tag_list")


def test_a_failed_write_leaves_the_transaction_usable():
    conn = open_db("library", (AUTHOR_BOOKS,))
    conn.execute("BEGIN")
    with pytest.raises(sqlite3.Error):
        conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'ok'), (1, NULL)")
    conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'after')")
    conn.execute("COMMIT")
    assert [r[0] for r in conn.execute("SELECT title FROM author_books(1)")] == [
        "The Pragmatic Programmer", "Programming Pearls", "after"]


def test_a_savepoint_rolled_back_undoes_the_writes_after_it():
    conn = open_db("library", (AUTHOR_BOOKS, BOOK_TAGS))
    conn.execute("BEGIN")
    conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'kept')")
    before = snapshot(conn)
    conn.execute("SAVEPOINT s")
    conn.execute("INSERT INTO author_books(author_id, id) VALUES (1, 6)")
    conn.execute("DELETE FROM book_tag_list WHERE book_id = 3")
    conn.execute("ROLLBACK TO s")
    conn.execute("RELEASE s")
    conn.execute("COMMIT")
    assert changes(before, snapshot(conn)) == {}
    assert scalar(conn, "SELECT count(*) FROM books WHERE title = 'kept'") == 1


def test_a_rolled_back_write_is_gone():
    conn = open_db("library", (AUTHOR_BOOKS, BOOK_TAGS))
    before = snapshot(conn)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO author_books(author_id, title) VALUES (1, 'x')")
    conn.execute("DELETE FROM author_books WHERE author_id = 2")
    conn.execute("INSERT INTO book_tag_list(book_id, id) VALUES (1, 2)")
    conn.execute("ROLLBACK")
    assert changes(before, snapshot(conn)) == {}


# --- trust ------------------------------------------------------------------------

FIRST_BOOK_TRIGGER = ("CREATE TRIGGER first_book AFTER INSERT ON authors BEGIN "
                      "INSERT INTO author_books(author_id, title) VALUES (new.id, 'First book'); END")
FIRST_TAG_TRIGGER = ("CREATE TRIGGER first_tag AFTER INSERT ON books BEGIN "
                     "INSERT INTO book_tag_list(book_id, id) VALUES (new.id, 1); END")
DROP_BOOKS_TRIGGER = ("CREATE TRIGGER drop_books BEFORE DELETE ON authors BEGIN "
                      "DELETE FROM author_books WHERE author_id = old.id; END")


@pytest.mark.parametrize("declare, trigger, sql, name", [
    (AUTHOR_BOOKS, FIRST_BOOK_TRIGGER, "INSERT INTO authors VALUES (4, 'Ursula K. Le Guin')", "author_books"),
    (BOOK_TAGS, FIRST_TAG_TRIGGER, "INSERT INTO books (title) VALUES ('x')", "book_tag_list"),
    (AUTHOR_BOOKS, DROP_BOOKS_TRIGGER, "DELETE FROM authors WHERE id = 2", "author_books"),
], ids=["o2m-insert", "m2m-insert", "o2m-delete"])
@pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 40, 0),
                    reason="SQLite 3.34.0 lets a trigger write to a virtual table whatever its risk; "
                           "3.40.1 and later refuse (docs/model-layer.md, Writes, Trust)")
def test_a_trigger_writing_through_a_relationship_needs_a_trusted_schema(declare, trigger, sql, name):
    conn = open_db("library", (declare, trigger, "PRAGMA trusted_schema = OFF"))
    refused(conn, sql, (), ["unsafe use of virtual table", name])


def test_a_trigger_writes_through_a_relationship_when_the_schema_is_trusted():
    conn = open_db("library", (AUTHOR_BOOKS, FIRST_BOOK_TRIGGER))
    assert scalar(conn, "PRAGMA trusted_schema") == 1
    assert run(conn, "INSERT INTO authors VALUES (4, 'Ursula K. Le Guin')") == {
        **added("authors", (4, "Ursula K. Le Guin")), **added("books", book(9, "First book", None, 4))}


def test_a_trigger_deletes_through_a_relationship_when_the_schema_is_trusted():
    conn = open_db("library", (AUTHOR_BOOKS, DROP_BOOKS_TRIGGER))
    assert run(conn, "DELETE FROM authors WHERE id = 1") == {
        **removed("authors", (1, "David Thomas")), **removed("books", BOOKS[1], BOOKS[2])}


def test_a_view_over_a_writable_relationship_needs_a_trusted_schema():
    conn = open_db("library", (AUTHOR_BOOKS, "CREATE VIEW author_titles AS "
                                             "SELECT a.name, b.title FROM authors a, author_books(a.id) b"))
    assert len(conn.execute("SELECT * FROM author_titles").fetchall()) == 7
    conn.execute("PRAGMA trusted_schema = OFF")
    refused(conn, "SELECT * FROM author_titles", (), ["unsafe use of virtual table", "author_books"])


def test_a_statement_of_the_connection_writes_with_the_schema_distrusted():
    conn = open_db("library", (AUTHOR_BOOKS, "PRAGMA trusted_schema = OFF"))
    assert run(conn, "INSERT INTO author_books(author_id, title) VALUES (1, 'x')") == added(
        "books", book(9, "x", None, 1))


@pytest.mark.parametrize("schema, declare, view, expected", [
    ("library", BOOK_AUTHOR,
     "CREATE VIEW book_writers AS SELECT b.id, a.name FROM books b, book_author(b.id) a WHERE b.id <= 3",
     [(1, "David Thomas"), (2, "David Thomas"), (3, "Robert C. Martin")]),
    ("library", STAFF_UNDER,
     "CREATE VIEW taylors_reports AS SELECT depth, name FROM staff_under(1)",
     [(1, "Tristan"), (2, "Sasha")]),
    ("members", MEMBER_PINNED,
     "CREATE VIEW pinned_by_member AS SELECT m.name, p.body FROM members m, member_pinned(m.id) p",
     [("Ann", "Fix the bike"), ("Bob", "Call Ann")]),
], ids=["many-to-one", "tree", "view-target"])
def test_a_read_only_relationship_is_usable_from_a_view_with_the_schema_distrusted(schema, declare, view, expected):
    conn = open_db(schema, (declare, view, "PRAGMA trusted_schema = OFF"))
    name = view.split()[2]
    assert sorted(conn.execute(f"SELECT * FROM {name}").fetchall()) == sorted(expected)
