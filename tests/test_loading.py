"""Spec section 1: loading the extension."""
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import BUILD, EXTENSION, ROOT, connect, scalar

API_SURFACE = pathlib.Path(__file__).resolve().parent / "api_surface.txt"
UPDATE_API_SURFACE = "THEATER_UPDATE_API_SURFACE"

SQLITE_DETERMINISTIC = 0x000000800
SQLITE_DIRECTONLY = 0x000080000
SQLITE_INNOCUOUS = 0x000200000


def plain_connect(path=":memory:", **kwargs):
    """A connection without the extension, allowed to load one."""
    c = sqlite3.connect(str(path), isolation_level=None, **kwargs)
    c.enable_load_extension(True)
    return c


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def run(*argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kwargs).stdout


def sqlite3_shell():
    # The shell on PATH, the one the README tells users to run: Debian's, or
    # the one scripts/test-sqlite-versions.sh built for the SQLite under test
    # (Debian's cannot run on an SQLite older than its own).
    return tool("sqlite3")


def cmake_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(\s*theater\s+VERSION\s+(\d+\.\d+\.\d+)", text)
    assert match, "CMakeLists.txt has no `project(theater VERSION x.y.z` line"
    return match[1]


def registered(conn):
    """What a connection offers by name: functions with their arity, modules."""
    functions = {f"function {name}/{narg}" for name, narg in conn.execute(
        "SELECT name, narg FROM pragma_function_list")}
    modules = {f"module {name}" for (name,) in conn.execute("SELECT name FROM pragma_module_list")}
    return functions | modules


def added_by_loading():
    before = plain_connect()
    after = connect()
    try:
        return registered(after) - registered(before)
    finally:
        before.close()
        after.close()


def function_flags(conn, name, narg):
    rows = conn.execute("SELECT flags FROM pragma_function_list WHERE name = ? AND narg = ?",
                        (name, narg)).fetchall()
    return rows[0][0] if rows else None


# ---- the shared object -----------------------------------------------------

def test_shared_object_is_named_theater_so_without_lib_prefix():
    assert EXTENSION.name == "theater.so"
    assert EXTENSION.is_file()
    assert not (BUILD / "libtheater.so").exists()


def test_entry_point_sqlite3_theater_init_is_exported():
    defined = run(tool("nm"), "-D", "--defined-only", str(EXTENSION))
    assert re.search(r"^\S+ T sqlite3_theater_init$", defined, re.M), defined


def test_does_not_link_libsqlite3():
    dynamic = run(tool("readelf"), "-d", str(EXTENSION))
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    assert needed, dynamic  # the parse works: libc at least is there
    assert [lib for lib in needed if "sqlite" in lib] == []


def test_defines_no_sqlite3_symbol_but_the_entry_point():
    defined = run(tool("nm"), "-D", "--defined-only", str(EXTENSION)).split()
    assert [s for s in defined if s.startswith("sqlite3")] == ["sqlite3_theater_init"]


def test_calls_no_sqlite3_symbol_directly():
    # Every call goes through the host's sqlite3_api routine table, so the
    # extension needs no sqlite3_* symbol from whatever is loaded.
    undefined = run(tool("nm"), "-D", "--undefined-only", str(EXTENSION)).split()
    assert [s for s in undefined if s.startswith("sqlite3")] == []


# ---- ways to load it ---------------------------------------------------------

@pytest.mark.parametrize("path", [EXTENSION, EXTENSION.with_suffix("")], ids=["with_suffix", "without_suffix"])
def test_loads_from_python(path):
    c = plain_connect()
    c.load_extension(str(path))
    assert scalar(c, "SELECT theater_version()") == cmake_version()


@pytest.mark.parametrize("sql", [
    "SELECT load_extension(?)",
    "SELECT load_extension(?, 'sqlite3_theater_init')",
])
def test_loads_from_sql(sql):
    c = plain_connect()
    assert scalar(c, sql, (str(EXTENSION),)) is None
    assert scalar(c, "SELECT theater_version()") == cmake_version()


def test_loads_in_the_sqlite3_shell(tmp_path):
    script = (".load ./build/theater\n"
              "SELECT theater_version();\n"
              "SELECT theater_migrate();\n"
              "SELECT version, applied FROM theater_migration_status ORDER BY version DESC LIMIT 1;\n")
    done = subprocess.run([sqlite3_shell(), str(tmp_path / "shell.db")], input=script, cwd=ROOT,
                          capture_output=True, text=True)
    # stderr also catches a failed close ("unable to close due to unfinalized statements").
    assert (done.returncode, done.stderr) == (0, "")
    version, head, status = done.stdout.splitlines()
    assert version == cmake_version()
    assert status == f"{head}|1"


def test_functions_are_registered_on_the_loading_connection_only():
    loaded = connect()
    other = plain_connect()
    assert scalar(loaded, "SELECT theater_version()") == cmake_version()
    with pytest.raises(sqlite3.OperationalError, match="no such function: theater_version"):
        other.execute("SELECT theater_version()")


# ---- loading twice -----------------------------------------------------------

LOAD_WAYS = {
    "python": lambda c: c.load_extension(str(EXTENSION)),
    "sql": lambda c: c.execute("SELECT load_extension(?)", (str(EXTENSION),)).fetchall(),
}


@pytest.mark.parametrize("first,second", [("python", "python"), ("sql", "sql"), ("python", "sql"),
                                          ("sql", "python")])
def test_loading_twice_is_harmless(first, second):
    c = plain_connect()
    LOAD_WAYS[first](c)
    once = sorted(c.execute("SELECT name, narg, flags FROM pragma_function_list"))
    LOAD_WAYS[second](c)
    assert sorted(c.execute("SELECT name, narg, flags FROM pragma_function_list")) == once
    assert scalar(c, "SELECT theater_migrate()") == scalar(c, "SELECT max(version) FROM theater_migration_status")


def test_loading_again_after_migrating_keeps_working(migrated):
    version = scalar(migrated, "SELECT theater_schema_version()")
    migrated.enable_load_extension(True)
    migrated.execute("SELECT load_extension(?)", (str(EXTENSION),)).fetchall()
    assert scalar(migrated, "SELECT theater_schema_version()") == version
    assert scalar(migrated, "SELECT count(*) FROM theater_migration_status WHERE applied") == version


# ---- loading never writes ---------------------------------------------------

def use_without_migrating(conn):
    """Everything a client may call on a database it does not migrate."""
    conn.execute("SELECT theater_version(), theater_schema_version()").fetchall()
    conn.execute("SELECT * FROM theater_migration_status").fetchall()


def test_loading_leaves_a_file_database_byte_for_byte_unchanged(db_path):
    setup = sqlite3.connect(db_path)
    setup.execute("CREATE TABLE mine (x)")
    setup.execute("INSERT INTO mine VALUES (1)")
    setup.commit()
    setup.close()
    before = db_path.read_bytes()

    c = connect(db_path)
    use_without_migrating(c)
    c.close()

    assert db_path.read_bytes() == before


def test_loading_commits_nothing_another_connection_could_see(db_path):
    observer = sqlite3.connect(db_path, isolation_level=None)
    observer.execute("CREATE TABLE mine (x)")
    version = scalar(observer, "PRAGMA data_version")

    c = connect(db_path)
    use_without_migrating(c)
    assert c.total_changes == 0
    c.close()

    assert scalar(observer, "PRAGMA data_version") == version


def test_loading_into_an_empty_file_leaves_it_empty(db_path):
    c = connect(db_path)
    use_without_migrating(c)
    assert c.execute("SELECT * FROM sqlite_master").fetchall() == []
    c.close()
    assert db_path.stat().st_size == 0


def test_loads_into_a_read_only_database(db_path):
    setup = sqlite3.connect(db_path)
    setup.execute("CREATE TABLE mine (x)")
    setup.close()
    c = connect(f"file:{db_path}?mode=ro", uri=True)
    use_without_migrating(c)
    assert scalar(c, "SELECT theater_schema_version()") == 0


# ---- what it registers ------------------------------------------------------

def test_theater_version_is_the_cmake_project_version(conn):
    version = scalar(conn, "SELECT theater_version()")
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert version == cmake_version()


def test_api_surface_matches_api_surface_txt():
    actual = sorted(added_by_loading())
    if os.environ.get(UPDATE_API_SURFACE):
        API_SURFACE.write_text(
            "# Every SQL name that loading theater.so adds to a connection: the difference\n"
            "# of pragma_function_list (name/number of arguments) and pragma_module_list\n"
            "# before and after loading. Regenerate after adding or removing a function:\n"
            f"#   {UPDATE_API_SURFACE}=1 /usr/bin/python3 -m pytest -q tests/test_loading.py -k api_surface\n"
            + "".join(line + "\n" for line in actual))
    expected = sorted(line.strip() for line in API_SURFACE.read_text().splitlines()
                      if line.strip() and not line.startswith("#"))
    assert actual == expected, (
        f"the extension's SQL surface differs from {API_SURFACE.name}: "
        f"new {sorted(set(actual) - set(expected))}, gone {sorted(set(expected) - set(actual))}. "
        f"If the change is intended, update the file: "
        f"{UPDATE_API_SURFACE}=1 /usr/bin/python3 -m pytest -q tests/test_loading.py -k api_surface")


@pytest.mark.parametrize("name", [
    "function theater_version/0",
    "function theater_migrate/0",
    "function theater_migrate/1",
    "function theater_schema_version/0",
    "module theater_migration_status",
])
def test_registers_every_name_of_spec_sections_1_to_3(name):
    assert name in added_by_loading()


# (function, arguments, flags it must have, flags it must not have)
FLAGS = [
    ("theater_migrate", 0, SQLITE_DIRECTONLY, SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC),
    ("theater_migrate", 1, SQLITE_DIRECTONLY, SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC),
    ("theater_schema_version", 0, SQLITE_INNOCUOUS, SQLITE_DIRECTONLY | SQLITE_DETERMINISTIC),
    ("theater_version", 0, SQLITE_INNOCUOUS, SQLITE_DIRECTONLY),
    # Spec section 4; skipped until they are registered.
    ("call_back", 1, SQLITE_DIRECTONLY, SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC),
    ("theater_materialize_casting", 0, SQLITE_DIRECTONLY, SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC),
    ("theater_materialize_casting", 1, SQLITE_DIRECTONLY, SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC),
    ("role_lead", 1, SQLITE_INNOCUOUS, SQLITE_DIRECTONLY | SQLITE_DETERMINISTIC),
    ("role_understudy", 1, SQLITE_INNOCUOUS, SQLITE_DIRECTONLY | SQLITE_DETERMINISTIC),
]


@pytest.mark.parametrize("name,narg,required,forbidden", FLAGS, ids=[f"{f[0]}/{f[1]}" for f in FLAGS])
def test_function_flags(conn, name, narg, required, forbidden):
    columns = {row[1] for row in conn.execute("PRAGMA table_info(pragma_function_list)")}
    if "flags" not in columns:
        pytest.skip("this SQLite's pragma_function_list has no flags column")
    flags = function_flags(conn, name, narg)
    if flags is None:
        pytest.skip(f"{name}/{narg} is not registered (yet)")
    assert flags & required == required
    assert flags & forbidden == 0


@pytest.mark.parametrize("expression", ["theater_version()", "theater_schema_version()"])
def test_reading_functions_work_in_views_with_trusted_schema_off(conn, expression):
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute(f"CREATE VIEW v AS SELECT {expression} AS x")
    assert scalar(conn, "SELECT x FROM v") == scalar(conn, f"SELECT {expression}")
