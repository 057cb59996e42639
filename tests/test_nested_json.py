"""theater_json(table, key, shape) (docs/model-layer.md, "Nested JSON:
`theater_json(table, key, shape)`"; issue 16) against answers built without
it: JSON written out by hand, documents built in Python from plain SELECTs,
and an oracle written here that turns a shape into the hand-written SQL
(json_object and json_group_array over each relationship's plain join).

Every document is compared as parsed JSON with its objects' keys in order and
its numbers typed (an integer is not a real), and checked with json_valid.
A hypothesis property test draws small libraries (orphans, duplicate links,
NULL years, unicode text) and shapes (aliases, nesting, to-one embeds, order,
limit and offset) and compares theater_json with the oracle's SQL."""
import json
import os
import pathlib
import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, connect

# The seeds live next to the repository (tests/test_examples.py reads them the
# same way; THEATER_SEEDS can point elsewhere).
SEEDS = pathlib.Path(os.environ.get("THEATER_SEEDS", ROOT.parent / "shared" / "seeds"))
LIBRARY_SEED = SEEDS / "001_1a6e7ab70c170d02.txt"

# The library of the seed 001 with its "Alter it" additions (publishers, tags
# many-to-many), as docs/model-layer.md declares it. Book 5 has no publisher,
# book 2 no tag, author 4 no book, publisher 4 and tag 5 nothing. The links
# are made out of tag order (book 1: design before programming) so that the
# link order, the many-to-many's own order, shows.
LIBRARY = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE publishers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (
  id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER,
  author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
  publisher_id INTEGER REFERENCES publishers(id) ON DELETE SET NULL);
