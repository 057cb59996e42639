#!/usr/bin/env bash
# The whole test suite: install what is missing, build with warnings as
# errors, run the pytest suite with Debian's /usr/bin/python3 (whose sqlite3
# module can load extensions; pyenv's default build cannot).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTHEATER_WERROR=ON -DTHEATER_BUILD_TESTING=ON
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests "$@"
