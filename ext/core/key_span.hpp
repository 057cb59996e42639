// A table's span of integer keys, and the rule that tells when its keys fill
// it: where they do (a rowid's keys are distinct integers), a key names a row
// exactly when it lies in the span, and a walk of the table to check each key
// can stop. The engine's parents (relationship_module.cpp) and the theater's
// roles (theater/hires.cpp) use the same rule.
#pragma once

#include "core/statement_pool.hpp"

namespace theater {

// The bounds are read once a statement has asked about kCallsBeforeBounds
// keys, the count once it has asked about a kCountShare-th of the span: a
// statement about a few keys pays for neither, and the count's pass over the
// table's pages costs at most a few instructions a key asked.
constexpr long long kCallsBeforeBounds = 64;
constexpr unsigned long long kCountShare = 16;

// From a statement whose one row is (min, max): steps `lease` and, when both
// columns are INTEGER, sets first and last and returns true. False, leaving
// them as they were, for an empty lease (not prepared), no row, or a NULL
// (no rows in the table) or a key that is not an integer. Errors while
// stepping throw, as step() does.
inline bool read_span(const StatementLease& lease, sqlite3_int64& first, sqlite3_int64& last) {
    if (!lease || !lease.step()) return false;
    sqlite3_stmt* stmt = lease.get();
    if (sqlite3_column_type(stmt, 0) != SQLITE_INTEGER || sqlite3_column_type(stmt, 1) != SQLITE_INTEGER) return false;
    first = sqlite3_column_int64(stmt, 0);
    last = sqlite3_column_int64(stmt, 1);
    return true;
}

// The span less one, which fits in 64 bits where the span may not.
inline unsigned long long span_reach(sqlite3_int64 first, sqlite3_int64 last) noexcept {
    return static_cast<unsigned long long>(last) - static_cast<unsigned long long>(first);
}

// Whether a statement that has asked about `calls` keys has asked about
// enough of the span to pay for its count.
inline bool worth_counting(long long calls, sqlite3_int64 first, sqlite3_int64 last) noexcept {
    return static_cast<unsigned long long>(calls) * kCountShare > span_reach(first, last);
}

// Steps `count` (SELECT count(*) of the table): whether its rows fill the
// span. False for an empty lease (not prepared) or no row.
inline bool count_fills(const StatementLease& count, sqlite3_int64 first, sqlite3_int64 last) {
    if (!count || !count.step()) return false;
    sqlite3_int64 rows = sqlite3_column_int64(count.get(), 0);
    return rows > 0 && static_cast<unsigned long long>(rows) - 1 == span_reach(first, last);
}

}  // namespace theater
