// The declarations stored in the database (the table theater_relationships)
// and their registrations on each connection: what theater_relate,
// theater_unrelate and theater_refresh write and read, and what the load
// registers (model-layer.md, "Declaring").
#pragma once

#include "core/connection.hpp"
#include "core/write_transaction.hpp"
#include "model/declared_relationship.hpp"
#include "model/resolve.hpp"

#include <memory>
#include <string>
#include <vector>

namespace theater {

constexpr const char* kRelationshipsTable = "theater_relationships";

// Every row of theater_relationships, in name order (none when the table
// does not exist).
std::vector<Declaration> read_declarations(Connection& conn);

// What the stored row of `name` says now: whether there is one, and its
// signature (signature_of). Throws what is not an answer (out of memory, a
// busy database, a schema this connection has not read yet).
struct StoredRow {
    bool exists = false;
    std::string signature;
    Declaration row;  // when it exists
};
StoredRow read_stored(Connection& conn, const std::string& name);

// Writes `d` as the row of its name, the table made first if need be
// (theater_relate), through `write` (core/write_transaction.hpp).
void store_declaration(sqlite3* db, GuardedWrite& write, const Declaration& d);
// Deletes the row of `name`; returns how many rows it deleted (0 or 1).
int remove_declaration(sqlite3* db, GuardedWrite& write, const std::string& name);

// What a stored row says, in one string: a registration must match it.
std::string signature_of(const Declaration& d);

// One relationship registered on a connection: theater_relate may replace
// these modules and no other, and a statement prepared before a replacement
// learns of it.
struct Registration {
    std::string name;
    std::string signature;                           // the stored declaration it serves
    const DeclaredRelationship* relationship = nullptr;  // what serves it, for identity only
};
// The connection's registrations (Connection::state).
struct DeclaredRegistry {
    std::vector<Registration> entries;
};

// This connection's registration of `name`, or null.
const Registration* registration(Connection& conn, const std::string& name);

// Names usable for a declared relationship: an SQL identifier that needs no
// quoting ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters), not starting
// with theater_, sqlite_ or pragma_ and not a name the extension registers
// itself (RegisteredNames). Returns the reason when it is not, or an empty
// string.
std::string invalid_relationship_name(Connection& conn, const std::string& name);

// Whether a module of that name is registered on the connection (SQLite's,
// another extension's, a declared relationship's). False where SQLite was
// built without pragma_module_list.
bool module_registered(Connection& conn, const std::string& name);

// Refuses a name that something else on the connection answers to: a table
// or view (it would hide the function), a module of SQLite or of another
// extension (registering would replace it).
void ensure_name_free(Connection& conn, const std::string& name);

// Registers (or replaces) the module of `r` on the connection. A statement
// that uses the module it replaces keeps the table it was prepared with
// until SQLite prepares it again. Returns whether it replaced a registration
// of another declaration: the caller then expires the connection's
// statements (expire_statements), once its own work is done, so that those
// prepared for the old one are prepared again before they next run.
bool register_module(Connection& conn, std::shared_ptr<DeclaredRelationship> r);

// Registers every stored declaration; returns how many. Statements prepared
// for a declaration it replaced with another are expired.
int register_stored(Connection& conn);

// At load: register_stored, which never fails the load: an unreadable table
// registers nothing (theater_refresh() tries again), a declaration the
// schema no longer supports is registered to report why when used.
void register_stored_relationships(Connection& conn) noexcept;

}  // namespace theater
