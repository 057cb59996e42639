// theater_refresh(): registers every stored declaration on this connection
// again, as the load does; returns how many (model-layer.md, "Declaring").
#include "model/model.hpp"

#include "core/boundary.hpp"
#include "model/declarations.hpp"

namespace theater {

void theater_refresh_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    function_boundary(ctx, "theater_refresh", [&] { sqlite3_result_int(ctx, register_stored(Connection::of(ctx))); });
}

}  // namespace theater
