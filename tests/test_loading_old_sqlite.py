"""The extension refuses, with a clear message, an SQLite older than it
supports, before touching the connection."""
import subprocess

from conftest import BUILD, EXTENSION


def test_entry_point_refuses_sqlite_older_than_3_34():
    host = BUILD / "testing" / "old_sqlite_host"
    result = subprocess.run([str(host), str(EXTENSION)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "rc=1",
        "error=theater: needs SQLite 3.34.0 or newer; this program uses SQLite 3.30.0",
    ]
