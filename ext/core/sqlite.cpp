#include "core/sqlite.hpp"

namespace theater {

Stmt prepare(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()) + 1, &raw, nullptr);
    Stmt stmt(raw);
    if (rc != SQLITE_OK) throw SqlError(errmsg(db), rc);
    return stmt;
}

bool step(sqlite3* db, sqlite3_stmt* stmt) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SqlError(errmsg(db), rc);
}

void exec(sqlite3* db, const char* sql) {
    char* raw = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &raw);
    SqliteString message(raw);
    if (rc != SQLITE_OK) throw SqlError(message ? message.get() : errmsg(db), rc);
}

std::string quote_identifier(const std::string& name) {
    std::string out;
    out.reserve(name.size() + 2);
    out += '"';
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace theater
