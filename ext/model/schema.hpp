// What the model layer reads of a schema: tables, their columns, keys,
// foreign keys and indexes, all of the main database, through SQLite's pragma
// table-valued functions with bound arguments (a name is never formatted
// into SQL here).
#pragma once

#include "core/quote.hpp"
#include "core/sqlite.hpp"

#include <optional>
#include <string>
#include <vector>

namespace theater {

struct SchemaColumn {
    std::string name;
    std::string type;     // as declared; may be empty
    std::string dflt;     // the DEFAULT expression's SQL text, or empty
    bool has_default = false;
    bool not_null = false;
    int pk = 0;           // position in the primary key, 0 when not in it
    bool generated = false;  // GENERATED ALWAYS AS (...), VIRTUAL or STORED
    // For a generated column: the columns its expression names, as read from
    // the CREATE TABLE statement (a name that is not a column is left out).
    std::vector<std::string> depends_on;
};

struct SchemaForeignKey {
    int id = 0;
    std::string parent;                 // the referenced table, as written
    std::vector<std::string> columns;   // in this table
    std::vector<std::string> parent_columns;  // empty entries: the parent's primary key
    std::string on_delete;              // CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION
    std::string on_update;
};

struct SchemaIndex {
    std::string name;
    bool unique = false;
    bool partial = false;
    std::vector<std::string> columns;  // empty name: an expression or the rowid
};

struct SchemaTable {
    std::string name;  // as stored in sqlite_master
    std::string sql;   // its CREATE TABLE statement
    std::vector<SchemaColumn> columns;
    std::vector<SchemaForeignKey> foreign_keys;
    std::vector<SchemaIndex> indexes;
    bool without_rowid = false;
    // A view (read_relation() only): columns, and no rowid, key, foreign
    // key or index.
    bool view = false;

    const SchemaColumn* column(const std::string& wanted) const;  // case-insensitive
    // A name for the rowid that no column shadows (rowid, _rowid_ or oid);
    // empty when all three are columns or the table is WITHOUT ROWID.
    std::string rowid_name() const;
    // The column that is the rowid (an INTEGER PRIMARY KEY), else rowid_name().
    std::string rowid_column() const;
    // The INTEGER PRIMARY KEY column (the rowid under a name of its own), or
    // empty.
    std::string integer_primary_key() const;
    // Of rowid, _rowid_ and oid, the ones no column shadows (none for a
    // WITHOUT ROWID table): the names an UPDATE may change the rowid by.
    std::vector<std::string> rowid_aliases() const;
    // The primary key's columns, in key order.
    std::vector<std::string> primary_key() const;
    // The column that the table's integer key lives in: an INTEGER PRIMARY
    // KEY (the rowid), or a one-column primary key with INTEGER affinity;
    // the rowid's own name when there is no primary key; nullopt otherwise.
    std::optional<std::string> integer_key() const;
    // True when the column alone is unique (its own primary key or a unique
    // index on it alone).
    bool unique_column(const std::string& wanted) const;
    // The index whose first column is `name` with the fewest columns, or null.
    const SchemaIndex* index_leading_with(const std::string& wanted) const;
};


// SQLite's column affinity of a declared type (datatype3.html, 3.1):
// "INTEGER", "TEXT", "BLOB", "REAL" or "NUMERIC".
const char* affinity(const std::string& declared_type);

// The main database's table named `name` (case-insensitive), or nullopt.
// Views, virtual tables and sqlite_ internals are not tables here.
std::optional<SchemaTable> read_table(sqlite3* db, const std::string& name);

// The main database's table or view named `name` (case-insensitive), or
// nullopt: what a declared relationship may join (model-layer.md, "Real
// schemas").
std::optional<SchemaTable> read_relation(sqlite3* db, const std::string& name);

// Appends `name` to `names` unless a name there is the same (same_name).
void add_unique(std::vector<std::string>& names, const std::string& name);

// The table of that name (case-insensitive) among `tables`, or null.
const SchemaTable* find_table(const std::vector<SchemaTable>& tables, const std::string& name);

// Every ordinary table of the main database, in name order, except SQLite's
// own and those named (exactly) in `leave_out`.
std::vector<SchemaTable> read_all_tables(sqlite3* db, const std::vector<std::string>& leave_out);

}  // namespace theater
