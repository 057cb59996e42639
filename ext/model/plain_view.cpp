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

struct Named {
    bool own = false;    // the relationship's view, in main
    bool other = false;  // something else has the name (in main or temp)
    std::string what;    // of the other: "a view", "a table", ...
    std::string schema;  // of the other: main or temp
};

// What holds the name `view`.
Named named(sqlite3* db, const std::string& relationship, const std::string& view) {
    Named out;
    Stmt lookup = prepare(db, kNamed);
    bind_text(lookup.get(), 1, view);
    while (step(db, lookup.get())) {
        std::string schema = column_bytes(lookup.get(), 0);
        std::string type = column_bytes(lookup.get(), 1);
        if (schema == "main" && type == "view" && carries_mark(column_bytes(lookup.get(), 2), relationship)) {
            out.own = true;
        } else if (!out.other) {
            out.other = true;
            out.what = (type == "index" ? "an " : "a ") + type;
            out.schema = schema;
        }
    }
    return out;
}

// Reads a double-quoted identifier at `at` (quote_identifier's form);
// moves past it. False when there is none.
bool skip_identifier(const std::string& sql, std::size_t& at) {
    if (at >= sql.size() || sql[at] != '"') return false;
    for (std::size_t i = at + 1; i < sql.size(); ++i) {
        if (sql[i] != '"') continue;
        if (i + 1 < sql.size() && sql[i + 1] == '"') {
            ++i;
            continue;
        }
        at = i + 1;
        return true;
    }
    return false;
}

// Reads `text` at `at`, ASCII letters in any case; moves past it.
bool skip_text(const std::string& sql, std::size_t& at, const std::string& text) {
    if (sql.size() - at < text.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(sql[at + i])) != std::tolower(static_cast<unsigned char>(text[i]))) {
            return false;
        }
    }
    at += text.size();
    return true;
}

// The view a stored declaration names (option "view"), or "" (none, or
// options that no longer parse: a row edited by hand). Throws what is not
// an answer (out of memory, an interrupt).
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

}  // namespace

bool carries_mark(const std::string& sql, const std::string& relationship) {
    // What SQLite keeps of create_view_sql: CREATE VIEW "v"("c", ...) AS
    // <mark> SELECT ... (it leaves out the schema name). The mark counts
    // only there, not anywhere in a view's text (a string, a column name).
    std::size_t at = 0;
    if (!skip_text(sql, at, "CREATE VIEW ") || !skip_identifier(sql, at) || !skip_text(sql, at, "(")) return false;
    do {
        if (!skip_identifier(sql, at)) return false;
    } while (skip_text(sql, at, ", "));
    return skip_text(sql, at, ") AS " + view_mark(relationship) + " SELECT ");
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

void publish_view(Connection& conn, GuardedWrite& write, const std::string& relationship, const std::string& view,
                  const RelationshipSpec& spec) {
    Named held = named(conn.db(), relationship, view);
    if (held.other) {
        throw SqlError("option \"view\": " + held.what + " named " + view + " exists" +
                       (held.schema == "temp" ? " in temp" : "") +
                       "; the relationship's view needs a name of its own");
    }
    // A relationship stored under that name (by another connection, which
    // this one has not refreshed from): the view would hide its function.
    StoredRow stored = read_stored(conn, view);
    if (stored.exists) {
        throw SqlError("option \"view\": a relationship named " + stored.row.name +
                       " is declared; the relationship's view needs a name of its own");
    }
    // theater_relate drops the previous declaration's view first
    // (drop_declared_view); a view
    // with this relationship's mark may still hold the name when the stored
    // row no longer names it (edited by hand).
    if (held.own) write.run(("DROP VIEW main." + quote_identifier(view)).c_str());
    write.run(create_view_sql(relationship, view, spec).c_str());
}

void drop_declared_view(Connection& conn, GuardedWrite& write, const std::string& relationship) {
    StoredRow stored = read_stored(conn, relationship);
    if (!stored.exists) return;
    std::string view = declared_view(conn.db(), stored.row.options);
    if (view.empty() || !named(conn.db(), relationship, view).own) return;
    write.run(("DROP VIEW main." + quote_identifier(view)).c_str());
}

}  // namespace theater
