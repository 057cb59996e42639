"""Instructions per operation, counted by callgrind: a figure that does not
move with the load on a shared machine, unlike wall time.

    /usr/bin/python3 bench/instructions.py [--roles 10000]

For each query, callgrind counts the instructions executed inside
sqlite3_step() by a process that runs the query once and by one that runs it
twice; the difference is one warm run, divided by the roles (or rows) it
covers."""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import queries  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTENSION = pathlib.Path(os.environ.get("THEATER_BUILD", ROOT / "build")) / "theater.so"

CHILD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.enable_load_extension(True)
conn.load_extension(sys.argv[2])
for _ in range(int(sys.argv[4])):
    conn.execute(sys.argv[3]).fetchall()
"""

# Every read case of bench/queries.py, in its order, with what it counts.
CASES = [(case, unit) for case, (unit, _, _) in queries.READS.items()]


def callgrind(db, sql, runs, out):
    """Runs `sql` `runs` times in a fresh process under callgrind, counting
    inside sqlite3_step() only; the profile goes to `out`."""
    subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=sqlite3_step",
                    f"--callgrind-out-file={out}", "/usr/bin/python3", "-c", CHILD,
                    str(db), str(EXTENSION), sql, str(runs)],
                   check=True, capture_output=True, text=True)


def instructions(db, sql, runs):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "callgrind.out"
        callgrind(db, sql, runs, out)
        summary = re.search(r"^summary:\s+(\d+)", out.read_text(), re.M)
        return int(summary.group(1))


def per_op(db, sql, ops):
    return (instructions(db, sql, 2) - instructions(db, sql, 1)) / ops


def unit_counts(db, roles):
    """How many roles, rows (auditions) and links a case's count divides by."""
    import sqlite3
    conn = sqlite3.connect(str(db))
    try:
        return {"roles": roles, "rows": conn.execute("SELECT count(*) FROM auditions").fetchone()[0],
                "links": conn.execute("SELECT count(*) FROM role_tags").fetchone()[0]}
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"))
    parser.add_argument("--cases", nargs="+", default=[case for case, _ in CASES], help="which cases to count")
    args = parser.parse_args(argv)
    db = generate.database(args.roles, args.data, EXTENSION)
    counts = unit_counts(db, args.roles)
    print(f"\nInstructions per operation (callgrind, inside sqlite3_step), {args.roles:,} roles")
    print("| case | theater | best hand-written SQL | ratio |")
    print("| --- | --- | --- | --- |")
    for case, unit in CASES:
        if case not in args.cases:
            continue
        _, ext_sql, hands = queries.READS[case]
        columns = ext_sql.count(" AS c")
        ext = per_op(db, queries.counted(ext_sql, columns), counts[unit])
        hand = min(per_op(db, queries.counted(sql, columns), counts[unit]) for sql in hands.values())
        print(f"| {case} | {ext:,.0f} | {hand:,.0f} | {ext / hand:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
