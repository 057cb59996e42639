#!/usr/bin/env bash
# Recipe test: R with RSQLite (Debian's r-base-core, r-cran-rsqlite). Runs
# clients/r/casting.R on the demo data and compares its output with the
# sqlite3 shell's for the same queries.
set -euo pipefail
cd "$(dirname "$0")/../.."
source clients/demo_db.sh

if ! actual=$(Rscript clients/r/casting.R "$db" 2>&1); then
  echo "FAIL R: the recipe failed: $actual" >&2
  exit 1
fi
expected=$(sqlite3 -bail "$db" -cmd '.load ./build/theater' <<'SQL'
SELECT * FROM casting_sheet;
SELECT role_lead(1);
SELECT actor FROM role_actors(4);
SQL
)
if [[ $actual != "$expected" ]]; then
  echo "FAIL R: output differs from the sqlite3 shell's (- shell, + R):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
# Without the extension, the recipe must fail (a check that the test can).
if Rscript -e 'library(DBI); con <- dbConnect(RSQLite::SQLite(), commandArgs(TRUE)[1]);
               dbGetQuery(con, "SELECT role_lead(1)")' "$db" > /dev/null 2>&1; then
  echo "FAIL R: role_lead worked without loading the extension" >&2
  exit 1
fi
echo "R: casting_sheet, role_lead and role_actors read as the sqlite3 shell reads them"
