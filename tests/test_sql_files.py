"""Runs every tests/sql/*.sql through the real sqlite3 shell with the
extension loaded. Each case in those files is one `select '<case id>', <test>;`
and must print `<case id>|1`."""
import os
import subprocess
from collections import Counter

import pytest

from conftest import EXTENSION, ROOT

SQL_DIR = ROOT / "tests" / "sql"
CASE_FILES = sorted(SQL_DIR.glob("*.sql"))


def run_in_shell(path):
    if not EXTENSION.exists():
        pytest.exit(f"{EXTENSION} is missing: build first", returncode=2)
    with open(path, "rb") as source:
        return subprocess.run(
            # -init /dev/null: no ~/.sqliterc can change the output mode.
            ["sqlite3", "-batch", "-init", os.devnull, "-list", "-separator", "|",
             ":memory:", "-cmd", ".load ./build/theater"],
            stdin=source, capture_output=True, text=True, cwd=ROOT, timeout=60,
        )


@pytest.fixture(scope="module", params=CASE_FILES, ids=lambda p: p.name)
def shell_run(request):
    return run_in_shell(request.param)


def case_lines(done):
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_there_are_sql_case_files():
    assert CASE_FILES, f"no *.sql in {SQL_DIR}"


def test_shell_reports_no_error(shell_run):
    assert (shell_run.returncode, shell_run.stderr) == (0, "")


def test_file_has_cases(shell_run):
    assert case_lines(shell_run)


def test_every_case_prints_1(shell_run):
    failing = [line.split("|")[0] for line in case_lines(shell_run) if not line.endswith("|1")]
    assert not failing, f"failing cases: {', '.join(failing)}"


def test_case_ids_are_unique(shell_run):
    ids = Counter(line.split("|")[0] for line in case_lines(shell_run))
    assert [case for case, n in ids.items() if n > 1] == []
