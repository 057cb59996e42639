// A join path, named in pieces, and the RelationshipSpec that serves it: the
// one place the engine's SQL for a relationship is written. The theater's
// own relationships build their path from what the migrations made
// (theater/); a declared relationship finds its path in the schema
// (model/resolve.hpp).
#pragma once

#include "engine/relationship_spec.hpp"

#include <string>
#include <utility>
#include <vector>

namespace theater {

struct JoinPath {
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
    // and check once that the key names a row (RelationshipSpec::parent).
    bool fk_numeric = false;
    // from_key is from_table's rowid: its keys are distinct integers, so
    // when their count equals their span every integer of the span names a
    // row (RelationshipSpec::parent_bounds).
    bool from_key_is_rowid = false;
    std::string argument;        // the hidden column's name
    bool unique = false;         // at most one row per key
    // kManyToOne: to_table.ref is its rowid, so a parent is found by an
    // integer foreign key exactly as by an integer (RelationshipSpec::memo).
    bool ref_is_rowid = false;

    // A general path (model-layer.md, "Real schemas"): any key, of one
    // column or several, tables or views, joined by foreign keys or by
    // columns the user names, with the user's filter and order, or a tree.
    // spec_for() then ignores the integer path's fields above but
    // from_table, to_table, to_columns, kind and unique.
    struct General {
        // from_table's key, (column, affinity) each: the arguments compare
        // with it. Names of the hidden argument columns, one per key column.
        std::vector<std::pair<std::string, std::string>> keys;
        std::vector<std::string> key_collations;  // each key column's; empty: BINARY
        std::vector<std::string> arguments;
        // The join: from_table.from_columns[i] = first.first_columns[i],
        // where `first` is to_table, or (many-to-many) the link table,
        // whose link_columns[i] = to_table.to_columns[i].
        std::vector<std::string> from_columns;
        std::vector<std::string> first_columns;
        std::string link_table;  // empty: none
        std::vector<std::string> link_columns;
        std::vector<std::string> to_columns;
        // The user's filter (empty: none) and ORDER BY terms (expression,
        // then " DESC", " NULLS LAST" and the like), SQL over the columns of
        // to_table and the link table, checked (model/fragment.hpp) before
        // they get here. Then the rows' own order: `tie_break`, columns of
        // to_table (or the link table, tie_break_on_link).
        std::string where;
        std::vector<std::pair<std::string, std::string>> order_by;
        std::vector<std::string> tie_break;
        bool tie_break_on_link = false;
        // A tree (from_table = to_table): `identity`, the table's key, tells
        // a row returned already; `next`, the row's from_columns, are what
        // its children's first_columns match. Where each pair of
        // first_columns and from_columns compares as the join compares them
        // when one side is a bound value (the same affinity class, so that no
        // conversion differs), a level below the first seeks the target by
        // those values alone (`children_by_value`); else by the key, through
        // from_table, as the first level does.
        bool recursive = false;
        long long max_depth = 0;
        std::vector<std::string> identity;
        std::vector<std::string> next;
        bool children_by_value = false;
        // A name of the rowid of the table that holds each row (to_table,
        // or the link table), where the relationship takes writes: the
        // rows' rowid, which a DELETE names (RelationshipSpec::Write).
        // Empty: the table numbers its rows.
        std::string holder_rowid;
    };
    bool general = false;
    General g;
};

// The relationship's kind in words, as far as the path tells:
// one-to-many (one-to-one when `unique`), many-to-one, many-to-many.
std::string kind_name(const JoinPath& path);

// The spec of the table-valued function `name` that serves `path`.
RelationshipSpec spec_for(const std::string& name, const JoinPath& path);

}  // namespace theater
