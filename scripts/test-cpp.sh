#!/usr/bin/env bash
# The C++ tests (tests/cpp, GoogleTest): out-of-memory along every path of the
# extension, through SQLite's allocator (SQLITE_CONFIG_MALLOC) and through C++
# operator new, with a real SQLite loading build/theater.so.
#   1. builds build/ with the tests (the main build directory);
#   2. runs them with ctest, every allocation N of every path (one process per
#      test, in parallel); after each failure every check runs, but the same
#      call made again (on the connection, and on the file reopened) runs at
#      every N to 50 and every THEATER_OOM_AGAIN_STRIDE-th N past it (default
#      8 here, was 4: it is a whole run of the path; every 4th against every
#      N halved the stage, every 8th saves another 13%; 1 makes it every N);
#   3. runs the test binary again under valgrind memcheck: no memory error and
#      no definite leak. Every N would take some 13 CPU-minutes there (step 2
#      already tries every N natively), so it tries every N up to
#      THEATER_VALGRIND_DENSE (default 10; it was 50, then 30) and every
#      THEATER_VALGRIND_STRIDE-th N (default 400; it was 30, then 60, 100, 200)
#      past it, split over THEATER_VALGRIND_JOBS (default: the number of cores)
#      processes. Both were cut as the suite's CI time passed 25 minutes; the
#      first allocations of a cold path are the same load and open code in
#      every scenario (every N of them runs natively in step 2). Every N under
#      valgrind: THEATER_VALGRIND_DENSE=1000000 (or THEATER_VALGRIND_STRIDE=1).
# Extra arguments go to ctest (e.g. -R migrate).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON

echo "== C++ tests (ctest)"
start=$SECONDS
THEATER_OOM_AGAIN_STRIDE=${THEATER_OOM_AGAIN_STRIDE:-8} \
  ctest --test-dir build -L cpp --output-on-failure -j"$(nproc)" "$@"
echo "(ctest: $((SECONDS - start)) s)"

echo "== C++ tests under valgrind memcheck"
start=$SECONDS
binary=build/tests/cpp/theater_oom_test
jobs=${THEATER_VALGRIND_JOBS:-$(nproc)}
logs=()
pids=()
for ((shard = 0; shard < jobs; shard++)); do
  log="build/tests/cpp/valgrind-$shard.log"
  logs+=("$log")
  # somalloc=nouserintercepts: memcheck must leave this binary's own operator
  # new (the one that fails on demand) in place; it still sees every block
  # through malloc, which that operator new calls.
  GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$shard \
  THEATER_OOM_DENSE=${THEATER_VALGRIND_DENSE:-10} THEATER_OOM_STRIDE=${THEATER_VALGRIND_STRIDE:-400} \
    valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
             --soname-synonyms=somalloc=nouserintercepts "$binary" >"$log" 2>&1 &
  pids+=($!)
done
status=0
for ((shard = 0; shard < jobs; shard++)); do
  if ! wait "${pids[$shard]}"; then
    status=1
    echo "-- valgrind shard $shard failed; its log ${logs[$shard]}:"
    cat "${logs[$shard]}"
  fi
done
for log in "${logs[@]}"; do
  grep -hE '^\[ summary \]|^\[  (PASSED|FAILED)  \]' "$log" || true
  # One line per process: the test binary and the children it forks.
  echo "valgrind: $(grep -c 'ERROR SUMMARY: 0 errors' "$log") of $(grep -c 'ERROR SUMMARY' "$log") processes with 0 errors ($log)"
done
echo "(valgrind: $((SECONDS - start)) s, $jobs processes)"
if ((status != 0)); then
  echo "C++ tests under valgrind: FAILED"
  exit 1
fi
echo "C++ tests under valgrind: passed"
