#!/usr/bin/env bash
# Tests every client recipe of clients/README.md and the Python package:
#   bash scripts/test-clients.sh                 # all of them but libreoffice and evidence
#   bash scripts/test-clients.sh node tcl        # some: shell python package tcl litecli node npm sqlitebrowser odbc pandas r libreoffice evidence
# libreoffice (LibreOffice Calc over ODBC) is not in the default list: its
# packages take about 77 s to install here and its test about 30 s, so it is
# its own command, `bash scripts/test-clients.sh libreoffice`. Nor is
# evidence (Evidence's SQLite connector, a BI driver that cannot load the
# extension, reading the plain views): its npm install compiles
# node-sqlite3 and its SQLite, about 70 s here.
# Installs what is missing (Debian packages through clients/install-deps.sh,
# npm packages with npm ci in clients/node, which npm/test.sh reuses), builds
# build/theater.so with scripts/build.sh if it is missing, then runs each
# client's test and prints what ran. Safe to run again. Exits non-zero if
# any client failed.
set -uo pipefail
cd "$(dirname "$0")/.."

all=(shell python package tcl litecli node npm sqlitebrowser odbc pandas r)
extra=(libreoffice evidence)  # only when named
selected=("$@")
((${#selected[@]})) || selected=("${all[@]}")

command_for() {
  case $1 in
    shell) echo "bash clients/shell/test.sh" ;;
    python) echo "/usr/bin/python3 -m pytest -q -p no:cacheprovider clients/python" ;;
    package) echo "bash python/test.sh" ;;
    tcl) echo "tclsh clients/tcl/test.tcl" ;;
    litecli) echo "bash clients/litecli/test.sh" ;;
    node) echo "bash clients/node/test.sh" ;;
    npm) echo "bash npm/test.sh" ;;
    sqlitebrowser) echo "bash clients/sqlitebrowser/test.sh" ;;
    odbc) echo "bash clients/odbc/test.sh" ;;
    pandas) echo "/usr/bin/python3 -m pytest -q -p no:cacheprovider clients/pandas" ;;
    r) echo "bash clients/r/test.sh" ;;
    libreoffice) echo "bash clients/libreoffice/test.sh" ;;
    evidence) echo "bash clients/evidence/test.sh" ;;
    *) return 1 ;;
  esac
}
for c in "${selected[@]}"; do
  command_for "$c" > /dev/null || { echo "unknown client '$c'; known: ${all[*]} ${extra[*]}" >&2; exit 2; }
done

start=$SECONDS
echo "== installing what is missing for: ${selected[*]}"
bash clients/install-deps.sh "${selected[@]}" || { echo "FAIL: could not install the clients' packages" >&2; exit 1; }
if [[ ! -f build/theater.so ]]; then
  echo "== build/theater.so is missing: building it (scripts/build.sh, without the test targets)"
  { bash scripts/install-deps.sh demo && bash scripts/build.sh -DTHEATER_BUILD_TESTING=OFF; } || { echo "FAIL: the build failed" >&2; exit 1; }
fi

passed=() failed=()
for c in "${selected[@]}"; do
  cmd=$(command_for "$c")
  echo
  echo "== $c: $cmd"
  t=$SECONDS
  if $cmd; then passed+=("$c"); status=ok; else failed+=("$c"); status=FAILED; fi
  echo "-- $c: $status ($((SECONDS - t)) s)"
done

echo
echo "== clients passed: ${passed[*]:-none}"
((${#failed[@]} == 0)) || echo "== clients FAILED: ${failed[*]}"
echo "== took $((SECONDS - start)) s"
echo "${#passed[@]} passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
