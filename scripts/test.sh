#!/usr/bin/env bash
# The whole test suite (what .ci/run runs): installs what is missing, then
#   0. checks that ext/'s includes only go down its floors (scripts/check-layers.py,
#      ARCHITECTURE.md), and starts installing the clients' Debian packages
#      in the background (clients/install-deps.sh);
#   1. builds with warnings as errors and runs the pytest suite with Debian's
#      /usr/bin/python3 (whose sqlite3 module can load extensions), in two
#      processes (pytest-xdist); builds the newest SQLite release and the
#      oldest the extension supports from their amalgamations, and runs the
#      suite again on the oldest (scripts/test-sqlite-versions.sh);
#   2. checks cmake --install and the .deb CPack builds (scripts/test-package.sh),
#      then runs every client recipe of clients/README.md with the real client
#      (sqlite3 shell, Python sqlite3, sqlite-utils, SQLAlchemy, the Python
#      package, Tcl, litecli, Node's libsql and better-sqlite3, the npm
#      package's tarball, DB Browser for SQLite under Xvfb)
#      (scripts/test-clients.sh);
#   3. starts a sqld primary and two replicas on 127.0.0.1 loading the
#      extension, and tests replication and backups (deploy/test.sh);
#      while 2 and 3 run, fuzzes for a minute in the background
#      (scripts/test-fuzz.sh; long runs: fuzz/README.md);
#   4. rebuilds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
#      pytest suite against that build on the newest SQLite release (step 1's
#      build of it) (scripts/test-sanitizers.sh --sqlite newest);
#   5. runs the C++ out-of-memory tests with ctest, then under valgrind
#      memcheck (scripts/test-cpp.sh).
# Arguments go to pytest in step 1 (e.g. -k migrate; -n 0 runs it in one
# process, which --pdb needs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
# The clients' Debian packages (R, pandas, DB Browser, ODBC, Node.js...) are
# mostly download and unpack: they install in the background while the
# build and the first pytest run use the two cores, and are waited for
# before anything else runs apt or needs them (step 1's other releases use
# npm). The log is shown only when the install fails.
# Two installs, one after the other. First, during the build, the groups
# that put modules where the suite's Python finds them (python-modules:
# pandas, numpy, matplotlib, pip, litecli's): sqlite_utils imports numpy and
# pandas when they are there, and a Python process that starts while dpkg
# unpacks them fails ("module 'numpy' has no attribute 'int8'", seen in a
# fresh run). No test runs until they are installed. Then the rest, beside
# pytest.
clients_log=$(mktemp)
bash clients/install-deps.sh python-modules > "$clients_log" 2>&1 &
clients_install=$!
clients_waited=
wait_for_client_packages() {  # what was installed
  local t=$SECONDS status=0
  clients_waited=1
  wait "$clients_install" || status=$?
  if ((status != 0)); then
    cat "$clients_log" >&2
    echo "FAIL: clients/install-deps.sh could not install $1" >&2
    exit 1
  fi
  echo "($1 installed in the background; waited $((SECONDS - t)) s for them)"
}
# A failure before the wait (the build, the first pytest run) must not
# leave apt and dpkg running on their own, nor hide their failure: the exit
# waits for them (never kills dpkg half-way) and shows their log if they failed.
finish_client_packages() {
  if [[ -z $clients_waited ]] && ! wait "$clients_install"; then
    cat "$clients_log" >&2
    echo "clients/install-deps.sh (in the background) failed too" >&2
  fi
  rm -f "$clients_log"
  if [[ -n ${node_install:-} ]]; then
    wait "$node_install" 2>/dev/null || true
    rm -f "$node_log"
  fi
  # A failure while the fuzzer runs in the background (the clients, the
  # deployment) stops it rather than leaving it running after the exit.
  if [[ -n ${fuzz_run:-} ]]; then
    kill -- "-$fuzz_run" 2>/dev/null || true
    wait "$fuzz_run" 2>/dev/null || true
    rm -f "$fuzz_log"
  fi
}
trap finish_client_packages EXIT
echo "== include floors (scripts/check-layers.py)"
/usr/bin/python3 scripts/check-layers.py --self-test >/dev/null
/usr/bin/python3 scripts/check-layers.py
bash scripts/build.sh -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON
wait_for_client_packages "the Python clients' packages"
bash clients/install-deps.sh > "$clients_log" 2>&1 &
clients_install=$!
clients_waited=
echo "== pytest (build/)"
start=$SECONDS
# The cancellation sweeps take every 2nd check per way to cancel, each way
# from its own offset: every check of each transaction mode is still
# cancelled, one or two of its three ways instead of all three
# (tests/test_cancel.py, sweep_points). All three at every check:
# THEATER_SWEEP_STRIDE=1 (docs/platforms.md, "SQLite versions").
THEATER_SWEEP_STRIDE=${THEATER_SWEEP_STRIDE:-2} /usr/bin/python3 -m pytest -q -p no:cacheprovider -n 2 tests "$@"
echo "(pytest: $((SECONDS - start)) s)"
wait_for_client_packages "the other clients' packages"
# clients/node's npm ci (a minute of download and better-sqlite3's compile,
# which was on the clients' step) runs beside the other releases' pytest
# runs, once Node.js is installed; waited for before the clients.
node_log=$(mktemp)
bash clients/node/test.sh --install-only > "$node_log" 2>&1 &
node_install=$!
echo "== pytest on the oldest supported SQLite (scripts/test-sqlite-versions.sh)"
start=$SECONDS
# Both releases are built here, in parallel: the newest is step 4's.
bash scripts/test-sqlite-versions.sh --build-only newest oldest > /dev/null
# Every test runs there too; the sweeps take every 6th cancellation point per
# way to cancel (half of each transaction mode's checks, each one way) and
# every 3rd kill point, and the enforcement differential runs 1000 cases of
# its own (seeds after CI's). Longer runs on those releases: docs/platforms.md.
THEATER_SWEEP_STRIDE=6 THEATER_CRASH_STRIDE=3 THEATER_ENFORCE_CASES=1000 THEATER_ENFORCE_SEED=5000 \
  bash scripts/test-sqlite-versions.sh oldest
