#!/usr/bin/env bash
# Recipe test: ODBC (unixODBC's isql with Debian's SQLite ODBC driver,
# libsqliteodbc), the way Tableau, Power BI, Excel and LibreOffice reach
# SQLite. The DSN loads the extension through the driver's LoadExt=
# attribute. The driver only warns when LoadExt names nothing it can load
# and connects anyway, so the recipe checks the connection with
# SELECT theater_version() before anything else (clients/odbc/check.sh),
# and this test proves that the check fails loudly on a wrong path.
set -euo pipefail
cd "$(dirname "$0")/../.."
source clients/demo_db.sh

source clients/odbc/dsn.sh

# --- recipe: check that the extension loaded, then query ---
bash clients/odbc/check.sh theater

queries='SELECT theater_version();
SELECT role_lead(1);
SELECT role_understudy(3);
SELECT id, actor, hired FROM role_auditions(1);
SELECT * FROM role_actors(4);
SELECT id, character_name FROM audition_role(5);
SELECT * FROM role_casting WHERE role_id = 2;
SELECT * FROM casting_sheet;
SELECT * FROM role_actors_view WHERE role_id = 2;
SELECT call_back(4);
SELECT role_lead(2), role_understudy(2);'
# What the sqlite3 shell, another client of the same database, answers (on
# a copy: call_back writes).
cp "$db" "$tmp/reference.db"
expected=$(sqlite3 -bail "$tmp/reference.db" -cmd '.load ./build/theater' <<< "$queries")
[[ $expected == "$(sed -n 's/.*project(theater VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"$'\n'* ]] || {
  echo "FAIL odbc: the reference output does not start with the version: $expected" >&2
  exit 1
}
if ! actual=$(isql -b -d'|' theater 2>&1 <<< "$queries"); then
  echo "FAIL odbc: isql failed: $actual" >&2
  exit 1
fi
if [[ $actual != "$expected" ]]; then
  echo "FAIL odbc: output differs from the expected one (- expected, + actual):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi

# A wrong LoadExt path: the driver connects anyway; the recipe's check must
# refuse the connection, loudly.
dsn /nonexistent/theater
if out=$(bash clients/odbc/check.sh theater 2>&1); then
  echo "FAIL odbc: the check accepted a DSN whose LoadExt names nothing: $out" >&2
  exit 1
fi
if [[ $out != *"theater is not loaded"* ]]; then
  echo "FAIL odbc: the check failed without saying why: $out" >&2
  exit 1
fi
# A BI tool that never loads the extension: a DSN without LoadExt= reads
# the plain views (migrations 4 and 6) as the extension's functions give
# them, and the functions are not there.
cat > "$tmp/odbc.ini" <<INI
[plain]
Driver=theater-sqlite3
Database=$db
INI
views='SELECT * FROM casting_sheet;
SELECT role_id, actor FROM role_actors_view WHERE role_id = 2;'
functions='SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor FROM role_casting;
SELECT 2, actor FROM role_actors(2);'
expected=$(sqlite3 -bail "$db" -cmd '.load ./build/theater' <<< "$functions")
if ! actual=$(isql -b -d'|' plain 2>&1 <<< "$views") || [[ $actual != "$expected" ]]; then
  echo "FAIL odbc: without the extension, the views differ from the functions (- functions, + views):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
# (isql exits 0 whatever a statement does: its -v message says.)
out=$(isql -v -b plain 2>&1 <<< 'SELECT role_lead(1);' || true)
if [[ $out != *"no such function: role_lead"* ]]; then
  echo "FAIL odbc: role_lead did not fail on a DSN without LoadExt=, so the views may not have been read" \
       "without the extension: $out" >&2
  exit 1
fi
echo "odbc: isql read every function and view, call_back hired, a wrong LoadExt was refused;" \
     "without LoadExt= the views gave the functions' rows"
