// Declared relationships: theater_relate, theater_unrelate, theater_refresh,
// their table theater_relationships, and their registration as modules of
// the relationship cursor on each connection (model-layer.md, "Declaring").
#pragma once

#include "core/connection.hpp"
#include "model/relationship.hpp"
#include "relations/relation.hpp"

#include <memory>
#include <string>
#include <vector>

namespace theater {

void theater_relate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_unrelate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_refresh_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// Every row of theater_relationships, in name order (none when the table
// does not exist).
std::vector<Declaration> read_declarations(Connection& conn);

// At load: registers every stored declaration on the connection. Never
// fails the load: an unreadable table registers nothing (theater_refresh()
// tries again), a declaration the schema no longer supports is registered
// to report why when used.
void register_stored_relationships(Connection& conn) noexcept;

// When the schema of the main database was last seen: how often SQLite has
// prepared again a statement of the connection that reads it ("SELECT 1 FROM
// main.sqlite_master WHERE 0", stepped to its end). SQLite prepares a
// statement again before it runs whenever the schema changed since it was
// prepared (its schema cookie, or a schema reset: a transaction's CREATE
// rolled back, then another CREATE, gives the cookie the same value again),
// so the count moves with every change. Reading it is one step of a prepared
// statement that opens no table.
struct SchemaEpoch {
    const void* statement = nullptr;
    int prepared_again = -1;

    bool operator==(const SchemaEpoch& o) const {
        return statement == o.statement && prepared_again == o.prepared_again;
    }
    bool operator!=(const SchemaEpoch& o) const { return !(*this == o); }
};

// The schema as the connection sees it now. Throws SqlError with
// SQLITE_SCHEMA when the connection cannot read it (see declared_connect).
SchemaEpoch schema_epoch(Connection& conn);

// What a relationship table (or one cursor of it) last confirmed, so that
// checking again costs nothing, or one step, while nothing can have changed
// (see DeclaredRelation::check).
struct UseCheck {
    // The schema that what the table serves was last found right for.
    SchemaEpoch epoch;
    // Whether that was found outside a write transaction, and the data
    // version then (for DeclaredRelation::suspect).
    bool epoch_outside_write = false;
    unsigned int epoch_data_version = 0;
    // The stored declaration and the schema were confirmed, with
    // sqlite3_total_changes and the data version then (a table's: outside a
    // write transaction; a cursor's: inside one, at `epoch`).
    bool confirmed = false;
    int changes = -1;
    unsigned int data_version = 0;
};

// One declared relationship as registered on one connection: its stored row,
// and the descriptor resolved from the schema (model/relationship.hpp),
// resolved again whenever the schema may have changed. It is the client data
// of the relationship's module (kDeclaredRelationModule).
//
// SQLite connects the relationship's table once (an eponymous virtual
// table) and hands it to every statement it prepares, with the columns it
// declared then, until the module is registered again. So a statement is
// planned for the columns and queries of the table SQLite had when it
// prepared it; when the schema changes what the declaration means, the
// first use that notices retires the table (retire()), and relation.cpp
// decides about the statement: started again only if it has returned no
// row yet, stopped with an error otherwise (docs/reference.md, "Statements
// that use a declared relationship while it changes"). Statements prepared before
// theater_relate or theater_refresh replaced the declaration are expired
// (expire_statements), so that SQLite prepares them again before they next
// run.
class DeclaredRelation {
public:
    // `row` as stored in theater_relationships; `resolved` (may be null) the
    // descriptor already resolved for it, at `epoch`.
    DeclaredRelation(Declaration row, std::shared_ptr<const RelationDescriptor> resolved = nullptr,
                     SchemaEpoch epoch = SchemaEpoch());

    const std::string& name() const noexcept { return row_.name; }
    // What the stored row said when this was registered (one string).
    const std::string& signature() const noexcept { return signature_; }

    // The descriptor to serve now, for a table being connected, and the
    // schema it was resolved at (`epoch`): resolved again when the schema
    // changed since the last resolution. Throws SqlError "this relationship
    // no longer fits the schema (...)" when the declaration no longer
    // resolves; before SQLite 3.37.0, returns a broken descriptor instead
    // (RelationDescriptor::broken), whose every use fails in check() with
    // that message. Throws SqlError with SQLITE_SCHEMA when the connection
    // has not read the schema as it is now and cannot while SQLite prepares a
    // statement (see declared_connect).
    std::shared_ptr<const RelationDescriptor> descriptor(Connection& conn, SchemaEpoch& epoch);

    // The table SQLite connected last for this registration (its eponymous
    // table), set by xConnect.
    void connected(const void* table) noexcept { current_table_ = table; }
    // When `table` no longer serves what the declaration means: if it is
    // still the one SQLite hands to the statements it prepares, registers
    // the module again (`self` is this), so that the next one connects a
    // table resolved from the schema as it is then. SQLite expires every
    // statement of the connection at its next prepare (sqlite3VtabUnlockList:
    // a virtual table was disconnected). Never fails: a table that stays is
    // checked at each use all the same.
    void retire(Connection& conn, const std::shared_ptr<DeclaredRelation>& self, const void* table) noexcept;

    // While SQLite plans a statement for a table last confirmed as `table`
    // says: whether the schema may have changed since, so that the statement
    // may be planned for columns or queries that no longer are the
    // relationship's.
    // Reads nothing outside a write transaction (a statement run from here
    // could make SQLite reload a schema the statement being planned uses);
    // inside one, the schema is this connection's own and one step says.
    bool suspect(Connection& conn, const UseCheck& table);

    // Before each use (xFilter) of a table that serves `served`, by one of
    // its cursors (`table` and `cursor` are their UseChecks; `changes` and
    // `writing` are sqlite3_total_changes() and whether a write transaction
    // is open, read by the caller). Returns null when `served` is what the
    // declaration means now; otherwise what it means now (the schema
    // changed so that it means other queries or other columns): the caller
    // retires the table and starts the statement again or stops it
    // (relation.cpp, check_declared). Throws when the relationship may not be
    // used: the stored row is gone or differs (a rolled-back declaration,
    // theater_unrelate, another connection's replacement, or a replacement
    // made here while the statement was running), or the schema no longer
    // supports it. Costs nothing more than a file control outside a write
    // transaction while neither this connection nor another one has written
    // since the table's last check, and one step of a prepared statement
    // inside one while the cursor's check holds.
    std::shared_ptr<const RelationDescriptor> check(Connection& conn, const RelationDescriptor& served,
                                                    UseCheck& table, UseCheck& cursor, int changes, bool writing);

private:
    std::shared_ptr<const RelationDescriptor> resolve_at(Connection& conn, const SchemaEpoch& epoch);

    Declaration row_;
    std::string signature_;
    // The last resolution, and the schema it was made against.
    std::shared_ptr<const RelationDescriptor> resolved_;
    SchemaEpoch epoch_;
    const void* current_table_ = nullptr;
};

}  // namespace theater
