// theater_diagram() and theater_diagram('mermaid' | 'dot') (model-layer.md,
// "Seeing the model").
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void theater_diagram_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