CREATE INDEX books_author ON books(author_id);
CREATE INDEX books_publisher ON books(publisher_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE book_tags (
  book_id INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE);
CREATE INDEX book_tags_book ON book_tags(book_id);
CREATE INDEX book_tags_tag ON book_tags(tag_id);
INSERT INTO authors VALUES (1, 'David Thomas'), (2, 'Robert C. Martin'), (3, 'Luciano Ramalho'), (4, 'Nobody Yet');
INSERT INTO publishers VALUES (1, 'Addison-Wesley'), (2, 'Prentice Hall'), (3, 'O''Reilly'), (4, 'Unused Press');
INSERT INTO books VALUES (1, 'The Pragmatic Programmer', 1999, 1, 1), (2, 'Programming Pearls', 2000, 1, 1),
                         (3, 'Clean Code', 2008, 2, 2), (4, 'Clean Architecture', 2017, 2, 2),
                         (5, 'The Clean Coder', 2011, 2, NULL), (6, 'Fluent Python', 2015, 3, 3),
                         (7, 'Fluent Python 2nd Ed', 2022, 3, 3);
INSERT INTO tags VALUES (1, 'programming'), (2, 'python'), (3, 'design'), (4, 'craft'), (5, 'unused');
INSERT INTO book_tags VALUES (3, 4), (3, 1), (1, 3), (4, 3), (4, 1), (6, 2), (6, 1), (7, 2), (5, 4), (1, 1);
"""

# Exactly one relationship leads from each table to each other table, so each
# can also be named by its target table.
RELATIONSHIPS = [
    ("author_books", "authors", "books"),
    ("book_author", "books", "authors"),
    ("book_publisher", "books", "publishers"),
    ("publisher_books", "publishers", "books"),
    ("book_tag_list", "books", "tags", "book_tags"),
    ("tag_books", "tags", "books", "book_tags"),
]

COLUMNS = {"authors": ["id", "name"], "publishers": ["id", "name"], "tags": ["id", "name"],
           "books": ["id", "title", "year", "author_id", "publisher_id"]}


def declare(conn, relationships=RELATIONSHIPS):
    for args in relationships:
        conn.execute(f"SELECT theater_relate({', '.join('?' * len(args))})", args)


@pytest.fixture
def lib():
    c = connect()
    c.executescript(LIBRARY)
    declare(c)
    yield c
    c.close()


# --- comparing documents -----------------------------------------------------

def canon(value):
    """A JSON value with its objects' keys in order and its numbers typed:
    dicts (expected values) and tuples of pairs (parsed with
    object_pairs_hook=tuple) become ("object", pairs); [] and {} differ."""
    if isinstance(value, dict):
        return ("object", tuple((k, canon(v)) for k, v in value.items()))
    if isinstance(value, tuple):
        return ("object", tuple((k, canon(v)) for k, v in value))
    if isinstance(value, list):
        return ("array", [canon(v) for v in value])
    if value is None:
        return ("null", None)
    return (type(value).__name__, value)


def parsed(text):
    return canon(json.loads(text, object_pairs_hook=tuple))


def tj(conn, table, key, shape):
    """theater_json's answer, checked to be NULL or valid JSON text."""
    text = conn.execute("SELECT theater_json(?, ?, ?)", (table, key, shape)).fetchone()[0]
    if text is not None:
        assert isinstance(text, str), f"theater_json returned {type(text).__name__}, not text"
        assert conn.execute("SELECT json_valid(?)", (text,)).fetchone()[0] == 1, text
    return text


def check(conn, table, key, shape, expected):
    """theater_json(table, key, shape) is the Python value `expected` (None:
    SQL NULL), keys in order, numbers typed."""
    text = tj(conn, table, key, shape)
    if expected is None:
        assert text is None
    else:
        assert text is not None, f"theater_json({table!r}, {key!r}, {shape!r}) is NULL"
        assert parsed(text) == canon(expected), text


def error(conn, table, key, shape, named=True):
    """The error theater_json(table, key, shape) raises; it names the
    function unless `named` is False."""
    with pytest.raises(sqlite3.Error) as raised:
        conn.execute("SELECT theater_json(?, ?, ?)", (table, key, shape)).fetchone()
    message = str(raised.value)
    if named:
        assert "theater_json" in message, message
    return message


# --- the oracle: a shape as hand-written SQL, for the library schema ---------
#
# A level is {"items": [...], "order": [(column, "asc"|"desc")], "limit": n,
# "offset": n}; an item is ("col", key, column) or ("rel", key, name, level).
# RELS: (table, name in the shape) -> (to-one?, target, FROM ... WHERE over
# the parent row p, the relationship's own order). t is the target row, l the
# link row.

def _rels():
    one_to_many = (False, "books", "books {t} WHERE {t}.author_id = {p}.id", "{t}.rowid")
    to_author = (True, "authors", "authors {t} WHERE {t}.id = {p}.author_id", None)
    to_publisher = (True, "publishers", "publishers {t} WHERE {t}.id = {p}.publisher_id", None)
    publisher_books = (False, "books", "books {t} WHERE {t}.publisher_id = {p}.id", "{t}.rowid")
    book_tags = (False, "tags", "book_tags {l} JOIN tags {t} ON {t}.id = {l}.tag_id WHERE {l}.book_id = {p}.id",
                 "{l}.rowid")
    tag_books = (False, "books", "book_tags {l} JOIN books {t} ON {t}.id = {l}.book_id WHERE {l}.tag_id = {p}.id",
                 "{l}.rowid")
    return {("authors", "books"): one_to_many, ("authors", "author_books"): one_to_many,
            ("books", "authors"): to_author, ("books", "book_author"): to_author,
            ("books", "publishers"): to_publisher, ("books", "book_publisher"): to_publisher,
            ("publishers", "books"): publisher_books, ("publishers", "publisher_books"): publisher_books,
            ("books", "tags"): book_tags, ("books", "book_tag_list"): book_tags,
            ("tags", "books"): tag_books, ("tags", "tag_books"): tag_books}


RELS = _rels()


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def limit_sql(level):
    limit, offset = level.get("limit"), level.get("offset")
    if limit is None and offset is None:
        return ""
    return f" LIMIT {-1 if limit is None else limit}" + ("" if offset is None else f" OFFSET {offset}")


def object_sql(table, level, row, depth):
    args = []
    for item in level["items"]:
        if item[0] == "col":
            _, key, column = item
            if column == "*":
                for c in COLUMNS[table]:
                    args += [sql_string(c), f"{row}.{c}"]
            else:
                args += [sql_string(key), f"{row}.{column}"]
        else:
            _, key, name, sub = item
            args += [sql_string(key), f"json(({related_sql(table, name, sub, row, depth)}))"]
    return f"json_object({', '.join(args)})"


def related_sql(table, name, level, parent, depth):
    to_one, target, source, own_order = RELS[(table, name)]
    t, l = f"t{depth}", f"l{depth}"
    source = source.format(t=t, l=l, p=parent)
    if to_one:
        return f"SELECT {object_sql(target, level, t, depth + 1)} FROM {source}"
    order = ", ".join(f"{t}.{c} {d}" for c, d in level.get("order", [])) or own_order.format(t=t, l=l)
    return (f"SELECT json_group_array(json(j)) FROM (SELECT {object_sql(target, level, t, depth + 1)} AS j"
            f" FROM {source} ORDER BY {order}{limit_sql(level)})")


def oracle(conn, table, key, level):
    """The hand-written query's answer for the library schema."""
    obj = object_sql(table, level, "t0", 1)
    if key is not None:
        return conn.execute(f"SELECT {obj} FROM {table} t0 WHERE t0.id = ?", (key,)).fetchone()
    order = ", ".join(f"t0.{c} {d}" for c, d in level.get("order", [])) or "t0.id"
    return conn.execute(f"SELECT json_group_array(json(j)) FROM (SELECT {obj} AS j FROM {table} t0"
                        f" ORDER BY {order}{limit_sql(level)})").fetchone()


def shape_text(level):
    parts = []
    for item in level["items"]:
        if item[0] == "col":
            _, key, column = item
            parts.append(column if key == column or column == "*" else f"{key}:{column}")
        else:
            _, key, name, sub = item
            parts.append((name if key == name else f"{key}:{name}") + f"({shape_text(sub)})")
    text = ", ".join(parts)
    if level.get("order"):
        text += "; order: " + ", ".join(f"{c} {d}" for c, d in level["order"])
    if level.get("limit") is not None:
        text += f"; limit: {level['limit']}"
    if level.get("offset") is not None:
        text += f"; offset: {level['offset']}"
    return text


def assert_matches_oracle(conn, table, key, level):
    shape = shape_text(level)
    expected = oracle(conn, table, key, level)
    got = tj(conn, table, key, shape)
    if expected is None or expected[0] is None:
        assert got is None, (shape, got)
    else:
        assert got is not None, f"theater_json({table!r}, {key!r}, {shape!r}) is NULL; expected {expected[0]}"
        assert parsed(got) == parsed(expected[0]), (shape, got, expected[0])


def col(name, key=None):
    return ("col", key or name, name)


def rel(name, level, key=None):
    return ("rel", key or name, name, level)


def level(*items, order=(), limit=None, offset=None):
    return {"items": list(items), "order": list(order), "limit": limit, "offset": offset}


# --- the library --------------------------------------------------------------

ROBERT = {"name": "Robert C. Martin", "books": [
    {"title": "Clean Code", "year": 2008, "tags": [{"name": "craft"}, {"name": "programming"}]},
    {"title": "Clean Architecture", "year": 2017, "tags": [{"name": "design"}, {"name": "programming"}]},
    {"title": "The Clean Coder", "year": 2011, "tags": [{"name": "craft"}]},
]}


def test_one_author_with_books_with_tags(lib):
    """The contract's first example on the library with tags: to-many in the
    relationship's own order (books by rowid, tags in link order)."""
    check(lib, "authors", 2, "name, books(title, year, tags(name))", ROBERT)


def test_the_relationship_by_its_own_name_and_by_its_target_table(lib):
    by_name = tj(lib, "authors", 2, "name, author_books(title, year, book_tag_list(name))")
    expected = {"name": "Robert C. Martin", "author_books": [
        {"title": b["title"], "year": b["year"], "book_tag_list": b["tags"]} for b in ROBERT["books"]]}
    assert parsed(by_name) == canon(expected)


def test_a_missing_row_is_null(lib):
    check(lib, "authors", 99, "name, books(title)", None)
    check(lib, "authors", 0, "name", None)
    check(lib, "books", -1, "title, authors(name)", None)


def test_an_author_without_books_has_an_empty_array(lib):
    check(lib, "authors", 4, "name, books(title, tags(name))", {"name": "Nobody Yet", "books": []})
    check(lib, "books", 2, "title, tags(name)", {"title": "Programming Pearls", "tags": []})
    check(lib, "tags", 5, "name, books(title)", {"name": "unused", "books": []})


def test_key_null_is_every_row_in_key_order(lib):
    # Inserted out of key order, so that key order is not insertion order.
    lib.execute("INSERT INTO authors VALUES (0, 'Zero First')")
    check(lib, "authors", None, "id, name", [
        {"id": 0, "name": "Zero First"}, {"id": 1, "name": "David Thomas"}, {"id": 2, "name": "Robert C. Martin"},
        {"id": 3, "name": "Luciano Ramalho"}, {"id": 4, "name": "Nobody Yet"}])
    assert_matches_oracle(lib, "authors", None, level(col("name"), rel("books", level(col("title"))),
                                                      col("id")))


def test_key_null_on_an_empty_table_is_an_empty_array(lib):
    lib.execute("CREATE TABLE empty (id INTEGER PRIMARY KEY, name TEXT)")
    check(lib, "empty", None, "id, name", [])


def test_star_is_every_column_in_declared_order(lib):
    check(lib, "books", 5, "*", {"id": 5, "title": "The Clean Coder", "year": 2011, "author_id": 2,
                                 "publisher_id": None})
    check(lib, "books", 1, "title, tags(*)", {"title": "The Pragmatic Programmer",
                                              "tags": [{"id": 3, "name": "design"}, {"id": 1, "name": "programming"}]})
    check(lib, "books", 3, "*, authors(*)", {"id": 3, "title": "Clean Code", "year": 2008, "author_id": 2,
                                             "publisher_id": 2, "authors": {"id": 2, "name": "Robert C. Martin"}})
    check(lib, "authors", None, "*", [{"id": 1, "name": "David Thomas"}, {"id": 2, "name": "Robert C. Martin"},
                                      {"id": 3, "name": "Luciano Ramalho"}, {"id": 4, "name": "Nobody Yet"}])


def test_star_over_a_one_to_many_relationship(lib):
    """`*` is "all of them" of the relationship's rows. The function
    author_books does not repeat its argument column (author_id) while the
    table books has it: the contract leaves open which, so both are taken, in
    declared order."""
    got = parsed(tj(lib, "authors", 1, "books(*)"))
    rows = [(1, "The Pragmatic Programmer", 1999, 1, 1), (2, "Programming Pearls", 2000, 1, 1)]
    with_fk = {"books": [dict(zip(COLUMNS["books"], r)) for r in rows]}
    without_fk = {"books": [{k: v for k, v in zip(COLUMNS["books"], r) if k != "author_id"} for r in rows]}
    assert got in (canon(with_fk), canon(without_fk))


def test_aliases_of_columns_and_relationships(lib):
    check(lib, "authors", 1, "author:name, written:books(t:title, published:year, labels:tags(label:name))", {
        "author": "David Thomas", "written": [
            {"t": "The Pragmatic Programmer", "published": 1999,
             "labels": [{"label": "design"}, {"label": "programming"}]},
            {"t": "Programming Pearls", "published": 2000, "labels": []}]})
    # An alias may name the same column twice under two keys; keys in shape order.
    check(lib, "authors", 3, "id, label:name, name", {"id": 3, "label": "Luciano Ramalho", "name": "Luciano Ramalho"})


def test_keys_come_in_shape_order(lib):
    check(lib, "books", 4, "year, tags(name, id), title, id",
          {"year": 2017, "tags": [{"name": "design", "id": 3}, {"name": "programming", "id": 1}],
           "title": "Clean Architecture", "id": 4})


def test_whitespace_in_the_shape_does_not_matter(lib):
    compact = tj(lib, "authors", 2, "name,books(title,year,tags(name))")
    spaced = tj(lib, "authors", 2, "  name ,  books(  title , year,tags( name ) )  ")
    assert parsed(compact) == parsed(spaced) == canon(ROBERT)


def test_to_one_embeds_an_object_or_null(lib):
    check(lib, "books", 3, "title, authors(name), publishers(name)",
          {"title": "Clean Code", "authors": {"name": "Robert C. Martin"}, "publishers": {"name": "Prentice Hall"}})
    # Book 5 has no publisher: null, not [] nor {}.
    check(lib, "books", 5, "title, publisher:book_publisher(name), by:book_author(name)",
          {"title": "The Clean Coder", "publisher": None, "by": {"name": "Robert C. Martin"}})
    # An orphan (its author_id names no author: foreign keys are off) has none.
    lib.execute("INSERT INTO books VALUES (8, 'Anonymous', 2020, 9, NULL)")
    check(lib, "books", 8, "title, authors(name)", {"title": "Anonymous", "authors": None})
    assert_matches_oracle(lib, "books", None, level(col("id"), rel("authors", level(col("name"))),
                                                    rel("publishers", level(col("id"), col("name")), key="p")))


def test_nesting_three_and_four_deep(lib):
    check(lib, "publishers", 2, "name, books(title, tags(name, books(title)))", {
        "name": "Prentice Hall", "books": [
            {"title": "Clean Code", "tags": [
                {"name": "craft", "books": [{"title": "Clean Code"}, {"title": "The Clean Coder"}]},
                {"name": "programming", "books": [{"title": "Clean Code"}, {"title": "Clean Architecture"},
                                                  {"title": "Fluent Python"},
                                                  {"title": "The Pragmatic Programmer"}]}]},
            {"title": "Clean Architecture", "tags": [
                {"name": "design", "books": [{"title": "The Pragmatic Programmer"}, {"title": "Clean Architecture"}]},
                {"name": "programming", "books": [{"title": "Clean Code"}, {"title": "Clean Architecture"},
                                                  {"title": "Fluent Python"},
                                                  {"title": "The Pragmatic Programmer"}]}]}]})
    # Down to-many, up to-one, and down again.
    shape = level(col("name"), rel("books", level(col("title"), rel("authors", level(
        col("name"), rel("books", level(col("year"))))), rel("publishers", level(col("name"))))))
    for key in (1, 2, 3, 4, None):
        assert_matches_oracle(lib, "authors", key, shape)
    inner = level(col("name"), rel("books", level(col("id"))))
    tags_books_tags_books = level(col("name"), rel("books", level(col("title"), rel("tags", inner)), key="bs"))
    for key in (1, 2, 5, None):
        assert_matches_oracle(lib, "tags", key, tags_books_tags_books)


def test_order_limit_offset_per_level(lib):
    # Robert's books by year desc: 2017, 2011, 2008; offset 1, limit 2.
    check(lib, "authors", 2, "name, books(title, year; order: year desc, id; limit: 2; offset: 1)",
          {"name": "Robert C. Martin", "books": [{"title": "The Clean Coder", "year": 2011},
                                                 {"title": "Clean Code", "year": 2008}]})
    check(lib, "authors", 2, "books(title; order: title asc)",
          {"books": [{"title": "Clean Architecture"}, {"title": "Clean Code"}, {"title": "The Clean Coder"}]})
    # A column of the level that is not in the shape orders too.
    check(lib, "authors", 2, "books(title; order: year desc)",
          {"books": [{"title": "Clean Architecture"}, {"title": "The Clean Coder"}, {"title": "Clean Code"}]})
    check(lib, "authors", 2, "books(id; limit: 1)", {"books": [{"id": 3}]})
    check(lib, "authors", 2, "books(id; offset: 2)", {"books": [{"id": 5}]})
    check(lib, "authors", 2, "books(id; limit: 0)", {"books": []})
    check(lib, "authors", 2, "books(id; offset: 10)", {"books": []})
    check(lib, "books", 1, "tags(name; order: name)", {"tags": [{"name": "design"}, {"name": "programming"}]})
    check(lib, "books", 1, "tags(name; order: id desc; limit: 1)", {"tags": [{"name": "design"}]})
    # Modifiers at two levels at once, against the oracle.
    for key in (1, 2, 3, 4):
        assert_matches_oracle(lib, "authors", key, level(col("name"), rel("books", level(
            col("title"), rel("tags", level(col("name"), order=[("name", "desc"), ("id", "asc")], limit=1)),
            order=[("year", "asc"), ("id", "desc")], offset=1))))


def test_top_level_order_and_limit_with_key_null(lib):
    # The contract's second example.
    check(lib, "authors", None, "id, name; order: name; limit: 10", [
        {"id": 1, "name": "David Thomas"}, {"id": 3, "name": "Luciano Ramalho"}, {"id": 4, "name": "Nobody Yet"},
        {"id": 2, "name": "Robert C. Martin"}])
    check(lib, "books", None, "id; order: year desc, id; limit: 3; offset: 1", [{"id": 4}, {"id": 6}, {"id": 5}])
    check(lib, "books", None, "id; limit: 2", [{"id": 1}, {"id": 2}])
    check(lib, "books", None, "id; offset: 5", [{"id": 6}, {"id": 7}])
    lib.execute("UPDATE books SET year = 2008 WHERE id IN (1, 6)")  # ties, broken by the second term
    assert_matches_oracle(lib, "books", None, level(col("title"), col("year"), rel("tags", level(col("name"))),
                                                    order=[("year", "asc"), ("id", "desc")], limit=4, offset=2))


def test_relationship_kinds_beyond_the_plain_ones(lib):
    """A relationship with a filter and order of its own (its rows and order
    when the level has no `order`), a view as target, a tree (read through
    its function, with its depth)."""
    lib.execute("""SELECT theater_relate('modern_books', 'authors', 'books',
                   '{"where": "year >= 2010", "order_by": "year DESC"}')""")
    check(lib, "authors", 2, "name, modern_books(title, year)", {"name": "Robert C. Martin", "modern_books": [
        {"title": "Clean Architecture", "year": 2017}, {"title": "The Clean Coder", "year": 2011}]})
    check(lib, "authors", 1, "modern_books(title)", {"modern_books": []})
    check(lib, "authors", 2, "modern_books(title; order: title)", {"modern_books": [
        {"title": "Clean Architecture"}, {"title": "The Clean Coder"}]})

    lib.executescript("""
        CREATE VIEW recent AS SELECT id, author_id, title FROM books WHERE year >= 2015;
        SELECT theater_relate('author_recent', 'authors', 'recent', '{"to_column": "author_id"}');
        CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, manager_id INTEGER REFERENCES staff (id));
        CREATE INDEX staff_manager ON staff (manager_id);
        INSERT INTO staff VALUES (1, 'Taylor', NULL), (2, 'Tristan', 1), (3, 'Sasha', 2), (4, 'Uri', 2),
                                 (5, 'Robin', 3);
        SELECT theater_relate('staff_under', 'staff', 'staff', '{"direction": "one-to-many", "recursive": true}');
        SELECT theater_relate('staff_over', 'staff', 'staff', '{"direction": "many-to-one", "recursive": true}');
    """)
    check(lib, "authors", 3, "author_recent(title; order: id desc)",
          {"author_recent": [{"title": "Fluent Python 2nd Ed"}, {"title": "Fluent Python"}]})
    check(lib, "staff", 1, "name, reports:staff_under(name, depth)", {"name": "Taylor", "reports": [
        {"name": "Tristan", "depth": 1}, {"name": "Sasha", "depth": 2}, {"name": "Uri", "depth": 2},
        {"name": "Robin", "depth": 3}]})
    check(lib, "staff", 5, "name, staff_over(name, depth)", {"name": "Robin", "staff_over": [
        {"name": "Sasha", "depth": 1}, {"name": "Tristan", "depth": 2}, {"name": "Taylor", "depth": 3}]})
    check(lib, "staff", 4, "staff_under(name)", {"staff_under": []})


def test_the_theaters_own_relationships():
    c = connect()
    try:
        c.execute("SELECT theater_migrate()")
        c.execute("INSERT INTO roles (id, character_name) VALUES (900, 'Hamlet'), (901, 'Nobody')")
        c.executemany("INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES (?, ?, ?, ?, ?, ?)",
                      [(9002, 'Ann', 'London', None, 1, 900), (9001, 'Bob', 'Paris', 5550100, 0, 900)])
        check(c, "roles", 900, "character_name, role_auditions(id, actor, hired)", {
            "character_name": "Hamlet", "role_auditions": [{"id": 9001, "actor": "Bob", "hired": 0},
                                                            {"id": 9002, "actor": "Ann", "hired": 1}]})
        check(c, "roles", 901, "character_name, role_auditions(actor)",
              {"character_name": "Nobody", "role_auditions": []})
        check(c, "auditions", 9002, "actor, role:audition_role(character_name)",
              {"actor": "Ann", "role": {"character_name": "Hamlet"}})
    finally:
        c.close()


# --- keys of every kind -------------------------------------------------------

MEMBERS = """
CREATE TABLE members (id TEXT PRIMARY KEY, email TEXT UNIQUE, name TEXT);
CREATE TABLE notes (id TEXT PRIMARY KEY, member_id TEXT REFERENCES members (id), body TEXT, pinned INTEGER);
CREATE INDEX notes_member ON notes (member_id);
INSERT INTO members VALUES ('7f1c9c1e-0b7a-4c47-9d3e-2b1f5d0c6a11', 'ann@example.org', 'Ann'),
                           ('0d3b6a52-8e1f-4a5b-b2c9-6f7e8d9a0b12', 'bob@example.org', 'Bob');
INSERT INTO notes VALUES ('n1', '7f1c9c1e-0b7a-4c47-9d3e-2b1f5d0c6a11', 'Buy milk', 0),
                         ('n2', '0d3b6a52-8e1f-4a5b-b2c9-6f7e8d9a0b12', 'Call Ann', 1),
                         ('n3', '7f1c9c1e-0b7a-4c47-9d3e-2b1f5d0c6a11', 'Fix the bike', 1);
SELECT theater_relate('member_notes', 'members', 'notes');
SELECT theater_relate('note_member', 'notes', 'members');
CREATE TABLE enrolments (student TEXT, course TEXT, term TEXT, PRIMARY KEY (student, course)) WITHOUT ROWID;
CREATE TABLE marks (id INTEGER PRIMARY KEY, student TEXT, course TEXT, mark INTEGER,
                    FOREIGN KEY (student, course) REFERENCES enrolments (student, course));
CREATE INDEX marks_enrolment ON marks (student, course);
INSERT INTO enrolments VALUES ('sam', 'sql101', 'spring'), ('sam', 'orm201', 'fall'), ('al', 'sql101', 'fall');
INSERT INTO marks (student, course, mark) VALUES ('sam', 'sql101', 91), ('sam', 'orm201', 78), ('sam', 'sql101', 84);
SELECT theater_relate('enrolment_marks', 'enrolments', 'marks');
SELECT theater_relate('mark_enrolment', 'marks', 'enrolments');
CREATE TABLE grid (x INTEGER, y INTEGER, label TEXT, PRIMARY KEY (x, y));
INSERT INTO grid VALUES (2, 1, 'two-one'), (1, 2, 'one-two'), (1, 1, 'one-one');
CREATE TABLE loose (label TEXT);
INSERT INTO loose (rowid, label) VALUES (5, 'five'), (2, 'two'), (9, 'nine');
"""


@pytest.fixture
def keyed():
    c = connect()
    c.executescript(MEMBERS)
    yield c
    c.close()


ANN = "7f1c9c1e-0b7a-4c47-9d3e-2b1f5d0c6a11"
BOB = "0d3b6a52-8e1f-4a5b-b2c9-6f7e8d9a0b12"


def test_text_key(keyed):
    check(keyed, "members", ANN, "name, notes(id, body)",
          {"name": "Ann", "notes": [{"id": "n1", "body": "Buy milk"}, {"id": "n3", "body": "Fix the bike"}]})
    check(keyed, "notes", "n2", "body, members(email)", {"body": "Call Ann", "members": {"email": "bob@example.org"}})
    check(keyed, "members", "no-such-member", "name", None)
    # Every row in key order: '0d3b...' (Bob) before '7f1c...' (Ann).
    check(keyed, "members", None, "name, notes(id)",
          [{"name": "Bob", "notes": [{"id": "n2"}]}, {"name": "Ann", "notes": [{"id": "n1"}, {"id": "n3"}]}])


def test_composite_key_is_a_json_array(keyed):
    check(keyed, "enrolments", '["sam", "sql101"]', "term, marks(mark)",
          {"term": "spring", "marks": [{"mark": 91}, {"mark": 84}]})
    check(keyed, "enrolments", '["al", "sql101"]', "term, marks(mark)", {"term": "fall", "marks": []})
    check(keyed, "enrolments", '["sam", "art300"]', "term", None)
    check(keyed, "grid", "[1, 2]", "label", {"label": "one-two"})
    check(keyed, "grid", "[2,1]", "x, y, label", {"x": 2, "y": 1, "label": "two-one"})
    check(keyed, "grid", "[3, 3]", "label", None)
    check(keyed, "marks", 2, "mark, enrolments(student, course, term)",
          {"mark": 78, "enrolments": {"student": "sam", "course": "orm201", "term": "fall"}})
    # Key order: (student, course), (x, y).
    check(keyed, "enrolments", None, "student, course", [
        {"student": "al", "course": "sql101"}, {"student": "sam", "course": "orm201"},
        {"student": "sam", "course": "sql101"}])
    check(keyed, "grid", None, "label", [{"label": "one-one"}, {"label": "one-two"}, {"label": "two-one"}])


@pytest.mark.parametrize("key", ["sam", "[1]", "[1, 2, 3]", "[1, 2, 2]", "{\"x\": 1}", "[1, 2", "[]",
                                 "[[1, 2]]", "[1, [2]]"])
def test_a_malformed_composite_key_names_no_row(keyed, key):
    """A composite key is a JSON array of the key's values, in key order:
    text that is no array, or an array of another length, is not the key of
    (1, 2). The contract says neither error nor NULL for it; either is
    taken, a row is not."""
    try:
        text = tj(keyed, "grid", key, "label")
    except sqlite3.Error as e:
        assert "theater_json" in str(e), str(e)
    else:
        assert text is None, f"theater_json('grid', {key!r}, 'label') names a row: {text}"


def test_a_table_without_a_declared_key_is_keyed_by_rowid(keyed):
    check(keyed, "loose", 2, "label", {"label": "two"})
    check(keyed, "loose", 3, "label", None)
    check(keyed, "loose", None, "label", [{"label": "two"}, {"label": "five"}, {"label": "nine"}])


# --- values -------------------------------------------------------------------

VALUES = [
    # id, i INTEGER, r REAL, t TEXT, n (no affinity)
    (1, 42, 1.5, "héllo ✓ 😀 日本", None),
    (2, -9223372036854775808, -0.25, '{"a": 1}', "[1, 2]"),
    (3, 9223372036854775807, 1e300, "null", "true"),
    (4, 0, 2.0, '"quoted" \\ back\\slash\nnewline\ttab\x01', 3.25),
    (5, None, None, "", 7),
    (6, 1, -1e-300, "1", "12"),
]


@pytest.fixture
def typed():
    c = connect()
    c.execute("CREATE TABLE vals (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, n, b BLOB)")
    c.executemany("INSERT INTO vals (id, i, r, t, n) VALUES (?, ?, ?, ?, ?)", VALUES)
    yield c
    c.close()


def test_values_are_typed_as_json_object_types_them(typed):
    """Integers and reals are numbers (2.0 stays a real), text is a string
    even when it looks like JSON, NULL is null."""
    for row in VALUES:
        expected = dict(zip(["i", "r", "t", "n"], row[1:]))
        check(typed, "vals", row[0], "i, r, t, n", expected)
        hand = typed.execute("SELECT json_object('i', i, 'r', r, 't', t, 'n', n) FROM vals WHERE id = ?",
                             (row[0],)).fetchone()[0]
        assert parsed(tj(typed, "vals", row[0], "i, r, t, n")) == parsed(hand)
    hand = typed.execute("SELECT json_group_array(json_object('id', id, 'i', i, 'r', r, 't', t, 'n', n))"
                         " FROM (SELECT * FROM vals ORDER BY id)").fetchone()[0]
    assert parsed(tj(typed, "vals", None, "id, i, r, t, n")) == parsed(hand)
    # A NULL in a BLOB column is null.
    check(typed, "vals", 1, "b", {"b": None})


def test_a_blob_is_an_error(typed):
    typed.execute("INSERT INTO vals (id, i, b) VALUES (7, 7, x'00ff')")
    check(typed, "vals", 7, "i", {"i": 7})  # not asked for: no error
    for key, shape in ((7, "b"), (7, "*"), (7, "i, b"), (None, "id, b")):
        message = error(typed, "vals", key, shape, named=False)
        assert "blob" in message.lower(), message
    typed.execute("CREATE TABLE owner (id INTEGER PRIMARY KEY)")
    typed.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owner(id), data BLOB)")
    typed.execute("INSERT INTO owner VALUES (1)")
    # x'00ff' is no JSONB either: from SQLite 3.45 json_object reads a BLOB
    # that is valid JSONB (x'01' is true) as JSON, as theater_json does.
    typed.execute("INSERT INTO things VALUES (1, 1, x'00ff')")
    typed.execute("SELECT theater_relate('owner_things', 'owner', 'things')")
    message = error(typed, "owner", 1, "id, things(data)", named=False)
    assert "blob" in message.lower(), message


