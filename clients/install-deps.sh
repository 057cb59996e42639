#!/usr/bin/env bash
# Installs, from Debian's packages, what the client recipes need and this
# machine lacks; installs nothing when everything is there.
#   bash clients/install-deps.sh [shell|python|package|tcl|litecli|sqlitebrowser|node|odbc|pandas|r]...
# (no argument: all of them). Node.js and npm come from Debian (nodejs 18 on
# Debian 12) unless a `node` is already on PATH; npm's packages themselves are
# installed by scripts/test-clients.sh (npm ci in clients/node).
set -euo pipefail

packages_for() {
  case $1 in
    shell) echo sqlite3 ;;
    python) echo python3 python3-pytest sqlite-utils python3-sqlalchemy ;;
    # cmake, make, g++ and libsqlite3-dev: pip install ./python builds the extension from source.
    package) echo python3 python3-pytest python3-pip python3-venv sqlite3 cmake make g++ libsqlite3-dev ;;
    tcl) echo tcl libsqlite3-tcl ;;
    litecli) echo litecli sqlite3 ;;
    sqlitebrowser) echo sqlitebrowser xvfb x11-utils imagemagick fonts-dejavu-core sqlite3 ;;
    # node-gyp compiles better-sqlite3: a C++ compiler, make, Python.
    node) echo g++ make python3 ;;
    # unixODBC's isql and Debian's SQLite ODBC driver; gcc names the multiarch
    # directory the driver lives in; sqlite3 makes the reference output.
    odbc) echo unixodbc libsqliteodbc gcc sqlite3 ;;
    pandas) echo python3 python3-pytest python3-pandas python3-matplotlib sqlite3 ;;
    r) echo r-base-core r-cran-rsqlite r-cran-dbi sqlite3 ;;
    *) echo "clients/install-deps.sh: unknown client '$1'" >&2; return 2 ;;
  esac
}

groups=("$@")
((${#groups[@]})) || groups=(shell python package tcl litecli sqlitebrowser node odbc pandas r)
wanted=()
for g in "${groups[@]}"; do
  read -ra ps <<< "$(packages_for "$g")"
  wanted+=("${ps[@]}")
  # Debian's nodejs + npm (npm pulls node-gyp and libnode-dev, the headers
  # node-gyp builds against), unless this machine has a node already.
  if [[ $g == node ]] && ! command -v node > /dev/null; then wanted+=(nodejs npm); fi
done

bash "$(dirname "$0")/../scripts/apt-install.sh" "${wanted[@]}"
