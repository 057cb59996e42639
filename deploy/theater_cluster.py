"""Talking to the local sqld cluster that deploy/cluster.sh starts.

Standard library only (urllib), so Debian's /usr/bin/python3 runs it as is.
It speaks sqld's Hrana-over-HTTP protocol (POST /v2/pipeline) and knows the
layout cluster.sh leaves in a run directory:

    RUN/NODE/role        primary | replica
    RUN/NODE/url         http://127.0.0.1:PORT
    RUN/NODE/pid         the sqld process, while it runs
    RUN/NODE/sqld.log    its output
    RUN/NODE/data.sqld/  its database directory (dbs/default/data is the file)

Every wait here polls with a deadline and says what it waited for when the
deadline passes. cluster.sh uses the command line at the bottom:

    theater_cluster.py free-ports N
    theater_cluster.py wait-ready URL PID SECONDS
    theater_cluster.py seed RUN SQL_FILE      migrate + seed through the primary,
                                              then wait for every replica
"""

import base64
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HTTP_TIMEOUT = 15        # seconds for one HTTP request
REPLICATION_TIMEOUT = 30  # seconds for a replica to apply a given index
POLL_INTERVAL = 0.05

LOCAL_FILE_SQL = "SELECT file FROM pragma_database_list WHERE name = 'main'"


