#include "core/write_transaction.hpp"

namespace theater {

Undo::Undo(sqlite3* db, bool own_transaction, const char* savepoint)
    : db_(db), own_(own_transaction),
      guard_(prepare(db, "SELECT 1 UNION ALL SELECT 1 FROM main.sqlite_master")), savepoint_(savepoint) {
    refresh();
}

void Undo::guard() {
    if (guarding_) return;
    int rc = sqlite3_step(guard_.get());
    if (rc != SQLITE_ROW) throw SqlError(errmsg(db_), rc == SQLITE_DONE ? SQLITE_ERROR : rc);
    guarding_ = true;
}

void Undo::pause_guard() {
    refresh();
    sqlite3_reset(guard_.get());
    guarding_ = false;
}

void Undo::run(const char* sql) {
    const char* next = sql;
    while (next && *next) {
        guard();
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db_, next, -1, &raw, &next);
        Stmt stmt(raw);
        if (rc != SQLITE_OK) throw SqlError(errmsg(db_), rc);
        if (stmt) run(stmt.get());  // else only a comment or white space was left
    }
    guard();
}

void Undo::run(sqlite3_stmt* stmt) {
    guard();
    int rc = step_to_end(stmt);
    if ((rc & 0xff) == SQLITE_LOCKED && guarding_) {
        // When undoing the refused statement failed, SQLite rolled the
        // whole transaction back (and still says SQLITE_LOCKED): running it
        // again would run it on its own, in autocommit.
        if (sqlite3_get_autocommit(db_)) {
            throw SqlError("the transaction was rolled back: out of memory", SQLITE_NOMEM);
        }
        pause_guard();
        sqlite3_reset(stmt);
        rc = step_to_end(stmt);
    }
    if (rc != SQLITE_DONE) throw SqlError(errmsg(db_), rc);
    guard();
}

void Undo::undo() noexcept {
    if (own_) {
        if (sqlite3_get_autocommit(db_)) return;  // SQLite rolled back already
        sqlite3_step(first_.get());               // ROLLBACK
    } else if (sqlite3_step(first_.get()) == SQLITE_DONE) {  // ROLLBACK TO <savepoint>
        // RELEASE may have expired with the schema rolled back; the
        // savepoint then stays, empty, until the caller's transaction ends.
        sqlite3_step(second_.get());
        return;
    }
    if (own_ && sqlite3_get_autocommit(db_)) return;
    // The undo statements could not run (out of memory, expired): the
    // guard rolls back the whole transaction, the caller's too inside one
    // (what SQLite itself may do after SQLITE_NOMEM).
    if (guarding_) {
        while (sqlite3_step(guard_.get()) == SQLITE_ROW) {
        }
        sqlite3_reset(guard_.get());
        guarding_ = false;
        if (sqlite3_get_autocommit(db_)) return;
    }
    // No out-of-memory state is left: plain SQL works again.
    std::string sql = own_ ? "ROLLBACK" : "ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_;
    sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

void Undo::refresh() {
    Stmt first = prepare(db_, own_ ? "ROLLBACK" : "ROLLBACK TO " + savepoint_);
    Stmt second = own_ ? Stmt() : prepare(db_, "RELEASE " + savepoint_);
    first_ = std::move(first);
    second_ = std::move(second);
}

int Undo::step_to_end(sqlite3_stmt* stmt) noexcept {
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    return rc;
}

}  // namespace theater
