"""Issue 15's relationships over real schemas against the plain SQL each
stands for (the plain join, or for trees the hand-written recursive CTE), per
database size:

    /usr/bin/python3 bench/real_schemas.py                  # 10k and 100k users (and tree nodes)
    /usr/bin/python3 bench/real_schemas.py --sizes 10000 --repeat 5
    /usr/bin/python3 bench/real_schemas.py --sizes 10000 --instructions 10000   # + callgrind (15 min)

The kinds, each declared with theater_relate when the database is generated
(N users, 5N posts whose authors are drawn at random, the same data under
every key type):
  INTEGER key, one-to-many     the integer fast path: the baseline for the key types
  TEXT key (uuid4)             users_t(id TEXT PRIMARY KEY)
  BLOB key (16-byte uuid)      users_b(id BLOB PRIMARY KEY)
  composite key                users_c(org, num), PRIMARY KEY (org, num)
  WITHOUT ROWID parent         users_w(id TEXT PRIMARY KEY) WITHOUT ROWID
  many-to-many                 INTEGER keys (the baseline) and TEXT keys, 2 links a user
  view as target               {"from_column": "id", "to_column": "author_id"} over a view of posts
  where + order_by             {"where": "year >= 2010", "order_by": "year DESC"}
  trees                        {"recursive": true}: descendants and ancestors in a tree of
                               fan-out 5, in chains of 1,000 nodes, and down chains with
                               {"max_depth": 10}; no cycles, node ids in random order

Each kind is read two ways. *every key*: the join from the source table
(`FROM users u, fn(u.id)` against `FROM users u JOIN posts p ON ...`; for
trees every node, or in chains every root (descendants) or leaf (ancestors)),
ns per returned row. *per key*: a sample of 10,000 keys in random order (1,000
for chains, whose keys have 500 rows each on average), 1% of them naming no
row, joined inside SQLite (`FROM sample s, fn(s.k)` against `FROM sample s
JOIN posts p ON p.author_id = s.k`), ns per key. Both sides compute every
output column. Every function's rows are checked equal to its plain SQL's
before anything is timed (as sorted lists, per sampled key too, and in order
where the relationship has an order_by); a mismatch stops the run.

"x plain" is the function's time over its plain SQL's; "x INTEGER key" is a
row's time over the same measurement of the INTEGER-key kind it is a variant
of (one-to-many, many-to-many), on the same data. No timing is asserted
anywhere (tests/test_bench_smoke.py runs this at a tiny size)."""
import argparse
import concurrent.futures
import os
import pathlib
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import queries  # noqa: E402
from run import EXTENSION, ROOT, Table, connect, one_value, timed  # noqa: E402

GENERATOR_VERSION = 1
SEED = 20261215
POSTS_PER_USER = 5
LINKS_PER_USER = 2
FAN_OUT = 5
CHAIN = 1_000        # nodes per chain (at most the size)
MAX_DEPTH = 10
SAMPLE = 10_000      # keys per "per key" measurement (at most the size)
CHAIN_SAMPLE = 1_000

USERS = ["users_i", "users_t", "users_b", "users_c", "users_w"]
DECLARATIONS = [
    ("int_posts", "users_i", "posts_i", None),
    ("text_posts", "users_t", "posts_t", None),
    ("blob_posts", "users_b", "posts_b", None),
    ("comp_posts", "users_c", "posts_c", None),
    ("wr_posts", "users_w", "posts_w", None),
    ("int_groups", "users_i", "groups_i", "members_i"),
    ("text_groups", "users_t", "groups_t", "members_t"),
    ("listed_posts", "users_i", "post_list", '{"from_column": "id", "to_column": "author_id"}'),
    ("recent_posts", "users_i", "posts_i", '{"where": "year >= 2010", "order_by": "year DESC"}'),
    ("tree_down", "nodes", "nodes", '{"direction": "one-to-many", "recursive": true}'),
    ("tree_up", "nodes", "nodes", '{"direction": "many-to-one", "recursive": true}'),
    ("chain_down", "chain", "chain", '{"direction": "one-to-many", "recursive": true}'),
    ("chain_up", "chain", "chain", '{"direction": "many-to-one", "recursive": true}'),
    ("chain_down10", "chain", "chain", '{"direction": "one-to-many", "recursive": true, "max_depth": %d}'
     % MAX_DEPTH),
]

