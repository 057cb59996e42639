"""A declared relationship joined over every author, in autocommit mode and
inside a write transaction (BEGIN IMMEDIATE), against the plain join.

    /usr/bin/python3 bench/write_transaction.py                 # 100k authors, best of 5
    /usr/bin/python3 bench/write_transaction.py --authors 10000 --repeat 3

Inside a write transaction each use of a relationship (one per author here)
checks its declaration with one step of a prepared statement, and seeks its
rows anew (a write in progress or a ROLLBACK TO are invisible to
sqlite3_total_changes, so the forward scan is not reused); docs/reference.md,
"Statements that use a declared relationship while it changes". Prints
seconds per query (best of --repeat) and the ratio to the same query in
autocommit mode. Every count is checked equal to the plain join's."""
import argparse
import os
import pathlib
import sqlite3
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXTENSION = pathlib.Path(os.environ.get("THEATER_BUILD", ROOT / "build")) / "theater.so"

QUERIES = {
    "relationship": "SELECT count(*) FROM authors a, author_books(a.id) r",
    "plain join": "SELECT count(*) FROM authors a JOIN books b ON b.author_id = a.id",
}


def build(authors):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.enable_load_extension(True)
    conn.load_extension(str(EXTENSION))
    conn.executescript(f"""
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER,
                            author_id INTEGER REFERENCES authors(id));
        CREATE INDEX books_author ON books(author_id);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {authors})
        INSERT INTO authors SELECT i, 'a' || i FROM s;
        INSERT INTO books SELECT id, 't', 1, id FROM authors;
        SELECT theater_relate('author_books', 'authors', 'books');
    """)
    return conn


def best(conn, sql, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        (count,) = conn.execute(sql).fetchone()
        times.append(time.perf_counter() - start)
    return min(times), count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    conn = build(args.authors)
    results = {}
    for mode in ("autocommit", "BEGIN IMMEDIATE"):
        if mode != "autocommit":
            conn.execute(mode)
        for name, sql in QUERIES.items():
            results[mode, name] = best(conn, sql, args.repeat)
        if mode != "autocommit":
            conn.execute("COMMIT")
    counts = {count for _, count in results.values()}
    if counts != {args.authors}:
        raise SystemExit(f"MISMATCH: counts {sorted(counts)}, expected {args.authors}")
    print(f"{args.authors} authors, one book each; seconds per query, best of {args.repeat}")
    print(f"{'query':<14} {'autocommit':>12} {'BEGIN IMMEDIATE':>16} {'ratio':>7}")
    for name in QUERIES:
        auto = results["autocommit", name][0]
        write = results["BEGIN IMMEDIATE", name][0]
        print(f"{name:<14} {auto:>12.4f} {write:>16.4f} {write / auto:>6.1f}x")


if __name__ == "__main__":
    main()
