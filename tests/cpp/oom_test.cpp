// Out-of-memory tests for the theater extension (issue 5, items 5 and 6).
//
// Two kinds of allocation failure, each injected at the N-th allocation after
// a fixture's setup, for every N along a call's path until the call completes
// without reaching N:
//
//   * SQLite's allocations: a counting allocator installed with
//     sqlite3_config(SQLITE_CONFIG_MALLOC) around the default one (the host's
//     libsqlite3, which loads build/theater.so at run time as any client
//     would). The extension allocates through SQLite too (statements,
//     sqlite3_mprintf).
//   * C++ allocations: SQLITE_CONFIG_MALLOC never sees operator new, so this
//     executable replaces the global operator new/new[] (the extension's .so
//     binds to the executable's definition) with one that throws
//     std::bad_alloc at the N-th call. Nothing may unwind into SQLite.
//
// Each path runs cold (a fresh connection: statements prepared, eponymous
// tables connected on the way) and, where it makes sense, warm (the
// extension's statement cache primed by a first call). For each N:
//   - the call succeeds with exactly the rows of a run without failure, or
//     fails with SQLITE_NOMEM or another error code with a message (a C++
//     allocation failure must be SQLITE_NOMEM), never a crash or terminate;
//   - the extension leaves no transaction open; the connection still answers,
//     the same call gives the same rows again, integrity_check says ok;
//   - sqlite3_close() returns SQLITE_OK (no statement left behind), and every
//     SQLite allocation and operator new made since the connection was opened
//     is freed;
//   - the file, reopened, passes integrity_check, is at the old or the new
//     schema version with exactly that version's schema, and the call works.
// theater_migrate() also runs inside the caller's transaction, which the
// caller then rolls back or (carelessly, after the error) commits.
//
// Environment (scripts/test-cpp.sh uses the first two under valgrind):
//   THEATER_OOM_STRIDE=k   past THEATER_OOM_DENSE, test every k-th N only
//                          (default 1: every N)
//   THEATER_OOM_DENSE=d    test every N up to d even with a stride (default 150)
//   THEATER_OOM_AGAIN_STRIDE=k  past N=50, make the same call again after
//                          the failure (on the connection, and on the file
//                          reopened) at every k-th N only; every other check
//                          runs at every N (default 1: every N)
//   THEATER_OOM_VERBOSE=1  print every failing N's outcome
// and, to study one failure: THEATER_OOM_FIRST=n (start at N=n) and
// THEATER_OOM_TRACE=1 (print the stack of every injected failure).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <string>
#include <vector>

#include <execinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef THEATER_EXTENSION_PATH
#error "THEATER_EXTENSION_PATH must name the extension built by CMake (build/theater.so)"
#endif
#ifndef THEATER_HEAD_VERSION
#error "THEATER_HEAD_VERSION must be the number of migrations/*.sql files (tests/cpp/CMakeLists.txt)"
#endif

// ---- Fault injection state ------------------------------------------------
//
// Plain zero-initialized data: operator new runs before main().

namespace theater_test {

// The newest migration: theater_migrate() on an empty database returns it.
constexpr int kHead = THEATER_HEAD_VERSION;

enum FailMode { kOff = 0, kSqliteMalloc = 1, kCxxNew = 2 };

struct Injector {
    int mode;       // which allocator fails (FailMode)
    long fail_at;   // the fail_at-th allocation after arming fails
    long count;     // allocations seen since arming
    bool hit;       // the failure was injected
};

Injector g_inject;
long g_sqlite_live;  // SQLite allocations not yet freed
long g_new_live;     // operator new allocations not yet deleted

bool g_trace;  // THEATER_OOM_TRACE: print the stack of every injected failure

inline bool inject_now(int mode) noexcept {
    if (g_inject.mode != mode) return false;
    if (++g_inject.count != g_inject.fail_at) return false;
    g_inject.hit = true;
    if (g_trace) {
        void* frames[64];
        int depth = backtrace(frames, 64);
        std::fprintf(stderr, "-- injected %s failure at N=%ld:\n", mode == kCxxNew ? "operator new" : "SQLite malloc",
                     g_inject.fail_at);
        backtrace_symbols_fd(frames, depth, 2);
    }
    return true;
}

void arm(int mode, long n) noexcept { g_inject = Injector{mode, n, 0, false}; }

// Stops injecting; returns whether the failure was injected.
bool disarm() noexcept {
    g_inject.mode = kOff;
    return g_inject.hit;
}

}  // namespace theater_test

// ---- Replaced global operator new / delete ---------------------------------

namespace {
void* counted_new(std::size_t size) {
    if (theater_test::inject_now(theater_test::kCxxNew)) throw std::bad_alloc();
    void* p = std::malloc(size ? size : 1);
    if (!p) throw std::bad_alloc();
    ++theater_test::g_new_live;
    return p;
}
void counted_delete(void* p) noexcept {
    if (!p) return;
    --theater_test::g_new_live;
    std::free(p);
}
}  // namespace

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_new(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_new(size);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }

namespace theater_test {
namespace {

// ---- SQLite's allocator, counted and failing on demand --------------------

sqlite3_mem_methods g_default_mem;

void* mem_malloc(int size) {
    if (inject_now(kSqliteMalloc)) return nullptr;
    void* p = g_default_mem.xMalloc(size);
    if (p) ++g_sqlite_live;
    return p;
}
void mem_free(void* p) {
    if (p) --g_sqlite_live;
    g_default_mem.xFree(p);
}
void* mem_realloc(void* p, int size) {
    if (inject_now(kSqliteMalloc)) return nullptr;
    if (!p) {
        void* q = g_default_mem.xRealloc(p, size);
        if (q) ++g_sqlite_live;
        return q;
    }
    return g_default_mem.xRealloc(p, size);
}
int mem_size(void* p) { return g_default_mem.xSize(p); }
int mem_roundup(int size) { return g_default_mem.xRoundup(size); }
int mem_init(void*) { return g_default_mem.xInit(g_default_mem.pAppData); }
void mem_shutdown(void*) { g_default_mem.xShutdown(g_default_mem.pAppData); }

// Must run before SQLite initializes itself.
void install_counting_allocator() {
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_default_mem) != SQLITE_OK) {
        std::fprintf(stderr, "SQLITE_CONFIG_GETMALLOC failed\n");
        std::exit(2);
    }
    static sqlite3_mem_methods counting = {mem_malloc, mem_free,     mem_realloc, mem_size,
                                           mem_roundup, mem_init,    mem_shutdown, nullptr};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &counting) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK) {
        std::fprintf(stderr, "cannot install the counting allocator\n");
        std::exit(2);
    }
}

