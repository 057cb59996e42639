"""Which SQLite the suite runs on. scripts/test-sqlite-versions.sh runs it on
other releases than the system's through LD_LIBRARY_PATH and names the release
in THEATER_EXPECT_SQLITE (tests/conftest.py stops the whole run when it is not
the one found); these tests also hold on the plain run."""
import re
import sqlite3

from conftest import EXPECTED_SQLITE, ROOT, scalar, shell_sqlite_version


def as_tuple(version):
    return tuple(int(part) for part in version.split("."))


def oldest_supported():
    """kOldestSqliteText in ext/theater.cpp: what the entry point refuses below."""
    match = re.search(r'kOldestSqliteText = "(\d+\.\d+\.\d+)"', (ROOT / "ext" / "theater.cpp").read_text())
    assert match, "ext/theater.cpp has no kOldestSqliteText"
    return match[1]


def test_python_and_the_sqlite3_shell_run_the_same_sqlite():
    # The shell tests must exercise the same SQLite as the Python ones.
    assert shell_sqlite_version() == sqlite3.sqlite_version


def test_the_extension_runs_in_the_sqlite_python_loaded(conn):
    assert scalar(conn, "SELECT sqlite_version()") == sqlite3.sqlite_version
    assert f"\nSQLite (running): {sqlite3.sqlite_version}\n" in scalar(conn, "SELECT theater_debug()")


def test_runs_on_the_expected_and_a_supported_sqlite():
    if EXPECTED_SQLITE:
        assert sqlite3.sqlite_version == EXPECTED_SQLITE
    assert as_tuple(sqlite3.sqlite_version) >= as_tuple(oldest_supported())


def test_the_oldest_supported_sqlite_is_the_one_the_docs_name():
    oldest = oldest_supported()
    readme = (ROOT / "README.md").read_text()
    assert f"SQLite {oldest} or newer" in readme
    script = (ROOT / "scripts" / "test-sqlite-versions.sh").read_text()
    assert f"\noldest={oldest} " in script

