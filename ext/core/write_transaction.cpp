#include "core/write_transaction.hpp"

namespace theater {

namespace {
// Not read-only (OP_JournalMode), writes nothing, returns one row.
constexpr const char* kNotReadOnly = "PRAGMA main.journal_mode";
}  // namespace

GuardedWrite::GuardedWrite(sqlite3* db, bool own_transaction, const char* savepoint)
    : db_(db), own_(own_transaction), guard_(prepare(db, kNotReadOnly)), savepoint_(savepoint) {
    refresh();
}

void GuardedWrite::guard() {
    if (guarding_) return;
    // The pragma expires itself each time it runs: SQLite prepares it again
    // here, which fails (and reports why) once the call has been interrupted.
    int rc = sqlite3_step(guard_.get());
    if (rc != SQLITE_ROW) {
        int code = rc == SQLITE_DONE ? SQLITE_ERROR : sqlite3_extended_errcode(db_);
        if ((code & 0xff) != (rc & 0xff)) code = rc;
        throw SqlError(errmsg(db_, code), code);
    }
    guarding_ = true;
}

void GuardedWrite::pause_guard() {
    if (!guarding_) return;
    refresh();
    sqlite3_reset(guard_.get());
    guarding_ = false;
}

void GuardedWrite::run(const char* sql) {
    const char* next = sql;
    while (next && *next) {
        guard();
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db_, next, -1, &raw, &next);
        Stmt stmt(raw);
        if (rc != SQLITE_OK) throw_error(db_, rc);
        if (stmt) run(stmt.get());  // else only a comment or white space was left
    }
    guard();
}

void GuardedWrite::run(sqlite3_stmt* stmt) {
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
    if (rc != SQLITE_DONE) throw_error(db_, rc);
    guard();
}

bool GuardedWrite::roll_back() noexcept {
    if (own_) {
        sqlite3_step(first_.get());  // ROLLBACK
        sqlite3_reset(first_.get());
        return sqlite3_get_autocommit(db_) != 0;
    }
    int rc = sqlite3_step(first_.get());  // ROLLBACK TO <savepoint>
    sqlite3_reset(first_.get());
    if (rc != SQLITE_DONE) return false;
    // RELEASE fails while a writer runs; the guard has nothing left to do.
    sqlite3_reset(guard_.get());
    guarding_ = false;
    // RELEASE may have expired with the schema rolled back; the savepoint
    // then stays, empty, until the caller's transaction ends.
    sqlite3_step(second_.get());
    sqlite3_reset(second_.get());
    return true;
}

bool GuardedWrite::trip(sqlite3_stmt* stmt) noexcept {
    step_to_end(stmt);
    sqlite3_reset(stmt);
    return sqlite3_get_autocommit(db_) != 0;
}

void GuardedWrite::undo() noexcept {
    // SQLite rolled back already (a statement that writes was interrupted,
    // or ran out of memory): in our own transaction, nothing is left to do;
    // inside the caller's, the caller's transaction has ended too.
    if (sqlite3_get_autocommit(db_)) return;
    if (roll_back()) return;
    // The ROLLBACK could not run: interrupted, out of memory, refused by a
    // progress handler, or expired. The guard, then the tripwire, make SQLite
    // roll back the whole transaction (the caller's too inside one).
    if (guarding_) {
        guarding_ = false;
        if (trip(guard_.get())) return;
    }
    if (trip(tripwire_.get())) return;
    // Nothing stopped them, so the cause is gone (a progress handler that
    // refused once): plain SQL works again.
    if (roll_back()) return;
    std::string sql = own_ ? "ROLLBACK" : "ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_;
    sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

void GuardedWrite::refresh() {
    Stmt first = prepare(db_, own_ ? "ROLLBACK" : "ROLLBACK TO " + savepoint_);
    Stmt second = own_ ? Stmt() : prepare(db_, "RELEASE " + savepoint_);
    Stmt tripwire = prepare(db_, kNotReadOnly);
    first_ = std::move(first);
    second_ = std::move(second);
    tripwire_ = std::move(tripwire);
}

int GuardedWrite::step_to_end(sqlite3_stmt* stmt) noexcept {
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    return rc;
}

}  // namespace theater