long env_long(const char* name, long fallback) {
    const char* text = std::getenv(name);
    if (!text || !*text) return fallback;
    long value = std::strtol(text, nullptr, 10);
    return value > 0 ? value : fallback;
}

// Which N to try: all of them, or (THEATER_OOM_STRIDE) every one up to
// THEATER_OOM_DENSE and every k-th after that.
struct Schedule {
    long stride = env_long("THEATER_OOM_STRIDE", 1);
    long dense = env_long("THEATER_OOM_DENSE", 150);
    long next(long n) const { return n < dense ? n + 1 : n + stride; }
    std::string describe() const {
        if (stride == 1) return "every N";
        return "every N to " + std::to_string(dense) + ", then every " + std::to_string(stride) + "th";
    }
};

// ---- Running SQL without allocating in the test's own code ----------------
//
// While a failure is armed, the test itself must not call operator new (it
// would be counted and could fail in the test rather than in the extension),
// and should not make SQLite allocate for it either (no type conversions):
// everything goes into fixed buffers.

struct RunResult {
    int rc = SQLITE_OK;  // SQLITE_OK when every statement ran to completion
    char rows[16384];
    std::size_t used = 0;
    bool truncated = false;
    char message[1024];

    void clear() noexcept {
        rc = SQLITE_OK;
        rows[0] = '\0';
        used = 0;
        truncated = false;
        message[0] = '\0';
    }
    void append(const char* text, std::size_t n) noexcept {
        if (used + n + 1 > sizeof rows) {
            truncated = true;
            n = sizeof rows - used - 1;
        }
        std::memcpy(rows + used, text, n);
        used += n;
        rows[used] = '\0';
    }
    void set_message(const char* text) noexcept {
        std::snprintf(message, sizeof message, "%s", text ? text : "");
    }
    std::string text() const { return std::string(rows, used); }
};

void append_row(RunResult& out, sqlite3_stmt* stmt) noexcept {
    char number[64];
    int columns = sqlite3_column_count(stmt);
    for (int i = 0; i < columns; ++i) {
        if (i) out.append("|", 1);
        switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_NULL: out.append("NULL", 4); break;
        case SQLITE_INTEGER: {
            int n = std::snprintf(number, sizeof number, "%lld", static_cast<long long>(sqlite3_column_int64(stmt, i)));
            out.append(number, static_cast<std::size_t>(n));
            break;
        }
        case SQLITE_FLOAT: {
            int n = std::snprintf(number, sizeof number, "%.17g", sqlite3_column_double(stmt, i));
            out.append(number, static_cast<std::size_t>(n));
            break;
        }
        default: {  // TEXT or BLOB: the bytes as stored, no conversion
            const void* bytes = sqlite3_column_blob(stmt, i);
            int n = sqlite3_column_bytes(stmt, i);
            if (bytes && n > 0) out.append(static_cast<const char*>(bytes), static_cast<std::size_t>(n));
            break;
        }
        }
    }
    out.append("\n", 1);
}

// Runs every statement of `sql` in turn, stopping at the first error;
// `after_each(db, context)`, when given, after each statement that completed.
void run_sql(sqlite3* db, const char* sql, RunResult& out, void (*after_each)(sqlite3*, void*) = nullptr,
             void* context = nullptr) noexcept {
    out.clear();
    const char* next = sql;
    while (next && *next) {
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v2(db, next, -1, &stmt, &tail);
        if (rc == SQLITE_OK && stmt) {
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) append_row(out, stmt);
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        if (rc != SQLITE_OK) out.set_message(sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        if (rc != SQLITE_OK) {
            out.rc = rc;
            return;
        }
        if (stmt && after_each) after_each(db, context);
        next = tail;
    }
}

void load_extension(sqlite3* db, RunResult& out) noexcept {
    out.clear();
    char* error = nullptr;
    out.rc = sqlite3_load_extension(db, THEATER_EXTENSION_PATH, nullptr, &error);
    if (out.rc != SQLITE_OK) out.set_message(error);
    sqlite3_free(error);
}

// ---- Database files ---------------------------------------------------------

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spill(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(2);
    }
}

bool file_exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// The database file is unchanged and nothing (a journal, a WAL) is left to
// replay into it when it is opened again.
bool file_is_template(const std::string& path, const std::string& bytes) {
    for (const char* suffix : {"-journal", "-wal"}) {
        if (file_exists(path + suffix)) return false;
    }
    return slurp(path) == bytes;
}

bool g_extension_loaded_once = false;  // a load completed in this process

const std::string& work_dir() {
    static const std::string dir = [] {
        std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
        std::string pattern = base + "/theater-oom-XXXXXX";
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        if (!mkdtemp(buffer.data())) {
            std::fprintf(stderr, "mkdtemp: %s\n", std::strerror(errno));
            std::exit(2);
        }
        return std::string(buffer.data());
    }();
    return dir;
}

std::string work_file(const char* name) { return work_dir() + "/" + name; }

void remove_db(const std::string& path) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

sqlite3* open_db(const std::string& path) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), db ? sqlite3_errmsg(db) : "out of memory");
        std::exit(2);
    }
    sqlite3_enable_load_extension(db, 1);  // the C API and SQL load_extension()
    return db;
}

// Runs SQL that must succeed (outside any injected failure).
std::string must_run(sqlite3* db, const char* sql) {
    RunResult r;
    run_sql(db, sql, r);
    if (r.rc != SQLITE_OK) {
        ADD_FAILURE() << "unexpected error " << r.rc << " (" << r.message << ") from: " << sql;
    }
    return r.text();
}

void must_load(sqlite3* db) {
    RunResult r;
    load_extension(db, r);
    if (r.rc != SQLITE_OK) ADD_FAILURE() << "cannot load " << THEATER_EXTENSION_PATH << ": " << r.message;
    else g_extension_loaded_once = true;
}

// Closes a connection that must close cleanly. On failure, names the
// statements left open, finalizes them and closes anyway.
void must_close(sqlite3* db, const char* what) {
    int rc = sqlite3_close(db);
    if (rc == SQLITE_OK) return;
    std::string open;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) {
        open += std::string("\n  ") + (sqlite3_sql(s) ? sqlite3_sql(s) : "?");
    }
    ADD_FAILURE() << what << ": sqlite3_close returned " << rc << " (" << sqlite3_errmsg(db)
                  << "); statements still open:" << open;
    while (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr)) sqlite3_finalize(s);
    sqlite3_close_v2(db);
}

