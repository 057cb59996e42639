"""The plain views for BI tools against the extension's functions they stand
for (issue 14), per database size:

    /usr/bin/python3 bench/views.py                     # 10k, 100k and 1M roles
    /usr/bin/python3 bench/views.py --sizes 10000 --repeat 5

The pairs:
  casting_sheet (migration 4)       role_casting
  role_actors_view (migration 6)    role_actors(role_id)
  a declared relationship's view    the declared relationship's function
    ({"view": ...}, declared inside a transaction that is rolled back)

Each pair is read two ways: every row (a report), and one key at a time for
a sample of keys in random order, joined inside SQLite (what a BI tool's
filter on the argument column does, without Python's per-query cost). The
views are read on the connection that loaded the extension and, where the
view exists without it, on a plain connection that never did (as a BI tool
reads them). Every view's rows are checked equal to its function's, in
order, before anything is timed; a mismatch stops the run.

ns/op is per returned row for "every row" and per key for "per key"; "x
function" is the view's time over the function's. No timing is asserted
anywhere (tests/test_bench_smoke.py runs this at a tiny size)."""
import argparse
import random
import re
import sqlite3
import sys

import generate
import queries
from run import EXTENSION, ROOT, Table, connect, one_value, same_rows, timed

SAMPLE = 10_000  # keys per "per key" measurement (at most every key)

# name -> (the function over every key, the view over every key, the
#          function for each key s.id of the sample, the view for each),
#          every output column on both sides (a view flattened into a query
#          computes only the columns it is asked for), named c1, c2, ... for
#          queries.counted
PAIRS = {
    "casting sheet": (
        "SELECT role_id AS c1, character_name AS c2, lead AS c3, lead_actor AS c4, understudy AS c5, "
        "understudy_actor AS c6 FROM role_casting",
        "SELECT role_id AS c1, character_name AS c2, lead AS c3, lead_actor AS c4, understudy AS c5, "
        "understudy_actor AS c6 FROM casting_sheet",
        "SELECT c.character_name AS c1, c.lead AS c2, c.lead_actor AS c3, c.understudy AS c4, "
        "c.understudy_actor AS c5 FROM sample AS s, role_casting(s.id) AS c",
        "SELECT c.character_name AS c1, c.lead AS c2, c.lead_actor AS c3, c.understudy AS c4, "
        "c.understudy_actor AS c5 FROM sample AS s JOIN casting_sheet AS c ON c.role_id = s.id",
    ),
    "role actors": (
        "SELECT r.id AS c1, a.actor AS c2 FROM roles AS r, role_actors(r.id) AS a",
        "SELECT role_id AS c1, actor AS c2 FROM role_actors_view",
        "SELECT a.actor AS c1 FROM sample AS s, role_actors(s.id) AS a",
        "SELECT a.actor AS c1 FROM sample AS s JOIN role_actors_view AS a ON a.role_id = s.id",
    ),
    "declared relationship": (
        "SELECT r.id AS c1, a.id AS c2, a.actor AS c3, a.location AS c4, a.phone AS c5, a.hired AS c6 "
        "FROM roles AS r, bench_auditions(r.id) AS a",
        "SELECT role_id AS c1, id AS c2, actor AS c3, location AS c4, phone AS c5, hired AS c6 "
        "FROM bench_auditions_view",
        "SELECT a.id AS c1, a.actor AS c2, a.location AS c3, a.phone AS c4, a.hired AS c5 "
        "FROM sample AS s, bench_auditions(s.id) AS a",
        "SELECT a.id AS c1, a.actor AS c2, a.location AS c3, a.phone AS c4, a.hired AS c5 "
        "FROM sample AS s JOIN bench_auditions_view AS a ON a.role_id = s.id",
    ),
}
DECLARE = ("SELECT theater_relate('bench_auditions', 'roles', 'auditions', "
           "'{\"column\": \"role_id\", \"view\": \"bench_auditions_view\"}')")


