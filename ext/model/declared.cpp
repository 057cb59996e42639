#include "model/declared.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/module_context.hpp"
#include "core/write_transaction.hpp"
#include "model/relationship.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace theater {

namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS main.theater_relationships ("
    " name TEXT PRIMARY KEY COLLATE NOCASE,"
    " from_table TEXT NOT NULL,"
    " to_table TEXT NOT NULL,"
    " through_table TEXT,"
    " options TEXT NOT NULL,"
    " declared_at TEXT NOT NULL)";
constexpr const char* kStore =
    "INSERT OR REPLACE INTO main.theater_relationships(name, from_table, to_table, through_table, options, "
    "declared_at) VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
constexpr const char* kRemove = "DELETE FROM main.theater_relationships WHERE name = ?1";
constexpr const char* kRelationshipsTable = "theater_relationships";
constexpr const char* kReadAll =
    "SELECT name, from_table, to_table, through_table, options FROM main.theater_relationships ORDER BY name";
constexpr const char* kReadOne =
    "SELECT from_table, to_table, through_table, options FROM main.theater_relationships WHERE name = ?1";
constexpr const char* kTableOrView =
    "SELECT type FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view') "
    "UNION ALL SELECT type FROM temp.sqlite_master WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view')";
constexpr const char* kModuleExists = "SELECT 1 FROM pragma_module_list WHERE name = ?1 COLLATE NOCASE";


// Binds a copy of `value`; a failed bind (out of memory) would leave NULL,
// which would read as "no such relationship".
void bind(sqlite3_stmt* stmt, int index, const std::string& value) {
    int rc = sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
}

// What the stored row says, in one string: the registration must match it.
std::string signature_of(const std::string& from, const std::string& to, const std::string& through,
                      const std::string& options) {
    return from + '\x1f' + to + '\x1f' + through + '\x1f' + options;
}

// This connection's registration of `name`, or null.
Registration* registration(Connection& conn, const std::string& name) {
    for (auto& entry : conn.declared()) {
        if (same_name(entry.name, name)) return &entry;
    }
    return nullptr;
}

bool is_declared_here(Connection& conn, const std::string& name) { return registration(conn, name) != nullptr; }

// Registers (or replaces) the module of `r` on the connection. A statement
// that uses the module it replaces keeps the table it was prepared with
// until SQLite prepares it again. Returns whether it replaced a registration
// of another declaration: the caller then expires the connection's
// statements (expire_statements), once its own work is done, so that those
// prepared for the old one are prepared again before they next run.
bool register_module(Connection& conn, std::shared_ptr<DeclaredRelation> r) {
    // Everything that may throw comes before the registration.
    Registration entry{r->name(), r->signature(), r.get()};
    if (!is_declared_here(conn, r->name())) conn.declared().reserve(conn.declared().size() + 1);
    auto* context = new ModuleContext{&conn, r.get(), r};
    conn.retain();  // dropped by ModuleContext::destroy, which SQLite calls also on failure
    int rc = sqlite3_create_module_v2(conn.db(), r->name().c_str(), &kDeclaredRelationModule, context,
                                      &ModuleContext::destroy);
    if (rc != SQLITE_OK) throw SqlError("cannot register " + r->name() + ": " + errmsg(conn.db(), rc), rc);
    if (auto* existing = registration(conn, r->name())) {
        bool other = existing->signature != entry.signature;
        std::swap(existing->signature, entry.signature);
        existing->relation = entry.relation;
        return other;
    }
    conn.declared().push_back(std::move(entry));  // capacity reserved above
    return false;
}

std::string no_longer_fits(const std::string& name, const std::string& why) {
    return "this relationship no longer fits the schema (" + why +
           "); declare it again with theater_relate, or remove it with theater_unrelate('" + name + "')";
}

// The one column of a broken relationship's table (RelationDescriptor::
// broken): what PRAGMA table_info and a client reading the columns of a
// statement before running it see.
constexpr const char* kBrokenColumn = "this relationship no longer fits the schema";

// The declaration does not resolve against the schema as it is now.
class NoLongerFits : public SqlError {
public:
    using SqlError::SqlError;
};

// Reads the main database's schema and nothing else (see SchemaEpoch).
constexpr const char* kSchemaProbe = "SELECT 1 FROM main.sqlite_master WHERE 0";

// What a declared relationship's row says now.
struct Stored {
    bool exists = false;
    std::string signature;
};

Stored read_stored(Connection& conn, const std::string& name) {
    Stored out;
    try {
        CachedStatement lookup(conn, kReadOne);
        bind(lookup.get(), 1, name);
        if (lookup.step()) {
            out.exists = true;
            out.signature = signature_of(column_bytes(lookup.get(), 0), column_bytes(lookup.get(), 1),
                                         column_bytes(lookup.get(), 2), column_bytes(lookup.get(), 3));
        }
    } catch (const SqlError& e) {
        // Out of memory, a busy database, or a schema this connection has
        // not read yet (SQLITE_SCHEMA, see declared_connect): not an answer.
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        // The table itself is gone (a rolled-back first declaration): no row.
    }
    return out;
}

std::string declaration_changed_here(const std::string& name) {
    return "the declaration of " + name + " changed while this statement was running; run the statement again";
}

// Refuses a name that something else on the connection answers to: a table
// or view (it would hide the function), a module of SQLite or of another
// extension (registering would replace it).
void ensure_name_free(Connection& conn, const std::string& name) {
    sqlite3* db = conn.db();
    if (is_declared_here(conn, name)) return;
    Stmt tables = prepare(db, kTableOrView);
    bind(tables.get(), 1, name);
    if (step(db, tables.get())) {
        throw SqlError("a " + column_bytes(tables.get(), 0) + " named " + name +
                       " exists; a relationship needs a name of its own");
    }
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, kModuleExists, -1, &raw, nullptr);
    Stmt modules(raw);
    if (rc == SQLITE_OK) {
        bind(modules.get(), 1, name);
        if (step(db, modules.get())) {
            throw SqlError("a table-valued function or module named " + name +
                           " is registered on this connection already");
        }
    } else if (rc == SQLITE_NOMEM) {
        throw SqlError("out of memory", SQLITE_NOMEM);
    }
    // Without pragma_module_list (a SQLite built without introspection
    // pragmas), an eponymous table of that name still shows up here.
    std::string probe = "SELECT 1 FROM " + quote_identifier(name) + " LIMIT 0";
    raw = nullptr;
    rc = sqlite3_prepare_v2(db, probe.c_str(), -1, &raw, nullptr);
    sqlite3_finalize(raw);
    if (rc == SQLITE_OK) throw SqlError("a table or table-valued function named " + name + " exists on this connection");
    if (rc == SQLITE_NOMEM) throw SqlError("out of memory", SQLITE_NOMEM);
}


