#!/usr/bin/env bash
# Builds the theater wheel offline from build/theater.so, installs it into a
# fresh venv (/usr/bin/python3 -m venv --system-site-packages, so Debian's
# pytest is there) and runs python/tests against the installed package.
# Needs Debian's python3-setuptools, python3-wheel, python3-pip, python3-venv
# and python3-pytest, and build/theater.so (bash scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
[[ -f build/theater.so ]] || { echo "FAIL python package: build/theater.so is missing (bash scripts/build.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- recipe (clients/README.md, "Python package") ---
/usr/bin/python3 -m pip wheel --no-deps --no-build-isolation -w "$tmp/dist" python/ > "$tmp/wheel.log" 2>&1 \
  || { cat "$tmp/wheel.log" >&2; echo "FAIL python package: the wheel did not build" >&2; exit 1; }
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/pip" install --no-index --no-deps -q "$tmp"/dist/theater-*.whl
# --- end of recipe ---

wheel=$(basename "$tmp"/dist/theater-*.whl)
echo "built $wheel; installed into a fresh venv"
# The wheel must carry the extension.
/usr/bin/python3 -m zipfile -l "$tmp/dist/$wheel" | grep 'theater/theater.so' > /dev/null \
  || { echo "FAIL python package: $wheel has no theater/theater.so" >&2; exit 1; }
# Run from outside the source tree, so that `import theater` is the installed package.
cd "$tmp"
THEATER_REPO=$repo "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider "$repo/python/tests"
