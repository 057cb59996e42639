#include "migrations/migrate.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/connection.hpp"
#include "core/module_context.hpp"
#include "core/write_transaction.hpp"
#include "migrations/migration.hpp"

#include <climits>
#include <string>
#include <vector>

namespace theater {

namespace {

constexpr const char* kReadApplied =
    "SELECT version, name, checksum, applied_at FROM main.theater_schema_migrations ORDER BY version";
constexpr const char* kBookkeeping = "theater_schema_migrations";

struct Applied {
    sqlite3_int64 version;
    std::string name;
    std::string checksum;
    std::string applied_at;
};

struct Embedded {
    const Migration* list;
    std::size_t count;
    const Migration& at(sqlite3_int64 version) const { return list[version - 1]; }
    bool knows(sqlite3_int64 version) const {
        return version >= 1 && version <= static_cast<sqlite3_int64>(count);
    }
};

Embedded embedded() {
    Embedded e{};
    e.list = embedded_migrations(&e.count);
    return e;
}


// The bookkeeping table's rows, or nothing when it does not exist.
std::vector<Applied> read_applied(Connection& conn) {
    std::vector<Applied> rows;
    if (!table_exists(conn, kBookkeeping)) return rows;
    CachedStatement stmt(conn, kReadApplied);
    while (stmt.step()) {
        sqlite3_stmt* row = stmt.get();
        rows.push_back({sqlite3_column_int64(row, 0), column_bytes(row, 1), column_bytes(row, 2),
                        column_bytes(row, 3)});
    }
    return rows;
}

std::string known_range(const Embedded& e) {
    return "this build of theater (" THEATER_VERSION ") knows versions 0 to " + std::to_string(e.count);
}

// Checks what the database says has been applied against this build and
// returns the current version. Throws the refusals of spec section 3.
sqlite3_int64 current_version(Connection& conn, const Embedded& e, const std::vector<Applied>& applied) {
    sqlite3_int64 expected = 1;
    for (const Applied& row : applied) {
        if (!e.knows(row.version)) {
            throw SqlError("the database has migration " + std::to_string(row.version) + " (" + row.name +
                           ") applied, but " + known_range(e) +
                           " only: it was migrated by a newer build; use that build or a newer one");
        }
        const Migration& m = e.at(row.version);
        if (row.checksum != m.checksum) {
            throw SqlError("migration " + std::to_string(row.version) + " (" + m.name +
                           ") has changed since it was applied to this database (checksum " + row.checksum +
                           ", this build has " + m.checksum + "); applied migrations must never be edited");
        }
        if (row.version != expected) {
            throw SqlError("the bookkeeping in theater_schema_migrations is inconsistent: migration " +
                           std::to_string(expected) + " is missing while " + std::to_string(row.version) +
                           " is applied");
        }
        ++expected;
    }
    sqlite3_int64 current = expected - 1;
    if (current == 0 && (table_exists(conn, "roles") || table_exists(conn, "auditions"))) {
        throw SqlError(
            "this database already has roles/auditions tables that theater did not create; "
            "to adopt them, run the script sql/adopt.sql (README: \"Adopting an existing database\")");
    }
    return current;
}

void run_step(Undo& undo, const Migration& m, const char* direction, const char* sql) {
    try {
        undo.run(sql);
    } catch (const SqlError& err) {
        std::string message = "migration " + std::to_string(m.version) + " (" + m.name + ") failed going " +
                              direction + ": " + err.what();
        if (message.find("database table is locked") != std::string::npos) {
            message += " (run it as a statement of its own, SELECT theater_migrate(...), "
                       "not inside a statement that reads tables)";
        }
        throw SqlError(message, err.code());
    }
}

void record(Connection& conn, const Migration& m) {
    Stmt stmt = prepare(conn.db(),
                        "INSERT INTO main.theater_schema_migrations(version, name, checksum, applied_at) "
                        "VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    sqlite3_bind_int64(stmt.get(), 1, m.version);
    sqlite3_bind_text(stmt.get(), 2, m.name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt.get(), 3, m.checksum, -1, SQLITE_STATIC);
    conn.step(stmt.get());
}

void unrecord(Connection& conn, const Migration& m) {
    Stmt stmt = prepare(conn.db(), "DELETE FROM main.theater_schema_migrations WHERE version = ?1");
    sqlite3_bind_int64(stmt.get(), 1, m.version);
    conn.step(stmt.get());
}

sqlite3_int64 migrate_in_transaction(Connection& conn, Undo& undo, const Embedded& e, sqlite3_int64 target) {
    undo.guard();
    std::vector<Applied> applied = read_applied(conn);
    sqlite3_int64 current = current_version(conn, e, applied);
    if (target > current) {
        undo.run("CREATE TABLE IF NOT EXISTS main.theater_schema_migrations ("
                 " version INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL,"
                 " checksum TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL)");
        for (sqlite3_int64 v = current + 1; v <= target; ++v) {
            run_step(undo, e.at(v), "up", e.at(v).up);
            record(conn, e.at(v));
        }
    } else if (target < current) {
        for (sqlite3_int64 v = current; v > target; --v) {
            run_step(undo, e.at(v), "down", e.at(v).down);
            unrecord(conn, e.at(v));
        }
    }
    // Version 0 means no theater tables at all, bookkeeping included.
    if (target == 0 && table_exists(conn, kBookkeeping)) {
        undo.run("DROP TABLE main.theater_schema_migrations");
    }
    undo.pause_guard();  // the guard must not outlive the call
    return target;
}

// True when the database is at `target` already and passes every check, so
// the call has nothing to write (it then works on a read-only database and
// takes no write lock).
bool nothing_to_do(Connection& conn, const Embedded& e, sqlite3_int64 target) {
    std::vector<Applied> applied = read_applied(conn);
    sqlite3_int64 current = current_version(conn, e, applied);
    return current == target && (target != 0 || !table_exists(conn, kBookkeeping));
}

sqlite3_int64 migrate(Connection& conn, sqlite3_int64 target) {
    Embedded e = embedded();
    if (target < 0 || target > static_cast<sqlite3_int64>(e.count)) {
        throw SqlError("no migration with version " + std::to_string(target) + "; " + known_range(e));
    }
    if (nothing_to_do(conn, e, target)) return target;
    // A read-only database is refused before any migration is tried, so the
    // error does not blame the migration that happened to run first.
    return write_transaction(conn.db(), "theater_migrate",
                             [&](Undo& undo) { return migrate_in_transaction(conn, undo, e, target); });
}

}  // namespace

void theater_migrate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    function_boundary(ctx, "theater_migrate", [&] {
        Embedded e = embedded();
        sqlite3_int64 target = static_cast<sqlite3_int64>(e.count);
        if (argc == 1) {
            auto version = integer_argument(argv[0], "version");
            if (!version) throw SqlError("version must be an integer, not NULL");
            target = *version;
        }
        sqlite3_result_int64(ctx, migrate(Connection::of(ctx), target));
    });
}

void theater_schema_version_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    function_boundary(ctx, "theater_schema_version", [&] {
        std::vector<Applied> applied = read_applied(Connection::of(ctx));
        sqlite3_result_int64(ctx, applied.empty() ? 0 : applied.back().version);
    });
}

