#include "migrations/applied.hpp"

#include "core/statement_pool.hpp"
#include "migrations/theater_tables.hpp"

namespace theater {

namespace {

constexpr const char* kReadApplied =
    "SELECT version, name, checksum, applied_at FROM main.theater_schema_migrations ORDER BY version";

}  // namespace

Embedded embedded() {
    Embedded e{};
    e.list = embedded_migrations(&e.count);
    return e;
}

std::vector<Applied> read_applied(Connection& conn) {
    std::vector<Applied> rows;
    if (!table_exists(conn, kMigrationsTable)) return rows;
    StatementLease stmt = conn.statement(kReadApplied);
    while (stmt.step()) {
        sqlite3_stmt* row = stmt.get();
        rows.push_back({sqlite3_column_int64(row, 0), column_bytes(row, 1), column_bytes(row, 2),
                        column_bytes(row, 3)});
    }
    return rows;
}

std::string known_range(const Embedded& e) {
    return "this build of theater (" THEATER_VERSION ") knows versions 0 to " + std::to_string(e.count);
}

sqlite3_int64 current_version(Connection& conn, const Embedded& e, const std::vector<Applied>& applied) {
    sqlite3_int64 expected = 1;
    for (const Applied& row : applied) {
        if (!e.knows(row.version)) {
            throw SqlError("the database has migration " + std::to_string(row.version) + " (" + row.name +
                           ") applied, but " + known_range(e) +
                           " only: it was migrated by a newer build; use that build or a newer one");
        }
        const Migration& m = e.at(row.version);
        if (row.checksum != m.checksum) {
            throw SqlError("migration " + std::to_string(row.version) + " (" + m.name +
                           ") has changed since it was applied to this database (checksum " + row.checksum +
                           ", this build has " + m.checksum + "); applied migrations must never be edited");
        }
        if (row.version != expected) {
            throw SqlError("the bookkeeping in theater_schema_migrations is inconsistent: migration " +
                           std::to_string(expected) + " is missing while " + std::to_string(row.version) +
                           " is applied");
        }
        ++expected;
    }
    sqlite3_int64 current = expected - 1;
    if (current == 0 && (table_exists(conn, kRolesTable) || table_exists(conn, kAuditionsTable))) {
        throw SqlError(
            "this database already has roles/auditions tables that theater did not create; "
            "to adopt them, run the script sql/adopt.sql (README: \"Adopting an existing database\")");
    }
    return current;
}

}  // namespace theater
