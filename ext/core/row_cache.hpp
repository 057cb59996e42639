// The column values of one row, copied at their first read and answered
// from the copy for as long as the caller says the row is the same.
//
// A many-to-one served from its parent (SELECT ... FROM auditions a,
// audition_role(a.id) r, in the planner's order) asks for the same parent
// row once per child: five times in a row for a role with five auditions.
// Each read of the parent's statement is a sqlite3_column_value with the
// connection's mutex and the value's reads (about 160 instructions for a
// text); the copy answers the second and later children with a
// sqlite3_result_* alone.
//
// The copy holds values, not pointers into the statement, so no move of the
// statement can leave it dangling; what makes it stale is a write, and its
// owner forgets it wherever it forgets what it read before a write.
#pragma once

#include "core/sqlite.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace theater {

class RowCache {
public:
    // Column `column` of `row`, the statement's current row, whose identity
    // is `row_id` (the parent's rowid): from the copy when this row's value
    // was read since the last forget() and the row is the same, else read,
    // answered and copied. Without memory for the copy, answered from the
    // statement as result_column does.
    void result(sqlite3_context* ctx, sqlite3_stmt* row, int column, sqlite3_int64 row_id) noexcept {
        auto at = static_cast<std::size_t>(column);
        if (valid_ && row_id == row_id_ && at < cells_.size() && cells_[at].generation == generation_) {
            answer(ctx, cells_[at]);
        } else {
            read(ctx, row, column, row_id);
        }
    }
    void forget() noexcept { valid_ = false; }

private:
    struct Cell {
        std::uint64_t generation = 0;  // the row's generation_ when copied; 0: never
        int type = SQLITE_NULL;
        bool inner_nul = false;  // a text with a NUL inside: its length, not the NUL, ends it
        sqlite3_int64 integer = 0;
        double real = 0;
        std::string bytes;
    };
    void read(sqlite3_context* ctx, sqlite3_stmt* row, int column, sqlite3_int64 row_id) noexcept;
    void copy(Cell& cell, sqlite3_value* value);
    void answer(sqlite3_context* ctx, const Cell& cell) const noexcept;

    std::vector<Cell> cells_;
    bool valid_ = false;
    sqlite3_int64 row_id_ = 0;
    std::uint64_t generation_ = 0;  // counts the rows copied from: a cell of an older row is stale
};

}  // namespace theater
