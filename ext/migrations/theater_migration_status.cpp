// theater_migration_status: one row per migration this build embeds, and
// whether and when it was applied (sql-api.md section 3). It is also the
// table that owns the connection's statements (core/connection.hpp).
#include "migrations/migrations.hpp"

#include "core/boundary.hpp"
#include "core/module.hpp"
#include "migrations/applied.hpp"

#include <string>
#include <vector>

namespace theater {

namespace {

struct StatusTable {
    sqlite3_vtab base{};
    Connection* conn = nullptr;
};

struct StatusRow {
    sqlite3_int64 version;
    const char* name;
    bool applied;
    std::string applied_at;
};

struct StatusCursor {
    sqlite3_vtab_cursor base{};
    std::vector<StatusRow> rows;
    std::size_t at = 0;
};

enum StatusColumn { kVersion, kName, kApplied, kAppliedAt };

int status_connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
    return connect_boundary(err, kMigrationStatusTable, [&] {
        declare_table(db, "CREATE TABLE x(version INTEGER, name TEXT, applied INTEGER, applied_at TEXT)");
        auto* table = new StatusTable;
        table->conn = static_cast<ModuleContext*>(aux)->conn;
        table->conn->owner_connected();
        *out = &table->base;
    });
}

int status_disconnect(sqlite3_vtab* vtab) {
    auto* table = reinterpret_cast<StatusTable*>(vtab);
    table->conn->owner_disconnected();
    delete table;
    return SQLITE_OK;
}

int status_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
    std::size_t count = 0;
    embedded_migrations(&count);
    info->estimatedCost = static_cast<double>(count) + 1;
    info->estimatedRows = static_cast<sqlite3_int64>(count);
    return SQLITE_OK;
}

int status_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
    auto* cursor = new (std::nothrow) StatusCursor;
    if (!cursor) return SQLITE_NOMEM;
    *out = &cursor->base;
    return SQLITE_OK;
}

int status_close(sqlite3_vtab_cursor* cur) {
    delete reinterpret_cast<StatusCursor*>(cur);
    return SQLITE_OK;
}

int status_filter(sqlite3_vtab_cursor* cur, int, const char*, int, sqlite3_value**) {
    auto* cursor = reinterpret_cast<StatusCursor*>(cur);
    auto* table = reinterpret_cast<StatusTable*>(cur->pVtab);
    return vtab_boundary(cur->pVtab, kMigrationStatusTable, [&] {
        Embedded e = embedded();
        std::vector<Applied> applied = read_applied(*table->conn);
        cursor->rows.clear();
        cursor->at = 0;
        for (std::size_t i = 0; i < e.count; ++i) {
            StatusRow row{e.list[i].version, e.list[i].name, false, {}};
            for (const Applied& a : applied) {
                if (a.version == row.version) {
                    row.applied = true;
                    row.applied_at = a.applied_at;
                }
            }
            cursor->rows.push_back(std::move(row));
        }
        return SQLITE_OK;
    });
}

int status_next(sqlite3_vtab_cursor* cur) {
    ++reinterpret_cast<StatusCursor*>(cur)->at;
    return SQLITE_OK;
}

int status_eof(sqlite3_vtab_cursor* cur) {
    auto* cursor = reinterpret_cast<StatusCursor*>(cur);
    return cursor->at >= cursor->rows.size();
}

int status_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int column) {
    const StatusRow& row = reinterpret_cast<StatusCursor*>(cur)->rows[reinterpret_cast<StatusCursor*>(cur)->at];
    switch (column) {
    case kVersion: sqlite3_result_int64(ctx, row.version); break;
    case kName: sqlite3_result_text(ctx, row.name, -1, SQLITE_STATIC); break;
    case kApplied: sqlite3_result_int(ctx, row.applied ? 1 : 0); break;
    case kAppliedAt:
        if (row.applied) sqlite3_result_text(ctx, row.applied_at.c_str(), -1, SQLITE_TRANSIENT);
        else sqlite3_result_null(ctx);
        break;
    default: break;
    }
    return SQLITE_OK;
}

int status_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
    auto* cursor = reinterpret_cast<StatusCursor*>(cur);
    *rowid = cursor->rows[cursor->at].version;
    return SQLITE_OK;
}

}  // namespace

const sqlite3_module kMigrationStatusModule =
    read_only_module(status_connect, status_best_index, status_disconnect, status_open, status_close, status_filter,
                     status_next, status_eof, status_column, status_rowid);

}  // namespace theater