// Registers every stored declaration; returns how many. Statements prepared
// for a declaration it replaced with another are expired.
int register_stored(Connection& conn) {
    std::vector<Declaration> stored = read_declarations(conn);
    int count = 0;
    // Expires, however the loop ends, once a registration was replaced.
    struct Expiry {
        sqlite3* db;
        bool replaced = false;
        ~Expiry() {
            if (replaced) expire_statements(db);
        }
    } expiry{conn.db()};
    for (const Declaration& d : stored) {
        // A row edited by hand into a bad name is never registered, and a
        // stored name never replaces what the connection already has under
        // it (json_each, another extension's table, a table of the database).
        if (!invalid_relationship_name(d.name).empty()) continue;
        try {
            ensure_name_free(conn, d.name);
        } catch (const SqlError& e) {
            if (e.code() == SQLITE_NOMEM) throw;
            continue;
        }
        // Resolved when first used: a declaration the schema no longer
        // supports is registered too, and says why when used.
        if (register_module(conn, std::make_shared<DeclaredRelation>(d))) expiry.replaced = true;
        ++count;
    }
    return count;
}

}  // namespace

std::vector<Declaration> read_declarations(Connection& conn) {
    sqlite3* db = conn.db();
    std::vector<Declaration> stored;
    if (!table_exists(conn, kRelationshipsTable)) return stored;
    Stmt all = prepare(db, kReadAll);
    while (step(db, all.get())) {
        Declaration d;
        d.name = column_bytes(all.get(), 0);
        d.from_table = column_bytes(all.get(), 1);
        d.to_table = column_bytes(all.get(), 2);
        d.through_table = column_bytes(all.get(), 3);
        d.options = column_bytes(all.get(), 4);
        stored.push_back(std::move(d));
    }
    return stored;
}

DeclaredRelation::DeclaredRelation(Declaration row, std::shared_ptr<const RelationDescriptor> resolved,
                                   SchemaEpoch epoch)
    : row_(std::move(row)),
      signature_(signature_of(row_.from_table, row_.to_table, row_.through_table, row_.options)),
      resolved_(std::move(resolved)),
      epoch_(epoch) {}

std::shared_ptr<const RelationDescriptor> DeclaredRelation::resolve_at(Connection& conn, const SchemaEpoch& epoch) {
    if (resolved_ && epoch == epoch_) return resolved_;
    resolved_.reset();
    try {
        Resolved r = resolve(conn.db(), row_);
        resolved_ = std::make_shared<const RelationDescriptor>(std::move(r.descriptor));
    } catch (const SqlError& e) {
        // Out of memory, a busy or locked database: not the schema's answer.
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        // Not kept: out of memory can also surface as another error (a JSON
        // function may call its input malformed), which must not outlive
        // it. A declaration that no longer fits is resolved again at each
        // use, each time to fail.
        throw NoLongerFits(no_longer_fits(row_.name, e.what()));
    }
    epoch_ = epoch;
    return resolved_;
}

