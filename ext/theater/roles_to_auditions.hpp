// The theater's own relationships are join paths fixed by the migrations
// rather than found in the schema at run time: the engine's spec_for() builds
// their specs as it builds a theater_relate() one, so
//   role_auditions  = theater_relate(_, 'roles', 'auditions')
//   role_actors     = theater_relate(_, 'roles', 'auditions.actor')
//   role_locations  = theater_relate(_, 'roles', 'auditions.location')
//   audition_role   = theater_relate(_, 'auditions', 'roles', '{"argument": "audition_id"}')
// (tests/test_differential.py checks each against its declared twin and the
// plain join, on every seeded cast).
// They stay built in: they must answer "not migrated" before the tables
// exist, and their names are reserved.
#pragma once

#include "engine/join_path.hpp"

#include <string>
#include <utility>
#include <vector>

namespace theater {

// One-to-many, roles -> auditions by auditions.role_id (Role.auditions and
// its association proxies), returning `columns` of auditions.
JoinPath roles_to_auditions(std::vector<std::pair<std::string, std::string>> columns);

// The spec of a theater relationship, allocated once and never destroyed: a
// connection still open while the process exits may use it after static
// destructors have run.
const RelationshipSpec& immortal_spec(const std::string& name, const JoinPath& path);

}  // namespace theater
