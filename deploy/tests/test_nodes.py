"""What each node needs, and where it listens."""

import os
import re
import socket
import struct
from pathlib import Path

import pytest

from helpers import REPO, tc


def listening_addresses(pid):
    """(address, port) of every TCP socket the process listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A = LISTEN
                continue
            address_hex, port_hex = local.split(":")
            raw = bytes.fromhex(address_hex)
            # /proc prints the address as host-order 32-bit words
            raw = b"".join(struct.pack("<I", w) for w in struct.unpack(f">{len(raw) // 4}I", raw))
            found.append((socket.inet_ntop(family, raw), int(port_hex, 16)))
    return found


@pytest.mark.parametrize("name", ["primary", "replica1", "replica2"])
def test_every_node_listens_on_loopback_only(nodes, name):
    node = nodes[name]
    addresses = listening_addresses(node.pid)

    assert addresses, f"found no listening socket of {name} (pid {node.pid})"
    assert all(address == "127.0.0.1" for address, _ in addresses), f"{name} listens on {addresses}"


def project_version():
    for line in (REPO / "CMakeLists.txt").read_text().splitlines():
        match = re.match(r"project\(theater VERSION (\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("CMakeLists.txt names no project version")


@pytest.mark.parametrize("name", ["primary", "replica1", "replica2"])
def test_every_node_loads_this_builds_extension(nodes, name):
    node = nodes[name]

    result, local = tc.read_locally(node, "SELECT theater_version()")

    assert local, f"{name} forwarded the query instead of answering it"
    assert result.scalar() == project_version()


def test_a_replica_without_the_extension_answers_no_such_function(primary, add_node):
    bare = add_node("replica", "none")
    tc.wait_caught_up(bare, tc.current_index(primary))

    with pytest.raises(tc.SqldError) as refused:
        tc.execute(bare.url, "SELECT role_lead(1)")

    assert "no such function: role_lead" in refused.value.message


def test_sqld_refuses_to_start_when_trusted_lst_has_a_stale_sha256(add_node):
    done = add_node("replica", "stale", must_start=False)

    assert done.returncode != 0
    assert "sha256 differs for theater.so" in done.stderr
