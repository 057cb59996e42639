"""Issue 7, "Conventions of the ecosystem".

- theater_debug(): how this build was made, one "Name: value" line each, the
  way sqlite-vec's vec_debug() reports it (for bug reports).
- casting_sheet: the casting sheet as a view (migration 3, plain SQL since
  migration 4), so that BI tools and schema browsers, which list
  sqlite_schema, find it, with or without the extension; table-valued
  functions such as role_casting never appear there.
"""
import re
import sqlite3
import subprocess

import pytest

from conftest import BUILD, FAILING_EXTENSION, ROOT, connect, scalar
from shell import run_shell
from test_casting import CAST_SHEET, COLUMNS
from theater_data import error_of, load_cast, plan_details, rows

VERSION = re.search(r"project\(theater VERSION (\d+\.\d+\.\d+)",
                    (ROOT / "CMakeLists.txt").read_text()).group(1)
HEAD = len(list((ROOT / "migrations").glob("*.sql")))
FAILING_HEAD = len(list((ROOT / "tests" / "failing_migrations").glob("*.sql")))

DEBUG_NAMES = ["Version", "Build type", "Compiler", "SQLite (compiled against)", "SQLite (running)",
               "Sanitizers", "Migrations"]


# ---- what the build directory says about the build ---------------------------------

def cmake_cache():
    cache = {}
    for line in (BUILD / "CMakeCache.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_]+):[A-Z]+=(.*)$", line)
        if match:
            cache[match[1]] = match[2]
    return cache


def cmake_compiler():
    """'<id> <version>' of the C++ compiler CMake found for this build."""
    (found,) = BUILD.glob("CMakeFiles/*/CMakeCXXCompiler.cmake")
    text = found.read_text()
    compiler_id = re.search(r'set\(CMAKE_CXX_COMPILER_ID "([^"]*)"\)', text)[1]
    version = re.search(r'set\(CMAKE_CXX_COMPILER_VERSION "([^"]*)"\)', text)[1]
    return f"{compiler_id} {version}"


def header_sqlite_version():
    """SQLITE_VERSION of the sqlite3.h next to the sqlite3ext.h the build used."""
    header = cmake_cache()["SQLITE3EXT_INCLUDE_DIR"] + "/sqlite3.h"
    with open(header) as f:
        return re.search(r'#define SQLITE_VERSION\s+"([^"]+)"', f.read())[1]


def expected_sanitizers():
    cache = cmake_cache()
    flags = cache.get("CMAKE_CXX_FLAGS", "") + " " + cache.get(
        "CMAKE_CXX_FLAGS_" + cache.get("CMAKE_BUILD_TYPE", "").upper(), "")
    asked = set()
    for listed in re.findall(r"(?:^|\s)-fsanitize=(\S+)", flags):
        asked.update(listed.split(","))
    found = [name for name in ("address", "thread", "undefined") if name in asked]
    return ",".join(found) or "none"


def debug_lines(conn):
    text = scalar(conn, "SELECT theater_debug()")
    assert isinstance(text, str)
    assert not text.endswith("\n"), "the lines are joined by newlines, with none at the end"
    pairs = [line.split(": ", 1) for line in text.split("\n")]
    assert all(len(p) == 2 for p in pairs), text
    assert [name for name, _ in pairs] == DEBUG_NAMES, text
    return dict(pairs)


# ---- theater_debug() ----------------------------------------------------------------

@pytest.fixture(scope="module")
def debug():
    conn = connect()
    try:
        return debug_lines(conn)
    finally:
        conn.close()


def test_debug_version_is_the_cmake_project_version(debug, conn):
    assert debug["Version"] == f"v{VERSION}"
    assert debug["Version"] == "v" + scalar(conn, "SELECT theater_version()")


def test_debug_build_type_is_cmake_build_type(debug):
    assert debug["Build type"] == (cmake_cache().get("CMAKE_BUILD_TYPE") or "unspecified")