// The database files every iteration starts from. Built lazily: the empty
// one without loading the extension (so a test of the first load in a fresh
// process stays cold).
const char* const kSeed =
    "INSERT INTO roles(id, character_name) VALUES"
    " (1, 'Hamlet'), (2, 'Ophelia'), (3, 'Polonius'), (4, 'Horatio'), (5, 'Laertes');"
    "INSERT INTO auditions(id, actor, location, phone, hired, role_id) VALUES"
    " (1, 'Ann', 'London', 111, 1, 1), (2, 'Bob', 'Paris', NULL, 0, 1),"
    " (3, 'Cid', 'Rome', 333, 1, 1), (4, 'Dee', 'Oslo', 444, 1, 1),"
    " (5, 'Eve', 'Lima', 555, 0, 2), (6, 'Fay', 'Kyiv', 666, 1, 2),"
    " (7, 'Gus', 'Baku', 777, 0, 3),"
    " (8, 'Hal', 'Doha', 888, 1, 5), (9, 'Ivy', 'Riga', 999, 1, 5), (10, 'Jon', 'Nice', NULL, 0, 5);";

enum class Start { kEmpty, kMigrated, kDeclared, kFiltered, kMaterialized };

// kDeclared: migrated, seeded, with a model of the user's own and
// relationships declared over it and over the theater's tables.
constexpr const char* kDeclaredModel =
    "CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE role_tags(role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
    " tag_id INTEGER NOT NULL REFERENCES tags(id));"
    "CREATE INDEX role_tags_role ON role_tags(role_id);"
    "INSERT INTO tags VALUES (1, 'tragedy'), (2, 'ghost');"
    "INSERT INTO role_tags VALUES (1, 2), (1, 1), (3, 2);"
    "SELECT theater_relate('hires', 'roles', 'auditions');"
    "SELECT theater_relate('role_tag_list', 'roles', 'tags', 'role_tags');"
    "SELECT theater_relate('audition_of', 'auditions', 'roles');"
    // Issue 15: a tree over TEXT keys (the general path).
    "CREATE TABLE nodes(id TEXT PRIMARY KEY, parent TEXT REFERENCES nodes(id));"
    "INSERT INTO nodes VALUES ('a', NULL), ('b', 'a'), ('c', 'a'), ('d', 'b'), ('e', 'd');"
    "SELECT theater_relate('subtree', 'nodes', 'nodes', '{\"direction\": \"one-to-many\", \"recursive\": true}');";

// kFiltered: kDeclared and a stored filter and order, which every load
// checks on a private connection. A template of its own: in the shared one,
// that check's thousands of allocations were swept again under every
// scenario that loads the model (the diagram alone took 4 minutes).
constexpr const char* kFilteredModel =
    "SELECT theater_relate('hired', 'roles', 'auditions', '{\"where\": \"hired = 1\", \"order_by\": \"id DESC\"}');";

const std::string& template_bytes(Start start) {
    static std::map<Start, std::string> bytes;
    auto found = bytes.find(start);
    if (found != bytes.end()) return found->second;
    const char* const names[] = {"empty.db", "migrated.db", "declared.db", "filtered.db", "materialized.db"};
    std::string path = work_file(names[static_cast<int>(start)]);
    remove_db(path);
    sqlite3* db = open_db(path);
    // Something of the user's own, so integrity_check has more to check.
    must_run(db, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
                 "INSERT INTO notes(body) VALUES ('first'), ('second');"
                 "CREATE INDEX notes_body ON notes(body);");
    if (start != Start::kEmpty) {
        must_load(db);
        EXPECT_EQ(must_run(db, "SELECT theater_migrate()"), std::to_string(kHead) + "\n");
        must_run(db, kSeed);
    }
    if (start == Start::kDeclared || start == Start::kFiltered) must_run(db, kDeclaredModel);
    if (start == Start::kFiltered) must_run(db, kFilteredModel);
    // kMaterialized: migrated, seeded, the stored casting sheet on (issue 17).
    if (start == Start::kMaterialized) {
        EXPECT_EQ(must_run(db, "SELECT theater_materialize_casting()"), "1\n");
    }
    EXPECT_EQ(must_run(db, "PRAGMA integrity_check"), "ok\n") << "template";
    must_close(db, "template");
    return bytes[start] = slurp(path);
}

// ---- Scenarios --------------------------------------------------------------

enum class Act { kLoad, kLoadSql, kSql };

struct Scenario {
    const char* name;
    Start start;
    Act act;
    const char* sql;     // kSql: the call under test (one or more statements)
    const char* warmup;  // run before arming in the warm variant (primes the
                         // extension's statement cache); nullptr: no warm variant
    int version_before;  // schema version before the call
    int version_after;   // and after it succeeds
    // The script leaves its transaction open; after an error the test ends
    // it with COMMIT, as a careless caller would (default: ROLLBACK).
    bool commit_after = false;
};

constexpr const char* kVersion = "SELECT theater_schema_version()";
constexpr const char* kUnorderedRoles =
    "SELECT v.value, role_lead(v.value), role_understudy(v.value) FROM json_each("
    "'[5, 1, 4, 2, 3, 5, 1, 4, 2, 3, 5, 1, 4, 2, 3, 5, 1, 4, 2, 3, 5, 1, 4, 2, 3]') AS v";
constexpr const char* kUnorderedAuditions =
    "SELECT v.value, ar.* FROM json_each('[9, 2, 7, 4, 10, 1, 8, 3, 6, 5, 9, 2, 7, 4, 10, 1, 8, 3, 6, 5, "
    "9, 2, 7, 4, 10, 1, 8, 3, 6, 5, 9, 2, 7, 4, 10, 1, 8, 3, 6, 5]') AS v, "
    "audition_role(v.value) AS ar";
// Auditions read as SQLite plans the join, through the index on role_id,
// with role ids that do not ascend with audition ids: after the keyed
// statement, the follow window (its passes through theater_memo_put)
// predicts the keys. The UPDATE gives the same role ids every time it runs.
constexpr const char* kPlannersOrderAuditions =
    "UPDATE auditions SET role_id = 1 + (id * 3) % 5; "
    "SELECT n.value, a.id, x.* FROM json_each('[1, 2, 3, 4]') AS n CROSS JOIN auditions AS a "
    "CROSS JOIN audition_role(a.id) AS x";

// Statements that read some of a relationship's columns (reading_columns):
// roles in order (the forward scan), in no order (the keyed statement) and
// every key (the scan), each with its own queries.
constexpr const char* kSomeColumns =
    "SELECT r.id, a.actor FROM roles AS r JOIN role_auditions(r.id) AS a; "
    "SELECT v.value, a.location, a.id FROM json_each('[5, 1, 4, 2, 3, 5, 1, 4, 2, 3, 5, 1, 4, 2, 3, 5, 1, 4, 2, 3, "
    "5, 1, 4, 2, 3]') AS v, role_auditions(v.value) AS a; "
    "SELECT count(hired) FROM role_auditions";

constexpr const char* kParentSpan =
    "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 99) "
    "SELECT k.n, h.id FROM k, hires(k.n % 20 + 1) AS h; "
    "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 99) "
    "SELECT k.n, t.name FROM k, role_tag_list(k.n % 20 + 1) AS t";

