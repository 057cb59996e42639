#!/usr/bin/env bash
# Recipe test: Evidence's SQLite connector (@evidence-dev/sqlite 2.0.9), the
# driver of a BI tool that opens its own read-only connections and cannot
# load an extension, reads the plain views: casting_sheet (migration 4),
# role_actors_view (migration 6) and a declared relationship's view
# ({"view": ...}), each with the rows the extension's function gives.
#
# A separate command (`bash scripts/test-clients.sh evidence`), not part of
# scripts/test.sh: its npm install compiles node-sqlite3 and the SQLite it
# bundles (about a minute and a half on 2 cores). node-gyp builds against the
# headers of the node that runs it, found offline in /usr/include/node (as
# clients/node/test.sh explains).
set -euo pipefail
cd "$(dirname "$0")"

node_version=$(node -p process.versions.node)
stamp="$(sha256sum package-lock.json | cut -d' ' -f1) node-$node_version"
if [[ -f node_modules/.theater-stamp && $(cat node_modules/.theater-stamp) == "$stamp" ]]; then
  echo "node_modules is up to date for package-lock.json and node $node_version: npm ci skipped"
else
  # --- recipe (clients/README.md, "Evidence") ---
  npm_config_nodedir=/usr npm ci --no-audit --no-fund
  # --- end of recipe ---
  echo "$stamp" > node_modules/.theater-stamp
fi

repo=$(cd ../.. && pwd)
cd "$repo"
source clients/demo_db.sh
cd clients/evidence
sqlite3 -bail "$db" -cmd ".load $repo/build/theater" \
  "SELECT theater_relate('hires', 'roles', 'auditions', '{\"view\": \"hires_view\"}')" > /dev/null
# What the extension's functions answer, as JSON rows (the shell's .mode json).
json() { sqlite3 -bail -json "$db" -cmd ".load $repo/build/theater" "$1"; }
{
  echo '{"casting":'
  json "SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor FROM role_casting"
  echo ',"actors":'
  json "SELECT r.id AS role_id, a.actor FROM roles AS r, role_actors(r.id) AS a ORDER BY r.id"
  echo ',"hires":'
  json "SELECT r.id AS role_id, h.id, h.actor FROM roles AS r, hires(r.id) AS h ORDER BY r.id"
  echo '}'
} > "$tmp/expected.json"

version_of() { node -p "require('./node_modules/$1/package.json').version"; }
echo "node $node_version, @evidence-dev/sqlite $(version_of @evidence-dev/sqlite)," \
     "node-sqlite3 $(version_of sqlite3) (SQLite $(node -p "require('sqlite3').VERSION"))"
THEATER_DB=$db THEATER_EXPECTED=$tmp/expected.json npm test
