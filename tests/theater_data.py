"""Data helpers shared by the domain, relationship, casting and differential
tests: a small hand-made cast with known answers, random casts, and small
query helpers. Plain functions, imported by the test modules."""
import random
import sqlite3

import pytest

NO_LEAD = "no actor has been hired for this role"
NO_UNDERSTUDY = "no actor has been hired for understudy for this role"

# The hand-made cast. Audition ids interleave across roles and are inserted
# out of id order, so "first hired" can only mean "lowest hired id".
ROLES = [
    (1, "Hamlet"),   # four auditions, three hires: lead 5, understudy 7
    (2, "Ophelia"),  # one hire: lead 8, no understudy
    (3, "Yorick"),   # no auditions at all
    (4, "Horatio"),  # auditions, nobody hired
]
# (id, actor, location, phone, hired, role_id), in insertion order
AUDITIONS = [
    (9, "Alice", "New York", 5550009, 1, 1),
    (2, "Bob", "Boston", 5550002, 0, 1),
    (5, "Carol", "Chicago", None, 1, 1),
    (7, "Alice", "New York", 5550007, 1, 1),
    (1, "Dana", "Los Angeles", 5550001, 0, 2),
    (8, "Bob", "New York", 5550008, 1, 2),
    (3, "Eve", "San Francisco", 5550003, 0, 4),
]
# role id -> (lead, understudy) of the cast above
CAST_ANSWERS = {
    1: (5, 7),
    2: (8, NO_UNDERSTUDY),
    3: (NO_LEAD, NO_UNDERSTUDY),
    4: (NO_LEAD, NO_UNDERSTUDY),
}


def insert_roles(conn, roles):
    conn.executemany("INSERT INTO roles (id, character_name) VALUES (?, ?)", roles)


def insert_auditions(conn, auditions):
    conn.executemany(
        "INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES (?, ?, ?, ?, ?, ?)",
        auditions,
    )


def load_cast(conn):
    """Migrates (if needed) and inserts the hand-made cast; returns conn."""
    conn.execute("SELECT theater_migrate()")
    insert_roles(conn, ROLES)
    insert_auditions(conn, AUDITIONS)
    return conn


def auditions_of(role_id):
    """The cast's auditions of one role in audition id order."""
    return sorted(a for a in AUDITIONS if a[5] == role_id)


def rows(conn, sql, params=()):
    return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def error_of(conn, sql, params=()):
    """The message of the sqlite3.Error that running sql raises."""
    with pytest.raises(sqlite3.Error) as info:
        conn.execute(sql, params).fetchall()
    return str(info.value)


def hired_flags(conn):
    return rows(conn, "SELECT id, hired FROM auditions ORDER BY id")


def plan_details(conn, sql, params=()):
    """The detail column of EXPLAIN QUERY PLAN, in plan order, worded as
    SQLite 3.36.0 and later word it (conftest.plan_detail)."""
    from conftest import plan_detail

    return [plan_detail(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]


def extension_statements(conn, own_sql, counter="run"):
    """sql -> counter (a column of the sqlite_stmt table: run, nscan, nsort,
    naidx...) of every statement prepared on conn except the ones in own_sql
    (the caller's own, possibly cached by the sqlite3 module) and the
    sqlite_stmt query itself."""
    query = f"SELECT sql, {counter} FROM sqlite_stmt"
    return {
        sql: value
        for sql, value in conn.execute(query).fetchall()
        if sql != query and sql not in own_sql
    }


# ---------------------------------------------------------------------------
# Random casts

ACTORS = ["Alice", "Bob", "Carol", "Dana", "Eve", "Frank", "Grace", "Heidi"]
LOCATIONS = ["New York", "Boston", "Chicago", "Los Angeles", "London"]
CHARACTERS = ["Hamlet", "Ophelia", "Gertrude", "Claudius", "Horatio", "Laertes", "Polonius", "Yorick"]


def random_cast(seed, roles=10, max_auditions=8):
    """(roles, auditions) rows for a random cast. The first four roles have
    0, 1, 2 and many hires; the rest are random. Audition ids interleave
    across roles (they are handed out in shuffled order), actor names repeat
    within and across roles, and the hired auditions are random, not the
    first ones."""
    rng = random.Random(seed)
    role_ids = rng.sample(range(1, 10 * roles), roles)
    role_rows = [(rid, rng.choice(CHARACTERS)) for rid in role_ids]
    plan = []  # (role_id, hired) per audition, still without ids
    for index, rid in enumerate(role_ids):
        if index == 0:
            hires = 0
            count = rng.randint(0, max_auditions)
        elif index < 3:
            hires = index
            count = rng.randint(hires, max_auditions)
        elif index == 3:
            count = max(4, max_auditions)
            hires = rng.randint(3, count)
        else:
            count = rng.randint(0, max_auditions)
            hires = rng.randint(0, count)
        flags = [1] * hires + [0] * (count - hires)
        rng.shuffle(flags)
        plan.extend((rid, f) for f in flags)
    rng.shuffle(plan)
    ids = rng.sample(range(1, 20 * max(1, len(plan))), len(plan))
    audition_rows = [
        (
            aid,
            rng.choice(ACTORS),
            rng.choice(LOCATIONS),
            rng.choice([None, rng.randint(2000000000, 9999999999)]),
            hired,
            rid,
        )
        for aid, (rid, hired) in zip(ids, plan)
    ]
    return role_rows, audition_rows


def load_random_cast(conn, seed, **kwargs):
    conn.execute("SELECT theater_migrate()")
    role_rows, audition_rows = random_cast(seed, **kwargs)
    insert_roles(conn, role_rows)
    insert_auditions(conn, audition_rows)
    return role_rows, audition_rows


def expected_hires(audition_rows, role_id):
    """Hired audition ids of a role, lowest first (the reference answer)."""
    return sorted(a[0] for a in audition_rows if a[5] == role_id and a[4])


def counters_of_new_statements(conn, run, counter):
    """Calls run(); returns sql -> counter for the statements the extension
    prepared meanwhile."""
    before = set(extension_statements(conn, set()))
    run()
    return {sql: value for sql, value in extension_statements(conn, set(), counter).items() if sql not in before}


def bare_connection():
    """A connection whose sqlite3 module caches no statement of its own, so
    sqlite_stmt shows the extension's statements (and the running query)."""
    from conftest import connect

    return connect(cached_statements=0)