const Scenario kScenarios[] = {
    {"load_extension", Start::kEmpty, Act::kLoad, nullptr, nullptr, 0, 0},
    {"load_extension_sql", Start::kEmpty, Act::kLoadSql, "SELECT load_extension('" THEATER_EXTENSION_PATH "')", nullptr, 0, 0},
    {"migrate_up", Start::kEmpty, Act::kSql, "SELECT theater_migrate()", kVersion, 0, kHead},
    {"migrate_up_in_transaction", Start::kEmpty, Act::kSql, "BEGIN; SELECT theater_migrate(); COMMIT;", kVersion, 0,
     kHead},
    {"migrate_up_then_commit", Start::kEmpty, Act::kSql, "BEGIN; SELECT theater_migrate();", kVersion, 0, kHead, true},
    {"migrate_down", Start::kMigrated, Act::kSql, "SELECT theater_migrate(0)", kVersion, kHead, 0},
    {"migrate_down_then_commit", Start::kMigrated, Act::kSql, "BEGIN; SELECT theater_migrate(0);", kVersion, kHead, 0,
     true},
    {"schema_version", Start::kMigrated, Act::kSql, kVersion, kVersion, kHead, kHead},
    {"migration_status", Start::kMigrated, Act::kSql, "SELECT * FROM theater_migration_status", "SELECT * FROM theater_migration_status", kHead, kHead},
    {"call_back", Start::kMigrated, Act::kSql, "SELECT call_back(2)", "SELECT call_back(1)", kHead, kHead},
    {"call_back_every_row", Start::kMigrated, Act::kSql, "SELECT id, call_back(id) FROM auditions WHERE role_id = 5",
     "SELECT call_back(1)", kHead, kHead},
    // Issue 17: the batch hire, read fast, read by SQLite's JSON functions,
    // collected by json_group_array, and inside the caller's transaction.
    {"call_back_all", Start::kMigrated, Act::kSql, "SELECT call_back_all('[2, 5, 7, 10, 2]')",
     "SELECT call_back_all('[1, 3]')", kHead, kHead},
    {"call_back_all_json_each", Start::kMigrated, Act::kSql, "SELECT call_back_all('[2, \"5\", 7.0, null]')",
     "SELECT call_back_all('[1, \"3\"]')", kHead, kHead},
    {"call_back_all_collected", Start::kMigrated, Act::kSql,
     "SELECT call_back_all(json_group_array(id)) FROM auditions WHERE role_id = 5", "SELECT call_back_all('[1, 3]')",
     kHead, kHead},
    {"call_back_all_in_transaction", Start::kMigrated, Act::kSql,
     "BEGIN; SELECT call_back_all('[2, 5, 7, 10]'); COMMIT;", "SELECT call_back_all('[1, 3]')", kHead, kHead},
    {"role_lead", Start::kMigrated, Act::kSql, "SELECT role_lead(1)", "SELECT role_lead(1)", kHead, kHead},
    {"role_lead_every_role", Start::kMigrated, Act::kSql, "SELECT id, role_lead(id) FROM roles",
     "SELECT id, role_lead(id) FROM roles", kHead, kHead},
    {"role_understudy", Start::kMigrated, Act::kSql, "SELECT role_understudy(1)", "SELECT role_understudy(1)", kHead, kHead},
    {"role_understudy_every_role", Start::kMigrated, Act::kSql, "SELECT id, role_understudy(id) FROM roles",
     "SELECT id, role_understudy(id) FROM roles", kHead, kHead},
    // Issue 17: roles and auditions asked in no order, so that the keyed
    // statements (theater_keys) and the memos (their passes through
    // theater_memo_put) serve most of the calls.
    {"role_lead_unordered", Start::kMigrated, Act::kSql, kUnorderedRoles, kUnorderedRoles, kHead, kHead},
    {"audition_role_unordered", Start::kMigrated, Act::kSql, kUnorderedAuditions, kUnorderedAuditions, kHead, kHead},
    {"audition_role_planners_order", Start::kMigrated, Act::kSql, kPlannersOrderAuditions, kPlannersOrderAuditions,
     kHead, kHead},
    {"role_auditions_arg", Start::kMigrated, Act::kSql, "SELECT * FROM role_auditions(1)", "SELECT * FROM role_auditions(1)", kHead, kHead},
    {"role_auditions_all", Start::kMigrated, Act::kSql, "SELECT *, role_id FROM role_auditions", "SELECT *, role_id FROM role_auditions", kHead, kHead},
    {"role_auditions_some_columns", Start::kMigrated, Act::kSql, kSomeColumns, kSomeColumns, kHead, kHead},
    {"role_auditions_join", Start::kMigrated, Act::kSql, "SELECT r.id, a.* FROM roles AS r JOIN role_auditions(r.id) AS a",
     "SELECT r.id, a.* FROM roles AS r JOIN role_auditions(r.id) AS a", kHead, kHead},
    {"role_actors_arg", Start::kMigrated, Act::kSql, "SELECT * FROM role_actors(5)", "SELECT * FROM role_actors(5)", kHead, kHead},
    {"role_actors_all", Start::kMigrated, Act::kSql, "SELECT *, role_id FROM role_actors", "SELECT *, role_id FROM role_actors", kHead, kHead},
    {"role_actors_join", Start::kMigrated, Act::kSql, "SELECT r.id, a.actor FROM roles AS r JOIN role_actors(r.id) AS a",
     "SELECT r.id, a.actor FROM roles AS r JOIN role_actors(r.id) AS a", kHead, kHead},
    {"role_locations_arg", Start::kMigrated, Act::kSql, "SELECT * FROM role_locations(2)", "SELECT * FROM role_locations(2)", kHead, kHead},
    {"role_locations_all", Start::kMigrated, Act::kSql, "SELECT *, role_id FROM role_locations", "SELECT *, role_id FROM role_locations", kHead, kHead},
    {"role_locations_join", Start::kMigrated, Act::kSql,
     "SELECT r.id, l.location FROM roles AS r JOIN role_locations(r.id) AS l",
     "SELECT r.id, l.location FROM roles AS r JOIN role_locations(r.id) AS l", kHead, kHead},
    {"audition_role_arg", Start::kMigrated, Act::kSql, "SELECT * FROM audition_role(3)", "SELECT * FROM audition_role(3)", kHead, kHead},
    {"audition_role_all", Start::kMigrated, Act::kSql, "SELECT *, audition_id FROM audition_role", "SELECT *, audition_id FROM audition_role", kHead, kHead},
    {"audition_role_join", Start::kMigrated, Act::kSql,
     "SELECT r.id, a.id, ar.* FROM roles AS r JOIN auditions AS a ON a.role_id = r.id JOIN audition_role(a.id) AS ar",
     "SELECT r.id, a.id, ar.* FROM roles AS r JOIN auditions AS a ON a.role_id = r.id JOIN audition_role(a.id) AS ar", kHead, kHead},
    {"role_casting_all", Start::kMigrated, Act::kSql, "SELECT * FROM role_casting", "SELECT * FROM role_casting", kHead, kHead},
    {"role_casting_one", Start::kMigrated, Act::kSql, "SELECT * FROM role_casting(1)", "SELECT * FROM role_casting(1)", kHead, kHead},
    {"role_casting_where", Start::kMigrated, Act::kSql, "SELECT * FROM role_casting WHERE role_id = 5",
     "SELECT * FROM role_casting WHERE role_id = 5", kHead, kHead},
    {"role_casting_join", Start::kMigrated, Act::kSql, "SELECT r.id, c.* FROM roles AS r, role_casting(r.id) AS c",
     "SELECT r.id, c.* FROM roles AS r, role_casting(r.id) AS c", kHead, kHead},
    // The model layer (model-layer.md).
    {"relate", Start::kMigrated, Act::kSql, "SELECT theater_relate('hires2', 'roles', 'auditions'); SELECT * FROM hires2(1);",
     kVersion, kHead, kHead},
    {"relate_view", Start::kDeclared, Act::kSql,
     "SELECT theater_relate('hires', 'roles', 'auditions', '{\"view\": \"hires_plain\"}'); SELECT * FROM hires_plain; "
     "SELECT theater_unrelate('hires');",
     kVersion, kHead, kHead},
    {"relate_many_to_many", Start::kDeclared, Act::kSql,
     "SELECT theater_relate('tags2', 'roles', 'tags', 'role_tags'); SELECT * FROM tags2(1);", kVersion, kHead, kHead},
    {"relate_again", Start::kDeclared, Act::kSql,
     "BEGIN; SELECT theater_unrelate('hires'); SELECT theater_relate('hires', 'roles', 'auditions.actor'); "
     "SELECT * FROM hires(1); COMMIT;", kVersion, kHead, kHead},
    {"declared_use", Start::kDeclared, Act::kSql,
     "SELECT * FROM role_tag_list(1); SELECT r.id, h.* FROM roles AS r, hires(r.id) AS h; SELECT * FROM audition_of(2);",
     "SELECT * FROM role_tag_list(3)", kHead, kHead},
    // More than kFiltersBeforeBounds keys in runs that ascend: the parents'
    // bounds and count are read, and the span answers for the parent query.
    {"declared_parent_span", Start::kDeclared, Act::kSql, kParentSpan, kParentSpan, kHead, kHead},
    {"relate_general", Start::kMigrated, Act::kSql,
     "SELECT theater_relate('hired2', 'roles', 'auditions', '{\"where\": \"hired = 1 AND lower(actor) <> ''x''\", "
     "\"order_by\": \"location DESC\"}'); SELECT * FROM hired2(1);",
     nullptr /* a warm cache holds nothing this path reuses: the cold run is the same sweep */, kHead, kHead},
    {"general_use", Start::kFiltered, Act::kSql,
     "SELECT * FROM hired(1); SELECT r.id, h.* FROM roles AS r, hired(r.id) AS h; SELECT * FROM subtree('a'); "
     "SELECT n.id, t.* FROM nodes AS n, subtree(n.id) AS t;",
     "SELECT * FROM subtree('b')", kHead, kHead},
    // Issue 16: writes through relationships, and nested JSON.
    {"relationship_writes", Start::kDeclared, Act::kSql,
     // In one transaction, ending where it began: the harness runs it again.
     "BEGIN; INSERT INTO role_tag_list(role_id, id) VALUES (3, 1); SELECT * FROM role_tag_list(3); "
     "DELETE FROM role_tag_list WHERE role_id = 3 AND id = 1; SELECT * FROM role_tag_list(3); COMMIT;",
     "SELECT * FROM role_tag_list(1)", kHead, kHead},
    {"nested_json", Start::kDeclared, Act::kSql,
     "SELECT theater_json('roles', 1, 'id, character_name, role_tag_list(name), hires(actor; order: actor desc)'); "
     "SELECT theater_json('roles', NULL, 'id, role_tag_list(*); limit: 3');",
     "SELECT theater_json('roles', 3, 'id')", kHead, kHead},
    {"load_extension_declared", Start::kDeclared, Act::kLoad, nullptr, nullptr, kHead, kHead},
    {"load_extension_filtered", Start::kFiltered, Act::kLoad, nullptr, nullptr, kHead, kHead},
    {"refresh", Start::kDeclared, Act::kSql, "SELECT theater_refresh(); SELECT * FROM role_tag_list(1);", kVersion, kHead, kHead},
    {"enforce_foreign_keys", Start::kDeclared, Act::kSql, "SELECT theater_enforce_foreign_keys('role_tags')", kVersion,
     kHead, kHead},
    {"diagram", Start::kDeclared, Act::kSql, "SELECT theater_diagram()", kVersion, kHead, kHead},
    // Conventions (issue 7): the casting sheet view over role_casting, and theater_debug().
    {"casting_sheet_view", Start::kMigrated, Act::kSql, "SELECT * FROM casting_sheet", "SELECT * FROM casting_sheet",
     kHead, kHead},
    {"debug", Start::kEmpty, Act::kSql, "SELECT theater_debug()", "SELECT theater_debug()", 0, 0},
    // Issue 17: the stored casting sheet on (a table filled from role_casting,
    // ten triggers), again (in step: nothing written), off, and a write its
    // triggers follow.
    {"materialize_casting", Start::kMigrated, Act::kSql, "SELECT theater_materialize_casting()",
     nullptr /* the warm cache holds nothing this path reuses: the cold run is the same sweep */, kHead, kHead},
    {"materialize_casting_again", Start::kMaterialized, Act::kSql, "SELECT theater_materialize_casting()",
     "SELECT theater_materialize_casting()", kHead, kHead},
    {"materialize_casting_off", Start::kMaterialized, Act::kSql, "SELECT theater_materialize_casting(0)", nullptr,
     kHead, kHead},
    {"call_back_materialized", Start::kMaterialized, Act::kSql,
     "SELECT call_back(2); SELECT * FROM casting_sheet_stored", "SELECT call_back(1)", kHead, kHead},
};

