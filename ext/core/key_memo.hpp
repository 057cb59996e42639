// A map from integer keys to integer values, read in one sequential pass of a
// query and kept for the rest of one statement: the answer to random lookups
// that a keyed statement (core/key_feed.hpp) would answer with a B-tree
// descent each.
//
// A many-to-one relationship asked in no order (SELECT ... FROM auditions a,
// audition_role(a.id) r: SQLite reads auditions through its index on
// role_id, so the ids come in role order) must find each child's foreign key
// before it can find the parent; the plain join reads that foreign key from
// the index it walks. The memo holds every child's foreign key, so a lookup
// is an array access (or a binary search), and the parent comes from a
// forward scan of the parent table, which in that plan's order ascends.
//
// Memory is bounded: keys that fill their range (the usual rowids) take 8
// bytes and a bit per key of the range (40 MiB for 5 million), up to
// kMaxEntries; others 16 bytes a key (and 8 more while sorted), up to half
// as many. Past that the memo is not built.
#pragma once

#include "core/memo_pass.hpp"
#include "core/statement_pool.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace theater {

class IntegerMemo final : public MemoSink {
public:
    // 64 MiB in a dense memo.
    static constexpr std::size_t kMaxEntries = std::size_t(8) << 20;

    // Reads every row of `pass` (memo_pass_sql of "SELECT key, value ...",
    // in any order),
    // whose keys lie in [first, last]: false, and the memo stays empty,
    // when a key or value is not an integer (the memo stands only for
    // integer comparisons), a key comes twice, or the memo would pass its
    // bound (kMaxEntries slots of a dense memo, half as many pairs).
    bool build(StatementPool& pass, sqlite3_int64 first, sqlite3_int64 last);
    void clear() noexcept;
    bool built() const noexcept { return built_; }
    // The value of `key`, if the query had a row for it.
    bool find(sqlite3_int64 key, sqlite3_int64* value) const noexcept;

    bool put(sqlite3_value* key, sqlite3_value* value) override;

private:
    bool built_ = false;
    // Dense: values_[key - first_] for every key from first_ on, present_
    // telling which keys had a row. Sparse: keys_ and values_ in key order.
    bool dense_ = false;
    sqlite3_int64 first_ = 0;
    sqlite3_int64 last_ = 0;
    std::vector<sqlite3_int64> keys_;
    std::vector<sqlite3_int64> values_;
    std::vector<bool> present_;
};

// The next rows of an ordered query, read a window at a time by a memo
// pass (core/memo_pass.hpp): for a caller that expects its keys in that
// query's order and checks each against the window's next pair. Bounded by
// the window's size; integers only, as IntegerMemo.
class KeyWindow final : public MemoSink {
public:
    struct Pair {
        sqlite3_int64 key;
        sqlite3_int64 value;
    };
    // Reads the window: at most `limit` pairs after (after_value,
    // after_key) in the order (value, key), from `rest` (memo_window_sql of
    // the pairs (key, value) of the value ?2 after the key ?3), then, if
    // that was not enough, from `next` (those of the values after ?2); each
    // pass stops when the window is full. False, and the window is empty,
    // when a pass did not run whole or a key or value is not an integer.
    bool fill(StatementPool& rest, StatementPool& next, sqlite3_int64 after_value, sqlite3_int64 after_key, int limit);
    void clear() noexcept;
    // The pairs not yet taken; next() takes one.
    bool empty() const noexcept { return next_ == pairs_.size(); }
    const Pair& peek() const noexcept { return pairs_[next_]; }
    void take() noexcept { ++next_; }
    // The query had no rows past this window (it filled less than its limit).
    bool last() const noexcept { return pairs_.size() < limit_; }
    // The window's last pair (after a fill with rows).
    const Pair& back() const noexcept { return pairs_.back(); }
    std::size_t size() const noexcept { return pairs_.size(); }
    // The farthest value among the pairs not yet taken such that the values
    // from `from` (the last value taken) to it span at most twice as many
    // integers as there are distinct values among them, and `slack` more:
    // the range a caller may read whole where about half its rows (when they
    // fill their range) are wanted. `from` itself when the next is farther.
    sqlite3_int64 reach(sqlite3_int64 from, std::uint64_t slack) const noexcept;

    bool put(sqlite3_value* key, sqlite3_value* value) override {
        if (sqlite3_value_type(key) != SQLITE_INTEGER) return false;
        return put_integer_key(sqlite3_value_int64(key), value);
    }
    // put() for a key its caller has found to be an integer.
    bool put_integer_key(sqlite3_int64 key, sqlite3_value* value) {
        if (sqlite3_value_type(value) != SQLITE_INTEGER) return false;
        if (full()) return false;  // a row after the pass was told to stop: not the query it was made for
        pairs_.push_back({key, sqlite3_value_int64(value)});
        return true;
    }
    bool full() const noexcept override { return pairs_.size() >= limit_; }

private:
    std::vector<Pair> pairs_;
    std::size_t next_ = 0;
    std::size_t limit_ = 0;
};

}  // namespace theater
