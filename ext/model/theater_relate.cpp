// theater_relate(name, from_table, to_table [, through_table] [, options]):
// declares a relationship, stores it and registers its table-valued function
// (model-layer.md, "Declaring").
#include "model/model.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/write_transaction.hpp"
#include "model/declarations.hpp"
#include "model/options.hpp"
#include "model/plain_view.hpp"

#include <memory>
#include <string>

namespace theater {

void theater_relate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    function_boundary(ctx, "theater_relate", [&] {
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        Declaration d;
        d.name = text_argument(argv[0], "name");
        std::string why = invalid_relationship_name(conn, d.name);
        if (!why.empty()) throw SqlError("invalid name '" + d.name + "': " + why);
        d.from_table = text_argument(argv[1], "from_table");
        d.to_table = text_argument(argv[2], "to_table");
        // The fourth argument is the through_table, or the options when it is
        // a JSON object and there is no fifth.
        // NULL stands for "none" in either place; '' names nothing.
        if (argc >= 4 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
            std::string fourth = text_argument(argv[3], "through_table");
            if (argc == 4 && !fourth.empty() && fourth[0] == '{') d.options = fourth;
            else if (fourth.empty()) throw SqlError("through_table: no table or view named \"\" in the main database");
            else d.through_table = fourth;
        }
        if (argc >= 5 && sqlite3_value_type(argv[4]) != SQLITE_NULL) {
            d.options = text_argument(argv[4], "options");
            if (d.options.empty()) throw SqlError(not_an_object("''"));
        }
        ensure_name_free(conn, d.name);
        Resolved r = resolve(db, d);
        if (!r.view.empty()) {
            why = invalid_view_name(conn, d.name, r.view);
            if (!why.empty()) throw SqlError("option \"view\": invalid name '" + r.view + "': " + why);
        }
        std::string summary = r.summary;
        if (!r.view.empty()) summary += "; view " + r.view;
        Declaration stored = r.stored;
        auto spec = std::make_shared<const RelationshipSpec>(std::move(r.spec));
        auto declared = std::make_shared<DeclaredRelationship>(stored, spec);
        bool replaced = false;
        write_transaction(db, "theater_relate", [&](GuardedWrite& write) {
            // The view of the declaration replaced goes with it, whatever
            // the new one publishes (a view of the same name is made anew).
            drop_declared_view(conn, write, d.name);
            store_declaration(db, write, stored);
            if (!r.view.empty()) publish_view(conn, write, d.name, r.view, *spec);
            replaced = register_module(conn, declared);
            write.pause_guard();
            return 0;
        });
        // Statements prepared for the declaration replaced are prepared again
        // before they next run. Not before: the guarded write's own
        // statements must not expire while it may still need them
        // (core/write_transaction.hpp).
        if (replaced) expire_statements(db);
        sqlite3_result_text(ctx, summary.data(), static_cast<int>(summary.size()), SQLITE_TRANSIENT);
    });
}

}  // namespace theater