def test_odd_table_and_column_names_via_star(lib):
    """Names may be anything (docs: "Names, quoting and storage"): `*` over a
    table whose names need quoting gives them as keys, unaltered."""
    lib.executescript('''
        CREATE TABLE "odd ""table""" ("key" INTEGER PRIMARY KEY, "first name" TEXT, "x'y" INTEGER,
                                      "a)b;--" TEXT, "sélect" TEXT);
        INSERT INTO "odd ""table""" VALUES (1, 'Ann', 5, 'p', 'q');
        CREATE TABLE "kid table" (id INTEGER PRIMARY KEY, "parent key" INTEGER REFERENCES "odd ""table""" ("key"),
                                  "the note" TEXT);
        CREATE INDEX kid_parent ON "kid table" ("parent key");
        INSERT INTO "kid table" VALUES (10, 1, 'hello'), (11, 1, 'again');
    ''')
    lib.execute("""SELECT theater_relate('kid_parent_row', 'kid table', 'odd "table"')""")
    check(lib, 'odd "table"', 1, "*", {"key": 1, "first name": "Ann", "x'y": 5, "a)b;--": "p", "sélect": "q"})
    check(lib, "kid table", 11, "*, kid_parent_row(*)", {
        "id": 11, "parent key": 1, "the note": "again",
        "kid_parent_row": {"key": 1, "first name": "Ann", "x'y": 5, "a)b;--": "p", "sélect": "q"}})
    check(lib, "kid table", None, "id", [{"id": 10}, {"id": 11}])


