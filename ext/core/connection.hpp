// Per-connection state: the statements every SQL function and table of one
// connection shares, and typed slots for what a higher floor keeps per
// connection (state<T>()).
//
// Who finalizes the statements matters. SQLite 3.40 has no close hook, and
// sqlite3_close() refuses to close ("unable to close due to unfinalized
// statements") while any statement exists; function and module destructors run
// only after that check. Eponymous virtual tables are disconnected *before* it,
// so one eponymous table (the owner, named when the connection state is made)
// owns the statements: its xDisconnect finalizes every one. When a failed
// close leaves the connection open, the next statement taken reconnects that
// owner first.
#pragma once

#include "core/sqlite.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace theater {

class StatementPool;
class StatementLease;

// What the connection's statements had done at one moment (see
// Connection::quiet_since).
struct StatementSnapshot {
    int changes = 0;  // sqlite3_total_changes()
    // Each statement that is not the extension's own, and its count of
    // virtual machine steps (SQLITE_STMTSTATUS_VM_STEP), in pointer order.
    std::vector<std::pair<sqlite3_stmt*, int>> steps;
};

class Connection {
public:
    // `owner_table`: the eponymous table that owns the statements (static
    // storage).
    Connection(sqlite3* db, const char* owner_table) noexcept;
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const noexcept { return db_; }

    // The connection state of a SQL function registered with it as user data.
    static Connection& of(sqlite3_context* ctx) noexcept {
        return *static_cast<Connection*>(sqlite3_user_data(ctx));
    }

    // The pool of prepared statements for `sql`, keyed by its text: every
    // function and table that runs the same SQL shares its statements,
    // prepared once per connection and kept until the connection closes.
    StatementPool& pool(std::string_view sql);
    // Forgets the pool of `sql`, for SQL that is not fixed (theater_json's
    // compiled shapes, which would otherwise pile up): destroyed now when
    // none of its statements is on loan, else drained (each is finalized
    // when it comes back).
    void discard_pool(std::string_view sql) noexcept;
    // One statement for `sql` on loan (StatementPool::take): reset, its
    // bindings cleared, when the lease ends, however it ends.
    StatementLease statement(std::string_view sql);

    // Whether `stmt` is one of the extension's own statements (one of a
    // pool's), by its SQL text: none of them names a table-valued function
    // of the model layer, so no statement that uses a relationship is taken
    // for one.
    bool is_own(sqlite3_stmt* stmt) const noexcept;

    // The statements of the connection now, and whether, since `before`,
    // none of those that are not the extension's own has returned from
    // sqlite3_step (SQLite adds a statement's virtual machine steps to its
    // SQLITE_STMTSTATUS_VM_STEP count only when it returns: with a row, at
    // its end, or with an error), the connection completed no write, and at
    // most one of them is writing, in autocommit mode (see quiet_since). A
    // statement prepared after `before` counts from zero. Used to tell that
    // a statement can be started again: it has returned no row, and SQLite
    // undoes whatever it wrote (engine/relationship_module.cpp,
    // restart_is_safe).
    StatementSnapshot snapshot() const;
    bool quiet_since(const StatementSnapshot& before) const noexcept;

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

    // The connection's one T, made (value-initialized) on first use and
    // destroyed with the connection: what a floor above keeps per
    // connection (the declared relationships, call_back's nesting depth...)
    // without this floor knowing its type.
    template <class T>
    T& state() {
        static const char key = 0;  // one per T
        for (const Slot& slot : slots_) {
            if (slot.key == &key) return *static_cast<T*>(slot.value.get());
        }
        slots_.reserve(slots_.size() + 1);  // so that emplace_back cannot throw once made
        auto made = std::make_unique<T>();
        T& out = *made;
        slots_.push_back(Slot{&key, Owned(made.release(), [](void* p) { delete static_cast<T*>(p); })});
        return out;
    }

private:
    using Owned = std::unique_ptr<void, void (*)(void*)>;
    struct Slot {
        const void* key;
        Owned value;
    };

    void connect_owner();
    void finalize_statements() noexcept;

    sqlite3* db_;
    const char* owner_table_;
    int refs_ = 0;
    int owners_ = 0;
    std::map<std::string, std::unique_ptr<StatementPool>, std::less<>> pools_;
    std::vector<Slot> slots_;
};

// The SQL names the extension itself registered on the connection (its
// registration tables): theater_relate refuses them.
struct RegisteredNames {
    std::vector<std::string> names;
};

// Whether the main database has a table of that name (case-insensitive).
bool table_exists(Connection& conn, const char* name);
// The same through a statement of its own, for a question asked once: it does
// not connect the owner of the connection's statements (this file's first
// comment), about a sixth of what a load costs.
bool table_exists_uncached(sqlite3* db, const char* name);

}  // namespace theater
