#!/usr/bin/env bash
# Tests the theater Python package offline (PIP_NO_INDEX=1: pip may not
# download anything) with pip's default build isolation:
#  1. build/theater.so there: `pip wheel python/` puts exactly that file into
#     the wheel; installed into a fresh venv, python/tests pass.
#  2. A fresh clone: in a copy of the repository's files as they are in the
#     working tree (tracked and untracked-but-not-ignored, so no build/), the
#     recipe of clients/README.md, `python3 -m venv .venv; .venv/bin/pip
#     install ./python`, builds the extension with CMake (about a minute);
#     python/tests pass against the installed package.
#  3. Without cmake, a C++ compiler, make or SQLite's headers, that build
#     stops with a message naming the Debian packages to install, not a
#     traceback.
#  4. The sdist (the backend's build_sdist) holds the package and every
#     source CMake needs: CMake configures it, pip installs it.
# python/tests run from outside the source tree, so that `import theater` is
# the installed package. Needs Debian's python3-pip, python3-venv,
# python3-pytest, cmake, make, g++, libsqlite3-dev, and build/theater.so
# (bash scripts/build.sh).
set -eEuo pipefail
trap 'echo "FAIL python package: line $LINENO of python/test.sh failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
repo=$PWD
[[ -f build/theater.so ]] || { echo "FAIL python package: build/theater.so is missing (bash scripts/build.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No index, no find-links, no pip.conf: nothing pip could install a build
# requirement from.
export PIP_NO_INDEX=1 PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL THEATER_SO THEATER_CMAKE_ARGS CXX
mkdir "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir  # where the backend's CMake build goes: checked for leftovers below

run_tests() {  # run_tests <venv python> <repository> [PYTHONPATH]
  (cd "$tmp" && THEATER_REPO=$2 PYTHONPATH=${3:-} "$1" -m pytest -q -p no:cacheprovider "$repo/python/tests")
}

# ---- 1. build/theater.so there: the wheel carries it --------------------------
/usr/bin/python3 -m pip wheel -q --no-deps -w "$tmp/dist" python/
wheel=$(basename "$tmp"/dist/theater-*.whl)
[[ $wheel == theater-$(sed -nE 's/^project\(theater VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)-py3-none-linux_*.whl ]] \
  || { echo "FAIL python package: unexpected wheel name $wheel" >&2; exit 1; }
/usr/bin/python3 -m zipfile -e "$tmp/dist/$wheel" "$tmp/unzipped"
cmp build/theater.so "$tmp/unzipped/theater/theater.so" \
  || { echo "FAIL python package: $wheel's theater/theater.so is not build/theater.so" >&2; exit 1; }
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/pip" install -q --no-deps "$tmp/dist/$wheel"
echo "1. built $wheel from build/theater.so (the same bytes); installed into a fresh venv"
run_tests "$tmp/venv/bin/python" "$repo"

# ---- 2. a fresh clone, no build/: pip install ./python builds with CMake ------
mkdir "$tmp/src"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  # What a clone has, as the working tree has it (uncommitted changes and new files too).
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do if [[ -e $f ]]; then printf '%s\0' "$f"; fi; done \
    | tar --null -T - -cf - | tar -xf - -C "$tmp/src"
  copied="the repository's files (git ls-files)"
else  # no git (a tarball of the tree): everything but what builds and tools leave
  tar --exclude=./.git --exclude='./build*' --exclude=node_modules --exclude=.venv \
      --exclude=__pycache__ --exclude=.pytest_cache --exclude='*.so' -cf - . | tar -xf - -C "$tmp/src"
  copied="the tree without build*/ and *.so (no git)"
fi
[[ -f $tmp/src/CMakeLists.txt && ! -e $tmp/src/build && -z $(find "$tmp/src" -name '*.so') ]] \
  || { echo "FAIL python package: the copy of the sources has no CMakeLists.txt, or has build/ or a .so" >&2; exit 1; }
cd "$tmp/src"
t=$SECONDS
# --- recipe (clients/README.md, "Python package") ---
/usr/bin/python3 -m venv .venv
.venv/bin/pip install ./python
# --- end of recipe ---
echo "2. in a copy of $copied, pip install ./python built the extension with CMake and installed it in $((SECONDS - t)) s"
[[ ! -e $tmp/src/build ]] || { echo "FAIL python package: the source build wrote build/ into the tree" >&2; exit 1; }
if compgen -G "$TMPDIR/theater-cmake-*" > /dev/null; then
  echo "FAIL python package: the CMake build directory was left behind: $(echo "$TMPDIR"/theater-cmake-*)" >&2; exit 1
fi
# The recipe's venv has no pytest: Debian's, through PYTHONPATH.
run_tests "$tmp/src/.venv/bin/python" "$tmp/src" /usr/lib/python3/dist-packages

# ---- 3. no cmake, compiler, make or SQLite headers: a message, no traceback ---
mkdir "$tmp/no-tools" "$tmp/cmake-only" "$tmp/no-make"
ln -s "$(command -v cmake)" "$tmp/cmake-only/cmake"
ln -s "$(command -v cmake)" "$tmp/no-make/cmake"
ln -s "$(command -v g++)" "$tmp/no-make/g++"
expect_failure() {  # expect_failure <message> [VAR=value...]: building the wheel fails with it
  if env "${@:2}" /usr/bin/python3 -m pip wheel --no-deps -w "$tmp/never" "$tmp/src/python" > "$tmp/fail.log" 2>&1; then
    echo "FAIL python package: the wheel built with ${*:2}" >&2; exit 1
  fi
  if ! grep -qF "$1" "$tmp/fail.log" || grep -q Traceback "$tmp/fail.log"; then
    cat "$tmp/fail.log" >&2
    echo "FAIL python package: with ${*:2}, no '$1' or a traceback" >&2; exit 1
  fi
}
install="apt-get install cmake make g++ libsqlite3-dev"
expect_failure "no cmake to build it: $install" PATH="$tmp/no-tools"
expect_failure "there is no C++ compiler (c++, g++, clang++) to build the extension with: $install" PATH="$tmp/cmake-only"
expect_failure "there is no make for CMake's Unix Makefiles (or set CMAKE_GENERATOR=Ninja): $install" PATH="$tmp/no-make"
# CMake looks for sqlite3ext.h under a directory that has none.
expect_failure "configuring the extension with CMake failed" \
  THEATER_CMAKE_ARGS="-DCMAKE_FIND_ROOT_PATH=$tmp/no-tools -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY"
grep -qF "SQLite's headers: $install" "$tmp/fail.log"
echo "3. without cmake, a C++ compiler, make or SQLite's headers, the build says what to apt-get install"

# ---- 4. the sdist: the package and every source CMake needs ------------------
cd "$repo"
sdist=$(PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c 'import sys; sys.path.insert(0, "python/backend"); import theater_backend as b; print(b.build_sdist(sys.argv[1]))' "$tmp/sdist")
tar -xzf "$tmp/sdist/$sdist" -C "$tmp/sdist"
unpacked=$tmp/sdist/${sdist%.tar.gz}
missing=$(find CMakeLists.txt LICENSE cmake ext migrations python/theater python/backend -type f -not -path '*/__pycache__/*' \
  | sed 's|^python/||' | while read -r f; do if [[ ! -f $unpacked/$f ]]; then echo "$f"; fi; done)
[[ -z $missing ]] || { echo "FAIL python package: $sdist lacks $missing" >&2; exit 1; }
cmake -S "$unpacked" -B "$tmp/sdist-build" -DTHEATER_BUILD_TESTING=OFF > "$tmp/sdist-cmake.log" 2>&1 \
  || { cat "$tmp/sdist-cmake.log" >&2; echo "FAIL python package: CMake cannot configure $sdist" >&2; exit 1; }
# Installing it builds a wheel from it (THEATER_SO spares a second compilation).
THEATER_SO=$repo/build/theater.so "$tmp/venv/bin/pip" install -q --no-deps --force-reinstall "$tmp/sdist/$sdist"
echo "4. $sdist holds the package and the extension's sources; CMake configures it; it installs"
run_tests "$tmp/venv/bin/python" "$repo"
