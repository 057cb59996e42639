// theater_enforce_foreign_keys(table) (model-layer.md, "Integrity without
// the pragma").
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void theater_enforce_foreign_keys_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
