"""Shared fixtures. Run with Debian's /usr/bin/python3: its sqlite3 module can
load extensions (pyenv's default build cannot)."""
import os
import pathlib
import sqlite3

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
