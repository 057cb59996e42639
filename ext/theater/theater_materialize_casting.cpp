// theater_materialize_casting(), theater_materialize_casting(1 | 0): the
// stored casting sheet on or off (docs/reference.md, "casting_sheet_stored:
// the stored casting sheet"). On: the table casting_sheet_stored with role_casting's rows, and
// the plain-SQL triggers that keep it so (theater/casting_sheet_stored.hpp);
// off: neither. Each call is all or nothing (core/write_transaction.hpp).
#include "theater/domain.hpp"

#include "core/args.hpp"
#include "core/connection.hpp"
#include "core/quote.hpp"
#include "core/write_transaction.hpp"
#include "theater/casting_sheet_stored.hpp"
#include "theater/domain_boundary.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace theater {

namespace {

constexpr const char* kFunction = "theater_materialize_casting";

// Tables, views and indexes share one namespace, triggers have their own.
constexpr const char* kFind = "SELECT type, sql FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE "
                              "AND (type = 'trigger') = (?2 = 'trigger')";

enum class Found { kAbsent, kOurs, kOther };

// What the main database holds under the names of `objects`.
std::vector<Found> find_all(sqlite3* db, const std::vector<StoredSheetObject>& objects) {
    std::vector<Found> found;
    found.reserve(objects.size());
    Stmt find = prepare(db, kFind);
    for (const StoredSheetObject& o : objects) {
        sqlite3_reset(find.get());
        bind_text(find.get(), 1, o.name);
        bind_text(find.get(), 2, o.type);
        if (!step(db, find.get())) {
            found.push_back(Found::kAbsent);
            continue;
        }
        bool ours = column_bytes(find.get(), 0) == o.type && sqlite3_column_type(find.get(), 1) == SQLITE_TEXT &&
                    column_bytes(find.get(), 1) == o.stored;
        found.push_back(ours ? Found::kOurs : Found::kOther);
    }
    return found;
}

// A table of ours that is not as we make it was made by someone else, or
// changed since (ALTER TABLE): its rows are not ours to delete. A trigger of
// ours is ours whatever it says (its name is), and is made again.
void refuse_others(const std::vector<StoredSheetObject>& objects, const std::vector<Found>& found) {
    for (std::size_t i = 0; i < objects.size(); ++i) {
        if (objects[i].type == "table" && found[i] == Found::kOther) {
            throw SqlError("main." + objects[i].name + " is not the table " + kFunction +
                           " makes (another object of that name, or the table changed since); rename or drop it "
                           "first");
        }
    }
}

bool all_ours(const std::vector<Found>& found) {
    return std::all_of(found.begin(), found.end(), [](Found f) { return f == Found::kOurs; });
}

bool table_matches_role_casting(sqlite3* db) {
    Stmt matches = prepare(db, stored_sheet_matches_sql());
    return step(db, matches.get()) && sqlite3_column_int(matches.get(), 0) == 1;
}

// DROP TABLE fails while any other statement of the connection reads a
// table (SQLite's OP_Destroy): the statement that called us, when it reads
// one. The guard is no such statement (GuardedWrite::run pauses it).
void run_drop(GuardedWrite& write, const std::string& sql) {
    try {
        write.run(sql.c_str());
    } catch (const SqlError& e) {
        if (std::string(e.what()).find("database table is locked") == std::string::npos) throw;
        throw SqlError(std::string(e.what()) + " (run it as a statement of its own, SELECT " + kFunction +
                           "(0), not inside a statement that reads tables)",
                       e.code());
    }
}

// Drops the sheet's triggers that exist (on and off both start there).
void drop_triggers(GuardedWrite& write, const std::vector<StoredSheetObject>& objects, const std::vector<Found>& found) {
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const StoredSheetObject& o = objects[i];
        if (o.type == "trigger" && found[i] != Found::kAbsent) {
            write.run(("DROP TRIGGER main." + quote_identifier(o.name)).c_str());
        }
    }
}

int turn_on(Connection& conn) {
    sqlite3* db = conn.db();
    if (!table_exists(conn, kRolesTable) || !table_exists(conn, kAuditionsTable)) throw SqlError(kNotMigratedMessage);
    const std::vector<StoredSheetObject> objects = stored_sheet_objects();
    std::vector<Found> found = find_all(db, objects);
    refuse_others(objects, found);
    // Every object as made and every row right: nothing to write (no write
    // lock; a read-only database is fine). Otherwise (off, triggers dropped
    // by a table rebuild, the table written to by hand) everything is made
    // again.
    if (all_ours(found) && table_matches_role_casting(db)) return 1;
    write_transaction(db, kFunction, [&](GuardedWrite& write) {
        write.guard();
        // Again under the write lock: another connection may have changed
        // the schema since.
        found = find_all(db, objects);
        refuse_others(objects, found);
        drop_triggers(write, objects, found);
        // A table already ours is emptied, not dropped: DROP TABLE would fail
        // under a calling statement that reads a table.
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const StoredSheetObject& o = objects[i];
            if (o.type != "table") continue;
            const std::string sql =
                found[i] == Found::kOurs ? "DELETE FROM main." + quote_identifier(o.name) : o.create;
            write.run(sql.c_str());
        }
        write.run(stored_sheet_fill_sql().c_str());
        for (const StoredSheetObject& o : objects) {
            if (o.type == "trigger") write.run(o.create.c_str());
        }
        write.pause_guard();
        return 0;
    });
    return 1;
}

int turn_off(Connection& conn) {
    sqlite3* db = conn.db();
    const std::vector<StoredSheetObject> objects = stored_sheet_objects();
    std::vector<Found> found = find_all(db, objects);
    refuse_others(objects, found);
    // Needs no theater table: it also clears what theater_migrate(0) left
    // (dropping roles and auditions drops the triggers, not the tables).
    if (std::all_of(found.begin(), found.end(), [](Found f) { return f == Found::kAbsent; })) return 0;
    write_transaction(db, kFunction, [&](GuardedWrite& write) {
        write.guard();
        found = find_all(db, objects);
        refuse_others(objects, found);
        // The triggers first: they name the tables.
        drop_triggers(write, objects, found);
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const StoredSheetObject& o = objects[i];
            if (o.type == "table" && found[i] == Found::kOurs) {
                run_drop(write, "DROP TABLE main." + quote_identifier(o.name));
            }
        }
        write.pause_guard();
        return 0;
    });
    return 0;
}

// 1 or 0 (as an INTEGER column would store it: 1, 1.0, '1'); not NULL, which
// elsewhere means "do nothing", because here it would mean neither.
bool on_argument(sqlite3_value* value) {
    if (sqlite3_value_type(value) == SQLITE_NULL) throw SqlError("on must be 1 or 0, not NULL");
    std::optional<sqlite3_int64> on;
    try {
        on = integer_argument(value, "on");
    } catch (const SqlError& e) {
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
    }
    if (!on || (*on != 0 && *on != 1)) throw SqlError("on must be 1 or 0");
    return *on == 1;
}

}  // namespace

void theater_materialize_casting_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    domain_function(ctx, kFunction, [&] {
        bool on = argc == 0 || on_argument(argv[0]);
        Connection& conn = Connection::of(ctx);
        sqlite3_result_int(ctx, on ? turn_on(conn) : turn_off(conn));
    });
}

}  // namespace theater
