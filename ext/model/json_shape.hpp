// The shape string of theater_json (model-layer.md, "Nested JSON"), parsed:
// a pure function of the text, tested on its own. Nothing in a shape is SQL:
// names are names, and numbers are integers.
#pragma once

#include <string>
#include <vector>

namespace theater {

struct JsonShape {
    struct Item {
        std::string key;   // the JSON key (the alias, or the name)
        std::string name;  // a column, "*", or a relationship
        bool star = false;
        bool embed = false;  // name(shape)
        std::vector<JsonShape> nested;  // one element when embed
    };
    struct OrderTerm {
        std::string column;
        bool desc = false;
    };
    std::vector<Item> items;
    std::vector<OrderTerm> order;
    long long limit = -1;  // -1: none
    long long offset = 0;
};

// Throws SqlError "shape: <what> at character N" on a syntax error.
JsonShape parse_json_shape(const std::string& text);

}  // namespace theater
