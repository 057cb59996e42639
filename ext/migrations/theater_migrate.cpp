// theater_migrate() and theater_migrate(version): every migration between
// the database's version and the target, up or down, all or nothing
// (sql-api.md section 3).
#include "migrations/migrations.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/write_transaction.hpp"
#include "migrations/applied.hpp"
#include "migrations/theater_tables.hpp"

#include <string>
#include <vector>

namespace theater {

namespace {

void run_step(GuardedWrite& write, const Migration& m, const char* direction, const char* sql) {
    try {
        write.run(sql);
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
    step(conn.db(), stmt.get());
}

void unrecord(Connection& conn, const Migration& m) {
    Stmt stmt = prepare(conn.db(), "DELETE FROM main.theater_schema_migrations WHERE version = ?1");
    sqlite3_bind_int64(stmt.get(), 1, m.version);
    step(conn.db(), stmt.get());
}

sqlite3_int64 migrate_in_transaction(Connection& conn, GuardedWrite& write, const Embedded& e, sqlite3_int64 target) {
    write.guard();
    std::vector<Applied> applied = read_applied(conn);
    sqlite3_int64 current = current_version(conn, e, applied);
    if (target > current) {
        write.run("CREATE TABLE IF NOT EXISTS main.theater_schema_migrations ("
                 " version INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL,"
                 " checksum TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL)");
        for (sqlite3_int64 v = current + 1; v <= target; ++v) {
            run_step(write, e.at(v), "up", e.at(v).up);
            record(conn, e.at(v));
        }
    } else if (target < current) {
        for (sqlite3_int64 v = current; v > target; --v) {
            run_step(write, e.at(v), "down", e.at(v).down);
            unrecord(conn, e.at(v));
        }
    }
    // Version 0 means no theater tables at all, bookkeeping included.
    if (target == 0 && table_exists(conn, kMigrationsTable)) {
        write.run("DROP TABLE main.theater_schema_migrations");
    }
    write.pause_guard();  // the guard must not outlive the call
    return target;
}

// True when the database is at `target` already and passes every check, so
// the call has nothing to write (it then works on a read-only database and
// takes no write lock).
bool nothing_to_do(Connection& conn, const Embedded& e, sqlite3_int64 target) {
    std::vector<Applied> applied = read_applied(conn);
    sqlite3_int64 current = current_version(conn, e, applied);
    return current == target && (target != 0 || !table_exists(conn, kMigrationsTable));
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
                             [&](GuardedWrite& write) { return migrate_in_transaction(conn, write, e, target); });
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

}  // namespace theater
