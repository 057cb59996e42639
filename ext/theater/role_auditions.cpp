// role_auditions(role_id): a role's auditions (the seed's Role.auditions).
#include "theater/domain.hpp"
#include "theater/roles_to_auditions.hpp"

namespace theater {

const RelationshipSpec& role_auditions_spec() {
    // Built on first use inside the load's try, never by a static
    // initializer: an allocation failing while the library is opened would
    // have nothing to catch it.
    static const RelationshipSpec& spec = immortal_spec(
        "role_auditions",
        roles_to_auditions(
            {{"id", "INTEGER"}, {"actor", "TEXT"}, {"location", "TEXT"}, {"phone", "INTEGER"}, {"hired", "INTEGER"}}));
    return spec;
}

}  // namespace theater