# --- the seed ------------------------------------------------------------------

def seed_expected_output(seed):
    """The lines between the seed's "Expected output" heading and "Alter it"."""
    lines = seed.read_text().splitlines()
    return lines[lines.index("Expected output") + 1:lines.index("Alter it")]


def test_the_seed_library_as_one_document():
    """sql/examples/library.sql (the seed 001 done with the model layer), its
    "All authors" printed as one JSON document, equals the seed's expected
    output read from the seed file."""
    if not LIBRARY_SEED.exists():
        pytest.skip(f"{LIBRARY_SEED} is not here (THEATER_SEEDS names the seeds' folder)")
    if sqlite3.sqlite_version_info < (3, 35, 0):
        pytest.skip("sql/examples/library.sql uses AS MATERIALIZED, SQLite 3.35.0 or newer")
    lines = seed_expected_output(LIBRARY_SEED)
    section = lines[lines.index("--- All authors ---") + 1:]
    expected = []
    for line in section:
        if m := re.fullmatch(r"  Author: (.*)", line):
            expected.append({"name": m[1], "books": []})
        elif m := re.fullmatch(r"    - (.*) \((\d+)\)", line):
            expected[-1]["books"].append({"title": m[1], "year": int(m[2])})
        else:
            break
    assert len(expected) == 3 and sum(len(a["books"]) for a in expected) == 7
    script = "\n".join(line for line in (ROOT / "sql" / "examples" / "library.sql").read_text().splitlines()
                       if not line.startswith("."))
    c = connect()
    try:
        c.executescript(script)
        check(c, "authors", None, "name, books(title, year)", expected)
    finally:
        c.close()


