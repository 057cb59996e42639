#!/usr/bin/env bash
# The benchmark (separate from the tests): builds an optimised extension,
# generates the databases (10k, 100k and 1M roles, kept in build/bench/), runs
# the wall-time comparison, the BI views against their functions
# (bench/views.py) and the callgrind instruction counts. Extra
# arguments go to bench/run.py and bench/views.py, e.g. --sizes 10000 --repeat 5.
# Takes about 10 minutes on 2 cores, most of it at 1M roles and in SQLAlchemy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh bench
bash scripts/build.sh -DCMAKE_BUILD_TYPE=Release -DTHEATER_BUILD_TESTING=OFF >/dev/null
/usr/bin/python3 bench/run.py "$@"
/usr/bin/python3 bench/views.py "$@"
/usr/bin/python3 bench/instructions.py --roles 10000
