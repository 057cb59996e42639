// A relationship declared with theater_relate(): from its arguments and the
// schema's foreign keys to the join path (engine/join_path.hpp) and the spec
// the engine serves (model-layer.md, "Declaring"). The pipeline:
//   Declaration (what the user said, as stored in theater_relationships)
//     -> resolve(): the JoinPath found in the schema
//     -> spec_for(): the RelationshipSpec the engine serves.
#pragma once

#include "engine/join_path.hpp"
#include "model/schema.hpp"

#include <string>

namespace theater {

// What the user declared, as stored in theater_relationships.
struct Declaration {
    std::string name;
    std::string from_table;
    std::string to_table;       // a table, or 'table.column' (association proxy)
    std::string through_table;  // empty: none
    std::string options;        // a JSON object; empty: none
};

// The path found, as the spec to serve and words for people.
struct Resolved {
    RelationshipSpec spec;       // spec.about.kind: one-to-many, many-to-one, one-to-one, many-to-many
    std::string summary;         // what theater_relate() returns
    Declaration stored;          // canonical table names, options with every choice named
    std::string view;            // the plain view to publish (option "view"); empty: none
};

// Finds the join path in the schema. Throws SqlError with a message (not
// prefixed by a function name) when there is none, or more than one.
Resolved resolve(sqlite3* db, const Declaration& d);

// The name of the hidden argument column of a declaration that no longer
// resolves (before SQLite 3.37.0 its table is connected all the same, see
// DeclaredRelationship::spec): the name resolve() gives it, as far as the
// stored options and the tables still there tell. Throws only what is not
// the schema's answer (out of memory, a busy database).
std::string argument_name(sqlite3* db, const Declaration& d);
// The same for every argument (several for a composite key).
std::vector<std::string> argument_names(sqlite3* db, const Declaration& d);

}  // namespace theater
