"""theater_json(table, key, shape) (issue 16) against the hand-written SQL a
careful engineer writes for the same document: json_object per row and a
correlated json_group_array subquery per relationship.

    /usr/bin/python3 bench/nested_json.py                          # 1,000 authors
    /usr/bin/python3 bench/nested_json.py --sizes 10000 100000
    /usr/bin/python3 bench/nested_json.py --quick                  # under 20 s (the smoke test's)
    /usr/bin/python3 bench/nested_json.py --sizes 10000 --instructions 10000   # + callgrind

The library (generated once per size with a fixed seed, kept in --data): N
authors, 5N books whose authors are drawn at random, max(50, N/100) tags and
10N book_tags links (2 a book on average, books and tags drawn at random),
with the indexes a careful engineer adds (books(author_id), book_tags(book_id))
and the relationships author_books, book_author and book_tag_list declared.

Each shape is read two ways. *per key*: theater_json for each of a sample of
keys in random order (10,000, or every row when fewer; 1% name no row) joined
inside SQLite, `SELECT theater_json('authors', s.k, shape) FROM sample s`,
against `SELECT (SELECT json_object(...) FROM authors a WHERE a.id = s.k)
FROM sample s`. *every row*: the key NULL export, one JSON array of every
row, against json_group_array over the table. ns per document (per sampled
key, per row).

The hand-written forms: *correlated json_group_array* aggregates each
relationship's rows straight from its join (rows come in the index's order,
which is the relationship's: books by rowid, links by rowid); *ordered
subqueries* read each level through a subquery with ORDER BY (SQLite 3.40 has
no ORDER BY inside an aggregate) and so re-parse each row with json(), since a
subquery's column loses its JSON subtype. A shape with `order:` or `limit:`
has only the second. Every form's answer is checked equal to theater_json's
(the same JSON, keys in order: the same text, or else the same parsed
document) per key and for the export, before anything is timed; a mismatch
stops the run.

Times are the median of --repeat runs, the two sides alternating run by run;
each query is wrapped so that SQLite builds every document but returns one
number (`sum(length(doc))`). "x hand SQL" is theater_json's median over the
fastest hand-written form's (target: within 1.2x). "peak RSS MiB" is the
growth of the process's peak resident set during the query; "peak heap MiB"
the growth of SQLite's own allocations (sqlite3_status64 MEMORY_USED high
water), which the export's one big string dominates. No timing is asserted
anywhere."""
import argparse
import ctypes
import ctypes.util
import json
import os
import pathlib
import random
import resource
import sqlite3
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import EXTENSION, ROOT, connect, reset_peak, rss_kib  # noqa: E402

