"""Writes through declared relationships against SQLAlchemy 1.4's collections
(issue 16; docs/model-layer.md, "Writes: INSERT and DELETE through a
relationship").

Seed 001's library as SQLAlchemy declarative models (Author.books and
Book.author; Book.tags and Tag.books through the link table book_tags, the
seed's "Alter it"), in two variants of Author.books: SQLAlchemy's default
cascade, whose removed child keeps living with its foreign key set NULL (the
theater's {"on_remove": "orphan"}), and the seed's "Fix it"
cascade="all, delete-orphan", whose removed child is deleted (the theater's
default).

Each case builds one database file from a seeded random dataset, copies it,
does a collection operation with the ORM on one copy (author.books.append of
a new book or of another author's book, author.books.remove,
book.tags.append/remove, tag.books.append/remove) and the same operation as
SQL through the extension on the other, and compares every table of the two
files, row by row with the rowid and each value's type, and the collections
the ORM loads with the relationships' rows. Both sides run with
PRAGMA foreign_keys = ON, so that a deleted book's links go on both (the ORM
deletes them itself; the theater's DELETE leaves it to ON DELETE CASCADE)."""
import dataclasses
import random
import shutil
import sqlite3

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, Table, create_engine, event
from sqlalchemy.orm import Session, declarative_base, relationship

from conftest import connect, scalar

DEFAULT = "save-update, merge"            # SQLAlchemy's default cascade
DELETE_ORPHAN = "all, delete-orphan"      # the seed's "Fix it"


def library(cascade):
    """The seed's models; `cascade` is Author.books'."""
    Base = declarative_base()
    book_tags = Table("book_tags", Base.metadata,
                      Column("book_id", Integer, ForeignKey("books.id", ondelete="CASCADE"), nullable=False,
                             index=True),
                      Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), nullable=False))

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        name = Column(String, nullable=False)
        books = relationship("Book", back_populates="author", cascade=cascade)

    class Book(Base):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        title = Column(String, nullable=False)
        year = Column(Integer)
        status = Column(String, server_default="in print")
        author_id = Column(Integer, ForeignKey("authors.id"), index=True)
        author = relationship("Author", back_populates="books")
        tags = relationship("Tag", secondary=book_tags, back_populates="books")

    class Tag(Base):
        __tablename__ = "tags"
        id = Column(Integer, primary_key=True)
        name = Column(String, nullable=False)
        books = relationship("Book", secondary=book_tags, back_populates="tags")

    return dict(Base=Base, Author=Author, Book=Book, Tag=Tag)


def declarations(cascade):
    """The theater's declarations standing for the models' relationships."""
    author_books = ("SELECT theater_relate('author_books', 'authors', 'books', NULL, '{\"on_remove\": \"orphan\"}')"
                    if cascade == DEFAULT else "SELECT theater_relate('author_books', 'authors', 'books')")
    return [author_books,
            "SELECT theater_relate('book_tag_list', 'books', 'tags', 'book_tags')",
            "SELECT theater_relate('tag_books', 'tags', 'books', 'book_tags')"]


TABLES = ["authors", "books", "tags", "book_tags"]


# --- seeded data ------------------------------------------------------------------

@dataclasses.dataclass
class Data:
    authors: list   # (id, name)
    books: list     # (id, title, year, status or None: the DEFAULT, author_id or None)
    tags: list      # (id, name)
    links: list     # (book_id, tag_id), in link order, no pair twice


def dataset(seed):
    """A small library: ids not in a row, books without author, NULL years,
    statuses left to the DEFAULT. The first book is the first author's and
    linked to the first tag; the second book is the second author's and not
    linked to the second tag, so every operation has something to work on."""
    rng = random.Random(seed)
    author_ids = rng.sample(range(1, 60), rng.randint(2, 5))
    tag_ids = rng.sample(range(1, 60), rng.randint(2, 5))
    book_ids = rng.sample(range(1, 200), rng.randint(3, 12))
    authors = [(a, f"author {a}") for a in author_ids]
    books = []
    for i, b in enumerate(book_ids):
        owner = author_ids[i] if i < 2 else rng.choice(author_ids + [None])
        books.append((b, f"book {b}", rng.choice([None, rng.randint(1950, 2025)]),
                      rng.choice([None, None, "out of print"]), owner))
    pairs = [(b, t) for b in book_ids for t in tag_ids if (b, t) != (book_ids[1], tag_ids[1])]
    pairs.remove((book_ids[0], tag_ids[0]))
    links = [(book_ids[0], tag_ids[0])] + rng.sample(pairs, rng.randint(0, min(len(pairs), 10)))
    rng.shuffle(links)
    return Data(authors, books, [(t, f"tag {t}") for t in tag_ids], links)


# --- the two copies ------------------------------------------------------------------

def no_fsync_and_foreign_keys(dbapi_conn, _):
    dbapi_conn.execute("PRAGMA synchronous = OFF")
    dbapi_conn.execute("PRAGMA foreign_keys = ON")


