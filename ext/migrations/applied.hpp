// What the database says has been applied (theater_schema_migrations)
// against what this build embeds: shared by theater_migrate,
// theater_schema_version and theater_migration_status.
#pragma once

#include "core/connection.hpp"
#include "migrations/migration.hpp"

#include <string>
#include <vector>

namespace theater {

struct Applied {
    sqlite3_int64 version;
    std::string name;
    std::string checksum;
    std::string applied_at;
};

// The migrations compiled into this build.
struct Embedded {
    const Migration* list;
    std::size_t count;
    const Migration& at(sqlite3_int64 version) const { return list[version - 1]; }
    bool knows(sqlite3_int64 version) const {
        return version >= 1 && version <= static_cast<sqlite3_int64>(count);
    }
};

Embedded embedded();

// The bookkeeping table's rows in version order, or nothing when it does not
// exist.
std::vector<Applied> read_applied(Connection& conn);

// "this build of theater (<version>) knows versions 0 to N".
std::string known_range(const Embedded& e);

// Checks what the database says has been applied against this build and
// returns the current version. Throws the refusals of spec section 3.
sqlite3_int64 current_version(Connection& conn, const Embedded& e, const std::vector<Applied>& applied);

}  // namespace theater
