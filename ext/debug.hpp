// theater_debug(): how this build was made, for bug reports (the convention of
// sqlite-vec's vec_debug()).
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void theater_debug_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