GENERATOR_VERSION = 1
SEED = 20261216
BOOKS_PER_AUTHOR = 5
LINKS_PER_BOOK = 2
SAMPLE = 10_000
QUICK_SAMPLE = 1_000
TARGET = 1.2

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER,
                    author_id INTEGER NOT NULL REFERENCES authors(id));
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE book_tags (book_id INTEGER NOT NULL REFERENCES books(id), tag_id INTEGER NOT NULL REFERENCES tags(id));
"""
INDEXES = """
CREATE INDEX books_author ON books(author_id);
CREATE INDEX book_tags_book ON book_tags(book_id);
"""
DECLARATIONS = [
    ("author_books", "authors", "books"),
    ("book_author", "books", "authors"),
    ("book_tag_list", "books", "tags", "book_tags"),
]

# The hand-written documents of one row `a` (authors) or `b` (books).
# direct: json_group_array straight over the join; ordered: through ORDER BY
# subqueries (json() re-marks their rows as JSON). A subquery's JSON keeps its
# subtype into the enclosing json_object on SQLite 3.40.1, not on 3.54.1:
# there the hand-written query needs json() around each nested subquery too
# (N), as theater_json does.
def _subtype_survives():
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute("SELECT json_object('a', (SELECT json_array())) = '{\"a\":[]}'").fetchone()[0] == 1
    finally:
        conn.close()


WRAP = not _subtype_survives()


def N(subquery):
    return f"json({subquery})" if WRAP else subquery


TAGS_DIRECT = N("(SELECT json_group_array(json_object('name', t.name)) FROM book_tags l JOIN tags t ON t.id = l.tag_id"
                " WHERE l.book_id = b.id)")
TAGS_ORDERED = N("(SELECT json_group_array(json(j2)) FROM (SELECT json_object('name', t.name) AS j2 FROM book_tags l"
                 " JOIN tags t ON t.id = l.tag_id WHERE l.book_id = b.id ORDER BY l.rowid))")
CASES = {
    "authors > books > tags": {
        "table": "authors", "alias": "a",
        "shape": "name, books(title, year, tags(name))",
        "correlated json_group_array": (
            "json_object('name', a.name, 'books', " + N("(SELECT json_group_array(json_object('title', b.title, 'year',"
            f" b.year, 'tags', {TAGS_DIRECT})) FROM books b WHERE b.author_id = a.id)") + ")"),
        "ordered subqueries": (
            "json_object('name', a.name, 'books', " + N("(SELECT json_group_array(json(j1)) FROM (SELECT json_object("
            f"'title', b.title, 'year', b.year, 'tags', {TAGS_ORDERED}) AS j1 FROM books b WHERE b.author_id = a.id"
            " ORDER BY b.id))") + ")"),
    },
    "authors > books": {
        "table": "authors", "alias": "a",
        "shape": "id, name, books(id, title, year)",
        "correlated json_group_array": (
            "json_object('id', a.id, 'name', a.name, 'books', " + N("(SELECT json_group_array(json_object('id', b.id,"
            " 'title', b.title, 'year', b.year)) FROM books b WHERE b.author_id = a.id)") + ")"),
        "ordered subqueries": (
            "json_object('id', a.id, 'name', a.name, 'books', " + N("(SELECT json_group_array(json(j1)) FROM (SELECT"
            " json_object('id', b.id, 'title', b.title, 'year', b.year) AS j1 FROM books b WHERE b.author_id = a.id"
            " ORDER BY b.id))") + ")"),
    },
    "authors > books, order year desc, limit 3": {
        "table": "authors", "alias": "a",
        "shape": "name, books(title, year; order: year desc, id; limit: 3)",
        "ordered subqueries": (
            "json_object('name', a.name, 'books', " + N("(SELECT json_group_array(json(j1)) FROM (SELECT json_object("
            "'title', b.title, 'year', b.year) AS j1 FROM books b WHERE b.author_id = a.id"
            " ORDER BY b.year DESC, b.id LIMIT 3))") + ")"),
    },
    "books > author (to-one)": {
        "table": "books", "alias": "b",
        "shape": "title, year, author:book_author(name)",
        "correlated json_group_array": (
            "json_object('title', b.title, 'year', b.year, 'author', " + N("(SELECT json_object('name', a.name)"
            " FROM authors a WHERE a.id = b.author_id)") + ")"),
    },
}
HAND = ["correlated json_group_array", "ordered subqueries"]


# --- the database ----------------------------------------------------------------

def generate_database(authors, path):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    rng = random.Random(SEED + authors)
    books = authors * BOOKS_PER_AUTHOR
    tags = max(50, authors // 100)
    conn = connect(tmp)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO authors (id, name) VALUES (?, ?)",
                     ((a, f"Author {a} {rng.choice(['Ann', 'Bo', 'Cé', 'Dee'])}") for a in range(1, authors + 1)))
    conn.executemany("INSERT INTO books (id, title, year, author_id) VALUES (?, ?, ?, ?)",
                     ((b, f"Book {b}", rng.randrange(1950, 2026), rng.randrange(1, authors + 1))
                      for b in range(1, books + 1)))
    conn.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", ((t, f"tag {t}") for t in range(1, tags + 1)))
    conn.executemany("INSERT INTO book_tags (book_id, tag_id) VALUES (?, ?)",
                     ((rng.randrange(1, books + 1), rng.randrange(1, tags + 1))
                      for _ in range(books * LINKS_PER_BOOK)))
    conn.execute("COMMIT")
    conn.executescript(INDEXES)
    for args in DECLARATIONS:
        conn.execute(f"SELECT theater_relate({', '.join('?' * len(args))})", args)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    tmp.rename(path)
    return path


def database(authors, folder):
    path = pathlib.Path(folder) / f"nested-json-{authors}-v{GENERATOR_VERSION}.db"
    if not path.exists():
        generate_database(authors, path)
    return path


def make_samples(conn, sample):
    """temp.sample_authors and temp.sample_books (n INTEGER PRIMARY KEY, k):
    keys in random order, 1% past the last row. Returns the sizes."""
    rng = random.Random(16)
    sizes = {}
    for table in ("authors", "books"):
        rows = conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
        count = min(sample, rows)
        keys = [rng.randrange(1, rows + rows // 100 + 2) for _ in range(count)]
        conn.execute(f"DROP TABLE IF EXISTS temp.sample_{table}")
        conn.execute(f"CREATE TEMP TABLE sample_{table} (n INTEGER PRIMARY KEY, k)")
        conn.executemany(f"INSERT INTO temp.sample_{table} (k) VALUES (?)", ((k,) for k in keys))
        sizes[table] = count
    return sizes


def sample_sql(conn):
    """The SQL that makes the temp.sample_* tables again, for the sqlite3
    shell that --instructions runs."""
    out = []
    for table in ("authors", "books"):
        keys = ",".join(f"({k})" for (k,) in conn.execute(f"SELECT k FROM temp.sample_{table} ORDER BY n"))
        out.append(f"CREATE TEMP TABLE sample_{table} (n INTEGER PRIMARY KEY, k);")
        if keys:
            out.append(f"INSERT INTO temp.sample_{table} (k) VALUES {keys};")
    return "\n".join(out)


# --- the queries -------------------------------------------------------------------

def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def queries(case, way):
    """{side: SQL returning one document per row (per key: with the sample's
    n first) or the export (every row)} for theater_json and each hand form."""
    table, alias, shape = case["table"], case["alias"], case["shape"]
    out = {}
    if way == "per key":
        out["theater_json"] = (f"SELECT s.n AS n, theater_json('{table}', s.k, {sql_string(shape)}) AS doc"
                               f" FROM temp.sample_{table} AS s")
        for hand in HAND:
            if hand in case:
                out[hand] = (f"SELECT s.n AS n, (SELECT {case[hand]} FROM {table} AS {alias} WHERE {alias}.id = s.k)"
                             f" AS doc FROM temp.sample_{table} AS s")
    else:
        out["theater_json"] = f"SELECT theater_json('{table}', NULL, {sql_string(shape)}) AS doc"
        if "correlated json_group_array" in case:
            out["correlated json_group_array"] = (f"SELECT json_group_array({case['correlated json_group_array']})"
                                                  f" AS doc FROM {table} AS {alias}")
        if "ordered subqueries" in case:
            out["ordered subqueries"] = (f"SELECT json_group_array(json(j0)) AS doc FROM (SELECT"
                                         f" {case['ordered subqueries']} AS j0 FROM {table} AS {alias}"
                                         f" ORDER BY {alias}.id)")
    return out


def timed_sql(sql):
    """SQLite builds every document and returns one number."""
    return f"SELECT sum(length(doc)) FROM ({sql})"


# --- checking ----------------------------------------------------------------------

def same_document(a, b):
    if a == b:
        return True
    if a is None or b is None:
        return False
    return json.loads(a, object_pairs_hook=list) == json.loads(b, object_pairs_hook=list)


def check(name, way, conn, sqls, rows):
    """Every hand form's documents equal theater_json's, in the same order.
    Returns (documents, bytes per document built); `rows`: the table's."""
    mine = conn.execute(sqls["theater_json"] + (" ORDER BY n" if way == "per key" else "")).fetchall()
    for hand, sql in sqls.items():
        if hand == "theater_json":
            continue
        theirs = conn.execute(sql + (" ORDER BY n" if way == "per key" else "")).fetchall()
        if len(mine) != len(theirs) or not all(same_document(x[-1], y[-1]) for x, y in zip(mine, theirs)):
            first = next(((x, y) for x, y in zip(mine + [None], theirs + [None])
                          if x is None or y is None or not same_document(x[-1], y[-1])), None)
            print(f"MISMATCH: {name}, {way}: theater_json against {hand}: first difference "
                  f"{str(first)[:600]}", file=sys.stderr)
            raise SystemExit(f"{name}: theater_json and the hand-written SQL ({hand}) disagree ({way})")
    docs = [r[-1] for r in mine]
    built = sum(1 for d in docs if d is not None)
    size = sum(len(d) for d in docs if d is not None)
    if way == "every row":
        return rows, size / max(rows, 1)
    return len(docs), size / max(built, 1)


