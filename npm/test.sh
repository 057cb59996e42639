#!/usr/bin/env bash
# Test of the npm package theater-sqlite, the way a user gets it: packs the
# tarball (npm/pack.sh), checks its file list, installs it offline into a
# fresh temporary project, and runs npm/tests there with node --test, so that
# `import 'theater-sqlite'` is the installed package. better-sqlite3 and
# libsql are clients/node's install (bash clients/node/test.sh
# --install-only: npm ci there when node_modules is not up to date),
# symlinked into the project: better-sqlite3 is compiled once, not twice.
# Needs build/theater.so (bash scripts/build.sh).
# THEATER_SO names another extension file to pack (as for npm/pack.sh).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
so=${THEATER_SO:-$repo/build/theater.so}
[[ -f $so ]] || { echo "FAIL npm: $so is missing (bash scripts/build.sh)" >&2; exit 1; }
export THEATER_SO
THEATER_SO=$(realpath "$so")
cd "$repo"

bash clients/node/test.sh --install-only
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tarball=$(bash npm/pack.sh "$tmp/dist")
# What the package must carry: the extension, stripped as npm/pack.sh does.
strip --strip-unneeded -o "$tmp/theater.so" "$THEATER_SO"
version=$(node -p 'require("./npm/package.json").version')
[[ $tarball == "$tmp/dist/theater-sqlite-$version.tgz" ]] || { echo "FAIL npm: unexpected tarball $tarball" >&2; exit 1; }

# The tarball holds the extension, the entry points, their types, the README
# and the LICENSE, and nothing else.
expected="package/LICENSE
package/README.md
package/index.cjs
package/index.d.ts
package/index.mjs
package/package.json
package/theater.so"
files=$(tar -tzf "$tarball" | LC_ALL=C sort)
if [[ $files != "$expected" ]]; then
  echo "FAIL npm: $(basename "$tarball") holds:" >&2
  diff <(echo "$expected") <(echo "$files") >&2 || true
  exit 1
fi
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) kB): $(tr '\n' ' ' <<< "${files//package\//}")"

# The README shows the test's recipe lines as they are.
node - npm/tests/package-tests.mjs clients/README.md <<'JS'
const { readFileSync } = require('node:fs');
const [test, readme] = process.argv.slice(2).map((f) => readFileSync(f, 'utf8'));
const block = test.match(/\/\/ --- recipe ---\n([\s\S]*?)\n *\/\/ --- end of recipe ---/)[1];
const indent = Math.min(...block.split('\n').filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
const lines = block.split('\n').map((l) => l.slice(indent)).join('\n');
if (!readme.includes(lines)) {
  console.error(`FAIL npm: clients/README.md does not show the recipe of npm/tests/package-tests.mjs as it is:\n${lines}`);
  process.exit(1);
}
JS

app=$tmp/app
mkdir "$app"
echo '{ "name": "theater-npm-test", "private": true }' > "$app/package.json"
cd "$app"
# --- recipe (clients/README.md, "Node.js: the theater-sqlite package") ---
npm install --offline --no-audit --no-fund "$tarball"
# --- end of recipe ---
for client in better-sqlite3 libsql; do
  ln -s "$repo/clients/node/node_modules/$client" "node_modules/$client"
done
cp "$repo"/npm/tests/*.mjs .
echo "installed into a fresh project: theater-sqlite $(node -p 'require("theater-sqlite/package.json").version'), with clients/node's better-sqlite3 and libsql"
THEATER_REPO=$repo THEATER_SO=$tmp/theater.so node --test test-package.mjs test-better-sqlite3.mjs test-libsql.mjs
