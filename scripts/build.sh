#!/usr/bin/env bash
# Configures and builds build/theater.so (and build/testing/theater.so, the
# test-only build with failing migrations). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build "$@" >/dev/null
cmake --build build -j"$(nproc)"
