// The model layer: relationships and integrity for any schema
// (model-layer.md). What the entry point registers from this folder, one
// file per SQL name:
//   theater_relate                 model/theater_relate.cpp
//   theater_unrelate               model/theater_unrelate.cpp
//   theater_refresh                model/theater_refresh.cpp
//   every declared relationship    model/declared_relationship.cpp (served by engine/)
//   theater_enforce_foreign_keys   model/theater_enforce_foreign_keys.cpp
//   theater_diagram                model/theater_diagram.cpp
//   theater_json                   model/theater_json.cpp (the shape: json_shape.cpp)
#pragma once

#include "core/connection.hpp"

namespace theater {

void theater_relate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_unrelate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_refresh_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_enforce_foreign_keys_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_diagram_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void theater_json_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// At load: registers every stored declaration on the connection. Never
// fails the load (model/declarations.hpp).
void register_stored_relationships(Connection& conn) noexcept;

}  // namespace theater
