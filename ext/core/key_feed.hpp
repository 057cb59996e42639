// A statement that answers one key after another without starting again.
//
// A lookup through a nested statement costs a reset, a bind and a step (the
// virtual machine starts over, opens its cursors and descends the B-tree):
// about 3,800 instructions, where the same lookup inside a join costs a
// B-tree descent. When a statement asks for keys in no useful order (the
// planner reads `auditions` through an index on role_id, so audition_role(a.id)
// gets audition ids in role order), the forward scan (core/forward_scan.hpp)
// must seek for nearly every key.
//
// A keyed statement is that lookup written as a join with a table of keys:
//   SELECT ..., k.value, k.seq FROM main.theater_keys(?1) AS k LEFT JOIN ... ON ... = k.value
// The table theater_keys (this file's module) yields the key its owner has
// just posted. Asked for another row before the owner posts the next key,
// it yields a row whose value is NULL instead: the mark that the key's rows
// have ended, and the statement stops there (sqlite3_step returns it). It is
// stepped again only once the next key is posted, so every key costs one
// row of theater_keys and the join's own descent, and the statement is never
// reset. LEFT JOIN gives every key at least one row, which is how a key
// without rows says so. An owner that needs only a key's first row never
// steps to the mark. The rest of that key's rows would come before the
// next key's: "WHERE <a column of the joined table> IS NULL OR k.seq =
// k.live" drops them inside the statement (k.live is the tag of the key
// posted last, k.seq the tag of the row's key), and the owner skips by tag
// whatever still comes.
//
// Owners keep a keyed statement only as long as the forward scan would be
// kept (see connection_may_have_written) and forget() it whenever the
// connection may have written.
#pragma once

#include "core/statement_pool.hpp"

#include <string>
#include <vector>

namespace theater {

// The eponymous table that keyed statements read their keys from:
// theater_keys(feed), columns value, seq, live; feed is a KeyFeed pointer bound with
// sqlite3_bind_pointer (type kKeyFeedPointer), which SQL cannot make. Used
// with anything else it has no rows. SQLITE_VTAB_DIRECTONLY: never from a
// view or trigger.
constexpr const char* kKeyFeedTable = "theater_keys";
extern const sqlite3_module kKeyFeedModule;

// The rows of one key after another from a keyed statement. The statement's
// columns `tag` and `tag + 1` must be k.value and k.seq; ?1 is the feed.
class KeyedRows {
public:
    KeyedRows(StatementPool& pool, int tag) noexcept : pool_(&pool), tag_(tag) {}
    // The statement holds a pointer to feed_.
    KeyedRows(const KeyedRows&) = delete;
    KeyedRows& operator=(const KeyedRows&) = delete;

    // Prepares the statement (once); false when it cannot be (a table of
    // the user's named theater_keys, no memory): the owner keeps its scans.
    bool ready() noexcept;
    // Positions on the first row of `key` (the LEFT JOIN's row of NULLs when
    // it has none). False only if the statement ended, which it does not.
    bool seek(sqlite3_int64 key);
    // The next row of the same key; false at the end of its rows.
    bool next();
    sqlite3_stmt* row() const noexcept { return rows_.get(); }
    // False once the statement could not serve: it failed to prepare, or
    // failed when it started (an authorizer now denies theater_keys), or
    // read its tags as NULL (an authorizer answers SQLITE_IGNORE). seek()
    // then returned false, and the owner goes back to its scans.
    bool usable() const noexcept { return usable_; }
    // The statement is reset; the next seek starts it again.
    void forget() noexcept {
        rows_.release();
        in_key_ = false;
    }
    // Answers from `pool`'s statement from now on (the same rows and tag
    // columns, other columns: the ones a statement reads).
    void use(StatementPool& pool) noexcept {
        if (&pool == pool_) return;
        forget();
        pool_ = &pool;
    }

    // What theater_keys reads: the key posted, and the number that tags it.
    struct Feed {
        sqlite3_int64 key = 0;
        sqlite3_int64 seq = 0;
        bool posted = false;
    };

private:
    StatementPool* pool_;
    int tag_;
    StatementLease rows_;
    Feed feed_;
    // The statement stands on a row of the current key, not past its end.
    bool in_key_ = false;
    bool usable_ = true;
};

// Whether a keyed statement may rely on the order its plan reads a key's
// rows in: true when `sql`'s plan reads the table with alias `alias`
// through its INTEGER PRIMARY KEY (one row per key) or through an index
// whose key columns are exactly one of `accepted` (ascending, BINARY), or
// begin with one that ends with the column `unique`, and
// the connection does not read unordered rows backwards (PRAGMA
// reverse_unordered_selects, which SQLite applies whenever it prepares a
// statement, also when it prepares one again after a schema change). False
// for any other plan, and when the plan cannot be read. An empty `alias`
// asks only the pragma (a key's rows in any order will do).
bool plan_keeps_index_order(Connection& conn, const std::string& sql, const std::string& alias,
                            const std::vector<std::vector<std::string>>& accepted,
                            const std::string& unique = "") noexcept;

// Whether `sql`'s plan sorts (a temporary B-tree for ORDER BY, DISTINCT or
// GROUP BY): its first step would then read every row. True also when the
// plan cannot be read.
bool plan_sorts(Connection& conn, const std::string& sql) noexcept;

}  // namespace theater