def make_sample(conn, roles, seed=14):
    """temp.sample(id): up to SAMPLE role ids, in random order (a BI tool's
    filters come in no order), some naming no role."""
    rng = random.Random(seed)
    ids = [rng.randrange(1, roles + roles // 100 + 2) for _ in range(min(SAMPLE, roles))]
    conn.execute("DROP TABLE IF EXISTS temp.sample")
    conn.execute("CREATE TEMP TABLE sample (n INTEGER PRIMARY KEY, id INTEGER)")
    conn.executemany("INSERT INTO temp.sample (id) VALUES (?)", [(i,) for i in ids])
    return len(ids)


def bench_pair(name, conn, plain, table, repeat, keys, results):
    every_fn, every_view, key_fn, key_view = PAIRS[name]
    if not same_rows(conn, every_fn, every_view):
        raise SystemExit(f"{name}: the view and the function disagree")
    # Joined, a view's rows for one key come in the plan's order (SQL gives
    # a join no order): the same rows for each key, in any order.
    def per_key(sql):
        return sorted(conn.execute(sql.replace("SELECT ", "SELECT s.n, ", 1)), key=repr)
    if per_key(key_fn) != per_key(key_view):
        raise SystemExit(f"{name}: the view and the function disagree for one key at a time")
    rows = conn.execute(f"SELECT count(*) FROM ({every_fn})").fetchone()[0]
    readers = [("function", conn, every_fn, key_fn), ("view", conn, every_view, key_view)]
    if plain is not None:
        readers.append(("view, no extension", plain, every_view, key_view))
    for way, ops in (("every row", rows), ("per key", keys)):
        base = None
        for label, c, every_sql, key_sql in readers:
            sql = every_sql if way == "every row" else key_sql
            counted = queries.counted(sql, len(re.findall(r" AS c[0-9]+\b", sql)))
            t, peak, _ = timed(one_value(c, counted), repeat)
            ns = t / max(ops, 1) * 1e9
            if base is None:
                base = t
                table.add(f"{name}, {way}", label, ns, peak_kib=peak)
            else:
                table.add(f"{name}, {way}", label, ns, f"{t / base:.2f}x (function)", peak_kib=peak)
                results[(name, way, label)] = t / base


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (best is kept)")
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    parser.add_argument("--orm-max", type=int, help="bench/run.py's; unused here (scripts/bench.sh passes both "
                        "scripts the same arguments)")
    args = parser.parse_args(argv)
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, theater "
          f"{connect(':memory:').execute('SELECT theater_version()').fetchone()[0]}")
    all_results = {}
    for roles in args.sizes:
        path = generate.database(roles, args.data, EXTENSION)
        conn = connect(path)
        plain = sqlite3.connect(str(path), isolation_level=None)
        for c in (conn, plain):
            c.execute("PRAGMA cache_size = -262144")  # 256 MiB: measure CPU, not disk
        keys = make_sample(conn, roles)
        make_sample(plain, roles)
        auditions = conn.execute("SELECT count(*) FROM auditions").fetchone()[0]
        table = Table(f"{roles:,} roles, {auditions:,} auditions; per key: {keys:,} keys in random order",
                      head=("case", "measured", "ns/op", "x function", "", "peak MiB"))
        results = {}
        bench_pair("casting sheet", conn, plain, table, args.repeat, keys, results)
        bench_pair("role actors", conn, plain, table, args.repeat, keys, results)
        # The declaration is rolled back: the database stays as generated.
        conn.execute("BEGIN")
        try:
            conn.execute(DECLARE)
            bench_pair("declared relationship", conn, None, table, args.repeat, keys, results)
        finally:
            conn.execute("ROLLBACK")
        table.print()
        conn.close()
        plain.close()
        all_results[roles] = results
    return all_results


if __name__ == "__main__":
    main()
