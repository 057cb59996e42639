// The theater's domain, from the seed's Role and Audition models (sql-api.md
// sections 4 to 6): what the entry point registers from this folder. One
// file per SQL name (or tight group):
//   call_back                       theater/call_back.cpp
//   call_back_all                   theater/call_back_all.cpp
//   role_lead, role_understudy      theater/role_lead_understudy.cpp
//   role_casting                    theater/role_casting.cpp
//   theater_materialize_casting     theater/theater_materialize_casting.cpp (its SQL:
//                                   theater/casting_sheet_stored.cpp)
//   role_auditions, role_actors, role_locations, audition_role
//                                   theater/<name>.cpp (served by engine/)
#pragma once

#include "core/sqlite.hpp"
#include "engine/relationship_spec.hpp"

namespace theater {

void call_back_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void call_back_all_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void role_lead_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void role_understudy_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_materialize_casting_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// Eponymous-only; its client data is a ModuleContext.
extern const sqlite3_module kRoleCastingModule;

// The theater's relationships: fixed specs served by the engine's module
// (kRelationshipModule), built on first use and never destroyed.
const RelationshipSpec& role_auditions_spec();
const RelationshipSpec& role_actors_spec();
const RelationshipSpec& role_locations_spec();
const RelationshipSpec& audition_role_spec();

}  // namespace theater
