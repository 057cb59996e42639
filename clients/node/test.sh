#!/usr/bin/env bash
# Recipe test: Node.js through libsql and better-sqlite3, at the exact versions
# of package-lock.json. Installs them with `npm ci` (skipped when node_modules
# already holds this lockfile's install for this node), then runs `npm test`.
#
# better-sqlite3 has no prebuilt binary we can download here, so it is built
# from source by node-gyp against the headers of the node that runs it, found
# offline in /usr/include/node (Debian: libnode-dev, pulled in by npm; the
# nodesource nodejs package ships them too). libsql's binary comes inside its
# registry package (@libsql/linux-x64-gnu).
#   bash clients/node/test.sh [--install-only]
# --install-only stops after the install (npm/test.sh uses these node_modules).
set -euo pipefail
cd "$(dirname "$0")"

node_version=$(node -p process.versions.node)
header=/usr/include/node/node_version.h
header_version=
if [[ -f $header ]]; then
  header_version=$(awk '/#define NODE_(MAJOR|MINOR|PATCH)_VERSION /{v = v (v ? "." : "") $3} END {print v}' "$header")
fi
if [[ $header_version != "$node_version" ]]; then
  echo "FAIL node: node $node_version needs its own headers in /usr/include/node to build better-sqlite3" \
       "(found: ${header_version:-none}). On Debian: apt-get install libnode-dev (with Debian's nodejs)." >&2
  exit 1
fi

stamp="$(sha256sum package-lock.json | cut -d' ' -f1) node-$node_version"
if [[ -f node_modules/.theater-stamp && $(cat node_modules/.theater-stamp) == "$stamp" ]]; then
  echo "node_modules is up to date for package-lock.json and node $node_version: npm ci skipped"
else
  # --- recipe (clients/README.md, "Node.js") ---
  npm_config_nodedir=/usr npm_config_build_from_source=true npm ci --no-audit --no-fund
  # --- end of recipe ---
  echo "$stamp" > node_modules/.theater-stamp
fi
[[ ${1:-} == --install-only ]] && exit 0
version_of() { node -p "require('./node_modules/$1/package.json').version"; }
echo "node $node_version, npm $(npm --version), libsql $(version_of libsql), better-sqlite3 $(version_of better-sqlite3)"
npm test
