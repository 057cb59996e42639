"""The stored casting sheet (issue 17): what theater_materialize_casting()
gains on reads and costs on writes, per database size.

    /usr/bin/python3 bench/casting_sheet.py                    # 10k and 100k roles
    /usr/bin/python3 bench/casting_sheet.py --sizes 10000 --repeat 5
    /usr/bin/python3 bench/casting_sheet.py --instructions     # callgrind counts too

Each size works on a copy of bench/generate.py's database (the stored sheet
is made in the copy; the generated file stays as it is).

Reads, ns per role (every row) or per key (one role at a time, a sample of
role ids in random order joined inside SQLite, as a BI tool's filter does):
  role_casting                        the extension's function (one ordered pass)
  casting_sheet (view)                migration 4's plain view (a seek per column)
  casting_sheet_stored                the stored table, on the same connection
  casting_sheet_stored, no extension  the stored table on a connection without it
Every source's rows are checked equal to role_casting's, value and type,
before anything is timed, and the stored sheet again after each write batch
(inside it) and at the end; a mismatch stops the run.

Writes, ns per write, each batch in BEGIN ... ROLLBACK so that every run
starts from the same data, without the stored sheet and with it (ratio). The
two are measured in turns, round after round (the sheet turned off and on in
between), so that a change in the machine's load falls on both:
  call_back(id) x N               one call per statement, from Python, random
                                  ids (about 30% already hired: those change
                                  nothing)
  UPDATE ... SET hired = 1 x N    the same with a prepared UPDATE
  UPDATE ... SET hired = 0 x N    letting hired ones go: every write moves a
                                  lead or an understudy
  call_back in one statement      SELECT count(call_back(id)) FROM ids (no
                                  Python per call)
  INSERT an audition, not hired   a write the sheet does not show
Plus the time to turn the sheet on (the table filled from role_casting) and to
call it again while in step (a read of every row, nothing written).

With --instructions, callgrind also counts the instructions inside
sqlite3_step() per role or per write for the reads of every row and the
one-statement write batches (a figure the load on a shared machine does not
move; bench/instructions.py's method: a run of two minus a run of one). No
timing is asserted anywhere (tests/test_bench_smoke.py runs this at a tiny
size)."""
import argparse
import pathlib
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import generate
import queries
from run import EXTENSION, ROOT, Table, connect, timed

WRITES = 10_000  # per write batch (at most the number of auditions)
SAMPLE = 10_000  # keys per "per key" read
COLUMNS = ["role_id", "character_name", "lead", "lead_actor", "understudy", "understudy_actor"]
TYPED = ", ".join(COLUMNS + [f"typeof({c})" for c in COLUMNS])
READS = {  # label -> (every row, per key of temp.sample)
    "role_casting": ("SELECT {} FROM role_casting",
                     "SELECT {} FROM sample AS s, role_casting(s.id) AS c"),
    "casting_sheet (view)": ("SELECT {} FROM casting_sheet",
                             "SELECT {} FROM sample AS s JOIN casting_sheet AS c ON c.role_id = s.id"),
    "casting_sheet_stored": ("SELECT {} FROM casting_sheet_stored",
                             "SELECT {} FROM sample AS s JOIN casting_sheet_stored AS c ON c.role_id = s.id"),
}
EVERY = ", ".join(f"{c} AS c{i}" for i, c in enumerate(COLUMNS, 1))
PER_KEY = ", ".join(f"c.{c} AS c{i}" for i, c in enumerate(COLUMNS[1:], 1))
HIRED = "SELECT count(*), total(id) FROM auditions WHERE hired = 1"


def agree(conn, label, source):
    """A source (the stored sheet, the view) against role_casting, row by
    row, types included."""
    theirs = conn.execute(f"SELECT {TYPED} FROM ({source})")
    ours = conn.cursor().execute(f"SELECT {TYPED} FROM role_casting")
    for a, b in zip(theirs, ours):
        if a != b:
            raise SystemExit(f"MISMATCH ({label}): {a} != {b}")
    if next(theirs, None) is not None or next(ours, None) is not None:
        raise SystemExit(f"MISMATCH ({label}): not as many rows as role_casting")


