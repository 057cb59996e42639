// Inside resolve(): what the integer path (resolve.cpp) and the general
// path (resolve_general.cpp) share. Not for other files.
#pragma once

#include "model/options.hpp"
#include "model/resolve.hpp"

#include <utility>
#include <vector>

#include <string>

namespace theater {
namespace detail {

// A declared type as a virtual table column's type: its affinity's name.
std::string column_type(const std::string& declared);
// A column's affinity; the rowid (not a column) is INTEGER.
std::string affinity_of(const SchemaTable& table, const std::string& column);
bool numeric_affinity_of(const SchemaTable& table, const std::string& column);
// The name that reads `table`'s rowid, preferring the column that is it.
std::string rowid_column(sqlite3* db, const SchemaTable& table);
// A column's collating sequence: empty for BINARY (and a view's column),
// "?" where this SQLite cannot say.
std::string collation_of(sqlite3* db, const SchemaTable& t, const std::string& column);
// The table or view, or "<role>: no table or view named ...".
SchemaTable need_relation(sqlite3* db, const std::string& name, const char* role);
// The column a one-column foreign key refers to (empty: the parent has no
// one-column primary key).
std::string referenced(const SchemaForeignKey& fk, const SchemaTable& parent);
// to_table: a table or view, or 'table.column' (the association proxy:
// `proxy` is the column, as the table spells it).
struct Target {
    SchemaTable table;
    std::string proxy;
};
Target need_target(sqlite3* db, const std::string& to_table);
// Does an option naming a column ("author_id" or "books.author_id") pick
// the column `column` of `table`?
bool option_names(const std::string& option, const std::string& table, const std::string& column);

// Whether the options alone ask for the general path (a filter, an order,
// a tree, columns named without a foreign key, a composite key).
bool needs_general(const Options& o, const Declaration& d);
// The general path (JoinPath::General): any key, tables or views, foreign
// keys of any width or columns the options name, a filter, an order, trees.
Resolved resolve_general(sqlite3* db, const Declaration& d, const Options& o);
// The names resolve_general() gives the arguments, as far as the stored
// options and the tables still there tell (argument_names()).
std::vector<std::string> general_argument_names(sqlite3* db, const Declaration& d, const Options& o);

// What INSERT and DELETE through the relationship do (model-layer.md,
// "Writes"), or why it takes none (RelationshipSpec::Write::refusal).
// `holder_fk` are the columns of the row's holder (to_table, or the link)
// that match `source_ref` of from_table; a link's `link_to` match
// `target_ref` of to_table. `returned` are the function's columns.
struct WriteShape {
    const SchemaTable* from = nullptr;
    const SchemaTable* to = nullptr;
    const SchemaTable* link = nullptr;  // many-to-many only
    JoinPath::Kind kind = JoinPath::kOneToMany;
    bool recursive = false;
    std::vector<std::string> source_ref;
    std::vector<std::string> holder_fk;
    std::vector<std::string> link_to;
    std::vector<std::string> target_ref;
    std::string where;
};
RelationshipSpec::Write plan_writes(sqlite3* db, const WriteShape& shape, const Options& o,
                                    const std::vector<std::pair<std::string, std::string>>& returned);
// The option on_remove in stored form, or empty when not given.
std::string stored_on_remove(const Options& o);

}  // namespace detail
}  // namespace theater
