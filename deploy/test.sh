#!/usr/bin/env bash
# The deployment's one command: installs what is missing (deploy/install.sh),
# builds build/theater.so if it is missing, starts a sqld primary and two
# replicas on 127.0.0.1 that load it (deploy/cluster.sh up: free ports, a run
# directory under deploy/run/), runs deploy/tests with Debian's pytest, and
# stops every process it started, by PID, however it ends. Arguments go to
# pytest (e.g. -k litestream). The run directory is removed after a passing
# run and kept, with every node's log, after a failing one.
set -euo pipefail
DEPLOY_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$DEPLOY_DIR")
TEST_TIMEOUT=${TEST_TIMEOUT:-150}   # seconds for the whole pytest run
started=$SECONDS

bash "$DEPLOY_DIR/install.sh"

mkdir -p "$DEPLOY_DIR/run"
run=$(mktemp -d "$DEPLOY_DIR/run/test.XXXXXX")
status=1
tests_pid=
finish() {
  trap - EXIT INT TERM
  if [[ -n $tests_pid ]] && kill -0 "$tests_pid" 2>/dev/null; then
    # `timeout` passes the signal on to pytest and everything pytest started.
    kill -TERM "$tests_pid" 2>/dev/null || true
    wait "$tests_pid" 2>/dev/null || true
  fi
  bash "$DEPLOY_DIR/cluster.sh" down "$run" || status=1
  if ((status == 0)); then
    rm -rf "$run"
  else
    echo "deploy/test.sh: failed ($status); logs kept in $run/*/sqld.log" >&2
  fi
  echo "deploy/test.sh: $((SECONDS - started)) s"
  exit "$status"
}
trap finish EXIT
trap 'status=130; exit 130' INT TERM

echo "== starting a primary and two replicas in $run"
bash "$DEPLOY_DIR/cluster.sh" up "$run"
bash "$DEPLOY_DIR/cluster.sh" status "$run"

echo "== deploy/tests"
# In the background and waited for, so that a signal to this script is
# handled at once rather than after pytest ends.
(cd "$REPO_DIR" && THEATER_DEPLOY_RUN=$run exec timeout -k 10 "$TEST_TIMEOUT" \
  /usr/bin/python3 -m pytest -q "$DEPLOY_DIR/tests" "$@") &
tests_pid=$!
status=0
wait "$tests_pid" || status=$?
tests_pid=
if ((status == 124)); then echo "deploy/test.sh: the tests took longer than $TEST_TIMEOUT s" >&2; fi
