"""Issue 17, target 4: a set-based hire against the best hand-written UPDATE,
and the per-call call_back against a prepared UPDATE.

    /usr/bin/python3 bench/bulk_hire.py                        # 10k and 100k roles
    /usr/bin/python3 bench/bulk_hire.py --sizes 10000 --instructions

The batch is bench/run.py's: min(100k, auditions) audition ids drawn at
random (with repeats, as callers send them), in a TEMP table ids(id INTEGER),
once in random order and once ascending. Each form hires the whole batch
inside BEGIN ... ROLLBACK; ns per id of the batch (repeats counted), best of
--repeat runs taken in turns after one untimed round, with a 256 MiB page
cache (CPU, not disk) unless --cache-mib says otherwise. Every form's result (the count and sum of hired ids) is
checked equal before anything is reported; a difference stops the run.

With --instructions, callgrind also counts the instructions per id inside
sqlite3_step (as bench/instructions.py does: one run subtracted from two),
a figure the load of a shared machine does not move.

The per-call table is bench/run.py's own case (SELECT call_back(?) per id
from Python against a prepared UPDATE), run as run.py runs it."""
import argparse
import json
import os
import pathlib
import random
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import run  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTENSION = pathlib.Path(os.environ.get("THEATER_BUILD", ROOT / "build")) / "theater.so"

HAND = {
    "hand: UPDATE ... WHERE id IN (SELECT id FROM ids)":
        "UPDATE auditions SET hired = 1 WHERE id IN (SELECT id FROM temp.ids)",
    "hand: UPDATE ... FROM ids": "UPDATE auditions SET hired = 1 FROM temp.ids AS b WHERE auditions.id = b.id",
}
THEATER = {
    "theater: SELECT call_back_all(json_group_array(id)) FROM ids":
        "SELECT call_back_all(json_group_array(id)) FROM temp.ids",
    "theater: SELECT count(call_back(id)) FROM ids (per call)": "SELECT count(call_back(id)) FROM temp.ids",
}
# The ids in the application rather than in a table: one JSON text bound as ?1.
BOUND = {
    "hand: UPDATE ... WHERE id IN (SELECT value FROM json_each(?))":
        "UPDATE auditions SET hired = 1 WHERE id IN (SELECT value FROM json_each(?1))",
    "theater: SELECT call_back_all(?)": "SELECT call_back_all(?1)",
}

STATE = "SELECT count(*), total(id) FROM auditions WHERE hired = 1"

# The child process callgrind watches: the same setup each run, then the
# statement `runs` times, each in BEGIN ... ROLLBACK.
CHILD = """
import json, random, sqlite3, sys
db, extension, sql, runs, order, cache_kib = sys.argv[1:7]
conn = sqlite3.connect(db, isolation_level=None)
conn.enable_load_extension(True)
conn.load_extension(extension)
if int(cache_kib):
    conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
auditions = conn.execute("SELECT count(*) FROM auditions").fetchone()[0]
rng = random.Random(7)
ids = [rng.randrange(1, auditions + 1) for _ in range(min(100_000, auditions))]
if order == "ascending":
    ids.sort()
conn.execute("CREATE TEMP TABLE ids (id INTEGER)")
conn.executemany("INSERT INTO temp.ids VALUES (?)", ((i,) for i in ids))
args = (json.dumps(ids),) if "?1" in sql else ()
for _ in range(int(runs)):
    conn.execute("BEGIN")
    conn.execute(sql, args).fetchall()
    conn.execute("ROLLBACK")
"""


def batch_ids(auditions, order):
    """bench/run.py's batch: the same seed and draw."""
    rng = random.Random(7)
    ids = [rng.randrange(1, auditions + 1) for _ in range(min(run.CALL_BACKS, auditions))]
    return sorted(ids) if order == "ascending" else ids


def instructions(db, sql, order, cache_kib, runs):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=sqlite3_step",
                        f"--callgrind-out-file={out}", sys.executable, "-c", CHILD,
                        str(db), str(EXTENSION), sql, str(runs), order, str(cache_kib)],
                       check=True, capture_output=True, text=True)
        return int(re.search(r"^summary:\s+(\d+)", out.read_text(), re.M).group(1))


