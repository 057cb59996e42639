// theater_schema_version(): the version of the last migration applied, 0
// for none (sql-api.md section 3).
#include "migrations/migrations.hpp"

#include "core/boundary.hpp"
#include "migrations/applied.hpp"

namespace theater {

void theater_schema_version_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    function_boundary(ctx, "theater_schema_version", [&] {
        std::vector<Applied> applied = read_applied(Connection::of(ctx));
        sqlite3_result_int64(ctx, applied.empty() ? 0 : applied.back().version);
    });
}

}  // namespace theater
