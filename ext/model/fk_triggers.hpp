// The triggers theater_enforce_foreign_keys makes for a table's foreign keys
// (model-layer.md, "Integrity without the pragma"), built from the schema as
// read (model/schema.hpp) by pure functions: the rules they follow are at
// the top of fk_triggers.cpp.
#pragma once

#include "model/schema.hpp"

#include <optional>
#include <string>
#include <vector>

namespace theater {

// Every trigger is named "theater_fk:<child>:<n>:<what>", n the key's id in
// pragma_foreign_key_list.
constexpr const char* kFkTriggerPrefix = "theater_fk:";

struct FkTrigger {
    std::string name;
    std::string table;  // the table it is ON
    std::string sql;    // its CREATE TRIGGER
    // Where it goes among the theater_fk triggers of its table: checks
    // first, then the actions in the reverse of SQLite's order (the child
    // table's row in sqlite_master up, the key's id down), as SQLite runs
    // the newest trigger first.
    bool check = false;
    sqlite3_int64 child_row = 0;
    int id = 0;
};

// "table.a,b": a key's columns, as the triggers' messages name them.
std::string dotted(const std::string& table, const std::vector<std::string>& columns);

// Whether `a` is created before `b` (std::stable_sort's order).
bool runs_later(const FkTrigger& a, const FkTrigger& b);

// The triggers of one foreign key `fk` of `child` to `parent`, named with
// `prefix` ("theater_fk:<child>:"). `child_row` is the child's rowid in
// sqlite_master; `key_columns` the child's columns that belong to a key of
// its own or to a parent key another key refers to. Throws SqlError for a
// key that triggers cannot enforce (saying why).
std::vector<FkTrigger> fk_triggers_for(const SchemaTable& child, const SchemaForeignKey& fk, const SchemaTable& parent,
                                       const std::string& prefix, sqlite3_int64 child_row,
                                       const std::vector<std::string>& key_columns);

// Whether a CREATE TABLE declares a DEFERRABLE INITIALLY DEFERRED foreign
// key, which a trigger (run at once) cannot stand in for.
bool declares_deferred(const std::string& create_table);

// A theater_fk trigger's name taken apart.
struct FkTriggerName {
    std::string child;
    int id = 0;
    std::string what;  // insert, update, parent_delete, parent_update, parent_delete_check, parent_update_check
};
std::optional<FkTriggerName> parse_fk_trigger_name(const std::string& name);

}  // namespace theater