def test_debug_compiler_is_the_one_cmake_found(debug):
    assert debug["Compiler"] == cmake_compiler()
    assert re.fullmatch(r"(GNU|Clang|AppleClang|MSVC|IntelLLVM) \d+(\.\d+)+", debug["Compiler"])


def test_debug_sqlite_compiled_against_is_the_header_version(debug):
    assert debug["SQLite (compiled against)"] == header_sqlite_version()


def test_debug_sqlite_running_is_the_hosts_sqlite(debug):
    assert debug["SQLite (running)"] == sqlite3.sqlite_version


def test_debug_sqlite_running_in_the_sqlite3_shell_is_the_shells_sqlite(tmp_path):
    shell_version = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True,
                                   check=True).stdout.split()[0]
    out = run_shell(tmp_path / "debug.db", "SELECT theater_debug();\n").stdout
    assert f"\nSQLite (running): {shell_version}\n" in out


def test_debug_sanitizers_are_those_the_build_flags_asked_for(debug):
    assert debug["Sanitizers"] == expected_sanitizers()


def test_debug_migrations_counts_the_embedded_migrations(debug, conn):
    assert debug["Migrations"] == str(HEAD)
    assert debug["Migrations"] == str(len(rows(conn, "SELECT * FROM theater_migration_status")))
    # Counted from what the build embedded: the test-only build embeds another set.
    failing = connect(extension=FAILING_EXTENSION)
    try:
        assert debug_lines(failing)["Migrations"] == str(FAILING_HEAD)
        assert rows(failing, "SELECT name FROM theater_migration_status") != rows(
            conn, "SELECT name FROM theater_migration_status")
    finally:
        failing.close()


def test_debug_is_flagged_like_theater_version(conn):
    # SQLITE_DETERMINISTIC 0x800 | SQLITE_INNOCUOUS 0x200000; never DIRECTONLY 0x80000.
    flags = dict(conn.execute("SELECT name, flags FROM pragma_function_list"
                              " WHERE name IN ('theater_debug', 'theater_version') AND narg = 0"))
    assert flags["theater_debug"] == flags["theater_version"]
    assert flags["theater_debug"] & 0x800 and flags["theater_debug"] & 0x200000
    assert not flags["theater_debug"] & 0x80000


def test_debug_works_from_a_view_with_trusted_schema_off(migrated):
    migrated.execute("CREATE VIEW main.build AS SELECT theater_debug() AS info")
    migrated.execute("PRAGMA trusted_schema = OFF")
    assert scalar(migrated, "SELECT info FROM build") == scalar(migrated, "SELECT theater_debug()")


def test_debug_takes_no_arguments(conn):
    assert error_of(conn, "SELECT theater_debug(1)") == "wrong number of arguments to function theater_debug()"


def test_debug_needs_no_migrated_database_and_writes_nothing(conn):
    assert debug_lines(conn)["Version"] == f"v{VERSION}"
    assert scalar(conn, "SELECT count(*) FROM sqlite_master") == 0
    assert scalar(conn, "SELECT total_changes()") == 0


# ---- the casting_sheet view ---------------------------------------------------------

def listed(conn):
    return rows(conn, "SELECT type, name FROM sqlite_master WHERE name = 'casting_sheet'")


def test_casting_sheet_is_listed_in_sqlite_master_after_migrating(conn):
    assert listed(conn) == []
    assert scalar(conn, "SELECT theater_migrate()") == HEAD
    assert listed(conn) == [("view", "casting_sheet")]
    # ...where role_casting, a table-valued function, is not.
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name = 'role_casting'") == []
    assert rows(conn, "SELECT version, name, applied FROM theater_migration_status WHERE version = 3") == [
        (3, "casting_sheet_view", 1)]


def test_casting_sheet_comes_and_goes_with_migration_3(conn):
    conn.execute("SELECT theater_migrate(2)")
    assert listed(conn) == []
    conn.execute("SELECT theater_migrate(3)")
    assert listed(conn) == [("view", "casting_sheet")]
    conn.execute("SELECT theater_migrate(2)")
    assert listed(conn) == []
    conn.execute("SELECT theater_migrate()")
    conn.execute("SELECT theater_migrate(0)")
    assert rows(conn, "SELECT type, name FROM sqlite_master") == []