SchemaEpoch schema_epoch(Connection& conn) {
    CachedStatement probe(conn, kSchemaProbe);
    probe.step();  // no row: SQLite prepares it again first whenever the schema changed since
    return {probe.get(), sqlite3_stmt_status(probe.get(), SQLITE_STMTSTATUS_REPREPARE, 0)};
}

std::shared_ptr<const RelationDescriptor> DeclaredRelation::descriptor(Connection& conn, SchemaEpoch& epoch) {
    epoch = schema_epoch(conn);
    try {
        return resolve_at(conn, epoch);
    } catch (const NoLongerFits&) {
        // From 3.37.0, SQLite reports an eponymous table's xConnect error as
        // it is: the statement fails, saying why, whatever it names, and the
        // next statement connects the table again.
        if (sqlite3_libversion_number() >= 3037000) throw;
        // Before, it reported its own "no such table: NAME" instead
        // (sqlite3VtabEponymousTableInit returned 0, and sqlite3LocateTable
        // wrote its message over the module's). So the table is connected
        // all the same, with a placeholder column (SELECT * needs a column
        // that is not hidden) and the argument: each use fails in check(),
        // saying why, as on a connection that connected the table before the
        // schema changed, until the schema fits again; then the table is
        // retired and the statement started again, as after any change
        // (relation.cpp, check_declared).
        auto broken = std::make_shared<RelationDescriptor>();
        broken->name = row_.name;
        broken->argument = argument_name(conn.db(), row_);
        broken->columns.push_back({kBrokenColumn, "", "NULL"});
        broken->broken = true;
        return broken;
    }
}

void DeclaredRelation::retire(Connection& conn, const std::shared_ptr<DeclaredRelation>& self,
                              const void* table) noexcept {
    if (table != current_table_ || self.get() != this) return;
    current_table_ = nullptr;
    // Replaced (theater_relate, theater_refresh): SQLite no longer hands the
    // table to new statements.
    const Registration* current = registration(conn, row_.name);
    if (!current || current->relation != this) return;
    try {
        register_module(conn, self);  // the same declaration: nothing to expire
    } catch (...) {
        // Out of memory: the table stays SQLite's, and is checked at each use.
    }
}

bool DeclaredRelation::suspect(Connection& conn, const UseCheck& table) {
    sqlite3* db = conn.db();
    if (sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE) {
        // The connection has neither committed nor seen another
        // connection's commit since: its schema is the one the table was
        // checked against. (One committed since that it has not seen yet
        // makes SQLite prepare the statement again before it runs.)
        unsigned int version = 0;
        sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &version);
        return !table.epoch_outside_write || version != table.epoch_data_version;
    }
    // Inside a write transaction no other connection can change the schema,
    // and this connection's own changes are in the schema SQLite plans
    // with: the probe's schema cookie matches it, so stepping it reloads
    // nothing.
    return schema_epoch(conn) != table.epoch;
}

std::shared_ptr<const RelationDescriptor> DeclaredRelation::check(Connection& conn, const RelationDescriptor& served,
                                                                  UseCheck& table, UseCheck& cursor, int changes,
                                                                  bool writing) {
    sqlite3* db = conn.db();
    // The stored row changes only when a statement that writes it completes
    // (total_changes moves), here or on another connection (the data
    // version moves once the outer statement's read transaction began after
    // that commit); the schema changes on another connection the same way,
    // and on this one by DDL (which changes no row), committed at once in
    // autocommit mode. So outside a write transaction, neither moving since
    // the table's last check is enough. Inside one, DDL may have run since,
    // and one step of the schema probe says whether it did, for a cursor
    // whose own check (once per statement run) holds: a statement that
    // writes without having completed (nothing here can) or a ROLLBACK TO
    // undoing a declaration made after the cursor began leave it serving
    // what it began with.
    unsigned int version = 0;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &version);
    if (!writing) {
        if (table.confirmed && changes == table.changes && version == table.data_version) return nullptr;
    } else if (cursor.confirmed && changes == cursor.changes && version == cursor.data_version &&
               schema_epoch(conn) == cursor.epoch) {
        return nullptr;
    }
    table.confirmed = false;
    cursor.confirmed = false;
    Stored stored = read_stored(conn, row_.name);
    if (!stored.exists) {
        throw SqlError("no relationship named " + row_.name +
                       " is declared (theater_unrelate removed it, or the transaction that declared it was rolled "
                       "back); declare it with theater_relate");
    }
    if (stored.signature != signature_) {
        // Replaced on this connection (theater_relate, theater_refresh),
        // which expired every statement prepared before: this one was
        // running. Never started again (it may have returned rows).
        const Registration* current = registration(conn, row_.name);
        if (current && current->signature == stored.signature) throw SqlError(declaration_changed_here(row_.name));
        throw SqlError("the declaration of " + row_.name +
                       " differs from the one this connection registered (another connection changed it, or a "
                       "replacement made here was rolled back); run SELECT theater_refresh() to use the stored one");
    }
    SchemaEpoch epoch = schema_epoch(conn);
    if (epoch != table.epoch) {
        // The schema may have changed, here or on another connection: the
        // declaration is resolved again. It may no longer resolve (an error
        // says why), or now mean other queries or columns, which the caller
        // decides about.
        std::shared_ptr<const RelationDescriptor> now = resolve_at(conn, epoch);
        if (*now != served) return now;
        table.epoch = epoch;
    }
    table.epoch_outside_write = !writing;
    table.epoch_data_version = version;
    table.confirmed = !writing;
    table.changes = changes;
    table.data_version = version;
    cursor.confirmed = true;
    cursor.changes = changes;
    cursor.data_version = version;
    cursor.epoch = epoch;
    return nullptr;
}

