// Thin RAII owners over the SQLite C API, as seen through the extension API.
//
// Every translation unit includes SQLite through this header: sqlite3ext.h
// turns each sqlite3_* call into a call through the host's routine table, so
// the extension never links libsqlite3 and runs inside whatever SQLite loaded it.
#pragma once

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace theater {

// An error to report to SQLite: a message and a primary result code. Thrown
// inside the extension and caught at every callback boundary (see boundary.hpp).
class SqlError : public std::exception {
public:
    explicit SqlError(std::string message, int code = SQLITE_ERROR)
        : message_(std::move(message)), code_(code) {}
    const char* what() const noexcept override { return message_.c_str(); }
    int code() const noexcept { return code_; }

private:
    std::string message_;
    int code_;
};

struct StmtFinalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

struct SqliteFree {
    void operator()(void* p) const noexcept { sqlite3_free(p); }
};
using SqliteString = std::unique_ptr<char, SqliteFree>;

struct ValueFree {
    void operator()(sqlite3_value* v) const noexcept { sqlite3_value_free(v); }
};
using Value = std::unique_ptr<sqlite3_value, ValueFree>;

// An owned copy of a value (sqlite3_value_dup); throws SQLITE_NOMEM.
Value duplicate(const sqlite3_value* value);

// The message for a call on `db` that failed with `rc`, as a std::string.
// An interrupt (sqlite3_interrupt, a progress handler that refused) can land
// while SQLite unwinds an earlier error or re-prepares an expired statement;
// the code then says SQLITE_INTERRUPT while the connection's message is still
// the earlier one ("database table is locked", "database schema has
// changed"), which would blame the wrong cause.
inline std::string errmsg(sqlite3* db, int rc) {
    if ((rc & 0xff) == SQLITE_INTERRUPT) return sqlite3_errstr(SQLITE_INTERRUPT);
    const char* m = sqlite3_errmsg(db);
    return m ? m : "unknown error";
}

// The one error policy for a call on `db` that failed with `rc`: throws
// SqlError with SQLite's message (errmsg) and the extended code when it
// belongs to `rc` (SQLITE_BUSY_SNAPSHOT, SQLITE_CONSTRAINT_CHECK... tell
// callers more than the primary one: "retry the transaction" is not "the
// lock wait timed out"). Every prepare and step of the extension fails
// through here.
[[noreturn]] void throw_error(sqlite3* db, int rc);

// Whether `error` is SQLite's "no such table: main.<name>" for one of
// `tables` (a plain error: an interrupt can land while SQLite still holds
// an earlier message, see errmsg).
bool is_missing_table(const SqlError& error, std::initializer_list<std::string_view> tables) noexcept;

// Prepares a statement that the caller owns. Throws SqlError on failure.
Stmt prepare(sqlite3* db, const std::string& sql);

// Steps a statement; returns true for a row, false when done, throws on error
// (throw_error).
bool step(sqlite3* db, sqlite3_stmt* stmt);

// Binds a copy of `value` to parameter `index`. A failed bind (out of
// memory) throws: it would leave NULL, which reads as a wrong answer ("no
// such relationship", "not a JSON object"), not as an error.
void bind_text(sqlite3_stmt* stmt, int index, const std::string& value);

// Runs SQL text (one or more statements) with sqlite3_exec. Throws on error.
void exec(sqlite3* db, const char* sql);

// A TEXT or BLOB column's exact bytes (embedded NULs included). SQLite's
// sqlite3_column_text() may have to allocate (to add a terminator or change
// encoding) and then returns NULL: that throws SQLITE_NOMEM rather than being
// read as an empty string.
std::string column_bytes(sqlite3_stmt* stmt, int column);
// The same into a buffer whose capacity is reused.
void column_bytes(sqlite3_stmt* stmt, int column, std::string& out);
// The same for a value (one read of sqlite3_column_value serves its type
// and its bytes).
void value_bytes(sqlite3_value* value, std::string& out);

// Returns column `column` of `row` as the function's or table's result:
// by type, so that SQLite copies text and blobs into the result's own buffer,
// which it keeps from row to row, where sqlite3_result_value frees and
// allocates one per row.
void result_column(sqlite3_context* ctx, sqlite3_stmt* row, int column) noexcept;

// sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT) for text that has a NUL
// at z[n]. Given as NUL-terminated (length -1) when it holds no other NUL:
// SQLite then marks its copy terminated, where a copy made from a length is
// not, and the first sqlite3_column_text() of the row shrinks it to add the
// NUL, so that the next row's copy cannot reuse the buffer (a free and a
// malloc, about 500 instructions a text column a row; bench/RESULTS.md,
// issue 17).
void result_terminated_text(sqlite3_context* ctx, const char* z, int n) noexcept;

// Makes SQLite prepare again, before it next starts, every statement of the
// connection: for a statement that keeps a virtual table SQLite connected
// for a meaning that has changed since (a relationship declared again).
// SQLite has no call for this; it expires every prepared statement whenever
// a flag of sqlite3_db_config changes (sqlite3ExpirePreparedStatements; so
// in 3.34.0, 3.40.1 and 3.54.1, docs/platforms.md, "What declared
// relationships rely on"), so the flag that only changes how EXPLAIN QUERY
// PLAN shows triggers is set the other way and back. A statement that is
// running when this is called goes on; if it still has a table to open,
// SQLite stops it with "abort due to ROLLBACK" (SQLITE_ABORT_ROLLBACK), as
// after a PRAGMA that changes a flag.
void expire_statements(sqlite3* db) noexcept;

}  // namespace theater
