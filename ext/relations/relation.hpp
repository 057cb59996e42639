// The relationship cursor: one virtual table module that serves every
// "rows of B related to this row of A" table-valued function. A relationship
// is described by a small descriptor; the module turns it into two internal
// queries (a seek for one key, an ordered scan for all keys) and streams their
// rows. The theater's role_auditions, role_actors, role_locations and
// audition_role are four descriptors (theater_relations.cpp).
#pragma once

#include "core/sqlite.hpp"

#include <string>
#include <vector>

namespace theater {

struct RelationColumn {
    std::string name;  // as declared by the table-valued function
    std::string type;  // declared type, for clients that read it
    std::string expr;  // SQL expression over the aliases s (source) and t (target)

    bool operator==(const RelationColumn& other) const {
        return name == other.name && type == other.type && expr == other.expr;
    }
};

struct RelationDescriptor {
    std::string name;      // SQL name of the table-valued function
    std::string argument;  // hidden argument column
    std::vector<RelationColumn> columns;
    // FROM clause of the join the relationship stands for, using aliases s
    // and t (and f), with every identifier quoted.
    std::string from;
    // Expression the argument is compared with: the key of one source row.
    std::string key;
    // Optional, for the seek of one key: a FROM clause and key expression
    // that range over the foreign key alone (its index), and `parent`, a query
    // "SELECT key FROM from_table WHERE key >= ?1 ORDER BY key" that says
    // whether the key names a row at all. The seek then returns rows only
    // for a key the parent query has, which is what the join returns, for one
    // lookup per key instead of one B-tree descent per key. Empty: the seek
    // reads `from` too.
    std::string seek_from;
    std::string seek_key;
    std::string parent;
    // Expression unique per row of the result, across keys: the rowid the
    // table reports (SQLite relies on it, e.g. to merge the branches of an
    // OR into one result without duplicates).
    std::string rowid;
    // Orders the rows of one key (may be empty when a key has one row).
    std::string order;
    // Index of the output column that follows `order`, or -1: lets the table
    // tell the planner that ORDER BY on it needs no sort.
    int order_column = -1;
    // Rows per key, for the planner; `unique` when a key has at most one row.
    double rows_per_key = 1;
    bool unique = false;
    // A declared relationship whose declaration did not resolve when its
    // table was connected, on SQLite before 3.37.0 (see
    // DeclaredRelation::descriptor): one placeholder column, the argument,
    // and no queries; every use fails, saying why.
    bool broken = false;

    // Everything equal: the same function, served by the same queries (a
    // field added above must be compared too).
    bool operator==(const RelationDescriptor& other) const;
    bool operator!=(const RelationDescriptor& other) const { return !(*this == other); }
};

// The module of the theater's own relationships; its client data is a
// ModuleContext whose descriptor is a RelationDescriptor that never changes.
extern const sqlite3_module kRelationModule;

// The module of a relationship declared with theater_relate; its client data
// is a ModuleContext whose `owned` is the DeclaredRelation
// (model/declared.hpp) that resolves its descriptor from the schema when the
// table is connected, and checks before each use that it still holds.
extern const sqlite3_module kDeclaredRelationModule;

}  // namespace theater
