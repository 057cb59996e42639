"""Declared relationships on real schemas against SQLAlchemy 1.4's
relationships (shared/spec/model-layer.md, "Real schemas"; issue 15).

Each test builds a small schema and its data with SQLAlchemy declarative
models, in the style of the seeds (shared/seeds/), on a database file; opens
the same file with the extension (conftest's `connect`), declares with
theater_relate, and compares, for every row of the from_table (and for keys
that name nothing, NULL included), the relationship's rows with what the
ORM's relationship attribute loads: the same rows, in the same order where
the order is documented, each value with its type (1 is not 1.0 is not '1';
a UUID blob is bytes). The ORM side is told the documented order explicitly
(`order_by`, with the rowid as tie-break), so that what is compared is the
contract and not the order SQLite happens to scan in.

The parts: keys of every kind (TEXT, UUID as text and as a 16-byte blob,
composite, WITHOUT ROWID, a UNIQUE column, the rowid of a table without a
declared key); declarations without a foreign key and on views
(from_column/to_column, through_from/through_to); order_by and where
against relationship(order_by=..., primaryjoin=and_(...)); trees
(recursive, max_depth) against a hand-written recursive CTE and against
walking SQLAlchemy's adjacency list (remote_side); and seeded random schemas
and data (plus a hypothesis search of random forests)."""
import dataclasses
import datetime
import json
import random
import types
import uuid

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import (Boolean, Column, Date, Float, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        LargeBinary, MetaData, String, Table, and_, create_engine, event, func, inspect,
                        literal_column, or_)
from sqlalchemy.orm import Session, declarative_base, foreign, relationship, remote

from conftest import connect, scalar
from seed_models import Role
from theater_data import AUDITIONS, ROLES


# --- values, rows and the two sides ------------------------------------------------

def raw(value):
    """A Python value of the ORM as SQLite stores it (what SQLAlchemy 1.4's
    SQLite dialect binds): a bool is 0 or 1, a date its ISO text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def typed(row):
    """A row with each value's type: 1, 1.0, '1' and b'1' differ."""
    return tuple((type(v).__name__, v) for v in row)


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def rowid(table):
    """The rowid of `table`, for an ORM order_by: the documented tie-break."""
    return literal_column(f"{quoted(table)}.rowid")


def key_of(obj):
    """The ORM object's primary key, in the mapper's (the table's) key order."""
    return tuple(raw(v) for v in inspect(obj).identity)


def related(obj, attr):
    """The ORM relationship attribute as a list (many-to-one: 0 or 1 object)."""
    value = getattr(obj, attr)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def orm_rows(objs, columns):
    return [typed(tuple(raw(getattr(o, c)) for c in columns)) for o in objs]


def fetch(conn, sql, params=()):
    return [typed(r) for r in conn.execute(sql, params).fetchall()]


def relate(conn, name, from_table, to_table, through=None, options=None):
    """theater_relate in the form docs/model-layer.md shows: the options, a
    JSON object, are the last argument (after a NULL through_table when
    there is none)."""
    args = [name, from_table, to_table]
    if options is not None:
        args += [through, json.dumps(options)]
    elif through is not None:
        args.append(through)
    marks = ", ".join("?" * len(args))
    return scalar(conn, f"SELECT theater_relate({marks})", args)


def rel_rows(conn, name, columns, key):
    """name(key...) with the named columns (a hidden argument column is
    readable by name too)."""
    marks = ", ".join("?" * len(key))
    cols = ", ".join(quoted(c) for c in columns)
    return fetch(conn, f"SELECT {cols} FROM {name}({marks})", key)


def hidden_columns(conn, name):
    return [r[1] for r in conn.execute(f"PRAGMA table_xinfo({name})") if r[6]]


def multiset(rows):
    return sorted(rows, key=repr)


@dataclasses.dataclass(frozen=True)
class Rel:
    """One declared relationship and the ORM attribute it stands for."""
    name: str
    from_table: str
    to_table: str
    through: str = None
    options: dict = None
    source: str = ""          # the ORM class (attribute of the models' namespace) of from_table
    attr: str = ""            # its relationship attribute
    columns: tuple = ()       # to_table's columns compared (ORM attribute names are the column names)
    argument: tuple = ()      # the documented hidden argument column(s)
    ordered: bool = True      # False: the order is unspecified (a view target without order_by)

    def declare(self, conn):
        return relate(conn, self.name, self.from_table, self.to_table, self.through, self.options)


def assert_same_as_orm(conn, session, models, rel, nothing):
    """For every from_table row, rel(key) is the ORM attribute's rows; keys
    in `nothing` (tuples of the key's arity) give no rows. Returns how many
    rows were compared, so a test can see its data exercised the relationship."""
    compared = 0
    sources = session.query(getattr(models, rel.source)).all()
    assert sources, rel.name
    for obj in sources:
        key = key_of(obj)
        expected = orm_rows(related(obj, rel.attr), rel.columns)
        got = rel_rows(conn, rel.name, rel.columns, key)
        if not rel.ordered:
            expected, got = multiset(expected), multiset(got)
        assert got == expected, (rel.name, key)
        compared += len(expected)
    for key in nothing:
        assert rel_rows(conn, rel.name, rel.columns, key) == [], (rel.name, key)
    return compared


def assert_where_form_is_the_call(conn, session, models, rel):
    """WHERE <argument columns> = ? reads the same rows as the call."""
    where = " AND ".join(f"{quoted(a)} = ?" for a in rel.argument)
    cols = ", ".join(quoted(c) for c in rel.columns)
    for obj in session.query(getattr(models, rel.source)).all():
        key = key_of(obj)
        by_where = fetch(conn, f"SELECT {cols} FROM {rel.name} WHERE {where}", key)
        by_call = rel_rows(conn, rel.name, rel.columns, key)
        if not rel.ordered:
            by_where, by_call = multiset(by_where), multiset(by_call)
        assert by_where == by_call, (rel.name, key)
        # the hidden columns read back the key the call was given
        assert rel_rows(conn, rel.name, rel.argument, key) == [typed(key)] * len(by_call), (rel.name, key)


def engine_on(path):
    """SQLAlchemy's engine on the file. No fsync, here or on the extension's
    connection (`unsynced`): a test's database outlives no crash, and the
    suite's time would otherwise go to waiting for the disk."""
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda dbapi_conn, _: dbapi_conn.execute("PRAGMA synchronous = OFF"))
    return engine


def unsynced(conn):
    conn.execute("PRAGMA synchronous = OFF")
    return conn


@pytest.fixture
def build(tmp_path):
    """build(models, rows, ddl=()): creates the models' tables on a new
    file, runs the extra DDL (views, tables SQLAlchemy does not create),
    inserts the ORM rows in the order given (rowid order is insertion order)
    and returns (extension connection, a fresh ORM session). The ORM reads
    everything back from the file, never from the objects it inserted."""
    opened = []

    def make(models, rows, ddl=()):
        path = tmp_path / f"db{len(opened)}.sqlite"
        engine = engine_on(path)
        models.Base.metadata.create_all(engine)
        with engine.begin() as c:
            for statement in ddl:
                c.exec_driver_sql(statement)
        with Session(engine) as s:
            for row in rows:  # one flush per row: the rowid order is exactly this order
                s.add(row)
                s.flush()
            s.commit()
        conn = unsynced(connect(path))
        session = Session(engine)
        opened.append((engine, conn, session))
        return conn, session

    yield make
    for engine, conn, session in opened:
        session.close()
        conn.close()
        engine.dispose()


# --- 1. TEXT and UUID keys: one-to-many, many-to-one, many-to-many ----------------------

@dataclasses.dataclass(frozen=True)
class KeyKind:
    name: str
    column_type: object       # the SQLAlchemy type of every key and foreign key column
    make: object              # i -> the i-th key (deterministic)
    nothing: object           # a key that names no row


def seeded_uuid(i):
    return uuid.UUID(int=random.Random(i).getrandbits(128), version=4)


KEY_KINDS = [
    KeyKind("integer", Integer, lambda i: 7 * i % 61 + 1, 999),
    # text keys that sort differently from insertion (rowid) order
    KeyKind("text", String, lambda i: f"k{(7 * i) % 61:02d}", "k99"),
    KeyKind("uuid_text", String(32), lambda i: seeded_uuid(i).hex, uuid.UUID(int=0).hex),
    KeyKind("uuid_blob", LargeBinary(16), lambda i: seeded_uuid(i).bytes, bytes(16)),
]
KEY_KIND_IDS = [k.name for k in KEY_KINDS]


