#include "relations/theater_relations.hpp"

#include <memory>

namespace theater {

// The descriptors are immortal (allocated once, never destroyed): a
// connection still open while the process exits may use them after static
// destructors have run.

namespace {

// One-to-many, roles -> auditions (Role.auditions and its association
// proxies): the auditions whose role_id is the argument, in audition id order,
// served by the index auditions_role_id (role_id, then rowid).
RelationDescriptor role_to_auditions(const char* name, std::vector<RelationColumn> columns, int order_column) {
    RelationDescriptor d;
    d.name = name;
    d.argument = "role_id";
    d.columns = std::move(columns);
    d.from = "main.auditions AS t";
    d.key = "t.role_id";
    d.rowid = "t.id";
    d.order = "t.id";
    d.order_column = order_column;
    d.rows_per_key = 5;
    return d;
}

}  // namespace

const RelationDescriptor& role_auditions_relation() {
    static const RelationDescriptor& d = *new RelationDescriptor(role_to_auditions(
        "role_auditions",
        {{"id", "INTEGER", "t.id"},
         {"actor", "TEXT", "t.actor"},
         {"location", "TEXT", "t.location"},
         {"phone", "INTEGER", "t.phone"},
         {"hired", "INTEGER", "t.hired"}},
        0));
    return d;
}

const RelationDescriptor& role_actors_relation() {
    static const RelationDescriptor& d =
        *new RelationDescriptor(role_to_auditions("role_actors", {{"actor", "TEXT", "t.actor"}}, -1));
    return d;
}

const RelationDescriptor& role_locations_relation() {
    static const RelationDescriptor& d =
        *new RelationDescriptor(role_to_auditions("role_locations", {{"location", "TEXT", "t.location"}}, -1));
    return d;
}

// Many-to-one, auditions -> roles (Audition.role): the role of the audition
// whose id is the argument; two primary-key seeks.
const RelationDescriptor& audition_role_relation() {
    static const RelationDescriptor& d = *[] {
        auto r = std::make_unique<RelationDescriptor>();  // freed if an assignment throws
        r->name = "audition_role";
        r->argument = "audition_id";
        r->columns = {{"id", "INTEGER", "t.id"}, {"character_name", "TEXT", "t.character_name"}};
        r->from = "main.auditions AS s JOIN main.roles AS t ON t.id = s.role_id";
        r->key = "s.id";
        r->rowid = "s.id";
        r->rows_per_key = 1;
        r->unique = true;
        return r.release();
    }();
    return d;
}

}  // namespace theater
