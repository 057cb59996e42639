"""The benchmark still runs end to end (a tiny size; no timing is asserted):
it checks every extension answer against its hand-written SQL and the ORM
itself, and stops with an error on any difference."""
import subprocess
import sys

from conftest import ROOT

CASES = ["role_lead", "role_understudy", "role_actors join", "role_auditions join", "role_casting",
         "call_back x100k, one transaction", "call_back x100k, one statement", "SQLAlchemy: selectinload",
         "SQLAlchemy: lazy loading (as the seed)"]


def test_benchmark_runs_at_smoke_size_and_agrees_everywhere(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "300", "--repeat", "1",
                           "--orm-max", "300", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for case in CASES:
        assert case in done.stdout, f"the benchmark table lacks {case!r}"
    assert "MISMATCH" not in done.stderr
