"""What a case would cost if the extension's own code cost nothing: the
floor of its design, from callgrind, beside the fastest hand-written SQL.

    /usr/bin/python3 bench/floor.py [--roles 10000] [--cases CASE ...]

For each read case of bench/queries.py, callgrind counts the instructions
inside sqlite3_step() of one warm run (a process that runs the query twice
less one that runs it once, as bench/instructions.py does), and splits them:
- own code: the instructions of theater.so's functions themselves, and of
  the C and C++ library routines they call (copies into std::string,
  memchr, operator new);
- the rest: SQLite's own work, the outer statement's (its scan, and the
  virtual table protocol: xFilter, xColumn and xNext as SQLite drives them)
  and the nested statements' (their steps), and every SQLite API routine
  the extension calls (sqlite3_column_value, sqlite3_result_text,
  sqlite3_txn_state, each with the connection's mutex).
"floor" is the rest alone: no implementation that makes the same SQLite
calls can cost less, and its ratio to the hand-written SQL is the best such
an implementation could reach. A target below that ratio needs other SQLite
calls (fewer statements, fewer columns read), not faster code."""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate  # noqa: E402
import instructions  # noqa: E402
import queries  # noqa: E402

EXTENSION = instructions.EXTENSION
LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\*|>|<)?\s*(.*?)(?: \((\d+)x\))? \[(.*)\]\s*$")
RUNTIME = ("libc.so", "libstdc++.so", "libm.so", "libgcc_s.so")


def annotate(out, *options):
    done = subprocess.run(["callgrind_annotate", "--threshold=100", *options, str(out)],
                          check=True, capture_output=True, text=True)
    return done.stdout.splitlines()


def split(out):
    """(total, own code) of one callgrind output."""
    total = None
    own = 0
    for line in annotate(out, "--inclusive=no"):
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if m and m.group(5).endswith("theater.so"):
            own += int(m.group(1).replace(",", ""))
    # The runtime routines theater.so's functions call, each call's cost
    # inclusive (they call nothing of SQLite's or of the extension's).
    caller_is_own = False
    for line in annotate(out, "--inclusive=yes", "--tree=calling"):
        m = LINE.match(line)
        if not m:
            caller_is_own = False if not line.strip() else caller_is_own
            continue
        cost, mark, _, _, obj = m.groups()
        if mark == "*":
            caller_is_own = obj.endswith("theater.so")
        elif mark == ">" and caller_is_own and any(r in obj for r in RUNTIME):
            own += int(cost.replace(",", ""))
    if total is None:
        raise RuntimeError(f"no total in {out}")
    return total, own


def profile(db, sql, runs):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "callgrind.out"
        instructions.callgrind(db, sql, runs, out)
        return split(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--data", default=str(instructions.ROOT / "build" / "bench"))
    parser.add_argument("--cases", nargs="+", default=[case for case, _ in instructions.CASES])
    args = parser.parse_args(argv)
    db = generate.database(args.roles, args.data, EXTENSION)
    counts = instructions.unit_counts(db, args.roles)
    print(f"\nThe floor of each case (callgrind, inside sqlite3_step, one warm run), {args.roles:,} roles")
    print("| case | theater | own code | floor | best hand-written SQL | ratio | floor's ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for case, unit in instructions.CASES:
        if case not in args.cases:
            continue
        _, ext_sql, hands = queries.READS[case]
        columns = ext_sql.count(" AS c")
        ops = counts[unit]
        sql = queries.counted(ext_sql, columns)
        (t1, e1), (t2, e2) = profile(db, sql, 1), profile(db, sql, 2)
        theater, own = (t2 - t1) / ops, (e2 - e1) / ops
        hand = min(instructions.per_op(db, queries.counted(h, columns), ops) for h in hands.values())
        floor = theater - own
        print(f"| {case} | {theater:,.0f} | {own:,.0f} | {floor:,.0f} | {hand:,.0f} | {theater / hand:.2f}x "
              f"| {floor / hand:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
