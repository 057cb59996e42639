// theater_unrelate(name): removes a declared relationship's stored row, and
// the plain view it published (model-layer.md, "Declaring", "Plain views").
#include "model/model.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/write_transaction.hpp"
#include "model/declarations.hpp"
#include "model/plain_view.hpp"

#include <string>

namespace theater {

void theater_unrelate_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "theater_unrelate", [&] {
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        std::string name = text_argument(argv[0], "name");
        if (!table_exists(conn, kRelationshipsTable)) {
            sqlite3_result_int(ctx, 0);
            return;
        }
        // The module stays registered: a statement may still be using it.
        // Used again, it reports that the relationship was removed.
        int removed = write_transaction(db, "theater_unrelate", [&](GuardedWrite& write) {
            drop_declared_view(conn, write, name);
            int n = remove_declaration(db, write, name);
            write.pause_guard();
            return n;
        });
        sqlite3_result_int(ctx, removed);
    });
}

}  // namespace theater
