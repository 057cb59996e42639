// Prepared statements kept per connection and reused. Several users of one
// SQL text can need a statement at once (a self-join of one table, a
// trigger that calls the same function again from inside it), so the
// connection keeps a pool per SQL text rather than a single statement.
#pragma once

#include "core/connection.hpp"

#include <string>
#include <utility>
#include <vector>

namespace theater {

class StatementPool;

// A statement on loan from a pool; returned, reset and its bindings
// cleared, when the lease ends.
class StatementLease {
public:
    StatementLease() = default;
    StatementLease(StatementPool* pool, sqlite3_stmt* stmt) noexcept : pool_(pool), stmt_(stmt) {}
    StatementLease(StatementLease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}
    StatementLease& operator=(StatementLease&& other) noexcept {
        if (this != &other) {
            release();
            pool_ = std::exchange(other.pool_, nullptr);
            stmt_ = std::exchange(other.stmt_, nullptr);
        }
        return *this;
    }
    StatementLease(const StatementLease&) = delete;
    StatementLease& operator=(const StatementLease&) = delete;
    ~StatementLease() { release(); }

    sqlite3_stmt* get() const noexcept { return stmt_; }
    explicit operator bool() const noexcept { return stmt_ != nullptr; }
    // Steps the statement; true for a row. Errors throw (throw_error).
    bool step() const;
    void release() noexcept;

private:
    StatementPool* pool_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class StatementPool {
public:
    StatementPool(Connection& conn, std::string sql) : conn_(&conn), sql_(std::move(sql)) {}
    ~StatementPool() {
        for (sqlite3_stmt* stmt : free_) sqlite3_finalize(stmt);
    }
    StatementPool(const StatementPool&) = delete;
    StatementPool& operator=(const StatementPool&) = delete;

    StatementLease take() {
        // A drained pool (its connection failed to close) pools statements
        // again only once an owner is connected to finalize them later.
        if (drained_) conn_->ensure_owner();
        drained_ = false;
        free_.reserve(free_.size() + 1);  // give_back() must not allocate
        if (!free_.empty()) {
            sqlite3_stmt* stmt = free_.back();
            free_.pop_back();
            ++on_loan_;
            return StatementLease(this, stmt);
        }
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(conn_->db(), sql_.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(stmt);
            throw_error(conn_->db(), rc);
        }
        ++on_loan_;
        return StatementLease(this, stmt);
    }

    // take(), or an empty lease where the statement cannot be prepared (an
    // authorizer denies it, a table of the user's shadows one it reads, no
    // memory, an interrupt): for the statements that only make things
    // faster, whose owner then goes on without them (an interrupt still
    // ends the outer statement, which sees it too).
    StatementLease take_if_prepared() {
        try {
            return take();
        } catch (const SqlError&) {
            return {};
        }
    }

    // No statement of the pool is on loan.
    bool idle() const noexcept { return on_loan_ == 0; }

    const std::string& sql() const noexcept { return sql_; }
    sqlite3* db() const noexcept { return conn_->db(); }

    // Finalizes the idle statements now, and each statement on loan when it
    // comes back, until the next take(): for a connection that is closing.
    void drain() noexcept {
        for (sqlite3_stmt* stmt : free_) sqlite3_finalize(stmt);
        free_.clear();
        drained_ = true;
    }

private:
    friend class StatementLease;
    void give_back(sqlite3_stmt* stmt) noexcept {
        --on_loan_;
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (!drained_ && free_.size() < free_.capacity()) free_.push_back(stmt);
        else sqlite3_finalize(stmt);
    }

    Connection* conn_;
    std::string sql_;
    std::vector<sqlite3_stmt*> free_;
    bool drained_ = false;
    int on_loan_ = 0;
};

inline bool StatementLease::step() const { return theater::step(pool_->db(), stmt_); }

inline void StatementLease::release() noexcept {
    if (stmt_) pool_->give_back(stmt_);
    stmt_ = nullptr;
    pool_ = nullptr;
}

}  // namespace theater
