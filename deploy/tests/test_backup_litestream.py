"""Continuous backup of a theater database with Litestream.

Litestream replicates a WAL-mode theater database to a file replica while a
writer inserts auditions and calls call_back. The test waits for a completed
sync that covers a chosen point of the writer's run (Litestream logs each WAL
segment it has written: `msg="wal segment written" position=GEN/INDEX:OFFSET
sz=BYTES`, so the replica holds the WAL up to OFFSET + BYTES), restores, and
checks the restored database; then does the same once the writer has stopped.

Position arithmetic needs the WAL never to restart during the run, so the
configuration keeps Litestream from checkpointing (and the writer has
autocheckpoint off); the test checks that it did not.
"""

import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import NODE_MODULES, REPO, connect_file

LITESTREAM = NODE_MODULES / "@flydotio" / "litestream-linux-x64" / "litestream"
SYNC_TIMEOUT = 30      # seconds to wait for a sync that covers a position
WRITER_MAX_COMMITS = 1500
CUT_AFTER_COMMITS = 80
SEGMENT = re.compile(
    r'msg="wal segment written".*?position=(?P<generation>[0-9a-f]+)/(?P<index>[0-9a-f]+):(?P<offset>\d+)'
    r".*?sz=(?P<size>\d+)"
)


def litestream_config(db, replica_dir):
    return f"""\
dbs:
  - path: {db}
    monitor-interval: 50ms
    checkpoint-interval: 1h
    min-checkpoint-page-count: 1000000
    max-checkpoint-page-count: 2000000
    replicas:
      - type: file
        path: {replica_dir}
        sync-interval: 100ms
"""


def synced_segments(log_path):
    """(generation, index, end offset) of every WAL segment Litestream has written."""
    text = Path(log_path).read_text(errors="replace")
    return [
        (m["generation"], int(m["index"], 16), int(m["offset"]) + int(m["size"]))
        for m in SEGMENT.finditer(text)
    ]


def wait_for_sync_covering(log_path, wal_end, process):
    """Waits until Litestream reports a written WAL segment that ends at or
    past `wal_end` (a byte offset of the database's WAL); returns it."""
    deadline = time.monotonic() + SYNC_TIMEOUT
    while True:
        segments = synced_segments(log_path)
        if segments:
            generations_and_indexes = {(g, i) for g, i, _ in segments}
            assert len(generations_and_indexes) == 1, (
                f"Litestream started a new generation or WAL index during the run "
                f"({sorted(generations_and_indexes)}): the offsets no longer compare"
            )
            covering = [s for s in segments if s[2] >= wal_end]
            if covering:
                return covering[0]
        assert process.poll() is None, f"litestream exited ({process.returncode}):\n{Path(log_path).read_text()}"
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"no Litestream sync reached WAL offset {wal_end} within {SYNC_TIMEOUT} s "
                f"(last segments: {segments[-3:]})"
            )
        time.sleep(0.05)


