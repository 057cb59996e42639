#!/usr/bin/env bash
# Builds the npm package theater-sqlite as a tarball, offline:
#   bash npm/pack.sh [DIR]          # DIR defaults to the repository's build/; prints the tarball's path
# Copies the built extension (build/theater.so, or the file named by
# THEATER_SO) into npm/, stripped of its debug information the way the .deb
# is (CPACK_STRIP_FILES; strip --strip-unneeded: 0.5 MB instead of 11), and
# the project's LICENSE (both .gitignored); checks that npm/package.json's
# version is the project's (CMakeLists.txt, the same string as SQL's
# theater_version()); then runs npm pack. Needs node, npm and strip
# (binutils), and the extension built first (bash scripts/build.sh).
# DIR and THEATER_SO may be relative to the current directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/build}
so=${THEATER_SO:-$root/build/theater.so}

[[ -f $so ]] || { echo "FAIL npm pack: $so is missing: build the extension first (bash scripts/build.sh)" >&2; exit 1; }
so=$(realpath "$so")
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cd "$root"
version=$(sed -nE 's/^project\(theater VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' CMakeLists.txt)
[[ -n $version ]] || { echo "FAIL npm pack: no 'project(theater VERSION x.y.z' in CMakeLists.txt" >&2; exit 1; }
package_version=$(node -p 'require("./npm/package.json").version')
if [[ $package_version != "$version" ]]; then
  echo "FAIL npm pack: npm/package.json has version $package_version, the project (CMakeLists.txt) $version;" \
       "set it with: (cd npm && npm pkg set version=$version)" >&2
  exit 1
fi

command -v strip > /dev/null || { echo "FAIL npm pack: no strip (apt-get install binutils)" >&2; exit 1; }
strip --strip-unneeded -o npm/theater.so "$so"
cp LICENSE npm/LICENSE
# --ignore-scripts: the prepack guard (theater.so and LICENSE are there) was
# just satisfied, and its output would mix with the JSON.
cd npm
json=$(npm pack --offline --json --ignore-scripts --pack-destination "$dest")
name=$(node -e 'console.log(JSON.parse(process.argv[1])[0].filename)' "$json")
echo "$dest/$name"