# --- measuring ---------------------------------------------------------------------

class SqliteHeap:
    """SQLite's own allocations (sqlite3_status64, MEMORY_USED), from the
    library this process's sqlite3 module runs; None where unavailable."""

    def __init__(self):
        self.fn = None
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
            lib.sqlite3_libversion.restype = ctypes.c_char_p
            version = lib.sqlite3_libversion().decode()
            if version == sqlite3.sqlite_version:
                self.fn = lib.sqlite3_status64
                self.fn.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64),
                                    ctypes.c_int]
        except (OSError, AttributeError, ValueError):
            self.fn = None

    def reset(self):
        """Sets the high water to now; returns the bytes in use."""
        if not self.fn:
            return None
        cur, high = ctypes.c_int64(), ctypes.c_int64()
        self.fn(0, ctypes.byref(cur), ctypes.byref(high), 1)
        return cur.value

    def peak(self):
        if not self.fn:
            return None
        cur, high = ctypes.c_int64(), ctypes.c_int64()
        self.fn(0, ctypes.byref(cur), ctypes.byref(high), 0)
        return high.value


HEAP = SqliteHeap()


def measure(conn, sqls, repeat):
    """{side: (median seconds, peak RSS growth KiB, peak SQLite heap growth
    bytes or None)}, the sides alternating run by run."""
    runs = {side: timed_sql(sql) for side, sql in sqls.items()}
    times = {side: [] for side in runs}
    rss = {side: 0 for side in runs}
    heap = {side: None for side in runs}
    for _ in range(repeat):
        for side, sql in runs.items():
            reset_peak()
            before = rss_kib("VmRSS")
            in_use = HEAP.reset()
            start = time.perf_counter()
            conn.execute(sql).fetchone()
            times[side].append(time.perf_counter() - start)
            rss[side] = max(rss[side], rss_kib("VmHWM") - before)
            if in_use is not None:
                heap[side] = max(heap[side] or 0, HEAP.peak() - in_use)
    return {side: (statistics.median(times[side]), rss[side], heap[side]) for side in runs}