# --- the cache follows the schema and the declarations ----------------------

def test_a_shape_follows_schema_and_declaration_changes(lib):
    shape = "name, books(title, year)"
    check(lib, "authors", 1, shape, {"name": "David Thomas", "books": [
        {"title": "The Pragmatic Programmer", "year": 1999}, {"title": "Programming Pearls", "year": 2000}]})
    lib.execute("UPDATE books SET title = 'TPP' WHERE id = 1")
    check(lib, "authors", 1, "name, books(title)", {"name": "David Thomas", "books": [
        {"title": "TPP"}, {"title": "Programming Pearls"}]})
    lib.execute("ALTER TABLE books RENAME COLUMN year TO published")
    message = error(lib, "authors", 1, shape)
    assert "year" in message, message
    check(lib, "authors", 1, "books(published)", {"books": [{"published": 1999}, {"published": 2000}]})
    lib.execute("SELECT theater_relate('author_books', 'authors', 'books', '{\"where\": \"published >= 2000\"}')")
    check(lib, "authors", 1, "name, books(title)", {"name": "David Thomas", "books": [{"title": "Programming Pearls"}]})
    lib.execute("SELECT theater_unrelate('author_books')")
    message = error(lib, "authors", 1, "name, books(title)")
    assert "books" in message, message


