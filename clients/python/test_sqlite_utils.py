"""Recipes: sqlite-utils, its command line (--load-extension) and its Python API."""
import json
import pathlib
import subprocess

import sqlite_utils

from expected import HAMLET_AUDITIONS, HAMLET_LEAD


def test_sqlite_utils_cli_recipe(casting_db):
    def query(sql):
        # --- recipe (clients/README.md, "sqlite-utils, command line") ---
        argv = ["sqlite-utils", "query", str(casting_db), sql, "--load-extension", "./build/theater"]
        # --- end of recipe ---
        run = subprocess.run(argv, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    assert query("SELECT role_lead(1) AS lead") == [{"lead": HAMLET_LEAD}]
    assert query("SELECT id, actor, hired FROM role_auditions(1)") == [
        {"id": i, "actor": a, "hired": h} for i, a, h in HAMLET_AUDITIONS
    ]


def test_sqlite_utils_cli_without_the_extension_fails_clearly(casting_db):
    run = subprocess.run(
        ["sqlite-utils", "query", str(casting_db), "SELECT role_lead(1)"],
        capture_output=True, text=True,
    )
    assert run.returncode != 0
    assert "no such function: role_lead" in run.stdout + run.stderr


def test_sqlite_utils_python_api_recipe(tmp_path):
    # --- recipe (clients/README.md, "sqlite-utils, Python API") ---
    db = sqlite_utils.Database(tmp_path / "casting.db")
    db.conn.enable_load_extension(True)
    db.conn.load_extension("./build/theater")
    db.conn.enable_load_extension(False)
    db.executescript(pathlib.Path("sql/demo_data.sql").read_text())

    lead = db.execute("SELECT role_lead(1)").fetchone()[0]
    auditions = list(db.query("SELECT id, actor, hired FROM role_auditions(1)"))
    # --- end of recipe ---

    assert lead == HAMLET_LEAD
    assert auditions == [{"id": i, "actor": a, "hired": h} for i, a, h in HAMLET_AUDITIONS]
    assert db["roles"].count == 5
