"""LibreOffice Calc, headless, reads the casting sheet over ODBC.

    /usr/bin/python3 clients/libreoffice/casting_calc.py DSN OUTDIR
    /usr/bin/python3 clients/libreoffice/casting_calc.py DSN OUTDIR \
        --query 'Leads=SELECT ...' --native-query 'Ophelia=SELECT * FROM role_auditions(2)'

Starts LibreOffice headless with a private user profile (OUTDIR/profile,
never ~/.config/libreoffice), makes a Base database document
(OUTDIR/theater.odb) whose connection is the ODBC DSN and which holds one
query per sheet, imports each query into a sheet of a new Calc document,
and saves OUTDIR/casting.ods, OUTDIR/casting.pdf (every sheet; its first page
is the casting sheet) and one CSV per sheet (OUTDIR/<sheet>.csv, UTF-8,
comma-separated, a header row). The DSN must load theater through its
LoadExt= (clients/odbc/check.sh DSN says whether it does). --query and
--native-query (repeatable; NAME=SQL, in order) replace the default sheets
below with your own: --query with LibreOffice's SQL parser in between,
--native-query with the SQL sent as written; the CSV of sheet NAME is NAME in
lower case, with _ for anything but letters and digits.

A Calc import whose query LibreOffice cannot parse or the database refuses
imports nothing and says nothing (headless, the error box is never shown).
This script checks every sheet after its import: an empty one is an error,
reported with the database's own message (the query run again through a
RowSet), and the script exits 1 before exporting anything.

Debian's /usr/bin/python3 with python3-uno, libreoffice-calc and
libreoffice-base (7.4 on Debian 12). soffice is started under `timeout` in
its own process group, whose id is written to OUTDIR/soffice.pgid so that a
caller can kill it if this script itself is killed; it is stopped when the
script ends."""
import argparse
import csv
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.sdb.CommandType import QUERY as COMMAND_QUERY
from com.sun.star.sheet.DataImportMode import QUERY as IMPORT_QUERY

# The sheets, in order: (sheet and query name, CSV file, SQL, escape
# processing). A query must not be named like a table it reads: Base lets a
# query read another query by name, and `SELECT * FROM casting_sheet` in a
# query named casting_sheet is "a cyclic reference".
# Escape processing on: LibreOffice parses the query and sends its own
# rendering of it; its parser knows no table-valued functions, wants a FROM,
# and takes an unquoted `lead` for a keyword (hence "lead" below).
# Escape processing off ("Run SQL command directly" in Base's query editor):
# the SQL goes to the driver as written.
SHEETS = [
    ("Casting sheet", "casting_sheet.csv", "SELECT * FROM casting_sheet", True),
    ("Actors by role", "role_actors_view.csv", "SELECT role_id, actor FROM role_actors_view", True),
    # The ODBC driver gives a column with no declared type the type of its
    # first value: role_lead is an integer for Hamlet, so Calc would read the
    # Ghost's text answer as a number and import an empty cell. As text,
    # every answer arrives.
    ("Leads", "leads.csv",
     'SELECT r.id AS role_id, r.character_name, CAST(role_lead(r.id) AS TEXT) AS "lead"'
     " FROM roles r ORDER BY r.id",
     True),
    ("Hamlet auditions", "hamlet_auditions.csv", "SELECT id, actor, hired FROM role_auditions(1)", False),
]