struct Case {
    const Scenario* scenario;
    bool warm;
    int mode;  // FailMode
};

std::string case_name(const Case& c) {
    return std::string(c.scenario->name) + (c.warm ? "_warm" : "_cold");
}

// How GoogleTest shows a parameter (instead of dumping its bytes).
void PrintTo(const Case& c, std::ostream* os) { *os << case_name(c); }

// What a run of the scenario gives without any failure.
struct Expected {
    std::string rows;
    std::string schema_before;  // the database's schema before the call
    std::string schema_after;   // and after it
    // A script of several statements: the schema after each statement that
    // ends outside a transaction (what the file may hold when a later one
    // fails).
    std::vector<std::string> schema_between;
};

constexpr const char* kSchema = "SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY type, name";

// Tallies for the summary line of each test.
struct Tally {
    long iterations = 0;
    long last_n = 0;
    long failed_nomem = 0;
    long failed_other = 0;
    long succeeded_anyway = 0;  // failure injected, call succeeded (benign)
    long partial_loads = 0;     // a failed SQL load left functions registered
    std::map<std::string, long> messages;
};

bool verbose() {
    static const bool v = env_long("THEATER_OOM_VERBOSE", 0) != 0;
    return v;
}

// Whether the iteration at N makes the call again after the failure
// (THEATER_OOM_AGAIN_STRIDE): it costs a whole run of the path, the most of
// an iteration on the long paths. Without it, a script of several
// statements leaves the file as its statements before the failure left it
// (Expected::schema_between).
bool call_again_at(long n) {
    static const long stride = std::max(1L, env_long("THEATER_OOM_AGAIN_STRIDE", 1));
    return n <= 50 || n % stride == 0;
}