def library(kind):
    """Seed 001's library with keys of `kind`: authors and books (one-to-many),
    tags through book_tags (many-to-many, indexed on book_id alone, so a
    book's tags come in link order; a tag's books in link rowid order)."""
    Base = declarative_base()
    K = kind.column_type
    book_tags = Table("book_tags", Base.metadata,
                      Column("book_id", K, ForeignKey("books.id")),
                      Column("tag_id", K, ForeignKey("tags.id")),
                      Index("book_tags_book", "book_id"))

    class Author(Base):
        __tablename__ = "authors"
        id = Column(K, primary_key=True)
        name = Column(String)
        books = relationship("Book", back_populates="author", order_by=lambda: rowid("books"))

    class Book(Base):
        __tablename__ = "books"
        id = Column(K, primary_key=True)
        title = Column(String)
        author_id = Column(K, ForeignKey("authors.id"), index=True)
        author = relationship("Author", back_populates="books")
        tags = relationship("Tag", secondary=book_tags, order_by=lambda: rowid("book_tags"),
                            back_populates="books")

    class Tag(Base):
        __tablename__ = "tags"
        id = Column(K, primary_key=True)
        label = Column(String)
        books = relationship("Book", secondary=book_tags, order_by=lambda: rowid("book_tags"),
                             back_populates="tags")

    return types.SimpleNamespace(Base=Base, Author=Author, Book=Book, Tag=Tag, book_tags=book_tags)


LIBRARY_RELS = [
    Rel("author_books", "authors", "books", source="Author", attr="books", columns=("id", "title", "author_id"),
        argument=("author_id",)),
    Rel("book_author", "books", "authors", source="Book", attr="author", columns=("id", "name"),
        argument=("books_id",)),
    Rel("book_tag_list", "books", "tags", "book_tags", source="Book", attr="tags", columns=("id", "label"),
        argument=("book_id",)),
    Rel("tag_books", "tags", "books", "book_tags", source="Tag", attr="books", columns=("id", "title", "author_id"),
        argument=("tag_id",)),
]
LIBRARY_REL_IDS = [r.name for r in LIBRARY_RELS]


def library_db(build, kind):
    m = library(kind)
    k = kind.make
    authors = [m.Author(id=k(i), name=f"author {i}") for i in (3, 1, 4, 2)]
    # author 4 has no book; book 15 names no author (an orphan), book 16 none
    owners = {10: 3, 11: 1, 12: 3, 13: 1, 14: 3, 15: None, 16: None}
    books = [m.Book(id=k(i), title=f"book {i}", author_id=None if a is None else k(a)) for i, a in owners.items()]
    books[5].author_id = k(20)
    tags = [m.Tag(id=k(i), label=f"tag {i}") for i in (22, 21, 23)]
    data = authors + books + tags
    conn, session = build(m, data)
    links = [(12, 22), (10, 23), (12, 21), (10, 21), (14, 23), (12, 23), (20, 21), (11, 99)]
    with conn:
        conn.executemany("INSERT INTO book_tags VALUES (?, ?)", [(raw(k(b)), raw(k(t))) for b, t in links])
    return conn, session, m


@pytest.mark.parametrize("kind", KEY_KINDS, ids=KEY_KIND_IDS)
@pytest.mark.parametrize("rel", LIBRARY_RELS, ids=LIBRARY_REL_IDS)
def test_keys_of_any_type_give_the_orms_rows(build, kind, rel):
    conn, session, m = library_db(build, kind)
    rel.declare(conn)
    assert assert_same_as_orm(conn, session, m, rel, [(kind.nothing,), (None,)]) >= 3


@pytest.mark.parametrize("kind", KEY_KINDS, ids=KEY_KIND_IDS)
@pytest.mark.parametrize("rel", LIBRARY_RELS, ids=LIBRARY_REL_IDS)
def test_keys_of_any_type_name_their_hidden_argument(build, kind, rel):
    conn, session, m = library_db(build, kind)
    rel.declare(conn)
    assert hidden_columns(conn, rel.name) == list(rel.argument)
    assert_where_form_is_the_call(conn, session, m, rel)


@pytest.mark.parametrize("kind", KEY_KINDS[1:], ids=KEY_KIND_IDS[1:])
def test_a_key_of_another_type_names_nothing(build, kind):
    """A text key's bytes and a blob key's text are other values, in the
    join and in the ORM alike."""
    conn, session, m = library_db(build, kind)
    LIBRARY_RELS[0].declare(conn)
    key = kind.make(3)
    other = key.encode() if isinstance(key, str) else key.hex()
    assert rel_rows(conn, "author_books", ("id",), (key,)) != []
    assert rel_rows(conn, "author_books", ("id",), (other,)) == []


# Arguments against a text key, and against an integer key (where a value
# that is not an integer is an error, not "no rows": sql-api.md section 4)
ARGUMENTS = {"text": [7, "7", " 7", 7.0, "7.0", "07", 7.5, b"7", "x", None],
             "integer": [7, "7", " 7", 7.0, "7.0", "07", "7e0", 8, "8 ", None]}


@pytest.mark.parametrize("kind", KEY_KINDS[:2], ids=KEY_KIND_IDS[:2])
def test_an_argument_compares_with_the_key_as_the_join_does(build, kind):
    """rel(arg) is the ORM's query(Author).filter(Author.id == arg) and its
    books: the key column's affinity applies to the argument (7 and '7'
    name the text key '7', not '07'; ' 7' and 7.0 name the integer key 7)."""
    m = library(kind)
    ids = [7, 8] if kind.name == "integer" else ["7", "07", "7.0", "x"]
    data = [m.Author(id=a, name=f"author {a}") for a in ids]
    data += [m.Book(id=k, title=f"book {n}", author_id=ids[n % len(ids)])
             for n, k in enumerate([50, 51, 52, 53, 54, 55] if kind.name == "integer" else
                                   ["b0", "b1", "b2", "b3", "b4", "b5"])]
    conn, session = build(m, data)
    LIBRARY_RELS[0].declare(conn)
    columns = ("id", "title")
    found = 0
    for arg in ARGUMENTS[kind.name]:
        authors = session.query(m.Author).filter(m.Author.id == arg).order_by(m.Author.id).all()
        expected = [row for a in authors for row in orm_rows(a.books, columns)]
        assert rel_rows(conn, "author_books", columns, (arg,)) == expected, arg
        found += bool(expected)
    assert found >= 3


# --- 2. Composite keys (and WITHOUT ROWID) ---------------------------------------------

CollegeBase = declarative_base()


class Student(CollegeBase):
    __tablename__ = "students"
    id = Column(String, primary_key=True)
    name = Column(String)
    # WITHOUT ROWID target: its primary key order
    enrolments = relationship("Enrolment", back_populates="student",
                              order_by=lambda: [Enrolment.student_id, Enrolment.course_id])
    # many-to-many through the WITHOUT ROWID enrolments: the order of its
    # primary key (student_id, course_id), the link's index on student_id
    courses = relationship("Course", secondary="enrolments", viewonly=True,
                           order_by=lambda: Enrolment.__table__.c.course_id)


class Course(CollegeBase):
    __tablename__ = "courses"
    id = Column(String, primary_key=True)
    title = Column(String)


class Enrolment(CollegeBase):
    __tablename__ = "enrolments"
    __table_args__ = {"sqlite_with_rowid": False}
    student_id = Column(String, ForeignKey("students.id"), primary_key=True)
    course_id = Column(String, ForeignKey("courses.id"), primary_key=True)
    year = Column(Integer)
    student = relationship("Student", back_populates="enrolments")
    grades = relationship("Grade", back_populates="enrolment", order_by=lambda: rowid("grades"))
    # many-to-many whose link refers to the composite key (its index is on
    # both columns: link order)
    tutors = relationship("Tutor", secondary=lambda: tutorials, order_by=lambda: rowid("tutorials"))


class Grade(CollegeBase):
    __tablename__ = "grades"
    __table_args__ = (ForeignKeyConstraint(["student_id", "course_id"],
                                           ["enrolments.student_id", "enrolments.course_id"]),
                      Index("grades_enrolment", "student_id", "course_id"))
    id = Column(Integer, primary_key=True)
    student_id = Column(String)
    course_id = Column(String)
    mark = Column(Float)
    enrolment = relationship("Enrolment", back_populates="grades")


class Tutor(CollegeBase):
    __tablename__ = "tutors"
    id = Column(Integer, primary_key=True)
    name = Column(String)


