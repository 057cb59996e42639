// Entry point: the one table of everything the extension registers. Every
// SQL name has a file of that name (ARCHITECTURE.md has the map):
//   theater_version, theater_debug      ext/theater_version.cpp, ext/theater_debug.cpp
//   theater_migrate, theater_schema_version, theater_migration_status
//                                       ext/migrations/<name>.cpp
//   call_back, call_back_all, role_casting, role_auditions, role_actors, role_locations,
//   audition_role, theater_materialize_casting
//                                       ext/theater/<name>.cpp
//   role_lead, role_understudy          ext/theater/role_lead_understudy.cpp
//   theater_relate, theater_unrelate, theater_refresh,
//   theater_enforce_foreign_keys, theater_diagram
//                                       ext/model/<name>.cpp
//   every declared relationship         ext/model/declared_relationship.cpp
//   theater_keys, theater_memo_put      ext/core/key_feed.cpp, ext/core/memo_pass.cpp (the
//                                       extension's own statements' helpers, not for SQL)
// The relationships (the theater's four and the declared ones) are served by
// one module, ext/engine/relationship_module.cpp.
#include "build_info.hpp"
#include "core/connection.hpp"
#include "core/key_feed.hpp"
#include "core/memo_pass.hpp"
#include "core/module.hpp"
#include "engine/relationship_module.hpp"
#include "migrations/migrations.hpp"
#include "model/model.hpp"
#include "theater/domain.hpp"

#include <cstring>
#include <new>
#include <iterator>
#include <string>
#include <vector>

SQLITE_EXTENSION_INIT1

