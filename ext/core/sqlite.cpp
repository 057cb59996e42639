#include "core/sqlite.hpp"

#include <cstring>

namespace theater {

namespace {

// The extended code of a failure with primary code `rc`, when the
// connection's belongs to it.
int extended_code(sqlite3* db, int rc) {
    int extended = sqlite3_extended_errcode(db);
    return (extended & 0xff) == (rc & 0xff) ? extended : rc;
}

}  // namespace

void throw_error(sqlite3* db, int rc) {
    int code = extended_code(db, rc);
    throw SqlError(errmsg(db, code), code);
}

bool is_missing_table(const SqlError& error, std::initializer_list<std::string_view> tables) noexcept {
    if ((error.code() & 0xff) != SQLITE_ERROR) return false;
    constexpr std::string_view kPrefix = "no such table: main.";
    std::string_view message = error.what();
    if (message.substr(0, kPrefix.size()) != kPrefix) return false;
    message.remove_prefix(kPrefix.size());
    for (std::string_view table : tables) {
        if (message == table) return true;
    }
    return false;
}

Stmt prepare(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()) + 1, &raw, nullptr);
    Stmt stmt(raw);
    if (rc != SQLITE_OK) throw_error(db, rc);
    return stmt;
}

bool step(sqlite3* db, sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_error(db, rc);
}

void exec(sqlite3* db, const char* sql) {
    // sqlite3_exec's own message names the failing statement's error even
    // when a later cleanup step reset the connection's; errmsg() is used
    // only where it says more (an interrupt, see errmsg).
    char* raw = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &raw);
    SqliteString message(raw);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) == SQLITE_INTERRUPT || !message) throw_error(db, rc);
    throw SqlError(message.get(), extended_code(db, rc));
}

void bind_text(sqlite3_stmt* stmt, int index, const std::string& value) {
    int rc = sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
}

Value duplicate(const sqlite3_value* value) {
    Value copy(sqlite3_value_dup(value));
    if (!copy) throw SqlError("out of memory", SQLITE_NOMEM);
    return copy;
}

void column_bytes(sqlite3_stmt* stmt, int column, std::string& out) {
    value_bytes(sqlite3_column_value(stmt, column), out);
}

void value_bytes(sqlite3_value* value, std::string& out) {
    // The value's own accessors: each sqlite3_column_* call would take the
    // connection's mutex again (about 65 instructions a call).
    int type = sqlite3_value_type(value);
    const void* data = type == SQLITE_BLOB ? sqlite3_value_blob(value)
                                           : static_cast<const void*>(sqlite3_value_text(value));
    int size = sqlite3_value_bytes(value);
    // NULL is legitimate only for an SQL NULL and an empty blob.
    if (!data && type != SQLITE_NULL && !(type == SQLITE_BLOB && size == 0)) throw SqlError("out of memory", SQLITE_NOMEM);
    if (data) out.assign(static_cast<const char*>(data), static_cast<std::size_t>(size));
    else out.clear();
}

std::string column_bytes(sqlite3_stmt* stmt, int column) {
    std::string out;
    column_bytes(stmt, column, out);
    return out;
}

void result_column(sqlite3_context* ctx, sqlite3_stmt* row, int column) noexcept {
    sqlite3_value* value = sqlite3_column_value(row, column);
    switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, sqlite3_value_int64(value)); return;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, sqlite3_value_double(value)); return;
    case SQLITE_TEXT: {
        const unsigned char* text = sqlite3_value_text(value);
        if (!text) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        result_terminated_text(ctx, reinterpret_cast<const char*>(text), sqlite3_value_bytes(value));
        return;
    }
    case SQLITE_BLOB: {
        int size = sqlite3_value_bytes(value);
        const void* blob = sqlite3_value_blob(value);
        if (size == 0) sqlite3_result_zeroblob(ctx, 0);  // sqlite3_value_blob gives NULL for it
        else if (!blob) sqlite3_result_error_nomem(ctx);
        else sqlite3_result_blob(ctx, blob, size, SQLITE_TRANSIENT);
        return;
    }
    default: sqlite3_result_null(ctx); return;
    }
}

void result_terminated_text(sqlite3_context* ctx, const char* z, int n) noexcept {
    // sqlite3_value_text() and std::string both end their text with a NUL.
    bool inner_nul = n > 0 && std::memchr(z, 0, static_cast<std::size_t>(n)) != nullptr;
    sqlite3_result_text(ctx, z, inner_nul ? n : -1, SQLITE_TRANSIENT);
}

void expire_statements(sqlite3* db) noexcept {
    int on = 0;
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, -1, &on) != SQLITE_OK) return;
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, on ? 0 : 1, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, on, nullptr);
}

}  // namespace theater
