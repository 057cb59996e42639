"""Shared fixtures. Run with Debian's /usr/bin/python3: its sqlite3 module can
load extensions (pyenv's default build cannot)."""
import os
import pathlib
import re
import sqlite3
import subprocess

import pytest
import sqlite_utils

ROOT = pathlib.Path(__file__).resolve().parent.parent
# THEATER_BUILD points the suite at another build of the same tree, e.g. the
# sanitizer build (scripts/test-sanitizers.sh).
BUILD = pathlib.Path(os.environ.get("THEATER_BUILD", ROOT / "build"))
EXTENSION = BUILD / "theater.so"
# Same code as theater.so, but embedding tests/failing_migrations instead of
# migrations/: lets tests prove that a failing migration leaves nothing behind.
FAILING_EXTENSION = BUILD / "testing" / "theater.so"
# scripts/test-sqlite-versions.sh runs the suite on other SQLite releases
# (LD_LIBRARY_PATH, and their sqlite3 shell first on PATH) and names the
# release here: a run that silently fell back to the system's SQLite must stop,
# not pass. tests/test_sqlite_version.py checks the same for every run.
EXPECTED_SQLITE = os.environ.get("THEATER_EXPECT_SQLITE")


def shell_sqlite_version():
    """The SQLite the sqlite3 shell on PATH runs (`sqlite3 --version`)."""
    done = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True, timeout=30)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"sqlite3 --version failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout.split()[0]


# The SQLite this process runs, for the few tests whose expectation depends on
# the release (each says why): (3, 40, 1) on Debian 12.
SQLITE = sqlite3.sqlite_version_info


def plan_detail(detail):
    """An EXPLAIN QUERY PLAN detail as SQLite 3.36.0 and later word it
    ("SCAN r", "SEARCH auditions USING ..."): before, a table read
    "TABLE auditions", or "TABLE roles AS r" under an alias."""
    if SQLITE >= (3, 36, 0):
        return detail
    return re.sub(r"\b(SCAN|SEARCH) TABLE (\S+)(?: AS (\S+))?", lambda m: f"{m[1]} {m[3] or m[2]}", detail)


def pytest_sessionstart(session):
    if not EXPECTED_SQLITE:
        return
    try:
        running = {"Python's sqlite3": sqlite3.sqlite_version, "the sqlite3 shell": shell_sqlite_version()}
    except (OSError, RuntimeError) as e:
        pytest.exit(f"THEATER_EXPECT_SQLITE={EXPECTED_SQLITE}, but the sqlite3 shell does not run: {e}",
                    returncode=3)
    wrong = {who: v for who, v in running.items() if v != EXPECTED_SQLITE}
    if wrong:
        pytest.exit(f"THEATER_EXPECT_SQLITE={EXPECTED_SQLITE}, but {wrong} (LD_LIBRARY_PATH="
                    f"{os.environ.get('LD_LIBRARY_PATH', '')!r})", returncode=3)


def _require(path):
    if not path.exists():
        pytest.exit(f"{path} is missing: build first (bash scripts/test.sh does)", returncode=2)
    return str(path)


def connect(path=":memory:", extension=EXTENSION, **kwargs):
    """A sqlite3 connection in autocommit mode with the extension loaded."""
    conn = sqlite3.connect(str(path), isolation_level=None, **kwargs)
    conn.enable_load_extension(True)
    conn.load_extension(_require(extension))
    conn.enable_load_extension(False)
    return conn


def scalar(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()[0]


def tables(conn):
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def conn():
    c = connect()
    yield c
    c.close()


@pytest.fixture
def db(conn):
    """sqlite-utils over an in-memory database with the extension loaded.
    sqlite-utils turns PRAGMA recursive_triggers ON by default; this keeps
    SQLite's default (OFF), under which REPLACE keeps a role's auditions."""
    return sqlite_utils.Database(conn, recursive_triggers=False)


@pytest.fixture
def migrated(conn):
    """A connection whose database is at the newest migration."""
    conn.execute("SELECT theater_migrate()")
    return conn


@pytest.fixture
def failing_conn():
    c = connect(extension=FAILING_EXTENSION)
    yield c
    c.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "theater.db"
