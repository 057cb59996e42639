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

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace theater {

class StatementPool;

// One relationship registered on a connection (see Connection::declared).
struct Registration {
    std::string name;
    // The stored declaration the registration serves.
    std::string signature;
    // What serves it (a DeclaredRelation), for identity only.
    const void* relation = nullptr;
};

// What the connection's statements had done at one moment (see
// Connection::quiet_since).
struct StatementSnapshot {
    int changes = 0;  // sqlite3_total_changes()
    // Each statement that is not the extension's own, and its count of
    // virtual machine steps (SQLITE_STMTSTATUS_VM_STEP).
    std::vector<std::pair<sqlite3_stmt*, int>> steps;
};

class Connection {
public:
    explicit Connection(sqlite3* db) noexcept;
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const noexcept { return db_; }

    // The connection state of a SQL function registered with it as user data.
    static Connection& of(sqlite3_context* ctx) noexcept {
        return *static_cast<Connection*>(sqlite3_user_data(ctx));
    }

    // The prepared statement for `sql`, a string with static storage (the
    // pointer is the cache key), prepared on first use. Use it through
    // CachedStatement, which resets it after use.
    sqlite3_stmt* cached(const char* sql);

    // A pool of statements for `sql` (static storage; the pointer is the key),
    // for state that keeps a statement open across calls, e.g. the
    // HireStream of one outer statement (domain/hire_stream.hpp).
    StatementPool& pool(const char* sql);
    // The same for SQL made at run time (a declared relationship's queries),
    // keyed by its text: every table that serves the same queries shares
    // their statements, prepared once per connection. Kept until the
    // connection closes.
    StatementPool& pool_for(const std::string& sql);

    // The relationships registered on this connection (by theater_relate,
    // theater_refresh or at load), by name, with the stored declaration each
    // registration serves: theater_relate may replace these modules and no
    // other, and a statement prepared before a replacement learns of it.
    std::vector<Registration>& declared() noexcept { return declared_; }

    // How deeply extension calls that write are nested on this connection: a
    // trigger fired by call_back's UPDATE may call call_back again.
    int& write_depth() noexcept { return write_depth_; }

    // Called by the owner table's xConnect / xDisconnect. After a failed
    // sqlite3_close() a second owner may connect before the first one
    // disconnects, so owners are counted. An owner holds a reference: some
    // SQLite versions (3.40 among them) destroy a module's client data, and
    // with it the module's reference, before they call its xDisconnect.
    void owner_connected() noexcept {
        ++owners_;
        retain();
    }
    void owner_disconnected() noexcept;
    // Connects the owner if none is connected (after a failed close).
    void ensure_owner() {
        if (owners_ == 0) connect_owner();
    }

    // Every SQL function and module registered on the connection holds one
    // reference; SQLite calls release() through each one's destructor.
    void retain() noexcept { ++refs_; }
    static void release(void* self) noexcept;

    // Whether `stmt` is one of the extension's own statements (a cached one,
    // or one of a pool's), by its SQL text: none of them names a table-valued
    // function of the model layer, so no statement that uses a relationship
    // is taken for one.
    bool is_own(sqlite3_stmt* stmt) const noexcept;

    // The statements of the connection now, and whether, since `before`,
    // none of those that are not the extension's own has returned from
    // sqlite3_step (SQLite adds a statement's virtual machine steps to its
    // SQLITE_STMTSTATUS_VM_STEP count only when it returns: with a row, at
    // its end, or with an error), the connection completed no write, and at
    // most one of them is writing, in autocommit mode (see quiet_since). A
    // statement prepared after `before` counts from zero. Used to tell that
    // a statement can be started again: it has returned no row, and SQLite
    // undoes whatever it wrote (relation.cpp, restart_is_safe).
    StatementSnapshot snapshot() const;
    bool quiet_since(const StatementSnapshot& before) const noexcept;

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
    void finalize_cache() noexcept;

    sqlite3* db_;
    int refs_ = 0;
    int write_depth_ = 0;
    int owners_ = 0;
    std::vector<Registration> declared_;
    std::vector<std::pair<const char*, sqlite3_stmt*>> stmts_;
    std::vector<std::pair<const char*, std::unique_ptr<StatementPool>>> pools_;
    std::vector<std::unique_ptr<StatementPool>> sql_pools_;
};

// One use of a cached statement, reset (bindings cleared) when the scope
// ends, however it ends, so a cached statement never stays active between
// calls. When the cached statement is already running (the same function was
// re-entered from a trigger its own statement fired), this use gets a fresh
// statement of its own, finalized afterwards.
class CachedStatement {
public:
    CachedStatement(Connection& conn, const char* sql) : conn_(conn), stmt_(conn.cached(sql)) {
        if (sqlite3_stmt_busy(stmt_)) {
            own_ = prepare(conn.db(), sql);
            stmt_ = own_.get();
        }
    }
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    ~CachedStatement() {
        if (!own_) {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        }
    }

    sqlite3_stmt* get() const noexcept { return stmt_; }
    bool step() const { return conn_.step(stmt_); }

private:
    Connection& conn_;
    sqlite3_stmt* stmt_;
    Stmt own_;
};

// Whether the main database has a table of that name (case-insensitive).
bool table_exists(Connection& conn, const char* name);

// The name of the eponymous table that owns the statement cache.
extern const char* const kCacheOwnerTable;

// Text shared by every function used on a database that was never migrated.
extern const char* const kNotMigratedMessage;

}  // namespace theater
