#include "core/boundary.hpp"

namespace theater {

void report_error(sqlite3_context* ctx, const char* function, const char* message, int code) noexcept {
    if ((code & 0xff) == SQLITE_NOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    SqliteString text(sqlite3_mprintf("%s: %s", function, message));
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
    vtab->zErrMsg = sqlite3_mprintf("%s: %s", table, message);
    if (!vtab->zErrMsg) return SQLITE_NOMEM;
    return code;
}

}  // namespace theater
