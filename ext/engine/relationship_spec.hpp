// What the relationship engine serves: one "rows of B related to this row of
// A" table-valued function, described by a RelationshipSpec, and the SQL the
// engine runs for it (built here, by pure functions of the spec). A spec is
// made from a join path (engine/join_path.hpp) by the engine's two clients:
// the theater's own relationships (theater/) and the ones declared with
// theater_relate (model/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace theater {

struct RelationshipSpec {
    struct Column {
        std::string name;  // as declared by the table-valued function
        std::string type;  // declared type, for clients that read it
        std::string expr;  // SQL expression over the aliases s (source) and t (target)

        bool operator==(const Column& other) const {
            return name == other.name && type == other.type && expr == other.expr;
        }
    };

    // A hidden argument column: one per column of the source's key.
    struct Argument {
        std::string name;
        std::string type;       // the key column's affinity
        std::string collation;  // the key column's collating sequence; empty: BINARY
        bool operator==(const Argument& other) const {
            return name == other.name && type == other.type && collation == other.collation;
        }
    };

    std::string name;  // SQL name of the table-valued function
    std::vector<Argument> arguments;  // never empty
    std::vector<Column> columns;
    // FROM clause of the join the relationship stands for, using aliases s
    // and t (and f), with every identifier quoted.
    std::string from;
    // The same FROM clause with unqualified table names, for SQL stored in
    // the database (a plain view): SQLite binds a view's unqualified names
    // to the view's own schema, and refuses a view that names main. when
    // the file is attached under another name.
    std::string view_from;
    // Expressions the arguments are compared with, in order: the key of one
    // source row.
    std::vector<std::string> keys;
    // A general relationship (any key, several key columns, a view, an order
    // or a filter of the user's, a tree): one statement per key,
    // "... WHERE keys = ?1, ?2, ..." stepped from its start, instead of the
    // forward scan that serves one integer key (seek_from, seek_key and
    // parent are then empty). Its rows have no rowid of their own: the
    // table numbers them.
    bool general = false;
    // A tree (general only): the seek's rows end with `next` and then
    // `identity`, the row's own key; the table walks the levels
    // breadth-first, each row once (by its identity), up to max_depth (0: no
    // limit), and adds a column named depth after `columns`. Below the first
    // level, `children` ("SELECT columns, next, identity ... WHERE
    // <first columns> = ?1, ..."), bound to a row's `next`, gives its
    // children; without it, the seek bound to the row's identity does.
    // `roots` lists every key, for a use without the argument.
    bool recursive = false;
    long long max_depth = 0;
    std::vector<std::string> next;
    std::vector<std::string> identity;
    std::string children;
    std::string roots;
    // For a caller that holds the source row already (theater_json nests
    // one relationship's rows inside another's): the join without
    // from_table, its rows those whose embed_keys[i] equal the source row's
    // column embed_source[i] (what the join compares them with, so the
    // same rows). Same aliases and columns as `from`. Empty for a tree.
    std::vector<std::string> embed_source;
    std::string embed_from;
    std::vector<std::string> embed_keys;
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
    // Optional, with `parent`, where from_table's key is its rowid:
    // `parent_bounds` reads the keys' least and greatest (two B-tree
    // descents), `parent_count` how many there are (it reads the table's
    // pages, not its rows). When the count fills the span, a key names a
    // row exactly when it lies in the span, and the parent query is not
    // needed for the rest of the statement (until a write).
    std::string parent_bounds;
    std::string parent_count;
    // Optional, for keys asked in no order (core/key_feed.hpp): the join as
    // a keyed statement, "theater_keys(?1) AS k LEFT JOIN ... ON <key> =
    // k.value LEFT JOIN ...", each join of `from` a LEFT JOIN in the same
    // order, and `keyed_present`, an expression that is NULL exactly on the
    // rows where a join found nothing (not rows of the relationship). Rows
    // of one key come in `order` only where the plan reads the table with
    // alias `keyed_ordered_alias` through an index of exactly the columns
    // `keyed_index_columns` (the join's column, then the ones `order`
    // follows); empty: any plan gives them in order (a key has one row).
    std::string keyed_from;
    std::string keyed_present;
    std::string keyed_ordered_alias;
    std::vector<std::string> keyed_index_columns;
    // Optional, for a many-to-one asked in no order (core/key_memo.hpp):
    // `memo`, "SELECT key, fk FROM from_table", every key's foreign key, in
    // any order, and `memo_target`, the parent rows by that foreign key
    // in the seek's columns ("... WHERE ref >= ?1 ORDER BY ref", a forward
    // scan). Empty where the parent's key is not its rowid.
    // `memo_span` reads the keys' least and greatest (two B-tree descents):
    // the memo's size, before it is built.
    // `memo_keyed` is memo_target as a keyed statement (keyed_sql's
    // columns), for parents asked in no order.
    // `memo_follow`, the pairs (key, fk) of the foreign key ?2 after the key
    // ?3, and `memo_follow_next`, those of the foreign keys after ?2, both
    // in the order (fk, key) (memo passes' queries, which stop when the
    // window is full: core/key_memo.hpp, KeyWindow), predict the keys of a statement that reads from_table through the
    // index on the foreign key alone (`memo_follow_index`), as SQLite plans
    // SELECT ... FROM child c, rel(c.id): the keys then come in that index's
    // order, and each key's foreign key is the next pair of a window read
    // in that order.
    std::string memo;
    std::string memo_target;
    std::string memo_keyed;
    std::string memo_span;
    std::string memo_follow;
    std::string memo_follow_next;
    std::string memo_follow_index;
    // `memo_parents`, with memo_follow: the parents whose rowids lie in
    // [?2, ?3], in rowid order, their rowid then the output columns (NULL
    // for memo_parent_key_column), a window of rows' query
    // (core/row_window.hpp): the parents of a follow window's foreign keys.
    std::string memo_parents;
    // With `memo`: the output column that is the parent's rowid, whose value
    // in a row served by the parent (the memo, the window) is the foreign
    // key that found it; -1 when no output column is.
    int memo_parent_key_column = -1;
    // Expression unique per row of the result, across keys: the rowid the
    // table reports (SQLite relies on it, e.g. to merge the branches of an
    // OR into one result without duplicates). A general relationship has
    // one only where it takes writes (the rowid of the row's holder, see
    // Write); else it is empty and the table numbers its rows.
    std::string rowid;
    // Orders the rows of one key (may be empty when a key has one row).
    std::string order;
    // Index of the output column that follows `order`, or -1: lets the table
    // tell the planner that ORDER BY on it needs no sort.
    int order_column = -1;
    // Rows per key, for the planner; `unique` when a key has at most one row.
    double rows_per_key = 1;
    bool unique = false;
    // The message for "no such table" from the engine's queries when the
    // missing table is about.from_table or about.to_table, where that means
    // something the user can act on (the theater's relationships: the
    // database was never migrated). Empty: SQLite's own message, which names
    // the table.
    std::string when_tables_missing;
    // A declared relationship whose declaration did not resolve when its
    // table was connected, on SQLite before 3.37.0 (see
    // DeclaredRelationship::spec): one placeholder column, the argument,
    // and no queries; every use fails, saying why.
    bool broken = false;