tutorials = Table("tutorials", CollegeBase.metadata,
                  Column("student_id", String), Column("course_id", String),
                  Column("tutor_id", Integer, ForeignKey("tutors.id")),
                  ForeignKeyConstraint(["student_id", "course_id"], ["enrolments.student_id", "enrolments.course_id"]),
                  Index("tutorials_enrolment", "student_id", "course_id"))
COLLEGE = types.SimpleNamespace(Base=CollegeBase, Student=Student, Course=Course, Enrolment=Enrolment, Grade=Grade)


def college_db(build):
    data = [Student(id=s, name=f"student {s}") for s in ("s3", "s1", "s2", "s4")]
    data += [Course(id=c, title=f"course {c}") for c in ("c2", "c1", "c3")]
    data += [Enrolment(student_id=s, course_id=c, year=y)
             for s, c, y in [("s1", "c2", 2021), ("s3", "c1", 2020), ("s1", "c1", 2020), ("s2", "c3", 2022),
                             ("s1", "c3", 2022), ("s3", "c3", 2021)]]
    # grades out of id order; the last three belong to no enrolment (a
    # half-NULL key, and keys that match one column only)
    marks = [(5, "s1", "c2", 15.5), (2, "s1", "c1", 12.0), (9, "s1", "c2", 11.0), (4, "s3", "c1", 18.0),
             (7, "s2", "c3", 9.5), (1, "s1", "c2", 14.0), (8, "s1", None, 10.0), (3, "s2", "c1", 7.0),
             (6, "s4", "c3", 13.0)]
    data += [Grade(id=i, student_id=s, course_id=c, mark=mark) for i, s, c, mark in marks]
    data += [Tutor(id=i, name=n) for i, n in [(3, "Tess"), (1, "Uma"), (2, "Vic")]]
    conn, session = build(COLLEGE, data)
    with conn:
        conn.executemany("INSERT INTO tutorials VALUES (?, ?, ?)",
                         [("s1", "c2", 3), ("s3", "c1", 1), ("s1", "c2", 1), ("s1", "c1", 2), ("s1", "c2", 2),
                          ("s1", None, 1), ("s2", "c1", 3), ("s2", "c3", 9)])
    return conn, session


COLLEGE_RELS = [
    Rel("enrolment_grades", "enrolments", "grades", source="Enrolment", attr="grades",
        columns=("id", "mark", "student_id", "course_id"), argument=("student_id", "course_id")),
    Rel("grade_enrolment", "grades", "enrolments", source="Grade", attr="enrolment",
        columns=("student_id", "course_id", "year"), argument=("grades_id",)),
    Rel("enrolment_student", "enrolments", "students", source="Enrolment", attr="student",
        columns=("id", "name"), argument=("enrolments_student_id", "enrolments_course_id")),
    Rel("student_enrolments", "students", "enrolments", source="Student", attr="enrolments",
        columns=("student_id", "course_id", "year"), argument=("student_id",)),
    Rel("student_courses", "students", "courses", "enrolments", source="Student", attr="courses",
        columns=("id", "title"), argument=("student_id",)),
    Rel("enrolment_tutors", "enrolments", "tutors", "tutorials", source="Enrolment", attr="tutors",
        columns=("id", "name"), argument=("student_id", "course_id")),
]
COLLEGE_REL_IDS = [r.name for r in COLLEGE_RELS]
# Keys of the right arity that name no row: one column matches, NULL in either
COLLEGE_NOTHING = {
    1: [("s9",), (None,)],
    2: [("s9", "c1"), ("s1", "c9"), ("c1", "s1"), (None, "c1"), ("s1", None), (None, None)],
}


@pytest.mark.parametrize("rel", COLLEGE_RELS, ids=COLLEGE_REL_IDS)
def test_composite_keys_give_the_orms_rows(build, rel):
    conn, session = college_db(build)
    rel.declare(conn)
    arity = len(inspect(getattr(COLLEGE, rel.source)).primary_key)
    nothing = COLLEGE_NOTHING[arity] if arity == 2 else [(9999,), (None,)] if rel.source == "Grade" \
        else COLLEGE_NOTHING[1]
    assert assert_same_as_orm(conn, session, COLLEGE, rel, nothing) >= 3


@pytest.mark.parametrize("rel", COLLEGE_RELS, ids=COLLEGE_REL_IDS)
def test_composite_keys_have_one_hidden_argument_per_key_column_in_key_order(build, rel):
    conn, session = college_db(build)
    rel.declare(conn)
    assert hidden_columns(conn, rel.name) == list(rel.argument)
    assert_where_form_is_the_call(conn, session, COLLEGE, rel)


def test_composite_one_to_many_does_not_repeat_the_key_columns(build):
    """The argument is the foreign key itself, as for one column: grades'
    visible columns are its own without student_id and course_id."""
    conn, _ = college_db(build)
    COLLEGE_RELS[0].declare(conn)
    assert [r[1] for r in conn.execute("PRAGMA table_xinfo(enrolment_grades)") if not r[6]] == ["id", "mark"]
    assert fetch(conn, "SELECT * FROM enrolment_grades('s1', 'c2')") == \
        [typed(r) for r in [(1, 14.0), (5, 15.5), (9, 11.0)]]


def test_composite_key_without_argument_is_every_row_by_key(build):
    """Without the arguments: every enrolment's grades, by key, then rowid."""
    conn, session = college_db(build)
    COLLEGE_RELS[0].declare(conn)
    expected = [typed((g.student_id, g.course_id, g.id))
                for e in session.query(Enrolment).order_by(Enrolment.student_id, Enrolment.course_id)
                for g in e.grades]
    assert fetch(conn, "SELECT student_id, course_id, id FROM enrolment_grades") == expected


# --- 3. A foreign key to a UNIQUE column, and a table whose key is its rowid ----------------

AtlasBase = declarative_base()
# notes has no declared key: SQLite's rowid is its key. SQLAlchemy maps the
# rowid as a column of a Table it does not create (the DDL below does).
notes_table = Table("notes", MetaData(), Column("rowid", Integer, primary_key=True), Column("body", String),
                    Column("country_iso", String))


class Country(AtlasBase):
    __tablename__ = "countries"
    id = Column(Integer, primary_key=True)
    iso = Column(String, unique=True)
    name = Column(String)
    cities = relationship("City", back_populates="country", order_by=lambda: rowid("cities"))
    notes = relationship(lambda: Note, primaryjoin=lambda: Country.iso == foreign(Note.country_iso),
                         order_by=lambda: Note.rowid, viewonly=True)


class City(AtlasBase):
    __tablename__ = "cities"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    country_iso = Column(String, ForeignKey("countries.iso"), index=True)
    country = relationship("Country", back_populates="cities")


class Note(AtlasBase):
    __table__ = notes_table
    country = relationship(Country, primaryjoin=lambda: Country.iso == foreign(Note.country_iso), viewonly=True)


ATLAS = types.SimpleNamespace(Base=AtlasBase, Country=Country, City=City, Note=Note)
NOTES_DDL = ["CREATE TABLE notes (body TEXT, country_iso TEXT REFERENCES countries(iso))"]


def atlas_db(build):
    data = [Country(id=i, iso=iso, name=name)
            for i, iso, name in [(3, "FR", "France"), (1, "IT", "Italy"), (2, None, "Nowhere"), (4, "ES", "Spain")]]
    data += [City(id=i, name=n, country_iso=iso)
             for i, n, iso in [(20, "Lyon", "FR"), (11, "Rome", "IT"), (15, "Paris", "FR"), (12, "Nice", "FR"),
                               (13, "Milan", "IT"), (14, "Atlantis", None), (16, "lower", "fr"), (10, "Far", "XX")]]
    data += [Note(rowid=r, body=b, country_iso=iso)
             for r, b, iso in [(5, "cheese", "FR"), (2, "pasta", "IT"), (9, "wine", "FR"), (3, "none", None),
                               (7, "lost", "XX")]]
    return build(ATLAS, data, NOTES_DDL)


ATLAS_RELS = [
    # the foreign key refers to iso, not the key: the argument is countries' key
    Rel("country_cities", "countries", "cities", source="Country", attr="cities",
        columns=("id", "name", "country_iso"), argument=("countries_id",)),
    Rel("city_country", "cities", "countries", source="City", attr="country", columns=("id", "iso", "name"),
        argument=("cities_id",)),
    # the from_table's key is its rowid
    Rel("note_country", "notes", "countries", source="Note", attr="country", columns=("id", "iso", "name"),
        argument=("notes_rowid",)),
    Rel("country_notes", "countries", "notes", source="Country", attr="notes", columns=("body", "country_iso"),
        argument=("countries_id",)),
]
ATLAS_REL_IDS = [r.name for r in ATLAS_RELS]


