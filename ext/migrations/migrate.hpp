// theater_migrate(), theater_migrate(N), theater_schema_version() and the
// theater_migration_status table (sql-api.md section 3).
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void theater_migrate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_schema_version_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// Eponymous-only; its client data is a ModuleContext. It owns the
// connection's statement cache (see core/connection.hpp).
extern const sqlite3_module kMigrationStatusModule;

}  // namespace theater
