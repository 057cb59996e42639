// role_actors(role_id): the actors who auditioned for a role (the seed's
// association proxy Role.actors).
#include "theater/domain.hpp"
#include "theater/roles_to_auditions.hpp"

namespace theater {

const RelationshipSpec& role_actors_spec() {
    static const RelationshipSpec& spec = immortal_spec("role_actors", roles_to_auditions({{"actor", "TEXT"}}));
    return spec;
}

}  // namespace theater