@pytest.mark.parametrize("rel", ATLAS_RELS, ids=ATLAS_REL_IDS)
def test_foreign_key_to_a_unique_column_gives_the_orms_rows(build, rel):
    conn, session = atlas_db(build)
    rel.declare(conn)
    assert assert_same_as_orm(conn, session, ATLAS, rel, [(99,), (None,)]) >= 3


@pytest.mark.parametrize("rel", ATLAS_RELS, ids=ATLAS_REL_IDS)
def test_foreign_key_to_a_unique_column_names_the_from_tables_key(build, rel):
    conn, session = atlas_db(build)
    rel.declare(conn)
    assert hidden_columns(conn, rel.name) == list(rel.argument)
    assert_where_form_is_the_call(conn, session, ATLAS, rel)


# --- 4. order_by and where, as order_by and primaryjoin --------------------------------------

CinemaBase = declarative_base()
cast_members = Table("cast_members", CinemaBase.metadata,
                     Column("film_id", Integer, ForeignKey("films.id")),
                     Column("actor_id", Integer, ForeignKey("actors.id")),
                     Column("billing", Integer),
                     Column("credited", Boolean),
                     Index("cast_members_film", "film_id"))


class Film(CinemaBase):
    __tablename__ = "films"
    id = Column(Integer, primary_key=True)
    title = Column(String)
    year = Column(Integer)
    # one relationship per case of ORDER_CASES (the name is the declaration's)
    by_year_desc_code = relationship("Screening", viewonly=True,
                                     order_by=lambda: [Screening.year.desc(), Screening.code])
    by_year_tie = relationship("Screening", viewonly=True, order_by=lambda: [Screening.year, rowid("screenings")])
    by_price_desc = relationship("Screening", viewonly=True,
                                 order_by=lambda: [Screening.price.desc(), rowid("screenings")])
    by_hall_nocase = relationship("Screening", viewonly=True,
                                  order_by=lambda: [Screening.hall.collate("NOCASE"), Screening.year.desc(),
                                                    rowid("screenings")])
    sold_out = relationship("Screening", viewonly=True,
                            primaryjoin=lambda: and_(Film.id == Screening.film_id,
                                                     Screening.sold_out == True),  # noqa: E712
                            order_by=lambda: rowid("screenings"))
    recent_in_a = relationship("Screening", viewonly=True,
                               primaryjoin=lambda: and_(Film.id == Screening.film_id, Screening.year >= 2000,
                                                        Screening.hall.like("a%")),
                               order_by=lambda: [Screening.year.desc(), rowid("screenings")])
    in_hall_b = relationship("Screening", viewonly=True,
                             primaryjoin=lambda: and_(Film.id == Screening.film_id, func.lower(Screening.hall) == "b"),
                             order_by=lambda: [func.length(Screening.code), Screening.code])
    cheap = relationship("Screening", viewonly=True,
                         primaryjoin=lambda: and_(Film.id == Screening.film_id,
                                                  or_(Screening.price.is_(None), Screening.price < 10)),
                         order_by=lambda: [func.coalesce(Screening.price, 0).desc(), rowid("screenings")])
    credited_by_billing = relationship(
        "Actor", secondary=cast_members, viewonly=True,
        primaryjoin=lambda: and_(Film.id == cast_members.c.film_id, cast_members.c.credited == True),  # noqa: E712
        secondaryjoin=lambda: Actor.id == cast_members.c.actor_id,
        order_by=lambda: [cast_members.c.billing, rowid("cast_members")])
    older_by_name = relationship(
        "Actor", secondary=cast_members, viewonly=True,
        primaryjoin=lambda: Film.id == cast_members.c.film_id,
        secondaryjoin=lambda: and_(Actor.id == cast_members.c.actor_id, Actor.born < 1970),
        order_by=lambda: [Actor.name.desc(), rowid("cast_members")])
    credited_since_1960 = relationship(
        "Actor", secondary=cast_members, viewonly=True,
        primaryjoin=lambda: and_(Film.id == cast_members.c.film_id, cast_members.c.credited == True),  # noqa: E712
        secondaryjoin=lambda: and_(Actor.id == cast_members.c.actor_id, Actor.born >= 1960),
        order_by=lambda: [Actor.born.desc(), cast_members.c.billing, rowid("cast_members")])


class Screening(CinemaBase):
    __tablename__ = "screenings"
    code = Column(String, primary_key=True)  # a TEXT key: rowid order is insertion order, not code order
    film_id = Column(Integer, ForeignKey("films.id"), index=True)
    year = Column(Integer)
    hall = Column(String)
    price = Column(Float)
    sold_out = Column(Boolean)
    recent_film = relationship("Film", viewonly=True,
                               primaryjoin=lambda: and_(Film.id == Screening.film_id, Film.year > 1990))


class Actor(CinemaBase):
    __tablename__ = "actors"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    born = Column(Integer)


CINEMA = types.SimpleNamespace(Base=CinemaBase, Film=Film, Screening=Screening, Actor=Actor)
SCREENING_COLUMNS = ("code", "film_id", "year", "hall", "price", "sold_out")
ACTOR_COLUMNS = ("id", "name", "born")


def order(name, options, columns=SCREENING_COLUMNS, through=None, to="screenings", source="Film", frm="films"):
    return Rel(name, frm, to, through, options, source=source, attr=name, columns=columns)


ORDER_CASES = [
    order("by_year_desc_code", {"order_by": "year DESC, code"}),
    order("by_year_tie", {"order_by": "year"}),                      # ties: the target's rowid
    order("by_price_desc", {"order_by": "price DESC"}),              # NULLs last, ties
    order("by_hall_nocase", {"order_by": "hall COLLATE NOCASE, year DESC"}),
    order("sold_out", {"where": "sold_out = 1"}),                    # the default order: rowid
    order("recent_in_a", {"where": "year >= 2000 AND hall LIKE 'a%'", "order_by": "year DESC"}),
    order("in_hall_b", {"where": "lower(hall) = 'b'", "order_by": "length(code), code"}),
    order("cheap", {"where": "price IS NULL OR price < 10", "order_by": "coalesce(price, 0) DESC"}),
    # many-to-many: the link table's columns, the target's, both
    order("credited_by_billing", {"where": "credited = 1", "order_by": "billing"}, ACTOR_COLUMNS, "cast_members",
          "actors"),
    order("older_by_name", {"where": "born < 1970", "order_by": "name DESC"}, ACTOR_COLUMNS, "cast_members",
          "actors"),
    order("credited_since_1960", {"where": "credited = 1 AND born >= 1960", "order_by": "born DESC, billing"},
          ACTOR_COLUMNS, "cast_members", "actors"),
    # many-to-one with a condition on the target
    order("recent_film", {"where": "year > 1990"}, ("id", "title", "year"), None, "films", "Screening",
          "screenings"),
]
ORDER_IDS = [r.name for r in ORDER_CASES]


def cinema_db(build):
    data = [Film(id=i, title=t, year=y) for i, t, y in [(2, "Heat", 1995), (1, "Alien", 1979), (3, "Up", 2009),
                                                          (4, "Unseen", 2020)]]
    # codes out of order; years, prices and halls with ties and NULLs
    screenings = [
        ("s10", 2, 2001, "A1", 12.0, True), ("s2", 2, 1999, "b", 8.0, False), ("s31", 1, 2001, "a2", None, True),
        ("s4", 2, 2001, "B", 8.0, True), ("s05", 1, 1980, "A1", 5.5, False), ("s6", 2, 1999, "a2", None, False),
        ("s7", 3, 2010, "b", 9.0, True), ("s8", 2, 2005, "a1", 12.0, None), ("s9", 1, 2001, "C", 8.0, True),
        ("s1", 3, 2010, "A1", 9.0, False), ("s11", 99, 2001, "A1", 1.0, True), ("s12", None, 2001, "b", 1.0, True),
    ]
    data += [Screening(code=c, film_id=f, year=y, hall=h, price=p, sold_out=s) for c, f, y, h, p, s in screenings]
    data += [Actor(id=i, name=n, born=b) for i, n, b in [(5, "Weaver", 1949), (2, "Pacino", 1940), (3, "De Niro", 1943),
                                                         (1, "Kilmer", 1961), (4, "Asner", 1929), (6, "Holm", 1931),
                                                         (7, "Zed", 1965)]]
    conn, session = build(CINEMA, data)
    links = [(1, 5, 1, True), (2, 2, 1, True), (2, 3, 1, True), (1, 6, 3, True), (2, 1, 3, True), (3, 4, 1, True),
             (2, 7, 2, True), (1, 7, 2, False), (2, 6, 5, None), (99, 1, 1, True), (3, 99, 2, True), (3, 7, 3, True)]
    with conn:
        conn.executemany("INSERT INTO cast_members VALUES (?, ?, ?, ?)", links)
    return conn, session


