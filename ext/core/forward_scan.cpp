#include "core/forward_scan.hpp"

namespace theater {

namespace {
// Rows stepped over before a far-ahead key is reached by a new seek instead.
constexpr int kMaxForwardSteps = 16;
}  // namespace

bool connection_may_have_written(sqlite3* db, int* changes) noexcept {
    int now = sqlite3_total_changes(db);
    bool stale = now != *changes || sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE;
    *changes = now;
    return stale;
}

void ForwardScan::seek(sqlite3_int64 key) {
    if (!rows_) rows_ = pool_.take();
    sqlite3_reset(rows_.get());
    sqlite3_bind_int64(rows_.get(), 1, key);
    positioned_ = true;
    floor_ = key;
    next();
}

bool ForwardScan::next() {
    at_end_ = !rows_.step();
    if (!at_end_) row_key_ = sqlite3_column_int64(rows_.get(), key_column_);
    return !at_end_;
}

bool ForwardScan::position_at(sqlite3_int64 key) {
    if (!positioned_ || key < floor_) {
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