void theater_relate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    function_boundary(ctx, "theater_relate", [&] {
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        Declaration d;
        d.name = text_argument(argv[0], "name");
        std::string why = invalid_relationship_name(d.name);
        if (!why.empty()) throw SqlError("invalid name '" + d.name + "': " + why);
        d.from_table = text_argument(argv[1], "from_table");
        d.to_table = text_argument(argv[2], "to_table");
        // The fourth argument is the through_table, or the options when it is
        // a JSON object and there is no fifth.
        // NULL stands for "none" in either place; '' names nothing.
        if (argc >= 4 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
            std::string fourth = text_argument(argv[3], "through_table");
            if (argc == 4 && !fourth.empty() && fourth[0] == '{') d.options = fourth;
            else if (fourth.empty()) throw SqlError("through_table: no table named \"\" in the main database");
            else d.through_table = fourth;
        }
        if (argc >= 5 && sqlite3_value_type(argv[4]) != SQLITE_NULL) {
            d.options = text_argument(argv[4], "options");
            if (d.options.empty()) {
                throw SqlError("options must be a JSON object such as '{\"column\": \"author_id\"}', not ''");
            }
        }
        ensure_name_free(conn, d.name);
        Resolved r = resolve(db, d);
        std::string summary = r.summary;
        Declaration stored = r.stored;
        auto declared = std::make_shared<DeclaredRelation>(
            stored, std::make_shared<const RelationDescriptor>(std::move(r.descriptor)));
        bool replaced = false;
        write_transaction(db, "theater_relate", [&](Undo& undo) {
            undo.run(kCreateTable);
            Stmt store = prepare(db, kStore);
            bind(store.get(), 1, stored.name);
            bind(store.get(), 2, stored.from_table);
            bind(store.get(), 3, stored.to_table);
            if (!stored.through_table.empty()) bind(store.get(), 4, stored.through_table);
            bind(store.get(), 5, stored.options);
            undo.run(store.get());
            replaced = register_module(conn, declared);
            undo.pause_guard();
            return 0;
        });
        // Statements prepared for the declaration replaced are prepared again
        // before they next run. Not before: the undo's own statements must
        // not expire while it may still need them (core/write_transaction.hpp).
        if (replaced) expire_statements(db);
        sqlite3_result_text(ctx, summary.data(), static_cast<int>(summary.size()), SQLITE_TRANSIENT);
    });
}

void theater_unrelate_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "theater_unrelate", [&] {
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        std::string name = text_argument(argv[0], "name");
        if (!table_exists(conn, kRelationshipsTable)) {
            sqlite3_result_int(ctx, 0);
            return;
        }
        // The module stays registered: a statement may still be using it.
        // Used again, it reports that the relationship was removed.
        int removed = write_transaction(db, "theater_unrelate", [&](Undo& undo) {
            Stmt remove = prepare(db, kRemove);
            bind(remove.get(), 1, name);
            undo.run(remove.get());
            int n = sqlite3_changes(db);
            undo.pause_guard();
            return n;
        });
        sqlite3_result_int(ctx, removed);
    });
}

void theater_refresh_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    function_boundary(ctx, "theater_refresh", [&] { sqlite3_result_int(ctx, register_stored(Connection::of(ctx))); });
}

void register_stored_relationships(Connection& conn) noexcept {
    try {
        register_stored(conn);
    } catch (...) {
        // Loading never fails for a declaration; theater_refresh() says why.
    }
}

}  // namespace theater
