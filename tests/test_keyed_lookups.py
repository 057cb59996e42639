"""Keyed statements (ext/core/key_feed.hpp): when one statement asks
role_lead / role_understudy or a relationship function (role_auditions,
role_actors, role_locations, audition_role, a declared relationship on the
integer path) for keys in no ascending order, the cursor leaves its forward
scans for one long-running statement `... FROM theater_keys(?1) AS k LEFT
JOIN ...` fed a key at a time.

None of that may show. The oracle throughout is plain SQL over the base
tables, written here: the join a function stands for, `FROM keys k JOIN
<tables> ... ORDER BY k.rowid, <the function's documented order>`, or the
correlated subquery a user would write for role_lead; for statements that
write, a replay in Python. Keys come from a table `keys(id)` (no affinity, so
'7' and 7.0 stay as given) read in rowid order, shuffled, with hundreds of
rows so that the switch happens (more than 8 fresh seeks, in more than one
call in four), and with the keys that need care: ids naming no row, NULL,
duplicates side by side and apart, negative ids, 9223372036854775807,
-9223372036854775808, '7', ' 7 ', 7.0.

sqlite_stmt (SQLITE_ENABLE_STMTVTAB, in Debian's libsqlite3 and in the
builds of scripts/test-sqlite-versions.sh) shows the keyed statements; it is
read only to check that the random-order tests really reach them, and that a
statement which ended let them go."""
import collections
import gc
import random
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import connect
from theater_data import NO_LEAD, NO_UNDERSTUDY, error_of, rows

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
SEEDS = [1, 2, 3]
ACTORS = ["Alice", "bob", "Carol", "dana", "Eve", "Frank", "Grace", "Heidi", "alice"]
LOCATIONS = ["New York", "Boston", "chicago", "Los Angeles", "London"]

# What marks a keyed statement (core/key_feed.hpp) among the connection's.
KEYED = "%theater_keys(?1) AS k%"


# ---------------------------------------------------------------------------
# Data

def make_cast(conn, seed, roles=160, max_auditions=6):
    """Migrates and fills a random cast; returns (role ids, audition ids).
    Role ids include -7, -1, 0, 9223372036854775807 and -9223372036854775808;
    audition ids are random (negative ones and 9223372036854775807 among
    them, and both extremes) and inserted out of id order, so id order is not insertion order,
    and actor names repeat within a role (their order differs from id
    order)."""
    conn.execute("SELECT theater_migrate()")
    rng = random.Random(seed)
    role_ids = rng.sample(range(1, 5000), roles - 5) + [-7, -1, 0, INT64_MAX, INT64_MIN]
    rng.shuffle(role_ids)
    conn.executemany("INSERT INTO roles (id, character_name) VALUES (?, ?)",
                     [(r, f"character {r}") for r in role_ids])
    plan = []
    for r in role_ids:
        plan += [r] * rng.randint(0, max_auditions)
    rng.shuffle(plan)
    audition_ids = rng.sample(range(-2000, 200000), len(plan) - 2) + [INT64_MAX, INT64_MIN]
    rng.shuffle(audition_ids)
    conn.executemany(
        "INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES (?, ?, ?, ?, ?, ?)",
        [(a, rng.choice(ACTORS), rng.choice(LOCATIONS), rng.choice([None, rng.randint(1000, 9999)]),
          int(rng.random() < 0.45), r) for a, r in zip(audition_ids, plan)])
    return role_ids, audition_ids


def shuffled_keys(seed, present, missing=(), oddities=True):
    """The present ids in random order, a fifth of them again elsewhere and a
    few twice in a row; with `missing` (ids naming nothing) and, with
    `oddities`, NULL and present ids spelled '7', ' 7 ' and 7.0."""
    rng = random.Random(seed * 7919 + 1)
    keys = list(present) + rng.sample(list(present), len(present) // 5)
    rng.shuffle(keys)
    for i in rng.sample(range(len(keys)), 12):
        keys.insert(i, keys[i])  # adjacent duplicate
    extras = list(missing)
    if oddities:
        small = [p for p in present if isinstance(p, int) and abs(p) < 2**52]
        picks = rng.sample(small, 6)
        extras += [None, None, str(picks[0]), f" {picks[1]} ", float(picks[2]), str(picks[3]), float(picks[4]),
                   str(INT64_MAX) if INT64_MAX in present else picks[5]]
    for extra in extras:
        keys.insert(rng.randrange(len(keys) + 1), extra)
    if oddities:
        # A key, then the same key spelled otherwise, side by side.
        i = keys.index(picks[0])
        keys[i + 1:i + 1] = [str(picks[0]), float(picks[0])]
    return keys


def fill_keys(conn, keys, table="keys"):
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id)")
    conn.executemany(f"INSERT INTO {table} (id) VALUES (?)", [(k,) for k in keys])


def missing_ids(taken):
    """Ids that name no row of `taken`, negative ones and the extremes included."""
    candidates = [424242, 999999, -99999, -3, 77777777, INT64_MAX, INT64_MIN, INT64_MAX - 1]
    return [c for c in candidates if c not in set(taken)]


def keyed_runs(conn):
    """How many times the connection started a keyed statement."""
    return conn.execute("SELECT coalesce(sum(run), 0) FROM sqlite_stmt WHERE sql LIKE ?", (KEYED,)).fetchone()[0]


def keyed_busy(conn):
    """Keyed statements still mid-run (stepped and not reset)."""
    return conn.execute("SELECT count(*) FROM sqlite_stmt WHERE sql LIKE ? AND busy", (KEYED,)).fetchone()[0]


def lead_sql(key, offset):
    """The correlated subquery for role_lead (offset 0) or role_understudy (1)."""
    nobody = NO_LEAD if offset == 0 else NO_UNDERSTUDY
    return (f"CASE WHEN {key} IS NULL THEN NULL ELSE coalesce((SELECT a.id FROM auditions a "
            f"WHERE a.role_id = {key} AND a.hired = 1 ORDER BY a.id LIMIT 1 OFFSET {offset}), '{nobody}') END")


# The theater's functions: (keys drawn from, the function's query, the plain SQL).
THEATER_CASES = {
    "role_auditions": (
        "roles",
        "SELECT k.rowid, t.id, t.actor, t.location, t.phone, t.hired, t.role_id, t.rowid "
        "FROM keys k CROSS JOIN role_auditions(k.id) AS t",
        "SELECT k.rowid, a.id, a.actor, a.location, a.phone, a.hired, r.id, a.id "
        "FROM keys k JOIN roles r ON r.id = k.id JOIN auditions a ON a.role_id = r.id ORDER BY k.rowid, a.id"),
    "role_actors": (
        "roles",
        "SELECT k.rowid, t.actor, t.role_id, t.rowid FROM keys k CROSS JOIN role_actors(k.id) AS t",
        "SELECT k.rowid, a.actor, r.id, a.id "
        "FROM keys k JOIN roles r ON r.id = k.id JOIN auditions a ON a.role_id = r.id ORDER BY k.rowid, a.id"),
    "role_locations": (
        "roles",
        "SELECT k.rowid, t.location, t.role_id, t.rowid FROM keys k CROSS JOIN role_locations(k.id) AS t",
        "SELECT k.rowid, a.location, r.id, a.id "
        "FROM keys k JOIN roles r ON r.id = k.id JOIN auditions a ON a.role_id = r.id ORDER BY k.rowid, a.id"),
    "audition_role": (
        "auditions",
        "SELECT k.rowid, t.id, t.character_name, t.audition_id, t.rowid FROM keys k CROSS JOIN audition_role(k.id) AS t",
        "SELECT k.rowid, r.id, r.character_name, a.id, a.id "
        "FROM keys k JOIN auditions a ON a.id = k.id JOIN roles r ON r.id = a.role_id ORDER BY k.rowid"),
    "role_lead": (
        "roles only",
        "SELECT k.rowid, role_lead(k.id) FROM keys k ORDER BY k.rowid",
        f"SELECT k.rowid, {lead_sql('k.id', 0)} FROM keys k ORDER BY k.rowid"),
    "role_understudy": (
        "roles only",
        "SELECT k.rowid, role_understudy(k.id) FROM keys k ORDER BY k.rowid",
        f"SELECT k.rowid, {lead_sql('k.id', 1)} FROM keys k ORDER BY k.rowid"),
}


def theater_keys_for(conn, seed, drawn_from):
    roles = [r for (r,) in conn.execute("SELECT id FROM roles")]
    if drawn_from == "roles only":  # role_lead of a missing role is an error
        return shuffled_keys(seed, roles)
    if drawn_from == "roles":
        return shuffled_keys(seed, roles, missing_ids(roles))
    auditions = [a for (a,) in conn.execute("SELECT id FROM auditions")]
    return shuffled_keys(seed, auditions, missing_ids(auditions))


LIBRARY = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code INTEGER UNIQUE);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER,
  author_id INTEGER REFERENCES authors(id), author_code INTEGER REFERENCES authors(code));
