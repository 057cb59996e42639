// role_locations(role_id): where a role's auditions took place (the seed's
// association proxy Role.locations).
#include "theater/domain.hpp"
#include "theater/roles_to_auditions.hpp"

namespace theater {

const RelationshipSpec& role_locations_spec() {
    static const RelationshipSpec& spec = immortal_spec("role_locations", roles_to_auditions({{"location", "TEXT"}}));
    return spec;
}

}  // namespace theater