def sheet(conn, on):
    if conn.execute(f"SELECT theater_materialize_casting({int(on)})").fetchone() != (int(on),):
        raise SystemExit(f"theater_materialize_casting({int(on)}) did not return {int(on)}")


def make_sample(conn, roles, seed=17):
    rng = random.Random(seed)
    ids = [rng.randrange(1, roles + 1) for _ in range(min(SAMPLE, roles))]
    conn.execute("DROP TABLE IF EXISTS temp.sample")
    conn.execute("CREATE TEMP TABLE sample (n INTEGER PRIMARY KEY, id INTEGER)")
    conn.executemany("INSERT INTO temp.sample (id) VALUES (?)", [(i,) for i in ids])
    return len(ids)


def bench_reads(conn, plain, roles, keys, table, repeat):
    results = {}
    readers = [(label, conn) for label in READS] + [("casting_sheet_stored, no extension", plain)]
    for way, ops, template_index, columns in (("every row", roles, 0, EVERY), ("per key", keys, 1, PER_KEY)):
        base = None
        for label, c in readers:
            sql = queries.counted(READS[label.split(",")[0]][template_index].format(columns), columns.count(" AS c"))
            t, peak, _ = timed(lambda: c.execute(sql).fetchone(), repeat)
            ns = t / ops * 1e9
            results[way, label] = ns
            if base is None:
                base = t
                table.add(f"read, {way}", label, ns, peak_kib=peak)
            else:
                table.add(f"read, {way}", label, ns, f"{t / base:.2f}x (role_casting)", peak_kib=peak)
    return results


def write_batches(conn, roles, ids):
    """case -> (run, writes): each batch of writes, as a function."""
    def loop(sql, args):
        def run():
            for a in args:
                conn.execute(sql, a)
        return run

    rng = random.Random(len(ids))
    next_id = conn.execute("SELECT max(id) FROM auditions").fetchone()[0] + 1
    new_auditions = [(next_id + i, "New Actor", "Oslo", rng.randrange(1, roles + 1)) for i in range(len(ids))]
    hired = [(i,) for (i,) in conn.execute("SELECT id FROM auditions WHERE hired = 1 ORDER BY id")]
    hired = rng.sample(hired, min(len(ids), len(hired)))
    conn.execute("DROP TABLE IF EXISTS temp.bench_ids")
    conn.execute("CREATE TEMP TABLE bench_ids (id INTEGER)")
    conn.executemany("INSERT INTO temp.bench_ids VALUES (?)", [(i,) for i in ids])
    return {
        "call_back(id) x N": (loop("SELECT call_back(?)", [(i,) for i in ids]), len(ids)),
        "UPDATE ... SET hired = 1 x N": (loop("UPDATE auditions SET hired = 1 WHERE id = ?", [(i,) for i in ids]),
                                        len(ids)),
        "UPDATE ... SET hired = 0 x N (hired ones)": (
            loop("UPDATE auditions SET hired = 0 WHERE id = ?", hired), len(hired)),
        "call_back in one statement": (
            lambda: conn.execute("SELECT count(call_back(id)) FROM temp.bench_ids").fetchone(), len(ids)),
        "INSERT an audition, not hired x N": (
            loop("INSERT INTO auditions (id, actor, location, hired, role_id) VALUES (?, ?, ?, 0, ?)",
                 new_auditions), len(new_auditions)),
    }