// ---- theater_migration_status ------------------------------------------

namespace {

constexpr const char* kStatusTable = "theater_migration_status";

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
    try {
        int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(version INTEGER, name TEXT, applied INTEGER, applied_at TEXT)");
        if (rc != SQLITE_OK) return rc;
        sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
        auto* table = new StatusTable;
        table->conn = static_cast<ModuleContext*>(aux)->conn;
        table->conn->owner_connected();
        *out = &table->base;
        return SQLITE_OK;
    } catch (const std::bad_alloc&) {
        return SQLITE_NOMEM;
    } catch (...) {
        *err = sqlite3_mprintf("%s: internal error", kStatusTable);
        return SQLITE_ERROR;
    }
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
    return vtab_boundary(cur->pVtab, kStatusTable, [&] {
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

const sqlite3_module kMigrationStatusModule = {
    /* iVersion    */ 0,
    /* xCreate     */ nullptr,  // eponymous only: CREATE VIRTUAL TABLE ... USING is refused
    /* xConnect    */ status_connect,
    /* xBestIndex  */ status_best_index,
    /* xDisconnect */ status_disconnect,
    /* xDestroy    */ nullptr,
    /* xOpen       */ status_open,
    /* xClose      */ status_close,
    /* xFilter     */ status_filter,
    /* xNext       */ status_next,
    /* xEof        */ status_eof,
    /* xColumn     */ status_column,
    /* xRowid      */ status_rowid,
    /* xUpdate     */ nullptr,
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindMethod */ nullptr,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace theater
