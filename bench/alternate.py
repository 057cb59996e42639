"""One read case's wall ratio to its fastest hand-written SQL, with the two
queries run in turn, so that a busy neighbour or a change of clock speed
weighs on both alike: the ratio of the best of each.

    /usr/bin/python3 bench/alternate.py --roles 10000 --runs 40 "audition_role join, planner's order"

bench/run.py times each query's runs one after the other (best of
--repeat), which at 10k (a run of about 15 ms) lets a moment's noise fall
on one side only. THEATER_BUILD picks the build, as for bench/run.py.
Every answer is checked equal to the hand-written one first."""
import argparse
import os
import pathlib
import sqlite3
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import queries  # noqa: E402
import run  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTENSION = pathlib.Path(os.environ.get("THEATER_BUILD", ROOT / "build")) / "theater.so"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", help="a read case of bench/queries.py")
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40, help="runs of each query, in turn")
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    args = parser.parse_args(argv)
    if args.case not in queries.READS:
        raise SystemExit(f"no such case: {args.case!r} (bench/queries.py names them)")
    unit, ext_sql, hands = queries.READS[args.case]
    path = generate.database(args.roles, args.data, EXTENSION)
    conn = sqlite3.connect(str(path), isolation_level=None)
    generate.load_extension(conn, EXTENSION)
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: measure CPU, not disk
    columns = ext_sql.count(" AS c")
    for label, hand_sql in hands.items():
        if not run.same_rows(conn, ext_sql, hand_sql):
            raise SystemExit(f"{args.case}: the extension and the {label} disagree")
    timed = {"theater": queries.counted(ext_sql, columns)}
    timed.update({label: queries.counted(sql, columns) for label, sql in hands.items()})
    best = {label: float("inf") for label in timed}
    for _ in range(args.runs):
        for label, sql in timed.items():
            start = time.perf_counter()
            conn.execute(sql).fetchone()
            best[label] = min(best[label], time.perf_counter() - start)
    ops = {"roles": args.roles, "links": args.roles * generate.TAGS_PER_ROLE}.get(
        unit, conn.execute("SELECT count(*) FROM auditions").fetchone()[0])
    hand = min((label for label in hands), key=best.get)
    print(f"{args.case}, {args.roles:,} roles, best of {args.runs} runs each, in turn ({EXTENSION}):")
    for label, seconds in best.items():
        print(f"  {label}: {seconds / ops * 1e9:,.0f} ns/op")
    print(f"  ratio: {best['theater'] / best[hand]:.3f}x ({hand})")


if __name__ == "__main__":
    main()
