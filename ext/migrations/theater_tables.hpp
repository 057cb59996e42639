// The tables the migrations make (migrations/*.sql), named once for the code
// above: the domain's queries read them, the model layer leaves them to the
// migrations, and a database without them was never migrated.
#pragma once

#include "core/sqlite.hpp"

namespace theater {

constexpr const char* kRolesTable = "roles";
constexpr const char* kAuditionsTable = "auditions";
// The migrations' bookkeeping: one row per migration applied.
constexpr const char* kMigrationsTable = "theater_schema_migrations";

// What every function of the theater's domain says on a database that was
// never migrated.
constexpr const char* kNotMigratedMessage =
    "the theater schema is not installed in this database; run SELECT theater_migrate() first";

// Whether a failed statement's error says that a table the migrations make
// is missing ("no such table: main.roles").
bool is_not_migrated(const SqlError& error) noexcept;

}  // namespace theater
