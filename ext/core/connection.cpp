#include "core/connection.hpp"

#include "core/statement_pool.hpp"

#include <cstring>

namespace theater {

const char* const kCacheOwnerTable = "theater_migration_status";
const char* const kNotMigratedMessage =
    "the theater schema is not installed in this database; run SELECT theater_migrate() first";

Connection::Connection(sqlite3* db) noexcept : db_(db) {}

Connection::~Connection() { finalize_cache(); }

void Connection::finalize_cache() noexcept {
    for (auto& entry : stmts_) sqlite3_finalize(entry.second);
    stmts_.clear();
    for (auto& entry : pools_) entry.second->drain();
    for (auto& pool : sql_pools_) pool->drain();
}

void Connection::owner_disconnected() noexcept {
    if (owners_ > 0) --owners_;
    if (owners_ == 0) finalize_cache();
    release(this);  // the owner's reference; may delete this
}

StatementPool& Connection::pool(const char* sql) {
    // The owner must be connected so that its xDisconnect drains the pool.
    if (owners_ == 0) connect_owner();
    for (auto& entry : pools_) {
        if (entry.first == sql) return *entry.second;
    }
    pools_.emplace_back(sql, std::make_unique<StatementPool>(*this, sql));
    return *pools_.back().second;
}

StatementPool& Connection::pool_for(const std::string& sql) {
    if (owners_ == 0) connect_owner();
    for (auto& pool : sql_pools_) {
        if (pool->sql() == sql) return *pool;
    }
    sql_pools_.push_back(std::make_unique<StatementPool>(*this, sql));
    return *sql_pools_.back();
}

bool Connection::is_own(sqlite3_stmt* stmt) const noexcept {
    const char* sql = sqlite3_sql(stmt);
    if (!sql) return false;
    for (const auto& entry : stmts_) {
        if (std::strcmp(entry.first, sql) == 0) return true;
    }
    for (const auto& entry : pools_) {
        if (std::strcmp(entry.first, sql) == 0) return true;
    }
    for (const auto& pool : sql_pools_) {
        if (pool->sql() == sql) return true;
    }
    return false;
}

StatementSnapshot Connection::snapshot() const {
    StatementSnapshot out;
    out.changes = sqlite3_total_changes(db_);
    for (sqlite3_stmt* stmt = sqlite3_next_stmt(db_, nullptr); stmt; stmt = sqlite3_next_stmt(db_, stmt)) {
        if (is_own(stmt)) continue;
        out.steps.emplace_back(stmt, sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 0));
    }
    return out;
}

bool Connection::quiet_since(const StatementSnapshot& before) const noexcept {
    if (sqlite3_total_changes(db_) != before.changes) return false;
    int writers = 0;
    for (sqlite3_stmt* stmt = sqlite3_next_stmt(db_, nullptr); stmt; stmt = sqlite3_next_stmt(db_, stmt)) {
        if (is_own(stmt)) continue;
        if (sqlite3_stmt_busy(stmt) && !sqlite3_stmt_readonly(stmt) && ++writers > 1) return false;
        int steps = 0;
        for (const auto& entry : before.steps) {
            if (entry.first == stmt) {
                steps = entry.second;
                break;
            }
        }
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
    std::string sql = "SELECT 1 FROM main.";
    sql += kCacheOwnerTable;
    Stmt probe = prepare(db_, sql);
    if (owners_ == 0) throw SqlError("could not connect the statement cache owner");
}

sqlite3_stmt* Connection::cached(const char* sql) {
    for (auto& entry : stmts_) {
        if (entry.first == sql) return entry.second;
    }
    if (owners_ == 0) connect_owner();
    stmts_.reserve(stmts_.size() + 1);  // so push_back below cannot throw after prepare
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        fail(rc);
    }
    stmts_.emplace_back(sql, stmt);
    return stmt;
}

bool table_exists(Connection& conn, const char* name) {
    static constexpr const char* kTableExists =
        "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE";
    CachedStatement stmt(conn, kTableExists);
    sqlite3_bind_text(stmt.get(), 1, name, -1, SQLITE_STATIC);
    return stmt.step();
}

void Connection::fail(int rc) const {
    const char* message = sqlite3_errmsg(db_);
    // Only the theater's own tables: a declared relationship over a table
    // that was dropped says which table is missing.
    if ((rc & 0xff) != SQLITE_INTERRUPT && message &&
        (std::strcmp(message, "no such table: main.roles") == 0 ||
         std::strcmp(message, "no such table: main.auditions") == 0)) {
        throw SqlError(kNotMigratedMessage, SQLITE_ERROR);
    }
    // The extended code (SQLITE_BUSY_SNAPSHOT, SQLITE_CONSTRAINT_CHECK...)
    // tells callers more than the primary one: "retry the transaction" is
    // not "the lock wait timed out".
    int extended = sqlite3_extended_errcode(db_);
    int code = (extended & 0xff) == (rc & 0xff) ? extended : rc;
    throw SqlError(errmsg(db_, code), code);
}

}  // namespace theater
