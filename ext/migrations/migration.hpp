// One migration as embedded in the extension at build time
// (cmake/EmbedMigrations.cmake generates the list from migrations/*.sql).
#pragma once

#include <cstddef>

namespace theater {

struct Migration {
    int version;           // 1, 2, 3... without gaps
    const char* name;      // from the file name: 0001_<name>.sql
    const char* up;        // SQL run to apply it
    const char* down;      // SQL run to undo it
    const char* checksum;  // "sha256:<hex>" of the up and down text
};

// The migrations compiled into this build, in version order.
const Migration* embedded_migrations(std::size_t* count) noexcept;

}  // namespace theater