// The call under test, on a connection set up for it. Allocation-free in the
// test's own code.
void act(const Scenario& s, sqlite3* db, RunResult& out) noexcept {
    if (s.act == Act::kLoad) load_extension(db, out);
    else run_sql(db, s.sql, out);
}

std::string version_of(sqlite3* db) { return must_run(db, kVersion); }

std::string version_text(int v) { return std::to_string(v) + "\n"; }

// One N: set up, inject the failure at allocation n, check everything.
// Returns whether the failure was injected (false: the call completed first).
bool iterate(const Case& c, long n, const Expected& expected, bool check_new_live, Tally& tally) {
    const Scenario& s = *c.scenario;
    const std::string path = work_file("work.db");
    remove_db(path);
    spill(path, template_bytes(s.start));

    const std::string where = std::string(s.name) + (c.warm ? " (warm)" : " (cold)") +
                              (c.mode == kCxxNew ? ", operator new" : ", SQLite malloc") + " failing at N=" +
                              std::to_string(n);
    // Everything the test itself allocates from here on is freed before the
    // counts are compared.
    const long sqlite_base = g_sqlite_live;
    const long new_base = g_new_live;

    sqlite3* db = open_db(path);
    if (s.act == Act::kSql) must_load(db);
    if (c.warm) must_run(db, s.warmup);
    if (::testing::Test::HasFailure()) {
        must_close(db, where.c_str());
        return false;
    }

    static RunResult result;  // large; static keeps it off the stack
    arm(c.mode, n);
    act(s, db, result);
    const bool hit = disarm();

    const int primary = result.rc & 0xff;
    if (result.rc == SQLITE_OK) {
        if (hit) ++tally.succeeded_anyway;
        EXPECT_FALSE(result.truncated) << where;
        EXPECT_EQ(result.text(), expected.rows) << where << ": succeeded with other rows than a run without failure";
    } else {
        EXPECT_TRUE(hit) << where << ": failed although no allocation failed: " << result.rc << " "
                         << result.message;
        if (primary == SQLITE_NOMEM) {
            ++tally.failed_nomem;
        } else {
            ++tally.failed_other;
            // SQL's load_extension() turns an allocation failure inside
            // sqlite3_load_extension() itself into SQLITE_ERROR without a
            // message (SQLite's code, not the extension's).
            if (s.act != Act::kLoadSql) {
                EXPECT_NE(result.message[0], '\0') << where << ": error " << result.rc << " without a message";
            }
            EXPECT_TRUE(primary != SQLITE_MISUSE && primary != SQLITE_INTERNAL && primary != SQLITE_CORRUPT)
                << where << ": error " << result.rc << ": " << result.message;
        }
        if (c.mode == kCxxNew) {
            // A C++ allocation failure is always reported as out of memory
            // (a load reports it as SQLite's "error during initialization").
            if (s.act == Act::kSql) {
                EXPECT_EQ(primary, SQLITE_NOMEM) << where << ": " << result.message;
            }
        }
        if (verbose()) std::printf("  N=%ld: rc=%d %s\n", n, result.rc, result.message);
    }

    // The connection is not left inside a transaction by the extension.
    if (std::strchr(s.sql ? s.sql : "", ';') == nullptr) {
        EXPECT_TRUE(sqlite3_get_autocommit(db)) << where << ": left the connection inside a transaction";
    }
    if (!sqlite3_get_autocommit(db)) must_run(db, s.commit_after ? "COMMIT" : "ROLLBACK");

    // A failed SELECT load_extension() may leave some of the extension's
    // functions registered: SQLite refuses to remove a function while a
    // statement runs, and that statement is running. They stay usable in
    // principle, but the connection cannot load the extension again; only
    // closing it cleanly (below) and a new connection are checked then.
    if (s.act == Act::kLoadSql && result.rc != SQLITE_OK) {
        sqlite3_stmt* probe = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT theater_migrate()", -1, &probe, nullptr) == SQLITE_OK) {
            ++tally.partial_loads;
        }
        sqlite3_finalize(probe);
        if (!sqlite3_get_autocommit(db)) must_run(db, "ROLLBACK");
        must_close(db, where.c_str());
        EXPECT_EQ(g_sqlite_live, sqlite_base) << where << ": SQLite allocations leaked";
        if (check_new_live) {
            EXPECT_EQ(g_new_live, new_base) << where << ": operator new allocations leaked";
        }
        sqlite3* check = open_db(path);
        must_load(check);
        EXPECT_FALSE(must_run(check, "SELECT theater_version()").empty()) << where << " (new connection)";
        must_close(check, (where + " (new connection)").c_str());
        EXPECT_EQ(g_sqlite_live, sqlite_base) << where << " (new connection): SQLite allocations leaked";
        tally.messages[std::to_string(result.rc) + " " + result.message]++;
        ++tally.iterations;
        tally.last_n = n;
        return hit;
    }

    // The same connection still works.
    if (s.act != Act::kSql) {  // a load: a failed one leaves nothing in the way of the next
        if (result.rc != SQLITE_OK) must_load(db);
        EXPECT_FALSE(must_run(db, "SELECT theater_version()").empty()) << where;
    }
    std::string seen = version_of(db);
    EXPECT_TRUE(seen == version_text(s.version_before) || seen == version_text(s.version_after))
        << where << ": schema version " << seen;
    if (result.rc == SQLITE_OK) {
        EXPECT_EQ(seen, version_text(s.version_after)) << where;
    }
    EXPECT_EQ(must_run(db, "PRAGMA integrity_check"), "ok\n") << where;
    if (s.version_before == s.version_after && s.act == Act::kSql && call_again_at(n)) {
        RunResult again;
        run_sql(db, s.sql, again);
        EXPECT_EQ(again.rc, SQLITE_OK) << where << ": the same call fails afterwards: " << again.message;
        EXPECT_EQ(again.text(), expected.rows) << where << ": the same call answers differently afterwards";
    }

    // Closing frees everything.
    must_close(db, where.c_str());
    EXPECT_EQ(g_sqlite_live, sqlite_base) << where << ": SQLite allocations leaked";
    if (check_new_live) {
        EXPECT_EQ(g_new_live, new_base) << where << ": operator new allocations leaked";
    }

    // The file, reopened: consistent, at the old or the new version, and the
    // call works there. A file byte for byte the template, with no journal
    // beside it, reopens as the template did when `expected` was taken: the
    // check would repeat that run (half the time of a read-only scenario).
    if (file_is_template(path, template_bytes(s.start))) {
        if (result.rc != SQLITE_OK) tally.messages[std::to_string(result.rc) + " " + result.message]++;
        ++tally.iterations;
        tally.last_n = n;
        return hit;
    }
    sqlite3* check = open_db(path);
    EXPECT_EQ(must_run(check, "PRAGMA integrity_check"), "ok\n") << where << " (reopened)";
    // Exactly the schema before the call or after it, matching the version.
    {
        std::string schema = must_run(check, kSchema);
        if (s.version_before == s.version_after) {
            // No migration: the call's own schema change (a table, triggers)
            // happened whole or not at all (each statement of a script).
            bool known = schema == expected.schema_before || schema == expected.schema_after;
            for (const std::string& between : expected.schema_between) known = known || schema == between;
            EXPECT_TRUE(known) << where << " (reopened): a schema neither before nor after the call (or one of its "
                                            "statements):\n"
                               << schema;
        } else if (seen == version_text(s.version_before)) {
            EXPECT_EQ(schema, expected.schema_before) << where << " (reopened): schema at version " << seen;
        } else {
            EXPECT_EQ(schema, expected.schema_after) << where << " (reopened): schema at version " << seen;
        }
    }
    must_load(check);
    EXPECT_EQ(version_of(check), seen) << where << " (reopened)";
    if (s.act == Act::kSql && call_again_at(n)) {
        RunResult again;
        run_sql(check, s.sql, again);
        EXPECT_EQ(again.rc, SQLITE_OK) << where << " (reopened): " << again.message;
        EXPECT_EQ(again.text(), expected.rows) << where << " (reopened)";
        if (!sqlite3_get_autocommit(check)) must_run(check, "COMMIT");
    }
    must_close(check, (where + " (reopened)").c_str());
    EXPECT_EQ(g_sqlite_live, sqlite_base) << where << " (reopened): SQLite allocations leaked";
    if (check_new_live) {
        EXPECT_EQ(g_new_live, new_base) << where << " (reopened): operator new allocations leaked";
    }

    if (result.rc != SQLITE_OK) tally.messages[std::to_string(result.rc) + " " + result.message]++;
    ++tally.iterations;
    tally.last_n = n;
    return hit;
}

