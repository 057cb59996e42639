# Sourced by the ODBC recipe's tests (clients/odbc/test.sh,
# clients/libreoffice/test.sh) after clients/demo_db.sh, from the repository's
# root: the driver and the DSN `theater` on $db, in user files under $tmp
# (ODBCSYSINI and ODBCINI), loading build/theater through LoadExt=.
# `dsn <LoadExt value>` writes the DSN again with another LoadExt.
# --- recipe: the driver and the DSN (user files: ODBCSYSINI and ODBCINI) ---
cat > "$tmp/odbcinst.ini" <<INI
[theater-sqlite3]
Description=SQLite3 ODBC driver (Debian's libsqliteodbc)
Driver=/usr/lib/$(gcc -print-multiarch)/odbc/libsqlite3odbc.so
INI
dsn() {  # dsn <LoadExt value>
  cat > "$tmp/odbc.ini" <<INI
[theater]
Driver=theater-sqlite3
Database=$db
LoadExt=$1
INI
}
export ODBCSYSINI=$tmp ODBCINI=$tmp/odbc.ini
dsn "$PWD/build/theater"
