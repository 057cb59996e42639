"""Tests of the installed theater package. python/test.sh runs them with the
Python of a fresh venv the wheel was installed into, from outside the source
tree, so `import theater` is the installed package."""
import os
import pathlib
import re
import sqlite3
import sys

import pytest

if "THEATER_REPO" not in os.environ:
    pytest.skip("tests of the installed package: run them with bash python/test.sh", allow_module_level=True)

import theater  # noqa: E402

ROOT = pathlib.Path(os.environ["THEATER_REPO"])


def test_imported_from_the_venv_not_the_source_tree():
    assert pathlib.Path(theater.__file__).is_relative_to(sys.prefix), (theater.__file__, sys.prefix)
    assert sys.prefix != sys.base_prefix, "not running inside a venv"


def test_path_is_the_so_inside_the_package():
    so = pathlib.Path(theater.path())
    assert so.is_absolute() and so.is_file()
    assert so.name == "theater.so"
    assert so.parent == pathlib.Path(theater.__file__).parent
    assert so.read_bytes()[:4] == b"\x7fELF"


def test_version_is_the_projects():
    cmake = (ROOT / "CMakeLists.txt").read_text()
    assert theater.__version__ == re.search(r"project\(theater VERSION (\S+)", cmake).group(1)


def test_load_then_role_lead_and_a_table_valued_function(tmp_path):
    # --- recipe (clients/README.md, "Python package") ---
    conn = sqlite3.connect(tmp_path / "casting.db")
    theater.load(conn)
    conn.executescript((ROOT / "sql/demo_data.sql").read_text())
    lead = conn.execute("SELECT role_lead(1)").fetchone()[0]
    auditions = conn.execute("SELECT id, actor, hired FROM role_auditions(1)").fetchall()
    # --- end of recipe ---
    assert lead == 2
    assert auditions == [(1, "Sam Waterston", 0), (2, "Kevin Kline", 1), (3, "Ethan Hawke", 1)]
    assert conn.execute("SELECT theater_version()").fetchone()[0] == theater.__version__


def test_load_switches_extension_loading_off_again():
    conn = sqlite3.connect(":memory:")
    theater.load(conn)
    with pytest.raises(sqlite3.OperationalError, match="not authorized"):
        conn.execute("SELECT load_extension(?)", (theater.path(),))


def test_loading_twice_is_harmless():
    conn = sqlite3.connect(":memory:")
    theater.load(conn)
    theater.load(conn)
    assert conn.execute("SELECT theater_schema_version()").fetchone()[0] == 0


def test_path_works_for_other_clients_too(tmp_path):
    """theater.path() is what the sqlite3 shell's .load takes."""
    import shutil
    import subprocess
    if shutil.which("sqlite3") is None:
        pytest.skip("no sqlite3 shell")
    out = subprocess.run(["sqlite3", ":memory:", f".load {theater.path()}", "SELECT theater_version()"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == theater.__version__


def test_a_python_without_extension_loading_gets_a_clear_error():
    class NoExtensions:  # what a pyenv/python.org sqlite3 connection looks like
        pass
    with pytest.raises(RuntimeError, match="cannot load extensions"):
        theater.load(NoExtensions())
