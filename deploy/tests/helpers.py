"""Helpers shared by the deployment tests (fixtures are in conftest.py)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent
REPO = DEPLOY.parent
sys.path.insert(0, str(DEPLOY))

import theater_cluster as tc  # noqa: E402

CLUSTER_SH = DEPLOY / "cluster.sh"
THEATER_SO = Path(os.environ.get("THEATER_SO", REPO / "build" / "theater.so"))
NODE_MODULES = DEPLOY / "node_modules"


def cluster(*args, timeout=90):
    """Runs deploy/cluster.sh; returns the CompletedProcess (never raises on exit status)."""
    return subprocess.run(
        ["bash", str(CLUSTER_SH), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def cluster_ok(*args, timeout=90):
    done = cluster(*args, timeout=timeout)
    assert done.returncode == 0, (
        f"cluster.sh {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
    )
    return done


def new_role(primary, name):
    """A role of its own for one test, so tests do not depend on each other's writes."""
    return tc.execute(primary.url, "INSERT INTO roles (character_name) VALUES (?)", (name,)).last_insert_rowid


def new_audition(primary, role_id, actor, location="New York", phone=None):
    return tc.execute(
        primary.url,
        "INSERT INTO auditions (actor, location, phone, role_id) VALUES (?, ?, ?, ?)",
        (actor, location, phone, role_id),
    ).last_insert_rowid


def hired_on(node, audition_id):
    """The audition's hired flag as `node` itself stores it (asserts the
    answer came from the node's own copy, not forwarded to the primary)."""
    result, local = tc.read_locally(node, "SELECT hired FROM auditions WHERE id = ?", (audition_id,))
    assert local, f"{node.name} forwarded a read to the primary; it should answer from its own copy"
    return result.scalar()


def connect_file(path, load=True):
    """A sqlite3 connection (Debian's Python can load extensions) to a database file."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10)
    if load:
        conn.enable_load_extension(True)
        conn.load_extension(str(THEATER_SO))
        conn.enable_load_extension(False)
    return conn
