// The options argument of theater_relate: a JSON object of strings that
// names the join path's columns (model-layer.md, "Declaring").
#pragma once

#include "core/sqlite.hpp"

#include <map>
#include <string>

namespace theater {

struct Options {
    std::map<std::string, std::string> values;
    const std::string* get(const char* key) const {
        auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
};

// "options must be a JSON object such as ..., not <json>".
std::string not_an_object(const std::string& json);

// The options in `json` (empty: none), checked: an object, of known keys,
// with string values. Throws SqlError saying what is wrong.
Options parse_options(sqlite3* db, const std::string& json);

}  // namespace theater
