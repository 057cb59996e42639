// Argument rules shared by every function and table (sql-api.md section 4).
#pragma once

#include "core/sqlite.hpp"

#include <optional>
#include <string>

namespace theater {

// An *_id argument: accepted exactly when a column with INTEGER affinity would
// store the value as an INTEGER (7, 7.0, '7', ' 7 ', '7e0'), as that integer.
// NULL gives nullopt. Anything else throws "<argument> must be an integer".
std::optional<sqlite3_int64> integer_argument(sqlite3_value* value, const char* argument);

// A text argument (a name, a table): TEXT only, without NUL characters.
// Anything else throws "<what> must be text".
std::string text_argument(sqlite3_value* value, const char* what);

}  // namespace theater