Expected reference_run(const Case& c) {
    const Scenario& s = *c.scenario;
    Expected e;
    const std::string path = work_file("work.db");
    remove_db(path);
    spill(path, template_bytes(s.start));
    sqlite3* db = open_db(path);
    if (s.act != Act::kSql) {  // a load: the file is not touched
        e.schema_before = e.schema_after = must_run(db, kSchema);
        if (s.act == Act::kLoadSql) e.rows = "NULL\n";  // what load_extension() returns
        must_close(db, "reference run");
        return e;
    }
    must_load(db);
    e.schema_before = must_run(db, kSchema);
    RunResult run;
    run_sql(
        db, s.sql, run,
        [](sqlite3* on, void* expected) {
            if (sqlite3_get_autocommit(on)) static_cast<Expected*>(expected)->schema_between.push_back(must_run(on, kSchema));
        },
        &e);
    if (run.rc != SQLITE_OK) ADD_FAILURE() << "reference run: error " << run.rc << " (" << run.message << ") from: " << s.sql;
    e.rows = run.text();
    if (!sqlite3_get_autocommit(db)) must_run(db, "COMMIT");
    e.schema_after = must_run(db, kSchema);
    must_close(db, "reference run");
    return e;
}

// Makes sure the extension's one-time allocations (its immortal descriptors)
// exist, so that operator new counts can be compared before and after.
void ensure_extension_initialized() {
    if (g_extension_loaded_once) return;
    const std::string path = work_file("init.db");
    remove_db(path);
    sqlite3* db = open_db(path);
    must_load(db);
    must_close(db, "initial load");
}

void every_n(const Case& c, bool check_new_live) {
    const Schedule schedule;
    const long limit = 200000;  // a path longer than this is a bug in the test
    Expected expected = reference_run(c);
    Tally tally;
    long n = env_long("THEATER_OOM_FIRST", 1);
    for (;; n = schedule.next(n)) {
        bool hit = iterate(c, n, expected, check_new_live, tally);
        if (::testing::Test::HasFailure()) {
            std::printf("  stopped at N=%ld after the first failing iteration\n", n);
            break;
        }
        if (!hit) break;
        if (n > limit) {
            ADD_FAILURE() << "more than " << limit << " allocations: the loop does not end";
            break;
        }
    }
    std::printf("[ summary ] %-26s %-13s %-4s N=1..%ld, %ld values (%s): %ld NOMEM, %ld other errors, "
                "%ld succeeded despite the failure\n",
                c.scenario->name, c.mode == kCxxNew ? "operator new" : "SQLite malloc", c.warm ? "warm" : "cold",
                tally.last_n, tally.iterations, schedule.describe().c_str(), tally.failed_nomem, tally.failed_other,
                tally.succeeded_anyway);
    if (tally.partial_loads) {
        std::printf("            %5ld x the failed load left some functions registered on its connection\n",
                    tally.partial_loads);
    }
    for (const auto& m : tally.messages) {
        if (m.first.rfind("7 ", 0) == 0) continue;  // plain SQLITE_NOMEM
        std::printf("            %5ld x rc=%s\n", m.second, m.first.c_str());
    }
    ::testing::Test::RecordProperty("iterations", static_cast<int>(tally.iterations));
}

// ---- Tests ------------------------------------------------------------------

