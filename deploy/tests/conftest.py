"""Fixtures for the deployment tests.

The tests run against a cluster that deploy/test.sh starts (cluster.sh up) and
stops; it passes the run directory in THEATER_DEPLOY_RUN. Nodes that a test
adds go into the same run directory, so the final `cluster.sh down` stops them
even when a test dies half-way.
"""

import itertools
import os
from pathlib import Path

import pytest

from helpers import cluster, cluster_ok, tc

_names = itertools.count(1)


@pytest.fixture(scope="session")
def run_dir():
    run = os.environ.get("THEATER_DEPLOY_RUN")
    if not run:
        pytest.exit(
            "THEATER_DEPLOY_RUN is not set: these tests need the cluster that "
            "`bash deploy/test.sh` starts (it also stops it)",
            returncode=2,
        )
    return Path(run).resolve()


@pytest.fixture(scope="session")
def nodes(run_dir):
    found = tc.load_nodes(run_dir)
    for name in ("primary", "replica1", "replica2"):
        assert name in found, f"{run_dir} has no node {name}: was it made by `cluster.sh up`?"
        assert found[name].pid is not None and tc.pid_alive(found[name].pid), (
            f"{name} is not running; its log ends with:\n{found[name].log_tail()}"
        )
    return found


@pytest.fixture
def primary(nodes):
    return nodes["primary"]


@pytest.fixture
def replicas(nodes):
    return [nodes["replica1"], nodes["replica2"]]


@pytest.fixture
def add_node(run_dir):
    """add_node(role, ext=None, from_file=None, must_start=True) -> Node or
    CompletedProcess. Every node added is stopped at the end of the test."""
    added = []

    def add(role, ext=None, from_file=None, must_start=True):
        name = next(n for n in (f"extra{i}" for i in _names) if not (run_dir / n).exists())
        args = ["add", run_dir, name, role]
        if ext:
            args.append(ext)
        if from_file:
            args += ["--from", from_file]
        added.append(name)
        if not must_start:
            return cluster(*args)
        cluster_ok(*args)
        return tc.load_nodes(run_dir)[name]

    yield add
    for name in added:
        cluster("stop", run_dir, name)