def test_casting_sheet_has_the_columns_of_role_casting(migrated):
    cursor = migrated.execute("SELECT * FROM casting_sheet")
    assert [d[0] for d in cursor.description] == COLUMNS
    assert [r[1] for r in migrated.execute("PRAGMA table_info(casting_sheet)")] == COLUMNS


def test_casting_sheet_gives_the_rows_of_role_casting(migrated):
    cast = load_cast(migrated)
    assert rows(cast, "SELECT * FROM casting_sheet") == CAST_SHEET
    assert rows(cast, "SELECT * FROM casting_sheet") == rows(
        cast, "SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor FROM role_casting")
    assert rows(cast, "SELECT * FROM casting_sheet WHERE role_id = 2") == [CAST_SHEET[1]]
    # It follows the data, like role_casting.
    cast.execute("SELECT call_back(id) FROM auditions WHERE role_id = 2 AND hired = 0")
    assert rows(cast, "SELECT * FROM casting_sheet") == rows(cast, "SELECT * FROM role_casting")
    assert rows(cast, "SELECT * FROM casting_sheet WHERE role_id = 2") != [CAST_SHEET[1]]


def test_casting_sheet_works_with_trusted_schema_off(db_path):
    conn = load_cast(connect(db_path))
    conn.close()
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        assert scalar(conn, "PRAGMA trusted_schema") == 0
        assert rows(conn, "SELECT * FROM casting_sheet") == CAST_SHEET
        # The pragma is in force: a view over a function that is not innocuous fails.
        conn.create_function("not_innocuous", 0, lambda: 1)
        conn.execute("CREATE VIEW main.unsafe AS SELECT not_innocuous() AS x")
        assert error_of(conn, "SELECT * FROM unsafe") == "unsafe use of not_innocuous()"
    finally:
        conn.close()


def test_casting_sheet_without_the_extension_gives_the_same_rows(db_path):
    """Migration 4 made the view plain SQL: a BI tool that cannot load the
    extension reads the casting sheet, and the same rows as role_casting."""
    cast = load_cast(connect(db_path))
    cast.execute("INSERT INTO auditions (id, actor, location, role_id, hired) VALUES (20, X'00ff', 'Oslo', 3, 1)")
    expected = rows(cast, "SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor "
                          "FROM role_casting")
    cast.close()
    plain = sqlite3.connect(str(db_path))
    try:
        assert listed(plain) == [("view", "casting_sheet")]
        assert rows(plain, "SELECT * FROM casting_sheet") == expected
        assert rows(plain, "SELECT * FROM casting_sheet WHERE role_id = 1") == [CAST_SHEET[0]]
    finally:
        plain.close()


def test_casting_sheet_filtered_by_role_is_a_seek_without_the_extension(db_path):
    load_cast(connect(db_path)).close()
    plain = sqlite3.connect(str(db_path))
    try:
        plan = " | ".join(plan_details(plain, "SELECT * FROM casting_sheet WHERE role_id = 1"))
        assert "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)" in plan
        assert "SCAN" not in plan
        assert "auditions_hired_by_role" in plan
    finally:
        plain.close()


def test_casting_sheet_in_the_sqlite3_shell(db_path):
    load_cast(connect(db_path)).close()
    out = run_shell(db_path, ".tables casting%\nSELECT * FROM casting_sheet WHERE role_id = 1;\n").stdout
    assert out == "casting_sheet\n1|Hamlet|5|Carol|7|Alice\n"
    bare = subprocess.run(["sqlite3", "-bail", str(db_path), "SELECT * FROM casting_sheet WHERE role_id = 1"],
                          capture_output=True, text=True)
    assert (bare.returncode, bare.stdout, bare.stderr) == (0, "1|Hamlet|5|Carol|7|Alice\n", "")