@pytest.mark.parametrize("rel", ORDER_CASES, ids=ORDER_IDS)
def test_order_by_and_where_give_the_orms_rows_in_its_order(build, rel):
    conn, session = cinema_db(build)
    rel.declare(conn)
    nothing = [("nothing",), (None,)] if rel.source == "Screening" else [(99,), (None,)]
    assert assert_same_as_orm(conn, session, CINEMA, rel, nothing) >= 3


def test_the_order_cases_have_ties_to_break(build):
    """The data makes the tie-break visible: rowid order is not code order,
    and equal years and prices occur within a film."""
    conn, _ = cinema_db(build)
    assert scalar(conn, "SELECT count(*) FROM (SELECT film_id FROM screenings GROUP BY film_id, year "
                        "HAVING count(*) > 1)") >= 2
    assert [r[0] for r in conn.execute("SELECT code FROM screenings ORDER BY rowid")] != \
        [r[0] for r in conn.execute("SELECT code FROM screenings ORDER BY code")]


def test_role_lead_is_the_first_of_role_hires(tmp_path):
    """The seed's Role.lead() (seed_models), the theater's role_lead(r) and
    (SELECT id FROM role_hires(r) LIMIT 1) agree; role_hires is the ORM's
    hired auditions in id order."""
    path = tmp_path / "theater.db"
    conn = unsynced(connect(path))
    try:
        conn.execute("SELECT theater_migrate()")
        conn.executemany("INSERT INTO roles (id, character_name) VALUES (?, ?)", ROLES)
        conn.executemany("INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES (?, ?, ?, ?, ?, ?)",
                         AUDITIONS)
        relate(conn, "role_hires", "roles", "auditions", None, {"where": "hired = 1", "order_by": "id"})
        engine = engine_on(path)
        with Session(engine) as session:
            hires = 0
            for role in session.query(Role).all():
                hired = [a for a in role.auditions if a.hired]
                assert rel_rows(conn, "role_hires", ("id", "actor", "hired"), (role.id,)) == \
                    orm_rows(hired, ("id", "actor", "hired")), role.id
                lead = role.lead()
                assert scalar(conn, "SELECT role_lead(?)", (role.id,)) == (lead if isinstance(lead, str) else lead.id)
                if hired:
                    assert scalar(conn, "SELECT role_lead(?) IS (SELECT id FROM role_hires(?) LIMIT 1)",
                                  (role.id, role.id)) == 1
                hires += len(hired)
            assert hires >= 3
        engine.dispose()
    finally:
        conn.close()


# --- 5. Without foreign keys, and views --------------------------------------------------

ShopBase = declarative_base()
view_metadata = MetaData()  # views SQLAlchemy maps but must not create
recent_films_view = Table("recent_films", view_metadata, Column("id", Integer), Column("title", String),
                          Column("year", Integer))
cheap_view = Table("cheap_screenings", view_metadata, Column("code", String), Column("film_id", Integer),
                   Column("price", Float))
VIEWS_DDL = [
    "CREATE VIEW recent_films AS SELECT id, title, year FROM films WHERE year >= 2000",
    "CREATE VIEW cheap_screenings AS SELECT code, film_id, price FROM screenings WHERE price < 10",
]


class ShopFilm(ShopBase):
    __tablename__ = "films"
    id = Column(Integer, primary_key=True)
    title = Column(String)
    year = Column(Integer)
    cheap_screenings = relationship(lambda: CheapScreening, viewonly=True,
                                    primaryjoin=lambda: ShopFilm.id == foreign(CheapScreening.film_id))
    cheapest_first = relationship(lambda: CheapScreening, viewonly=True,
                                  primaryjoin=lambda: ShopFilm.id == foreign(CheapScreening.film_id),
                                  order_by=lambda: CheapScreening.price)


class ShopScreening(ShopBase):
    """No foreign key: film_id is a plain column."""
    __tablename__ = "screenings"
    code = Column(String, primary_key=True)
    film_id = Column(Integer)
    price = Column(Float)
    recent = relationship(lambda: RecentFilm, viewonly=True,
                          primaryjoin=lambda: RecentFilm.id == foreign(ShopScreening.film_id))


class RecentFilm(ShopBase):
    __table__ = recent_films_view
    __mapper_args__ = {"primary_key": [recent_films_view.c.id]}
    screenings = relationship(ShopScreening, viewonly=True,
                              primaryjoin=lambda: RecentFilm.id == foreign(ShopScreening.film_id),
                              order_by=lambda: rowid("screenings"))
    cheap_screenings = relationship(lambda: CheapScreening, viewonly=True,
                                    primaryjoin=lambda: RecentFilm.id == foreign(CheapScreening.film_id))


class CheapScreening(ShopBase):
    __table__ = cheap_view
    __mapper_args__ = {"primary_key": [cheap_view.c.code]}


class Customer(ShopBase):
    __tablename__ = "customers"
    id = Column(Integer, primary_key=True)
    ref = Column(String, unique=True)
    name = Column(String)
    orders = relationship(lambda: Order, viewonly=True, primaryjoin=lambda: Customer.ref == foreign(Order.customer_ref),
                          order_by=lambda: rowid("orders"))
    favourites = relationship(lambda: Product, viewonly=True, secondary=lambda: favourites_table,
                              primaryjoin=lambda: Customer.ref == foreign(favourites_table.c.customer_ref),
                              secondaryjoin=lambda: Product.name == foreign(favourites_table.c.product_name),
                              order_by=lambda: rowid("favourites"))


class Order(ShopBase):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    customer_ref = Column(String)
    total = Column(Integer)
    customer = relationship(Customer, viewonly=True, primaryjoin=lambda: Customer.ref == foreign(Order.customer_ref))
    products = relationship(lambda: Product, viewonly=True, secondary=lambda: order_lines,
                            primaryjoin=lambda: Order.id == foreign(order_lines.c.order_id),
                            secondaryjoin=lambda: Product.id == foreign(order_lines.c.product_id),
                            order_by=lambda: rowid("order_lines"))


class Product(ShopBase):
    __tablename__ = "products"
    id = Column(String, primary_key=True)
    name = Column(String)


order_lines = Table("order_lines", ShopBase.metadata, Column("order_id", Integer), Column("product_id", String),
                    Column("qty", Integer))
favourites_table = Table("favourites", ShopBase.metadata, Column("customer_ref", String),
                         Column("product_name", String))
SHOP = types.SimpleNamespace(Base=ShopBase, ShopFilm=ShopFilm, ShopScreening=ShopScreening, RecentFilm=RecentFilm,
                             Customer=Customer, Order=Order, Product=Product)


def shop_db(build):
    data = [ShopFilm(id=i, title=t, year=y) for i, t, y in [(2, "Heat", 1995), (1, "Alien", 1979), (3, "Up", 2009),
                                                              (4, "Soul", 2020), (5, "Cars", 2006)]]
    data += [ShopScreening(code=c, film_id=f, price=p)
             for c, f, p in [("s10", 3, 7.0), ("s2", 2, 8.0), ("s31", 3, 12.0), ("s4", 3, 3.0), ("s5", 1, 5.5),
                             ("s6", 4, 15.0), ("s7", 4, 2.0), ("s8", 99, 1.0), ("s9", None, 2.0), ("s1", 3, 6.0)]]
    data += [Customer(id=i, ref=r, name=n) for i, r, n in [(3, "c-ann", "Ann"), (1, "c-bob", "Bob"),
                                                           (2, None, "Anon"), (4, "c-cy", "Cy")]]
    data += [Order(id=i, customer_ref=r, total=t) for i, r, t in [(12, "c-bob", 5), (10, "c-ann", 7),
                                                                  (15, "c-bob", 9), (11, None, 1), (14, "c-zz", 3),
                                                                  (13, "c-bob", 2)]]
    data += [Product(id=p, name=n) for p, n in [("p2", "pen"), ("p1", "ink"), ("p3", "pad"), ("p4", "cap")]]
    conn, session = build(SHOP, data, VIEWS_DDL)
    with conn:
        conn.executemany("INSERT INTO order_lines VALUES (?, ?, ?)",
                         [(12, "p3", 1), (10, "p1", 2), (12, "p1", 1), (15, "p2", 4), (12, "p2", 1), (99, "p1", 1),
                          (10, "p9", 1), (13, "p4", 2)])
        conn.executemany("INSERT INTO favourites VALUES (?, ?)",
                         [("c-bob", "pen"), ("c-ann", "pad"), ("c-bob", "ink"), ("c-zz", "ink"), (None, "pen"),
                          ("c-ann", "pen")])
    return conn, session