# --- errors --------------------------------------------------------------------

def test_unknown_column(lib):
    message = error(lib, "books", 1, "titel")
    assert "theater_json: books has no column titel" in message, message
    message = error(lib, "authors", 1, "name, books(titel)")
    assert "titel" in message and "no column" in message, message
    message = error(lib, "authors", 1, "name, books(title, tags(label))")
    assert "label" in message and "no column" in message, message
    message = error(lib, "authors", 1, "alias:nam")
    assert "nam" in message, message
    # Every row or one: the same check.
    message = error(lib, "books", None, "id, titel")
    assert "titel" in message, message
    # A column of a missing row is still checked.
    message = error(lib, "books", 99, "titel")
    assert "titel" in message, message


def test_unknown_relationship_lists_the_candidates(lib):
    message = error(lib, "authors", 1, "name, bookz(title)")
    assert "theater_json: no relationship named bookz from authors" in message, message
    assert "author_books" in message, message
    message = error(lib, "authors", 1, "tags(name)")  # a table no relationship from authors leads to
    assert "tags" in message and "author_books" in message, message
    message = error(lib, "authors", 1, "name(title)")  # a column is not a relationship
    assert "name" in message, message


def test_an_ambiguous_target_table_names_the_relationships(lib):
    lib.execute("""SELECT theater_relate('modern_books', 'authors', 'books', '{"where": "year >= 2010"}')""")
    message = error(lib, "authors", 2, "name, books(title)")
    assert "author_books" in message and "modern_books" in message, message
    # Named by the relationship, each still works.
    check(lib, "authors", 2, "modern_books(title)", {"modern_books": [{"title": "Clean Architecture"},
                                                                      {"title": "The Clean Coder"}]})


