#!/usr/bin/env bash
# Short libFuzzer run for CI (issue 5, item 7): builds build-fuzz/theater_fuzz,
# fuzzes for FUZZ_SECONDS (default 60) on a copy of fuzz/corpus (the repo is
# not modified) and fails on any crash, sanitizer report, leak, timeout or
# broken invariant. The last line is "fuzz: N executions, M crashes".
# A failing input is kept in build-fuzz/crashes/; fuzz/README.md says how to
# reproduce and minimize it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
bash fuzz/build.sh >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp fuzz/corpus/* "$work/corpus/"

rc=0
build-fuzz/theater_fuzz "$work/corpus" \
  -dict=fuzz/theater.dict \
  -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  >"$work/log" 2>&1 || rc=$?

# Executions: libFuzzer's final stats, or its last status line after a crash.
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
if [[ -z "$execs" ]]; then
  execs=$(grep -aoE '^#[0-9]+' "$work/log" | tail -n 1 | tr -d '#')
fi
execs=${execs:-0}
# Findings: crash-, leak-, timeout- and oom- inputs (slow-unit- ones are only slow).
crashes=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
slow=$(find "$work/artifacts" -type f -name 'slow-unit-*' | wc -l)
if ((slow > 0)); then
  echo "theater_fuzz: $slow input(s) took over 10 s (kept in build-fuzz/slow/)" >&2
  mkdir -p build-fuzz/slow
  cp "$work"/artifacts/slow-unit-* build-fuzz/slow/
fi

if ((rc != 0 || crashes > 0)); then
  ((crashes > 0)) || crashes=1
  mkdir -p build-fuzz/crashes
  find "$work/artifacts" -type f ! -name 'slow-unit-*' -exec cp {} build-fuzz/crashes/ \;
  echo "theater_fuzz failed (exit $rc); the end of its log:" >&2
  tail -n 80 "$work/log" >&2
  echo "failing inputs: $(find "$work/artifacts" -type f ! -name 'slow-unit-*' -printf 'build-fuzz/crashes/%f ')" >&2
  echo "fuzz: $execs executions, $crashes crashes"
  exit 1
fi
echo "fuzz: $execs executions, 0 crashes"
