#!/usr/bin/env bash
# Brings up, on 127.0.0.1, a sqld primary and two replicas that load
# theater.so, migrated and seeded with sql/demo_data.sql; prints how to reach
# them; keeps them until Ctrl-C (or until one of them exits), then stops every
# node it started, by PID.
#
#   bash deploy/up.sh        in a new directory under deploy/run/, removed at the end
#   bash deploy/up.sh DIR    in DIR (new or empty), kept at the end: its data and
#                            logs stay, and `bash deploy/cluster.sh start DIR NODE`
#                            starts a node again on the same ports
set -euo pipefail
DEPLOY_DIR=$(cd "$(dirname "$0")" && pwd)

bash "$DEPLOY_DIR/install.sh"

keep=0
if [[ $# -ge 1 ]]; then
  run=$1
  keep=1
  mkdir -p "$run"
  run=$(cd "$run" && pwd)
else
  mkdir -p "$DEPLOY_DIR/run"
  run=$(mktemp -d "$DEPLOY_DIR/run/up.XXXXXX")
fi

finish() {
  trap - EXIT INT TERM
  echo
  echo "stopping the cluster in $run"
  bash "$DEPLOY_DIR/cluster.sh" down "$run" || true
  if ((keep)); then echo "kept $run"; else rm -rf "$run"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

bash "$DEPLOY_DIR/cluster.sh" up "$run"
primary=$(<"$run/primary/url")
cat <<EOF

theater on sqld, on 127.0.0.1 (nodes' data and logs in $run):
$(bash "$DEPLOY_DIR/cluster.sh" status "$run")

Reads go to any node; writes (INSERT/UPDATE/DELETE, call_back, theater_migrate)
to the primary, or to a replica inside a transaction: see deploy/README.md.

  curl -s $primary/v2/pipeline -d '{"requests":[{"type":"execute","stmt":{"sql":"SELECT * FROM role_casting"}},{"type":"close"}]}'
  curl -s $(<"$run/replica1/url")/v2/pipeline -d '{"requests":[{"type":"execute","stmt":{"sql":"SELECT role_lead(1), role_understudy(1)"}},{"type":"close"}]}'
  curl -s $(<"$run/replica2/url")/v2/pipeline -d '{"requests":[{"type":"sequence","sql":"BEGIN; SELECT call_back(1); COMMIT;"},{"type":"close"}]}'
  node -e 'require("$DEPLOY_DIR/node_modules/@libsql/client").createClient({url:"$primary"}).execute("SELECT * FROM role_casting").then(r=>console.table(r.rows))'

Ctrl-C (or kill -TERM $$) stops every node.
EOF

# True while the process exists and is not a zombie.
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z && ${stat%% *} != X ]]
}

# Stay until interrupted or until a node exits.
while true; do
  for node in primary replica1 replica2; do
    if [[ ! -f $run/$node/pid ]] || ! pid_alive "$(<"$run/$node/pid")"; then
      echo "$node has stopped; the end of its log:" >&2
      tail -n 10 "$run/$node/sqld.log" >&2
      exit 1
    fi
  done
  sleep 1
done
