// The theater's built-in relationship functions (sql-api.md section 5).
#pragma once

#include "relations/relation.hpp"

namespace theater {

const RelationDescriptor& role_auditions_relation();
const RelationDescriptor& role_actors_relation();
const RelationDescriptor& role_locations_relation();
const RelationDescriptor& audition_role_relation();

}  // namespace theater
