// Per-connection state: the cache of prepared statements that every SQL
// function and table of one connection shares.
//
// Who finalizes the cache matters. SQLite 3.40 has no close hook, and
// sqlite3_close() refuses to close ("unable to close due to unfinalized
// statements") while any statement exists; function and module destructors run
// only after that check. Eponymous virtual tables are disconnected *before* it,
// so an eponymous table (theater_migration_status) owns the cache: its
// xDisconnect finalizes every cached statement. When a failed close leaves the
// connection open, the next cached statement reconnects that owner first.
#pragma once

#include "core/sqlite.hpp"

#include <utility>
#include <vector>

namespace theater {

class Connection {
public:
    explicit Connection(sqlite3* db) noexcept : db_(db) {}
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const noexcept { return db_; }

    // The prepared statement for `sql`, a string with static storage (the
    // pointer is the cache key). Prepared on first use. The caller resets it
    // (ResetOnExit) before returning to SQLite.
    sqlite3_stmt* cached(const char* sql);

    // Called by the owner table's xConnect / xDisconnect.
    void owner_connected() noexcept { owner_connected_ = true; }
    void owner_disconnected() noexcept;

    // Every SQL function and module registered on the connection holds one
    // reference; SQLite calls release() through each one's destructor.
    void retain() noexcept { ++refs_; }
    static void release(void* self) noexcept;

    // Steps a statement of this connection: true for a row, false when done;
    // an error goes through fail().
    bool step(sqlite3_stmt* stmt) const {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(rc);
    }

    // Turns a failed internal statement into the error users should see:
    // a missing theater table means the database was never migrated.
    [[noreturn]] void fail(int rc) const;

private:
    void connect_owner();

    sqlite3* db_;
    int refs_ = 0;
    bool owner_connected_ = false;
    std::vector<std::pair<const char*, sqlite3_stmt*>> stmts_;
};

// The name of the eponymous table that owns the statement cache.
extern const char* const kCacheOwnerTable;

// Text shared by every function used on a database that was never migrated.
extern const char* const kNotMigratedMessage;

}  // namespace theater
