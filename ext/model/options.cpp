#include "model/options.hpp"

#include "core/quote.hpp"

namespace theater {

namespace {

constexpr const char* kOptionsObject = "SELECT json_type(?1)";
constexpr const char* kOptionsEach = "SELECT key, value, type FROM json_each(?1)";

}  // namespace

std::string not_an_object(const std::string& json) {
    return "options must be a JSON object such as '{\"column\": \"author_id\"}', not " + json;
}

Options parse_options(sqlite3* db, const std::string& json) {
    Options o;
    if (json.empty()) return o;
    Stmt type = prepare(db, kOptionsObject);
    bind_text(type.get(), 1, json);
    bool ok = false;
    try {
        ok = step(db, type.get()) && column_bytes(type.get(), 0) == "object";
    } catch (const SqlError& e) {
        // Malformed JSON is SQLITE_ERROR; anything else (out of memory, an
        // interrupt) is not an answer about the options.
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
    }
    if (!ok) {
        throw SqlError(not_an_object(json));
    }
    Stmt each = prepare(db, kOptionsEach);
    bind_text(each.get(), 1, json);
    while (step(db, each.get())) {
        std::string key = column_bytes(each.get(), 0);
        if (key != "column" && key != "from_column" && key != "to_column" && key != "argument" &&
            key != "direction" && key != "view") {
            throw SqlError("unknown option " + json_string(key) +
                           "; the options are column, from_column, to_column, argument, direction and view");
        }
        if (column_bytes(each.get(), 2) != "text") {
            throw SqlError("option " + json_string(key) + " must be a string");
        }
        o.values[key] = column_bytes(each.get(), 1);
    }
    if (const std::string* direction = o.get("direction")) {
        if (*direction != "one-to-many" && *direction != "many-to-one") {
            throw SqlError("option \"direction\" must be \"one-to-many\" or \"many-to-one\", not " +
                           json_string(*direction));
        }
    }
    return o;
}

}  // namespace theater
