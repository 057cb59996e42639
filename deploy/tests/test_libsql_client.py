"""theater through libSQL's npm packages (@libsql/client over HTTP, and
libsql's embedded replicas), driven by tests/node/client.mjs."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import THEATER_SO, hired_on, new_audition, new_role, tc

CLIENT = Path(__file__).resolve().parent / "node" / "client.mjs"
NODE = shutil.which("node")


def node_client(*args):
    assert NODE, "node is not installed: deploy/test.sh installs Debian's nodejs"
    done = subprocess.run([NODE, str(CLIENT), *map(str, args)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"client.mjs {args[0]} crashed:\n{done.stdout}{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def audition(primary, replicas):
    role = new_role(primary, "Rosencrantz")
    audition_id = new_audition(primary, role, "Tim Roth")
    index = tc.current_index(primary)
    for replica in replicas:
        tc.wait_caught_up(replica, index)
    return audition_id


def test_the_npm_client_reads_the_casting_sheet_through_a_replica(primary, nodes):
    replica = nodes["replica2"]
    tc.wait_caught_up(replica, tc.current_index(primary))
    sql = "SELECT role_id, lead, understudy FROM role_casting"

    answer = node_client("query", replica.url, sql)

    assert answer["ok"], answer
    assert [tuple(row) for row in answer["value"]] == tc.execute(primary.url, sql).rows


def test_the_npm_clients_write_transaction_on_a_replica_reaches_the_primary(primary, nodes, audition):
    answer = node_client("transaction-call-back", nodes["replica1"].url, audition)

    assert answer == {"ok": True, "value": 1}
    assert tc.execute(primary.url, "SELECT hired FROM auditions WHERE id = ?", (audition,)).scalar() == 1


def test_the_npm_clients_write_batch_on_a_replica_is_refused(primary, nodes, audition):
    # batch() ends with its own ROLLBACK step when a step fails, so sqld sees
    # no open transaction to forward: the guard's refusal is the answer.
    replica = nodes["replica1"]

    answer = node_client("batch-call-back", replica.url, audition)

    assert answer["ok"] is False
    assert answer["code"] == "SQLITE_AUTH" and "call_back: not authorized" in answer["message"], answer
    assert tc.execute(primary.url, "SELECT hired FROM auditions WHERE id = ?", (audition,)).scalar() == 0
    assert hired_on(replica, audition) == 0


def test_an_embedded_replica_refuses_to_load_the_extension(primary, tmp_path):
    answer = node_client("embedded-replica", primary.url, tmp_path / "embedded.db", THEATER_SO)

    assert answer["ok"], answer
    assert answer["value"]["synced_roles"] > 0, "the embedded replica did not sync from the primary"
    assert answer["value"]["loaded"] is False
    assert "LoadExtensionNotSupported" in answer["value"]["message"]


def test_a_plain_libsql_file_loads_the_extension(primary, tmp_path):
    # The refusal above is the embedded replica's, not the extension's.
    answer = node_client("local-file", tmp_path / "local.db", THEATER_SO)

    assert answer == {"ok": True, "value": tc.execute(primary.url, "SELECT theater_version()").scalar()}