SCHEMA = """
CREATE TABLE users_i (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE users_t (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE users_b (id BLOB PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE users_c (org INTEGER, num INTEGER, name TEXT NOT NULL, PRIMARY KEY (org, num));
CREATE TABLE users_w (id TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE posts_i (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users_i(id), title TEXT,
                      year INTEGER);
CREATE TABLE posts_t (id INTEGER PRIMARY KEY, author_id TEXT NOT NULL REFERENCES users_t(id), title TEXT,
                      year INTEGER);
CREATE TABLE posts_b (id INTEGER PRIMARY KEY, author_id BLOB NOT NULL REFERENCES users_b(id), title TEXT,
                      year INTEGER);
CREATE TABLE posts_c (id INTEGER PRIMARY KEY, org INTEGER NOT NULL, num INTEGER NOT NULL, title TEXT,
                      year INTEGER, FOREIGN KEY (org, num) REFERENCES users_c(org, num));
CREATE TABLE posts_w (id INTEGER PRIMARY KEY, author_id TEXT NOT NULL REFERENCES users_w(id), title TEXT,
                      year INTEGER);
CREATE TABLE groups_i (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE groups_t (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE members_i (user_id INTEGER NOT NULL REFERENCES users_i(id),
                        group_id INTEGER NOT NULL REFERENCES groups_i(id));
CREATE TABLE members_t (user_id TEXT NOT NULL REFERENCES users_t(id), group_id TEXT NOT NULL REFERENCES groups_t(id));
CREATE VIEW post_list AS SELECT id, author_id, title, year FROM posts_i WHERE year >= 2000;
CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes(id), name TEXT, pos INTEGER);
CREATE TABLE chain (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES chain(id), name TEXT, pos INTEGER);
"""
INDEXES = """
CREATE INDEX posts_i_author ON posts_i(author_id);
CREATE INDEX posts_t_author ON posts_t(author_id);
CREATE INDEX posts_b_author ON posts_b(author_id);
CREATE INDEX posts_c_author ON posts_c(org, num);
CREATE INDEX posts_w_author ON posts_w(author_id);
CREATE INDEX members_i_user ON members_i(user_id);
CREATE INDEX members_t_user ON members_t(user_id);
CREATE INDEX nodes_parent ON nodes(parent_id);
CREATE INDEX chain_parent ON chain(parent_id);
"""


