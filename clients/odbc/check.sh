#!/usr/bin/env bash
# Checks that an ODBC DSN loads theater: connects with isql and asks
# SELECT theater_version(). Debian's SQLite ODBC driver only prints a warning
# when LoadExt= names nothing it can load, and connects anyway; isql exits 0
# even when a statement fails. Run this right after configuring a DSN:
#   bash clients/odbc/check.sh <DSN>
set -euo pipefail
dsn=${1:?usage: check.sh <DSN>}
out=$(echo "SELECT theater_version();" | isql -b -d'|' "$dsn" 2>&1) || true
if [[ ! $out =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "theater is not loaded on DSN $dsn (check its LoadExt= path); isql said: $out" >&2
  exit 1
fi
echo "theater $out is loaded on DSN $dsn"
