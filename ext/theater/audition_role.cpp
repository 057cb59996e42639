// audition_role(audition_id): the role an audition is for (the seed's
// Audition.role): many-to-one, auditions -> roles by auditions.role_id.
#include "migrations/theater_tables.hpp"
#include "theater/domain.hpp"
#include "theater/roles_to_auditions.hpp"

namespace theater {

const RelationshipSpec& audition_role_spec() {
    static const RelationshipSpec& spec = immortal_spec("audition_role", [] {
        JoinPath p;
        p.kind = JoinPath::kManyToOne;
        p.from_table = kAuditionsTable;
        p.from_key = "id";
        p.to_table = kRolesTable;
        p.to_columns = {{"id", "INTEGER"}, {"character_name", "TEXT"}};
        p.fk = "role_id";
        p.ref = "id";
        p.argument = "audition_id";
        p.unique = true;
        p.ref_is_rowid = true;  // roles.id INTEGER PRIMARY KEY
        return p;
    }());
    return spec;
}

}  // namespace theater
