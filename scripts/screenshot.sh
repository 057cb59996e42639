#!/usr/bin/env bash
# Makes docs/images/sqlitebrowser.png: DB Browser for SQLite with the theater
# extension loaded, showing the lead sheet its script computed with role_lead
# and role_auditions (clients/sqlitebrowser/lead_sheet.sql), on a virtual X
# display. It is clients/sqlitebrowser/test.sh with --screenshot: the picture
# is only written after the test's checks passed.
#   bash scripts/screenshot.sh [OUTPUT.png]     (default docs/images/sqlitebrowser.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/images/sqlitebrowser.png}
bash clients/install-deps.sh sqlitebrowser
if [[ ! -f build/theater.so ]]; then bash scripts/install-deps.sh demo && bash scripts/build.sh -DTHEATER_BUILD_TESTING=OFF; fi
bash clients/sqlitebrowser/test.sh --screenshot "$out"
