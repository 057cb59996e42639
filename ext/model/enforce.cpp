// theater_enforce_foreign_keys(table): the table's declared foreign keys as
// triggers, so they hold for every client whatever PRAGMA foreign_keys says
// (model-layer.md, "Integrity without the pragma").
//
// For each foreign key of the child table:
//   child  AFTER INSERT, AFTER UPDATE OF its columns: the parent row must
//          exist (a NULL in any key column is allowed, as SQLite's rule);
//          AFTER, so that a row may refer to itself; RAISE(ABORT) undoes
//          the whole statement either way;
//   parent BEFORE DELETE: RESTRICT / NO ACTION refuse while children exist;
//          AFTER DELETE: CASCADE deletes them, SET NULL / SET DEFAULT set them;
//   parent BEFORE/AFTER UPDATE OF the referenced columns: the ON UPDATE
//          action, the same way.
// Every trigger is named "theater_fk:<child>:<n>:<what>", so a second call
// drops the child's triggers and makes them again from the schema as it is.
// Trigger bodies name tables unqualified: SQLite binds them to the trigger's
// own schema, main.
#include "model/enforce.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/connection.hpp"
#include "core/write_transaction.hpp"
#include "model/schema.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace theater {

namespace {

constexpr const char* kOwnTriggers =
    "SELECT name FROM main.sqlite_master WHERE type = 'trigger' AND substr(name, 1, length(?1)) = ?1 COLLATE NOCASE";

std::string q(const std::string& identifier) { return quote_identifier(identifier); }

std::string literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}


std::string collapse_spaces(const std::string& s) {
    std::string out;
    for (char c : s) {
        bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (space && (out.empty() || out.back() == ' ')) continue;
        out += space ? ' ' : c;
    }
    return out;
}

// "a = b AND c = d" over the key's column pairs.
std::string matches(const std::vector<std::string>& left, const std::string& left_prefix,
                    const std::vector<std::string>& right, const std::string& right_prefix) {
    std::string out;
    for (std::size_t i = 0; i < left.size(); ++i) {
        if (i) out += " AND ";
        out += left_prefix + q(left[i]) + " = " + right_prefix + q(right[i]);
    }
    return out;
}

std::string all_not_null(const std::vector<std::string>& columns, const std::string& prefix) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += " AND ";
        out += prefix + q(columns[i]) + " IS NOT NULL";
    }
    return out;
}

std::string any_changed(const std::vector<std::string>& columns) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += " OR ";
        out += "NEW." + q(columns[i]) + " IS NOT OLD." + q(columns[i]);
    }
    return out;
}

std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + q(columns[i]);
    return out;
}

std::string dotted(const std::string& table, const std::vector<std::string>& columns) {
    std::string out = table + ".";
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + columns[i];
    return out;
}

struct Trigger {
    std::string name;
    std::string sql;
};

// SET NULL / SET DEFAULT on the child's key columns.
std::string set_clause(const SchemaTable& child, const std::vector<std::string>& columns, bool to_default,
                       const std::vector<std::string>* new_values) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += ", ";
        std::string value = "NULL";
        if (new_values) {
            value = "NEW." + q((*new_values)[i]);
        } else if (to_default) {
            const SchemaColumn* c = child.column(columns[i]);
            if (c && c->has_default) {
                // SQLite reads DEFAULT "x" as the string 'x'; inside a trigger
                // the same text would name a column. Refuse what is ambiguous.
                if (c->dflt.find_first_of("\"`[") != std::string::npos) {
                    throw SqlError("the DEFAULT of " + child.name + "." + c->name + " (" + c->dflt +
                                   ") is written with double quotes, backquotes or brackets; write it with single "
                                   "quotes for ON DELETE SET DEFAULT to be enforced");
                }
                value = "(" + c->dflt + ")";
            }
        }
        out += q(columns[i]) + " = " + value;
    }
    return out;
}

