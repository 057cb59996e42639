#include "migrations/theater_tables.hpp"

namespace theater {

bool is_not_migrated(const SqlError& error) noexcept {
    // Only the theater's own tables: a declared relationship over a table
    // that was dropped says which table is missing.
    return is_missing_table(error, {kRolesTable, kAuditionsTable});
}

}  // namespace theater
