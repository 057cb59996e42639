#include "core/forward_scan.hpp"

#include <cmath>
#include <cstdint>

namespace theater {

namespace {
// Rows stepped over before a far-ahead key is reached by a new seek instead.
constexpr int kMaxForwardSteps = 16;
}  // namespace

bool connection_may_have_written(sqlite3* db, int* changes) noexcept {
    int now = sqlite3_total_changes(db);
    // Any schema's write transaction counts (NULL: the highest state of
    // all), which is cheaper to ask than main's alone (no name lookup) and
    // errs only towards seeking anew.
    bool stale = now != *changes || sqlite3_txn_state(db, nullptr) == SQLITE_TXN_WRITE;
    *changes = now;
    return stale;
}

void ForwardScan::read_key() noexcept {
    // One sqlite3_column_value (the connection's mutex once), then the value.
    sqlite3_value* value = sqlite3_column_value(rows_.get(), key_column_);
    switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER:
        row_key_ = sqlite3_value_int64(value);
        exact_ = true;
        return;
    case SQLITE_FLOAT: {
        // 2^63 as a double: every double below it and at or above -2^63
        // converts to an int64 without overflow.
        constexpr double kLimit = 9223372036854775808.0;
        double real = sqlite3_value_double(value);
        if (real >= kLimit) {
            row_key_ = INT64_MAX;
            exact_ = false;
        } else if (real < -kLimit) {
            row_key_ = INT64_MIN;
            exact_ = false;
        } else {
            double whole = std::floor(real);
            row_key_ = static_cast<sqlite3_int64>(whole);
            exact_ = whole == real;
        }
        return;
    }
    default:  // text and blobs sort after every number (NULL is never >= ?1)
        row_key_ = INT64_MAX;
        exact_ = false;
        return;
    }
}

void ForwardScan::seek(sqlite3_int64 key) {
    if (!rows_) rows_ = pool_->take();
    sqlite3_reset(rows_.get());
    sqlite3_bind_int64(rows_.get(), 1, key);
    positioned_ = true;
    floor_ = key;
    ++seeks_;
    next();
}

bool ForwardScan::next() {
    at_end_ = !rows_.step();
    if (!at_end_) read_key();
    return !at_end_;
}

bool ForwardScan::position_at(sqlite3_int64 key) {
    // A key far ahead of the current row is sought at once: stepping towards
    // it would cost a step (for a join, a lookup) per row in between, which
    // made random keys (a join the planner drives from another index) pay up
    // to kMaxForwardSteps steps before the seek anyway.
    bool far = !at_end_ && row_key_ < key &&
               static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(row_key_) > kMaxForwardSteps;
    if (!positioned_ || key < floor_ || far) {
        seek(key);
        return !at_end_;
    }
    for (int steps = 0; !at_end_ && row_key_ < key; ++steps) {
        if (steps == kMaxForwardSteps) {
            seek(key);
            return !at_end_;
        }
        next();
    }
    floor_ = key;
    return !at_end_;
}

}  // namespace theater