class Table:
    HEAD = ("case", "measured", "ns/doc", "x hand SQL", "target", "peak RSS MiB", "peak heap MiB")

    def __init__(self, title):
        self.title, self.rows = title, []

    def add(self, *row):
        self.rows.append(row)

    def print(self):
        rows = [self.HEAD] + self.rows
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(self.HEAD))]
        print(f"\n{self.title}")
        for row in [self.HEAD, tuple("-" * w for w in widths)] + self.rows:
            print("| " + " | ".join(str(v).ljust(w) for v, w in zip(row, widths)) + " |", flush=True)


def mib(kib_or_bytes, unit):
    if kib_or_bytes is None:
        return "n/a"
    return f"{kib_or_bytes / (1024 if unit == 'KiB' else 1024 * 1024):.1f}"


def bench_case(name, conn, table, repeat, results):
    case = CASES[name]
    for way in ("per key", "every row"):
        sqls = queries(case, way)
        rows = conn.execute(f"SELECT count(*) FROM {case['table']}").fetchone()[0]
        docs, avg_bytes = check(name, way, conn, sqls, rows)
        measured = measure(conn, sqls, repeat)
        hands = {side: m for side, m in measured.items() if side != "theater_json"}
        best_side = min(hands, key=lambda s: hands[s][0])
        best = hands[best_side][0]
        for side in list(hands) + ["theater_json"]:
            t, rss, heap = measured[side]
            ratio = target = ""
            if side == "theater_json":
                ratio = f"{t / best:.2f}x ({best_side})"
                target = "ok" if t / best <= TARGET else f"over {TARGET}x"
                results[(name, way)] = t / best
            label = side if side == "theater_json" else f"hand: {side}"
            table.add(f"{name}, {way}", label, f"{t / max(docs, 1) * 1e9:,.0f}", ratio, target, mib(rss, "KiB"),
                      mib(heap, "B"))
        results[(name, way, "docs")] = docs
        results[(name, way, "bytes per doc")] = avg_bytes