CREATE INDEX books_author ON books(author_id);
CREATE INDEX books_author_code ON books(author_code);
CREATE TABLE profiles (id INTEGER PRIMARY KEY, author_id INTEGER UNIQUE REFERENCES authors(id), bio TEXT);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE book_tags (book_id INTEGER REFERENCES books(id), tag_id INTEGER REFERENCES tags(id), note TEXT);
"""
DECLARATIONS = [
    ("author_books", "authors", "books", None, '{"column": "author_id"}'),
    ("author_books_by_code", "authors", "books", None, '{"column": "author_code"}'),
    ("book_author", "books", "authors", None, '{"column": "author_id"}'),
    ("book_author_by_code", "books", "authors", None, '{"column": "author_code"}'),
    ("author_profile", "authors", "profiles", None, None),
    ("profile_author", "profiles", "authors", None, None),
    ("book_tag_list", "books", "tags", "book_tags", None),
]


def declare(conn, name, from_table, to_table, through=None, options=None):
    args = [name, from_table, to_table] + ([through] if through or options else []) + ([options] if options else [])
    marks = ", ".join("?" * len(args))
    return conn.execute(f"SELECT theater_relate({marks})", args).fetchone()[0]


def make_library(conn, seed, authors=150, link_index="book_id"):
    """A library with orphans everywhere (foreign keys are not enforced):
    books naming no author, profiles naming no author, links naming no book or
    no tag, NULL keys; ids random, negative ones, 9223372036854775807 and
    -9223372036854775808 among them; rows inserted out of id order, links in random order (their
    rowid order is the order links were made)."""
    rng = random.Random(seed)
    conn.executescript(LIBRARY)
    if link_index:
        conn.execute(f"CREATE INDEX book_tags_book ON book_tags({link_index})")
    author_ids = rng.sample(range(1, 100000), authors - 3) + [-5, INT64_MAX, INT64_MIN]
    codes = rng.sample(range(-500, 5000), authors)
    conn.executemany("INSERT INTO authors VALUES (?, ?, ?)",
                     [(a, f"author {a}", c if rng.random() < 0.9 else None) for a, c in zip(author_ids, codes)])
    book_ids = rng.sample(range(-1000, 1000000), authors * 3) + [INT64_MAX, INT64_MIN]
    rng.shuffle(book_ids)

    def ref(choices, orphan):
        r = rng.random()
        return rng.choice(choices) if r < 0.85 else (orphan if r < 0.95 else None)

    conn.executemany("INSERT INTO books VALUES (?, ?, ?, ?, ?)",
                     [(b, f"title {rng.randint(1, 50)}", rng.choice([None, rng.randint(1900, 2024)]),
                       ref(author_ids, 31337), ref(codes, 31337)) for b in book_ids])
    profiled = rng.sample(author_ids, authors * 2 // 3) + [31337, None, None]
    rng.shuffle(profiled)
    profile_ids = rng.sample(range(1, 10**9), len(profiled))
    conn.executemany("INSERT INTO profiles (id, author_id, bio) VALUES (?, ?, ?)",
                     [(p, a, f"bio {i}") for i, (p, a) in enumerate(zip(profile_ids, profiled))])
    conn.executemany("INSERT INTO tags VALUES (?, ?)", [(t, f"tag {t}") for t in range(1, 16)])
    links = [(ref(book_ids, 4242), ref(list(range(1, 16)), 99), rng.choice(["b", "A", "a", "B", None, "c"]))
             for _ in range(authors * 6)]
    conn.executemany("INSERT INTO book_tags VALUES (?, ?, ?)", links)
    for declaration in DECLARATIONS:
        declare(conn, *declaration)
    return author_ids, book_ids


# The declared relationships: (keys drawn from, the function's query, the plain SQL).
DECLARED_CASES = {
    "one-to-many": (
        "authors",
        "SELECT k.rowid, t.id, t.title, t.year, t.author_code, t.author_id, t.rowid "
        "FROM keys k CROSS JOIN author_books(k.id) AS t",
        "SELECT k.rowid, t.id, t.title, t.year, t.author_code, s.id, t.id "
        "FROM keys k JOIN authors s ON s.id = k.id JOIN books t ON t.author_id = s.id ORDER BY k.rowid, t.id"),
    "one-to-many by a UNIQUE column": (
        "authors",
        "SELECT k.rowid, t.id, t.title, t.author_id, t.author_code, t.authors_id "
        "FROM keys k CROSS JOIN author_books_by_code(k.id) AS t",
        "SELECT k.rowid, t.id, t.title, t.author_id, t.author_code, s.id "
        "FROM keys k JOIN authors s ON s.id = k.id JOIN books t ON t.author_code = s.code ORDER BY k.rowid, t.id"),
    "many-to-one": (
        "books",
        "SELECT k.rowid, t.id, t.name, t.code, t.books_id FROM keys k CROSS JOIN book_author(k.id) AS t",
        "SELECT k.rowid, t.id, t.name, t.code, s.id "
        "FROM keys k JOIN books s ON s.id = k.id JOIN authors t ON t.id = s.author_id ORDER BY k.rowid"),
    "many-to-one by a UNIQUE column": (
        "books",
        "SELECT k.rowid, t.id, t.name, t.code, t.books_id FROM keys k CROSS JOIN book_author_by_code(k.id) AS t",
        "SELECT k.rowid, t.id, t.name, t.code, s.id "
        "FROM keys k JOIN books s ON s.id = k.id JOIN authors t ON t.code = s.author_code ORDER BY k.rowid"),
    "one-to-one": (
        "authors",
        "SELECT k.rowid, t.id, t.bio, t.author_id FROM keys k CROSS JOIN author_profile(k.id) AS t",
        "SELECT k.rowid, t.id, t.bio, s.id "
        "FROM keys k JOIN authors s ON s.id = k.id JOIN profiles t ON t.author_id = s.id ORDER BY k.rowid"),
    "one-to-one held by from_table": (
        "profiles",
        "SELECT k.rowid, t.id, t.name, t.profiles_id FROM keys k CROSS JOIN profile_author(k.id) AS t",
        "SELECT k.rowid, t.id, t.name, s.id "
        "FROM keys k JOIN profiles s ON s.id = k.id JOIN authors t ON t.id = s.author_id ORDER BY k.rowid"),
    "many-to-many": (
        "books",
        "SELECT k.rowid, t.id, t.name, t.book_id, t.rowid FROM keys k CROSS JOIN book_tag_list(k.id) AS t",
        "SELECT k.rowid, t.id, t.name, f.id, s.rowid FROM keys k JOIN books f ON f.id = k.id "
        "JOIN book_tags s ON s.book_id = f.id JOIN tags t ON t.id = s.tag_id ORDER BY k.rowid, s.rowid"),
}


def library_keys_for(conn, seed, table):
    ids = [i for (i,) in conn.execute(f"SELECT id FROM {table}")]
    return shuffled_keys(seed, ids, missing_ids(ids))


def typed(result):
    """Rows with each value's type: 7, 7.0 and '7' differ."""
    return [tuple((type(v).__name__, v) for v in row) for row in result]


def first_difference(got, expected):
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            return f"row {i}: got {g}, expected {e}"
    return f"{len(got)} rows, expected {len(expected)}"


def assert_same(got, expected, what=""):
    got, expected = typed(got), typed(expected)
    assert got == expected, f"{what}: {first_difference(got, expected)}"


def file_connection(path, **kwargs):
    """A connection to a database file; nothing here needs to survive a
    power loss (PRAGMA synchronous = OFF keeps the file tests fast)."""
    c = connect(path, **kwargs)
    c.execute("PRAGMA synchronous = OFF")
    return c


@pytest.fixture
def bare():
    """A connection whose sqlite3 module caches no statement."""
    c = connect(cached_statements=0)
    yield c
    c.close()


# ---------------------------------------------------------------------------
# 1. Random order: the rows, and their order, are the plain join's

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("function", list(THEATER_CASES))
def test_theater_function_in_random_key_order_is_the_plain_join(conn, function, seed):
    drawn_from, query, plain = THEATER_CASES[function]
    make_cast(conn, seed)
    fill_keys(conn, theater_keys_for(conn, seed, drawn_from))
    expected = rows(conn, plain)
    assert len(expected) > 200
    assert_same(rows(conn, query), expected, function)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", list(DECLARED_CASES))
def test_declared_relationship_in_random_key_order_is_the_plain_join(conn, kind, seed):
    drawn_from, query, plain = DECLARED_CASES[kind]
    make_library(conn, seed)
    fill_keys(conn, library_keys_for(conn, seed, drawn_from))
    expected = rows(conn, plain)
    assert len(expected) > 80
    assert_same(rows(conn, query), expected, kind)


UNIQUE_BUT_NOT_ONE = {
    # profiles.author_id is UNIQUE without affinity: 5 and '5' are two
    # values to the index, and both equal the INTEGER key 5 in the join.
    "one-to-one, UNIQUE foreign key without affinity": (
        "CREATE TABLE profiles (id INTEGER PRIMARY KEY, author_id UNIQUE REFERENCES authors(id), bio TEXT)",
        ("author_profile", "authors", "profiles"),
        "INSERT INTO profiles (author_id, bio) SELECT id, 'int' FROM authors;"
        "INSERT INTO profiles (author_id, bio) SELECT CAST(id AS TEXT), 'text' FROM authors WHERE id % 3 = 0",
        "SELECT k.rowid, t.id, t.bio FROM keys k CROSS JOIN author_profile(k.id) AS t",
        "SELECT k.rowid, t.id, t.bio FROM keys k JOIN authors s ON s.id = k.id "
        "JOIN profiles t ON t.author_id = s.id ORDER BY k.rowid, t.id"),
    # codes.code is UNIQUE TEXT: '5' and '5.0' are two values to the
    # index, and both equal the INTEGER 5 of items.code_ref in the join.
    "many-to-one to a UNIQUE TEXT column": (
        "CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT UNIQUE);"
        "CREATE TABLE items (id INTEGER PRIMARY KEY, code_ref INTEGER REFERENCES codes(code))",
        ("item_code", "items", "codes"),
        "INSERT INTO codes (code) SELECT CAST(id AS TEXT) FROM authors;"
        "INSERT INTO codes (code) SELECT id || '.0' FROM authors WHERE id % 3 = 0;"
        "INSERT INTO items (id, code_ref) SELECT id, id FROM authors",
        "SELECT k.rowid, t.id, t.code FROM keys k CROSS JOIN item_code(k.id) AS t",
        "SELECT k.rowid, t.id, t.code FROM keys k JOIN items s ON s.id = k.id "
        "JOIN codes t ON t.code = s.code_ref ORDER BY k.rowid, t.id"),
}