// The first load in a process also builds the extension's one-time data (its
// relationship descriptors, immortal by design), and an allocation failing
// there must be as harmless as anywhere else. Every N therefore runs in a
// child process forked from one that has never loaded the extension. Defined
// first so that it also runs first when the whole binary runs in one process
// (valgrind); ctest runs every test in a process of its own anyway.
//
// The child's operator new count after closing must exceed its count before
// loading by exactly the extension's one-time allocations, measured by a child
// that loads without any failure: anything more is a leak.

// Runs `body` in a forked child; returns what it returns (>= 0), or -1 when
// the child failed a check, crashed or was stopped by std::terminate.
template <class Body>
long in_child(const char* what, Body&& body) {
    std::fflush(stdout);
    std::fflush(stderr);
    int fds[2];
    if (pipe(fds) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        ADD_FAILURE() << "fork: " << std::strerror(errno);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        long value = body();
        bool ok = !::testing::Test::HasFailure();
        if (ok && write(fds[1], &value, sizeof value) != static_cast<ssize_t>(sizeof value)) ok = false;
        std::fflush(stdout);
        std::fflush(stderr);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    long value = -1;
    ssize_t got = read(fds[0], &value, sizeof value);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != static_cast<ssize_t>(sizeof value)) {
        if (WIFSIGNALED(status)) {
            ADD_FAILURE() << what << ": the child process died of signal " << WTERMSIG(status);
        } else {
            ADD_FAILURE() << what << ": the child process failed (exit status "
                          << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";
        }
        return -1;
    }
    return value;
}

TEST(CxxNewFailureFirstLoad, LoadExtensionInFreshProcess) {
    if (g_extension_loaded_once) {
        std::printf("  note: the extension was loaded before in this process; its first-load path is not exercised\n");
    }
    const std::string path = work_file("work.db");
    const std::string& empty = template_bytes(Start::kEmpty);  // built here, before forking

    // The extension's one-time allocations.
    const long one_time = in_child("load without failure", [&]() -> long {
        remove_db(path);
        spill(path, empty);
        const long base = g_new_live;
        sqlite3* db = open_db(path);
        must_load(db);
        must_close(db, "load without failure");
        return g_new_live - base;
    });
    ASSERT_GE(one_time, 0);

    const Schedule schedule;
    Tally tally;
    long n = 1;
    for (;; n = schedule.next(n)) {
        const std::string where = "first load in a process, operator new failing at N=" + std::to_string(n);
        long hit = in_child(where.c_str(), [&]() -> long {
            remove_db(path);
            spill(path, empty);
            const long sqlite_base = g_sqlite_live;
            const long new_base = g_new_live;
            sqlite3* db = open_db(path);
            static RunResult result;
            arm(kCxxNew, n);
            load_extension(db, result);
            const bool injected = disarm();
            if (result.rc != SQLITE_OK) {
                EXPECT_TRUE(injected) << where << ": " << result.message;
                EXPECT_NE(result.message[0], '\0') << where << ": error " << result.rc << " without a message";
                if (verbose()) std::printf("  N=%ld: rc=%d %s\n", n, result.rc, result.message);
                must_load(db);  // a failed load leaves nothing in the way of the next one
            }
            EXPECT_FALSE(must_run(db, "SELECT theater_version()").empty()) << where;
            EXPECT_EQ(must_run(db, "SELECT theater_schema_version()"), "0\n") << where;
            must_close(db, where.c_str());
            EXPECT_EQ(g_sqlite_live, sqlite_base) << where << ": SQLite allocations leaked";
            EXPECT_EQ(g_new_live - new_base, one_time) << where << ": operator new allocations leaked";
            return injected ? (result.rc == SQLITE_OK ? 2 : 1) : 0;
        });
        if (hit < 0) {
            std::printf("  stopped at N=%ld after the first failing iteration\n", n);
            break;
        }
        ++tally.iterations;
        tally.last_n = n;
        if (hit == 1) ++tally.failed_other;
        if (hit == 2) ++tally.succeeded_anyway;
        if (hit == 0) break;
    }
    std::printf("[ summary ] %-26s %-13s %-4s N=1..%ld, %ld values (%s, one child process each): "
                "%ld failed, %ld succeeded despite the failure\n",
                "load_extension_first", "operator new", "cold", tally.last_n, tally.iterations,
                schedule.describe().c_str(), tally.failed_other, tally.succeeded_anyway);
}

std::vector<Case> cases(int mode) {
    std::vector<Case> out;
    for (const Scenario& s : kScenarios) {
        out.push_back(Case{&s, false, mode});
        if (s.warmup) out.push_back(Case{&s, true, mode});
    }
    return out;
}

class SqliteMallocFailure : public ::testing::TestWithParam<Case> {};
class CxxNewFailure : public ::testing::TestWithParam<Case> {};

TEST_P(SqliteMallocFailure, EveryN) {
    ensure_extension_initialized();
    every_n(GetParam(), true);
}

TEST_P(CxxNewFailure, EveryN) {
    ensure_extension_initialized();
    every_n(GetParam(), true);
}

std::string param_name(const ::testing::TestParamInfo<Case>& info) { return case_name(info.param); }

INSTANTIATE_TEST_SUITE_P(Paths, SqliteMallocFailure, ::testing::ValuesIn(cases(kSqliteMalloc)), param_name);
INSTANTIATE_TEST_SUITE_P(Paths, CxxNewFailure, ::testing::ValuesIn(cases(kCxxNew)), param_name);

// The harness itself: an injected failure is seen, and counts balance.
TEST(Harness, InjectsAndCounts) {
    const long sqlite_base = g_sqlite_live;
    arm(kSqliteMalloc, 1);
    void* p = sqlite3_malloc(16);
    EXPECT_TRUE(disarm());
    EXPECT_EQ(p, nullptr);
    p = sqlite3_malloc(16);
    EXPECT_EQ(g_sqlite_live, sqlite_base + 1);
    sqlite3_free(p);
    EXPECT_EQ(g_sqlite_live, sqlite_base);

    arm(kCxxNew, 2);
    bool threw = false;
    int* a = nullptr;
    try {
        a = new int(1);
        int* b = new int(2);  // the 2nd allocation fails
        delete b;
    } catch (const std::bad_alloc&) {
        threw = true;
    }
    EXPECT_TRUE(disarm());
    EXPECT_TRUE(threw);
    delete a;
}

void remove_work_dir() {
    for (const char* name : {"work.db", "empty.db", "migrated.db", "declared.db", "filtered.db", "init.db"}) remove_db(work_file(name));
    rmdir(work_dir().c_str());
}

}  // namespace
}  // namespace theater_test

int main(int argc, char** argv) {
    theater_test::g_trace = theater_test::env_long("THEATER_OOM_TRACE", 0) != 0;
    theater_test::install_counting_allocator();
    ::testing::InitGoogleTest(&argc, argv);
    int rc = RUN_ALL_TESTS();
    theater_test::remove_work_dir();
    return rc;
}
