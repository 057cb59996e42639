#!/usr/bin/env bash
# Builds build-fuzz/theater_fuzz: the libFuzzer target with the extension's
# sources compiled in (clang, -fsanitize=fuzzer,address,undefined).
# Extra arguments go to the cmake configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || { echo "fuzz/build.sh: clang++ is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ "$@" >/dev/null
cmake --build build-fuzz -j"$(nproc)"
