#!/usr/bin/env bash
# Recipe test: LibreOffice Calc, headless (libreoffice-calc,
# libreoffice-base, python3-uno; 7.4 on Debian 12), reads the casting sheet
# over the ODBC DSN of clients/odbc (unixODBC, Debian's SQLite ODBC driver,
# LoadExt= loads theater) into a spreadsheet and exports a PDF and one CSV
# per sheet (clients/libreoffice/casting_calc.py). The test checks that each
# CSV holds exactly the rows the sqlite3 shell gives for the same query, and
# that the PDF's first page shows the casting sheet. A Calc import that fails
# imports nothing and says nothing: the test also proves that the recipe
# turns that into a loud failure, with the database's message (a wrong
# LoadExt, SQL LibreOffice's parser refuses).
#   bash clients/libreoffice/test.sh [--png OUT.png]
# --png: after the checks passed, write the PDF's first page as a PNG
# (pdftoppm) to OUT.png (docs/images/casting_sheet_calc.png in the docs).
set -euo pipefail
cd "$(dirname "$0")/../.."
png=
if [[ ${1:-} == --png ]]; then png=${2:?--png wants a file name}; fi
source clients/demo_db.sh
# casting_calc.py stops soffice itself; if it was killed first, its
# soffice.pgid is left behind: kill that process group (soffice runs under
# `timeout` in a group of its own, so this is only the soffice it started).
cleanup() {
  local f
  for f in "$tmp"/*/soffice.pgid; do
    if [[ -f $f ]]; then kill -KILL -- "-$(cat "$f")" 2>/dev/null || true; fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

source clients/odbc/dsn.sh

# --- recipe: check the DSN, then Calc reads it and exports PDF and CSV ---
bash clients/odbc/check.sh theater
out=$(timeout 240 /usr/bin/python3 clients/libreoffice/casting_calc.py theater "$tmp/calc" 2>&1) || {
  echo "FAIL libreoffice: casting_calc.py failed (exit $?; 124: timed out): $out" >&2
  exit 1
}

# Each CSV against the sqlite3 shell's answer to the query of its sheet.
# Both are read as CSV and written again the same way (the shell quotes all
# text, Calc only what needs it); a NULL is an empty field in both.
csv_rows() { /usr/bin/python3 -c '
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerows(csv.reader(sys.stdin))'; }
check_csv() {  # check_csv FILE SQL
  local expected actual
  [[ -s $tmp/calc/$1 ]] || { echo "FAIL libreoffice: Calc wrote no $1" >&2; exit 1; }
  expected=$(sqlite3 -bail -csv -header "$db" -cmd '.load ./build/theater' "$2" | csv_rows)
  actual=$(csv_rows < "$tmp/calc/$1")
  if [[ $(wc -l <<< "$expected") -lt 2 ]]; then
    echo "FAIL libreoffice: the sqlite3 shell gave no rows for $2" >&2
    exit 1
  fi
  if [[ $actual != "$expected" ]]; then
    echo "FAIL libreoffice: $1 differs from the sqlite3 shell's rows for $2 (- shell, + Calc):" >&2
    diff <(echo "$expected") <(echo "$actual") >&2 || true
    exit 1
  fi
}
check_csv casting_sheet.csv 'SELECT * FROM casting_sheet'
check_csv role_actors_view.csv 'SELECT role_id, actor FROM role_actors_view'
check_csv leads.csv 'SELECT r.id AS role_id, r.character_name, CAST(role_lead(r.id) AS TEXT) AS "lead" FROM roles r ORDER BY r.id'
check_csv hamlet_auditions.csv 'SELECT id, actor, hired FROM role_auditions(1)'
# The plain views need no extension: the same rows from a bare sqlite3.
if [[ $(sqlite3 -bail -csv -header "$db" 'SELECT * FROM casting_sheet' | csv_rows) != "$(csv_rows < "$tmp/calc/casting_sheet.csv")" ]]; then
  echo "FAIL libreoffice: casting_sheet.csv differs from casting_sheet read without the extension" >&2
  exit 1
fi

# The PDF: its first page is the casting sheet, every role and every hired actor on it.
pdf=$tmp/calc/casting.pdf
if ! page1=$(pdftotext -f 1 -l 1 -layout "$pdf" - 2>&1); then
  echo "FAIL libreoffice: pdftotext cannot read $pdf: $page1" >&2
  exit 1
fi
while IFS= read -r word; do
  if [[ $page1 != *"$word"* ]]; then
    echo "FAIL libreoffice: the PDF's first page lacks '$word':" >&2
    echo "$page1" >&2
    exit 1
  fi
done < <(sqlite3 -bail "$db" "SELECT 'Casting sheet' UNION ALL SELECT character_name FROM casting_sheet
  UNION ALL SELECT lead_actor FROM casting_sheet WHERE lead_actor IS NOT NULL
  UNION ALL SELECT understudy_actor FROM casting_sheet WHERE understudy_actor IS NOT NULL")

# SQL that LibreOffice's parser refuses (an unquoted lead) imports nothing:
# the recipe fails, and says why; sent as written, the same SQL works. A
# wrong LoadExt (the driver only warns): the check refuses the DSN, and the
# sheets that call the extension fail with SQLite's "no such function";
# those that read the plain views still work.
dsn /nonexistent/theater
if out=$(bash clients/odbc/check.sh theater 2>&1); then
  echo "FAIL libreoffice: the check accepted a DSN whose LoadExt names nothing: $out" >&2
  exit 1
fi
if out=$(timeout 240 /usr/bin/python3 clients/libreoffice/casting_calc.py theater "$tmp/bad" --query 'Unquoted lead=SELECT role_id, lead FROM casting_sheet' \
  --native-query 'Unquoted lead sent as written=SELECT role_id, lead FROM casting_sheet' \
  --native-query 'Lead of Hamlet=SELECT role_lead(1)' 2>&1); then
  echo "FAIL libreoffice: casting_calc.py succeeded with an unparsable query and no extension: $out" >&2
  exit 1
fi
for want in 'sheet Unquoted lead: Calc imported nothing: Syntax error in SQL statement' \
  'sheet Lead of Hamlet: Calc imported nothing: [SQLite]no such function: role_lead' \
  'Unquoted lead sent as written: 5 rows, columns role_id, lead'; do
  if [[ $out != *"$want"* ]]; then
    echo "FAIL libreoffice: casting_calc.py did not say '$want'; it said: $out" >&2
    exit 1
  fi
done
if [[ -e $tmp/bad/casting.pdf ]]; then
  echo "FAIL libreoffice: casting_calc.py exported a PDF after a failed import" >&2
  exit 1
fi

if [[ -n $png ]]; then
  pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$pdf" "$tmp/page1"
  mkdir -p "$(dirname "$png")"
  cp "$tmp/page1.png" "$png"
  echo "libreoffice: wrote $png"
fi
echo "libreoffice: Calc read casting_sheet, role_actors_view, role_lead and role_auditions over ODBC as the sqlite3 shell reads them, exported PDF and CSV; an empty import fails loudly"
