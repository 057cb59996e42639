"""The benchmark: the extension against hand-written SQL and against the
seed's SQLAlchemy ORM, per database size, in one process and one run.

    /usr/bin/python3 bench/run.py                       # 10k, 100k and 1M roles
    /usr/bin/python3 bench/run.py --sizes 10000 --repeat 5

Prints a table per size: ns per operation (best of --repeat runs), the ratio
to the fastest hand-written SQL, the speed-up over SQLAlchemy, and the peak
resident memory the query added. Every extension answer is checked equal to
its hand-written one before anything is timed; a mismatch stops the run."""
import argparse
import itertools
import os
import pathlib
import random
import sqlite3
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import orm  # noqa: E402
import queries  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTENSION = pathlib.Path(os.environ.get("THEATER_BUILD", ROOT / "build")) / "theater.so"
CALL_BACKS = 100_000


def connect(path):
    conn = sqlite3.connect(str(path), isolation_level=None)
    generate.load_extension(conn, EXTENSION)
    return conn


def rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak():
    # Linux: writing 5 resets the peak resident set size (VmHWM) to now.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def timed(fn, repeat):
    """(best seconds, peak added memory in KiB, result of the last run)."""
    best, peak, result = float("inf"), 0, None
    for _ in range(repeat):
        reset_peak()
        before = rss_kib("VmRSS")
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
        peak = max(peak, rss_kib("VmHWM") - before)
    return best, peak, result


def same_rows(conn, sql_a, sql_b):
    """True when both queries return the same rows in the same order (streamed)."""
    a, b = conn.execute(sql_a), conn.cursor().execute(sql_b)
    for row_a, row_b in itertools.zip_longest(a, b):
        if row_a != row_b:
            print(f"MISMATCH: {row_a} != {row_b}", file=sys.stderr)
            return False
    return True


def one_value(conn, sql):
    return lambda: conn.execute(sql).fetchone()


class Table:
    def __init__(self, title, head=("case", "measured", "ns/op", "x hand SQL", "faster than ORM", "peak MiB")):
        self.title, self.head, self.rows = title, head, []

    def add(self, case, variant, ns, ratio="", orm="", peak_kib=0):
        self.rows.append((case, variant, f"{ns:,.0f}", ratio, orm, f"{peak_kib / 1024:.1f}"))

    def print(self):
        head = self.head
        widths = [max(len(str(r[i])) for r in self.rows + [head]) for i in range(len(head))]
        print(f"\n{self.title}")
        for row in [head, tuple("-" * w for w in widths)] + self.rows:
            print("| " + " | ".join(str(v).ljust(w) for v, w in zip(row, widths)) + " |")


def bench_reads(conn, roles, auditions, table, repeat, results, cases=None):
    for case, (unit, ext_sql, hands) in queries.READS.items():
        if cases and case not in cases:
            continue
        ops = {"roles": roles, "links": roles * generate.TAGS_PER_ROLE}.get(unit, auditions)
        columns = ext_sql.count(" AS c")
        for label, hand_sql in hands.items():
            if not same_rows(conn, ext_sql, hand_sql):
                raise SystemExit(f"{case}: the extension and the {label} disagree")
        ext_t, ext_peak, _ = timed(one_value(conn, queries.counted(ext_sql, columns)), repeat)
        hand_times = {}
        for label, hand_sql in hands.items():
            t, peak, _ = timed(one_value(conn, queries.counted(hand_sql, columns)), repeat)
            hand_times[label] = t
            table.add(case, f"hand: {label}", t / ops * 1e9, peak_kib=peak)
        best_label = min(hand_times, key=hand_times.get)
        ratio = ext_t / hand_times[best_label]
        table.add(case, "theater", ext_t / ops * 1e9, f"{ratio:.2f}x ({best_label})", peak_kib=ext_peak)
        results[case] = {"ext_ns": ext_t / ops * 1e9, "ratio": ratio, "hand": best_label}


