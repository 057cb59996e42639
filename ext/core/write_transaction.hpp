// Writing from inside a SQL function, all or nothing: theater_migrate,
// theater_relate, theater_unrelate and theater_enforce_foreign_keys run their
// statements through write_transaction(), which is its own BEGIN IMMEDIATE ...
// COMMIT in autocommit mode and a savepoint inside the caller's transaction.
#pragma once

#include "core/sqlite.hpp"

#include <string>
#include <utility>

namespace theater {

// The writes of one call, run under a guard that can undo them all after a
// failed call, whatever failed: an error, an out-of-memory error, an
// interrupt (sqlite3_interrupt, or a progress handler that returns non-zero).
// A plain ROLLBACK cannot always do it:
//   * after sqlite3_interrupt(), SQLite runs no statement of this connection
//     and prepares none until the outer statement (the one that called us)
//     returns: the interrupt flag stays raised while any statement is active.
//     The same holds after an out-of-memory error (the connection's
//     malloc-failed state is cleared only then). A ROLLBACK stepped then
//     fails, and the connection would stay inside the call's transaction,
//     its half-done work in place, for the caller's next COMMIT to store;
//   * a progress handler that keeps returning non-zero stops every
//     statement at its first check, the ROLLBACK included;
//   * CREATE INDEX and a ROLLBACK TO that undoes schema changes expire every
//     prepared statement that is not running; an expired one is prepared
//     again when stepped, which fails in the two states above.
// What works in all of them is SQLite's own rule: a statement that is not
// read-only and halts with SQLITE_INTERRUPT or SQLITE_NOMEM rolls back the
// whole transaction (sqlite3VdbeHalt). So the undo keeps, besides the
// prepared ROLLBACK statements, two such statements at hand:
//   * the guard: PRAGMA main.journal_mode (OP_JournalMode makes it not
//     read-only, and it writes nothing), stepped to its row and kept running
//     between the call's statements. A running statement does not expire;
//     resumed under the interrupt flag or after an out-of-memory error, it
//     halts with that error and SQLite rolls everything back. A running
//     statement makes DROP TABLE and DROP INDEX fail with SQLITE_LOCKED, and
//     a running writer makes COMMIT and RELEASE fail, so the guard pauses
//     for those;
//   * the tripwire: the same pragma prepared but never stepped, for when the
//     guard is paused. Stepped, it stops at its first check under the
//     interrupt flag or a refusing progress handler, with the same effect;
//     stepped with nothing to stop it, it only reads the journal mode.
// The ROLLBACK statements and the tripwire are prepared anew whenever the
// guard pauses (while it still runs, so a failure there is still covered).
// Inside the caller's transaction, the last two roll back the caller's work
// too: what SQLite itself does to any statement that writes and is
// interrupted (docs/reference.md, "Cancelling a call").
class GuardedWrite {
public:
    // own_transaction: the call runs BEGIN IMMEDIATE itself (else it runs
    // inside the caller's transaction, under SAVEPOINT <savepoint>).
    GuardedWrite(sqlite3* db, bool own_transaction, const char* savepoint);

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
    // ROLLBACK (own transaction) or ROLLBACK TO + RELEASE; true when the
    // call's work is gone.
    bool roll_back() noexcept;
    // Steps a statement that is not read-only, for SQLite to roll the whole
    // transaction back if it is stopped; true when no transaction is left.
    bool trip(sqlite3_stmt* stmt) noexcept;

    static int step_to_end(sqlite3_stmt* stmt) noexcept;

    sqlite3* db_;
    bool own_;
    Stmt guard_;
    std::string savepoint_;
    Stmt first_;     // ROLLBACK, or ROLLBACK TO <savepoint>
    Stmt second_;    // nothing, or RELEASE <savepoint>
    Stmt tripwire_;  // the guard's statement, never stepped
    bool guarding_ = false;
};

// Runs body(write) all or nothing and returns what it returns. The body runs
// its writes through write.run(); the guard is paused before the COMMIT.
// Refuses a read-only database up front with SQLite's own words.
template <class Body>
auto write_transaction(sqlite3* db, const char* savepoint, Body&& body) -> decltype(body(std::declval<GuardedWrite&>())) {
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
        GuardedWrite write(db, true, savepoint);
        try {
            // A progress handler may stop BEGIN after it opened the
            // transaction: the undo closes it then.
            exec(db, "BEGIN IMMEDIATE");
            auto result = body(write);
            write.pause_guard();
            try {
                exec(db, "COMMIT");
            } catch (const SqlError& e) {
                // A progress handler asked after COMMIT took effect: the work
                // is stored, and only a stopped COMMIT leaves the transaction
                // open (an interrupted COMMIT rolls nothing back).
                if ((e.code() & 0xff) != SQLITE_INTERRUPT || !sqlite3_get_autocommit(db)) throw;
            }
            return result;
        } catch (...) {
            write.undo();
            throw;
        }
    }
    // Inside the caller's transaction: a savepoint makes the call
    // all-or-nothing, and a failure undoes only this call's work.
    GuardedWrite write(db, false, savepoint);
    try {
        exec(db, ("SAVEPOINT " + std::string(savepoint)).c_str());
    } catch (const SqlError& e) {
        if (std::string(e.what()).find("SQL statements in progress") != std::string::npos) throw own_statement();
        throw;
    }
    try {
        auto result = body(write);
        write.pause_guard();
        exec(db, ("RELEASE " + std::string(savepoint)).c_str());
        return result;
    } catch (...) {
        write.undo();
        throw;
    }
}

}  // namespace theater
