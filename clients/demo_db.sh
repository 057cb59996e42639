# Sourced by the clients' tests from the repository's root, after the build:
# $tmp, a temporary directory removed at exit, and in it $db, a database with
# the demo data (sql/demo_data.sql), made as clients/README.md makes it (the
# line clients/shell/test.sh tests as a recipe). A test with more to clean up
# at exit sets its own EXIT trap after this, and removes $tmp there too.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/casting.db
sqlite3 -bail "$db" -cmd '.load ./build/theater' < sql/demo_data.sql > /dev/null
