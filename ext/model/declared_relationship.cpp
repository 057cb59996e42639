#include "model/declared_relationship.hpp"

#include "model/declarations.hpp"

#include <memory>
#include <string>

namespace theater {

namespace {

std::string no_longer_fits(const std::string& name, const std::string& why) {
    return "this relationship no longer fits the schema (" + why +
           "); declare it again with theater_relate, or remove it with theater_unrelate('" + name + "')";
}

// The one column of a broken relationship's table (RelationshipSpec::
// broken): what PRAGMA table_info and a client reading the columns of a
// statement before running it see.
constexpr const char* kBrokenColumn = "this relationship no longer fits the schema";

// The declaration does not resolve against the schema as it is now.
class NoLongerFits : public SqlError {
public:
    using SqlError::SqlError;
};

std::string declaration_changed_here(const std::string& name) {
    return "the declaration of " + name + " changed while this statement was running; run the statement again";
}

}  // namespace

DeclaredRelationship::DeclaredRelationship(Declaration row, std::shared_ptr<const RelationshipSpec> resolved,
                                           SchemaEpoch epoch)
    : row_(std::move(row)),
      signature_(signature_of(row_)),
      resolved_(std::move(resolved)),
      epoch_(epoch) {}

std::shared_ptr<const RelationshipSpec> DeclaredRelationship::resolve_at(Connection& conn, const SchemaEpoch& epoch) {
    if (resolved_ && epoch == epoch_) return resolved_;
    resolved_.reset();
    try {
        Resolved r = resolve(conn.db(), row_);
        resolved_ = std::make_shared<const RelationshipSpec>(std::move(r.spec));
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

std::shared_ptr<const RelationshipSpec> DeclaredRelationship::spec(Connection& conn, SchemaEpoch& epoch) {
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
        // (engine/relationship_module.cpp, check_live).
        auto broken = std::make_shared<RelationshipSpec>();
        broken->name = row_.name;
        for (const std::string& argument : argument_names(conn.db(), row_)) {
            broken->arguments.push_back({argument, "INTEGER", ""});
            broken->keys.push_back("NULL");
        }
        broken->columns.push_back({kBrokenColumn, "", "NULL"});
        broken->broken = true;
        return broken;
    }
}

void DeclaredRelationship::retire(Connection& conn, const void* table) noexcept {
    if (table != current_table_) return;
    current_table_ = nullptr;
    // Replaced (theater_relate, theater_refresh): SQLite no longer hands the
    // table to new statements.
    try {
        const Registration* current = registration(conn, row_.name);
        if (!current || current->relationship != this) return;
        register_module(conn, shared_from_this());  // the same declaration: nothing to expire
    } catch (...) {
        // Out of memory: the table stays SQLite's, and is checked at each use.
    }
}

bool DeclaredRelationship::suspect(Connection& conn, const UseCheck& table) {
    sqlite3* db = conn.db();
    if (sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE) {
        // The connection has neither committed nor seen another
        // connection's commit since: its schema is the one the table was
        // checked against. (One committed since that it has not seen yet
        // makes SQLite prepare the statement again before it runs.)
        unsigned int version = main_data_version(db);
        return !table.epoch_outside_write || version != table.epoch_data_version;
    }
    // Inside a write transaction no other connection can change the schema,
    // and this connection's own changes are in the schema SQLite plans
    // with: the probe's schema cookie matches it, so stepping it reloads
    // nothing.
    return schema_epoch(conn) != table.epoch;
}

std::shared_ptr<const RelationshipSpec> DeclaredRelationship::check(Connection& conn, const RelationshipSpec& served,
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
    unsigned int version = main_data_version(db);
    if (!writing) {
        if (table.confirmed && changes == table.changes && version == table.data_version) return nullptr;
    } else if (cursor.confirmed && changes == cursor.changes && version == cursor.data_version &&
               schema_epoch(conn) == cursor.epoch) {
        return nullptr;
    }
    table.confirmed = false;
    cursor.confirmed = false;
    StoredRow stored = read_stored(conn, row_.name);
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
        std::shared_ptr<const RelationshipSpec> now = resolve_at(conn, epoch);
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

}  // namespace theater
