// Entry point: the one table of everything the extension registers.
//
// A reader who knows a SQL name finds its code here:
//   theater_version                     ext/theater.cpp
//   theater_migrate, theater_schema_version,
//   theater_migration_status            ext/migrations/
//   call_back, role_lead, role_understudy
//                                       ext/domain/
//   role_auditions, role_actors, role_locations, audition_role
//                                       ext/relations/ (one module, four descriptors)
//   role_casting                        ext/casting/
#include "casting/role_casting.hpp"
#include "core/connection.hpp"
#include "core/module_context.hpp"
#include "domain/domain.hpp"
#include "migrations/migrate.hpp"
#include "relations/theater_relations.hpp"

SQLITE_EXTENSION_INIT1

namespace theater {
namespace {

// Oldest SQLite this extension supports: SQLITE_INNOCUOUS and
// SQLITE_VTAB_INNOCUOUS came in 3.31.0. (Tested on 3.40.1.)
constexpr int kOldestSqlite = 3031000;
constexpr const char* kOldestSqliteText = "3.31.0";

void theater_version_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    sqlite3_result_text(ctx, THEATER_VERSION, -1, SQLITE_STATIC);
}

using ScalarFn = void (*)(sqlite3_context*, int, sqlite3_value**);

// Functions that only read are INNOCUOUS (usable from views and triggers even
// with trusted_schema=OFF) and not DETERMINISTIC: their answer depends on the
// tables. Functions that write are DIRECTONLY: a view or trigger in some
// other database can never call them.
constexpr int kReads = SQLITE_UTF8 | SQLITE_INNOCUOUS;
constexpr int kWrites = SQLITE_UTF8 | SQLITE_DIRECTONLY;
constexpr int kConstant = SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC;

struct FunctionEntry {
    const char* name;
    int arguments;
    int flags;
    ScalarFn fn;
};

const FunctionEntry kFunctions[] = {
    {"theater_version", 0, kConstant, theater_version_fn},
    {"theater_migrate", 0, kWrites, theater_migrate_fn},
    {"theater_migrate", 1, kWrites, theater_migrate_fn},
    {"theater_schema_version", 0, kReads, theater_schema_version_fn},
    {"call_back", 1, kWrites, call_back_fn},
    {"role_lead", 1, kReads, role_lead_fn},
    {"role_understudy", 1, kReads, role_understudy_fn},
};

// Every module is eponymous-only (no xCreate) and read-only.
struct ModuleEntry {
    const char* name;
    const sqlite3_module* module;
    const void* (*descriptor)();  // the module's own data, or nullptr
};

template <const RelationDescriptor& (*Relation)()>
const void* relation() {
    return &Relation();
}

const ModuleEntry kModules[] = {
    {"theater_migration_status", &kMigrationStatusModule, nullptr},
    {"role_auditions", &kRelationModule, relation<role_auditions_relation>},
    {"role_actors", &kRelationModule, relation<role_actors_relation>},
    {"role_locations", &kRelationModule, relation<role_locations_relation>},
    {"audition_role", &kRelationModule, relation<audition_role_relation>},
    {"role_casting", &kRoleCastingModule, nullptr},
};

// A second load on the same connection must change nothing: re-registering
// would fail with "unable to delete/modify user-function due to active
// statements" when the load itself runs as SELECT load_extension(...).
bool already_loaded(sqlite3* db) {
    sqlite3_stmt* probe = nullptr;
    int rc = sqlite3_prepare_v2(db, "SELECT theater_version()", -1, &probe, nullptr);
    sqlite3_finalize(probe);
    return rc == SQLITE_OK;
}

int register_all(sqlite3* db, char** error) {
    auto* conn = new (std::nothrow) Connection(db);
    if (!conn) return SQLITE_NOMEM;
    // Each registration holds a reference; SQLite drops it through the
    // destructor, also when the registration itself fails. The extra
    // reference taken here keeps conn alive until every entry is tried.
    conn->retain();
    int rc = SQLITE_OK;
    for (const FunctionEntry& f : kFunctions) {
        conn->retain();
        rc = sqlite3_create_function_v2(db, f.name, f.arguments, f.flags, conn, f.fn, nullptr, nullptr,
                                        &Connection::release);
        if (rc != SQLITE_OK) {
            *error = sqlite3_mprintf("theater: cannot register function %s: %s", f.name, sqlite3_errmsg(db));
            break;
        }
    }
    for (const ModuleEntry& m : kModules) {
        if (rc != SQLITE_OK) break;
        auto* context = new (std::nothrow) ModuleContext{conn, m.descriptor ? m.descriptor() : nullptr};
        if (!context) {
            rc = SQLITE_NOMEM;
            break;
        }
        conn->retain();
        rc = sqlite3_create_module_v2(db, m.name, m.module, context, &ModuleContext::destroy);
        if (rc != SQLITE_OK) {
            *error = sqlite3_mprintf("theater: cannot register table %s: %s", m.name, sqlite3_errmsg(db));
        }
    }
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
    if (theater::already_loaded(db)) return SQLITE_OK;
    return theater::register_all(db, error);
}
