#include "core/schema_epoch.hpp"

#include "core/statement_pool.hpp"

namespace theater {

SchemaEpoch schema_epoch(Connection& conn) {
    // Reads the main database's schema and nothing else.
    StatementLease probe = conn.statement("SELECT 1 FROM main.sqlite_master WHERE 0");
    probe.step();  // no row: SQLite prepares it again first whenever the schema changed since
    return {probe.get(), sqlite3_stmt_status(probe.get(), SQLITE_STMTSTATUS_REPREPARE, 0)};
}

}  // namespace theater
