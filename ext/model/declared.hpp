// Declared relationships: theater_relate, theater_unrelate, theater_refresh,
// their table theater_relationships, and their registration as modules of
// the relationship cursor on each connection (model-layer.md, "Declaring").
#pragma once

#include "core/connection.hpp"
#include "model/relationship.hpp"
#include "relations/relation.hpp"

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

// Whether a declared relationship may still be used on this connection: its
// stored row must still say what was registered. A transaction rolled back,
// theater_unrelate, or another connection's change make it fail. Checked at
// each xFilter, cheaply: the lookup runs only when something may have
// changed since the last one.
class DeclarationCheck {
public:
    void ensure(Connection& conn, const RelationDescriptor& d);

private:
    bool confirmed_ = false;  // seen committed, outside a write transaction
    int changes_ = -1;
    unsigned int data_version_ = 0;
};

}  // namespace theater
