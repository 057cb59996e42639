// The next rows of a table in the order of its integer key, read a window at
// a time by a memo pass (core/memo_pass.hpp) and answered from the copy.
//
// A many-to-one in the planner's order (SELECT ... FROM auditions a,
// audition_role(a.id) r: the keys come in the order of the index on the
// foreign key) asks for its parents in ascending order, each for a run of
// children. Stepping a forward scan of the parents from C costs a
// sqlite3_step per parent (the virtual machine's entry and exit and the
// connection's mutex, about 850 instructions) and then a sqlite3_column_value
// per column read; a pass that hands each parent's row to theater_memo_put
// costs the query's own steps and one function call per parent.
//
// The window covers the keys [from, through]: every row of the query with a
// key in that range is in it, so a key of the range that is not in it has
// no row. Bounded by rows (the caller's limit) and by bytes (kMaxBytes of
// text and blobs; a row that would pass that ends the window before it, and
// a first row that would is not taken: the window then covers nothing).
// The copy holds values, not pointers into a statement; its owner forgets it
// wherever it forgets what it read before a write.
#pragma once

#include "core/memo_pass.hpp"
#include "core/statement_pool.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace theater {

class RowWindow final : public MemoSink {
public:
    static constexpr std::size_t kMaxBytes = std::size_t(64) << 10;

    // Reads the rows whose keys lie in [from, to], in key order, from `pass`
    // (memo_rows_sql of "SELECT key, c0, ... WHERE key >= ?2 AND key <= ?3
    // ORDER BY key"), at most `limit` of them and kMaxBytes of their text
    // and blobs. False, and the window covers nothing, when the pass did not
    // run whole, or a key was not an integer or did not ascend.
    bool fill(StatementPool& pass, sqlite3_int64 from, sqlite3_int64 to, std::size_t limit);
    void clear() noexcept;
    // Whether every row with key `key` is known: in the window, or absent.
    bool covers(sqlite3_int64 key) const noexcept { return covering_ && key >= from_ && key <= through_; }
    // The row of `key` (which the window covers), or -1 when there is none.
    // Rows are usually asked in ascending order: the row after the last one
    // found is looked at first.
    std::ptrdiff_t find(sqlite3_int64 key) noexcept;
    // Answers column `column` of row `row` (a find()'s) through ctx.
    // (Inline: every row a parent serves is answered here.)
    void answer(sqlite3_context* ctx, std::ptrdiff_t row, int column) const noexcept;
    std::size_t columns() const noexcept { return columns_; }

    bool put(sqlite3_value* key, sqlite3_value* value) override { return put_row(key, 1, &value); }
    bool put_row(sqlite3_value* key, int count, sqlite3_value** values) override;
    // put_row() for a key its caller has found to be an integer.
    bool put_integer_row(sqlite3_int64 key, int count, sqlite3_value** values);
    bool full() const noexcept override { return stopped_ || keys_.size() >= limit_; }

private:
    struct Cell {
        int type = SQLITE_NULL;
        bool inner_nul = false;  // a text with a NUL inside: its length, not the NUL, ends it
        sqlite3_int64 integer = 0;
        double real = 0;
        std::uint32_t offset = 0;  // into bytes_ (a text's bytes end with a NUL there)
        std::uint32_t size = 0;
    };

    std::vector<sqlite3_int64> keys_;
    std::vector<Cell> cells_;  // columns_ a row
    std::string bytes_;
    std::size_t columns_ = 0;
    std::size_t limit_ = 0;
    std::size_t last_found_ = 0;
    bool stopped_ = false;   // a row would have passed kMaxBytes: the window ends before it
    bool covering_ = false;  // [from_, through_] is known
    sqlite3_int64 from_ = 0;
    sqlite3_int64 through_ = 0;
};

inline void RowWindow::answer(sqlite3_context* ctx, std::ptrdiff_t row, int column) const noexcept {
    if (column < 0 || static_cast<std::size_t>(column) >= columns_) {
        sqlite3_result_null(ctx);
        return;
    }
    const Cell& cell = cells_[static_cast<std::size_t>(row) * columns_ + static_cast<std::size_t>(column)];
    switch (cell.type) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, cell.integer); return;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, cell.real); return;
    case SQLITE_TEXT:
        // Each text ends with a NUL in bytes_: -1 gives SQLite a terminated
        // text (no copy to terminate it later).
        sqlite3_result_text(ctx, bytes_.data() + cell.offset, cell.inner_nul ? static_cast<int>(cell.size) : -1,
                            SQLITE_TRANSIENT);
        return;
    case SQLITE_BLOB:
        if (cell.size == 0)
            sqlite3_result_zeroblob(ctx, 0);
        else
            sqlite3_result_blob(ctx, bytes_.data() + cell.offset, static_cast<int>(cell.size), SQLITE_TRANSIENT);
        return;
    default: sqlite3_result_null(ctx); return;
    }
}

}  // namespace theater