NO_FK_RELS = [
    # to_column is the target's UNIQUE column: many-to-one; the argument is from_table's key
    Rel("order_customer", "orders", "customers", None, {"from_column": "customer_ref", "to_column": "ref"},
        source="Order", attr="customer", columns=("id", "ref", "name"), argument=("orders_id",)),
    # to_column is a plain column: one-to-many, by no foreign key: <from_table>_<key>
    Rel("customer_orders", "customers", "orders", None, {"from_column": "ref", "to_column": "customer_ref"},
        source="Customer", attr="orders", columns=("id", "customer_ref", "total"), argument=("customers_id",)),
    # a link table without foreign keys, to the tables' keys (the default)
    Rel("order_products", "orders", "products", "order_lines", {"through_from": "order_id", "through_to": "product_id"},
        source="Order", attr="products", columns=("id", "name"), argument=("order_id",)),
    # ... and to other columns of the two tables
    Rel("customer_favourites", "customers", "products", "favourites",
        {"through_from": "customer_ref", "through_to": "product_name", "from_column": "ref", "to_column": "name"},
        source="Customer", attr="favourites", columns=("id", "name"), argument=("customers_id",)),
]
NO_FK_IDS = [r.name for r in NO_FK_RELS]

VIEW_RELS = [
    # a view as target: no order_by, so the order is unspecified. One-to-many
    # by the source's key: the argument is named after to_column, as it is
    # by a foreign key (docs/model-layer.md, "Real schemas").
    Rel("film_cheap", "films", "cheap_screenings", None, {"from_column": "id", "to_column": "film_id"},
        source="ShopFilm", attr="cheap_screenings", columns=("code", "film_id", "price"), argument=("film_id",),
        ordered=False),
    Rel("film_cheapest_first", "films", "cheap_screenings", None,
        {"from_column": "id", "to_column": "film_id", "order_by": "price"},
        source="ShopFilm", attr="cheapest_first", columns=("code", "film_id", "price"), argument=("film_id",)),
    # a view as source: its key is its from_column
    Rel("recent_screenings", "recent_films", "screenings", None, {"from_column": "id", "to_column": "film_id"},
        source="RecentFilm", attr="screenings", columns=("code", "film_id", "price"), argument=("film_id",)),
    # a view to a view
    Rel("recent_cheap", "recent_films", "cheap_screenings", None, {"from_column": "id", "to_column": "film_id"},
        source="RecentFilm", attr="cheap_screenings", columns=("code", "film_id", "price"),
        argument=("film_id",), ordered=False),
    # a table to a view, the kind forced
    Rel("screening_recent", "screenings", "recent_films", None,
        {"from_column": "film_id", "to_column": "id", "direction": "many-to-one"},
        source="ShopScreening", attr="recent", columns=("id", "title", "year"), argument=("screenings_code",)),
]
VIEW_IDS = [r.name for r in VIEW_RELS]


@pytest.mark.parametrize("rel", NO_FK_RELS + VIEW_RELS, ids=NO_FK_IDS + VIEW_IDS)
def test_columns_named_in_the_options_give_the_orms_rows(build, rel):
    conn, session = shop_db(build)
    rel.declare(conn)
    nothing = [("nothing",), (None,)] if rel.source == "ShopScreening" else [(99,), (None,)]
    assert assert_same_as_orm(conn, session, SHOP, rel, nothing) >= 3


@pytest.mark.parametrize("rel", NO_FK_RELS + VIEW_RELS, ids=NO_FK_IDS + VIEW_IDS)
def test_columns_named_in_the_options_name_the_hidden_argument(build, rel):
    conn, session = shop_db(build)
    rel.declare(conn)
    assert hidden_columns(conn, rel.name) == list(rel.argument)
    assert_where_form_is_the_call(conn, session, SHOP, rel)


# --- 6. Trees: every descendant, every ancestor, with depth --------------------------------

OfficeBase = declarative_base()


class Employee(OfficeBase):
    """Seed 003's Employee, with a manager (the adjacency-list pattern)."""
    __tablename__ = "employees"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    hire_date = Column(Date)
    active = Column(Boolean)
    manager_id = Column(Integer, ForeignKey("employees.id"), index=True)
    manager = relationship("Employee", remote_side=[id], back_populates="reports")
    reports = relationship("Employee", back_populates="manager", order_by=lambda: rowid("employees"))
    reports_by_name = relationship("Employee", viewonly=True,
                                   order_by=lambda: [Employee.name.desc(), rowid("employees")])
    # the adjacency list filtered: remote() marks the report's columns
    active_reports = relationship("Employee", viewonly=True,
                                  primaryjoin=lambda: and_(Employee.id == remote(foreign(Employee.manager_id)),
                                                           remote(Employee.active) == True),  # noqa: E712
                                  order_by=lambda: rowid("employees"))

    def __repr__(self):
        return f"<Employee {self.id}, {self.name}, {self.hire_date}>"


OFFICE = types.SimpleNamespace(Base=OfficeBase, Employee=Employee)
TREE_COLUMNS = ("id", "name", "hire_date", "depth")

# (id, name, manager): inserted in this order, ids and names out of order,
# so rowid, id and name order differ; 40 names a manager that is not there.
STAFF = [
    (5, "Uri Lee", None), (2, "Tristan Tal", 5), (9, "Sasha Hao", 5), (4, "Taylor Jai", 2), (7, "Ann Ash", 9),
    (3, "Bo Bell", 2), (8, "Cy Cole", 4), (1, "Di Dunn", 9), (6, "Ed Eve", 7), (10, "Flo Fox", 9),
    (12, "Gus Gray", None), (11, "Hal Hart", 12), (13, "Ivy Ice", 40), (14, "Jo Jett", 13),
]
INACTIVE = {9, 3}


def staff(rows):
    return [Employee(id=i, name=n, manager_id=m, hire_date=datetime.date(2010 + i % 7, 1 + i % 12, 1 + i % 28),
                     active=i not in INACTIVE) for i, n, m in rows]


def walk(obj, attr, max_depth=None):
    """The ORM's relationship walked breadth first: (object, depth), each row
    once, at its smallest depth, in the level above's order and then the
    relationship's own. The root is one of its own descendants when a cycle
    leads back to it."""
    seen = set()
    out, level, depth = [], [obj], 0
    while level and (max_depth is None or depth < max_depth):
        depth += 1
        below = []
        for node in level:
            for other in related(node, attr):
                if key_of(other) not in seen:
                    seen.add(key_of(other))
                    out.append((other, depth))
                    below.append(other)
        level = below
    return out


def walk_rows(obj, attr, **kwargs):
    return [typed((raw(e.id), raw(e.name), raw(e.hire_date), d)) for e, d in walk(obj, attr, **kwargs)]


def descendants_cte(sibling_order="rowid", max_depth=None):
    """Every descendant of ?1 by a hand-written recursive CTE (acyclic data):
    breadth first, by depth, then the parent's place in the level above (its
    path of sibling ranks from the root), then the sibling order."""
    limit = f"WHERE tree.depth < {max_depth}" if max_depth else ""
    return f"""
        WITH RECURSIVE ranked(id, manager_id, r) AS (
            SELECT id, manager_id, row_number() OVER (PARTITION BY manager_id ORDER BY {sibling_order})
            FROM employees),
        tree(id, depth, path) AS (
            SELECT id, 1, printf('%06d', r) FROM ranked WHERE manager_id = ?1
            UNION ALL
            SELECT k.id, tree.depth + 1, tree.path || printf('%06d', k.r)
            FROM ranked AS k JOIN tree ON k.manager_id = tree.id {limit})
        SELECT e.id, e.name, e.hire_date, tree.depth FROM tree JOIN employees AS e ON e.id = tree.id
        ORDER BY tree.depth, tree.path"""


