#!/usr/bin/env bash
# Recipe test: DB Browser for SQLite (Debian package sqlitebrowser), a desktop
# SQL tool, on a virtual X display (Xvfb). It opens a demo database with the
# extension loaded from its command line and runs lead_sheet.sql, which keeps
# the result of a role_lead + role_auditions query in the table lead_sheet and
# shows it in the Browse Data tab. The test reads that table back (written by
# the GUI, through the GUI's SQLite) and checks every row.
#   bash clients/sqlitebrowser/test.sh                    # the test
#   bash clients/sqlitebrowser/test.sh --screenshot F.png # ... and a screenshot of the window
set -euo pipefail
cd "$(dirname "$0")/../.."
screenshot=
if [[ ${1:-} == --screenshot ]]; then screenshot=${2:?--screenshot needs a file name}; fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL sqlitebrowser: $*" >&2
  if [[ -s $tmp/sqlitebrowser.log ]]; then echo "--- sqlitebrowser's output:" >&2; cat "$tmp/sqlitebrowser.log" >&2; fi
  exit 1
}

db=$tmp/casting.db
sqlite3 -bail "$db" -cmd '.load ./build/theater' < sql/demo_data.sql > /dev/null

# A virtual display; Xvfb picks a free display number and writes it to fd 3.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3> "$tmp/display" 2> "$tmp/xvfb.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $tmp/display ]] && break; sleep 0.1; done
[[ -s $tmp/display ]] || { cat "$tmp/xvfb.log" >&2; fail "Xvfb did not start"; }
export DISPLAY=:$(cat "$tmp/display")
# A fresh settings folder: nothing from, and nothing saved to, the user's own.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

# --- recipe (clients/README.md, "DB Browser for SQLite") ---
sqlitebrowser -o "extensions/list=$PWD/build/theater.so" \
  -s clients/sqlitebrowser/lead_sheet.sql -t lead_sheet "$db" > "$tmp/sqlitebrowser.log" 2>&1 &
# --- end of recipe ---
pids+=($!)

# Wait (up to 60 s) for the GUI to have run the script: lead_sheet appears.
rows=
for _ in $(seq 120); do
  kill -0 "${pids[1]}" 2>/dev/null || fail "sqlitebrowser exited early"
  rows=$(sqlite3 -readonly -cmd '.timeout 2000' "$db" \
    "SELECT role_id, role, lead, lead_actor FROM lead_sheet ORDER BY role_id" 2>/dev/null) && break
  rows=
  sleep 0.5
done
[[ -n $rows ]] || fail "after 60 s the table lead_sheet is still missing: the script did not run (extension not loaded?)"

expected='1|Hamlet|2|Kevin Kline
2|Ophelia|5|Kate Winslet
3|Ghost|no actor has been hired for this role|
4|Gertrude|9|Glenn Close
5|Yorick|no actor has been hired for this role|'
if [[ $rows != "$expected" ]]; then
  echo "FAIL sqlitebrowser: lead_sheet differs from the expected rows (- expected, + actual):" >&2
  diff <(echo "$expected") <(echo "$rows") >&2 || true
  exit 1
fi
# sqlitebrowser reports a failed extension load or statement on its output.
if grep -Ei "error|fail" "$tmp/sqlitebrowser.log" >&2; then fail "errors in sqlitebrowser's output (above)"; fi

if [[ -n $screenshot ]]; then
  # Wait until the window has painted the table and the progress dialog of
  # the script is gone: the left half of the window (the Browse Data tab; the
  # right half holds a blinking text cursor) unchanged for 3 shots in a row.
  window=$(xwininfo -root -tree | awk '/"DB Browser for SQLite - /{print $1; exit}')
  [[ -n $window ]] || fail "no sqlitebrowser window with a database open on $DISPLAY"
  previous= same=0
  for _ in $(seq 60); do
    sleep 0.5
    import -window "$window" "$tmp/shot.png"
    current=$(convert "$tmp/shot.png" -crop 500x+0+0 rgb:- | md5sum)
    if [[ $current == "$previous" ]]; then ((++same >= 2)) && break; else same=0; fi
    previous=$current
  done
  mkdir -p "$(dirname "$screenshot")"
  cp "$tmp/shot.png" "$screenshot"
  echo "screenshot: $screenshot"
fi
echo "ok sqlitebrowser $(dpkg-query -W -f='${Version}' sqlitebrowser): lead_sheet has the 5 expected rows (role_lead + role_auditions, run by the GUI)"
