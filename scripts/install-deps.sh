#!/usr/bin/env bash
# Installs, from Debian's packages, whatever this machine lacks for a task:
#   install-deps.sh demo    build the extension and run the demo
#   install-deps.sh bench   ... and the benchmark (Python, SQLAlchemy, valgrind)
#   install-deps.sh test    ... and the whole test suite (the default)
# Safe to run again: it installs nothing when everything is there.
set -euo pipefail

demo=(
  g++ cmake make            # the build
  sqlite3 libsqlite3-dev    # the shell, and sqlite3ext.h (the extension links no libsqlite3)
)
bench=(
  python3 python3-sqlalchemy  # the harness and the seed's ORM
  valgrind                    # callgrind instruction counts
)
test=(
  binutils                  # readelf/nm: tests check what the .so links and exports
  python3 python3-pytest sqlite-utils python3-sqlalchemy python3-hypothesis  # the tests
  python3-pytest-xdist      # pytest -n 2: the suite's runs spread over two processes
  libgtest-dev valgrind     # C++ tests: out-of-memory paths, memcheck
  clang libclang-rt-14-dev  # the libFuzzer target
  strace                    # proves the extension opens no files and no sockets
)

case "${1:-test}" in
  demo) packages=("${demo[@]}") ;;
  bench) packages=("${demo[@]}" "${bench[@]}") ;;
  test) packages=("${demo[@]}" "${test[@]}") ;;
  *) echo "usage: $0 [demo|bench|test]" >&2; exit 2 ;;
esac

bash "$(dirname "$0")/apt-install.sh" "${packages[@]}"