def bench_writes(conn, roles, ids, table, repeat):
    """ns per write of each batch, without the sheet and with it, measured
    in turns; the sheet is on afterwards."""
    batches = write_batches(conn, roles, ids)

    def in_transaction(run):
        def fn():
            conn.execute("BEGIN")
            try:
                run()
                return conn.execute(HIRED).fetchone()
            finally:
                conn.execute("ROLLBACK")
        return fn

    best, states = {}, {}
    for _ in range(repeat):
        for on in (False, True):
            sheet(conn, on)
            for case, (run, writes) in batches.items():
                t, _, state = timed(in_transaction(run), 1)
                best[case, on] = min(best.get((case, on), float("inf")), t / writes * 1e9)
                states.setdefault(case, set()).add(state)
    results = {}
    for case, (run, _) in batches.items():
        if len(states[case]) != 1:
            raise SystemExit(f"MISMATCH ({case}): the writes left other data with the sheet on")
        # Inside the batch the sheet followed every write.
        conn.execute("BEGIN")
        try:
            run()
            agree(conn, f"after {case}", "SELECT * FROM casting_sheet_stored")
        finally:
            conn.execute("ROLLBACK")
        without, with_sheet = best[case, False], best[case, True]
        table.add(f"write, {case}", "without the stored sheet", without)
        table.add(f"write, {case}", "with the stored sheet", with_sheet, f"{with_sheet / without:.2f}x (without)")
        results[case] = (without, with_sheet)
    return results


# --- instructions (callgrind) ------------------------------------------------------

CHILD = """
import sqlite3, sys
path, extension, setup, script, runs = sys.argv[1:6]
conn = sqlite3.connect(path, isolation_level=None)
conn.enable_load_extension(True)
conn.load_extension(extension)
conn.executescript(setup)
for _ in range(int(runs)):
    conn.executescript(script)
"""


def instructions(db, setup, script, runs):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=sqlite3_step",
                        f"--callgrind-out-file={out}", "/usr/bin/python3", "-c", CHILD,
                        str(db), str(EXTENSION), setup, script, str(runs)],
                       check=True, capture_output=True, text=True)
        return int(re.search(r"^summary:\s+(\d+)", out.read_text(), re.M).group(1))


def per_op(db, setup, script, ops):
    """Instructions of one run of `script` (after `setup`), per op: a run of
    two minus a run of one."""
    return (instructions(db, setup, script, 2) - instructions(db, setup, script, 1)) / ops


def bench_instructions(path, roles, writes):
    table = Table(f"{roles:,} roles: instructions inside sqlite3_step() per role (reads) or per write (callgrind)",
                  head=("case", "measured", "instr/op", "ratio"))

    def add(case, measured, n, ratio=""):
        table.rows.append((case, measured, f"{n:,.0f}", ratio))  # Table.add's columns are for wall time
    auditions = sqlite3.connect(str(path)).execute("SELECT count(*) FROM auditions").fetchone()[0]
    writes = min(writes, auditions)
    # The same spread of audition ids in every process (random() would differ).
    ids = (f"CREATE TEMP TABLE ids AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
           f"WHERE i < {writes}) SELECT (i * 7919) % {auditions} + 1 AS id FROM s;"
           f"CREATE TEMP TABLE hired_ids AS SELECT id FROM auditions WHERE hired = 1 AND id % 3 = 0 "
           f"LIMIT {writes};")
    reads = {label: queries.counted(READS[label][0].format(EVERY), 6)
             for label in ("role_casting", "casting_sheet_stored")}
    batches = {
        "call_back in one statement": ("SELECT count(call_back(id)) FROM temp.ids", writes),
        "UPDATE ... SET hired = 1, one statement": (
            "UPDATE auditions SET hired = 1 FROM temp.ids AS b WHERE auditions.id = b.id", writes),
        "UPDATE ... SET hired = 0, one statement (hired ones)": (
            "UPDATE auditions SET hired = 0 WHERE id IN (SELECT id FROM temp.hired_ids)", None),
        "INSERT auditions, not hired, one statement": (
            f"INSERT INTO auditions (actor, location, hired, role_id) SELECT 'New', 'Oslo', 0, id % {roles} + 1 "
            f"FROM temp.ids", writes),
    }
    hired_count = sqlite3.connect(str(path)).execute(
        f"SELECT count(*) FROM (SELECT id FROM auditions WHERE hired = 1 AND id % 3 = 0 LIMIT {writes})"
    ).fetchone()[0]
    with_sheet = path.with_name(path.stem + "-on.db")
    shutil.copyfile(path, with_sheet)
    try:
        conn = connect(with_sheet)
        sheet(conn, True)
        conn.close()
        base = None
        for label, sql in reads.items():
            n = per_op(with_sheet, ids, sql + ";", roles)
            base = base or n
            add("read, every row", label, n, "" if n == base else f"{n / base:.2f}x (role_casting)")
        for case, (sql, ops) in batches.items():
            ops = ops or hired_count
            script = f"BEGIN; {sql}; ROLLBACK;"
            without, with_on = per_op(path, ids, script, ops), per_op(with_sheet, ids, script, ops)
            add(f"write, {case}", "without the stored sheet", without)
            add(f"write, {case}", "with the stored sheet", with_on, f"{with_on / without:.2f}x (without)")
    finally:
        with_sheet.unlink(missing_ok=True)
    table.print()


