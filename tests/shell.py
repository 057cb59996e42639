"""Runs SQL through the real sqlite3 shell with the extension loaded, the way
users do (.load), so that path is tested as well as Python's."""
import subprocess

from conftest import EXTENSION, ROOT


def run_shell(db_path, sql, check=True):
    """Runs `sql` on `db_path` in `sqlite3 -bail`; returns the CompletedProcess."""
    result = subprocess.run(
        ["sqlite3", "-bail", str(db_path), "-cmd", f".load {EXTENSION.with_suffix('')}"],
        input=sql, capture_output=True, text=True, cwd=ROOT, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"sqlite3 failed ({result.returncode}): {result.stderr}")
    return result


def make_demo_db(db_path):
    run_shell(db_path, (ROOT / "sql" / "demo_data.sql").read_text())
    return db_path