START_SECONDS = 90  # how long soffice may take to accept a connection
LIFETIME_SECONDS = 300  # soffice is killed (its whole process group) after this


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def start_soffice(outdir, pipe):
    profile = (outdir / "profile").as_uri()
    cmd = ["timeout", str(LIFETIME_SECONDS), "soffice", "--headless", "--invisible",
           "--norestore", "--nologo", "--nodefault", "--nolockcheck",
           f"-env:UserInstallation={profile}", f"--accept=pipe,name={pipe};urp;"]
    log = open(outdir / "soffice.log", "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    (outdir / "soffice.pgid").write_text(f"{proc.pid}\n")
    return proc


def connect(proc, pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if proc.poll() is not None:
                sys.exit(f"soffice exited ({proc.returncode}) before accepting a connection")
            if time.monotonic() > deadline:
                sys.exit(f"soffice did not accept a connection within {START_SECONDS} s")
            time.sleep(0.5)


def stop_soffice(proc, desktop, pgid_file):
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:  # the bridge goes away while terminate() returns
            pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group soffice's helpers share
    except ProcessLookupError:
        pass
    proc.wait()
    pgid_file.unlink(missing_ok=True)


def make_database(ctx, dsn, odb, sheets):
    """A Base document: the ODBC data source, and one query per sheet."""
    smgr = ctx.ServiceManager
    datasource = smgr.createInstanceWithContext("com.sun.star.sdb.DatabaseContext", ctx).createInstance()
    datasource.URL = f"sdbc:odbc:{dsn}"
    for name, _csv, sql, escape_processing in sheets:
        query = smgr.createInstanceWithContext("com.sun.star.sdb.QueryDefinition", ctx)
        query.Command = sql
        query.EscapeProcessing = escape_processing
        datasource.QueryDefinitions.insertByName(name, query)
    datasource.DatabaseDocument.storeAsURL(odb.as_uri(), ())
    return odb.as_uri()


def used_area(sheet):
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.RangeAddress
    return sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).getDataArray()


def why_empty(ctx, database_url, name):
    """The error the import swallowed: the same query through a RowSet."""
    rowset = ctx.ServiceManager.createInstanceWithContext("com.sun.star.sdb.RowSet", ctx)
    rowset.DataSourceName = database_url
    rowset.CommandType = COMMAND_QUERY
    rowset.Command = name
    try:
        rowset.execute()
        return "the query ran without error but Calc imported no header row"
    except Exception as e:  # com.sun.star.sdbc.SQLException
        message = getattr(e, "Message", str(e)).strip()
        return re.sub(r" at \./\S+:\d+$", "", message)  # LibreOffice's source line
    finally:
        rowset.dispose()


def csv_options(sheet_number):
    # comma, double quote, UTF-8 (76), from line 1, -, language, quote all
    # text cells: no, -, save cell contents as shown: yes, formulas: no,
    # -, export the sheet with this number (1-based).
    return f"44,34,76,1,,0,false,true,true,false,false,{sheet_number}"


def report(ctx, desktop, dsn, outdir, wanted):
    database_url = make_database(ctx, dsn, outdir / "theater.odb", wanted)
    doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, (prop("Hidden", True),))
    try:
        sheets = doc.Sheets
        sheets.getByIndex(0).Name = wanted[0][0]
        # Grid lines in the PDF; every sheet has the Default page style.
        doc.StyleFamilies.getByName("PageStyles").getByName("Default").PrintGrid = True
        failures = []
        for i, (name, _csv, _sql, _escape) in enumerate(wanted):
            if i > 0:
                sheets.insertNewByName(name, i)
            sheet = sheets.getByName(name)
            sheet.doImport((prop("DatabaseName", database_url), prop("SourceType", IMPORT_QUERY),
                            prop("SourceObject", name)))
            rows = used_area(sheet)
            if rows == (("",),):
                failures.append(f"sheet {name}: Calc imported nothing: {why_empty(ctx, database_url, name)}")
                continue
            sheet.getCellRangeByPosition(0, 0, len(rows[0]) - 1, 0).CharWeight = 150.0  # bold header
            for c in range(len(rows[0])):
                column = sheet.Columns.getByIndex(c)
                column.OptimalWidth = True
                column.Width += 300  # 3 mm between columns
            print(f"{name}: {len(rows) - 1} rows, columns {', '.join(rows[0])}")
        if failures:
            sys.exit("\n".join(failures))

        doc.storeToURL((outdir / "casting.ods").as_uri(), (prop("FilterName", "calc8"),))
        doc.storeToURL((outdir / "casting.pdf").as_uri(), (prop("FilterName", "calc_pdf_Export"),))
        for i, (name, csv_file, _sql, _escape) in enumerate(wanted):
            # Given a sheet number, the filter writes STEM-<sheet name>.csv.
            target = outdir / csv_file
            doc.storeToURL(target.as_uri(),
                           (prop("FilterName", "Text - txt - csv (StarCalc)"),
                            prop("FilterOptions", csv_options(i + 1))))
            (outdir / f"{target.stem}-{name}{target.suffix}").replace(target)
    finally:
        doc.close(True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dsn", help="the ODBC data source (its LoadExt= loads theater)")
    parser.add_argument("outdir", type=pathlib.Path, help="where the files go (made if missing)")
    # One list for both options, so that the sheets keep the command line's order.
    parser.add_argument("--query", action="append", dest="sheets", default=[], metavar="NAME=SQL",
                        type=lambda v: (v, True),
                        help="a sheet from SQL that LibreOffice parses first (escape processing on)")
    parser.add_argument("--native-query", action="append", dest="sheets", metavar="NAME=SQL",
                        type=lambda v: (v, False),
                        help="a sheet from SQL sent to the driver as written (escape processing off)")
    args = parser.parse_args()
    wanted = []
    for value, escape_processing in args.sheets:
        name, sep, sql = value.partition("=")
        if not sep or not name.strip() or not sql.strip():
            parser.error(f"a sheet is NAME=SQL, not {value!r}")
        csv_file = re.sub(r"[^a-z0-9]+", "_", name.lower()) + ".csv"
        wanted.append((name, csv_file, sql, escape_processing))
    return args.dsn, args.outdir, wanted or SHEETS


def main():
    dsn, shown, wanted = parse_args()  # shown: OUTDIR as given, for the messages
    shown.mkdir(parents=True, exist_ok=True)
    outdir = shown.resolve()
    # A `timeout` in front of this script sends SIGTERM: stop soffice too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("casting_calc.py: terminated"))
    pipe = f"theater_calc_{os.getpid()}"
    proc = start_soffice(outdir, pipe)
    desktop = None
    try:
        ctx = connect(proc, pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        report(ctx, desktop, dsn, outdir, wanted)
    finally:
        stop_soffice(proc, desktop, outdir / "soffice.pgid")
    for _name, csv_file, _sql, _escape in wanted:
        with open(outdir / csv_file, newline="", encoding="utf-8") as f:
            print(f"{shown / csv_file}: {sum(1 for _ in csv.reader(f))} lines")
    print(f"{shown / 'casting.pdf'}, {shown / 'casting.ods'}")


if __name__ == "__main__":
    main()
