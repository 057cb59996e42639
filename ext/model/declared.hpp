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

// When the schema of the main database was last seen: its schema_version,
// and how often SQLite has prepared again the statement that reads the
// declaration (it reads a table of the main database, so SQLite checks the
// schema's cookie whenever it runs). The version alone can repeat for another
// schema (a transaction's CREATE rolled back, then another CREATE); SQLite
// expires every statement at such a rollback and prepares a statement again
// whenever the schema changed since it was prepared, so the count moves even
// then.
struct SchemaEpoch {
    int version = -1;
    const void* statement = nullptr;
    int prepared_again = -1;

    bool operator==(const SchemaEpoch& o) const {
        return version == o.version && statement == o.statement && prepared_again == o.prepared_again;
    }
    bool operator!=(const SchemaEpoch& o) const { return !(*this == o); }
};

// What one relationship table last confirmed, so that checking it again
// costs nothing while nothing can have changed (see DeclaredRelation::check).
struct UseCheck {
    bool confirmed = false;  // seen outside a write transaction
    int changes = -1;        // sqlite3_total_changes then
    unsigned int data_version = 0;
    SchemaEpoch epoch;       // the schema the table's descriptor was checked against
};

// One declared relationship as registered on one connection: its stored row,
// and the descriptor resolved from the schema (model/relationship.hpp),
// resolved again whenever the schema may have changed. It is the client data
// of the relationship's module (kDeclaredRelationModule).
class DeclaredRelation {
public:
    // `row` as stored in theater_relationships; `resolved` (may be null) the
    // descriptor already resolved for it, at `epoch`.
    DeclaredRelation(Declaration row, std::shared_ptr<const RelationDescriptor> resolved = nullptr,
                     SchemaEpoch epoch = SchemaEpoch());

    const std::string& name() const noexcept { return row_.name; }
    // What the stored row said when this was registered (one string).
    const std::string& signature() const noexcept { return signature_; }

    // The descriptor to serve now, for a table being connected: resolved
    // again when the schema changed since the last resolution. Throws
    // SqlError "this relationship no longer fits the schema (...)" when the
    // declaration no longer resolves; before SQLite 3.37.0, returns a broken
    // descriptor instead (RelationDescriptor::broken), whose every use fails
    // in check() with that message. Throws SqlError with SQLITE_SCHEMA when
    // the connection has not read the schema as it is now and cannot while
    // SQLite prepares a statement (see declared_connect).
    std::shared_ptr<const RelationDescriptor> descriptor(Connection& conn);

    // Before each use (xFilter) of a table that serves `served`. Throws when
    // it may not be used: the stored row is gone or differs (a rolled-back
    // declaration, theater_unrelate, another connection's replacement), or the
    // schema no longer supports it. When the schema changed so that the
    // relationship now means other queries or other columns, registers the
    // module again with the new descriptor and throws SQLITE_SCHEMA: SQLite
    // then prepares the statement again, against the new table (only on a
    // cursor's first use, `first_use`, before the statement returned a row of
    // it; later the error says to run the statement again). `changes` and
    // `writing` are sqlite3_total_changes() and whether a write transaction
    // is open, read by the caller. While neither this connection nor another
    // one has written since the last check, outside a write transaction, it
    // costs one more read (the data version) and nothing else.
    void check(Connection& conn, const RelationDescriptor& served, UseCheck& state, bool first_use, int changes,
               bool writing);

private:
    std::shared_ptr<const RelationDescriptor> resolve_at(Connection& conn, const SchemaEpoch& epoch);

    Declaration row_;
    std::string signature_;
    // The last resolution, and the schema it was made against.
    std::shared_ptr<const RelationDescriptor> resolved_;
    SchemaEpoch epoch_;
};

}  // namespace theater