def ancestors_cte(max_depth=None):
    limit = f"AND up.depth < {max_depth}" if max_depth else ""
    return f"""
        WITH RECURSIVE up(id, depth) AS (
            SELECT manager_id, 1 FROM employees WHERE id = ?1 AND manager_id IS NOT NULL
            UNION ALL
            SELECT e.manager_id, up.depth + 1 FROM employees AS e JOIN up ON e.id = up.id
            WHERE e.manager_id IS NOT NULL {limit})
        SELECT e.id, e.name, e.hire_date, up.depth FROM up JOIN employees AS e ON e.id = up.id ORDER BY up.depth"""


DOWN = {"recursive": True, "direction": "one-to-many"}
UP = {"recursive": True, "direction": "many-to-one"}


@dataclasses.dataclass(frozen=True)
class Tree:
    name: str
    options: dict
    attr: str                 # the ORM relationship walked
    argument: str
    cte: str = None           # the hand-written oracle (acyclic data only)
    max_depth: int = None


TREES = [
    Tree("all_reports", DOWN, "reports", "manager_id", descendants_cte()),
    Tree("all_managers", UP, "manager", "employees_id", ancestors_cte()),
    Tree("reports_2", {**DOWN, "max_depth": 2}, "reports", "manager_id", descendants_cte(max_depth=2), 2),
    Tree("reports_1", {**DOWN, "max_depth": 1}, "reports", "manager_id", descendants_cte(max_depth=1), 1),
    Tree("managers_2", {**UP, "max_depth": 2}, "manager", "employees_id", ancestors_cte(max_depth=2), 2),
    Tree("reports_by_name", {**DOWN, "order_by": "name DESC"}, "reports_by_name", "manager_id",
         descendants_cte("name DESC, rowid")),
]
TREE_IDS = [t.name for t in TREES]


def office_db(build, rows=STAFF):
    return build(OFFICE, staff(rows))


def declare_tree(conn, tree):
    relate(conn, tree.name, "employees", "employees", None, tree.options)


def assert_tree_is_the_walk(conn, session, tree):
    found = 0
    for e in session.query(Employee).all():
        got = rel_rows(conn, tree.name, TREE_COLUMNS, (e.id,))
        assert got == walk_rows(e, tree.attr, max_depth=tree.max_depth), (tree.name, e.id)
        found += len(got)
    for key in (40, 99, None):
        assert rel_rows(conn, tree.name, TREE_COLUMNS, (key,)) == [], (tree.name, key)
    return found


@pytest.mark.parametrize("tree", TREES, ids=TREE_IDS)
def test_tree_is_the_recursive_cte(build, tree):
    conn, session = office_db(build)
    declare_tree(conn, tree)
    deep = 0
    for (key,) in conn.execute("SELECT id FROM employees").fetchall():
        expected = fetch(conn, tree.cte, (key,))
        assert rel_rows(conn, tree.name, TREE_COLUMNS, (key,)) == expected, (tree.name, key)
        deep += any(row[3][1] >= 2 for row in expected)
    assert deep >= 2 or tree.max_depth == 1


@pytest.mark.parametrize("tree", TREES, ids=TREE_IDS)
def test_tree_is_the_orms_adjacency_list_walked(build, tree):
    conn, session = office_db(build)
    declare_tree(conn, tree)
    assert assert_tree_is_the_walk(conn, session, tree) >= 5


@pytest.mark.parametrize("tree", TREES[:2], ids=TREE_IDS[:2])
def test_tree_names_its_hidden_argument_and_ends_with_depth(build, tree):
    conn, _ = office_db(build)
    declare_tree(conn, tree)
    assert hidden_columns(conn, tree.name) == [tree.argument]
    visible = [r[1] for r in conn.execute(f"PRAGMA table_xinfo({tree.name})") if not r[6]]
    assert visible[-1] == "depth" and visible[:-1] == [c for c in ("id", "name", "hire_date", "active", "manager_id")
                                                       if c in visible[:-1]], visible
    assert fetch(conn, f"SELECT {tree.argument} FROM {tree.name}(5)") == \
        [typed((5,))] * len(fetch(conn, f"SELECT depth FROM {tree.name}(5)"))
    assert fetch(conn, f"SELECT id, depth FROM {tree.name} WHERE {tree.argument} = 5") == \
        fetch(conn, f"SELECT id, depth FROM {tree.name}(5)")


# Cycles: 2's manager is 8, whose manager is 4, whose manager is 2; 12 is
# its own manager. Ancestors of 3 run into the first; reports of any of
# 2, 4, 8 and 12 come back to where they started.
CYCLES = [(i, n, {2: 8, 12: 12}.get(i, m)) for i, n, m in STAFF]
ON_CYCLE = {2, 4, 8, 12}


def other_rows(rows, key):
    """The rows of a tree but the root's own (whether a root on a cycle is
    its own descendant is test_tree_through_a_cycle_reaches_its_root_once's
    question; everything else does not depend on it)."""
    return [r for r in rows if r[0] != typed((key,))[0]]


@pytest.mark.parametrize("tree", TREES, ids=TREE_IDS)
def test_tree_with_a_cycle_gives_each_row_once_at_its_smallest_depth(build, tree):
    conn, session = office_db(build, CYCLES)
    declare_tree(conn, tree)
    compared = 0
    for e in session.query(Employee).all():
        expected = other_rows(walk_rows(e, tree.attr, max_depth=tree.max_depth), e.id)
        assert other_rows(rel_rows(conn, tree.name, TREE_COLUMNS, (e.id,)), e.id) == expected, (tree.name, e.id)
        compared += len(expected)
    assert compared >= 5


@pytest.mark.parametrize("tree", TREES[:2], ids=TREE_IDS[:2])
def test_tree_through_a_cycle_reaches_its_root_once(build, tree):
    """A row on a cycle is its own descendant (and ancestor): it comes back
    once, at the depth the cycle brings it back (12, its own manager, is its
    own report at depth 1; 2 is its own report at depth 3). Read so from
    "every descendant ... each row at most once"; the spec does not say it in
    so many words."""
    conn, session = office_db(build, CYCLES)
    declare_tree(conn, tree)
    for e in session.query(Employee).filter(Employee.id.in_(ON_CYCLE)).all():
        assert rel_rows(conn, tree.name, TREE_COLUMNS, (e.id,)) == walk_rows(e, tree.attr), (tree.name, e.id)


def test_tree_where_prunes_as_the_filtered_relationship_walked(build):
    """{"where": ...} on a recursive relationship is the filtered
    relationship applied at every level: an inactive employee is not a
    report, so neither are the people below them (9's three reports)."""
    conn, session = office_db(build)
    relate(conn, "active_reports_all", "employees", "employees", None, {**DOWN, "where": "active = 1"})
    tree = Tree("active_reports_all", None, "active_reports", "manager_id")
    assert assert_tree_is_the_walk(conn, session, tree) >= 3


# --- 7. Randomised: seeded schemas and data against the ORM ---------------------------------

# (order_by as SQL, the ORM's order_by on the target class C or the link table L)
RANDOM_ORDERS = [
    ("", lambda C, L: []),
    ("rank", lambda C, L: [C.rank]),
    ("rank DESC", lambda C, L: [C.rank.desc()]),
    ("rank, label DESC", lambda C, L: [C.rank, C.label.desc()]),
    ("label COLLATE NOCASE DESC, rank", lambda C, L: [C.label.collate("NOCASE").desc(), C.rank]),
    ("abs(rank - 2), flag DESC", lambda C, L: [func.abs(C.rank - 2), C.flag.desc()]),
]
RANDOM_WHERES = [
    ("", lambda C, L: []),
    ("rank >= 1", lambda C, L: [C.rank >= 1]),
    ("flag = 1", lambda C, L: [C.flag == 1]),
    ("label LIKE 'b%' OR rank = 0", lambda C, L: [or_(C.label.like("b%"), C.rank == 0)]),
    ("rank % 2 = 0 AND flag IS NOT NULL", lambda C, L: [C.rank % 2 == 0, C.flag.isnot(None)]),
    ("upper(label) <> 'A'", lambda C, L: [func.upper(C.label) != "A"]),
]
# many-to-many: the link table's columns too
RANDOM_LINK_ORDERS = RANDOM_ORDERS[:3] + [("weight DESC", lambda C, L: [L.c.weight.desc()]),
                                          ("weight, rank", lambda C, L: [L.c.weight, C.rank])]
