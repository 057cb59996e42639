// The theater's own relationships are declarations of the model layer
// (model/relationship.hpp) whose path is fixed by the migrations rather than
// read from the schema at run time: the same describe() builds their
// descriptors as builds a theater_relate() one, so
//   role_auditions  = theater_relate(_, 'roles', 'auditions')
//   role_actors     = theater_relate(_, 'roles', 'auditions.actor')
//   role_locations  = theater_relate(_, 'roles', 'auditions.location')
//   audition_role   = theater_relate(_, 'auditions', 'roles', '{"argument": "audition_id"}')
// (tests/test_differential.py checks each against its declared twin and the
// plain join, on every seeded cast).
// They stay built in: they must answer "not migrated" before the tables
// exist, and their names are reserved.
#include "relations/theater_relations.hpp"

#include "model/relationship.hpp"

#include <memory>

namespace theater {

// The descriptors are immortal (allocated once, never destroyed): a
// connection still open while the process exits may use them after static
// destructors have run.

namespace {

// One-to-many, roles -> auditions by auditions.role_id (Role.auditions and
// its association proxies), served by the index auditions_role_id alone: the
// migrations' triggers refuse an audition whose role_id names no role, so the
// seek need not read roles (Path::fk_names_a_row); a declared relationship
// cannot rely on such triggers and joins roles as the plain join does.
Path roles_to_auditions(std::vector<std::pair<std::string, std::string>> columns) {
    Path p;
    p.kind = Path::kOneToMany;
    p.from_table = "roles";
    p.from_key = "id";
    p.to_table = "auditions";
    p.to_rowid = "id";
    p.to_columns = std::move(columns);
    p.fk = "role_id";
    p.ref = "id";
    p.argument = "role_id";
    p.fk_names_a_row = true;
    return p;
}

const RelationDescriptor& immortal(const std::string& name, const Path& path) {
    return *new RelationDescriptor(describe(name, path));
}

}  // namespace

const RelationDescriptor& role_auditions_relation() {
    // The columns are built here, on first use inside the load's try, never by
    // a static initializer: an allocation failing while the library is opened
    // would have nothing to catch it.
    static const RelationDescriptor& d = immortal(
        "role_auditions",
        roles_to_auditions(
            {{"id", "INTEGER"}, {"actor", "TEXT"}, {"location", "TEXT"}, {"phone", "INTEGER"}, {"hired", "INTEGER"}}));
    return d;
}

const RelationDescriptor& role_actors_relation() {
    static const RelationDescriptor& d = immortal("role_actors", roles_to_auditions({{"actor", "TEXT"}}));
    return d;
}

const RelationDescriptor& role_locations_relation() {
    static const RelationDescriptor& d = immortal("role_locations", roles_to_auditions({{"location", "TEXT"}}));
    return d;
}

// Many-to-one, auditions -> roles by auditions.role_id (Audition.role).
const RelationDescriptor& audition_role_relation() {
    static const RelationDescriptor& d = immortal("audition_role", [] {
        Path p;
        p.kind = Path::kManyToOne;
        p.from_table = "auditions";
        p.from_key = "id";
        p.to_table = "roles";
        p.to_columns = {{"id", "INTEGER"}, {"character_name", "TEXT"}};
        p.fk = "role_id";
        p.ref = "id";
        p.argument = "audition_id";
        p.unique = true;
        return p;
    }());
    return d;
}

}  // namespace theater