def bench_call_backs(conn, auditions, table, repeat, results):
    rng = random.Random(7)
    ids = [rng.randrange(1, auditions + 1) for _ in range(min(CALL_BACKS, auditions))]

    def run(sql):
        def fn():
            conn.execute("BEGIN")
            try:
                for audition_id in ids:
                    conn.execute(sql, (audition_id,))
                return conn.execute("SELECT count(*), total(id) FROM auditions WHERE hired = 1").fetchone()
            finally:
                conn.execute("ROLLBACK")
        return fn

    ext_t, ext_peak, ext_state = timed(run("SELECT call_back(?)"), repeat)
    hand_t, hand_peak, hand_state = timed(run("UPDATE auditions SET hired = 1 WHERE id = ?"), repeat)
    if ext_state != hand_state:
        raise SystemExit(f"call_back: states differ {ext_state} != {hand_state}")
    table.add("call_back x100k, one transaction", "hand: prepared UPDATE", hand_t / len(ids) * 1e9,
              peak_kib=hand_peak)
    ratio = ext_t / hand_t
    table.add("call_back x100k, one transaction", "theater", ext_t / len(ids) * 1e9,
              f"{ratio:.2f}x (prepared UPDATE)", peak_kib=ext_peak)
    results["call_back"] = {"ext_ns": ext_t / len(ids) * 1e9, "ratio": ratio}

    # The same batch without Python's per-call overhead: the ids in a table,
    # one statement each way.
    conn.execute("CREATE TEMP TABLE bench_ids (id INTEGER)")
    conn.executemany("INSERT INTO temp.bench_ids VALUES (?)", ((i,) for i in ids))

    def batch(sql):
        def fn():
            conn.execute("BEGIN")
            try:
                conn.execute(sql).fetchall()
                return conn.execute("SELECT count(*), total(id) FROM auditions WHERE hired = 1").fetchone()
            finally:
                conn.execute("ROLLBACK")
        return fn

    ext_t, ext_peak, ext_state = timed(batch("SELECT count(call_back(id)) FROM temp.bench_ids"), repeat)
    hand_t, hand_peak, hand_state = timed(
        batch("UPDATE auditions SET hired = 1 FROM temp.bench_ids AS b WHERE auditions.id = b.id"), repeat)
    conn.execute("DROP TABLE temp.bench_ids")
    if ext_state != hand_state:
        raise SystemExit(f"call_back batch: states differ {ext_state} != {hand_state}")
    case = "call_back x100k, one statement"
    table.add(case, "hand: UPDATE ... FROM ids", hand_t / len(ids) * 1e9, peak_kib=hand_peak)
    table.add(case, "theater: SELECT call_back(id) FROM ids", ext_t / len(ids) * 1e9,
              f"{ext_t / hand_t:.2f}x (UPDATE ... FROM)", peak_kib=ext_peak)
    results["call_back batch"] = {"ext_ns": ext_t / len(ids) * 1e9, "ratio": ext_t / hand_t}


def bench_orm(path, conn, roles, table, results):
    rows_per_role = conn.execute("SELECT count(*) FROM auditions").fetchone()[0] / roles
    expected = [row[0] for row in conn.execute("SELECT role_lead(id) FROM roles ORDER BY id")]
    for eager, label in [(False, "lazy loading (as the seed)"), (True, "selectinload")]:
        t, peak, got = timed(lambda: orm.leads(path, eager), 1)
        if got != expected:
            raise SystemExit(f"SQLAlchemy ({label}) and role_lead disagree")
        speedup = t / roles * 1e9 / results["role_lead"]["ext_ns"]
        table.add("role_lead", f"SQLAlchemy: {label}", t / roles * 1e9, orm=f"{speedup:,.0f}x", peak_kib=peak)
        results.setdefault("orm_speedup", {})[label] = speedup
        t, peak, _ = timed(lambda: orm.actors(path, eager), 1)
        speedup = t / roles * 1e9 / (results["role_actors join"]["ext_ns"] * rows_per_role)
        table.add("role_actors (per role)", f"SQLAlchemy: {label}", t / roles * 1e9, orm=f"{speedup:,.0f}x",
                  peak_kib=peak)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (best is kept)")
    parser.add_argument("--orm-max", type=int, default=100_000, help="largest size SQLAlchemy runs at")
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    parser.add_argument("--cases", nargs="+", help="only these read cases (no call_back or ORM cases)")
    args = parser.parse_args(argv)

    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, theater {connect(':memory:').execute('SELECT theater_version()').fetchone()[0]}")
    all_results = {}
    for roles in args.sizes:
        path = generate.database(roles, args.data, EXTENSION)
        conn = connect(path)
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: measure CPU, not disk
        auditions = conn.execute("SELECT count(*) FROM auditions").fetchone()[0]
        table = Table(f"{roles:,} roles, {auditions:,} auditions")
        results = {}
        bench_reads(conn, roles, auditions, table, args.repeat, results, args.cases)
        if not args.cases:
            bench_call_backs(conn, auditions, table, args.repeat, results)
        if roles <= args.orm_max and not args.cases:
            bench_orm(path, conn, roles, table, results)
        table.print()
        conn.close()
        all_results[roles] = results
    return all_results


if __name__ == "__main__":
    main()
