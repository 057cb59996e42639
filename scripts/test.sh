#!/usr/bin/env bash
# The whole test suite (what .ci/run runs): installs what is missing, then
#   1. builds with warnings as errors and runs the pytest suite with Debian's
#      /usr/bin/python3 (whose sqlite3 module can load extensions);
#   2. rebuilds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
#      same suite against that build (scripts/test-sanitizers.sh);
#   3. runs the C++ out-of-memory tests with ctest, then under valgrind
#      memcheck (scripts/test-cpp.sh);
#   4. fuzzes for a minute (scripts/test-fuzz.sh; long runs: fuzz/README.md).
# Arguments go to pytest in step 1 (e.g. -k migrate).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
bash scripts/build.sh -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON
echo "== pytest (build/)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests "$@"
echo "== pytest under ASan/UBSan (build-asan/)"
bash scripts/test-sanitizers.sh
bash scripts/test-cpp.sh
echo "== fuzzing (short run)"
bash scripts/test-fuzz.sh
