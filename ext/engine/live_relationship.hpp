// A relationship whose spec is not fixed: found from the schema when its
// table is connected, and checked before each use, because the schema (or
// the declaration itself) may change under a statement that uses it. The
// engine serves it through this interface; the model layer's declared
// relationships implement it (model/declared_relationship.hpp).
#pragma once

#include "core/connection.hpp"
#include "core/schema_epoch.hpp"
#include "engine/relationship_spec.hpp"

#include <memory>
#include <string>

namespace theater {

// What a relationship table (or one cursor of it) last confirmed, so that
// checking again costs nothing, or one step, while nothing can have changed
// (see LiveRelationship::check).
struct UseCheck {
    // The schema that what the table serves was last found right for.
    SchemaEpoch epoch;
    // Whether that was found outside a write transaction, and the data
    // version then (for LiveRelationship::suspect).
    bool epoch_outside_write = false;
    unsigned int epoch_data_version = 0;
    // The relationship and the schema were confirmed, with
    // sqlite3_total_changes and the data version then (a table's: outside a
    // write transaction; a cursor's: inside one, at `epoch`).
    bool confirmed = false;
    int changes = -1;
    unsigned int data_version = 0;
};

class LiveRelationship {
public:
    virtual ~LiveRelationship() = default;

    virtual const std::string& name() const noexcept = 0;

    // The spec to serve now, for a table being connected, and the schema it
    // was found at (`epoch`). Throws SqlError saying why when there is none;
    // with SQLITE_SCHEMA when the connection has not read the schema as it
    // is now and cannot while SQLite prepares a statement.
    virtual std::shared_ptr<const RelationshipSpec> spec(Connection& conn, SchemaEpoch& epoch) = 0;

    // The table SQLite connected last for it (its eponymous table), set by
    // xConnect.
    virtual void connected(const void* table) noexcept = 0;

    // When `table` no longer serves what the relationship means: if it is
    // still the one SQLite hands to the statements it prepares, registers
    // the module again, so that the next one connects a table found from
    // the schema as it is then. Never fails.
    virtual void retire(Connection& conn, const void* table) noexcept = 0;

    // While SQLite plans a statement for a table last confirmed as `table`
    // says: whether the relationship may have changed since, so that the
    // statement may be planned for columns or queries that are no longer its.
    virtual bool suspect(Connection& conn, const UseCheck& table) = 0;

    // Before each use (xFilter) of a table that serves `served`: null when
    // `served` is what the relationship means now; otherwise what it means
    // now, and the engine retires the table and starts the statement again
    // or stops it. Throws when the relationship may not be used at all.
    // `changes` and `writing` are sqlite3_total_changes() and whether a write
    // transaction is open, read by the caller.
    virtual std::shared_ptr<const RelationshipSpec> check(Connection& conn, const RelationshipSpec& served,
                                                         UseCheck& table, UseCheck& cursor, int changes,
                                                         bool writing) = 0;
};

}  // namespace theater
