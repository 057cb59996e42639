// The relationship engine's virtual table module: one module serves every
// "rows of B related to this row of A" table-valued function. Its client
// data says which: a fixed spec (the theater's own relationships) or a live
// relationship (a declared one, found from the schema when its table is
// connected and checked before each use).
#pragma once

#include "core/module.hpp"
#include "engine/live_relationship.hpp"
#include "engine/relationship_spec.hpp"

#include <memory>
#include <vector>

namespace theater {

extern const sqlite3_module kRelationshipModule;
// The same with INSERT and DELETE (RelationshipSpec::Write), for declared
// relationships: a spec that takes no writes refuses them, saying why.
extern const sqlite3_module kWritableRelationshipModule;

// The client data of kRelationshipModule: exactly one of `fixed` and `live`.
struct RelationshipContext : ModuleContext {
    RelationshipContext(Connection* c, const RelationshipSpec* f) noexcept : ModuleContext(c), fixed(f) {}
    RelationshipContext(Connection* c, std::shared_ptr<LiveRelationship> l) noexcept
        : ModuleContext(c), live(std::move(l)) {}

    // Lives as long as the extension (never destroyed).
    const RelationshipSpec* fixed = nullptr;
    // Shared with every table connected for it, which SQLite may disconnect
    // after it destroyed this client data.
    std::shared_ptr<LiveRelationship> live;
};

// The fixed relationships registered on a connection, in registration
// order (for theater_diagram).
struct FixedRelationships {
    std::vector<const RelationshipSpec*> specs;
};

}  // namespace theater
