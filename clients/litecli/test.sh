#!/usr/bin/env bash
# Recipe test: litecli (Debian package litecli), a terminal client, with .load.
# Runs the recipe's lines through `litecli -e` and compares the output.
set -euo pipefail
cd "$(dirname "$0")/../.."
source clients/demo_db.sh
# litecli writes its config on first start: keep it out of the user's home.
export XDG_CONFIG_HOME=$tmp/config

# --- recipe (clients/README.md, "litecli") ---
if ! actual=$(litecli "$db" -e '.load ./build/theater; SELECT role_lead(1) AS lead; SELECT id, actor, hired FROM role_auditions(1);' 2>&1); then
  echo "FAIL litecli: the recipe's command failed:" >&2
  echo "$actual" >&2
  exit 1
fi
# --- end of recipe ---

expected=$(printf 'lead\n2\nid\tactor\thired\n1\tSam Waterston\t0\n2\tKevin Kline\t1\n3\tEthan Hawke\t1')
if [[ $actual != "$expected" ]]; then
  echo "FAIL litecli: output differs from the expected one (- expected, + actual):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
echo "ok litecli $(litecli --version | sed 's/Version: //'): role_lead(1) = 2, role_auditions(1) = 3 rows"