RANDOM_LINK_WHERES = RANDOM_WHERES[:3] + [("weight > 0", lambda C, L: [L.c.weight > 0]),
                                          ("weight < rank", lambda C, L: [L.c.weight < C.rank])]


def random_models(kind, child_order, child_where, link_order, link_where, parent_where):
    """parents -> children (one-to-many; the target's rowid breaks ties),
    children -> parents (many-to-one), parents -> others through links
    (many-to-many; the link's rowid breaks ties), each with its options."""
    Base = declarative_base()
    K = kind.column_type
    links = Table("links", Base.metadata, Column("parent_id", K, ForeignKey("parents.id")),
                  Column("other_id", Integer, ForeignKey("others.id")), Column("weight", Integer),
                  Index("links_parent", "parent_id"))

    class Parent(Base):
        __tablename__ = "parents"
        id = Column(K, primary_key=True)
        name = Column(String)
        size = Column(Integer)
        children = relationship(
            lambda: Child, viewonly=True,
            primaryjoin=lambda: and_(Parent.id == Child.parent_id, *child_where[1](Child, links)),
            order_by=lambda: [*child_order[1](Child, links), rowid("children")])
        others = relationship(
            lambda: Other, viewonly=True, secondary=links,
            primaryjoin=lambda: Parent.id == links.c.parent_id,
            secondaryjoin=lambda: and_(Other.id == links.c.other_id, *link_where[1](Other, links)),
            order_by=lambda: [*link_order[1](Other, links), rowid("links")])

    class Child(Base):
        __tablename__ = "children"
        id = Column(K, primary_key=True)
        parent_id = Column(K, ForeignKey("parents.id"), index=True)
        rank = Column(Integer)
        label = Column(String)
        flag = Column(Integer)
        parent = relationship(Parent, viewonly=True,
                              primaryjoin=lambda: and_(Parent.id == Child.parent_id, *parent_where[1](Parent, links)))

    class Other(Base):
        __tablename__ = "others"
        id = Column(Integer, primary_key=True)
        rank = Column(Integer)
        label = Column(String)
        flag = Column(Integer)

    return types.SimpleNamespace(Base=Base, Parent=Parent, Child=Child, Other=Other, links=links)


RANDOM_PARENT_WHERES = [("", lambda P, L: []), ("size > 1", lambda P, L: [P.size > 1]),
                        ("name <> 'p0'", lambda P, L: [P.name != "p0"])]
RANDOM_CASES = 40


def random_case(seed):
    rng = random.Random(seed)
    kind = KEY_KINDS[seed % len(KEY_KINDS)]
    choices = dict(child_order=rng.choice(RANDOM_ORDERS), child_where=rng.choice(RANDOM_WHERES),
                   link_order=rng.choice(RANDOM_LINK_ORDERS), link_where=rng.choice(RANDOM_LINK_WHERES),
                   parent_where=rng.choice(RANDOM_PARENT_WHERES))
    m = random_models(kind, **choices)
    keys = [kind.make(i) for i in rng.sample(range(1, 60), rng.randint(10, 20))]
    parents, missing = keys[:rng.randint(2, 5)], keys[-1]
    rows = [m.Parent(id=k, name=f"p{i}", size=rng.randint(0, 3)) for i, k in enumerate(parents)]
    children = keys[len(parents):-1]
    rng.shuffle(children)
    for i, k in enumerate(children):
        parent = rng.choice(parents + [missing, None] if rng.random() < 0.25 else parents)
        rows.append(m.Child(id=k, parent_id=parent, rank=rng.randint(0, 3),
                            label=rng.choice(["a", "A", "b", "B", None]), flag=rng.choice([0, 1, None])))
    rows += [m.Other(id=i, rank=rng.randint(0, 3), label=rng.choice(["a", "b", "B"]), flag=rng.choice([0, 1]))
             for i in rng.sample(range(1, 20), 6)]
    others = [r.id for r in rows if isinstance(r, m.Other)]
    # links: each (parent, other) at most once (the ORM's lazy load of a
    # secondary collection keeps duplicates only by accident of its query)
    pairs = rng.sample([(p, o) for p in parents + [missing] for o in others], rng.randint(4, 12))
    link_rows = [(raw(p), o, rng.randint(0, 3)) for p, o in pairs]
    rels = [
        Rel("kids", "parents", "children", None, _options(choices["child_order"], choices["child_where"]),
            source="Parent", attr="children", columns=("id", "parent_id", "rank", "label", "flag")),
        Rel("mum", "children", "parents", None, _options(("", None), choices["parent_where"]),
            source="Child", attr="parent", columns=("id", "name", "size")),
        Rel("friends", "parents", "others", "links", _options(choices["link_order"], choices["link_where"]),
            source="Parent", attr="others", columns=("id", "rank", "label", "flag")),
    ]
    return kind, m, rows, link_rows, rels, (missing,)


def _options(order_choice, where_choice):
    options = {}
    if order_choice[0]:
        options["order_by"] = order_choice[0]
    if where_choice[0]:
        options["where"] = where_choice[0]
    return options or None


@pytest.mark.parametrize("seed", range(RANDOM_CASES))
def test_random_schemas_give_the_orms_rows(build, seed):
    kind, m, rows, link_rows, rels, missing = random_case(seed)
    conn, session = build(m, rows)
    with conn:
        conn.executemany("INSERT INTO links VALUES (?, ?, ?)", link_rows)
    for rel in rels:
        rel.declare(conn)
        nothing = [(kind.nothing,), (None,)] + ([missing] if rel.source == "Parent" else [])
        assert_same_as_orm(conn, session, m, rel, nothing)


def random_forest(rng, n):
    """n employees, each with a random manager among them (cycles happen),
    none, or one that is not there; inserted in random order."""
    ids = rng.sample(range(1, 3 * n), n)
    managers = [rng.choice(ids + [None, None, 999]) if rng.random() < 0.9 else None for _ in ids]
    rows = [(i, rng.choice(["Ann", "Bob", "ann", "Cy", "Di"]) + str(rng.randint(0, 2)), m)
            for i, m in zip(ids, managers)]
    rng.shuffle(rows)
    return rows


def assert_forest_is_the_walk(conn, session, tree):
    """Every employee's tree, but for the root's own row (other_rows)."""
    for e in session.query(Employee).all():
        expected = other_rows(walk_rows(e, tree.attr, max_depth=tree.max_depth), e.id)
        assert other_rows(rel_rows(conn, tree.name, TREE_COLUMNS, (e.id,)), e.id) == expected, (tree.name, e.id)
    for key in (999, None):
        assert rel_rows(conn, tree.name, TREE_COLUMNS, (key,)) == [], (tree.name, key)


@pytest.mark.parametrize("seed", range(20))
def test_random_forests_are_the_orms_adjacency_list_walked(build, seed):
    rng = random.Random(seed)
    conn, session = office_db(build, random_forest(rng, rng.randint(3, 25)))
    for tree in TREES:
        declare_tree(conn, tree)
        assert_forest_is_the_walk(conn, session, tree)


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(managers=st.lists(st.one_of(st.none(), st.integers(0, 11)), min_size=1, max_size=12),
       max_depth=st.one_of(st.none(), st.integers(1, 4)))
def test_any_forest_is_the_orms_adjacency_list_walked(tmp_path_factory, managers, max_depth):
    """hypothesis: any managers (index i names the i-th employee; past the
    end, nobody that exists), and any max_depth."""
    path = tmp_path_factory.mktemp("forest") / "office.sqlite"
    engine = engine_on(path)
    OfficeBase.metadata.create_all(engine)
    ids = [10 * i + 3 for i in range(len(managers))]
    rows = [(ids[i], f"e{i % 3}", None if m is None else 10 * m + 3) for i, m in enumerate(managers)]
    with Session(engine) as s:
        s.add_all(staff(rows))
        s.commit()
    conn = unsynced(connect(path))
    try:
        with Session(engine) as session:
            for tree in (Tree("down", {**DOWN, **({"max_depth": max_depth} if max_depth else {})}, "reports",
                              "manager_id", max_depth=max_depth),
                         Tree("up", {**UP, **({"max_depth": max_depth} if max_depth else {})}, "manager",
                              "employees_id", max_depth=max_depth)):
                declare_tree(conn, tree)
                assert_forest_is_the_walk(conn, session, tree)
    finally:
        conn.close()
        engine.dispose()
