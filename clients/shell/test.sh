#!/usr/bin/env bash
# Recipe test: the sqlite3 shell (Debian package sqlite3) with .load.
# Feeds the shell the recipe's lines from clients/README.md and compares its
# output with what sql/demo_data.sql gives.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/casting.db

# --- recipe: create a demo database ---
sqlite3 -bail "$db" -cmd '.load ./build/theater' < sql/demo_data.sql > /dev/null

# --- recipe: query it ---
if ! actual=$(sqlite3 -bail "$db" 2>&1 <<'SQL'
.load ./build/theater
SELECT role_lead(1);
SELECT id, actor, hired FROM role_auditions(1);
SQL
); then
  echo "FAIL sqlite3 shell: the recipe's lines failed:" >&2
  echo "$actual" >&2
  exit 1
fi

expected='2
1|Sam Waterston|0
2|Kevin Kline|1
3|Ethan Hawke|1'
if [[ $actual != "$expected" ]]; then
  echo "FAIL sqlite3 shell: output differs from the expected one (- expected, + actual):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi

# Without .load the shell must not know role_lead (a check that the test can fail).
if err=$(sqlite3 -bail "$db" 'SELECT role_lead(1);' 2>&1); then
  echo "FAIL sqlite3 shell: role_lead worked without .load: $err" >&2
  exit 1
fi
[[ $err == *"no such function: role_lead"* ]] || { echo "FAIL sqlite3 shell: unexpected error: $err" >&2; exit 1; }
echo "ok sqlite3 shell $(sqlite3 -version | cut -d' ' -f1): role_lead(1) = 2, role_auditions(1) = 3 rows"
