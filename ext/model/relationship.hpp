// A relationship declared with theater_relate(): from its arguments and the
// schema's foreign keys to the RelationDescriptor that the relationship
// cursor (relations/relation.hpp) serves (model-layer.md, "Declaring").
#pragma once

#include "model/schema.hpp"
#include "relations/relation.hpp"

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

// The path found, as the descriptor to serve and words for people.
struct Resolved {
    RelationDescriptor descriptor;
    std::string kind;            // one-to-many, many-to-one, one-to-one, many-to-many
    std::string summary;         // what theater_relate() returns
    Declaration stored;          // canonical table names, options with every choice named
};

// Names usable for a declared relationship: an SQL identifier that needs no
// quoting ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters), not starting
// with theater_ or sqlite_ and not one of the theater's own table-valued
// functions. Returns the reason when it is not, or an empty string.
std::string invalid_relationship_name(const std::string& name);

// Finds the join path in the schema. Throws SqlError with a message (not
// prefixed by a function name) when there is none, or more than one.
Resolved resolve(sqlite3* db, const Declaration& d);

// The pieces of a path, named; shared by resolve() and by the theater's own
// relationships (relations/theater_relations.cpp), which are built from a
// path fixed by the migrations instead of one read from the schema.
struct Path {
    enum Kind { kOneToMany, kManyToOne, kManyToMany } kind = kOneToMany;
    std::string from_table;
    std::string from_key;        // from_table's integer key column (or rowid name)
    std::string to_table;
    std::string to_rowid;        // a name for to_table's rowid
    std::vector<std::pair<std::string, std::string>> to_columns;  // returned: name, declared type
    // kOneToMany: to_table.fk references from_table.ref.
    // kManyToOne: from_table.fk references to_table.ref.
    // kManyToMany: through.fk references from_table.ref, through.to_fk
    // references to_table.to_ref.
    std::string fk;
    std::string ref;
    std::string through_table;
    std::string through_rowid;
    std::string to_fk;
    std::string to_ref;
    std::vector<std::string> through_order;  // columns after fk in the index the seek uses
    // True only where something outside the relationship guarantees that
    // every non-NULL foreign key (fk) is an integer naming a row of
    // from_table: the theater's own auditions, whose triggers refuse any
    // other role_id. The seek then ranges over the foreign key alone. A
    // declared relationship cannot know that (an orphan key, '1' in a TEXT
    // column, 1.5 in a REAL one), so it reads from_table's key as the plain
    // join does, and returns exactly the join's rows.
    bool fk_names_a_row = false;
    // The foreign key column (fk; for many-to-many, through.fk) has INTEGER,
    // REAL or NUMERIC affinity, so it compares with an integer exactly as
    // from_table's integer key does: the seek of one key may range over it
    // and check once that the key names a row (RelationDescriptor::parent).
    bool fk_numeric = false;
    std::string argument;        // the hidden column's name
    bool unique = false;         // at most one row per key
    int order_column = -1;       // output column the rows of one key are ordered by, or -1
};

RelationDescriptor describe(const std::string& name, const Path& path);

// The name of the hidden argument column of a declaration that no longer
// resolves (before SQLite 3.37.0 its table is connected all the same, see
// DeclaredRelation::descriptor): the name resolve() gives it, as far as the
// stored options and the tables still there tell. Throws only what is not
// the schema's answer (out of memory, a busy database).
std::string argument_name(sqlite3* db, const Declaration& d);

}  // namespace theater
