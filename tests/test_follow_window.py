"""The follow window (ext/engine/relationship_module.cpp, KeyWindow in
ext/core/key_memo.hpp): a many-to-one asked as SQLite plans the join users
write, SELECT ... FROM auditions a, audition_role(a.id) x, gets its keys in
the order of the index on the foreign key. After the keyed statement has
answered one key, the pairs (key, foreign key) that follow it in that index
are read a window at a time by a memo pass, and each next key is checked
against the window's next pair: a match is answered from the parents'
forward scan, anything else by the keyed statement. No table-wide memo is
built, so the cost per row stays flat however large the table is.

None of that may show. The oracle is the plain join over the same tables
with the same WHERE, compared as multisets (both read the outer table in
whatever order SQLite plans). sqlite_stmt shows whether the window's pass
and the table-wide memo's pass ran."""
import random
import sqlite3

import pytest

from test_hire_memo import deny_memo_put
from test_keyed_lookups import LIBRARY, assert_same, bare, declare, make_dense_cast  # noqa: F401 (bare: a fixture)
from theater_data import rows

SEEDS = [1, 2, 3]
WINDOW = "%ORDER BY %) SELECT 1 FROM m WHERE NOT theater_memo_put%"  # the follow window's two passes
MEMO = "%IS NOT NULL) SELECT theater_memo_put%"  # the table-wide memo's pass

AUDITION_ROLE = ("SELECT a.id, x.id, x.character_name FROM auditions a, audition_role(a.id) x",
                 "SELECT a.id, r.id, r.character_name FROM auditions a JOIN roles r ON r.id = a.role_id")
BOOK_AUTHOR = ("SELECT b.id, x.id, x.name FROM books b, book_author(b.id) x",
               "SELECT b.id, t.id, t.name FROM books b JOIN authors t ON t.id = b.author_id")


def runs(conn, pattern, column="run"):
    """The statements of `pattern` summed over sqlite_stmt's `column`: how
    many times they ran, or (nstep) their virtual machine steps."""
    return conn.execute(f"SELECT coalesce(sum({column}), 0) FROM sqlite_stmt WHERE sql LIKE ?", (pattern,)).fetchone()[0]


def plan(conn, sql):
    return [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql)]


def where(pair, condition):
    """Both queries of `pair` with `condition` on the outer table (alias a or b)."""
    return tuple(f"{q} WHERE {condition}" for q in pair)


def assert_join(conn, pair):
    got, expected = rows(conn, pair[0]), rows(conn, pair[1])
    assert_same(sorted(got, key=repr), sorted(expected, key=repr))
    return got


def make_items(conn, owners, items, owner_of, affinity="INTEGER"):
    """Owners 1..owners and items 1..items, each item's owner column (of
    `affinity`) given by owner_of(item), with an index on it that a padding
    column makes the cheaper scan; the many-to-one item_owner declared."""
    conn.executescript(f"""
        CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE items (id INTEGER PRIMARY KEY, owner {affinity} REFERENCES owners(id),
                            note TEXT DEFAULT 'a note long enough that the index is the cheaper scan');
        CREATE INDEX items_owner ON items(owner);""")
    conn.executemany("INSERT INTO owners VALUES (?, ?)", [(o, f"owner {o}") for o in range(1, owners + 1)])
    conn.executemany("INSERT INTO items (id, owner) VALUES (?, ?)", ((i, owner_of(i)) for i in range(1, items + 1)))
    declare(conn, "item_owner", "items", "owners", None, '{"column": "owner"}')


