#!/usr/bin/env bash
# The benchmark (separate from the tests): builds an optimised extension,
# generates the databases (10k, 100k and 1M roles, kept in build/bench/), runs
# the wall-time comparison, the BI views against their functions
# (bench/views.py), issue 15's relationships over real schemas against their
# plain SQL (bench/real_schemas.py, its own databases at 10k and 100k users
# unless --sizes says otherwise), the stored casting sheet's read gain and
# write cost (bench/casting_sheet.py, 10k and 100k roles unless --sizes says
# otherwise) and the callgrind instruction counts. Extra arguments go to
# bench/run.py, bench/views.py, bench/real_schemas.py and
# bench/casting_sheet.py, e.g. --sizes 10000 --repeat 5.
# Takes about 20 minutes on 2 cores, most of it at 1M roles, in SQLAlchemy,
# (about 5 minutes) in bench/real_schemas.py and (about 4) in
# bench/casting_sheet.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh bench
bash scripts/build.sh -DCMAKE_BUILD_TYPE=Release -DTHEATER_BUILD_TESTING=OFF >/dev/null
/usr/bin/python3 bench/run.py "$@"
/usr/bin/python3 bench/views.py "$@"
/usr/bin/python3 bench/real_schemas.py "$@"
/usr/bin/python3 bench/casting_sheet.py "$@"
/usr/bin/python3 bench/instructions.py --roles 10000
