// The options argument of theater_relate: a JSON object that names the join
// path's columns and shapes the relationship (model-layer.md, "Declaring"
// and "Real schemas").
#pragma once

#include "core/sqlite.hpp"

#include <map>
#include <string>
#include <vector>

namespace theater {

struct Options {
    // Options given as strings.
    std::map<std::string, std::string> values;
    // The options that name columns (from_column, to_column, through_from,
    // through_to, argument): a string is a list of one, an array of
    // strings names the columns of a composite key in order.
    std::map<std::string, std::vector<std::string>> lists;
    bool recursive = false;
    long long max_depth = 0;  // 0: none given

    const std::string* get(const char* key) const {
        auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
    const std::vector<std::string>* list(const char* key) const {
        auto it = lists.find(key);
        return it == lists.end() ? nullptr : &it->second;
    }
    bool has(const char* key) const { return values.count(key) != 0 || lists.count(key) != 0; }
};

// "options must be a JSON object such as ..., not <json>".
std::string not_an_object(const std::string& json);

// The options in `json` (empty: none), checked: an object, of known keys,
// each of its type. Throws SqlError saying what is wrong.
Options parse_options(sqlite3* db, const std::string& json);

}  // namespace theater