namespace theater {
namespace {

// Oldest SQLite this extension supports: sqlite3_txn_state() came in 3.34.0
// (SQLITE_INNOCUOUS and SQLITE_VTAB_INNOCUOUS in 3.31.0). Every routine the
// extension calls must exist in that version's routine table. Tested on 3.34.0,
// 3.40.1 and 3.54.1 (scripts/test-sqlite-versions.sh, docs/platforms.md).
constexpr int kOldestSqlite = 3034000;
constexpr const char* kOldestSqliteText = "3.34.0";

using ScalarFn = void (*)(sqlite3_context*, int, sqlite3_value**);

// Functions that only read are INNOCUOUS (usable from views and triggers even
// with trusted_schema=OFF) and not DETERMINISTIC: their answer depends on the
// tables. Functions that write are DIRECTONLY: a view or trigger in some
// other database can never call them.
constexpr int kReads = SQLITE_UTF8 | SQLITE_INNOCUOUS;
constexpr int kWrites = SQLITE_UTF8 | SQLITE_DIRECTONLY;
constexpr int kConstant = SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC;
// The extension's own statements' helpers: nothing a view or trigger may call.
constexpr int kInternal = SQLITE_UTF8 | SQLITE_DIRECTONLY;

struct FunctionEntry {
    const char* name;
    int arguments;
    int flags;
    ScalarFn fn;
};

// theater_version comes last: a second load looks for it (already_loaded),
// so it must exist only once everything else does.
const FunctionEntry kFunctions[] = {
    {"theater_migrate", 0, kWrites, theater_migrate_fn},
    {"theater_migrate", 1, kWrites, theater_migrate_fn},
    {"theater_schema_version", 0, kReads, theater_schema_version_fn},
    {"call_back", 1, kWrites, call_back_fn},
    {"call_back_all", 1, kWrites, call_back_all_fn},
    {"role_lead", 1, kReads, role_lead_fn},
    {"role_understudy", 1, kReads, role_understudy_fn},
    {"theater_materialize_casting", 0, kWrites, theater_materialize_casting_fn},
    {"theater_materialize_casting", 1, kWrites, theater_materialize_casting_fn},
    {"theater_relate", 3, kWrites, theater_relate_fn},
    {"theater_relate", 4, kWrites, theater_relate_fn},
    {"theater_relate", 5, kWrites, theater_relate_fn},
    {"theater_unrelate", 1, kWrites, theater_unrelate_fn},
    {"theater_refresh", 0, kWrites, theater_refresh_fn},
    {"theater_enforce_foreign_keys", 1, kWrites, theater_enforce_foreign_keys_fn},
    {"theater_diagram", 0, kReads, theater_diagram_fn},
    {"theater_diagram", 1, kReads, theater_diagram_fn},
    {"theater_json", 3, kReads, theater_json_fn},
    {"theater_memo_put", -1, kInternal, theater_memo_put_fn},
    {"theater_debug", 0, kConstant, theater_debug_fn},
    {"theater_version", 0, kConstant, theater_version_fn},
};

// Every module is eponymous-only (no xCreate) and read-only. A relationship
// is the engine's module with a fixed spec.
struct ModuleEntry {
    const char* name;
    const sqlite3_module* module;
    const RelationshipSpec& (*spec)();  // relationships only, else nullptr
};

const ModuleEntry kModules[] = {
    {kMigrationStatusTable, &kMigrationStatusModule, nullptr},
    {"role_auditions", &kRelationshipModule, role_auditions_spec},
    {"role_actors", &kRelationshipModule, role_actors_spec},
    {"role_locations", &kRelationshipModule, role_locations_spec},
    {"audition_role", &kRelationshipModule, audition_role_spec},
    {"role_casting", &kRoleCastingModule, nullptr},
    {kKeyFeedTable, &kKeyFeedModule, nullptr},
};

// The table that owns the connection's statements (core/connection.hpp).
const char* const kStatementOwner = kMigrationStatusTable;

// A probe below that failed to prepare: SQLITE_DONE when it failed because the
// function does not exist (with that arity), which is what it asks. Any other
// failure (a low SQLITE_LIMIT_SQL_LENGTH, no memory) answers nothing: taking
// it for "absent" would register everything a second time over live tables,
// or over an application's function. The load fails instead.
int probe_failed(sqlite3* db, int rc, char** error) {
    const char* message = sqlite3_errmsg(db);
    if (message && (std::strncmp(message, "no such function: ", 18) == 0 ||
                    std::strncmp(message, "wrong number of arguments to function ", 38) == 0)) {
        return SQLITE_DONE;
    }
    *error = sqlite3_mprintf("theater: cannot check this connection's functions before loading: %s",
                             message ? message : "unknown error");
    return rc;
}

// A second load on the same connection must change nothing: re-registering
// would fail with "unable to delete/modify user-function due to active
// statements" when the load itself runs as SELECT load_extension(...).
// Returns SQLITE_OK when this build is loaded already, SQLITE_DONE when
// nothing is, an error (with *error set) when another build is.
int already_loaded(sqlite3* db, char** error) {
    Stmt probe;
    {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db, "SELECT theater_version()", -1, &raw, nullptr);
        probe.reset(raw);
        if (rc != SQLITE_OK) return probe_failed(db, rc, error);
    }
    const unsigned char* loaded = sqlite3_step(probe.get()) == SQLITE_ROW ? sqlite3_column_text(probe.get(), 0) : nullptr;
    if (loaded && std::strcmp(reinterpret_cast<const char*>(loaded), THEATER_VERSION) == 0) return SQLITE_OK;
    *error = sqlite3_mprintf("theater: another build of theater (%s) is loaded on this connection already; "
                             "open a new connection to load %s",
                             loaded ? reinterpret_cast<const char*>(loaded) : "unknown", THEATER_VERSION);
    return SQLITE_ERROR;
}

// Registering over an application's function of the same name and arity
// would replace it (or fail halfway through when statements are active), so
// a clash refuses the load before anything is registered.
int refuse_clashes(sqlite3* db, char** error) {
    for (const FunctionEntry& f : kFunctions) {
        std::string call = std::string("SELECT ") + f.name + "(";
        for (int i = 0; i < f.arguments; ++i) call += i ? ", NULL" : "NULL";
        call += ")";
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db, call.c_str(), -1, &raw, nullptr);
        sqlite3_finalize(raw);
        if (rc != SQLITE_OK && probe_failed(db, rc, error) != SQLITE_DONE) return rc;
        if (rc == SQLITE_OK) {
            *error = sqlite3_mprintf("theater: this connection already has a function %s() with %d argument(s); "
                                     "theater cannot be loaded beside it",
                                     f.name, f.arguments);
            return SQLITE_ERROR;
        }
    }
    return SQLITE_OK;
}

