// An ordered query "... WHERE key >= ?1 ORDER BY key ..." kept open and
// walked forward. Used where SQLite asks the same question for ascending keys
// many times in one statement (role_lead(r.id) over every role; a join that
// seeks role_actors(r.id) per role): instead of a new seek, a cursor open and
// a reset per question, the next answer is usually a step or two away.
//
// The owner decides how long a scan may live (never beyond the outer
// statement) and calls forget() whenever connection_may_have_written() says
// so.
#pragma once

#include "core/statement_pool.hpp"

namespace theater {

// True when what a scan read may be stale: the connection completed a write
// since the last check (*changes holds sqlite3_total_changes then), or it is
// inside a write transaction, where a statement may be writing right now
// (total_changes moves only when a writing statement completes, so an UPDATE
// calling role_lead on each row would go unseen). Reads in a writing
// transaction therefore seek anew every time.
bool connection_may_have_written(sqlite3* db, int* changes) noexcept;

class ForwardScan {
public:
    ForwardScan(StatementPool& pool, int key_column) noexcept : pool_(&pool), key_column_(key_column) {}

    // Walks `pool`'s query from now on (the same rows and key column, other
    // columns: the ones a statement reads); a change forgets the position.
    void use(StatementPool& pool) noexcept {
        if (&pool == pool_) return;
        rows_.release();
        positioned_ = false;
        pool_ = &pool;
    }

    // Moves to the first unconsumed row whose key is >= `key`; false when
    // there is none.
    bool position_at(sqlite3_int64 key);
    // Steps to the next row; false at the end.
    bool next();
    // The caller will consume, or skip, every row whose key is below `key`.
    void consumed_below(sqlite3_int64 key) noexcept {
        if (key > floor_) floor_ = key;
    }
    void forget() noexcept { positioned_ = false; }
    // Whether the scan stands on the row of `key` (exactly), which
    // position_at(key) would leave where it is: the next call for the
    // same key needs neither.
    bool at(sqlite3_int64 key) const noexcept {
        return positioned_ && !at_end_ && exact_ && row_key_ == key && key >= floor_;
    }

    bool at_end() const noexcept { return at_end_; }
    // The current row's key as an integer, for ordering: a real is rounded
    // down, text and blobs (which sort after every number) read as INT64_MAX.
    sqlite3_int64 key() const noexcept { return row_key_; }
    // Whether the current row's key equals `key` exactly, as `=` in SQL
    // would say: 5.5 or '5' in a column without affinity is not 5.
    bool key_is(sqlite3_int64 key) const noexcept { return exact_ && row_key_ == key; }
    sqlite3_stmt* row() const noexcept { return rows_.get(); }
    // How many times the scan sought afresh (a reset, a bind and a step):
    // after the first, each says the keys came in no order the scan could
    // follow.
    int seeks() const noexcept { return seeks_; }
    void reset_seeks() noexcept { seeks_ = 0; }

private:
    void seek(sqlite3_int64 key);
    void read_key() noexcept;

    StatementPool* pool_;
    int key_column_;
    StatementLease rows_;
    bool positioned_ = false;
    bool at_end_ = false;
    // While positioned, every row whose key is >= floor_ is at or after the
    // current row (rows before it with such keys do not exist).
    sqlite3_int64 floor_ = 0;
    sqlite3_int64 row_key_ = 0;
    bool exact_ = false;
    int seeks_ = 0;
};

}  // namespace theater