def make_books(conn, seed, books=3000, authors=200, owners=lambda rng: rng.randint(1, 200)):
    """Authors 1..authors and books 1..books with an index on author_id;
    `owners` picks each book's author_id (orphans and NULLs included)."""
    rng = random.Random(seed)
    conn.executescript(LIBRARY)
    conn.execute("DROP INDEX books_author_code")  # else SQLite scans books through it, in id order
    conn.executemany("INSERT INTO authors (id, name) VALUES (?, ?)", [(a, f"author {a}") for a in range(1, authors + 1)])
    conn.executemany("INSERT INTO books (id, title, author_id) VALUES (?, 't', ?)",
                     [(b, owners(rng)) for b in range(1, books + 1)])
    declare(conn, "book_author", "books", "authors", None, '{"column": "author_id"}')


# ---------------------------------------------------------------------------
# 1. In the planner's order the window answers, and answers as the join

@pytest.mark.parametrize("seed", SEEDS)
def test_audition_role_in_the_planners_order_is_the_join_and_builds_no_memo(bare, seed):
    make_dense_cast(bare, seed)
    assert plan(bare, AUDITION_ROLE[0])[0].endswith("USING COVERING INDEX auditions_role_id")
    got = assert_join(bare, AUDITION_ROLE)
    assert [a for a, _, _ in got] != sorted(a for a, _, _ in got)  # the keys really came in no id order
    assert runs(bare, WINDOW) >= 1
    assert runs(bare, MEMO) == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_declared_many_to_one_with_orphans_and_nulls_in_the_planners_order_is_the_join(bare, seed):
    """Books naming no author (999) and NULL author_ids: the index holds
    them, the join leaves them out, and so must the window's answers."""
    make_books(bare, seed, owners=lambda rng: rng.choice([rng.randint(1, 200)] * 3 + [999, None]))
    assert plan(bare, BOOK_AUTHOR[0])[0].endswith("USING COVERING INDEX books_author")
    assert_join(bare, BOOK_AUTHOR)
    assert runs(bare, WINDOW) >= 1
    assert runs(bare, MEMO) == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_one_parent_with_thousands_of_children_is_the_join(bare, seed):
    """Most books by one author: a window may start in the middle of a long
    run of one foreign key, and must start right after the key it was given
    (within that run, ids ascend, and the forward scans may serve instead)."""
    make_books(bare, seed, owners=lambda rng: 7 if rng.random() < 0.9 else rng.randint(1, 200))
    assert_join(bare, BOOK_AUTHOR)


# ---------------------------------------------------------------------------
# 2. Keys it does not predict: the keyed statement answers them

CONDITIONS = {
    "a WHERE that skips a few rows of the index": "a.hired = 1",
    "a WHERE that skips many": "a.id % 40 = 0",
    "every other row": "a.id % 2 = 0",
    "one stretch only": "a.id BETWEEN 1000 AND 1400",
}


@pytest.mark.parametrize("condition", CONDITIONS.values(), ids=list(CONDITIONS))
@pytest.mark.parametrize("seed", SEEDS)
def test_a_where_on_the_outer_table_is_the_join(bare, seed, condition):
    make_dense_cast(bare, seed)
    assert_join(bare, where(AUDITION_ROLE, condition))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_key_asked_twice_in_a_row_is_the_join(bare, seed):
    """The second ask of a key is never the window's next pair."""
    make_dense_cast(bare, seed)
    query = ("SELECT a.id, x.id, x.character_name FROM auditions a CROSS JOIN (SELECT 1 UNION ALL SELECT 2) "
             "CROSS JOIN audition_role(a.id) x")
    plain = ("SELECT a.id, r.id, r.character_name FROM auditions a CROSS JOIN (SELECT 1 UNION ALL SELECT 2) "
             "JOIN roles r ON r.id = a.role_id")
    assert_join(bare, (query, plain))


def test_keys_read_backwards_are_the_join(bare):
    """reverse_unordered_selects: the outer table's index is read from its
    end, so no key is the window's next one."""
    make_dense_cast(bare, 4)
    bare.execute("PRAGMA reverse_unordered_selects = ON")
    assert_join(bare, AUDITION_ROLE)


