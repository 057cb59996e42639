#include "core/key_memo.hpp"

#include <algorithm>
#include <utility>

namespace theater {

void IntegerMemo::clear() noexcept {
    built_ = false;
    dense_ = false;
    keys_ = {};
    values_ = {};
    present_ = {};
}

bool IntegerMemo::build(StatementPool& pass, sqlite3_int64 first, sqlite3_int64 last) {
    clear();
    // Dense (the usual rowids): one slot per key of [first, last], filled
    // in whatever order the query reads; else pairs, sorted after.
    unsigned long long span = static_cast<unsigned long long>(last) - static_cast<unsigned long long>(first);
    dense_ = last >= first && span < kMaxEntries;
    first_ = first;
    last_ = last;
    if (dense_) {
        values_.assign(static_cast<std::size_t>(span) + 1, 0);
        present_.assign(static_cast<std::size_t>(span) + 1, false);
    }
    if (!run_memo_pass(pass, *this)) {
        clear();
        return false;
    }
    if (!dense_) {
        std::vector<std::size_t> order(keys_.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) { return keys_[a] < keys_[b]; });
        std::vector<sqlite3_int64> keys(keys_.size()), values(keys_.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            keys[i] = keys_[order[i]];
            values[i] = values_[order[i]];
            if (i > 0 && keys[i] == keys[i - 1]) {
                clear();
                return false;  // a key twice: no memo stands for that join
            }
        }
        keys_ = std::move(keys);
        values_ = std::move(values);
    }
    built_ = true;
    return true;
}

bool IntegerMemo::put(sqlite3_value* key, sqlite3_value* value) {
    if (sqlite3_value_type(key) != SQLITE_INTEGER || sqlite3_value_type(value) != SQLITE_INTEGER) return false;
    sqlite3_int64 k = sqlite3_value_int64(key);
    if (dense_) {
        // Outside [first, last]: the table changed since they were read,
        // which a memo is never kept across.
        if (k < first_ || k > last_) return false;
        auto at = static_cast<std::size_t>(static_cast<unsigned long long>(k) - static_cast<unsigned long long>(first_));
        if (present_[at]) return false;  // a key twice: no memo stands for that join
        values_[at] = sqlite3_value_int64(value);
        present_[at] = true;
        return true;
    }
    if (keys_.size() >= kMaxEntries / 2) return false;  // 16 bytes each here
    keys_.push_back(k);
    values_.push_back(sqlite3_value_int64(value));
    return true;
}

bool IntegerMemo::find(sqlite3_int64 key, sqlite3_int64* value) const noexcept {
    if (dense_) {
        if (key < first_) return false;
        auto at = static_cast<unsigned long long>(key) - static_cast<unsigned long long>(first_);
        if (at >= values_.size() || !present_[at]) return false;
        *value = values_[at];
        return true;
    }
    auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it == keys_.end() || *it != key) return false;
    *value = values_[static_cast<std::size_t>(it - keys_.begin())];
    return true;
}

sqlite3_int64 KeyWindow::reach(sqlite3_int64 from, std::uint64_t slack) const noexcept {
    sqlite3_int64 reach = from;
    std::uint64_t distinct = 1;
    for (std::size_t i = next_; i < pairs_.size(); ++i) {
        sqlite3_int64 value = pairs_[i].value;
        if (value == reach) continue;
        if (value < reach) break;  // (the pairs come in ascending values)
        ++distinct;
        // The span less one (a span of every int64 does not fit in 64 bits).
        std::uint64_t beyond = static_cast<std::uint64_t>(value) - static_cast<std::uint64_t>(from);
        if (beyond >= 2 * distinct + slack) break;
        reach = value;
    }
    return reach;
}

void KeyWindow::clear() noexcept {
    pairs_.clear();
    next_ = 0;
}

bool KeyWindow::fill(StatementPool& rest, StatementPool& next, sqlite3_int64 after_value, sqlite3_int64 after_key,
                     int limit) {
    clear();
    limit_ = static_cast<std::size_t>(limit);
    pairs_.reserve(limit_);
    bool whole = run_memo_pass(rest, *this, {after_value, after_key});
    if (whole && !full()) whole = run_memo_pass(next, *this, {after_value});
    if (!whole) {
        clear();
        return false;
    }
    return true;
}


}  // namespace theater
