#!/usr/bin/env bash
# Checks, on 127.0.0.1, what theater can and cannot do on dqlite, with
# Debian 12's libdqlite and go-dqlite's `dqlite` shell:
#   1. a plain dqlite node cannot load the extension: SELECT load_extension()
#      fails and theater's functions stay unknown;
#   2. a node whose host program registers theater in-process
#      (node_with_theater.c: sqlite3_auto_extension) runs migrate, inserts,
#      call_back, role_lead/role_understudy and the table-valued functions.
# Not part of deploy/test.sh: it needs Debian packages nothing else here
# needs (installed when missing). Stops the nodes it started, by PID.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEPLOY_DIR=$(dirname "$HERE")
REPO_DIR=$(dirname "$DEPLOY_DIR")
THEATER_SO=${THEATER_SO:-$REPO_DIR/build/theater.so}
[[ -f $THEATER_SO ]] || { echo "no $THEATER_SO: run bash scripts/build.sh" >&2; exit 1; }

missing=()
for p in go-dqlite libdqlite-dev gcc libsqlite3-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() {
  local pid i
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

gcc -O2 -Wall -Wextra -Werror -o "$work/node_with_theater" "$HERE/node_with_theater.c" -ldqlite -lsqlite3 -ldl

# start_node NAME THEATER_SO|none -> sets $address
start_node() {
  local name=$1 so=$2 port i
  port=$(/usr/bin/python3 "$DEPLOY_DIR/theater_cluster.py" free-ports 1)
  address=127.0.0.1:$port
  mkdir -p "$work/$name"
  "$work/node_with_theater" "$work/$name" "$address" "$so" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for ((i = 0; i < 150; i++)); do
    grep -q '^dqlite node on' "$work/$name.log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "the $name node did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

failures=0
# expect ADDRESS SQL PATTERN: the first line the dqlite shell prints must
# match the glob PATTERN (empty for a statement that returns no rows)
expect() {
  local got
  got=$(timeout 20 dqlite -s "$1" theater "$2" 2>&1 | head -n 1 || true)
  # shellcheck disable=SC2053
  if [[ $got == $3 ]]; then
    printf 'ok    %-75s -> %s\n' "$2" "$got"
  else
    printf 'FAIL  %-75s -> %s (expected %s)\n' "$2" "$got" "$3"
    failures=$((failures + 1))
  fi
}

echo "== a plain dqlite node"
start_node plain none
# One shell session (one connection): load_extension() fails, and theater's
# functions stay unknown. (go-dqlite 1.11's shell prints an error raised while
# a row is computed as "query: <column name>", so the reason is not shown.)
session=$(printf "SELECT load_extension('%s');\nSELECT theater_version();\n" "$THEATER_SO" |
  timeout 20 dqlite -s "$address" theater 2>&1 || true)
if grep -q "Error: *query: load_extension(" <<<"$session" &&
  grep -q "Error: *query: no such function: theater_version" <<<"$session"; then
  echo "ok    load_extension('$THEATER_SO') fails; theater_version() then: no such function"
else
  echo "FAIL  expected load_extension() to fail and theater_version() to stay unknown; the session said:"
  echo "$session"
  failures=$((failures + 1))
fi
expect "$address" "SELECT theater_version()" "Error: query: no such function: theater_version"

echo "== a dqlite node whose host program registers theater (sqlite3_auto_extension)"
start_node registered "$THEATER_SO"
version=$(sed -n 's/^project(theater VERSION \([^ ]*\).*/\1/p' "$REPO_DIR/CMakeLists.txt")
expect "$address" "SELECT theater_version()" "$version"
expect "$address" "SELECT theater_migrate() > 0" "1"
expect "$address" "INSERT INTO roles (id, character_name) VALUES (1, 'Hamlet')" ""
expect "$address" "INSERT INTO auditions (actor, location, role_id) VALUES ('Kevin Kline', 'New York', 1)" ""
expect "$address" "SELECT call_back(1)" "1"
expect "$address" "SELECT role_lead(1), role_understudy(1)" "1|no actor has been hired for understudy for this role"
expect "$address" "SELECT actor, hired FROM role_auditions(1)" "Kevin Kline|1"
expect "$address" "SELECT character_name, lead_actor FROM role_casting" "Hamlet|Kevin Kline"

if ((failures)); then
  echo "$failures dqlite check(s) failed" >&2
  exit 1
fi
echo "all dqlite checks passed"
