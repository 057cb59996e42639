#!/usr/bin/env bash
# Installs, from Debian's packages, what the client recipes need and this
# machine lacks; installs nothing when everything is there.
#   bash clients/install-deps.sh [shell|python|package|tcl|litecli|sqlitebrowser|node|npm|odbc|pandas|r|libreoffice|evidence]...
#   bash clients/install-deps.sh python-modules   # the groups that install Python modules
# (no argument: all of them but evidence and libreoffice, which only their
# separate commands ask for; libreoffice is about 90 MB to download and 77 s
# to install here). Node.js and npm come from Debian (nodejs 18 on
# Debian 12) unless a `node` is already on PATH; npm's packages themselves are
# installed by scripts/test-clients.sh (npm ci in clients/node; npm/test.sh,
# the theater-sqlite package's test, reuses that install).
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
    # npm/test.sh packs and installs theater-sqlite, then runs it with
    # clients/node's better-sqlite3 and libsql (npm ci there if needed).
    npm) echo g++ make python3 ;;
    # unixODBC's isql and Debian's SQLite ODBC driver; gcc names the multiarch
    # directory the driver lives in; sqlite3 makes the reference output.
    odbc) echo unixodbc libsqliteodbc gcc sqlite3 ;;
    pandas) echo python3 python3-pytest python3-pandas python3-matplotlib sqlite3 ;;
    r) echo r-base-core r-cran-rsqlite r-cran-dbi sqlite3 ;;
    # LibreOffice Calc headless over the ODBC DSN: Calc, Base (its database
    # access and ODBC driver), the Python bridge, a font for the PDF,
    # pdftotext and pdftoppm; then what the ODBC recipe needs.
    # node-gyp compiles node-sqlite3 (and its SQLite); sqlite3 makes the expected rows.
    evidence) echo g++ make python3 sqlite3 ;;
    libreoffice) echo libreoffice-calc libreoffice-base python3-uno fonts-dejavu-core poppler-utils unixodbc libsqliteodbc gcc sqlite3 ;;
    *) echo "clients/install-deps.sh: unknown client '$1'" >&2; return 2 ;;
  esac
}

# The groups whose packages put modules where Debian's python3 finds them:
# scripts/test.sh installs them before any test runs (sqlite_utils imports
# numpy and pandas when they are there, and fails on a half-unpacked one).
python_module_groups=(python package pandas litecli)
groups=()
for g in "$@"; do
  if [[ $g == python-modules ]]; then groups+=("${python_module_groups[@]}"); else groups+=("$g"); fi
done
((${#groups[@]})) || groups=(shell python package tcl litecli sqlitebrowser node npm odbc pandas r)
wanted=()
for g in "${groups[@]}"; do
  read -ra ps <<< "$(packages_for "$g")"
  wanted+=("${ps[@]}")
  # Debian's nodejs + npm (npm pulls node-gyp and libnode-dev, the headers
  # node-gyp builds against), unless this machine has a node already.
  if [[ $g == node || $g == npm || $g == evidence ]] && ! command -v node > /dev/null; then wanted+=(nodejs npm); fi
done

bash "$(dirname "$0")/../scripts/apt-install.sh" "${wanted[@]}"