def test_unknown_table(lib):
    message = error(lib, "authorz", 1, "name")
    assert "authorz" in message, message


def test_order_names_a_column_of_the_level(lib):
    message = error(lib, "authors", 1, "books(title; order: titel)")
    assert "titel" in message, message
    message = error(lib, "authors", None, "name; order: nam desc")
    assert "nam" in message, message


SYNTAX_ERRORS = [
    "name, books(title",            # unbalanced: unclosed
    "name, books(title))",          # unbalanced: one too many
    "name, books title)",
    "name,, books(title)",          # empty item
    "name, ",                       # empty last item
    ", name",                       # empty first item
    "",                             # empty shape
    "   ",
    "books()",                      # empty inner shape
    "books(title,)",
    ":name",                        # empty alias
    "alias:",                       # alias of nothing
]
# Wrong, but not necessarily reported as a syntax error with a position.
OTHER_BAD_SHAPES = ["", "   ", "a:b:name", "name name"]
BAD_MODIFIERS = [
    "id; limit: x",
    "id; limit: 1.5",
    "id; limit:",
    "id; limit: 1 2",
    "id; offset: x",
    "id; order: name sideways",
    "id; order:",
    "id; order: name,",
    "id; colour: red",
    "id; limit 2",
]


@pytest.mark.parametrize("shape", SYNTAX_ERRORS)
def test_syntax_errors_name_the_function_and_the_position(lib, shape):
    message = error(lib, "authors", 1, shape)
    assert re.search(r"\d", message), f"no character position in {message!r}"


@pytest.mark.parametrize("shape", OTHER_BAD_SHAPES)
def test_other_bad_shapes_are_errors(lib, shape):
    error(lib, "authors", 1, shape)


@pytest.mark.parametrize("shape", BAD_MODIFIERS)
def test_bad_modifiers_are_errors(lib, shape):
    error(lib, "authors", None, shape)
    # The same inside a level.
    error(lib, "authors", 1, "books(" + shape + ")")


def test_wrong_argument_count_and_types(lib):
    for sql in ("SELECT theater_json('authors', 1)", "SELECT theater_json('authors')", "SELECT theater_json()",
                "SELECT theater_json('authors', 1, 'name', 'extra')"):
        with pytest.raises(sqlite3.Error) as raised:
            lib.execute(sql).fetchone()
        assert "theater_json" in str(raised.value), str(raised.value)
    for table, key, shape in ((None, 1, "name"), (42, 1, "name"), ("authors", 1, None), ("authors", 1, 3.5)):
        error(lib, table, key, shape)


HOSTILE = [
    "name; DROP TABLE authors",
    "name); DROP TABLE authors; --",
    "name FROM authors; DROP TABLE books; --",
    "name'",
    "name', 'x",
    "'); DROP TABLE authors; --",
    'na"me',
    "name -- comment",
    "name /* comment */",
    "/* */ name",
    "name AS x",
    "upper(name)",
    "count(*)",
    "(SELECT 1)",
    "name, (SELECT group_concat(sql) FROM sqlite_master)",
    "sqlite_master(sql)",
    "pragma_table_info(name)",
    "name, books(title) UNION SELECT sql FROM sqlite_master",
    "name, books(title)) FROM authors --",
    "name, books(title; order: (SELECT 1))",
    "name, books(title; order: title; DROP TABLE books)",
    "name, books(title; order: title, random())",
    "name, books(title; order: title COLLATE nocase)",
    "name, books(title; limit: 1 UNION SELECT 1)",
    "name, books(title; limit: (SELECT 1))",
    "name, books(title; offset: 0; --)",
    "name, books(title; order: year desc --)",
    "name, books(title; order: 1)",
    "[name]",
    "`name`",
    "name.id",
    "authors.name",
    "x:name'); ATTACH 'evil.db' AS evil; --",
    "name\n; DELETE FROM authors",
    "*; DELETE FROM authors",
    "name, books(*, tags(name) WHERE 1)",
]


@pytest.mark.parametrize("shape", HOSTILE)
def test_hostile_shapes_are_clean_errors_and_change_nothing(lib, shape):
    before = lib.execute("SELECT (SELECT group_concat(name) FROM (SELECT name FROM sqlite_master ORDER BY name)),"
                         " (SELECT count(*) FROM authors), (SELECT count(*) FROM books),"
                         " (SELECT count(*) FROM pragma_database_list)").fetchone()
    for key in (1, None):
        message = error(lib, "authors", key, shape)
        # SQLite's own parser never saw the shape.
        assert not re.search(r'near ".*": syntax error', message), message
        assert "no such column" not in message and "no such table" not in message, message
    after = lib.execute("SELECT (SELECT group_concat(name) FROM (SELECT name FROM sqlite_master ORDER BY name)),"
                        " (SELECT count(*) FROM authors), (SELECT count(*) FROM books),"
                        " (SELECT count(*) FROM pragma_database_list)").fetchone()
    assert before == after
    check(lib, "authors", 2, "name, books(title, year, tags(name))", ROBERT)


def test_double_quoted_names_are_names_or_refused(lib):
    """The contract does not say how to write a name that needs quotes; a
    double-quoted name, where it is taken, names exactly that column or
    relationship (never SQL), and a doubled quote is part of the name."""
    lib.executescript('''CREATE TABLE people ("first name" TEXT, "x""y" INTEGER, plain TEXT);
                         INSERT INTO people VALUES ('Ann', 7, 'p');''')
    for shape, expected in (('"name"', {"name": "David Thomas"}),
                            ('"books"("title")', {"books": [{"title": "The Pragmatic Programmer"},
                                                            {"title": "Programming Pearls"}]})):
        try:
            text = tj(lib, "authors", 1, shape)
        except sqlite3.Error as e:
            assert "theater_json" in str(e), str(e)
        else:
            assert parsed(text) == canon(expected), text
    for shape, expected in (('"first name"', {"first name": "Ann"}), ('"x""y"', {'x"y': 7}),
                            ('"first name", plain', {"first name": "Ann", "plain": "p"})):
        try:
            text = tj(lib, "people", 1, shape)
        except sqlite3.Error as e:
            assert "theater_json" in str(e), str(e)
        else:
            assert parsed(text) == canon(expected), text
    for shape in ('"plain', 'plain"', '"first name" "x"', '"na"me"', "'plain'"):
        error(lib, "people", 1, shape)


