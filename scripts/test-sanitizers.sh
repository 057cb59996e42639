#!/usr/bin/env bash
# Builds the extension with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-asan/) and runs the whole Python-driven suite against that build.
#   bash scripts/test-sanitizers.sh                   # on the system's SQLite
#   bash scripts/test-sanitizers.sh --sqlite newest   # on another release, built as
#                                                     # scripts/test-sqlite-versions.sh builds it
#   bash scripts/test-sanitizers.sh --build-only      # builds build-asan/, runs nothing
# Other arguments go to pytest.
#
# scripts/test.sh runs it on the newest SQLite release: one run is both the
# sanitizers' and the newest release's (the release-built extension runs the
# whole suite on Debian's SQLite and on the oldest supported release). It is
# the same code: what a release changes shows in a Debug build as in a
# Release one.
#
# An ASan-built .so inside /usr/bin/python3 or the sqlite3 shell needs the ASan
# runtime loaded first (LD_PRELOAD); the leak checker would then report the
# host's own leaks (Python's), so it is off here: the extension's leaks are
# checked by the C++ tests under valgrind (scripts/test-cpp.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
release=
build_only=
while (($#)); do
  case $1 in
    --sqlite) release=${2:?--sqlite needs a release (newest, oldest, 3.34.0...)}; shift 2 ;;
    --build-only) build_only=1; shift ;;
    *) break ;;
  esac
done
# The release first: its download and build need neither the sanitizers nor
# LD_PRELOAD (npm and gcc must not run with the ASan runtime preloaded).
sqlite_dir=
if [[ -n $release && -z $build_only ]]; then
  sqlite_dir=$(bash scripts/test-sqlite-versions.sh --build-only "$release")
fi
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON \
  -DCMAKE_CXX_FLAGS="$flags" >/dev/null
# Only what pytest loads and runs: the C++ tests run natively and under
# valgrind (scripts/test-cpp.sh), not here.
cmake --build build-asan -j"$(nproc)" --target theater theater_failing_migrations theater_cancel_at old_sqlite_host >/dev/null
[[ -z $build_only ]] || exit 0
if [[ -n $sqlite_dir ]]; then
  version=$(basename "$sqlite_dir")  # test-sqlite-versions.sh builds a release into build-sqlite/<version>
  echo "== pytest under ASan/UBSan (build-asan/) on SQLite $version ($sqlite_dir)"
  # As scripts/test-sqlite-versions.sh runs the suite there: that release's
  # library and shell, and the suite stops if it finds another.
  export LD_LIBRARY_PATH="$PWD/$sqlite_dir/lib" PATH="$PWD/$sqlite_dir/bin:$PATH" THEATER_EXPECT_SQLITE=$version
else
  echo "== pytest under ASan/UBSan (build-asan/)"
fi
export LD_PRELOAD="$(g++ -print-file-name=libasan.so):$(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export THEATER_BUILD="$PWD/build-asan"
# The cancellation sweeps stop every call at every step, three ways in each
# of two transaction modes; under the sanitizers each way takes every 6th step
# from an offset of its own: half of each mode's steps (three consecutive in
# every six), each one way, in a sixth of the time.
export THEATER_SWEEP_STRIDE="${THEATER_SWEEP_STRIDE:-6}"
# The same for the enforcement differential: 1000 of its cases.
export THEATER_ENFORCE_CASES="${THEATER_ENFORCE_CASES:-1000}"
# And for the crash tests: every 3rd kill point (they test SQLite's recovery,
# which the sanitizers do not instrument).
export THEATER_CRASH_STRIDE="${THEATER_CRASH_STRIDE:-3}"
start=$SECONDS
/usr/bin/python3 -m pytest -q -p no:cacheprovider -n 2 tests "$@"
echo "(pytest under ASan/UBSan: $((SECONDS - start)) s)"
