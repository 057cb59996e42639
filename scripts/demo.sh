#!/usr/bin/env bash
# The main job: install what is missing, build the extension, create a demo
# database from the migrations and sql/demo_data.sql, and tour it through the
# sqlite3 shell. Safe to re-run: the demo database is made anew each time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh demo
bash scripts/build.sh -DTHEATER_BUILD_TESTING=OFF >/dev/null
db=build/demo.db
rm -f "$db" "$db-wal" "$db-shm"
sqlite3 -bail "$db" -cmd '.load ./build/theater' < sql/demo_data.sql >/dev/null
sqlite3 -bail "$db" -cmd '.load ./build/theater' < sql/tour.sql
echo
echo "Demo database: $db   Explore it with:  sqlite3 $db -cmd '.load ./build/theater'"
