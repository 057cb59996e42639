#include "core/connection.hpp"

#include "core/quote.hpp"
#include "core/statement_pool.hpp"

#include <algorithm>
#include <cstdint>

namespace theater {

Connection::Connection(sqlite3* db, const char* owner_table) noexcept : db_(db), owner_table_(owner_table) {}

Connection::~Connection() { finalize_statements(); }

void Connection::finalize_statements() noexcept {
    for (auto& entry : pools_) entry.second->drain();
}

void Connection::owner_disconnected() noexcept {
    if (owners_ > 0) --owners_;
    if (owners_ == 0) finalize_statements();
    release(this);  // the owner's reference; may delete this
}

StatementPool& Connection::pool(std::string_view sql) {
    // The owner must be connected so that its xDisconnect drains the pool.
    if (owners_ == 0) connect_owner();
    auto found = pools_.find(sql);
    if (found != pools_.end()) return *found->second;
    std::string key(sql);
    auto made = std::make_unique<StatementPool>(*this, key);
    return *pools_.emplace(std::move(key), std::move(made)).first->second;
}

void Connection::discard_pool(std::string_view sql) noexcept {
    auto found = pools_.find(sql);
    if (found == pools_.end()) return;
    if (found->second->idle()) pools_.erase(found);
    else found->second->drain();
}

StatementLease Connection::statement(std::string_view sql) { return pool(sql).take(); }

bool Connection::is_own(sqlite3_stmt* stmt) const noexcept {
    const char* sql = sqlite3_sql(stmt);
    return sql && pools_.find(std::string_view(sql)) != pools_.end();
}

StatementSnapshot Connection::snapshot() const {
    StatementSnapshot out;
    out.changes = sqlite3_total_changes(db_);
    for (sqlite3_stmt* stmt = sqlite3_next_stmt(db_, nullptr); stmt; stmt = sqlite3_next_stmt(db_, stmt)) {
        if (is_own(stmt)) continue;
        out.steps.emplace_back(stmt, sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 0));
    }
    std::sort(out.steps.begin(), out.steps.end());
    return out;
}

bool Connection::quiet_since(const StatementSnapshot& before) const noexcept {
    if (sqlite3_total_changes(db_) != before.changes) return false;
    int writers = 0;
    for (sqlite3_stmt* stmt = sqlite3_next_stmt(db_, nullptr); stmt; stmt = sqlite3_next_stmt(db_, stmt)) {
        if (is_own(stmt)) continue;
        if (sqlite3_stmt_busy(stmt) && !sqlite3_stmt_readonly(stmt) && ++writers > 1) return false;
        auto found = std::lower_bound(before.steps.begin(), before.steps.end(), std::make_pair(stmt, INT32_MIN));
        int steps = found != before.steps.end() && found->first == stmt ? found->second : 0;
        if (sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 0) != steps) return false;
    }
    // One statement that writes, in autocommit mode: when it fails, SQLite
    // rolls back everything it wrote (sqlite3VdbeHalt: the only writer of
    // an automatic transaction). Inside the caller's transaction it may
    // keep what it wrote (without a statement journal nothing undoes it).
    return writers == 0 || sqlite3_get_autocommit(db_) != 0;
}

void Connection::release(void* self) noexcept {
    auto* conn = static_cast<Connection*>(self);
    if (--conn->refs_ == 0) delete conn;
}

void Connection::connect_owner() {
    // Preparing a statement that names an eponymous table connects it.
    // main. skips a TEMP table of the same name.
    Stmt probe = prepare(db_, std::string("SELECT 1 FROM main.") + quote_identifier(owner_table_));
    if (owners_ == 0) throw SqlError("could not connect the statement cache owner");
}

namespace {
constexpr const char* kTableExists = "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE";
}  // namespace

bool table_exists(Connection& conn, const char* name) {
    StatementLease stmt = conn.statement(kTableExists);
    sqlite3_bind_text(stmt.get(), 1, name, -1, SQLITE_STATIC);
    return stmt.step();
}

bool table_exists_uncached(sqlite3* db, const char* name) {
    Stmt stmt = prepare(db, kTableExists);
    sqlite3_bind_text(stmt.get(), 1, name, -1, SQLITE_STATIC);
    return step(db, stmt.get());
}

}  // namespace theater