    // What INSERT and DELETE through the relationship do (model-layer.md,
    // "Writes"): each row one SQL statement on the real tables, built by
    // engine/write_sql.hpp. Filled by the model layer for a declared
    // relationship; a fixed one is served by the read-only module.
    struct Write {
        // Empty: writes are taken. Otherwise why not, in words.
        std::string refusal = "read-only";
        bool many_to_many = false;
        bool orphan = false;  // {"on_remove": "orphan"}: DELETE sets the key NULL
        std::string source;   // from_table
        std::vector<std::string> source_key;  // its key columns, which the arguments name
        std::vector<std::string> source_ref;  // its columns the holder's key columns hold
        std::string target;                   // to_table
        std::vector<std::string> target_key;  // an existing target row's identity
        // The row holder: the target (one-to-many) or the link table. Its
        // columns holding source_ref's values, and a name of its rowid.
        std::string holder;
        std::vector<std::string> holder_fk;
        std::string holder_rowid;
        // Many-to-many: the link's columns holding target_ref's values.
        std::vector<std::string> link_to;
        std::vector<std::string> target_ref;
        // The user's filter (checked text, over the target and the link).
        std::string where;
        // Per output column: whether an INSERT may give it (a column of
        // the target, not generated), and its affinity (INTEGER, REAL,
        // NUMERIC, TEXT or BLOB), which the filter's check applies to the
        // values as given; and the affinity of each of holder_fk.
        std::vector<bool> insertable;
        std::vector<std::string> affinity;
        std::vector<std::string> holder_fk_affinity;