def keys(users):
    """User index (1.., past `users` naming no row) -> its key of each type,
    the same for every database of that size."""
    rng = random.Random(SEED)
    out = [None]
    for i in range(1, users + users // 100 + 2):
        u = uuid.UUID(int=rng.getrandbits(128), version=4)
        out.append({"i": i, "t": str(u), "b": u.bytes, "c": ((i - 1) // 100 + 1, (i - 1) % 100 + 1)})
    return out


def generate_database(users, path, extension):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    rng = random.Random(SEED + users)
    key = keys(users)
    conn = sqlite3.connect(str(tmp), isolation_level=None)
    generate.load_extension(conn, extension)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    for table, k in (("users_i", "i"), ("users_t", "t"), ("users_b", "b"), ("users_w", "t")):
        conn.executemany(f"INSERT INTO {table} (id, name) VALUES (?, ?)",
                         ((key[i][k], f"User {i}") for i in range(1, users + 1)))
    conn.executemany("INSERT INTO users_c (org, num, name) VALUES (?, ?, ?)",
                     (key[i]["c"] + (f"User {i}",) for i in range(1, users + 1)))
    posts = [(p, rng.randrange(1, users + 1), f"Post {p}", rng.randrange(1990, 2026))
             for p in range(1, users * POSTS_PER_USER + 1)]
    for table, k in (("posts_i", "i"), ("posts_t", "t"), ("posts_b", "b"), ("posts_w", "t")):
        conn.executemany(f"INSERT INTO {table} (id, author_id, title, year) VALUES (?, ?, ?, ?)",
                         ((p, key[a][k], title, year) for p, a, title, year in posts))
    conn.executemany("INSERT INTO posts_c (id, org, num, title, year) VALUES (?, ?, ?, ?, ?)",
                     ((p,) + key[a]["c"] + (title, year) for p, a, title, year in posts))
    groups = max(50, users // 100)
    group_key = [None] + [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(groups)]
    conn.executemany("INSERT INTO groups_i (id, name) VALUES (?, ?)", ((g, f"Group {g}") for g in range(1, groups + 1)))
    conn.executemany("INSERT INTO groups_t (id, name) VALUES (?, ?)",
                     ((group_key[g], f"Group {g}") for g in range(1, groups + 1)))
    links = [(rng.randrange(1, users + 1), rng.randrange(1, groups + 1)) for _ in range(users * LINKS_PER_USER)]
    conn.executemany("INSERT INTO members_i (user_id, group_id) VALUES (?, ?)", links)
    conn.executemany("INSERT INTO members_t (user_id, group_id) VALUES (?, ?)",
                     ((key[u]["t"], group_key[g]) for u, g in links))
    # The trees: node n (breadth-first, from 1) gets a random id; in `nodes`
    # n's parent is (n - 2) // FAN_OUT + 1, in `chain` the node before it in
    # its chain. pos is the depth from the root (0).
    def tree(table, parent_of, pos_of):
        ids = list(range(1, users + 1))
        rng.shuffle(ids)
        ids.insert(0, None)
        rows = [(ids[n], None if parent_of(n) is None else ids[parent_of(n)], f"Node {n}", pos_of(n))
                for n in range(1, users + 1)]
        rows.sort()
        conn.executemany(f"INSERT INTO {table} (id, parent_id, name, pos) VALUES (?, ?, ?, ?)", rows)

    def level(n):
        depth, first, width = 0, 1, 1
        while n >= first + width:
            first, width, depth = first + width, width * FAN_OUT, depth + 1
        return depth

    chain = min(CHAIN, users)
    tree("nodes", lambda n: None if n == 1 else (n - 2) // FAN_OUT + 1, level)
    tree("chain", lambda n: None if (n - 1) % chain == 0 else n - 1, lambda n: (n - 1) % chain)
    conn.execute("COMMIT")
    conn.executescript(INDEXES)
    for name, source, target, extra in DECLARATIONS:
        args = [name, source, target] + ([extra] if extra else [])
        conn.execute(f"SELECT theater_relate({', '.join('?' * len(args))})", args)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    tmp.rename(path)
    return path


def database(users, folder, extension):
    path = pathlib.Path(folder) / f"real-schemas-{users}-v{GENERATOR_VERSION}.db"
    if not path.exists():
        generate_database(users, path, extension)
    return path


def make_samples(conn, users, chain_sample=CHAIN_SAMPLE):
    """temp.sample_i(n, k), sample_t, sample_b, sample_c(n, org, num): the
    same users in random order, 1% naming no user; temp.sample_tree and
    sample_chain: node ids of `nodes` and `chain` (a few past the last)."""
    rng = random.Random(15)
    key = keys(users)
    picks = [rng.randrange(1, users + users // 100 + 2) for _ in range(min(SAMPLE, users))]
    for k in ("i", "t", "b"):
        conn.execute(f"DROP TABLE IF EXISTS temp.sample_{k}")
        conn.execute(f"CREATE TEMP TABLE sample_{k} (n INTEGER PRIMARY KEY, k)")
        conn.executemany(f"INSERT INTO temp.sample_{k} (k) VALUES (?)", ((key[p][k],) for p in picks))
    conn.execute("DROP TABLE IF EXISTS temp.sample_c")
    conn.execute("CREATE TEMP TABLE sample_c (n INTEGER PRIMARY KEY, org, num)")
    conn.executemany("INSERT INTO temp.sample_c (org, num) VALUES (?, ?)", (key[p]["c"] for p in picks))
    for table, size in (("tree", SAMPLE), ("chain", chain_sample)):
        ids = [rng.randrange(1, users + users // 100 + 2) for _ in range(min(size, users))]
        conn.execute(f"DROP TABLE IF EXISTS temp.sample_{table}")
        conn.execute(f"CREATE TEMP TABLE sample_{table} (n INTEGER PRIMARY KEY, k)")
        conn.executemany(f"INSERT INTO temp.sample_{table} (k) VALUES (?)", ((i,) for i in ids))
    return {"users": len(picks), "tree": min(SAMPLE, users), "chain": min(chain_sample, users)}


# Output columns are c1, c2, ... (queries.counted). "{n}" in a per-key query
# is "" when timed and "s.n AS n0, " when checked: the sampled key's number.
POST_COLUMNS = "p.id AS c{0}, p.title AS c{1}, p.year AS c{2}"


def one_to_many(fn, users, posts, sample, on_every, on_key, args="u.id", key_args="s.k", key="u.id AS c1"):
    every = key + ", " + POST_COLUMNS.format(2, 3, 4)
    per = "{n}" + POST_COLUMNS.format(1, 2, 3)
    return (f"SELECT {every} FROM {users} AS u, {fn}({args}) AS p",
            f"SELECT {every} FROM {users} AS u JOIN {posts} AS p ON {on_every}",
            f"SELECT {per} FROM {sample} AS s, {fn}({key_args}) AS p",
            f"SELECT {per} FROM {sample} AS s JOIN {posts} AS p ON {on_key}")


def many_to_many(fn, users, members, groups, sample):
    return (f"SELECT u.id AS c1, g.id AS c2, g.name AS c3 FROM {users} AS u, {fn}(u.id) AS g",
            f"SELECT u.id AS c1, g.id AS c2, g.name AS c3 FROM {users} AS u JOIN {members} AS m ON m.user_id = u.id"
            f" JOIN {groups} AS g ON g.id = m.group_id",
            f"SELECT {{n}}g.id AS c1, g.name AS c2 FROM {sample} AS s, {fn}(s.k) AS g",
            f"SELECT {{n}}g.id AS c1, g.name AS c2 FROM {sample} AS s JOIN {members} AS m ON m.user_id = s.k"
            f" JOIN {groups} AS g ON g.id = m.group_id")


def tree(fn, table, sample, up, roots=None, max_depth=None):
    """A tree's descendants (up=False: columns id, name, pos and depth; the
    parent is the argument) or ancestors (up=True: id, parent_id, name, pos,
    depth) against the recursive CTE a careful user writes: breadth-first,
    UNION ALL (the data has no cycles), each row's columns carried along so
    that every step is one seek. `roots`: the condition on the source rows of
    "every key" (all of them when None)."""
    columns = ["id", "name", "pos"] if not up else ["id", "parent_id", "name", "pos"]
    carried = ", ".join(f"c.{c}" for c in columns)
    step = "c.id = r.parent_id" if up else "c.parent_id = r.id"
    step_down = "c.id = d.parent_id" if up else "c.parent_id = d.id"
    where = "" if roots is None else f" WHERE r.{roots}"
    limit = "" if max_depth is None else f" WHERE d.depth < {max_depth}"

    def cte(first):
        return (f"WITH RECURSIVE d(n, {', '.join(columns)}, depth) AS ({first}"
                f" UNION ALL SELECT d.n, {carried}, d.depth + 1 FROM d JOIN {table} AS c ON {step_down}{limit}) ")
    out = ", ".join(f"{c} AS c{i + 2}" for i, c in enumerate(columns + ["depth"]))
    key_out = ", ".join(f"{c} AS c{i + 1}" for i, c in enumerate(columns + ["depth"]))
    fn_out = ", ".join(f"d.{c} AS c{i + 2}" for i, c in enumerate(columns + ["depth"]))
    fn_key_out = ", ".join(f"d.{c} AS c{i + 1}" for i, c in enumerate(columns + ["depth"]))
    # Per key, descendants are the rows whose parent is the key (no node
    # names a missing parent); ancestors start from the key's own row.
    return (f"SELECT r.id AS c1, {fn_out} FROM {table} AS r, {fn}(r.id) AS d{where}",
            cte(f"SELECT r.id, {carried}, 1 FROM {table} AS r JOIN {table} AS c ON {step}{where}")
            + f"SELECT n AS c1, {out} FROM d",
            f"SELECT {{n}}{fn_key_out} FROM {sample} AS s, {fn}(s.k) AS d",
            cte(f"SELECT s.n, {carried}, 1 FROM {sample} AS s JOIN {table} AS r ON r.id = s.k JOIN {table} AS c"
                f" ON {step}" if up else
                f"SELECT s.n, {carried}, 1 FROM {sample} AS s JOIN {table} AS c ON c.parent_id = s.k")
            + f"SELECT {{n}}{key_out} FROM d AS s")


# case -> (sample, the INTEGER-key case it is a variant of, ordered, (every key: function, plain;
#          per key: function, plain)). ordered: the function's rows are also checked in order.
KINDS = {
    "INTEGER key, one-to-many": ("users", None, False, one_to_many(
        "int_posts", "users_i", "posts_i", "sample_i", "p.author_id = u.id", "p.author_id = s.k")),
    "TEXT key (uuid4), one-to-many": ("users", "INTEGER key, one-to-many", False, one_to_many(
        "text_posts", "users_t", "posts_t", "sample_t", "p.author_id = u.id", "p.author_id = s.k")),
    "BLOB key (16-byte uuid), one-to-many": ("users", "INTEGER key, one-to-many", False, one_to_many(
        "blob_posts", "users_b", "posts_b", "sample_b", "p.author_id = u.id", "p.author_id = s.k")),
    "composite key (2 INTEGER columns), one-to-many": ("users", "INTEGER key, one-to-many", False, one_to_many(
        "comp_posts", "users_c", "posts_c", "sample_c", "p.org = u.org AND p.num = u.num",
        "p.org = s.org AND p.num = s.num", args="u.org, u.num", key_args="s.org, s.num",
        key="u.org AS c1, u.num AS c5")),
    "WITHOUT ROWID parent (TEXT key), one-to-many": ("users", "INTEGER key, one-to-many", False, one_to_many(
        "wr_posts", "users_w", "posts_w", "sample_t", "p.author_id = u.id", "p.author_id = s.k")),
    "many-to-many, INTEGER keys": ("users", None, False, many_to_many(
        "int_groups", "users_i", "members_i", "groups_i", "sample_i")),
    "many-to-many, TEXT keys": ("users", "many-to-many, INTEGER keys", False, many_to_many(
        "text_groups", "users_t", "members_t", "groups_t", "sample_t")),
    "view as target (from_column/to_column)": ("users", None, False, one_to_many(
        "listed_posts", "users_i", "post_list", "sample_i", "p.author_id = u.id", "p.author_id = s.k")),
    "where + order_by": ("users", None, True, tuple(
        sql.replace("ON p.author_id = u.id", "ON p.author_id = u.id AND p.year >= 2010 ORDER BY u.id, p.year DESC,"
                    " p.id").replace("ON p.author_id = s.k", "ON p.author_id = s.k AND p.year >= 2010 ORDER BY s.n,"
                                     " p.year DESC, p.id")
        for sql in one_to_many("recent_posts", "users_i", "posts_i", "sample_i", "p.author_id = u.id",
                               "p.author_id = s.k"))),
    "tree descendants, fan-out 5": ("tree", None, False, tree("tree_down", "nodes", "sample_tree", False)),
    "tree ancestors, fan-out 5": ("tree", None, False, tree("tree_up", "nodes", "sample_tree", True)),
    "tree descendants, deep chains": ("chain", None, False, tree(
        "chain_down", "chain", "sample_chain", False, roots="pos = 0")),
    "tree ancestors, deep chains": ("chain", None, False, tree(
        "chain_up", "chain", "sample_chain", True, roots="parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM chain"
        " AS x WHERE x.parent_id = r.id)")),
    f"tree descendants, chains, max_depth {MAX_DEPTH}": ("tree", None, False, tree(
        "chain_down10", "chain", "sample_tree", False, max_depth=MAX_DEPTH)),
}


def columns(sql):
    return len(re.findall(r" AS c[0-9]+\b", sql))


def rows(conn, sql):
    return sorted(conn.execute(sql), key=repr)


def check(name, conn, kind):
    _, _, ordered, (every_fn, every_plain, key_fn, key_plain) = kind
    mark = "s.n AS n0, "
    for way, fn, plain in (("every key", every_fn, every_plain),
                           ("per key", key_fn.replace("{n}", mark), key_plain.replace("{n}", mark))):
        a, b = rows(conn, fn), rows(conn, plain)
        if a != b:
            print(f"MISMATCH: {name}, {way}: {len(a)} rows from the function, {len(b)} from the plain SQL; first "
                  f"difference {next((x, y) for x, y in zip(a + [None], b + [None]) if x != y)}", file=sys.stderr)
            raise SystemExit(f"{name}: the function and its plain SQL disagree ({way})")
        if ordered:
            a, b = list(conn.execute(fn)), list(conn.execute(plain))
            if a != b:
                print(f"MISMATCH: {name}, {way}: the same rows in another order", file=sys.stderr)
                raise SystemExit(f"{name}: the function and its plain SQL disagree on the order ({way})")
    return conn.execute(f"SELECT count(*) FROM ({every_fn})").fetchone()[0]


def bench_kind(name, conn, table, repeat, samples, results):
    kind = KINDS[name]
    sample, baseline, _, (every_fn, every_plain, key_fn, key_plain) = kind
    every_rows = check(name, conn, kind)
    key_rows = conn.execute(f"SELECT count(*) FROM ({key_fn.replace('{n}', '')})").fetchone()[0]
    plain_label = "recursive CTE" if name.startswith("tree") else "plain join"
    for way, ops, fn_sql, plain_sql in (("every key", every_rows, every_fn, every_plain),
                                        ("per key", samples[sample], key_fn, key_plain)):
        # The two sides alternate, run by run (best of each kept), so that a
        # change in the machine's load falls on both.
        runs = {label: one_value(conn, queries.counted(sql.replace("{n}", ""), columns(sql)))
                for label, sql in (("function", fn_sql), (plain_label, plain_sql))}
        times = {label: (float("inf"), 0) for label in runs}
        for _ in range(repeat):
            for label, run in runs.items():
                t, peak, _ = timed(run, 1)
                times[label] = (min(times[label][0], t), max(times[label][1], peak))
        for label in (plain_label, "function"):
            t, peak = times[label]
            ratio = f"{t / times[plain_label][0]:.2f}x" if label == "function" else ""
            base = results.get((baseline, way, label))
            vs_int = f"{t / base:.2f}x" if base else ""
            table.add(f"{name}, {way}", label, t / max(ops, 1) * 1e9, ratio, vs_int, peak_kib=peak)
            results[(name, way, label)] = t
        results[(name, way, "x plain")] = times["function"][0] / times[plain_label][0]
        results[(name, way, "rows per op")] = (every_rows / max(ops, 1)) if way == "every key" else \
            key_rows / max(ops, 1)


def sample_sql(conn):
    """SQL that makes the temp.sample_* tables of `conn` again, for the
    sqlite3 shell that instructions() runs."""
    out = []
    for (name,) in conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'table' AND name LIKE 'sample%'"):
        sql = conn.execute("SELECT sql FROM temp.sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        cols = [row[1] for row in conn.execute(f"PRAGMA temp.table_info({name})")]
        row = " || ',' || ".join(f"quote({c})" for c in cols)
        values = conn.execute(f"SELECT group_concat('(' || {row} || ')') FROM temp.{name}").fetchone()[0]
        out.append(sql.replace("CREATE TABLE", "CREATE TEMP TABLE", 1) + ";")
        if values:
            out.append(f"INSERT INTO temp.{name} VALUES {values};")
    return "\n".join(out)


def instructions(path, samples, sql, runs):
    """Instructions inside sqlite3_step() of a sqlite3 shell that makes the
    samples and runs `sql` `runs` times (bench/instructions.py's way, with the
    shell instead of Python to start faster under valgrind): the difference
    between two runs and one is one warm run."""
    with tempfile.TemporaryDirectory() as tmp:
        out, script = pathlib.Path(tmp) / "callgrind.out", pathlib.Path(tmp) / "run.sql"
        script.write_text(f".load {EXTENSION.with_suffix('')}\nPRAGMA cache_size = -262144;\n{samples}\n"
                          f".output /dev/null\n" + f"{sql};\n" * runs)
        subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=sqlite3_step",
                        f"--callgrind-out-file={out}", "sqlite3", "-bail", str(path), f".read {script}"],
                       check=True, capture_output=True, text=True)
        return int(re.search(r"^summary:\s+(\d+)", out.read_text(), re.M).group(1))


def count_instructions(path, users, names):
    """Instructions per operation inside sqlite3_step (callgrind): not moved
    by the machine's load, unlike wall time. Chains are read per key for 100
    keys only (each key has 500 rows on average). Two processes at a time."""
    conn = connect(path)
    samples = make_samples(conn, users, chain_sample=100)
    script = sample_sql(conn)
    jobs = []
    for name in names:
        sample, _, _, (every_fn, every_plain, key_fn, key_plain) = KINDS[name]
        every_rows = conn.execute(f"SELECT count(*) FROM ({every_fn})").fetchone()[0]
        for way, ops, fn_sql, plain_sql in (("every key", every_rows, every_fn, every_plain),
                                            ("per key", samples[sample], key_fn, key_plain)):
            jobs.append((f"{name}, {way}", ops, [queries.counted(sql.replace("{n}", ""), columns(sql))
                                                 for sql in (fn_sql, plain_sql)]))
    conn.close()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        counts = {(case, side, runs): pool.submit(instructions, path, script, sql, runs)
                  for case, _, sqls in jobs for side, sql in enumerate(sqls) for runs in (1, 2)}
        print(f"\nInstructions per operation (callgrind, inside sqlite3_step), {users:,} users")
        print("| case | function | plain SQL | x plain | function, x INTEGER key |")
        print("| --- | --- | --- | --- | --- |")
        per_op = {}
        for case, ops, _ in jobs:
            fn, plain = ((counts[(case, side, 2)].result() - counts[(case, side, 1)].result()) / max(ops, 1)
                         for side in (0, 1))
            per_op[case] = fn
            name, way = case.rsplit(", ", 1)
            base = per_op.get(f"{KINDS[name][1]}, {way}")
            vs_int = f"{fn / base:.2f}x" if base else ""
            print(f"| {case} | {fn:,.0f} | {plain:,.0f} | {fn / plain:.2f}x | {vs_int} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="users (and nodes in each tree)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (best is kept)")
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    parser.add_argument("--kinds", nargs="+", help="only these cases (names as in the table)")
    parser.add_argument("--instructions", type=int, metavar="USERS",
                        help="also count instructions per operation with callgrind at this size (slow)")
    parser.add_argument("--orm-max", type=int, help="bench/run.py's; unused here (scripts/bench.sh passes the "
                        "scripts the same arguments)")
    args = parser.parse_args(argv)
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, theater "
          f"{connect(':memory:').execute('SELECT theater_version()').fetchone()[0]}")
    all_results = {}
    for users in args.sizes:
        path = database(users, args.data, EXTENSION)
        conn = connect(path)
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: measure CPU, not disk
        samples = make_samples(conn, users)
        posts = conn.execute("SELECT count(*) FROM posts_i").fetchone()[0]
        table = Table(f"{users:,} users, {posts:,} posts, {users:,} nodes in each tree; per key: {samples['users']:,}"
                      f" keys in random order ({samples['chain']:,} for chains of {min(CHAIN, users):,})",
                      head=("case", "measured", "ns/op", "x plain", "x INTEGER key", "peak MiB"))
        results = {}
        for name in KINDS:
            if args.kinds and name not in args.kinds:
                continue
            bench_kind(name, conn, table, args.repeat, samples, results)
        table.print()
        conn.close()
        all_results[users] = results
    if args.instructions:
        count_instructions(database(args.instructions, args.data, EXTENSION), args.instructions,
                           [name for name in KINDS if not args.kinds or name in args.kinds])
    return all_results


if __name__ == "__main__":
    main()
