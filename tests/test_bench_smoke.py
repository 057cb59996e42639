"""The benchmark still runs end to end (a tiny size; no timing is asserted):
it checks every extension answer against its hand-written SQL and the ORM
itself, and stops with an error on any difference."""
import os
import subprocess
import sys

import pytest

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


def test_view_benchmark_runs_at_smoke_size_and_every_view_agrees_with_its_function(tmp_path):
    """bench/views.py checks each BI view's rows against its function's
    (every row in order; one key at a time as rows per key) before timing."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "views.py"), "--sizes", "300", "--repeat", "1",
                           "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for case in ["casting sheet, every row", "casting sheet, per key", "role actors, every row",
                 "role actors, per key", "declared relationship, every row", "declared relationship, per key"]:
        assert case in done.stdout, f"the view benchmark lacks {case!r}"
    assert "view, no extension" in done.stdout
    assert "MISMATCH" not in done.stderr


def test_real_schema_benchmark_runs_at_smoke_size_and_every_function_agrees_with_its_plain_sql(tmp_path):
    """bench/real_schemas.py checks each of issue 15's relationships (key
    types, composite keys, WITHOUT ROWID, many-to-many, a view, where and
    order_by, trees) against the plain join or recursive CTE it stands for,
    every key and per key, before timing."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "real_schemas.py"), "--sizes", "300", "--repeat",
                           "1", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for kind in ["INTEGER key, one-to-many", "TEXT key (uuid4), one-to-many", "BLOB key (16-byte uuid), one-to-many",
                 "composite key (2 INTEGER columns), one-to-many", "WITHOUT ROWID parent (TEXT key), one-to-many",
                 "many-to-many, INTEGER keys", "many-to-many, TEXT keys", "view as target (from_column/to_column)",
                 "where + order_by", "tree descendants, fan-out 5", "tree ancestors, fan-out 5",
                 "tree descendants, deep chains", "tree ancestors, deep chains",
                 "tree descendants, chains, max_depth 10"]:
        for way in ("every key", "per key"):
            assert f"{kind}, {way}" in done.stdout, f"the real-schema benchmark lacks {kind}, {way}"
    assert "recursive CTE" in done.stdout
    assert "MISMATCH" not in done.stderr


def test_nested_json_benchmark_runs_quick_and_every_document_agrees_with_the_hand_written_query(tmp_path):
    """bench/nested_json.py checks theater_json against each hand-written
    json_group_array form, per key and as the key-NULL export, before
    timing (issue 16)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "nested_json.py"), "--quick", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for case in ["authors > books > tags", "authors > books", "authors > books, order year desc, limit 3",
                 "books > author (to-one)"]:
        for way in ("per key", "every row"):
            assert f"{case}, {way}" in done.stdout, f"the nested JSON benchmark lacks {case}, {way}"
    assert "MISMATCH" not in done.stdout + done.stderr


def test_stored_casting_sheet_benchmark_runs_at_smoke_size_and_the_sheet_agrees_everywhere(tmp_path):
    """bench/casting_sheet.py checks the stored sheet against role_casting,
    value and type, before timing reads, after each write batch and at the
    end (issue 17)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "casting_sheet.py"), "--sizes", "300", "--repeat",
                           "1", "--writes", "200", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for case in ["turn it on (fill the table)", "call it again, in step", "read, every row", "read, per key",
                 "write, call_back(id) x N", "write, UPDATE ... SET hired = 1 x N",
                 "write, UPDATE ... SET hired = 0 x N (hired ones)", "write, call_back in one statement",
                 "write, INSERT an audition, not hired x N"]:
        assert case in done.stdout, f"the stored casting sheet benchmark lacks {case!r}"
    for source in ["role_casting", "casting_sheet (view)", "casting_sheet_stored", "casting_sheet_stored, no extension",
                   "with the stored sheet", "without the stored sheet"]:
        assert f"| {source} " in done.stdout, f"the stored casting sheet benchmark lacks {source!r}"
    assert "MISMATCH" not in done.stdout + done.stderr


def test_bulk_hire_benchmark_runs_at_smoke_size_and_every_form_hires_the_same(tmp_path):
    """bench/bulk_hire.py checks that call_back_all, call_back per call and
    the hand-written UPDATEs leave the same hires before it reports (issue 17)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bulk_hire.py"), "--sizes", "300", "--repeat", "1",
                           "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for form in ["hand: UPDATE ... WHERE id IN (SELECT id FROM ids)", "hand: UPDATE ... FROM ids",
                 "theater: SELECT call_back_all(json_group_array(id)) FROM ids",
                 "theater: SELECT count(call_back(id)) FROM ids (per call)", "theater: SELECT call_back_all(?)",
                 "call_back x100k, one transaction"]:
        assert form in done.stdout, f"the bulk hire benchmark lacks {form!r}"
    for order in ("random", "ascending"):
        assert f"ids, {order}," in done.stdout
    assert "MISMATCH" not in done.stdout + done.stderr


def test_alternating_benchmark_runs_at_smoke_size_and_reports_the_ratio(tmp_path):
    """bench/alternate.py checks the case's rows against its hand-written
    SQL before it times them in turn."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "alternate.py"), "--roles", "300", "--runs", "2",
                           "--data", str(tmp_path), "audition_role join, planner's order"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio: " in done.stdout and "(plain join)" in done.stdout
    refused = subprocess.run([sys.executable, str(ROOT / "bench" / "alternate.py"), "--roles", "300",
                              "--data", str(tmp_path), "no such case"], capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "no such case: 'no such case'" in refused.stderr


@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                    reason="valgrind cannot run the sanitizer build (scripts/test-sanitizers.sh)")
def test_floor_counts_the_extensions_own_code_apart_from_sqlites(tmp_path):
    """bench/floor.py's split of callgrind's counts: a query that calls no
    function of the extension has no own code; one that does has some, and
    SQLite's work besides it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import floor
    import generate
    db = generate.database(300, str(tmp_path), floor.EXTENSION)
    total, own = floor.profile(db, "SELECT count(*) FROM roles r JOIN auditions a ON a.role_id = r.id", 1)
    assert own == 0 < total
    total, own = floor.profile(db, "SELECT count(*), max(lead_actor) FROM role_casting", 1)
    assert 0 < own < total / 2