        bool operator==(const Write& o) const {
            return refusal == o.refusal && many_to_many == o.many_to_many && orphan == o.orphan &&
                   source == o.source && source_key == o.source_key && source_ref == o.source_ref &&
                   target == o.target && target_key == o.target_key && holder == o.holder &&
                   holder_fk == o.holder_fk && holder_rowid == o.holder_rowid && link_to == o.link_to &&
                   target_ref == o.target_ref && where == o.where && insertable == o.insertable &&
                   affinity == o.affinity && holder_fk_affinity == o.holder_fk_affinity;
        }
    } write;

    // Words for people (theater_diagram, theater_relate's answer), not part
    // of what is served, so not compared by ==.
    struct About {
        std::string from_table;
        std::string to_table;
        std::string kind;  // one-to-many, many-to-one, one-to-one, many-to-many
        // from_table's columns the arguments name, in order (theater_json
        // reads them from a row of from_table).
        std::vector<std::string> source_key;
    } about;

    // Everything served equal: the same function, answered by the same
    // queries (a field added above must be compared too).
    bool operator==(const RelationshipSpec& other) const;
    bool operator!=(const RelationshipSpec& other) const { return !(*this == other); }
};

// The engine's SQL for a spec. Both queries return the output columns, then
// the keys (the hidden argument columns), then the rowid (a general spec:
// only where it has one; a tree: the next keys instead).
//   seek_sql: the rows of every key from ?1 on, in key order, for a forward
//             scan (core/forward_scan.hpp); a general spec: the rows of the
//             key ?1, ?2, ... (one parameter per argument);
//   scan_sql: the rows of every key, in key order;
//   table_declaration: the CREATE TABLE that sqlite3_declare_vtab gets;
//   view_select: what a plain view of the relationship selects (no rowid):
//             the output columns, then the key, every key's rows in the
//             order the function gives them. A client that filters the
//             view on the key column gets the function's rows for that
//             key, and SQLite flattens the view, so it is the same seek;
//   view_columns: the names of view_select's columns, the arguments last.
// Where an output column reads the rowid itself (the integer path: a
// child's id, say), the rowid's own column is NULL instead of a second read
// of it (about 170 instructions a row), and rowid_output names the column
// to read it from; else -1.
std::string seek_sql(const RelationshipSpec& spec);
std::string scan_sql(const RelationshipSpec& spec);
int rowid_output(const RelationshipSpec& spec);
// The spec whose queries compute only the output columns a statement reads
// (`col_used` as sqlite3_index_info.colUsed gives it: bit i for column i,
// bit 63 for every column from the 64th on) and NULL for the others: SQLite
// then neither reads those from the record nor copies them into the row
// (about 60 instructions a column a row). The rowid's output column is kept
// (xRowid reads it), and so is every column of a general spec, whose
// queries serve writes and trees. Same rows, same order, same columns.
RelationshipSpec reading_columns(const RelationshipSpec& spec, std::uint64_t col_used);
// The columns reading_columns(spec, col_used) computes, as colUsed bits:
// without the bits that change nothing (the hidden arguments, a kept rowid
// column read or not, columns past the last), so that two statements that
// compute the same columns get the same mask. It computes fewer columns
// than spec where this differs from columns_read(spec, ~0).
std::uint64_t columns_read(const RelationshipSpec& spec, std::uint64_t col_used);
// keyed_sql: the seek's columns, then keyed_present, k.value and k.seq, over
//             keyed_from; empty where the spec has none.
std::string keyed_sql(const RelationshipSpec& spec);
constexpr int kKeyedExtraColumns = 3;  // keyed_present, k.value, k.seq
std::string table_declaration(const RelationshipSpec& spec);
std::string view_select(const RelationshipSpec& spec);
std::vector<std::string> view_columns(const RelationshipSpec& spec);

// The name of the extra column of a tree.
constexpr const char* kDepthColumn = "depth";

}  // namespace theater
