#include "model/declarations.hpp"

#include "core/module.hpp"
#include "core/quote.hpp"
#include "core/statement_pool.hpp"
#include "engine/relationship_module.hpp"

#include <cctype>
#include <utility>

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
constexpr const char* kReadAll =
    "SELECT name, from_table, to_table, through_table, options FROM main.theater_relationships ORDER BY name";
constexpr const char* kReadOne =
    "SELECT name, from_table, to_table, through_table, options FROM main.theater_relationships WHERE name = ?1";
constexpr const char* kTableOrView =
    "SELECT type FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view') "
    "UNION ALL SELECT type FROM temp.sqlite_master WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view')";
constexpr const char* kModuleExists = "SELECT 1 FROM pragma_module_list WHERE name = ?1 COLLATE NOCASE";

Registration* find_registration(Connection& conn, const std::string& name) {
    for (Registration& entry : conn.state<DeclaredRegistry>().entries) {
        if (same_name(entry.name, name)) return &entry;
    }
    return nullptr;
}

// The row a statement of kReadAll or kReadOne is on.
Declaration declaration_at(sqlite3_stmt* row) {
    Declaration d;
    d.name = column_bytes(row, 0);
    d.from_table = column_bytes(row, 1);
    d.to_table = column_bytes(row, 2);
    d.through_table = column_bytes(row, 3);
    d.options = column_bytes(row, 4);
    return d;
}

}  // namespace

std::string signature_of(const Declaration& d) {
    return d.from_table + '\x1f' + d.to_table + '\x1f' + d.through_table + '\x1f' + d.options;
}

std::vector<Declaration> read_declarations(Connection& conn) {
    sqlite3* db = conn.db();
    std::vector<Declaration> stored;
    if (!table_exists(conn, kRelationshipsTable)) return stored;
    Stmt all = prepare(db, kReadAll);
    while (step(db, all.get())) stored.push_back(declaration_at(all.get()));
    return stored;
}

void store_declaration(sqlite3* db, GuardedWrite& write, const Declaration& d) {
    write.run(kCreateTable);
    Stmt store = prepare(db, kStore);
    bind_text(store.get(), 1, d.name);
    bind_text(store.get(), 2, d.from_table);
    bind_text(store.get(), 3, d.to_table);
    if (!d.through_table.empty()) bind_text(store.get(), 4, d.through_table);
    bind_text(store.get(), 5, d.options);
    write.run(store.get());
}

int remove_declaration(sqlite3* db, GuardedWrite& write, const std::string& name) {
    Stmt remove = prepare(db, kRemove);
    bind_text(remove.get(), 1, name);
    write.run(remove.get());
    return sqlite3_changes(db);
}

StoredRow read_stored(Connection& conn, const std::string& name) {
    StoredRow out;
    try {
        StatementLease lookup = conn.statement(kReadOne);
        bind_text(lookup.get(), 1, name);
        if (lookup.step()) {
            out.exists = true;
            out.row = declaration_at(lookup.get());
            out.signature = signature_of(out.row);
        }
    } catch (const SqlError& e) {
        // Out of memory, a busy database, or a schema this connection has
        // not read yet (SQLITE_SCHEMA, see engine/relationship_module.cpp):
        // not an answer.
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        // The table itself is gone (a rolled-back first declaration): no row.
    }
    return out;
}

const Registration* registration(Connection& conn, const std::string& name) { return find_registration(conn, name); }

std::string invalid_relationship_name(Connection& conn, const std::string& name) {
    if (name.empty()) return "the name is empty";
    if (name.size() > 64) return "the name is longer than 64 characters";
    if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
        return "a name starts with a letter or _";
    }
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
            return "a name has only letters, digits and _ (it is used unquoted, as a table-valued function)";
        }
    }
    if (sqlite3_keyword_check(name.data(), static_cast<int>(name.size()))) {
        return "it is an SQL keyword, which would need quoting";
    }
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("theater_", 0) == 0 || lower.rfind("sqlite_", 0) == 0 || lower.rfind("pragma_", 0) == 0) {
        return "names starting with theater_, sqlite_ or pragma_ are reserved";
    }
    for (const std::string& own : conn.state<RegisteredNames>().names) {
        if (same_name(own, name)) return "it is one of the theater's own functions";
    }
    return "";
}