@pytest.mark.parametrize("case", list(UNIQUE_BUT_NOT_ONE))
def test_a_unique_relationship_returns_every_row_its_join_matches(conn, case):
    """A relationship called one-to-one (or many-to-one) because its column
    is UNIQUE can still match several rows for one key, through SQLite's
    affinities; the function returns the join's rows (docs/model-layer.md,
    "What a relationship returns: its join, exactly"), as it does when the
    keys come in ascending order, whatever order they come in."""
    schema, declaration, data, query, plain = UNIQUE_BUT_NOT_ONE[case]
    conn.execute("CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executescript(schema)
    conn.executemany("INSERT INTO authors VALUES (?, ?)", [(i, f"a{i}") for i in range(1, 121)])
    conn.executescript(data)
    declare(conn, *declaration)
    keys = list(range(1, 121)) + [500, None]
    random.Random(1).shuffle(keys)
    fill_keys(conn, keys)
    ascending = f"SELECT count(*) FROM authors a CROSS JOIN {declaration[0]}(a.id)"
    assert rows(conn, ascending) == rows(conn, f"SELECT count(*) FROM ({plain})")
    assert_same(rows(conn, query), rows(conn, plain), case)


@pytest.mark.parametrize("function", list(THEATER_CASES) + list(DECLARED_CASES))
def test_random_key_order_reaches_the_keyed_statement(bare, function):
    """Not a behaviour users see, but what makes the tests above mean
    something: each function, asked in random order, did switch to its keyed
    statement; and once the statement ended, that statement was let go."""
    if function in THEATER_CASES:
        drawn_from, query, _ = THEATER_CASES[function]
        make_cast(bare, 1)
        fill_keys(bare, theater_keys_for(bare, 1, drawn_from))
    else:
        drawn_from, query, _ = DECLARED_CASES[function]
        make_library(bare, 1)
        fill_keys(bare, library_keys_for(bare, 1, drawn_from))
    rows(bare, query)
    assert keyed_runs(bare) > 0
    assert keyed_busy(bare) == 0


def test_ascending_keys_keep_the_forward_scans(bare):
    """Dense ids asked in ascending order, with an occasional jump, stay
    with the forward scans (the other half of the switch's rule)."""
    bare.execute("SELECT theater_migrate()")
    bare.executemany("INSERT INTO roles VALUES (?, ?)", [(r, f"role {r}") for r in range(1, 301)])
    bare.executemany("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES (?, 'A', 'B', ?, ?)",
                     [(10 * r + j, int(j > 0), r) for r in range(1, 301) for j in range(3)])
    fill_keys(bare, [r for r in range(1, 301) if r % 7] + [5, 250, 251, 30])
    rows(bare, "SELECT k.id, role_lead(k.id), role_understudy(k.id), a.id "
               "FROM keys k LEFT JOIN role_auditions(k.id) a")
    assert keyed_runs(bare) == 0


def make_dense_cast(conn, seed, roles=300, auditions=3000):
    """Roles 1..roles and auditions 1..auditions (ids that fill their range,
    as rowids usually do), each audition of a random role."""
    rng = random.Random(seed)
    conn.execute("SELECT theater_migrate()")
    conn.executemany("INSERT INTO roles VALUES (?, ?)", [(r, f"role {r}") for r in range(1, roles + 1)])
    conn.executemany("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES (?, ?, ?, ?, ?)",
                     [(a, rng.choice(ACTORS), rng.choice(LOCATIONS), int(rng.random() < 0.3), rng.randint(1, roles))
                      for a in range(1, auditions + 1)])


@pytest.mark.parametrize("seed", SEEDS)
def test_audition_role_over_dense_ids_in_random_order_is_the_plain_join(conn, seed):
    """Audition ids that fill their range, every one asked (and more) in
    random order: a many-to-one that has the whole table to answer."""
    make_dense_cast(conn, seed)
    auditions = list(range(1, 3001))
    fill_keys(conn, shuffled_keys(seed, auditions, missing_ids(auditions) + [0, 3001, 3002]))
    _, query, plain = THEATER_CASES["audition_role"]
    assert_same(rows(conn, query), rows(conn, plain), "audition_role")


@pytest.mark.parametrize("seed", SEEDS)
def test_declared_many_to_one_over_dense_ids_in_random_order_is_the_plain_join(conn, seed):
    """The same for a declared many-to-one whose foreign keys include
    orphans and NULLs: each book of 1..3000 asked in random order."""
    rng = random.Random(seed)
    conn.executescript(LIBRARY)
    conn.executemany("INSERT INTO authors (id, name) VALUES (?, ?)", [(a, f"author {a}") for a in range(1, 201)])
    conn.executemany("INSERT INTO books (id, title, author_id) VALUES (?, 't', ?)",
                     [(b, rng.choice([rng.randint(1, 200), rng.randint(1, 200), 999, None])) for b in range(1, 3001)])
    declare(conn, *DECLARATIONS[2])  # book_author
    books = list(range(1, 3001))
    fill_keys(conn, shuffled_keys(seed, books, missing_ids(books) + [0, 3001]))
    _, query, plain = DECLARED_CASES["many-to-one"]
    assert_same(rows(conn, query), rows(conn, plain), "book_author")


# Random schemas of tests/test_relate_differential.py (every key form and
# foreign-key affinity, UNIQUE foreign keys, keys to a UNIQUE column, mixed
# spellings of keys in the data), each relationship read in random key order.
@pytest.mark.parametrize("chunk", range(4))
def test_generated_relationships_in_random_key_order_are_their_joins(chunk):
    from test_relate_differential import declared_case, quoted

    problems = []
    for seed in range(chunk * 15, chunk * 15 + 15):
        case, conn = declared_case(seed)
        try:
            for rel in case.rels:
                key_column = rel.key.split(".")[1]
                own = sorted({k for (k,) in conn.execute(f"SELECT {key_column} FROM {rel.from_table}")
                              if isinstance(k, int)})
                pool = own + [0, -3, 41, 57, 99, 123456789, INT64_MAX]
                rng = random.Random(seed)
                keys = [rng.choice(pool) for _ in range(60)] + [None]
                rng.shuffle(keys)
                fill_keys(conn, keys)
                columns = ", ".join(f"t.{quoted(c)}" for c in rel.columns)
                order = "k.rowid" + (f", {rel.order}" if rel.order else "")
                expected = typed(rows(conn, f"SELECT k.rowid, {columns} FROM keys k, {rel.join} "
                                             f"WHERE {rel.key} = k.id ORDER BY {order}"))
                got = typed(rows(conn, f"SELECT k.rowid, {columns} FROM keys k CROSS JOIN {rel.name}(k.id) AS t"))
                if got != expected:
                    problems.append((seed, rel.name, case.schema, first_difference(got, expected)))
        finally:
            conn.close()
    assert not problems, "\n".join(map(str, problems))


@pytest.fixture(scope="module")
def small_cast():
    """One cast for every example (hypothesis runs many in one test)."""
    c = connect()
    role_ids, _ = make_cast(c, 11, roles=40, max_auditions=5)
    yield c, sorted(role_ids)
    c.close()


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_key_sequence_reads_as_the_plain_join(small_cast, data):
    """Any sequence of keys (runs, repeats, NULL, keys naming nothing), read
    through role_auditions and role_understudy in one statement."""
    conn, roles = small_cast
    key = st.one_of(st.sampled_from(roles), st.sampled_from([None, 123456, -424242]))
    keys = data.draw(st.lists(key, min_size=1, max_size=150))
    fill_keys(conn, keys)
    guarded = "CASE WHEN k.id IN (SELECT id FROM roles) THEN {} END"
    got = rows(conn, f"SELECT k.rowid, {guarded.format('role_understudy(k.id)')}, a.id, a.actor "
                     "FROM keys k LEFT JOIN role_auditions(k.id) a")
    expected = rows(conn, f"SELECT k.rowid, {guarded.format(lead_sql('k.id', 1))}, a.id, a.actor "
                          "FROM keys k LEFT JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id")
    assert_same(got, expected, str(keys))


# ---------------------------------------------------------------------------
# 2. Sequential semantics: a read sees every write made before it

def random_ops(seed, role_ids, audition_ids, count=400, reads_first=0):
    """`count` operations in random order; the first `reads_first` only read
    (so that the statement has switched to its keyed statements when the
    first write comes)."""
    rng = random.Random(seed)
    ops = []
    for seq in range(1, count + 1):
        kind = rng.choice(("lead", "understudy", "auditions") + (("hire",) if seq > reads_first else ()))
        arg = rng.choice(audition_ids) if kind == "hire" else rng.choice(role_ids)
        ops.append((seq, kind, arg))
    return ops


def replay(conn, ops):
    """The expected output of the ops, computed in Python from the tables as
    they are before the statement; and the hired flags after it."""
    hired = dict(conn.execute("SELECT id, hired FROM auditions"))
    by_role = collections.defaultdict(list)
    for a, r in conn.execute("SELECT id, role_id FROM auditions ORDER BY id"):
        by_role[r].append(a)
    out = []
    for seq, kind, arg in ops:
        if kind == "hire":
            hired[arg] = 1
            out.append((seq, 1, None, None))
        elif kind in ("lead", "understudy"):
            hires = [a for a in by_role[arg] if hired[a]]
            slot = 0 if kind == "lead" else 1
            nobody = NO_LEAD if kind == "lead" else NO_UNDERSTUDY
            out.append((seq, hires[slot] if len(hires) > slot else nobody, None, None))
        else:
            out += [(seq, None, a, hired[a]) for a in by_role[arg]] or [(seq, None, None, None)]
    return out, hired


INTERLEAVED = """
SELECT o.seq,
       CASE o.kind WHEN 'hire' THEN call_back(o.arg)
                   WHEN 'lead' THEN role_lead(o.arg)
                   WHEN 'understudy' THEN role_understudy(o.arg) END,
       a.id, a.hired
FROM ops o LEFT JOIN role_auditions(CASE WHEN o.kind = 'auditions' THEN o.arg END) AS a
ORDER BY o.seq"""


def cast_with_ops(conn, seed, reads_first=0):
    role_ids, audition_ids = make_cast(conn, seed, roles=80, max_auditions=6)
    # Fewer hires to start with, so that each call_back changes something.
    conn.execute("UPDATE auditions SET hired = 0 WHERE id % 3 <> 0")
    ops = random_ops(seed, role_ids, audition_ids, reads_first=reads_first)
    conn.execute("CREATE TABLE ops (seq INTEGER PRIMARY KEY, kind TEXT, arg INTEGER, result)")
    conn.executemany("INSERT INTO ops (seq, kind, arg) VALUES (?, ?, ?)", ops)
    return ops


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reads_first", [0, 150])
@pytest.mark.parametrize("transaction", ["autocommit", "BEGIN ... COMMIT", "BEGIN ... ROLLBACK"])
def test_one_statement_interleaving_call_back_and_reads_sees_each_write(conn, seed, transaction, reads_first):
    ops = cast_with_ops(conn, seed, reads_first)
    before = rows(conn, "SELECT id, hired FROM auditions ORDER BY id")
    expected, hired_after = replay(conn, ops)
    if transaction != "autocommit":
        conn.execute("BEGIN")
    assert_same(rows(conn, INTERLEAVED), expected, "interleaved")
    if transaction == "BEGIN ... ROLLBACK":
        conn.execute("ROLLBACK")
        assert rows(conn, "SELECT id, hired FROM auditions ORDER BY id") == before
        # And the reads in random order see the rolled-back state again.
        conn.execute("DELETE FROM ops WHERE kind = 'hire'")
        reads = [op for op in ops if op[1] != "hire"]
        assert_same(rows(conn, INTERLEAVED), replay(conn, reads)[0], "after ROLLBACK")
        return
    if transaction == "BEGIN ... COMMIT":
        conn.execute("COMMIT")
    assert rows(conn, "SELECT id, hired FROM auditions ORDER BY id") == sorted(hired_after.items())


@pytest.mark.parametrize("seed", SEEDS)
def test_reads_inside_a_write_transaction_see_its_earlier_statements(conn, seed):
    role_ids, audition_ids = make_cast(conn, seed)
    fill_keys(conn, shuffled_keys(seed, role_ids))
    query = ("SELECT k.rowid, role_lead(k.id), role_understudy(k.id), a.id, a.hired "
             "FROM keys k LEFT JOIN role_auditions(k.id) a")
    plain = (f"SELECT k.rowid, {lead_sql('k.id', 0)}, {lead_sql('k.id', 1)}, a.id, a.hired "
             "FROM keys k LEFT JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id")
    rng = random.Random(seed)
    conn.execute("BEGIN")
    for _ in range(4):
        for a in rng.sample(audition_ids, 25):
            conn.execute("SELECT call_back(?)", (a,))
        conn.execute("UPDATE auditions SET hired = 0 WHERE id IN (SELECT id FROM auditions ORDER BY random() LIMIT 20)")
        assert_same(rows(conn, query), rows(conn, plain), "inside the transaction")
    conn.execute("COMMIT")
    assert_same(rows(conn, query), rows(conn, plain), "after COMMIT")


@pytest.mark.parametrize("seed", SEEDS)
def test_an_update_whose_trigger_hires_between_rows_is_seen_by_later_rows(conn, seed):
    """A plain UPDATE: each row's trigger hires (UPDATE auditions) before the
    next row's role_lead / role_understudy runs."""
    ops = cast_with_ops(conn, seed)
    expected, _ = replay(conn, [op for op in ops if op[1] != "auditions"])
    conn.execute("DELETE FROM ops WHERE kind = 'auditions'")
    conn.execute("""
        CREATE TRIGGER ops_hire AFTER UPDATE ON ops WHEN NEW.kind = 'hire'
        BEGIN UPDATE auditions SET hired = 1 WHERE id = NEW.arg; END""")
    conn.execute("""
        UPDATE ops SET result = CASE kind WHEN 'lead' THEN role_lead(arg)
                                          WHEN 'understudy' THEN role_understudy(arg)
                                          ELSE 1 END""")
    assert_same(rows(conn, "SELECT seq, result, NULL, NULL FROM ops ORDER BY seq"), expected, "UPDATE")


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_writes_from_another_connection_between_statements_are_seen(db_path, journal_mode):
    """B writes between A's statements (hires, new and deleted auditions,
    roles added and removed); A's next random-order statement reads the data
    as it is now. B never waits: a statement of A's that has ended holds no
    lock (rollback journal: a keyed statement left running would)."""
    a = file_connection(db_path)
    a.execute(f"PRAGMA journal_mode = {journal_mode}")
    make_cast(a, 5, roles=120)
    b = file_connection(db_path, timeout=0)
    rng = random.Random(5)
    query = ("SELECT k.rowid, role_lead(k.id), role_understudy(k.id), t.id, t.actor "
             "FROM keys k LEFT JOIN role_auditions(k.id) t")
    plain = (f"SELECT k.rowid, {lead_sql('k.id', 0)}, {lead_sql('k.id', 1)}, t.id, t.actor "
             "FROM keys k LEFT JOIN auditions t ON t.role_id = k.id ORDER BY k.rowid, t.id")
    try:
        for round_ in range(6):
            roles = [r for (r,) in a.execute("SELECT id FROM roles")]
            fill_keys(a, shuffled_keys(round_, roles))
            assert_same(rows(a, query), rows(a, plain), f"round {round_}")
            assert_same(rows(a, "SELECT k.rowid, t.actor FROM keys k CROSS JOIN role_actors(k.id) t"),
                        rows(a, "SELECT k.rowid, t.actor FROM keys k JOIN auditions t ON t.role_id = k.id "
                                "ORDER BY k.rowid, t.id"), f"round {round_}")
            auditions = [x for (x,) in b.execute("SELECT id FROM auditions")]
            for x in rng.sample(auditions, 30):
                b.execute("SELECT call_back(?)", (x,))
            b.execute("DELETE FROM auditions WHERE id IN (SELECT id FROM auditions ORDER BY random() LIMIT 15)")
            b.executemany("INSERT INTO auditions (actor, location, hired, role_id) VALUES (?, 'Oslo', ?, ?)",
                          [(rng.choice(ACTORS), rng.randint(0, 1), rng.choice(roles)) for _ in range(40)])
            b.execute("DELETE FROM roles WHERE id = ?", (rng.choice(roles),))
            b.execute("INSERT INTO roles (character_name) VALUES ('new')")
    finally:
        b.close()
        a.close()


HALF_READ = {
    # function: (query, plain SQL, writes made between two fetches)
    "audition_role": (
        "SELECT k.rowid, r.id, r.character_name FROM keys k LEFT JOIN audition_role(k.id) r",
        "SELECT k.rowid, r.id, r.character_name FROM keys k LEFT JOIN auditions a ON a.id = k.id "
        "LEFT JOIN roles r ON r.id = a.role_id ORDER BY k.rowid",
        ["UPDATE auditions SET role_id = 1 + (role_id * 7) % 300 WHERE id % 5 = 0",
         "DELETE FROM auditions WHERE id % 11 = 0",
         "INSERT INTO auditions (id, actor, location, role_id) SELECT id + 3000, 'new', 'x', 1 + id % 300 "
         "FROM auditions WHERE id <= 500"]),
    "role_auditions": (
        "SELECT k.rowid, a.id, a.hired FROM keys k LEFT JOIN role_auditions(k.id) a",
        "SELECT k.rowid, a.id, a.hired FROM keys k LEFT JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id",
        ["UPDATE auditions SET role_id = 1 + (role_id * 7) % 300 WHERE id % 5 = 0",
         "DELETE FROM auditions WHERE id % 11 = 0", "UPDATE auditions SET hired = 1 - hired WHERE id % 3 = 0"]),
    "role_lead, role_understudy": (
        "SELECT k.rowid, role_lead(k.id), role_understudy(k.id) FROM keys k ORDER BY k.rowid",
        f"SELECT k.rowid, {lead_sql('k.id', 0)}, {lead_sql('k.id', 1)} FROM keys k ORDER BY k.rowid",
        ["UPDATE auditions SET hired = 1 - hired WHERE id % 3 = 0",
         "UPDATE auditions SET role_id = 1 + (role_id * 7) % 300 WHERE id % 5 = 0"]),
}


@pytest.mark.parametrize("transaction", ["autocommit", "inside BEGIN"])
@pytest.mark.parametrize("function", list(HALF_READ))
def test_writes_between_two_fetches_of_one_statement_are_seen_by_the_rest(conn, function, transaction):
    """A statement half read (it has switched to its keyed statement, or
    its memo), then the same connection writes, then the statement reads
    on: the rows read before are the old data's, the rows after the
    new data's."""
    query, plain, writes = HALF_READ[function]
    make_dense_cast(conn, 21)
    keys = list(range(1, 3001)) if function == "audition_role" else list(range(1, 301)) * 4
    random.Random(21).shuffle(keys)
    fill_keys(conn, keys)
    if transaction == "inside BEGIN":
        conn.execute("BEGIN")
    before = rows(conn, plain)
    cursor = conn.execute(query)
    first = [tuple(r) for r in cursor.fetchmany(len(before) // 2)]
    for sql in writes:
        conn.execute(sql)
    rest = [tuple(r) for r in cursor.fetchall()]
    after = rows(conn, plain)
    if transaction == "inside BEGIN":
        conn.execute("COMMIT")
    assert_same(first, before[:len(first)], "before the writes")
    # The key being read when the writes came may be either; every later
    # key (each has a row: LEFT JOIN) is the new data's.
    boundary = first[-1][0] + 1
    assert_same([r for r in rest if r[0] > boundary], [r for r in after if r[0] > boundary], "after the writes")


# ---------------------------------------------------------------------------
# 3. The plan check: a key's rows in the documented order whatever the indexes

OWNERS = """
CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id), label TEXT);
"""
OWNER_ITEMS = "SELECT k.rowid, t.id, t.label, t.owner_id FROM keys k CROSS JOIN owner_items(k.id) AS t"
OWNER_ITEMS_PLAIN = ("SELECT k.rowid, t.id, t.label, s.id FROM keys k JOIN owners s ON s.id = k.id "
                     "JOIN items t ON t.owner_id = s.id ORDER BY k.rowid, t.id")


def make_owners(conn, indexes, seed=3, owners=200):
    """Owners with 1..4 items each, whose labels sort the other way round
    from their ids (so an index on (owner_id, label) reads a key's rows
    backwards); then owner_items, one-to-many."""
    rng = random.Random(seed)
    conn.executescript(OWNERS)
    for sql in indexes:
        conn.execute(sql)
    conn.executemany("INSERT INTO owners VALUES (?, ?)", [(o, f"owner {o}") for o in range(1, owners + 1)])
    items = [(o * 10 + j, o, f"label {9 - j}") for o in range(1, owners + 1) for j in range(rng.randint(1, 4))]
    rng.shuffle(items)
    conn.executemany("INSERT INTO items VALUES (?, ?, ?)", items)
    declare(conn, "owner_items", "owners", "items")
    keys = list(range(1, owners + 1)) * 2 + [None, 5000, -1]
    rng.shuffle(keys)
    fill_keys(conn, keys)


def test_the_plain_label_order_differs_from_the_documented_order(conn):
    """The data of the plan-check tests can tell the two orders apart."""
    make_owners(conn, ["CREATE INDEX items_owner_label ON items(owner_id, label)"])
    by_label = rows(conn, OWNER_ITEMS_PLAIN.replace("ORDER BY k.rowid, t.id", "ORDER BY k.rowid, t.label"))
    assert by_label != rows(conn, OWNER_ITEMS_PLAIN)


@pytest.mark.parametrize("indexes", [
    pytest.param(["CREATE INDEX items_owner_label ON items(owner_id, label)"], id="only (owner_id, label)"),
    pytest.param(["CREATE INDEX items_owner ON items(owner_id)",
                  "CREATE INDEX items_owner_label ON items(owner_id, label)"], id="(owner_id) and (owner_id, label)"),
    pytest.param(["CREATE INDEX items_owner_desc ON items(owner_id DESC)"], id="(owner_id DESC)"),
    pytest.param(["CREATE INDEX items_owner_label_desc ON items(owner_id, label DESC)"], id="(owner_id, label DESC)"),
    pytest.param(["CREATE UNIQUE INDEX items_owner_id ON items(owner_id, id)"], id="(owner_id, id)"),
    pytest.param([], id="no index"),
])
def test_one_to_many_rows_come_in_rowid_order_whatever_the_index(conn, indexes):
    make_owners(conn, indexes)
    assert_same(rows(conn, OWNER_ITEMS), rows(conn, OWNER_ITEMS_PLAIN), str(indexes))


INDEX_CHANGES = {
    "(owner_id) replaced by (owner_id, label)": [
        "DROP INDEX items_owner", "CREATE INDEX items_owner_label ON items(owner_id, label)"],
    "covering (owner_id, label) added beside (owner_id)": [
        "CREATE INDEX items_owner_label ON items(owner_id, label)"],
    "(owner_id) dropped: no index on the foreign key": ["DROP INDEX items_owner"],
    "(owner_id) replaced by (owner_id, label DESC)": [
        "DROP INDEX items_owner", "CREATE INDEX items_owner_label ON items(owner_id, label DESC)"],
}


@pytest.mark.parametrize("by", ["the same connection", "another connection"])
@pytest.mark.parametrize("change", list(INDEX_CHANGES))
def test_an_index_change_after_keyed_reads_keeps_the_documented_order(db_path, change, by):
    """The connection reads in random order first (its keyed statement and
    plan check are warm), then the index on the foreign key changes, and the
    same statement runs again."""
    conn = file_connection(db_path)
    make_owners(conn, ["CREATE INDEX items_owner ON items(owner_id)"])
    assert_same(rows(conn, OWNER_ITEMS), rows(conn, OWNER_ITEMS_PLAIN), "before")
    other = file_connection(db_path) if by == "another connection" else conn
    for sql in INDEX_CHANGES[change]:
        other.execute(sql)
    assert_same(rows(conn, OWNER_ITEMS), rows(conn, OWNER_ITEMS_PLAIN), f"after {change}")
    # And back: the index on the foreign key alone again.
    other.execute("CREATE INDEX IF NOT EXISTS items_owner ON items(owner_id)")
    for (name,) in other.execute("SELECT name FROM sqlite_master WHERE name LIKE 'items_owner_label%'").fetchall():
        other.execute(f"DROP INDEX {name}")
    assert_same(rows(conn, OWNER_ITEMS), rows(conn, OWNER_ITEMS_PLAIN), "after going back")
    if other is not conn:
        other.close()
    conn.close()


@pytest.mark.parametrize("write", ["inside BEGIN", "a write after it, in autocommit"])
def test_an_index_created_while_a_random_order_statement_runs_keeps_its_order(conn, write):
    """The statement has switched to its keyed statement; the same
    connection creates an index that would read a key's rows in label order,
    and writes (which restarts the keyed statement), then the statement
    reads on. The index does not change what owner_items means, so the
    statement goes on, and its rows stay in the documented order."""
    make_owners(conn, ["CREATE INDEX items_owner ON items(owner_id)"])
    conn.execute("CREATE TABLE scratch (x)")
    expected = rows(conn, OWNER_ITEMS_PLAIN)
    if write == "inside BEGIN":
        conn.execute("BEGIN")
    cursor = conn.execute(OWNER_ITEMS)
    got = cursor.fetchmany(300)
    conn.execute("CREATE INDEX items_owner_label ON items(owner_id, label)")
    conn.execute("INSERT INTO scratch VALUES (1)")
    got += cursor.fetchall()
    if write == "inside BEGIN":
        conn.execute("COMMIT")
    assert_same(got, expected, write)


M2M_ORDERS = {
    # the index on book_tags(book_id ...): the documented order of a key's rows
    "book_id": "s.rowid",
    "book_id, tag_id": "s.tag_id, s.rowid",
    "book_id, note": "s.note, s.rowid",
    "book_id, note, tag_id": "s.note, s.tag_id, s.rowid",
    # "the index's next columns (ascending)": ascending, in the column's own
    # collation, whatever the index says
    "book_id, note DESC": "s.note, s.rowid",
    "book_id, note COLLATE NOCASE": "s.note, s.rowid",
    "book_id, tag_id DESC": "s.tag_id, s.rowid",
}


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("index", list(M2M_ORDERS))
def test_many_to_many_rows_come_in_the_documented_order(conn, index, seed):
    make_library(conn, seed, link_index=index)
    fill_keys(conn, library_keys_for(conn, seed, "books"))
    _, query, plain = DECLARED_CASES["many-to-many"]
    plain = plain.replace("ORDER BY k.rowid, s.rowid", f"ORDER BY k.rowid, {M2M_ORDERS[index]}")
    assert_same(rows(conn, query), rows(conn, plain), index)


THEATER_INDEX_CHANGES = {
    "covering auditions(role_id, actor) added": ["CREATE INDEX auditions_role_actor ON auditions(role_id, actor)"],
    "auditions_role_id dropped": ["DROP INDEX auditions_role_id"],
    "auditions_role_id replaced by (role_id, location)": [
        "DROP INDEX auditions_role_id", "CREATE INDEX auditions_role_location ON auditions(role_id, location)"],
    "auditions_hired_by_role dropped": ["DROP INDEX auditions_hired_by_role"],
    "auditions_hired_by_role replaced by (role_id, hired, actor)": [
        "DROP INDEX auditions_hired_by_role", "CREATE INDEX auditions_hired_actor ON auditions(role_id, hired, actor)"],
    "ALTER TABLE auditions ADD COLUMN": ["ALTER TABLE auditions ADD COLUMN notes TEXT DEFAULT 'n'"],
    "every index of auditions dropped and created again": [
        "DROP INDEX auditions_role_id", "DROP INDEX auditions_hired_by_role",
        "CREATE INDEX auditions_role_id ON auditions(role_id)",
        "CREATE INDEX auditions_hired_by_role ON auditions(role_id, hired, id, actor) WHERE hired = 1"],
    "ANALYZE": ["ANALYZE"],
}


@pytest.mark.parametrize("change", list(THEATER_INDEX_CHANGES))
def test_theater_functions_after_a_schema_change_between_statements(conn, change):
    """Every theater function read in random order, then the schema changes,
    then every function again on the same connection."""
    make_cast(conn, 4)

    def check(when):
        for function, (drawn_from, query, plain) in THEATER_CASES.items():
            fill_keys(conn, theater_keys_for(conn, 4, drawn_from))
            assert_same(rows(conn, query), rows(conn, plain), f"{function} {when}")

    check("before")
    for sql in THEATER_INDEX_CHANGES[change]:
        conn.execute(sql)
    check(f"after {change}")


@pytest.mark.parametrize("change", [
    "ALTER TABLE books ADD COLUMN pages INTEGER DEFAULT 7",
    "DROP INDEX books_author",
    "CREATE INDEX books_author_title ON books(author_id, title)",
    "CREATE INDEX book_tags_book ON book_tags(book_id, tag_id)",
])
def test_declared_relationships_after_a_schema_change_between_statements(conn, change):
    make_library(conn, 6, link_index=None)

    def check(when):
        for kind, (drawn_from, query, plain) in DECLARED_CASES.items():
            if kind == "many-to-many" and "book_tags_book" in change and when != "before":
                plain = plain.replace("ORDER BY k.rowid, s.rowid", "ORDER BY k.rowid, s.tag_id, s.rowid")
            fill_keys(conn, library_keys_for(conn, 6, drawn_from))
            assert_same(rows(conn, query), rows(conn, plain), f"{kind} {when}")

    check("before")
    conn.execute(change)
    check(f"after {change}")
    if change.startswith("ALTER"):
        # SELECT * sees the new column at once.
        fill_keys(conn, library_keys_for(conn, 6, "authors"))
        assert_same(rows(conn, "SELECT k.rowid, t.* FROM keys k CROSS JOIN author_books(k.id) AS t"),
                    rows(conn, "SELECT k.rowid, t.id, t.title, t.year, t.author_code, t.pages FROM keys k "
                               "JOIN authors s ON s.id = k.id JOIN books t ON t.author_id = s.id "
                               "ORDER BY k.rowid, t.id"), "t.*")


def test_reverse_unordered_selects_does_not_reorder_a_keys_rows(conn):
    """PRAGMA reverse_unordered_selects reverses the order of statements
    without ORDER BY; the functions' order within a key is documented, and
    role_lead is the lowest hired id, whatever the pragma. The outer scan
    of keys is reversed too, so rows are compared key by key."""
    make_cast(conn, 2)
    fill_keys(conn, theater_keys_for(conn, 2, "roles only"))
    conn.execute("PRAGMA reverse_unordered_selects = ON")

    def by_key(result):
        grouped = collections.defaultdict(list)
        for key, *rest in result:
            grouped[key].append(tuple(rest))
        return dict(grouped)

    got = by_key(rows(conn, "SELECT k.rowid, role_lead(k.id), role_understudy(k.id), t.id "
                            "FROM keys k LEFT JOIN role_auditions(k.id) t"))
    expected = by_key(rows(conn, f"SELECT k.rowid, {lead_sql('k.id', 0)}, {lead_sql('k.id', 1)}, t.id "
                                 "FROM keys k LEFT JOIN auditions t ON t.role_id = k.id ORDER BY k.rowid, t.id"))
    wrong = sorted(k for k in expected if got.get(k) != expected[k])
    assert not wrong, f"{len(wrong)} keys differ, e.g. {wrong[0]}: got {got.get(wrong[0])}, expected {expected[wrong[0]]}"


# ---------------------------------------------------------------------------
# 4. Consumers that stop early, and several cursors in one statement

EARLY = {
    "DISTINCT": (
        "SELECT DISTINCT k.id FROM keys k, role_actors(k.id) a",
        "SELECT DISTINCT k.id FROM keys k JOIN auditions a ON a.role_id = k.id", "set"),
    "EXISTS": (
        "SELECT k.rowid, EXISTS (SELECT 1 FROM role_actors(k.id)) FROM keys k ORDER BY k.rowid",
        "SELECT k.rowid, EXISTS (SELECT 1 FROM auditions a WHERE a.role_id = k.id) FROM keys k ORDER BY k.rowid",
        "list"),
    "scalar subquery LIMIT 1 OFFSET 1": (
        "SELECT k.rowid, (SELECT actor FROM role_actors(k.id) LIMIT 1 OFFSET 1) FROM keys k ORDER BY k.rowid",
        "SELECT k.rowid, (SELECT actor FROM auditions a WHERE a.role_id = k.id ORDER BY a.id LIMIT 1 OFFSET 1) "
        "FROM keys k ORDER BY k.rowid", "list"),
    "subquery LIMIT 2": (
        "SELECT k.rowid, (SELECT group_concat(id, ',') FROM (SELECT id FROM role_auditions(k.id) LIMIT 2)) "
        "FROM keys k ORDER BY k.rowid",
        "SELECT k.rowid, (SELECT group_concat(id, ',') FROM (SELECT id FROM auditions a WHERE a.role_id = k.id "
        "ORDER BY a.id LIMIT 2)) FROM keys k ORDER BY k.rowid", "list"),
    "join with LIMIT": (
        "SELECT k.rowid, a.actor FROM keys k CROSS JOIN role_actors(k.id) a LIMIT 137",
        "SELECT k.rowid, a.actor FROM keys k JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id LIMIT 137",
        "list"),
    "WHERE a.actor = 'Alice'": (
        "SELECT k.rowid, a.actor, a.role_id FROM keys k CROSS JOIN role_actors(k.id) a WHERE a.actor = 'Alice'",
        "SELECT k.rowid, a.actor, a.role_id FROM keys k JOIN auditions a ON a.role_id = k.id "
        "WHERE a.actor = 'Alice' ORDER BY k.rowid, a.id", "list"),
    "WHERE on the hired column": (
        "SELECT k.rowid, a.id FROM keys k CROSS JOIN role_auditions(k.id) a WHERE a.hired = 1 AND a.phone IS NULL",
        "SELECT k.rowid, a.id FROM keys k JOIN auditions a ON a.role_id = k.id "
        "WHERE a.hired = 1 AND a.phone IS NULL ORDER BY k.rowid, a.id", "list"),
    "LEFT JOIN, keys without rows": (
        "SELECT k.rowid, a.id FROM keys k LEFT JOIN role_auditions(k.id) a",
        "SELECT k.rowid, a.id FROM keys k LEFT JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id",
        "list"),
    "two functions on the same key": (
        "SELECT k.rowid, a.actor, b.location FROM keys k CROSS JOIN role_actors(k.id) a "
        "CROSS JOIN role_locations(k.id) b",
        "SELECT k.rowid, a.actor, b.location FROM keys k JOIN auditions a ON a.role_id = k.id "
        "JOIN auditions b ON b.role_id = k.id ORDER BY k.rowid, a.id, b.id", "list"),
    "the same function twice, other keys": (
        "SELECT k.rowid, a.actor, b.actor FROM pairs k CROSS JOIN role_actors(k.id) a "
        "CROSS JOIN role_actors(k.other) b",
        "SELECT k.rowid, a.actor, b.actor FROM pairs k JOIN auditions a ON a.role_id = k.id "
        "JOIN auditions b ON b.role_id = k.other ORDER BY k.rowid, a.id, b.id", "list"),
    "role_auditions then audition_role of each": (
        "SELECT k.rowid, a.id, r.id, r.character_name FROM keys k CROSS JOIN role_auditions(k.id) a "
        "CROSS JOIN audition_role(a.id) r",
        "SELECT k.rowid, a.id, r.id, r.character_name FROM keys k JOIN auditions a ON a.role_id = k.id "
        "JOIN roles r ON r.id = a.role_id ORDER BY k.rowid, a.id", "list"),
    "role_lead and role_understudy alternating on two roles": (
        "SELECT k.rowid, role_lead(k.id), role_understudy(k.other), role_understudy(k.id), role_lead(k.other), "
        "role_lead(k.id) FROM pairs k ORDER BY k.rowid",
        f"SELECT k.rowid, {lead_sql('k.id', 0)}, {lead_sql('k.other', 1)}, {lead_sql('k.id', 1)}, "
        f"{lead_sql('k.other', 0)}, {lead_sql('k.id', 0)} FROM pairs k ORDER BY k.rowid", "list"),
    "role_lead with role_auditions of the same key": (
        "SELECT k.rowid, role_understudy(k.id), a.id, role_lead(k.id) FROM pairs k CROSS JOIN role_auditions(k.id) a",
        f"SELECT k.rowid, {lead_sql('k.id', 1)}, a.id, {lead_sql('k.id', 0)} FROM pairs k "
        "JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id", "list"),
    "aggregate per key": (
        "SELECT k.rowid, count(a.id), max(a.actor) FROM keys k LEFT JOIN role_auditions(k.id) a GROUP BY k.rowid",
        "SELECT k.rowid, count(a.id), max(a.actor) FROM keys k LEFT JOIN auditions a ON a.role_id = k.id "
        "GROUP BY k.rowid", "set"),
    "through a view": (
        "SELECT * FROM keyed_actors",
        "SELECT k.rowid, a.actor FROM keys k JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id", "list"),
}


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("case", list(EARLY))
def test_consumers_that_stop_early_read_as_the_plain_sql(conn, case, seed):
    query, plain, compare = EARLY[case]
    role_ids, _ = make_cast(conn, seed)
    keys = shuffled_keys(seed, role_ids, missing_ids(role_ids))
    fill_keys(conn, keys)
    rng = random.Random(seed)
    present = shuffled_keys(seed + 100, role_ids)
    conn.execute("CREATE TABLE pairs (id, other)")
    conn.executemany("INSERT INTO pairs VALUES (?, ?)",
                     [(k, k if rng.random() < 0.2 else rng.choice(role_ids)) for k in present])
    conn.execute("CREATE VIEW keyed_actors AS SELECT k.rowid AS n, a.actor FROM keys k CROSS JOIN role_actors(k.id) a")
    got, expected = rows(conn, query), rows(conn, plain)
    if compare == "set":
        got, expected = sorted(got, key=repr), sorted(expected, key=repr)
    assert_same(got, expected, case)


def test_random_order_reads_inside_a_trigger_are_the_plain_join(conn):
    """The outer statement is a trigger's: the keyed statements are the
    extension's own, not the trigger's, so theater_keys (SQLITE_VTAB_DIRECTONLY)
    may serve them."""
    role_ids, _ = make_cast(conn, 15)
    fill_keys(conn, shuffled_keys(15, role_ids))
    conn.executescript("""
        CREATE TABLE go (x);
        CREATE TABLE log (n, audition, lead);
        CREATE TRIGGER go_read AFTER INSERT ON go BEGIN
          INSERT INTO log SELECT k.rowid, a.id, role_lead(k.id) FROM keys k LEFT JOIN role_auditions(k.id) a;
        END;""")
    conn.execute("INSERT INTO go VALUES (1)")
    assert_same(rows(conn, "SELECT * FROM log ORDER BY rowid"),
                rows(conn, f"SELECT k.rowid, a.id, {lead_sql('k.id', 0)} FROM keys k "
                           "LEFT JOIN auditions a ON a.role_id = k.id ORDER BY k.rowid, a.id"), "log")


def test_random_order_reads_through_a_view_with_trusted_schema_off(conn):
    role_ids, _ = make_cast(conn, 16)
    fill_keys(conn, shuffled_keys(16, role_ids, missing_ids(role_ids)))
    conn.execute("CREATE VIEW keyed_auditions AS SELECT k.rowid AS n, a.id, a.actor "
                 "FROM keys k CROSS JOIN role_auditions(k.id) a")
    conn.execute("PRAGMA trusted_schema = OFF")
    assert_same(rows(conn, "SELECT * FROM keyed_auditions"),
                rows(conn, "SELECT k.rowid, a.id, a.actor FROM keys k JOIN auditions a ON a.role_id = k.id "
                           "ORDER BY k.rowid, a.id"), "view")


def test_a_random_order_statement_run_from_inside_another_ones_function(conn):
    """An application function, called by a random-order statement, runs
    another random-order statement on the same connection: each has keyed
    statements of its own."""
    role_ids, _ = make_cast(conn, 18)
    fill_keys(conn, shuffled_keys(18, role_ids, missing_ids(role_ids)))
    roles_only = "k.id IN (SELECT id FROM roles)"
    inner = ("SELECT group_concat(x, ',') FROM (SELECT a.id || ':' || role_lead(k.id) AS x "
             f"FROM keys k CROSS JOIN role_auditions(k.id) a WHERE {roles_only})")
    inner_plain = (f"SELECT group_concat(x, ',') FROM (SELECT a.id || ':' || {lead_sql('k.id', 0)} AS x "
                   f"FROM keys k JOIN auditions a ON a.role_id = k.id WHERE {roles_only} ORDER BY k.rowid, a.id)")
    expected_inner = rows(conn, inner_plain)[0][0]
    conn.create_function("inner_read", 0, lambda: rows(conn, inner)[0][0] == expected_inner)
    got = rows(conn, "SELECT k.rowid, a.id, CASE WHEN k.rowid % 25 = 0 THEN inner_read() END, role_understudy(k.id) "
                     f"FROM keys k CROSS JOIN role_auditions(k.id) a WHERE {roles_only}")
    expected = rows(conn, f"SELECT k.rowid, a.id, CASE WHEN k.rowid % 25 = 0 THEN 1 END, {lead_sql('k.id', 1)} "
                          f"FROM keys k JOIN auditions a ON a.role_id = k.id WHERE {roles_only} ORDER BY k.rowid, a.id")
    assert_same(got, expected, "outer")


def test_closing_the_connection_while_a_random_order_statement_is_half_read(db_path):
    conn = file_connection(db_path)
    make_dense_cast(conn, 19)
    keys = list(range(1, 3001))
    random.Random(19).shuffle(keys)
    fill_keys(conn, keys)
    cursors = [conn.execute("SELECT k.rowid, r.id FROM keys k LEFT JOIN audition_role(k.id) r"),
               conn.execute("SELECT k.rowid, a.id, role_lead(a.role_id) FROM keys k LEFT JOIN role_auditions(k.id % 300) a")]
    for cursor in cursors:
        cursor.fetchmany(1000)
    conn.close()
    for cursor in cursors:
        with pytest.raises(sqlite3.ProgrammingError):
            cursor.fetchall()
    # SQLite closes the connection once its last statement is finalized,
    # the extension's keyed statements on loan included: then no lock is
    # left on the file.
    del cursor, cursors
    gc.collect()
    again = file_connection(db_path, timeout=0)
    _, query, plain = THEATER_CASES["audition_role"]
    assert_same(rows(again, query), rows(again, plain), "a new connection")
    again.execute("UPDATE auditions SET hired = 1 WHERE id = 1")
    again.close()


def test_insert_select_in_random_order_writes_the_plain_join(conn):
    """INSERT ... SELECT runs in a write transaction: every lookup restarts
    its keyed statement; the rows written are the join's."""
    role_ids, _ = make_cast(conn, 8)
    fill_keys(conn, shuffled_keys(8, role_ids, missing_ids(role_ids)))
    conn.execute("CREATE TABLE log (n, audition, actor)")
    conn.execute("INSERT INTO log SELECT k.rowid, a.id, a.actor FROM keys k CROSS JOIN role_auditions(k.id) a")
    assert_same(rows(conn, "SELECT * FROM log ORDER BY rowid"),
                rows(conn, "SELECT k.rowid, a.id, a.actor FROM keys k JOIN auditions a ON a.role_id = k.id "
                           "ORDER BY k.rowid, a.id"), "log")


def test_a_statement_abandoned_half_way_lets_its_keyed_statements_go(db_path):
    a = file_connection(db_path, cached_statements=0)
    make_cast(a, 9)
    fill_keys(a, theater_keys_for(a, 9, "auditions"))
    cursor = a.execute("SELECT k.rowid, r.id, role_lead(r.id), t.id FROM keys k LEFT JOIN audition_role(k.id) r "
                       "LEFT JOIN role_auditions(r.id) t")
    cursor.fetchmany(300)
    assert keyed_busy(a) > 0  # mid-run: a switch happened
    cursor.close()  # sqlite3_reset
    assert keyed_busy(a) == 0
    b = file_connection(db_path, timeout=0)
    b.execute("SELECT call_back(?)", (rows(b, "SELECT min(id) FROM auditions")[0][0],))
    b.close()
    a.close()


# ---------------------------------------------------------------------------
# 5. theater_keys itself

@pytest.mark.parametrize("sql", [
    "SELECT * FROM theater_keys",
    "SELECT * FROM theater_keys(1)",
    "SELECT * FROM theater_keys('x')",
    "SELECT * FROM theater_keys(NULL)",
    "SELECT * FROM theater_keys(zeroblob(8))",
    "SELECT value, seq, live, feed, rowid FROM theater_keys(2.5)",
    "SELECT * FROM theater_keys WHERE feed = 1",
    "SELECT * FROM theater_keys WHERE feed IN (1, 2, 3)",
    "SELECT * FROM theater_keys WHERE feed > 1",
    "SELECT * FROM (SELECT 1 AS x) j, theater_keys(j.x)",
    "SELECT * FROM theater_keys AS a, theater_keys(a.value) AS b",
    "SELECT * FROM roles r LEFT JOIN theater_keys(r.id) k WHERE k.value IS NOT NULL",
    "SELECT * FROM theater_keys k WHERE k.feed = k.value",
    "SELECT * FROM theater_keys k WHERE k.feed = (SELECT max(id) FROM roles)",
    "SELECT * FROM theater_keys k, roles r WHERE k.feed = r.id OR k.feed = r.id + 1",
    "SELECT * FROM theater_keys WHERE feed IS NULL",
    "SELECT * FROM theater_keys ORDER BY value DESC LIMIT 1",
    "WITH RECURSIVE x(n) AS (SELECT 1 UNION ALL SELECT value FROM theater_keys(x.n), x) SELECT * FROM x WHERE n > 1",
])
def test_theater_keys_from_sql_has_no_rows(migrated, sql):
    migrated.execute("INSERT INTO roles VALUES (1, 'Hamlet')")
    assert rows(migrated, sql) == []
    assert rows(migrated, f"SELECT count(*) FROM ({sql})") == [(0,)]


def test_theater_keys_cannot_be_written(conn):
    assert error_of(conn, "INSERT INTO theater_keys (value) VALUES (1)") == "table theater_keys may not be modified"


@pytest.mark.parametrize("schema, use", [
    ("CREATE VIEW v AS SELECT * FROM theater_keys", "SELECT * FROM v"),
    ("CREATE VIEW v AS SELECT (SELECT count(*) FROM theater_keys(1)) AS n", "SELECT * FROM v"),
    ("CREATE TABLE t (x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT * FROM theater_keys(NEW.x); END",
     "INSERT INTO t VALUES (1)"),
    ("CREATE TABLE t (x); CREATE TABLE u (y); "
     "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u SELECT value FROM theater_keys; END",
     "INSERT INTO t VALUES (1)"),
])
def test_theater_keys_is_refused_in_views_and_triggers(conn, schema, use):
    conn.executescript(schema)
    assert error_of(conn, use) == 'unsafe use of virtual table "theater_keys"'


def test_pragma_module_list_lists_theater_keys(conn):
    assert rows(conn, "SELECT name FROM pragma_module_list WHERE name = 'theater_keys'") == [("theater_keys",)]


@pytest.mark.parametrize("shadow", [
    "CREATE TABLE theater_keys (value, seq, live, feed)",
    "ATTACH ':memory:' AS other; CREATE TABLE other.theater_keys (value, seq, live, feed)",
    "CREATE TEMP TABLE theater_keys (value, seq, live, feed)",
    "CREATE VIEW theater_keys AS SELECT 1 AS value, 2 AS seq, 3 AS live",
])
def test_a_table_of_the_users_named_theater_keys_does_not_break_random_order_reads(conn, shadow):
    """The user may name a table anything that names no table of theirs
    already; random-order reads worked with such a table before keyed
    statements came."""
    role_ids, _ = make_cast(conn, 10)
    fill_keys(conn, shuffled_keys(10, role_ids))
    conn.executescript(shadow)
    for function in ("role_auditions", "role_lead"):
        _, query, plain = THEATER_CASES[function]
        assert_same(rows(conn, query), rows(conn, plain), function)


def steps_of(conn, sql):
    """How many times a progress handler every 100 instructions runs for sql."""
    ops = [0]

    def count():
        ops[0] += 1
        return 0

    conn.set_progress_handler(count, 100)
    try:
        rows(conn, sql)
    finally:
        conn.set_progress_handler(None, 100)
    return ops[0]


@pytest.mark.parametrize("hidden", [None, "value", "live", "seq"], ids=["every column", "value", "live", "seq"])
@pytest.mark.parametrize("used_before", [False, True], ids=["fresh connection", "connection used before"])
@pytest.mark.parametrize("answer", ["SQLITE_IGNORE", "SQLITE_DENY"])
@pytest.mark.parametrize("function", ["role_auditions", "role_lead", "audition_role"])
def test_an_authorizer_that_hides_theater_keys_changes_nothing(conn, function, answer, used_before, hidden):
    """An application's authorizer (sqlite3_set_authorizer) that knows
    nothing of theater_keys and answers SQLITE_IGNORE (its columns read as
    NULL) or SQLITE_DENY to reading it, on a fresh connection or one whose
    keyed statements are already prepared (setting an authorizer expires
    them: they are prepared again under it): the functions' answers stay
    the plain join's. A progress handler stops the statement, rather than
    the test, should it not end: at 50 times the steps it takes without the
    authorizer."""
    drawn_from, query, plain = THEATER_CASES[function]
    with connect() as measure:
        make_cast(measure, 17)
        fill_keys(measure, theater_keys_for(measure, 17, drawn_from))
        budget = 50 * steps_of(measure, query) + 1000
    make_cast(conn, 17)
    fill_keys(conn, theater_keys_for(conn, 17, drawn_from))
    expected = rows(conn, plain)
    if used_before:
        assert_same(rows(conn, query), expected, "without an authorizer")
    verdict = getattr(sqlite3, answer)

    def authorizer(action, table, column, database, source):
        reads_it = action == sqlite3.SQLITE_READ and table == "theater_keys" and hidden in (None, column)
        return verdict if reads_it else sqlite3.SQLITE_OK

    ops = [0]

    def stop_past_budget():
        ops[0] += 1
        return ops[0] > budget

    conn.set_progress_handler(stop_past_budget, 100)
    conn.set_authorizer(authorizer)
    try:
        got = rows(conn, query)
    except sqlite3.Error as e:
        pytest.fail(f"{type(e).__name__}: {e} (after {ops[0] * 100} instructions; without the authorizer "
                    f"the statement takes about {(budget - 1000) // 50 * 100})")
    finally:
        conn.set_authorizer(None)
        conn.set_progress_handler(None, 100)
    assert_same(got, expected, f"with {answer}")


# ---------------------------------------------------------------------------
# 6. Errors and cancels mid-statement

@pytest.mark.parametrize("function", ["role_lead", "role_understudy"])
def test_a_missing_role_mid_statement_fails_and_the_connection_goes_on(db_path, function):
    a = file_connection(db_path, cached_statements=0)
    role_ids, _ = make_cast(a, 12)
    keys = shuffled_keys(12, role_ids)
    keys.insert(250, 424242)  # well after the switch
    keys.insert(260, 424243)
    fill_keys(a, keys)
    query = f"SELECT k.rowid, {function}(k.id) FROM keys k ORDER BY k.rowid"
    assert error_of(a, query) == f"{function}: no role with id 424242"
    assert keyed_busy(a) == 0
    # The keyed statement was let go: another connection writes at once.
    b = file_connection(db_path, timeout=0)
    b.execute("INSERT INTO roles (id, character_name) VALUES (424242, 'found'), (424243, 'found too')")
    b.close()
    # And the same statement now runs, and is right.
    _, _, plain = THEATER_CASES[function]
    assert_same(rows(a, query), rows(a, plain), "after the error")
    a.close()


@pytest.mark.parametrize("function, argument, message", [
    ("role_auditions", "role_id", "role_auditions: role_id must be an integer"),
    ("role_actors", "role_id", "role_actors: role_id must be an integer"),
    ("audition_role", "audition_id", "audition_role: audition_id must be an integer"),
    ("author_books", "author_id", "author_books: author_id must be an integer"),
])
def test_a_bad_key_mid_statement_fails_and_the_connection_goes_on(db_path, function, argument, message):
    a = file_connection(db_path, cached_statements=0)
    role_ids, audition_ids = make_cast(a, 13)
    a.executescript("CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);"
                    "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id));"
                    "CREATE INDEX books_author ON books(author_id);")
    a.executemany("INSERT INTO authors VALUES (?, ?)", [(r, "x") for r in role_ids])
    a.executemany("INSERT INTO books (title, author_id) VALUES (?, ?)", [("t", r) for r in role_ids * 2])
    declare(a, "author_books", "authors", "books")
    ids = audition_ids if function == "audition_role" else role_ids
    keys = shuffled_keys(13, ids)
    keys.insert(250, "abc")
    fill_keys(a, keys)
    query = f"SELECT k.rowid, t.rowid FROM keys k CROSS JOIN {function}(k.id) t"
    assert error_of(a, query) == message
    assert keyed_busy(a) == 0
    b = file_connection(db_path, timeout=0)
    b.execute("UPDATE keys SET id = 1 WHERE id = 'abc'")
    b.close()
    assert len(rows(a, query)) > 0


def interrupt_case(conn, seed):
    role_ids, _ = make_cast(conn, seed, roles=300, max_auditions=5)
    fill_keys(conn, shuffled_keys(seed, role_ids * 2, missing_ids(role_ids)))


LONG = ("SELECT k.rowid, role_understudy(k.id), a.id, r.character_name FROM keys k "
        "LEFT JOIN role_auditions(k.id) a LEFT JOIN audition_role(a.id) r WHERE k.id IN (SELECT id FROM roles)")
LONG_PLAIN = (f"SELECT k.rowid, {lead_sql('k.id', 1)}, a.id, r.character_name FROM keys k "
              "LEFT JOIN auditions a ON a.role_id = k.id LEFT JOIN roles r ON r.id = a.role_id "
              "WHERE k.id IN (SELECT id FROM roles) ORDER BY k.rowid, a.id")


@pytest.mark.parametrize("way", ["interrupt", "refuse"])
def test_a_cancel_in_the_middle_of_a_random_order_query_leaves_the_connection_usable(db_path, way):
    """sqlite3_interrupt(), or the progress handler refusing once, at points
    spread over the whole query (the nested keyed statements count their
    steps too); each time the query stops with "interrupted", no keyed
    statement is left running, another connection writes at once, and the
    query run again is right."""
    conn = file_connection(db_path)
    interrupt_case(conn, 14)
    expected = rows(conn, LONG_PLAIN)
    assert_same(rows(conn, LONG), expected, "clean run")
    calls = [0]

    def count():
        calls[0] += 1
        return 0

    conn.set_progress_handler(count, 20)
    rows(conn, LONG)
    conn.set_progress_handler(None, 20)
    total = calls[0]
    assert total > 100
    points = sorted({1, 2, 3, 5, 8, 13} | {int(total * f) for f in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)})
    other = file_connection(db_path, timeout=0)
    for at in points:
        seen = [0]

        def cancel():
            seen[0] += 1
            if seen[0] != at:
                return 0
            if way == "interrupt":
                conn.interrupt()
                return 0
            return 1

        conn.set_progress_handler(cancel, 20)
        with pytest.raises(sqlite3.OperationalError) as info:
            rows(conn, LONG)
        conn.set_progress_handler(None, 20)
        assert str(info.value).endswith("interrupted"), (at, str(info.value))
        assert keyed_busy(conn) == 0, at
        other.execute("UPDATE roles SET character_name = character_name WHERE id = ?", (at,))
        assert_same(rows(conn, LONG), expected, f"after a cancel at check {at}")
    other.close()
    conn.close()
