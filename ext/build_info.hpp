// What this build is: theater_version() and theater_debug() (the convention
// of sqlite-vec's vec_version() and vec_debug()), for bug reports.
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void theater_version_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_debug_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
