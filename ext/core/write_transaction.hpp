// Writing from inside a SQL function, all or nothing: theater_migrate,
// theater_relate, theater_unrelate and theater_enforce_foreign_keys run their
// statements through write_transaction(), which is its own BEGIN IMMEDIATE ...
// COMMIT in autocommit mode and a savepoint inside the caller's transaction.
#pragma once

#include "core/sqlite.hpp"

#include <string>
#include <utility>

namespace theater {

// Undoes a failed call, whatever failed. After an out-of-memory error inside
// theater_migrate(), SQLite prepares no statement on this connection until
// the statement that called it returns (the connection's malloc-failed state
// is cleared only then): a ROLLBACK run through sqlite3_exec() fails, and the
// connection would stay inside the migration's transaction, its work in
// place. So the undo is ready before it is needed, in two forms:
//   * the undo statements, prepared in advance. CREATE INDEX expires every
//     prepared statement that is not running (an expired one is prepared
//     again when stepped, which fails then), so they are prepared anew each
//     time the guard below pauses, while it still runs;
//   * a guard: a reading statement kept running between two rows. A running
//     statement does not expire, and one that reads and halts with
//     SQLITE_NOMEM makes SQLite roll the whole transaction back, so stepping
//     it to its end undoes everything after an out-of-memory error. A running
//     reader makes DROP TABLE and DROP INDEX fail with SQLITE_LOCKED, so the
//     guard pauses for such a statement, while the fresh undo statements
//     cover it.
class Undo {
public:
    // own_transaction: the call runs BEGIN IMMEDIATE itself (else it runs
    // inside the caller's transaction, under SAVEPOINT <savepoint>).
    Undo(sqlite3* db, bool own_transaction, const char* savepoint);

    // Starts (or resumes) the guard; once the transaction or savepoint exists.
    void guard();

    // Stops the guard (for a DROP, or before the call ends), with the undo
    // statements prepared anew first, while the guard still covers that.
    void pause_guard();

    // Runs `sql` (one or more statements) one statement at a time, the guard
    // running except for a statement it blocks.
    void run(const char* sql);
    // The same for one prepared statement (with its parameters bound).
    void run(sqlite3_stmt* stmt);

    // After a failure: undoes what the call did. Never throws.
    void undo() noexcept;

private:
    void refresh();

    static int step_to_end(sqlite3_stmt* stmt) noexcept;

    sqlite3* db_;
    bool own_;
    Stmt guard_;
    std::string savepoint_;
    Stmt first_;   // ROLLBACK, or ROLLBACK TO <savepoint>
    Stmt second_;  // nothing, or RELEASE <savepoint>
    bool guarding_ = false;
};

// Runs body(undo) all or nothing and returns what it returns. The body runs
// its writes through undo.run() and calls undo.pause_guard() before it
// returns. Refuses a read-only database up front with SQLite's own words.
template <class Body>
auto write_transaction(sqlite3* db, const char* savepoint, Body&& body) -> decltype(body(std::declval<Undo&>())) {
    if (sqlite3_db_readonly(db, "main") == 1) {
        throw SqlError("attempt to write a readonly database", SQLITE_READONLY);
    }
    // Inside a statement that writes (INSERT ... SELECT theater_relate(...)),
    // SQLite allows neither a transaction of our own (its COMMIT would fail
    // after the work) nor a savepoint: say so before doing anything.
    auto own_statement = [savepoint] {
        return SqlError(std::string("it writes, so it cannot run inside a statement that writes; ") +
                        "run it as a statement of its own: SELECT " + savepoint + "(...)");
    };
    if (sqlite3_get_autocommit(db) && sqlite3_txn_state(db, nullptr) == SQLITE_TXN_WRITE) throw own_statement();
    if (sqlite3_get_autocommit(db)) {
        // Our own transaction. IMMEDIATE takes the write lock up front, so a
        // busy database is waited for (busy_timeout) rather than failing on
        // the upgrade from a read; whatever fails, the undo leaves the
        // connection in autocommit mode again, never stuck in a transaction.
        Undo undo(db, true, savepoint);
        exec(db, "BEGIN IMMEDIATE");
        try {
            auto result = body(undo);
            exec(db, "COMMIT");
            return result;
        } catch (...) {
            undo.undo();
            throw;
        }
    }
    // Inside the caller's transaction: a savepoint makes the call
    // all-or-nothing, and a failure undoes only this call's work.
    Undo undo(db, false, savepoint);
    try {
        exec(db, ("SAVEPOINT " + std::string(savepoint)).c_str());
    } catch (const SqlError& e) {
        if (std::string(e.what()).find("SQL statements in progress") != std::string::npos) throw own_statement();
        throw;
    }
    try {
        auto result = body(undo);
        exec(db, ("RELEASE " + std::string(savepoint)).c_str());
        return result;
    } catch (...) {
        undo.undo();
        throw;
    }
}

}  // namespace theater