def restore(config, db, output):
    done = subprocess.run(
        [str(LITESTREAM), "restore", "-config", str(config), "-o", str(output), str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"litestream restore failed:\n{done.stdout}{done.stderr}"
    return output


class Writer(threading.Thread):
    """Inserts auditions and calls call_back on every other one, each in a
    transaction of its own, recording after each commit what it committed and
    how far the WAL then reached."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db = db
        self.commits = []  # (audition id, hired after this commit, WAL end offset)
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            conn = connect_file(self.db)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            wal = Path(f"{self.db}-wal")
            for n in range(WRITER_MAX_COMMITS // 2):
                if self.stop.is_set():
                    break
                audition = conn.execute(
                    "INSERT INTO auditions (actor, location, phone, role_id) VALUES (?, ?, ?, ?)",
                    (f"Actor {n}", "Stratford", 1_000_000 + n, 1 + n % 5),
                ).lastrowid
                self.commits.append((audition, 0, wal.stat().st_size))
                if n % 2 == 0:
                    conn.execute("SELECT call_back(?)", (audition,)).fetchone()
                    self.commits.append((audition, 1, wal.stat().st_size))
                time.sleep(0.002)  # a steady trickle across many sync intervals
            conn.close()
        except Exception as e:  # reported by the fixture
            self.error = e


def expected_rows(commits):
    """audition id -> hired, as of the given commits."""
    rows = {}
    for audition, hired, _ in commits:
        rows[audition] = max(rows.get(audition, 0), hired)
    return rows


@pytest.fixture(scope="module")
def backup(tmp_path_factory):
    assert LITESTREAM.exists(), f"no litestream at {LITESTREAM}: run deploy/test.sh (npm ci)"
    work = tmp_path_factory.mktemp("litestream")
    db = work / "theater.db"
    conn = connect_file(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript((REPO / "sql" / "demo_data.sql").read_text())
    conn.close()
    config = work / "litestream.yml"
    config.write_text(litestream_config(db, work / "replica"))
    log_path = work / "litestream.log"

    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(LITESTREAM), "replicate", "-config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    writer = Writer(db)
    try:
        wait_for_sync_covering(log_path, 0, process)  # the first snapshot and WAL segment
        writer.start()
        deadline = time.monotonic() + SYNC_TIMEOUT
        while len(writer.commits) < CUT_AFTER_COMMITS:
            assert writer.is_alive() or writer.error is None, f"the writer failed: {writer.error!r}"
            assert time.monotonic() < deadline, "the writer made too few commits"
            time.sleep(0.01)

        # A point in the middle of the writer's run: every commit made so far.
        cut = list(writer.commits)
        mid_sync = wait_for_sync_covering(log_path, cut[-1][2], process)
        mid_restore = restore(config, db, work / "restored-mid-run.db")
        still_writing = writer.is_alive()

        writer.stop.set()
        writer.join(timeout=30)
        assert not writer.is_alive(), "the writer did not stop"
        assert writer.error is None, f"the writer failed: {writer.error!r}"
        final_sync = wait_for_sync_covering(log_path, writer.commits[-1][2], process)
        final_restore = restore(config, db, work / "restored-final.db")
    finally:
        writer.stop.set()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    return {
        "db": db,
        "cut": cut,
        "mid_sync": mid_sync,
        "mid_restore": mid_restore,
        "still_writing": still_writing,
        "all_commits": writer.commits,
        "final_sync": final_sync,
        "final_restore": final_restore,
    }


@pytest.mark.parametrize("which", ["mid_restore", "final_restore"])
def test_a_restore_passes_integrity_check(backup, which):
    conn = connect_file(backup[which], load=False)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize("which", ["mid_restore", "final_restore"])
def test_a_restore_reports_the_same_schema_version(backup, which):
    source = connect_file(backup["db"]).execute("SELECT theater_schema_version()").fetchone()
    restored = connect_file(backup[which]).execute("SELECT theater_schema_version()").fetchone()
    assert restored == source
    assert restored[0] > 0


def test_a_restore_holds_every_commit_made_before_the_sync_it_waited_for(backup):
    assert backup["still_writing"], "the writer had finished before the mid-run restore: raise WRITER_MAX_COMMITS"
    restored = dict(connect_file(backup["mid_restore"]).execute("SELECT id, hired FROM auditions").fetchall())

    missing = {
        audition: hired
        for audition, hired in expected_rows(backup["cut"]).items()
        if restored.get(audition, -1) < hired
    }

    assert not missing, (
        f"{len(missing)} of {len(backup['cut'])} commits made before the sync at "
        f"{backup['mid_sync']} are missing from the restore (audition id -> hired): {missing}"
    )


def test_a_restore_after_the_writer_stops_equals_the_database(backup):
    source = connect_file(backup["db"])
    restored = connect_file(backup["final_restore"])
    for sql in (
        "SELECT * FROM roles ORDER BY id",
        "SELECT * FROM auditions ORDER BY id",
        "SELECT * FROM role_casting",
        "SELECT version, name, applied, applied_at FROM theater_migration_status",
    ):
        assert restored.execute(sql).fetchall() == source.execute(sql).fetchall(), sql
    assert len(expected_rows(backup["all_commits"])) >= CUT_AFTER_COMMITS // 2