// Removes what a failed load registered: SQLite unloads the library after a
// failed init, and no function may be left pointing into it.
void unregister(sqlite3* db, std::size_t functions, std::size_t modules) {
    for (std::size_t i = 0; i < functions; ++i) {
        const FunctionEntry& f = kFunctions[i];
        sqlite3_create_function_v2(db, f.name, f.arguments, f.flags, nullptr, nullptr, nullptr, nullptr, nullptr);
    }
    for (std::size_t i = 0; i < modules; ++i) sqlite3_create_module_v2(db, kModules[i].name, nullptr, nullptr, nullptr);
}

// The context of module entry m: a relationship's names its fixed spec.
ModuleContext* context_for(Connection* conn, const ModuleEntry& m) {
    if (m.spec) return new RelationshipContext(conn, &m.spec());
    return new ModuleContext(conn);
}

int register_all(sqlite3* db, char** error) {
    auto* conn = new (std::nothrow) Connection(db, kStatementOwner);
    if (!conn) return SQLITE_NOMEM;
    // Each registration holds a reference; SQLite drops it through the
    // destructor, also when the registration itself fails. The extra
    // reference taken here keeps conn alive until every entry is tried.
    conn->retain();
    int rc = SQLITE_OK;
    std::size_t modules = 0;  // registered so far
    std::size_t functions = 0;
    // A spec is built on its first use, and any entry may run out of memory:
    // an exception leaving the loops would skip the undo below and leak conn.
    try {
        std::vector<std::string>& names = conn->state<RegisteredNames>().names;
        names.reserve(std::size(kModules) + std::size(kFunctions));
        std::vector<const RelationshipSpec*>& fixed = conn->state<FixedRelationships>().specs;
        fixed.reserve(std::size(kModules));
        for (const ModuleEntry& m : kModules) {
            rc = sqlite3_create_module_v2(db, m.name, m.module, context_for(conn, m), &ModuleContext::destroy);
            if (rc != SQLITE_OK) {
                *error = sqlite3_mprintf("theater: cannot register table %s: %s", m.name, sqlite3_errmsg(db));
                break;
            }
            ++modules;
            names.emplace_back(m.name);
            if (m.spec) fixed.push_back(&m.spec());
        }
        for (const FunctionEntry& f : kFunctions) {
            if (rc != SQLITE_OK) break;
            conn->retain();
            rc = sqlite3_create_function_v2(db, f.name, f.arguments, f.flags, conn, f.fn, nullptr, nullptr,
                                            &Connection::release);
            if (rc != SQLITE_OK) {
                *error = sqlite3_mprintf("theater: cannot register function %s: %s", f.name, sqlite3_errmsg(db));
                break;
            }
            ++functions;
            names.emplace_back(f.name);
        }
    } catch (...) {
        rc = SQLITE_NOMEM;
    }
    if (rc != SQLITE_OK) unregister(db, functions, modules);
    // Relationships declared earlier, read from the database. Loading never
    // fails for them (see model/declarations.hpp).
    if (rc == SQLITE_OK) register_stored_relationships(*conn);
    Connection::release(conn);
    return rc;
}

}  // namespace
}  // namespace theater

extern "C" __attribute__((visibility("default"))) int sqlite3_theater_init(sqlite3* db, char** error,
                                                                         const sqlite3_api_routines* api) {
    SQLITE_EXTENSION_INIT2(api);
    if (sqlite3_libversion_number() < theater::kOldestSqlite) {
        *error = sqlite3_mprintf("theater: needs SQLite %s or newer; this program uses SQLite %s",
                                 theater::kOldestSqliteText, sqlite3_libversion());
        return SQLITE_ERROR;
    }
    try {
        int rc = theater::already_loaded(db, error);
        if (rc == SQLITE_DONE) {
            rc = theater::refuse_clashes(db, error);
            if (rc == SQLITE_OK) rc = theater::register_all(db, error);
        }
        // The probes above fail on purpose and leave their error on the
        // connection; sqlite3_open() returns that error when the extension is
        // registered with sqlite3_auto_extension(). An empty sqlite3_exec()
        // clears it.
        if (rc == SQLITE_OK) sqlite3_exec(db, "", nullptr, nullptr, nullptr);
        return rc;
    } catch (...) {  // nothing may unwind into the host's C frames
        return SQLITE_NOMEM;
    }
}