@pytest.mark.parametrize("affinity", ["REAL", "", "NUMERIC"])
def test_foreign_keys_that_are_not_all_integers_are_the_join(bare, affinity):
    """5.0 in a REAL column, and 5, 5.0 and '5' in a column without
    affinity: the join finds the parent for each (SQLite's comparison
    rules), and none for 5.5 or 'x5'; the window takes integers only and
    leaves the rest to the keyed statement."""
    rng = random.Random(5)
    spellings = [lambda o: o, lambda o: float(o), lambda o: str(o), lambda o: o + 0.5, lambda o: f"x{o}"]
    make_items(bare, 100, 2000, lambda i: rng.choice(spellings)(rng.randint(1, 100)), affinity)
    query = "SELECT i.id, x.id, x.name FROM items i, item_owner(i.id) x"
    assert plan(bare, query)[0].endswith("USING COVERING INDEX items_owner")
    assert_join(bare, (query, "SELECT i.id, o.id, o.name FROM items i JOIN owners o ON o.id = i.owner"))
    assert runs(bare, WINDOW) >= 1


# ---------------------------------------------------------------------------
# 3. Writes between two fetches of one statement

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("transaction", [False, True], ids=["autocommit", "in a transaction"])
def test_writes_between_fetches_are_seen_by_the_rows_after_them(bare, seed, transaction):
    """Half the rows fetched, then the same connection moves auditions to
    other roles and renames roles: every row fetched after that is the
    join as it is after the write (the window read before it is dropped)."""
    make_dense_cast(bare, seed)
    rng = random.Random(seed)
    before = {a: (r, n) for a, r, n in rows(bare, AUDITION_ROLE[1])}
    if transaction:
        bare.execute("BEGIN")
    reading = bare.execute(AUDITION_ROLE[0])
    first = reading.fetchmany(1500)
    moved = rng.sample(range(1, 3001), 300)
    bare.executemany("UPDATE auditions SET role_id = ? WHERE id = ?", [(rng.randint(1, 300), a) for a in moved])
    bare.execute("UPDATE roles SET character_name = character_name || ' (renamed)' WHERE id % 7 = 0")
    rest = reading.fetchall()
    after = {a: (r, n) for a, r, n in rows(bare, AUDITION_ROLE[1])}
    if transaction:
        bare.execute("COMMIT")
    assert all(before[a] == (r, n) for a, r, n in first)
    assert rest and all(after[a] == (r, n) for a, r, n in rest)


# ---------------------------------------------------------------------------
# 4. When the pass cannot run as ours, the keyed statement serves

def test_an_authorizer_that_denies_the_pass_leaves_the_keyed_statement_serving(bare):
    make_dense_cast(bare, 6)
    bare.set_authorizer(deny_memo_put)
    assert_join(bare, AUDITION_ROLE)
    assert runs(bare, WINDOW) == 0


@pytest.mark.parametrize("returns", [1, 0, None, "x", 2.5, b"\x00"])
def test_an_application_function_over_theater_memo_put_predicts_nothing(bare, returns):
    """Its probe tells that the window's rows did not reach the window: the
    keyed statement answers every key. The window's probe is its pass's
    LIMIT, which stays an integer whatever the function returns (no
    datatype mismatch)."""
    make_dense_cast(bare, 7)
    bare.create_function("theater_memo_put", 3, lambda p, k, v: returns)
    assert_join(bare, AUDITION_ROLE)


def test_a_window_query_over_a_table_without_the_index_is_not_used(bare):
    """Without an index on the foreign key, the window's ORDER BY would sort
    the whole table on every read: its plan is refused, and no window runs."""
    make_dense_cast(bare, 8)
    bare.execute("DROP INDEX auditions_role_id")
    # Keys in no order from a table of keys, so that the keyed statement serves.
    bare.execute("CREATE TABLE keys (id INTEGER)")
    ids = list(range(1, 3001))
    random.Random(8).shuffle(ids)
    bare.executemany("INSERT INTO keys VALUES (?)", [(i,) for i in ids])
    assert_join(bare, ("SELECT k.id, x.id, x.character_name FROM keys k CROSS JOIN audition_role(k.id) x",
                       "SELECT k.id, r.id, r.character_name FROM keys k JOIN auditions a ON a.id = k.id "
                       "JOIN roles r ON r.id = a.role_id"))
    assert runs(bare, WINDOW) == 0


