"""Fixtures for the client recipes in clients/README.md. Every test runs from
the repository's root, so the recipes' paths (./build/theater,
sql/demo_data.sql) are used exactly as written there."""
import pathlib
import sqlite3

import pytest

from expected import ROOT


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    if not (ROOT / "build" / "theater.so").exists():
        pytest.exit("build/theater.so is missing: run bash scripts/build.sh", returncode=2)
    monkeypatch.chdir(ROOT)


@pytest.fixture
def casting_db(tmp_path):
    """A database migrated by the extension, with sql/demo_data.sql in it."""
    path = tmp_path / "casting.db"
    conn = sqlite3.connect(path)
    conn.enable_load_extension(True)
    conn.load_extension("./build/theater")
    conn.enable_load_extension(False)
    conn.executescript(pathlib.Path("sql/demo_data.sql").read_text())
    conn.close()
    return path