def per_id_instructions(db, sql, order, cache_kib, ids):
    return (instructions(db, sql, order, cache_kib, 2) - instructions(db, sql, order, cache_kib, 1)) / ids


def bench_batch(conn, db, auditions, order, args):
    ids = batch_ids(auditions, order)
    conn.execute("CREATE TEMP TABLE ids (id INTEGER)")
    conn.executemany("INSERT INTO temp.ids VALUES (?)", ((i,) for i in ids))
    bound = json.dumps(ids)

    def hire(sql, params=()):
        def fn():
            conn.execute("BEGIN")
            try:
                conn.execute(sql, params).fetchall()
                return conn.execute(STATE).fetchone()
            finally:
                conn.execute("ROLLBACK")
        return fn

    forms = [(label, sql, ()) for label, sql in {**HAND, **THEATER}.items()]
    forms += [(label, sql, (bound,)) for label, sql in BOUND.items()]
    # One round untimed, so that every form finds the pages in the cache;
    # then the forms take turns, so that the load of a shared machine falls
    # on all of them alike.
    for label, sql, params in forms:
        hire(sql, params)()
    best, peaks, states = {}, {}, {}
    for _ in range(args.repeat):
        for label, sql, params in forms:
            t, peak, state = run.timed(hire(sql, params), 1)
            best[label] = min(best.get(label, t), t)
            peaks[label] = max(peaks.get(label, 0), peak)
            states[label] = state
    measured = {label: (best[label] / len(ids) * 1e9, peaks[label], states[label]) for label, _, _ in forms}
    conn.execute("DROP TABLE temp.ids")
    states = {state for _, _, state in measured.values()}
    if len(states) != 1:
        for label, (_, _, state) in measured.items():
            print(f"MISMATCH: {label}: {state}", file=sys.stderr)
        raise SystemExit(f"{order} ids: the forms leave different states")

    table = run.Table(f"{len(ids):,} ids, {order}, {auditions:,} auditions",
                      head=("measured", "ns/id", "x best hand UPDATE", "instructions/id", "x best hand (instr.)",
                            "peak MiB"))
    best_hand = min(ns for label, (ns, _, _) in measured.items() if label in HAND)
    counts = {}
    if args.instructions:
        for label, sql, params in forms:
            counts[label] = per_id_instructions(db, sql, order, args.cache_mib * 1024, len(ids))
    best_hand_count = min((c for label, c in counts.items() if label in HAND), default=None)
    for label, (ns, peak, _) in measured.items():
        count = counts.get(label)
        table.rows.append((label, f"{ns:,.0f}", f"{ns / best_hand:.2f}x",
                           f"{count:,.0f}" if count is not None else "",
                           f"{count / best_hand_count:.2f}x" if count is not None else "", f"{peak / 1024:.1f}"))
    table.print()
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="roles")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (best is kept)")
    parser.add_argument("--cache-mib", type=int, default=256, help="page cache; 0: SQLite's default")
    parser.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    parser.add_argument("--orders", nargs="+", default=["random", "ascending"], choices=["random", "ascending"])
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    args = parser.parse_args(argv)
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"page cache {f'{args.cache_mib} MiB' if args.cache_mib else 'default'}")
    for roles in args.sizes:
        db = generate.database(roles, args.data, EXTENSION)
        conn = run.connect(db)
        if args.cache_mib:
            conn.execute(f"PRAGMA cache_size = -{args.cache_mib * 1024}")
        auditions = conn.execute("SELECT count(*) FROM auditions").fetchone()[0]
        print(f"\n## {roles:,} roles")
        for order in args.orders:
            bench_batch(conn, db, auditions, order, args)
        table = run.Table(f"{roles:,} roles: call_back per call (bench/run.py's case)")
        run.bench_call_backs(conn, auditions, table, args.repeat, {})
        table.print()
        conn.close()


if __name__ == "__main__":
    main()