def test_a_cancel_while_the_window_serves_leaves_the_connection_usable(bare):
    """Half the rows read (the window serving), then an interrupt: the
    statement fails with it, and the next one is the join again."""
    make_dense_cast(bare, 9)
    reading = bare.execute(AUDITION_ROLE[0])
    reading.fetchmany(1500)
    assert runs(bare, WINDOW) >= 1
    bare.set_progress_handler(lambda: 1, 1)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        reading.fetchall()
    bare.set_progress_handler(None, 0)
    assert_join(bare, AUDITION_ROLE)


# ---------------------------------------------------------------------------
# 5. Second reader's findings

def test_a_write_between_fetches_is_seen_even_where_the_memo_was_refused(bare):
    """One foreign key that is not an integer refuses the table-wide memo
    for good; the window still serves, through the parents' forward scan.
    After two writes between fetches (an unrelated one, then a parent
    renamed in the middle of its run), the rows after the rename must show
    it: the parents' scan is forgotten at every write, not only where a memo
    was built (a second reader's finding: 85 rows kept the old name)."""
    rng = random.Random(1)
    make_items(bare, 50, 10000, lambda i: rng.randint(1, 50))
    bare.executescript("CREATE TABLE keys (pos INTEGER PRIMARY KEY, id INTEGER); CREATE TABLE log (x);")
    bare.execute("UPDATE items SET owner = 1000.5 WHERE id = 5000")
    # Keys in no order (the keyed statement takes over), then in the index's order (the window serves).
    shuffled = random.Random(2).sample(range(1, 10001), 1500)
    ordered = [i for (i,) in bare.execute("SELECT id FROM items ORDER BY owner, id")]
    bare.executemany("INSERT INTO keys (id) VALUES (?)", [(k,) for k in shuffled + ordered])
    query = "SELECT k.pos, x.id, x.name FROM keys k CROSS JOIN item_owner(k.id) x"
    plain = ("SELECT k.pos, o.id, o.name FROM keys k CROSS JOIN items i ON i.id = k.id "
             "JOIN owners o ON o.id = i.owner")
    owner_of = dict(bare.execute("SELECT id, owner FROM items"))
    run = [pos for pos, k in enumerate(ordered, start=len(shuffled) + 1) if owner_of[k] == 30]
    reading = bare.execute(query)

    def fetch_through(pos):
        got = []
        while (row := reading.fetchone()) is not None:
            got.append(row)
            if row[0] >= pos:
                break
        return got

    fetch_through(len(shuffled) + 5)
    bare.execute("INSERT INTO log VALUES (1)")
    fetch_through(run[len(run) // 2])
    bare.execute("UPDATE owners SET name = 'RENAMED' WHERE id = 30")
    rest = reading.fetchall()
    assert runs(bare, WINDOW) >= 1
    expected = {pos: (pos, o, n) for pos, o, n in rows(bare, plain)}
    # The first row may have been read before the write (Python's cursor steps one row ahead).
    stale = [row for row in rest[1:] if row != expected[row[0]]]
    assert len(rest) > 100 and stale == []


def test_a_parent_with_thousands_of_children_costs_the_window_no_more_per_row(bare):
    """Each window starts with a seek on (fk, rowid) after the last pair:
    with (fk, key) > (?2, ?3), which a rowid table can seek on fk alone, a
    window starting inside a long run walked that run from its start (a
    second reader's finding: 19x the join at 800,000 children of 20
    parents, against 5.6x before the window). The window's passes, counted
    in virtual machine steps (sqlite_stmt), stay within a constant per child:
    about 7 here (13 while the passes ran as co-routines), 64 with the walk from the run's start."""
    parents, children = 10, 100000
    rng = random.Random(parents)
    make_items(bare, parents, children, lambda i: rng.randint(1, parents))
    assert_join(bare, ("SELECT i.id, x.id, x.name FROM items i, item_owner(i.id) x",
                       "SELECT i.id, o.id, o.name FROM items i JOIN owners o ON o.id = i.owner"))
    assert runs(bare, WINDOW) >= 1
    assert runs(bare, WINDOW, "nstep") < 10 * children  # 13 as a co-routine


# ---------------------------------------------------------------------------
# 6. A parent's values, copied once and answered to each of its children
#    (core/row_cache.hpp), and sqlite3_txn_state asked once per cursor

PARENT_VALUES = {
    "an integer": 42,
    "a real": 2.5,
    "a text": "owner's name",
    "an empty text": "",
    "a text with a NUL inside": "before\x00after",
    "a blob": b"\x00\x01\xfe",
    "an empty blob": b"",
    "NULL": None,
    "a long text": "x" * 5000,
}


@pytest.mark.parametrize("value", PARENT_VALUES.values(), ids=list(PARENT_VALUES))
def test_every_child_of_a_parent_gets_the_parents_value_of_each_type(bare, value):
    """Twenty children a parent, read in the index's order: the first child's
    read copies the parent's value, the other nineteen get the copy, with
    its type and every byte (a NUL inside a text, an empty blob)."""
    rng = random.Random(3)
    bare.executescript("""
        CREATE TABLE owners (id INTEGER PRIMARY KEY, name);  -- no affinity: each value keeps its type
        CREATE TABLE items (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners(id),
                            note TEXT DEFAULT 'a note long enough that the index is the cheaper scan');
        CREATE INDEX items_owner ON items(owner);""")
    bare.executemany("INSERT INTO owners VALUES (?, ?)", [(o, value if o % 2 == 0 else f"owner {o}")
                                                          for o in range(1, 51)])
    bare.executemany("INSERT INTO items (id, owner) VALUES (?, ?)", [(i, rng.randint(1, 50)) for i in range(1, 1001)])
    declare(bare, "item_owner", "items", "owners", None, '{"column": "owner"}')
    query = "SELECT i.id, x.id, x.name, typeof(x.name), length(CAST(x.name AS BLOB)) FROM items i, item_owner(i.id) x"
    plain = ("SELECT i.id, o.id, o.name, typeof(o.name), length(CAST(o.name AS BLOB)) "
             "FROM items i JOIN owners o ON o.id = i.owner")
    got = assert_join(bare, (query, plain))
    assert runs(bare, WINDOW) >= 1
    assert {row[3] for row in got if row[1] % 2 == 0} == {type_name(value)}


def type_name(value):
    return {int: "integer", float: "real", str: "text", bytes: "blob", type(None): "null"}[type(value)]


def test_a_statement_that_rewrites_each_parent_it_reads_reads_each_afresh(bare):
    """REPLACE INTO roles ... FROM auditions a, audition_role(a.id) x: the
    statement's own writes (no trigger) move total_changes only when it
    ends, so only its write transaction, open from before the
    relationship's first call, tells the cursor that the data may change
    under it. Every call then reads the role as it stands: each audition adds
    its mark to the name its role's previous audition wrote. (A cursor that
    kept a role's copied name would write one mark for several auditions.
    SQLite's plain join here gives one mark a role: whether a running
    statement sees its own writes is undefined in SQLite, and this
    extension's answer is "always".)"""
    make_dense_cast(bare, 10)
    bare.execute("REPLACE INTO roles (id, character_name) SELECT x.id, x.character_name || '+' "
                 "FROM auditions a, audition_role(a.id) x")
    count = dict(rows(bare, "SELECT role_id, count(*) FROM auditions GROUP BY role_id"))
    names = dict(rows(bare, "SELECT id, character_name FROM roles"))
    assert names == {r: f"role {r}" + "+" * count.get(r, 0) for r in range(1, 301)}


def test_a_blob_write_inside_a_transaction_between_fetches_is_seen_by_the_rows_after_it(bare):
    """Inside BEGIN, half the rows fetched (in the middle of a role's
    auditions), then an incremental blob write renames that role and its
    handle closes: the write is complete, but it moves no change count, and
    the transaction stays a write transaction. The rows fetched after it
    show the new name, as the plain join's do: inside a transaction every
    call asks whether it is writing (a second reader's finding: a cursor that
    asked once kept the old name)."""
    make_dense_cast(bare, 11)
    bare.execute("BEGIN")
    reading = bare.execute(AUDITION_ROLE[0])
    first = reading.fetchmany(1500)
    role = first[-1][1]
    with bare.blobopen("roles", "character_name", role) as blob:
        blob.write(b"ROLE")
    rest = reading.fetchall()
    bare.execute("COMMIT")
    assert runs(bare, WINDOW) >= 1
    later = [name for _, r, name in rest[1:] if r == role]  # (the first may have been read before the write)
    assert later and set(later) == {f"ROLE {role}"}


# ---------------------------------------------------------------------------
# 7. The parents, read a window of rows at a time (core/row_window.hpp)

PARENTS = "%<= ?3 ORDER BY %) SELECT 1 FROM m WHERE NOT theater_memo_put%"  # the parents' window's pass
ITEM_OWNER = ("SELECT i.id, x.id, x.name FROM items i, item_owner(i.id) x",
              "SELECT i.id, o.id, o.name FROM items i JOIN owners o ON o.id = i.owner")


def test_the_parents_come_from_their_window_and_are_the_join(bare):
    rng = random.Random(12)
    make_items(bare, 500, 5000, lambda i: rng.randint(1, 500))
    assert_join(bare, ITEM_OWNER)
    assert runs(bare, PARENTS) >= 1


def test_parents_missing_inside_the_windows_range_give_no_rows(bare):
    """Rowids with gaps (parents deleted with foreign keys off, children
    left naming them): a key of the window's range that is not in it has no
    parent, as in the join."""
    rng = random.Random(13)
    make_items(bare, 500, 5000, lambda i: rng.randint(1, 500))
    bare.execute("DELETE FROM owners WHERE id % 7 = 0 OR id BETWEEN 200 AND 260")
    got = assert_join(bare, ITEM_OWNER)
    assert runs(bare, PARENTS) >= 1
    assert got and all(owner % 7 != 0 and not 200 <= owner <= 260 for _, owner, _ in got)


@pytest.mark.parametrize("big", [1, 3, 10], ids=["every parent", "every third", "every tenth"])
def test_parents_larger_than_the_windows_bound_are_the_join(bare, big):
    """Parents of 40 KiB and 100 KiB (a window holds 64 KiB of text and
    blobs): a row that would pass the bound ends the window before it, and
    one that cannot fit alone leaves the parents to the scans."""
    rng = random.Random(big)
    make_items(bare, 200, 3000, lambda i: rng.randint(1, 200))
    bare.execute("UPDATE owners SET name = CASE WHEN id % 2 THEN hex(zeroblob(20000)) ELSE zeroblob(100000) END "
                 f"WHERE id % {big} = 0")
    assert_join(bare, ("SELECT i.id, x.id, length(x.name), typeof(x.name), substr(x.name, 1, 12) "
                       "FROM items i, item_owner(i.id) x",
                       "SELECT i.id, o.id, length(o.name), typeof(o.name), substr(o.name, 1, 12) "
                       "FROM items i JOIN owners o ON o.id = i.owner"))


def test_parents_that_no_child_names_cost_at_most_about_a_row_each(bare):
    """Children of every fiftieth parent only (ten each): a window reads the
    parents' rowid range whole, so it reaches only as far as the next
    foreign keys want about half of the rowids in between (KeyWindow::reach),
    here one parent a window. Counted in the parents' passes' virtual
    machine steps (about 30 a pass, 7 a row): a first version, bounded by
    the pairs left in the follow window, read about five parents a child
    (32 steps a child)."""
    children = 4000
    rng = random.Random(14)
    make_items(bare, 50 * 400, children, lambda i: 50 * rng.randint(1, 400))
    assert_join(bare, ITEM_OWNER)
    assert runs(bare, PARENTS) >= 1
    assert runs(bare, PARENTS, "nstep") < 5 * children  # about 3 here: a pass of one row a parent


@pytest.mark.parametrize("returns", [1, 0, None])
def test_an_application_function_over_theater_memo_put_of_the_parents_arity_leaves_the_scans_serving(bare, returns):
    """An application's theater_memo_put of four arguments (the parents'
    pass calls it with the memo, the key and owners' two columns) takes the
    probe with the rows, so the window is refused and the parents' scans
    serve."""
    rng = random.Random(15)
    make_items(bare, 300, 3000, lambda i: rng.randint(1, 300))
    bare.create_function("theater_memo_put", 4, lambda p, k, a, b: returns)
    assert_join(bare, ITEM_OWNER)
    assert runs(bare, WINDOW) >= 1


@pytest.mark.parametrize("seed", SEEDS)
def test_parents_renamed_between_fetches_are_seen_by_the_rows_after_them(bare, seed):
    """The parents' window is forgotten at a write like everything else a
    cursor read: after a rename, between two fetches in autocommit mode, of
    the current role and every role after it (those the window holds
    already among them), every row fetched after it shows the new names."""
    make_dense_cast(bare, seed)
    reading = bare.execute(AUDITION_ROLE[0])
    first = reading.fetchmany(1000)
    assert runs(bare, PARENTS) >= 1
    current = first[-1][1]
    bare.execute("UPDATE roles SET character_name = 'RENAMED ' || id WHERE id >= ?", (current,))
    rest = reading.fetchall()
    # The first may have been read before the write (Python's cursor steps one row ahead).
    assert len(rest) > 1000 and all(name == f"RENAMED {role}" for _, role, name in rest[1:])


READ_UNCOMMITTED_WRITES = {
    "parents renamed": "UPDATE owners SET name = 'RENAMED ' || id",
    # Children name even owners only: each run's last child moved to the
    # odd owner after it keeps its place in the index, where a window read
    # before the write still has it under its old owner.
    "children moved in place": "UPDATE items SET owner = owner + 1 WHERE id IN "
                               "(SELECT max(id) FROM items GROUP BY owner)",
}


@pytest.mark.parametrize("write", READ_UNCOMMITTED_WRITES.values(), ids=list(READ_UNCOMMITTED_WRITES))
def test_another_connections_write_under_read_uncommitted_is_seen_as_the_join_sees_it(tmp_path, write):
    """Shared cache with read_uncommitted: another connection's write lands
    between two rows of the statement and moves nothing this connection can
    see, so no copy may outlive a call: not the parents' window (a second
    reader's finding: 209 rows kept the old names), not a parent's copied
    row, not the follow window's pairs nor the memo. Each query runs under the same
    schedule (the data reset, the write after 300 rows); the rows after the
    write are compared as multisets."""
    from conftest import connect
    uri = f"file:{tmp_path.name}?mode=memory&cache=shared"
    conn = connect(uri, uri=True)
    other = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA read_uncommitted = 1")
        rng = random.Random(16)
        make_items(conn, 500, 5000, lambda i: 2 * rng.randint(1, 250))
        conn.execute("CREATE TABLE original AS SELECT * FROM items")

        def rows_after_the_write(sql):
            other.executescript("UPDATE owners SET name = 'owner ' || id; DELETE FROM items; "
                                "INSERT INTO items SELECT * FROM original;")
            got = []
            for n, row in enumerate(conn.execute(sql)):
                if n == 300:
                    other.execute(write)
                if n > 301:  # (Python's cursor steps one row ahead)
                    got.append(row)
            return sorted(got)

        got, expected = rows_after_the_write(ITEM_OWNER[0]), rows_after_the_write(ITEM_OWNER[1])
        assert len(expected) > 4000 and got == expected
    finally:
        other.close()
        conn.close()


SEEK_WRITES = {
    "the parent renamed": "UPDATE roles SET character_name = 'RENAMED' WHERE id = 1",
    "the child moved": "UPDATE auditions SET role_id = 2 WHERE id = 10",
    "the child deleted": "DELETE FROM auditions WHERE id = 10",
    "children inserted in a gap and past the end": "INSERT INTO auditions (id, actor, location, hired, role_id) "
                                                   "VALUES (101, 'd', 'l', 0, 2), (8, 'e', 'l', 0, 2)",
}


@pytest.mark.parametrize("asked_before", [False, True], ids=["pragma set first", "pragma set after a statement"])
@pytest.mark.parametrize("write", SEEK_WRITES.values(), ids=list(SEEK_WRITES))
def test_under_read_uncommitted_no_row_read_at_one_call_answers_a_later_one(tmp_path, write, asked_before):
    """Keys 5, 6, ..., 10, 100, ... in a LEFT JOIN: the key's forward scan
    stands on audition 10 from the call for 6 on, and each key in between
    gives a row of NULLs. Another connection's write after the second row
    must show in the rest, as in the join: under read_uncommitted every
    call is one after a write (a second reader's finding: the scan's row
    answered key 10 with the old role, a deleted audition, and no rows for
    inserted ones). The connection keeps its answer to the pragma while
    setting a flag pragma has not expired its statements: a statement that
    asked it (off) before it is set must not leave the answer "off"."""
    from conftest import connect
    uri = f"file:{tmp_path.name}?mode=memory&cache=shared"
    keep = connect(uri, uri=True)
    keep.execute("SELECT theater_migrate()")
    query = "SELECT s.pos, s.k, x.id, x.character_name FROM seq s LEFT JOIN audition_role(s.k) x"

    def run(sql):
        conn = connect(uri, uri=True)
        other = sqlite3.connect(uri, uri=True, isolation_level=None)
        try:
            if asked_before:
                conn.execute("CREATE TEMP TABLE seq (pos INTEGER PRIMARY KEY, k INTEGER)")
                conn.executemany("INSERT INTO temp.seq (k) VALUES (?)", [(k,) for k in (1, 2, 3)])
                conn.execute(query).fetchall()  # asks the pragma (off) at its second call
                conn.execute("DROP TABLE temp.seq")
            conn.execute("PRAGMA read_uncommitted = 1")
            other.executescript("""
                DROP TABLE IF EXISTS seq; DELETE FROM auditions; DELETE FROM roles;
                INSERT INTO roles VALUES (1, 'role one'), (2, 'role two');
                INSERT INTO auditions (id, actor, location, hired, role_id)
                    VALUES (5, 'a', 'l', 0, 1), (10, 'b', 'l', 0, 1), (100, 'c', 'l', 0, 1);
                CREATE TABLE seq (pos INTEGER PRIMARY KEY, k INTEGER);
                INSERT INTO seq (k) VALUES (5), (6), (7), (8), (9), (10), (100), (101), (102), (103), (104), (105);""")
            got = []
            for n, row in enumerate(conn.execute(sql)):
                got.append(row)
                if n == 1:
                    other.executescript(write)
            return sorted(got)
        finally:
            other.close()
            conn.close()

    try:
        got = run(query)
        expected = run("SELECT s.pos, s.k, r.id, r.character_name FROM seq s LEFT JOIN auditions a ON a.id = s.k "
                       "LEFT JOIN roles r ON r.id = a.role_id")
        assert got == expected
    finally:
        keep.close()
