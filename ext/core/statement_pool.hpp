// Prepared statements for virtual table cursors, prepared once per connection
// and reused. Several cursors of one table can be open at once (a self-join),
// so a table keeps a pool per statement rather than a single statement.
#pragma once

#include "core/connection.hpp"

#include <string>
#include <utility>
#include <vector>

namespace theater {

class StatementPool {
public:
    StatementPool(Connection& conn, std::string sql) : conn_(&conn), sql_(std::move(sql)) {}
    ~StatementPool() {
        for (sqlite3_stmt* stmt : free_) sqlite3_finalize(stmt);
    }
    StatementPool(const StatementPool&) = delete;
    StatementPool& operator=(const StatementPool&) = delete;

    // A statement on loan to one cursor; returned, reset, when the lease ends.
    class Lease {
    public:
        Lease() = default;
        Lease(StatementPool* pool, sqlite3_stmt* stmt) noexcept : pool_(pool), stmt_(stmt) {}
        Lease(Lease&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}
        Lease& operator=(Lease&& other) noexcept {
            if (this != &other) {
                release();
                pool_ = std::exchange(other.pool_, nullptr);
                stmt_ = std::exchange(other.stmt_, nullptr);
            }
            return *this;
        }
        ~Lease() { release(); }

        sqlite3_stmt* get() const noexcept { return stmt_; }
        explicit operator bool() const noexcept { return stmt_ != nullptr; }
        // Steps the statement; true for a row. Errors throw (see Connection::fail).
        bool step() const { return pool_->conn_->step(stmt_); }
        void release() noexcept {
            if (stmt_) pool_->give_back(stmt_);
            stmt_ = nullptr;
            pool_ = nullptr;
        }

    private:
        StatementPool* pool_ = nullptr;
        sqlite3_stmt* stmt_ = nullptr;
    };

    Lease take() {
        // A drained pool (its connection failed to close) pools statements
        // again only once an owner is connected to finalize them later.
        if (drained_) conn_->ensure_owner();
        drained_ = false;
        free_.reserve(free_.size() + 1);  // give_back() must not allocate
        if (!free_.empty()) {
            sqlite3_stmt* stmt = free_.back();
            free_.pop_back();
            return Lease(this, stmt);
        }
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(conn_->db(), sql_.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(stmt);
            conn_->fail(rc);
        }
        return Lease(this, stmt);
    }

    const std::string& sql() const noexcept { return sql_; }

    // Finalizes the idle statements now, and each statement on loan when it
    // comes back, until the next take(): for a connection that is closing.
    void drain() noexcept {
        for (sqlite3_stmt* stmt : free_) sqlite3_finalize(stmt);
        free_.clear();
        drained_ = true;
    }

private:
    void give_back(sqlite3_stmt* stmt) noexcept {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (!drained_ && free_.size() < free_.capacity()) free_.push_back(stmt);
        else sqlite3_finalize(stmt);
    }

    Connection* conn_;
    std::string sql_;
    std::vector<sqlite3_stmt*> free_;
    bool drained_ = false;
};

}  // namespace theater
