#!/usr/bin/env bash
# Builds the extension with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-asan/) and runs the whole Python-driven suite against that build.
#
# An ASan-built .so inside /usr/bin/python3 or the sqlite3 shell needs the ASan
# runtime loaded first (LD_PRELOAD); the leak checker would then report the
# host's own leaks (Python's), so it is off here: the extension's leaks are
# checked by the C++ tests under valgrind (scripts/test-cpp.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON \
  -DCMAKE_CXX_FLAGS="$flags" >/dev/null
# Only what pytest loads and runs: the C++ tests run natively and under
# valgrind (scripts/test-cpp.sh), not here.
cmake --build build-asan -j"$(nproc)" --target theater theater_failing_migrations theater_cancel_at old_sqlite_host >/dev/null
export LD_PRELOAD="$(g++ -print-file-name=libasan.so):$(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export THEATER_BUILD="$PWD/build-asan"
# The cancellation sweeps stop every call at every step; under the sanitizers
# every 5th step covers the same code paths in a fifth of the time.
export THEATER_SWEEP_STRIDE="${THEATER_SWEEP_STRIDE:-5}"
# The same for the enforcement differential: 1000 of its cases.
export THEATER_ENFORCE_CASES="${THEATER_ENFORCE_CASES:-1000}"
# And for the crash tests: every 3rd kill point (they test SQLite's recovery,
# which the sanitizers do not instrument).
export THEATER_CRASH_STRIDE="${THEATER_CRASH_STRIDE:-3}"
/usr/bin/python3 -m pytest -q -p no:cacheprovider -n 2 tests "$@"