class SqldError(Exception):
    """An error that sqld returned for one statement."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        self.code = code


class Result:
    def __init__(self, raw):
        self.columns = [c["name"] for c in raw["cols"]]
        self.rows = [tuple(_decode(v) for v in row) for row in raw["rows"]]
        self.replication_index = (
            int(raw["replication_index"]) if raw.get("replication_index") is not None else None
        )
        self.last_insert_rowid = (
            int(raw["last_insert_rowid"]) if raw.get("last_insert_rowid") is not None else None
        )

    def scalar(self):
        assert len(self.rows) == 1 and len(self.rows[0]) == 1, f"expected one value, got {self.rows}"
        return self.rows[0][0]

    def __repr__(self):
        return f"Result(rows={self.rows!r}, replication_index={self.replication_index})"


def _encode(value):
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "integer", "value": str(int(value))}
    if isinstance(value, int):
        return {"type": "integer", "value": str(value)}
    if isinstance(value, float):
        return {"type": "float", "value": value}
    if isinstance(value, bytes):
        return {"type": "blob", "base64": base64.b64encode(value).decode().rstrip("=")}
    return {"type": "text", "value": str(value)}


def _decode(value):
    kind = value["type"]
    if kind == "null":
        return None
    if kind == "integer":
        return int(value["value"])
    if kind == "float":
        return float(value["value"])
    if kind == "text":
        return value["value"]
    if kind == "blob":
        data = value["base64"]
        return base64.b64decode(data + "=" * (-len(data) % 4))
    raise ValueError(f"unknown Hrana value type {kind!r}")


def _stmt(statement):
    if isinstance(statement, str):
        return {"sql": statement}
    sql, args = statement
    return {"sql": sql, "args": [_encode(a) for a in args]}


def pipeline(url, requests, timeout=HTTP_TIMEOUT):
    """Sends Hrana requests as one stream (closed at the end); returns the raw
    per-request results, each {"type": "ok"|"error", ...}."""
    body = json.dumps({"baton": None, "requests": list(requests) + [{"type": "close"}]}).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/v2/pipeline",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as e:
        raise SqldError(f"HTTP {e.code} from {url}: {e.read().decode(errors='replace')}") from e
    except (urllib.error.URLError, OSError) as e:
        raise ConnectionError(f"cannot reach sqld at {url}: {e}") from e
    return payload["results"][: len(requests)]


def _result_or_error(raw):
    if raw["type"] == "ok":
        response = raw["response"]
        if response["type"] == "execute":
            return Result(response["result"])
        if response["type"] == "batch":
            return response["result"]
        return response
    error = raw.get("error", {})
    return SqldError(error.get("message", json.dumps(raw)), error.get("code"))


def execute(url, sql, args=()):
    """One statement in a stream of its own. Raises SqldError on an error."""
    (raw,) = pipeline(url, [{"type": "execute", "stmt": _stmt((sql, args))}])
    result = _result_or_error(raw)
    if isinstance(result, SqldError):
        raise result
    return result


def execute_each(url, statements):
    """Several statements, each sent as a request of its own but on one stream
    (one connection): what an interactive transaction looks like to sqld.
    Returns one Result or SqldError per statement; raises nothing for SQL errors."""
    raws = pipeline(url, [{"type": "execute", "stmt": _stmt(s)} for s in statements])
    return [_result_or_error(raw) for raw in raws]


def sequence(url, sql):
    """A whole SQL script as one request (one sqld program)."""
    (raw,) = pipeline(url, [{"type": "sequence", "sql": sql}])
    result = _result_or_error(raw)
    if isinstance(result, SqldError):
        raise result
    return result


def batch(url, statements):
    """Hrana batch: the statements as one program, each step running only if
    the one before succeeded (the shape of @libsql/client's batch()). Returns
    (step results, step errors) as raw lists."""
    steps = []
    for i, statement in enumerate(statements):
        step = {"stmt": _stmt(statement)}
        if i > 0:
            step["condition"] = {"type": "ok", "step": i - 1}
        steps.append(step)
    (raw,) = pipeline(url, [{"type": "batch", "batch": {"steps": steps}}])
    result = _result_or_error(raw)
    if isinstance(result, SqldError):
        raise result
    return result["step_results"], result["step_errors"]


def wait_until(what, probe, timeout):
    """Calls probe() until it returns a true value; returns that value. After
    `timeout` seconds raises TimeoutError naming `what` and the last answer."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = probe()
        except (SqldError, ConnectionError) as e:
            last = e
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not reached within {timeout} s (last answer: {last!r})")
        time.sleep(POLL_INTERVAL)


class Node:
    def __init__(self, directory):
        self.dir = Path(os.path.realpath(directory))
        self.name = self.dir.name
        self.role = (self.dir / "role").read_text().strip()
        self.url = (self.dir / "url").read_text().strip()
        self.data_file = str(self.dir / "data.sqld" / "dbs" / "default" / "data")

    @property
    def pid(self):
        try:
            return int((self.dir / "pid").read_text())
        except FileNotFoundError:
            return None

    def log_tail(self, lines=20):
        try:
            text = (self.dir / "sqld.log").read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __repr__(self):
        return f"Node({self.name}, {self.role}, {self.url})"


def load_nodes(run_dir):
    """Every node of a run directory, by name."""
    nodes = {}
    for role_file in sorted(Path(run_dir).glob("*/role")):
        node = Node(role_file.parent)
        nodes[node.name] = node
    return nodes


def read_locally(node, sql, args=()):
    """Runs a read on `node` together with a probe of which database file
    answered. Returns (result, ran_locally). A replica forwards everything to
    the primary until it has caught up after a start, so an answer alone does
    not prove that the replica computed it."""
    raws = pipeline(
        node.url,
        [
            {"type": "execute", "stmt": _stmt(LOCAL_FILE_SQL)},
            {"type": "execute", "stmt": _stmt((sql, args))},
            {"type": "execute", "stmt": _stmt(LOCAL_FILE_SQL)},
        ],
    )
    before, result, after = (_result_or_error(r) for r in raws)
    for r in (before, result, after):
        if isinstance(r, SqldError):
            raise r
    local = all(os.path.realpath(r.scalar()) == node.data_file for r in (before, after))
    return result, local


def current_index(primary):
    """The primary's replication index (frame number) right now."""
    return execute(primary.url, "SELECT 1").replication_index or 0


def wait_caught_up(replica, index, timeout=REPLICATION_TIMEOUT):
    """Polls `replica` until it answers from its own copy and that copy has
    applied replication index `index`."""

    def probe():
        result, local = read_locally(replica, "SELECT 1")
        return local and result.replication_index is not None and result.replication_index >= index

    wait_until(f"{replica.name} applying replication index {index}", probe, timeout)


def wait_all_caught_up(nodes, timeout=REPLICATION_TIMEOUT):
    primary = next(n for n in nodes.values() if n.role == "primary")
    index = current_index(primary)
    for node in nodes.values():
        if node.role == "replica" and node.pid is not None:
            wait_caught_up(node, index, timeout)
    return index


def free_ports(count):
    """`count` distinct TCP ports free on 127.0.0.1 right now (the caller
    retries if one is taken before sqld binds it)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def pid_alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_ready(url, pid, timeout):
    """Waits until sqld at `url` answers GET /health, failing early if `pid` exits."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            raise RuntimeError(f"sqld (pid {pid}) exited before {url} answered")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as e:
            last = e
        time.sleep(POLL_INTERVAL)
    raise TimeoutError(f"{url} did not answer /health within {timeout} s (last: {last})")


def seed(run_dir, sql_file):
    nodes = load_nodes(run_dir)
    primary = next(n for n in nodes.values() if n.role == "primary")
    version = execute(primary.url, "SELECT theater_migrate()").scalar()
    print(f"migrated through {primary.name}: theater_schema_version() = {version}")
    already = execute(primary.url, "SELECT count(*) FROM roles").scalar()
    if already:
        print(f"roles already holds {already} rows: not seeding again")
    else:
        sequence(primary.url, Path(sql_file).read_text())
        roles = execute(primary.url, "SELECT count(*) FROM roles").scalar()
        auditions = execute(primary.url, "SELECT count(*) FROM auditions").scalar()
        print(f"seeded from {sql_file}: {roles} roles, {auditions} auditions")
    index = wait_all_caught_up(nodes)
    print(f"every replica has applied replication index {index}")


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    try:
        if command == "free-ports" and len(argv) == 3:
            print(" ".join(str(p) for p in free_ports(int(argv[2]))))
        elif command == "wait-ready" and len(argv) == 5:
            wait_ready(argv[2], int(argv[3]), float(argv[4]))
        elif command == "seed" and len(argv) == 4:
            seed(argv[2], argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (SqldError, ConnectionError, TimeoutError, RuntimeError) as e:
        print(f"theater_cluster.py {command}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
