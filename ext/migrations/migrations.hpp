// The migrations (sql-api.md section 3): what the entry point registers
// from this folder. One file per SQL name:
//   theater_migrate            migrations/theater_migrate.cpp
//   theater_schema_version     migrations/theater_schema_version.cpp
//   theater_migration_status   migrations/theater_migration_status.cpp
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void theater_migrate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_schema_version_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

constexpr const char* kMigrationStatusTable = "theater_migration_status";

// Eponymous-only; its client data is a ModuleContext. It owns the
// connection's statements (core/connection.hpp): the entry point names it
// when it makes the connection state.
extern const sqlite3_module kMigrationStatusModule;

}  // namespace theater
