// theater_diagram() and theater_diagram('mermaid' | 'dot'): the model as a
// diagram (model-layer.md, "Seeing the model"). The relationships drawn are
// the fixed ones registered on the connection (the theater's own, when their
// tables exist) and every declaration that resolves.
#include "model/model.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "engine/relationship_module.hpp"
#include "migrations/theater_tables.hpp"
#include "model/declarations.hpp"
#include "model/diagram_text.hpp"
#include "model/schema.hpp"

#include <string>
#include <vector>

namespace theater {

namespace {

// A relationship that takes INSERT and DELETE says so in its label.
DiagramLine line_of(const RelationshipSpec& spec) {
    return {spec.about.from_table, spec.about.to_table, spec.about.kind,
            spec.name + "()" + (spec.write.refusal.empty() ? " (writable)" : "")};
}

std::vector<DiagramLine> relationship_lines(Connection& conn, const std::vector<SchemaTable>& tables) {
    sqlite3* db = conn.db();
    std::vector<DiagramLine> lines;
    for (const RelationshipSpec* spec : conn.state<FixedRelationships>().specs) {
        if (find_table(tables, spec->about.from_table) && find_table(tables, spec->about.to_table)) {
            lines.push_back(line_of(*spec));
        }
    }
    for (const Declaration& d : read_declarations(conn)) {
        try {
            lines.push_back(line_of(resolve(db, d).spec));
        } catch (const SqlError& e) {
            // A broken declaration is left out; an interrupt, out of memory
            // or a busy database is not an answer about it.
            if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        }
    }
    return lines;
}

}  // namespace

void theater_diagram_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    function_boundary(ctx, "theater_diagram", [&] {
        std::string format = "mermaid";
        if (argc == 1) {
            format = text_argument(argv[0], "format");
            if (format != "mermaid" && format != "dot") {
                throw SqlError("format must be 'mermaid' or 'dot', not '" + format + "'");
            }
        }
        Connection& conn = Connection::of(ctx);
        // The bookkeeping tables are no part of the model.
        std::vector<SchemaTable> tables = read_all_tables(conn.db(), {kMigrationsTable, kRelationshipsTable});
        std::vector<DiagramLine> lines = relationship_lines(conn, tables);
        // A view a relationship joins is drawn too (a view of no
        // relationship is not part of the model).
        for (const DiagramLine& l : lines) {
            for (const std::string& name : {l.from, l.to}) {
                if (find_table(tables, name)) continue;
                if (std::optional<SchemaTable> view = read_relation(conn.db(), name)) tables.push_back(std::move(*view));
            }
        }
        std::string text = format == "dot" ? dot_diagram(tables, lines) : mermaid_diagram(tables, lines);
        sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    });
}

}  // namespace theater
