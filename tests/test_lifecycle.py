"""Closing a connection after using every function releases the database:
the statements the extension caches are finalized before sqlite3_close()
checks for unfinalized statements, so the WAL is checkpointed and removed."""
import pytest

from conftest import connect
from shell import run_shell

EVERY_FUNCTION = [
    "SELECT theater_version()",
    "SELECT theater_schema_version()",
    "SELECT * FROM theater_migration_status",
    "SELECT call_back(1)",
    "SELECT role_lead(1)",
    "SELECT role_understudy(1)",
    "SELECT role_lead(99) IS NULL",  # an error path too
    "SELECT * FROM role_auditions(1)",
    "SELECT * FROM role_actors",
    "SELECT * FROM role_locations(1)",
    "SELECT * FROM audition_role(1)",
    "SELECT * FROM role_casting",
    "SELECT * FROM role_casting(1)",
]

SETUP = [
    "PRAGMA journal_mode=WAL",
    "SELECT theater_migrate()",
    "INSERT INTO roles VALUES (1, 'Hamlet')",
    "INSERT INTO auditions (actor, location, role_id) VALUES ('Kevin Kline', 'New York', 1)",
]


def sidecars(db_path):
    return sorted(p.name for p in db_path.parent.glob(db_path.name + "-*"))


def test_python_close_releases_wal_after_every_function(db_path):
    conn = connect(db_path)
    for sql in SETUP:
        conn.execute(sql)
    for sql in EVERY_FUNCTION:
        try:
            conn.execute(sql).fetchall()
        except Exception:
            pass  # the error path is exercised on purpose
    assert sidecars(db_path) == [f"{db_path.name}-shm", f"{db_path.name}-wal"]
    conn.close()
    assert sidecars(db_path) == []


def test_python_close_releases_wal_with_a_cursor_left_open_mid_scan(db_path):
    conn = connect(db_path)
    for sql in SETUP:
        conn.execute(sql)
    conn.execute("INSERT INTO auditions (actor, location, role_id) VALUES ('B', 'LA', 1)")
    cursor = conn.execute("SELECT * FROM role_auditions(1)")
    cursor.fetchone()
    cursor.close()
    conn.close()
    assert sidecars(db_path) == []


def test_shell_closes_cleanly_after_every_function(db_path):
    sql = ";\n".join(SETUP + [s for s in EVERY_FUNCTION if "99" not in s]) + ";\n"
    result = run_shell(db_path, sql)
    assert "unable to close" not in result.stderr
    assert sidecars(db_path) == []


def test_functions_keep_working_after_the_cache_owner_reconnects(db_path):
    """Two connections, one closed: the other's cache is its own."""
    first, second = connect(db_path), connect(db_path)
    for sql in SETUP:
        first.execute(sql)
    assert second.execute("SELECT role_lead(1)").fetchone() == ("no actor has been hired for this role",)
    first.close()
    second.execute("SELECT call_back(1)")
    assert second.execute("SELECT role_lead(1)").fetchone() == (1,)
    second.close()
    assert sidecars(db_path) == []
