#include "core/args.hpp"

#include <cmath>
#include <string>

namespace theater {

namespace {

// SQLite's own rule for REAL -> INTEGER under INTEGER affinity
// (sqlite3VdbeIntegerAffinity): exact, and strictly inside the int64 range.
bool real_as_integer(double d, sqlite3_int64* out) {
    if (!std::isfinite(d)) return false;
    if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
    auto i = static_cast<sqlite3_int64>(d);
    if (static_cast<double>(i) != d) return false;
    if (i == INT64_MIN || i == INT64_MAX) return false;
    *out = i;
    return true;
}

}  // namespace

std::optional<sqlite3_int64> integer_argument(sqlite3_value* value, const char* argument) {
    int type = sqlite3_value_type(value);
    if (type == SQLITE_NULL) return std::nullopt;
    // Text gets NUMERIC affinity applied in place: "7" and " 7 " become
    // INTEGER, "7e0" and "7.0" become REAL, "12abc" and "" stay TEXT.
    if (type == SQLITE_TEXT) type = sqlite3_value_numeric_type(value);
    if (type == SQLITE_INTEGER) return sqlite3_value_int64(value);
    sqlite3_int64 result = 0;
    if (type == SQLITE_FLOAT && real_as_integer(sqlite3_value_double(value), &result)) return result;
    throw SqlError(std::string(argument) + " must be an integer");
}

std::string text_argument(sqlite3_value* value, const char* what) {
    if (sqlite3_value_type(value) != SQLITE_TEXT) throw SqlError(std::string(what) + " must be text");
    const unsigned char* text = sqlite3_value_text(value);
    int size = sqlite3_value_bytes(value);
    if (!text) throw SqlError("out of memory", SQLITE_NOMEM);
    std::string out(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
    if (out.find('\0') != std::string::npos) throw SqlError(std::string(what) + " must not contain a NUL character");
    return out;
}

}  // namespace theater