std::vector<Trigger> triggers_for(const SchemaTable& child, const SchemaForeignKey& fk, const SchemaTable& parent,
                                  const std::string& prefix) {
    std::vector<std::string> parent_columns;
    std::vector<std::string> key = parent.primary_key();
    for (std::size_t i = 0; i < fk.columns.size(); ++i) {
        if (!fk.parent_columns[i].empty()) parent_columns.push_back(fk.parent_columns[i]);
        else if (key.size() == fk.columns.size()) parent_columns.push_back(key[i]);
        else {
            throw SqlError("the foreign key " + dotted(child.name, fk.columns) + " refers to the primary key of " +
                           parent.name + ", which does not have " + std::to_string(fk.columns.size()) + " column(s)");
        }
    }
    for (const std::string& c : parent_columns) {
        if (!parent.column(c)) {
            throw SqlError("the foreign key " + dotted(child.name, fk.columns) + " refers to " + parent.name + "." + c +
                           ", which does not exist");
        }
    }
    const std::string child_q = q(child.name);
    const std::string parent_q = q(parent.name);
    const std::string n = prefix + std::to_string(fk.id) + ":";
    const std::string refused = "FOREIGN KEY constraint failed: " + dotted(child.name, fk.columns) +
                                " must name a row of " + parent.name;
    const std::string parent_exists =
        "EXISTS (SELECT 1 FROM " + parent_q + " WHERE " + matches(parent_columns, "", fk.columns, "NEW.") + ")";
    const std::string check = " WHEN " + all_not_null(fk.columns, "NEW.") + " AND NOT " + parent_exists +
                              " BEGIN SELECT RAISE(ABORT, " + literal(refused) + "); END";
    std::vector<Trigger> out;
    out.push_back({n + "insert", "CREATE TRIGGER main." + q(n + "insert") + " AFTER INSERT ON " + child_q + check});
    out.push_back({n + "update", "CREATE TRIGGER main." + q(n + "update") + " AFTER UPDATE OF " +
                                     column_list(fk.columns) + " ON " + child_q + check});

    const std::string children_of_old =
        "SELECT 1 FROM " + child_q + " WHERE " + matches(fk.columns, "", parent_columns, "OLD.");
    const std::string where_children = " WHERE " + matches(fk.columns, "", parent_columns, "OLD.");
    const std::string still_referenced = "FOREIGN KEY constraint failed: a row of " + parent.name +
                                         " is still referenced by " + dotted(child.name, fk.columns);
    auto action = [&](const std::string& event, const std::string& rule, bool on_update) {
        std::string name = n + "parent_" + event;
        std::string what = on_update ? "UPDATE OF " + column_list(parent_columns) : std::string("DELETE");
        std::string when = on_update ? " WHEN (" + any_changed(parent_columns) + ")" : std::string();
        std::string r = ascii_upper(rule);
        if (r == "CASCADE") {
            std::string body = on_update ? "UPDATE " + child_q + " SET " +
                                               set_clause(child, fk.columns, false, &parent_columns) + where_children
                                         : "DELETE FROM " + child_q + where_children;
            return Trigger{name, "CREATE TRIGGER main." + q(name) + " AFTER " + what + " ON " + parent_q + when +
                                     " BEGIN " + body + "; END"};
        }
        if (r == "SET NULL" || r == "SET DEFAULT") {
            std::string body =
                "UPDATE " + child_q + " SET " + set_clause(child, fk.columns, r == "SET DEFAULT", nullptr) + where_children;
            return Trigger{name, "CREATE TRIGGER main." + q(name) + " AFTER " + what + " ON " + parent_q + when +
                                     " BEGIN " + body + "; END"};
        }
        // RESTRICT and NO ACTION (checked at once: triggers cannot wait for
        // the end of the statement).
        std::string condition = on_update ? " WHEN (" + any_changed(parent_columns) + ") AND EXISTS (" +
                                                children_of_old + ")"
                                          : " WHEN EXISTS (" + children_of_old + ")";
        return Trigger{name, "CREATE TRIGGER main." + q(name) + " BEFORE " + what + " ON " + parent_q + condition +
                                 " BEGIN SELECT RAISE(ABORT, " + literal(still_referenced) + "); END"};
    };
    out.push_back(action("delete", fk.on_delete, false));
    out.push_back(action("update", fk.on_update, true));
    return out;
}

// A DEFERRABLE INITIALLY DEFERRED foreign key is checked at COMMIT; a
// trigger runs at once, so it cannot stand in for one.
bool declares_deferred(const std::string& sql) {
    return collapse_spaces(ascii_upper(sql)).find("INITIALLY DEFERRED") != std::string::npos;
}

bool is_own_suffix(const std::string& rest) {
    std::size_t colon = rest.find(':');
    if (colon == 0 || colon == std::string::npos) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
    }
    std::string what = rest.substr(colon + 1);
    return what == "insert" || what == "update" || what == "parent_delete" || what == "parent_update";
}

}  // namespace

void theater_enforce_foreign_keys_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "theater_enforce_foreign_keys", [&] {
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        std::string name = text_argument(argv[0], "table");
        std::optional<SchemaTable> child = read_table(db, name);
        if (child && same_name(child->name, "auditions") && table_exists(conn, "theater_schema_migrations")) {
            throw SqlError("auditions is the theater's own table: its migrations keep it consistent (deleting a "
                           "role deletes its auditions), which these triggers would change");
        }
        // The triggers of a dropped table stay on its parents: the call
        // removes them, the only thing left to do.
        std::string prefix = "theater_fk:" + (child ? child->name : name) + ":";
        std::vector<Trigger> wanted;
        if (child) {
            if (declares_deferred(child->sql)) {
                throw SqlError(child->name + " declares a DEFERRABLE INITIALLY DEFERRED foreign key, which is checked "
                               "at COMMIT; triggers check each statement at once and cannot stand in for it: use "
                               "PRAGMA foreign_keys = ON for this table");
            }
            for (const SchemaForeignKey& fk : child->foreign_keys) {
                std::optional<SchemaTable> parent = read_table(db, fk.parent);
                if (!parent) {
                    throw SqlError("the foreign key " + dotted(child->name, fk.columns) + " refers to " + fk.parent +
                                   ", which is not a table of the main database");
                }
                for (Trigger& t : triggers_for(*child, fk, *parent, prefix)) wanted.push_back(std::move(t));
            }
        }
        std::vector<std::string> existing;
        {
            Stmt own = prepare(db, kOwnTriggers);
            sqlite3_bind_text(own.get(), 1, prefix.data(), static_cast<int>(prefix.size()), SQLITE_TRANSIENT);
            while (step(db, own.get())) {
                std::string trigger = column_bytes(own.get(), 0);
                // "theater_fk:kids:" also starts the triggers of a table
                // named "kids:0": only <n>:<what> may follow.
                if (is_own_suffix(trigger.substr(prefix.size()))) existing.push_back(std::move(trigger));
            }
        }
        if (!child && existing.empty()) {
            throw SqlError("no table named '" + name + "' in the main database");
        }
        int enforced = write_transaction(db, "theater_enforce_foreign_keys", [&](Undo& undo) {
            for (const std::string& old : existing) undo.run(("DROP TRIGGER main." + q(old)).c_str());
            for (const Trigger& t : wanted) undo.run(t.sql.c_str());
            undo.pause_guard();
            return child ? static_cast<int>(child->foreign_keys.size()) : 0;
        });
        sqlite3_result_int(ctx, enforced);
    });
}

}  // namespace theater