def test_hostile_keys_and_tables_inject_nothing(lib):
    check(lib, "authors", "1; DROP TABLE authors", "name", None)
    check(lib, "authors", "1 OR 1=1", "name", None)
    for table in ("authors; DROP TABLE books", "authors WHERE 1", "authors --", '"authors"', "main.authors",
                  "authors)", "authors AS a", "(SELECT 1)"):
        error(lib, table, 1, "name")
    assert lib.execute("SELECT count(*) FROM books").fetchone()[0] == 7
    assert lib.execute("SELECT count(*) FROM authors").fetchone()[0] == 4


# --- property: theater_json is the hand-written query --------------------------

# Characters from a fixed list, joined (st.text and st.characters write
# hypothesis's Unicode cache, .hypothesis/, into the working tree): quotes,
# backslash, control and separator characters, accents, CJK, an emoji, a
# combining mark, a byte order mark.
CHARACTERS = list("ab Z09_-'\"\\/{}[]:,;()") + ["\x01", "\x1f", "\n", "\t", "\u2028", "é", "ß", "日", "本",
                                                  "😀", "\u0301", "\ufeff"]
TEXT = st.lists(st.sampled_from(CHARACTERS), max_size=8).map("".join)
# (table) -> [(name in the shape, target table, to-one?)]
LINKS = {"authors": [("books", "books", False), ("author_books", "books", False)],
         "books": [("tags", "tags", False), ("book_tag_list", "tags", False),
                   ("authors", "authors", True), ("book_author", "authors", True)],
         "tags": [("books", "books", False), ("tag_books", "books", False)]}
ORDERABLE = {"authors": ["name", "id"], "books": ["year", "title", "author_id", "id"], "tags": ["name", "id"]}


@st.composite
def levels(draw, table, depth, modifiers, argument=None):
    """A level over `table`. `argument`: the column the relationship takes as
    its argument (books.author_id under authors), not one of its rows'
    columns; `*` is left out there, the contract leaving open whether it
    includes that column."""
    columns = [c for c in COLUMNS[table] if c != argument]
    fields = [("col", c) for c in columns + (["*"] if argument is None else [])]
    if depth < 3:
        fields += [("rel",) + link for link in LINKS[table]]
    chosen = draw(st.lists(st.sampled_from(fields), unique_by=lambda f: f[1], min_size=1, max_size=4))
    items, keys = [], set()
    for field in chosen:
        if field[0] == "col" and field[1] == "*":
            if keys & set(COLUMNS[table]):
                continue
            items.append(("col", "*", "*"))
            keys |= set(COLUMNS[table])
            continue
        name = field[1]
        key = "k_" + name if draw(st.booleans()) else name
        if key in keys:
            continue
        keys.add(key)
        if field[0] == "col":
            items.append(("col", key, name))
        else:
            _, _, target, to_one = field
            child_argument = "author_id" if (table, target) == ("authors", "books") else None
            items.append(("rel", key, name, draw(levels(target, depth + 1, not to_one, child_argument))))
    if not items:
        items = [("col", "id", "id")]
    out = {"items": items, "order": [], "limit": None, "offset": None}
    if modifiers:
        if draw(st.booleans()):
            orderable = [c for c in ORDERABLE[table] if c != argument]
            terms = draw(st.lists(st.sampled_from(orderable), unique=True, min_size=1, max_size=2))
            order = [(c, draw(st.sampled_from(["asc", "desc"]))) for c in terms]
            if "id" not in terms:
                order.append(("id", draw(st.sampled_from(["asc", "desc"]))))
            out["order"] = order
        out["limit"] = draw(st.one_of(st.none(), st.integers(0, 3)))
        out["offset"] = draw(st.one_of(st.none(), st.integers(0, 2)))
    return out


@st.composite
def cases(draw):
    data = {
        "authors": draw(st.lists(TEXT, max_size=6)),
        "books": draw(st.lists(st.tuples(TEXT, st.one_of(st.none(), st.integers(1990, 2030)), st.integers(1, 6),
                                         st.one_of(st.none(), st.integers(1, 2))), max_size=9)),
        "tags": draw(st.lists(TEXT, max_size=4)),
        "links": draw(st.lists(st.tuples(st.integers(1, 10), st.integers(1, 5)), max_size=12)),
    }
    table = draw(st.sampled_from(["authors", "books", "tags"]))
    key = draw(st.one_of(st.none(), st.integers(0, 7)))
    return data, table, key, draw(levels(table, 1, key is None))


PROPERTY_SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE publishers (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER,
                    author_id INTEGER NOT NULL REFERENCES authors(id), publisher_id INTEGER REFERENCES publishers(id));
CREATE INDEX books_author ON books(author_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE book_tags (book_id INTEGER NOT NULL REFERENCES books(id), tag_id INTEGER NOT NULL REFERENCES tags(id));
CREATE INDEX book_tags_book ON book_tags(book_id);
CREATE INDEX book_tags_tag ON book_tags(tag_id);
INSERT INTO publishers VALUES (1, 'P1'), (2, 'P2');
"""


@pytest.fixture(scope="module")
def property_db():
    c = connect()
    c.executescript(PROPERTY_SCHEMA)
    declare(c)
    yield c
    c.close()


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases())
def test_property_theater_json_is_the_hand_written_query(property_db, case):
    data, table, key, shape = case
    c = property_db
    c.execute("BEGIN")
    for t in ("book_tags", "books", "tags", "authors"):
        c.execute(f"DELETE FROM {t}")
    c.executemany("INSERT INTO authors (id, name) VALUES (?, ?)", enumerate(data["authors"], 1))
    c.executemany("INSERT INTO books (id, title, year, author_id, publisher_id) VALUES (?, ?, ?, ?, ?)",
                  ((i,) + b for i, b in enumerate(data["books"], 1)))
    c.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", enumerate(data["tags"], 1))
    c.executemany("INSERT INTO book_tags (book_id, tag_id) VALUES (?, ?)", data["links"])
    c.execute("COMMIT")
    assert_matches_oracle(c, table, key, shape)
    if key is not None:
        # The same shape for every row at once (no top-level modifiers drawn).
        assert_matches_oracle(c, table, None, shape)