def count_instructions(path, sample, names):
    """Instructions per document inside sqlite3_step (callgrind, the sqlite3
    shell: bench/real_schemas.py's way), theater_json and the fastest-looking
    hand form (the correlated one where the shape has it)."""
    from real_schemas import instructions
    conn = connect(path)
    make_samples(conn, sample)
    script = sample_sql(conn)
    jobs = []
    for name in names:
        case = CASES[name]
        for way in ("per key", "every row"):
            sqls = queries(case, way)
            rows = conn.execute(f"SELECT count(*) FROM {case['table']}").fetchone()[0]
            docs, _ = check(name, way, conn, sqls, rows)
            hand = "correlated json_group_array" if "correlated json_group_array" in sqls else "ordered subqueries"
            jobs.append((f"{name}, {way}", docs, hand, timed_sql(sqls["theater_json"]), timed_sql(sqls[hand])))
    conn.close()
    print(f"\nInstructions per document (callgrind, inside sqlite3_step), {path.name}")
    print("| case | theater_json | hand SQL | x hand SQL |")
    print("| --- | --- | --- | --- |")
    for case, docs, hand, mine, theirs in jobs:
        per_doc = [(instructions(path, script, sql, 2) - instructions(path, script, sql, 1)) / max(docs, 1)
                   for sql in (mine, theirs)]
        print(f"| {case} | {per_doc[0]:,.0f} | {per_doc[1]:,.0f} ({hand}) | {per_doc[0] / per_doc[1]:.2f}x |",
              flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", help="authors (default 1000)")
    parser.add_argument("--repeat", type=int, help="timed runs per measurement, the median is kept (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help=f"1,000 authors unless --sizes says, 3 runs, {QUICK_SAMPLE:,} keys per key: under 20 s")
    parser.add_argument("--data", default=str(ROOT / "build" / "bench"), help="where databases are generated")
    parser.add_argument("--cases", nargs="+", help="only these cases (names as in the table)")
    parser.add_argument("--instructions", type=int, metavar="AUTHORS",
                        help="also count instructions per document with callgrind at this size (slow)")
    args = parser.parse_args(argv)
    sizes = args.sizes or [1_000]
    repeat = args.repeat or (3 if args.quick else 5)
    sample = QUICK_SAMPLE if args.quick else SAMPLE
    names = [n for n in CASES if not args.cases or n in args.cases]
    if args.cases and len(names) != len(args.cases):
        parser.error(f"unknown case among {args.cases}; the cases are {list(CASES)}")
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, theater "
          f"{connect(':memory:').execute('SELECT theater_version()').fetchone()[0]} ({EXTENSION})")
    all_results = {}
    for authors in sizes:
        path = database(authors, args.data)
        conn = connect(path)
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: measure CPU, not disk
        samples = make_samples(conn, sample)
        books, links = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("books", "book_tags"))
        table = Table(f"{authors:,} authors, {books:,} books, {links:,} book_tags links; per key: "
                      f"{samples['authors']:,} authors (or books) in random order, 1% missing; median of {repeat}")
        results = {}
        for name in names:
            bench_case(name, conn, table, repeat, results)
        table.print()
        print("bytes per document: " + "; ".join(
            f"{name}, {way}: {results[(name, way, 'bytes per doc')]:,.0f}"
            for name in names for way in ("per key", "every row")))
        over = [f"{name}, {way} ({results[(name, way)]:.2f}x)" for name in names for way in ("per key", "every row")
                if results[(name, way)] > TARGET]
        print(f"target {TARGET}x: " + ("met everywhere" if not over else "over in " + "; ".join(over)))
        print(f"process peak RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.1f} MiB")
        conn.close()
        all_results[authors] = results
    if args.instructions:
        count_instructions(database(args.instructions, args.data), sample, names)
    return all_results


if __name__ == "__main__":
    main()
