#include "model/plain_view.hpp"

#include "core/quote.hpp"
#include "model/declarations.hpp"
#include "model/options.hpp"

#include <cctype>

namespace theater {

namespace {

// Tables, views and indexes share one namespace in a schema; a temp table
// or view of the name would hide the view from unqualified queries.
constexpr const char* kNamed =
    "SELECT 'main', type, sql FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE AND type IN "
    "('table', 'view', 'index') UNION ALL SELECT 'temp', type, sql FROM temp.sqlite_master WHERE name = ?1 "
    "COLLATE NOCASE AND type IN ('table', 'view', 'index')";

std::string ascii_lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

struct Named {
    bool found = false;
    bool own = false;      // the relationship's view, in main
    std::string what;      // "a view", "a table", ...
    std::string schema;    // main or temp
};

// What holds the name `view`. Relationship names are case-insensitive, as
// SQL names are: the mark is found whatever the case it was written in.
Named named(sqlite3* db, const std::string& relationship, const std::string& view) {
    Named out;
    Stmt lookup = prepare(db, kNamed);
    bind_text(lookup.get(), 1, view);
    std::string mark = ascii_lower(view_mark(relationship));
    while (step(db, lookup.get())) {
        std::string schema = column_bytes(lookup.get(), 0);
        std::string type = column_bytes(lookup.get(), 1);
        bool own = schema == "main" && type == "view" &&
                   ascii_lower(column_bytes(lookup.get(), 2)).find(mark) != std::string::npos;
        if (own) {
            out.found = out.own = true;
            continue;
        }
        out.found = true;
        out.own = false;
        out.what = (type == "index" ? "an " : "a ") + type;
        out.schema = schema;
        return out;
    }
    return out;
}

}  // namespace

std::string declared_view(sqlite3* db, const std::string& options) {
    try {
        Options parsed = parse_options(db, options);
        const std::string* view = parsed.get("view");
        return view ? *view : std::string();
    } catch (const SqlError& e) {
        // Options that are not what theater_relate stores (SQLITE_ERROR);
        // an interrupt or out of memory is not an answer.
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        return "";
    }
}

std::string view_mark(const std::string& relationship) { return "/* theater_relate: " + relationship + " */"; }

std::string create_view_sql(const std::string& relationship, const std::string& view, const RelationshipSpec& spec) {
    std::string columns;
    for (const std::string& name : view_columns(spec)) {
        columns += (columns.empty() ? "" : ", ") + quote_identifier(name);
    }
    return "CREATE VIEW main." + quote_identifier(view) + "(" + columns + ") AS " + view_mark(relationship) + " " +
           view_select(spec);
}

std::string invalid_view_name(Connection& conn, const std::string& relationship, const std::string& view) {
    std::string why = invalid_relationship_name(conn, view);
    if (!why.empty()) return why;
    if (same_name(view, relationship)) return "it is the relationship's own name, which its function answers to";
    // Another relationship's function, or SQLite's or another extension's
    // module: a view of that name would hide it.
    if (registration(conn, view) || module_registered(conn, view)) {
        return "a table-valued function or module of that name is registered on this connection";
    }
    return "";
}

void publish_view(sqlite3* db, GuardedWrite& write, const std::string& relationship, const std::string& view,
                  const RelationshipSpec& spec) {
    Named held = named(db, relationship, view);
    if (held.found && !held.own) {
        throw SqlError("option \"view\": " + held.what + " named " + view + " exists" +
                       (held.schema == "temp" ? " in temp" : "") +
                       "; the relationship's view needs a name of its own");
    }
    // theater_relate drops the previous declaration's view first; a view
    // with this relationship's mark may still hold the name when the stored
    // row no longer names it (edited by hand).
    if (held.own) write.run(("DROP VIEW main." + quote_identifier(view)).c_str());
    write.run(create_view_sql(relationship, view, spec).c_str());
}

bool drop_own_view(sqlite3* db, GuardedWrite& write, const std::string& relationship, const std::string& view) {
    Named held = named(db, relationship, view);
    if (!held.own) return false;
    write.run(("DROP VIEW main." + quote_identifier(view)).c_str());
    return true;
}

}  // namespace theater
