#include "model/options.hpp"

#include "core/quote.hpp"

#include <cstring>

namespace theater {

namespace {

constexpr const char* kOptionsObject = "SELECT json_type(?1)";
constexpr const char* kOptionsEach = "SELECT key, value, type FROM json_each(?1)";

constexpr const char* kOptionNames =
    "column, from_column, to_column, through_from, through_to, argument, direction, where, order_by, recursive, "
    "max_depth, view and on_remove";

bool one_of(const std::string& key, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        if (key == name) return true;
    }
    return false;
}

// A column option: a string, or an array of strings (a composite key).
std::vector<std::string> column_list(sqlite3* db, const std::string& key, const std::string& value,
                                     const std::string& type) {
    if (type == "text") return {value};
    std::string what = "option " + json_string(key) + " must be a string or an array of strings";
    if (type != "array") throw SqlError(what);
    std::vector<std::string> out;
    Stmt each = prepare(db, kOptionsEach);
    bind_text(each.get(), 1, value);
    while (step(db, each.get())) {
        if (column_bytes(each.get(), 2) != "text") throw SqlError(what);
        out.push_back(column_bytes(each.get(), 1));
    }
    if (out.empty()) throw SqlError("option " + json_string(key) + " must not be an empty array");
    return out;
}

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
    // SQLite's JSON functions end a string at an escaped NUL (\u0000), so
    // what they return would be less than what the text says: refused, as a
    // NUL in any text argument is.
    for (std::size_t at = json.find("\\u0000"); at != std::string::npos; at = json.find("\\u0000", at + 1)) {
        std::size_t backslashes = 0;
        while (backslashes < at && json[at - 1 - backslashes] == '\\') ++backslashes;
        if (backslashes % 2 == 0) throw SqlError("options must not contain a NUL character (\\u0000)");
    }
    Stmt each = prepare(db, kOptionsEach);
    bind_text(each.get(), 1, json);
    while (step(db, each.get())) {
        std::string key = column_bytes(each.get(), 0);
        std::string value = column_bytes(each.get(), 1);
        std::string kind = column_bytes(each.get(), 2);
        if (one_of(key, {"from_column", "to_column", "through_from", "through_to", "argument"})) {
            o.lists[key] = column_list(db, key, value, kind);
            for (const std::string& column : o.lists[key]) {
                if (column.empty()) throw SqlError("option " + json_string(key) + " must not be empty");
            }
            if (kind == "text") o.values[key] = value;
        } else if (key == "recursive") {
            if (kind != "true" && kind != "false") throw SqlError("option \"recursive\" must be true or false");
            o.recursive = kind == "true";
        } else if (key == "max_depth") {
            // An integer of 1 or more; JSON's 2.0 is a real, refused too.
            if (kind != "integer" || sqlite3_column_int64(each.get(), 1) < 1) {
                throw SqlError("option \"max_depth\" must be an integer of 1 or more, not " + value);
            }
            o.max_depth = sqlite3_column_int64(each.get(), 1);
        } else if (one_of(key, {"column", "direction", "view", "where", "order_by", "on_remove"})) {
            if (kind != "text") throw SqlError("option " + json_string(key) + " must be a string");
            o.values[key] = value;
        } else {
            throw SqlError("unknown option " + json_string(key) + "; the options are " + kOptionNames);
        }
    }
    if (const std::string* direction = o.get("direction")) {
        if (*direction != "one-to-many" && *direction != "many-to-one") {
            throw SqlError("option \"direction\" must be \"one-to-many\" or \"many-to-one\", not " +
                           json_string(*direction));
        }
    }
    if (const std::string* on_remove = o.get("on_remove")) {
        if (*on_remove != "delete" && *on_remove != "orphan") {
            throw SqlError("option \"on_remove\" must be \"delete\" or \"orphan\", not " + json_string(*on_remove));
        }
    }
    if (o.max_depth != 0 && !o.recursive) throw SqlError("option \"max_depth\" needs \"recursive\": true");
    return o;
}

}  // namespace theater
