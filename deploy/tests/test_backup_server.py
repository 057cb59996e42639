"""Backing up the server and restoring it: sqld's primary serves a SQL dump
(GET /dump); the dump restores into a plain SQLite file, and a primary started
on that file (the same step that moves a single-file database onto the server)
answers as the old one did."""

import urllib.request

import pytest

from helpers import connect_file, tc

THEATER_TABLES = ("roles", "auditions", "theater_schema_migrations")


@pytest.fixture(scope="module")
def restored(nodes, tmp_path_factory):
    primary = nodes["primary"]
    with urllib.request.urlopen(primary.url + "/dump", timeout=tc.HTTP_TIMEOUT) as response:
        dump = response.read().decode()
    expected = {
        table: tc.execute(primary.url, f"SELECT * FROM {table} ORDER BY 1").rows for table in THEATER_TABLES
    }
    path = tmp_path_factory.mktemp("dump") / "restored.db"
    conn = connect_file(path, load=False)
    conn.executescript(dump)
    conn.close()
    return {"path": path, "expected": expected, "primary": primary}


def test_a_restored_dump_passes_integrity_check(restored):
    conn = connect_file(restored["path"], load=False)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_restored_dump_holds_every_row_of_the_primary(restored):
    conn = connect_file(restored["path"], load=False)
    for table, rows in restored["expected"].items():
        assert rows, f"the primary's {table} is empty: was the database seeded?"
        assert conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == rows, table


def test_a_restored_dump_keeps_its_migration_history(restored):
    # Same version, and theater_migrate() accepts it as is (the recorded
    # checksums still match this build's migrations).
    conn = connect_file(restored["path"])
    version = tc.execute(restored["primary"].url, "SELECT theater_schema_version()").scalar()

    assert conn.execute("SELECT theater_schema_version()").fetchone() == (version,)
    assert conn.execute("SELECT theater_migrate()").fetchone() == (version,)


def test_a_primary_started_on_a_restored_file_answers_like_the_old_one(restored, add_node):
    new_primary = add_node("primary", "theater", from_file=restored["path"])
    for sql in (
        "SELECT * FROM role_casting",
        "SELECT r.id, a.id, a.hired FROM roles r, role_auditions(r.id) a",
        "SELECT version, name, applied, applied_at FROM theater_migration_status",
    ):
        expected = tc.execute(restored["primary"].url, sql).rows
        assert tc.execute(new_primary.url, sql).rows == expected, sql
