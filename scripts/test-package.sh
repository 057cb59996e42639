#!/usr/bin/env bash
# Tests installing and packaging (issue 7, "Install and packages"):
#  1. builds the extension alone (-DTHEATER_BUILD_TESTING=OFF) into
#     build-package/, configured for the prefix /usr as a Debian package is;
#  2. `cmake --install build-package --prefix <tmp>`: checks the line it prints
#     and that the .so it names is there and loads;
#  3. `cpack -G DEB`: checks the package's files (dpkg-deb -c) and control
#     fields (dpkg-deb -f);
#  4. extracts the package (dpkg-deb -x) into a temporary directory and loads
#     the extracted .so in /usr/bin/sqlite3, or, with THEATER_PACKAGE_INSTALL=1,
#     installs it into this system with dpkg -i (as root or through sudo) and
#     loads it from /usr/lib/<multiarch>/sqlite3/; it stays installed
#     (remove it with: dpkg -r theater-sqlite).
# The temporary directory is removed at the end, pass or fail; build-package/
# is kept so that a second run only rebuilds what changed. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-package
version=$(sed -n 's/^project(theater VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
arch=$(dpkg --print-architecture)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_equal() {  # what, got, expected
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}
# Loads an extension (path without .so) in the system's sqlite3 shell and
# prints theater_version().
load_version() {
  /usr/bin/sqlite3 :memory: ".load $1" "SELECT theater_version();" 2>&1
}

echo "== build ($build/, prefix /usr, no test targets)"
cmake -S . -B "$build" -DCMAKE_INSTALL_PREFIX=/usr -DTHEATER_BUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
pass "built $build/theater.so"

echo "== cmake --install $build --prefix <tmp>/prefix"
prefix="$tmp/prefix"
installed="$prefix/lib/$multiarch/sqlite3/theater.so"
install_log=$(cmake --install "$build" --prefix "$prefix")
expected_line="-- theater: installed $installed; load it with .load ${installed%.so}"
if grep -qxF -- "$expected_line" <<<"$install_log"; then
  pass "install prints where the .so went"
else
  fail "install did not print '$expected_line'; it printed:"$'\n'"$install_log"
fi
if [[ -f "$installed" ]]; then pass "installed $installed"; else fail "no file $installed"; fi
check_equal "the installed .so loads" "$(load_version "${installed%.so}")" "$version"
for doc in LICENSE CHANGELOG.md; do
  if [[ -f "$prefix/share/doc/theater-sqlite/$doc" ]]; then pass "installed $doc"; else fail "no $doc installed"; fi
done

echo "== cpack -G DEB"
rm -f "$build"/theater-sqlite_*.deb
cpack_log=$(cd "$build" && cpack -G DEB 2>&1)
if grep -q "Warning" <<<"$cpack_log"; then fail "cpack warned:"$'\n'"$cpack_log"; else pass "cpack ran without warnings"; fi
deb="$build/theater-sqlite_${version}_${arch}.deb"
if [[ -f "$deb" ]]; then pass "built $deb"; else fail "no $deb"; ls "$build"/*.deb >&2 || true; exit 1; fi

contents=$(dpkg-deb -c "$deb")
so_entry="./usr/lib/$multiarch/sqlite3/theater.so"
if awk '{print $NF}' <<<"$contents" | grep -qxF "$so_entry"; then
  pass "the package holds ${so_entry#./}"
else
  fail "the package has no ${so_entry#./}; it holds:"$'\n'"$contents"
fi
check_equal "Package" "$(dpkg-deb -f "$deb" Package)" "theater-sqlite"
check_equal "Version" "$(dpkg-deb -f "$deb" Version)" "$version"
check_equal "Architecture" "$(dpkg-deb -f "$deb" Architecture)" "$arch"
check_equal "Depends" "$(dpkg-deb -f "$deb" Depends)" "libsqlite3-0 (>= 3.34)"
maintainer=$(dpkg-deb -f "$deb" Maintainer)
if [[ "$maintainer" =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]]; then
  pass "Maintainer '$maintainer'"
else
  fail "Maintainer '$maintainer' is not 'Name <email>'"
fi
description=$(dpkg-deb -f "$deb" Description)
check_equal "Description (first line)" "$(head -n1 <<<"$description")" \
  "The theater casting model as a SQLite loadable extension"
if [[ $(wc -l <<<"$description") -gt 1 ]]; then pass "Description has a long part"; else fail "Description has no long part"; fi

if [[ "${THEATER_PACKAGE_INSTALL:-0}" == 1 ]]; then
  echo "== dpkg -i (THEATER_PACKAGE_INSTALL=1: into this system)"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" dpkg -i "$deb" >/dev/null
  check_equal "dpkg knows theater-sqlite" "$(dpkg-query -W -f='${Status} ${Version}' theater-sqlite)" \
    "install ok installed $version"
  check_equal "the installed package loads" "$(load_version "/usr/lib/$multiarch/sqlite3/theater")" "$version"
  echo "theater-sqlite stays installed; remove it with: dpkg -r theater-sqlite"
else
  echo "== dpkg-deb -x into <tmp>/root (THEATER_PACKAGE_INSTALL=1 installs with dpkg -i instead)"
  dpkg-deb -x "$deb" "$tmp/root"
  extracted="$tmp/root/usr/lib/$multiarch/sqlite3/theater"
  check_equal "the extracted .so loads" "$(load_version "$extracted")" "$version"
  migrated=$(/usr/bin/sqlite3 :memory: ".load $extracted" \
    "SELECT theater_migrate(); SELECT count(*) FROM sqlite_master WHERE name = 'casting_sheet';" 2>&1)
  check_equal "the extracted .so migrates" "$migrated" "$(ls migrations/*.sql | wc -l)"$'\n'"1"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "package tests passed"