# --- main --------------------------------------------------------------------------

def bench_size(path, roles, args):
    conn = connect(path)
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: measure CPU, not disk
    auditions = conn.execute("SELECT count(*) FROM auditions").fetchone()[0]
    rng = random.Random(7)
    ids = [rng.randrange(1, auditions + 1) for _ in range(min(args.writes, auditions))]
    table = Table(f"{roles:,} roles, {auditions:,} auditions; writes: {len(ids):,} per batch, in BEGIN ... ROLLBACK",
                  head=("case", "measured", "ns/op", "ratio", "", "peak MiB"))
    results = {}

    start = time.perf_counter()
    sheet(conn, True)
    on_seconds = time.perf_counter() - start
    t, _, _ = timed(lambda: sheet(conn, True), args.repeat)
    table.add("turn it on (fill the table)", "theater_materialize_casting()", on_seconds / roles * 1e9)
    table.add("call it again, in step", "theater_materialize_casting()", t / roles * 1e9)
    results["on ns/role"], results["again ns/role"] = on_seconds / roles * 1e9, t / roles * 1e9

    plain = sqlite3.connect(str(path), isolation_level=None)
    plain.execute("PRAGMA cache_size = -262144")
    keys = make_sample(conn, roles)
    make_sample(plain, roles)
    for label, (every, _) in READS.items():
        agree(conn, label, every.format("*"))
    results["reads"] = bench_reads(conn, plain, roles, keys, table, args.repeat)
    results["writes"] = bench_writes(conn, roles, ids, table, args.repeat)
    agree(conn, "after the writes", "SELECT * FROM casting_sheet_stored")
    plain.close()
    conn.close()
    table.print()
    if args.instructions:
        sheet_off = connect(path)
        sheet(sheet_off, False)
        sheet_off.close()
        bench_instructions(path, roles, args.writes)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (best is kept)")
    parser.add_argument("--writes", type=int, default=WRITES, help="writes per write batch")
    parser.add_argument("--instructions", action="store_true", help="also count instructions with callgrind")
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    parser.add_argument("--orm-max", type=int, help="bench/run.py's; unused here")
    args = parser.parse_args(argv)
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, theater "
          f"{connect(':memory:').execute('SELECT theater_version()').fetchone()[0]}")
    all_results = {}
    for roles in args.sizes:
        source = generate.database(roles, args.data, EXTENSION)
        path = source.with_name(f"casting-sheet-{roles}.db")
        shutil.copyfile(source, path)
        try:
            all_results[roles] = bench_size(path, roles, args)
        finally:
            path.unlink(missing_ok=True)
    return all_results


if __name__ == "__main__":
    main()
