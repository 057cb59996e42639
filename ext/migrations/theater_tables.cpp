#include "migrations/theater_tables.hpp"

#include <cstring>

namespace theater {

bool is_not_migrated(const SqlError& error) noexcept {
    // An interrupt can land while SQLite still holds an earlier message
    // (core/sqlite.hpp, errmsg); only a plain error is the table's absence.
    if ((error.code() & 0xff) != SQLITE_ERROR) return false;
    constexpr const char* kPrefix = "no such table: main.";
    const std::size_t n = std::strlen(kPrefix);
    const char* message = error.what();
    if (std::strncmp(message, kPrefix, n) != 0) return false;
    // Only the theater's own tables: a declared relationship over a table
    // that was dropped says which table is missing.
    return std::strcmp(message + n, kRolesTable) == 0 || std::strcmp(message + n, kAuditionsTable) == 0;
}

}  // namespace theater