bool module_registered(Connection& conn, const std::string& name) {
    sqlite3* db = conn.db();
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, kModuleExists, -1, &raw, nullptr);
    Stmt modules(raw);
    if (rc == SQLITE_NOMEM) throw SqlError("out of memory", SQLITE_NOMEM);
    if (rc != SQLITE_OK) return false;  // a SQLite built without introspection pragmas
    bind_text(modules.get(), 1, name);
    return step(db, modules.get());
}

void ensure_name_free(Connection& conn, const std::string& name) {
    sqlite3* db = conn.db();
    if (find_registration(conn, name)) return;
    Stmt tables = prepare(db, kTableOrView);
    bind_text(tables.get(), 1, name);
    if (step(db, tables.get())) {
        throw SqlError("a " + column_bytes(tables.get(), 0) + " named " + name +
                       " exists; a relationship needs a name of its own");
    }
    if (module_registered(conn, name)) {
        throw SqlError("a table-valued function or module named " + name +
                       " is registered on this connection already");
    }
    // Without pragma_module_list (a SQLite built without introspection
    // pragmas), an eponymous table of that name still shows up here.
    std::string probe = "SELECT 1 FROM " + quote_identifier(name) + " LIMIT 0";
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, probe.c_str(), -1, &raw, nullptr);
    sqlite3_finalize(raw);
    if (rc == SQLITE_OK) throw SqlError("a table or table-valued function named " + name + " exists on this connection");
    if (rc == SQLITE_NOMEM) throw SqlError("out of memory", SQLITE_NOMEM);
}

bool register_module(Connection& conn, std::shared_ptr<DeclaredRelationship> r) {
    // Everything that may throw comes before the registration.
    std::vector<Registration>& entries = conn.state<DeclaredRegistry>().entries;
    Registration entry{r->name(), r->signature(), r.get()};
    if (!find_registration(conn, r->name())) entries.reserve(entries.size() + 1);
    ModuleContext* context = new RelationshipContext(&conn, std::move(r));
    // SQLite calls ModuleContext::destroy also when the registration fails.
    int rc = sqlite3_create_module_v2(conn.db(), entry.name.c_str(), &kWritableRelationshipModule, context,
                                      &ModuleContext::destroy);
    if (rc != SQLITE_OK) throw SqlError("cannot register " + entry.name + ": " + errmsg(conn.db(), rc), rc);
    if (Registration* existing = find_registration(conn, entry.name)) {
        bool other = existing->signature != entry.signature;
        std::swap(existing->signature, entry.signature);
        existing->relationship = entry.relationship;
        return other;
    }
    entries.push_back(std::move(entry));  // capacity reserved above
    return false;
}

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
        if (!invalid_relationship_name(conn, d.name).empty()) continue;
        try {
            ensure_name_free(conn, d.name);
        } catch (const SqlError& e) {
            if ((e.code() & 0xff) != SQLITE_ERROR) throw;  // not an answer: an interrupt, out of memory
            continue;
        }
        // Resolved when first used: a declaration the schema no longer
        // supports is registered too, and says why when used.
        if (register_module(conn, std::make_shared<DeclaredRelationship>(d))) expiry.replaced = true;
        ++count;
    }
    return count;
}

void register_stored_relationships(Connection& conn) noexcept {
    try {
        // Most connections that load the extension have no declarations: the
        // question asked outside the statement cache spares their load about
        // a sixth of its time (connecting the cache's owner table).
        if (!table_exists_uncached(conn.db(), kRelationshipsTable)) return;
        register_stored(conn);
    } catch (...) {
        // Loading never fails for a declaration; theater_refresh() says why.
    }
}

}  // namespace theater
