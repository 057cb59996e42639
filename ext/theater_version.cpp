// theater_version(): this build's version (CMakeLists.txt's project version).
// A second load looks for it to tell whether this build is loaded already
// (theater.cpp, already_loaded).
#include "build_info.hpp"

namespace theater {

void theater_version_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    sqlite3_result_text(ctx, THEATER_VERSION, -1, SQLITE_STATIC);
}

}  // namespace theater