echo "(oldest SQLite release, with both releases' builds: $((SECONDS - start)) s)"
echo "== install and .deb package (scripts/test-package.sh)"
bash scripts/test-package.sh
# The clients and the sqld deployment mostly wait on npm, one compiler
# process or a server; the fuzzer's build and its minute of fuzzing (one
# process) run beside them. Its log is shown when it is waited for (an early
# exit stops it and drops the log).
fuzz_log=$(mktemp)
fuzz_start=$SECONDS
# setsid: its own process group, so that an early exit stops the fuzzer too.
setsid bash scripts/test-fuzz.sh > "$fuzz_log" 2>&1 &
fuzz_run=$!
echo "== fuzzing (short run, scripts/test-fuzz.sh) started in the background"
node_status=0
wait "$node_install" || node_status=$?
node_install=
if ((node_status != 0)); then
  cat "$node_log" >&2
  echo "FAIL: clients/node's npm ci (in the background) failed" >&2
  exit 1
fi
rm -f "$node_log"
echo "== clients (scripts/test-clients.sh)"
bash scripts/test-clients.sh
echo "== sqld primary and replicas, Litestream (deploy/test.sh)"
bash deploy/test.sh
echo "== fuzzing (short run), waited for"
fuzz_status=0
wait "$fuzz_run" || fuzz_status=$?
fuzz_run=
cat "$fuzz_log"
rm -f "$fuzz_log"
echo "(fuzzing: $((SECONDS - fuzz_start)) s since it started)"
((fuzz_status == 0)) || { echo "FAIL: scripts/test-fuzz.sh (exit $fuzz_status)" >&2; exit 1; }
# The sanitizers' run is also the newest SQLite release's (scripts/test-sanitizers.sh
# says why); its enforcement differential takes the 1000 cases after the oldest's.
THEATER_ENFORCE_SEED=6000 bash scripts/test-sanitizers.sh --sqlite newest
bash scripts/test-cpp.sh
