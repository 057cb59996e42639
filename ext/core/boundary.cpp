#include "core/boundary.hpp"

#include <cstring>

namespace theater {

namespace {

// An error from a nested call of the same function (a trigger that calls it
// again) already carries the "<name>: " prefix; do not add another.
bool already_prefixed(const char* name, const char* message) {
    std::size_t n = std::strlen(name);
    return std::strncmp(message, name, n) == 0 && message[n] == ':' && message[n + 1] == ' ';
}

char* prefixed(const char* name, const char* message) {
    return already_prefixed(name, message) ? sqlite3_mprintf("%s", message)
                                           : sqlite3_mprintf("%s: %s", name, message);
}

}  // namespace

void report_error(sqlite3_context* ctx, const char* function, const char* message, int code) noexcept {
    if ((code & 0xff) == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    SqliteString text(prefixed(function, message));
    if (!text) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_error(ctx, text.get(), -1);
    // Keep SQLite's own code (SQLITE_BUSY, SQLITE_CONSTRAINT...) so callers
    // can tell a busy database from a bad argument.
    if (code != SQLITE_ERROR) sqlite3_result_error_code(ctx, code);
}

int report_error(sqlite3_vtab* vtab, const char* table, const char* message, int code) noexcept {
    if ((code & 0xff) == SQLITE_NOMEM) return SQLITE_NOMEM;
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = prefixed(table, message);
    if (!vtab->zErrMsg) return SQLITE_NOMEM;
    return code;
}

int report_error(char** err, const char* table, const char* message, int code) noexcept {
    if ((code & 0xff) == SQLITE_NOMEM) return SQLITE_NOMEM;
    *err = prefixed(table, message);
    if (!*err) return SQLITE_NOMEM;
    return (code & 0xff) == SQLITE_SCHEMA ? SQLITE_SCHEMA : SQLITE_ERROR;
}

void declare_table(sqlite3* db, const std::string& create_table, Risk risk) {
    int rc = sqlite3_declare_vtab(db, create_table.c_str());
    if (rc != SQLITE_OK) throw_error(db, rc);
    if (risk == Risk::kInnocuous) sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
}

}  // namespace theater