@dataclasses.dataclass
class Pair:
    models: dict
    engine: object      # SQLAlchemy's, on the ORM's copy
    orm_path: object
    conn: object        # the extension's, on the theater's copy

    def rows(self, conn, table):
        return [tuple((type(v).__name__, v) for v in r)
                for r in conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid")]

    def assert_same(self, what):
        orm = sqlite3.connect(str(self.orm_path))
        try:
            names = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'theater\\_%' ESCAPE '\\'"
            assert sorted(r[0] for r in orm.execute(names)) == sorted(r[0] for r in self.conn.execute(names))
            for table in TABLES:
                assert self.rows(self.conn, table) == self.rows(orm, table), (what, table)
        finally:
            orm.close()
        self.assert_same_collections(what)

    def assert_same_collections(self, what):
        """The collections the ORM loads (a fresh session, from its copy) are
        the relationships' rows on the theater's copy, as multisets."""
        m = self.models
        with Session(self.engine) as s:
            for a in s.query(m["Author"]).all():
                got = sorted(r[0] for r in self.conn.execute("SELECT id FROM author_books(?)", (a.id,)))
                assert got == sorted(b.id for b in a.books), (what, "author", a.id)
            for b in s.query(m["Book"]).all():
                got = sorted(r[0] for r in self.conn.execute("SELECT id FROM book_tag_list(?)", (b.id,)))
                assert got == sorted(t.id for t in b.tags), (what, "book", b.id)
            for t in s.query(m["Tag"]).all():
                got = sorted(r[0] for r in self.conn.execute("SELECT id FROM tag_books(?)", (t.id,)))
                assert got == sorted(b.id for b in t.books), (what, "tag", t.id)


@pytest.fixture
def pair(tmp_path):
    """pair(cascade, data): the same file twice, the ORM on one and the
    extension (with the declarations) on the other."""
    made = []

    def make(cascade, data):
        models = library(cascade)
        orm_path, theater_path = tmp_path / f"orm{len(made)}.db", tmp_path / f"theater{len(made)}.db"
        engine = create_engine(f"sqlite:///{orm_path}")
        event.listen(engine, "connect", no_fsync_and_foreign_keys)
        models["Base"].metadata.create_all(engine)
        engine.dispose()
        raw = sqlite3.connect(str(orm_path), isolation_level=None)
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO authors (id, name) VALUES (?, ?)", data.authors)
        for b, title, year, status, author in data.books:
            if status is None:  # left to the DEFAULT
                raw.execute("INSERT INTO books (id, title, year, author_id) VALUES (?, ?, ?, ?)",
                            (b, title, year, author))
            else:
                raw.execute("INSERT INTO books (id, title, year, status, author_id) VALUES (?, ?, ?, ?, ?)",
                            (b, title, year, status, author))
        raw.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", data.tags)
        raw.executemany("INSERT INTO book_tags (book_id, tag_id) VALUES (?, ?)", data.links)
        raw.execute("COMMIT")
        raw.close()
        shutil.copyfile(orm_path, theater_path)
        conn = connect(theater_path)
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = ON")
        for statement in declarations(cascade):
            conn.execute(statement)
        p = Pair(models, engine, orm_path, conn)
        made.append(p)
        p.assert_same("before")
        return p

    yield make
    for p in made:
        p.conn.close()
        p.engine.dispose()


# --- the operations ---------------------------------------------------------------------

class State:
    """The data as it is now (read from the theater's copy, which the
    comparisons keep equal to the ORM's)."""

    def __init__(self, conn):
        self.authors = [r[0] for r in conn.execute("SELECT id FROM authors ORDER BY id")]
        self.books = dict(conn.execute("SELECT id, author_id FROM books ORDER BY id").fetchall())
        self.tags = [r[0] for r in conn.execute("SELECT id FROM tags ORDER BY id")]
        self.links = set(conn.execute("SELECT book_id, tag_id FROM book_tags").fetchall())

    def owned(self):
        return sorted((a, b) for b, a in self.books.items() if a is not None)

    def movable(self):
        return sorted((a, b) for b, owner in self.books.items() for a in self.authors if a != owner)

    def unlinked(self):
        return sorted((b, t) for b in self.books for t in self.tags if (b, t) not in self.links)

    def linked(self):
        return sorted(self.links)


@dataclasses.dataclass
class Op:
    """One collection operation, the same on both sides."""
    name: str
    args: tuple
    orm: object         # (session, models, *args) -> None
    sql: str

    def __str__(self):
        return f"{self.name}{self.args}"


# Each keeps its objects in locals: the session holds them only weakly.

def orm_append_new(s, m, author, title, year):
    parent = s.get(m["Author"], author)
    parent.books.append(m["Book"](title=title) if year is None else m["Book"](title=title, year=year))


def orm_append_existing(s, m, author, book):
    parent, child = s.get(m["Author"], author), s.get(m["Book"], book)
    parent.books.append(child)


def orm_remove(s, m, author, book):
    parent, child = s.get(m["Author"], author), s.get(m["Book"], book)
    parent.books.remove(child)


def orm_tags_append(s, m, book, tag):
    parent, child = s.get(m["Book"], book), s.get(m["Tag"], tag)
    parent.tags.append(child)


def orm_tags_remove(s, m, book, tag):
    parent, child = s.get(m["Book"], book), s.get(m["Tag"], tag)
    parent.tags.remove(child)


def orm_tag_books_append(s, m, book, tag):
    parent, child = s.get(m["Tag"], tag), s.get(m["Book"], book)
    parent.books.append(child)


def orm_tag_books_remove(s, m, book, tag):
    parent, child = s.get(m["Tag"], tag), s.get(m["Book"], book)
    parent.books.remove(child)


# kind: (the ORM's collection operation, the theater's SQL, the arguments it applies to in a State)
KINDS = {
    "append_new": (orm_append_new, "INSERT INTO author_books(author_id, title, year) VALUES (?, ?, ?)", None),
    "reparent": (orm_append_existing, "INSERT INTO author_books(author_id, id) VALUES (?, ?)", State.movable),
    "remove": (orm_remove, "DELETE FROM author_books WHERE author_id = ? AND id = ?", State.owned),
    "tags_append": (orm_tags_append, "INSERT INTO book_tag_list(book_id, id) VALUES (?, ?)", State.unlinked),
    "tags_remove": (orm_tags_remove, "DELETE FROM book_tag_list WHERE book_id = ? AND id = ?", State.linked),
    "tag_books_append": (orm_tag_books_append, "INSERT INTO tag_books(id, tag_id) VALUES (?, ?)", State.unlinked),
    "tag_books_remove": (orm_tag_books_remove, "DELETE FROM tag_books WHERE id = ? AND tag_id = ?", State.linked),
}


def operation(kind, args):
    orm, sql, _ = KINDS[kind]
    return Op(kind, args, orm, sql)


def choose(kind, state, rng):
    """An operation of `kind` that applies to `state`, or None."""
    if kind == "append_new":
        year = rng.choice([None, rng.randint(1900, 2030)])
        return operation(kind, (rng.choice(state.authors), f"new book {rng.randrange(10 ** 6)}", year))
    candidates = KINDS[kind][2](state)
    return operation(kind, rng.choice(candidates)) if candidates else None


def apply(pair, op):
    with Session(pair.engine) as s:
        op.orm(s, pair.models, *op.args)
        s.commit()
    pair.conn.execute(op.sql, op.args)
    pair.assert_same(str(op))


# --- the tests ---------------------------------------------------------------------------

SEEDS = [11, 23, 47]

# (operation, Author.books' cascade); `remove` is the one where the cascade
# decides: the default sets the book's author_id NULL, delete-orphan deletes it
OPERATIONS = [
    ("append_new", DEFAULT),
    ("reparent", DELETE_ORPHAN),
    ("remove", DEFAULT),
    ("remove", DELETE_ORPHAN),
    ("tags_append", DELETE_ORPHAN),
    ("tags_remove", DEFAULT),
    ("tag_books_append", DEFAULT),
    ("tag_books_remove", DELETE_ORPHAN),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind, cascade", OPERATIONS,
                         ids=[f"{k}-{'delete_orphan' if c == DELETE_ORPHAN else 'default'}" for k, c in OPERATIONS])
def test_a_collection_operation_does_what_the_orm_does(pair, kind, cascade, seed):
    p = pair(cascade, dataset(seed))
    op = choose(kind, State(p.conn), random.Random(seed))
    assert op is not None
    apply(p, op)


@pytest.mark.parametrize("cascade", [DEFAULT, DELETE_ORPHAN], ids=["default", "delete_orphan"])
def test_removing_a_book_with_tags_matches_the_orm(pair, cascade):
    """The first book has a link: delete-orphan deletes it (the ORM deletes
    the link itself, the theater through ON DELETE CASCADE); the default
    keeps book and link."""
    data = dataset(5)
    p = pair(cascade, data)
    first_book, _, _, _, first_author = data.books[0]
    assert scalar(p.conn, "SELECT count(*) FROM book_tags WHERE book_id = ?", (first_book,)) >= 1
    apply(p, operation("remove", (first_author, first_book)))


@pytest.mark.parametrize("seed, cascade", [(101, DEFAULT), (202, DELETE_ORPHAN), (303, DEFAULT),
                                           (404, DELETE_ORPHAN)],
                         ids=["101-default", "202-delete_orphan", "303-default", "404-delete_orphan"])
def test_a_random_sequence_of_operations_does_what_the_orm_does(pair, seed, cascade):
    p = pair(cascade, dataset(seed))
    rng = random.Random(seed)
    kinds = ["append_new", "reparent", "remove", "tags_append", "tags_remove", "tag_books_append",
             "tag_books_remove"]
    done = 0
    for _ in range(10):
        op = choose(rng.choice(kinds), State(p.conn), rng)
        if op is not None:
            apply(p, op)
            done += 1
    assert done >= 5
