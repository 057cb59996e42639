// theater_enforce_foreign_keys(table): makes the table's foreign keys into
// triggers (model/fk_triggers.hpp) and puts every theater_fk trigger on the
// tables it touches in SQLite's order (model-layer.md, "Integrity without
// the pragma"). A call drops the child's triggers and makes them again from
// the schema as it is, and makes the theater_fk triggers of the other
// children on the same tables again, unchanged, to put every trigger on
// those tables in that order.
#include "model/model.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/quote.hpp"
#include "core/write_transaction.hpp"
#include "migrations/theater_tables.hpp"
#include "model/fk_triggers.hpp"
#include "model/schema.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace theater {

namespace {

constexpr const char* kTriggers = "SELECT name, tbl_name, sql FROM main.sqlite_master WHERE type = 'trigger' "
                                  "AND substr(name, 1, 11) = 'theater_fk:' COLLATE NOCASE ORDER BY rowid";
constexpr const char* kTableRow =
    "SELECT rowid FROM main.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE";
constexpr const char* kReferencing =
    "SELECT f.\"table\", f.\"to\" FROM main.sqlite_master AS m, pragma_foreign_key_list(m.name, 'main') AS f "
    "WHERE m.type = 'table'";
constexpr const char* kKeyActions =
    "SELECT on_delete, on_update FROM pragma_foreign_key_list(?1, 'main') WHERE id = ?2 LIMIT 1";


sqlite3_int64 table_row(sqlite3* db, const std::string& table) {
    Stmt find = prepare(db, kTableRow);
    bind_text(find.get(), 1, table);
    return step(db, find.get()) ? sqlite3_column_int64(find.get(), 0) : 0;
}

// The columns of `t` that belong to a key, its own or a parent key another
// key refers to: an UPDATE that sets none of them is no foreign key work
// for SQLite (sqlite3FkRequired), and checks no key of the table.
std::vector<std::string> key_columns_of(sqlite3* db, const SchemaTable& t) {
    std::vector<std::string> out;
    for (const SchemaForeignKey& fk : t.foreign_keys) {
        for (const std::string& c : fk.columns) add_unique(out, c);
    }
    Stmt referencing = prepare(db, kReferencing);
    while (step(db, referencing.get())) {
        if (!same_name(column_bytes(referencing.get(), 0), t.name)) continue;
        if (sqlite3_column_type(referencing.get(), 1) == SQLITE_NULL) {
            for (const std::string& c : t.primary_key()) add_unique(out, c);
        } else {
            add_unique(out, column_bytes(referencing.get(), 1));
        }
    }
    return out;
}

// Another table's trigger on one of the tables this call writes triggers
// on, to be made again as it is, in its place: a check, or an action whose
// place comes from its child table and key.
FkTrigger placed(sqlite3* db, const FkTriggerName& n, std::string name, std::string table, std::string sql) {
    FkTrigger t{std::move(name), std::move(table), std::move(sql), true, table_row(db, n.child), n.id};
    if (n.what == "parent_delete" || n.what == "parent_update") {
        Stmt actions = prepare(db, kKeyActions);
        bind_text(actions.get(), 1, n.child);
        sqlite3_bind_int(actions.get(), 2, n.id);
        // Without an action, the trigger is the check of NO ACTION.
        t.check = step(db, actions.get()) &&
                  ascii_upper(column_bytes(actions.get(), n.what == "parent_delete" ? 0 : 1)) == "NO ACTION";
    }
    return t;
}

// The theater_fk triggers of the main database.
struct Found {
    std::string name, table, sql;
};

// Whose triggers are whose. A trigger is its child's, the table its name
// says, but for a child renamed (ALTER TABLE RENAME) since its triggers
// were made: SQLite keeps them, their SQL made to name the new name, under
// their old names "theater_fk:<old name>:...". Its own insert and update
// triggers are ON it, and say which table the old name is now.
class Owners {
public:
    explicit Owners(const std::vector<Found>& found) {
        for (const Found& f : found) {
            std::optional<FkTriggerName> n = parse_fk_trigger_name(f.name);
            if (n && (n->what == "insert" || n->what == "update") && !same_name(n->child, f.table)) {
                renamed_.emplace_back(n->child, f.table);
            }
        }
    }
    // The child table the trigger of that name belongs to.
    std::string of(const FkTriggerName& n) const {
        for (const auto& [before, now] : renamed_) {
            if (same_name(before, n.child)) return now;
        }
        return n.child;
    }

private:
    std::vector<std::pair<std::string, std::string>> renamed_;  // old name, table
};

int enforce(Connection& conn, const std::string& name, GuardedWrite& write) {
    sqlite3* db = conn.db();
    std::optional<SchemaTable> child = read_table(db, name);
    if (child && same_name(child->name, kAuditionsTable) && table_exists(conn, kMigrationsTable)) {
        throw SqlError(std::string(kAuditionsTable) + " is the theater's own table: its migrations keep it "
                       "consistent (deleting a role deletes its auditions), which these triggers would change");
    }
    // The triggers of a dropped table stay on its parents: the call
    // removes them, the only thing left to do.
    const std::string target = child ? child->name : name;
    const std::string prefix = kFkTriggerPrefix + target + ":";
    std::vector<FkTrigger> wanted;
    std::vector<std::string> tables;  // the tables whose theater_fk triggers are made again
    if (child) {
        if (declares_deferred(child->sql)) {
            throw SqlError(child->name + " declares a DEFERRABLE INITIALLY DEFERRED foreign key, which is checked "
                           "at COMMIT; triggers check each statement at once and cannot stand in for it: use "
                           "PRAGMA foreign_keys = ON for this table");
        }
        sqlite3_int64 row = table_row(db, child->name);
        add_unique(tables, child->name);
        std::vector<std::string> key_columns = key_columns_of(db, *child);
        for (const SchemaForeignKey& fk : child->foreign_keys) {
            std::optional<SchemaTable> parent = same_name(fk.parent, child->name) ? child : read_table(db, fk.parent);
            if (!parent) {
                throw SqlError("the foreign key " + dotted(child->name, fk.columns) + " refers to " + fk.parent +
                               ", which is not a table of the main database");
            }
            for (FkTrigger& t : fk_triggers_for(*child, fk, *parent, prefix, row, key_columns)) {
                wanted.push_back(std::move(t));
            }
            add_unique(tables, parent->name);
        }
    }
    std::vector<Found> found;
    {
        Stmt all = prepare(db, kTriggers);
        while (step(db, all.get())) {
            found.push_back({column_bytes(all.get(), 0), column_bytes(all.get(), 1), column_bytes(all.get(), 2)});
        }
    }
    const Owners owners(found);
    // This table's, to drop: "theater_fk:kids:" also starts the triggers of
    // a table named "kids:0", and parse_fk_trigger_name() takes only <n>:<what> after
    // the child's name.
    std::vector<std::string> existing;
    for (const Found& f : found) {
        std::optional<FkTriggerName> n = parse_fk_trigger_name(f.name);
        if (n && same_name(owners.of(*n), target)) {
            existing.push_back(f.name);
            add_unique(tables, f.table);
        }
    }
    if (!child && existing.empty()) {
        throw SqlError("no table named '" + name + "' in the main database");
    }
    auto is_existing = [&](const std::string& trigger) {
        return std::any_of(existing.begin(), existing.end(),
                           [&](const std::string& e) { return same_name(e, trigger); });
    };
    // A renamed table's triggers still hold this table's names.
    for (const FkTrigger& t : wanted) {
        for (const Found& f : found) {
            std::optional<FkTriggerName> n = parse_fk_trigger_name(f.name);
            if (n && same_name(f.name, t.name) && !is_existing(f.name)) {
                const std::string owner = owners.of(*n);
                throw SqlError("the triggers of " + owner + " are still named for " + n->child +
                               ", its name before ALTER TABLE RENAME: run SELECT theater_enforce_foreign_keys(" +
                               sql_literal(owner) + ") first");
            }
        }
    }
    std::vector<FkTrigger> others;  // other tables' triggers on `tables`, to make again in order
    for (const Found& f : found) {
        std::optional<FkTriggerName> n = parse_fk_trigger_name(f.name);
        if (!n || is_existing(f.name) ||
            std::none_of(tables.begin(), tables.end(), [&](const std::string& t) { return same_name(t, f.table); })) {
            continue;
        }
        n->child = owners.of(*n);
        others.push_back(placed(db, *n, f.name, f.table, f.sql));
    }
    std::vector<FkTrigger> all = wanted;
    all.insert(all.end(), others.begin(), others.end());
    std::stable_sort(all.begin(), all.end(), runs_later);
    for (const std::string& old : existing) write.run(("DROP TRIGGER main." + quote_identifier(old)).c_str());
    for (const FkTrigger& t : others) write.run(("DROP TRIGGER main." + quote_identifier(t.name)).c_str());
    for (const FkTrigger& t : all) write.run(t.sql.c_str());
    write.pause_guard();
    return child ? static_cast<int>(child->foreign_keys.size()) : 0;
}

}  // namespace

void theater_enforce_foreign_keys_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "theater_enforce_foreign_keys", [&] {
        Connection& conn = Connection::of(ctx);
        std::string name = text_argument(argv[0], "table");
        // The schema is read inside the transaction, under its write lock
        // (or the caller's snapshot): another connection cannot change it
        // between the reading and the writing.
        int enforced = write_transaction(conn.db(), "theater_enforce_foreign_keys",
                                         [&](GuardedWrite& write) { return enforce(conn, name, write); });
        sqlite3_result_int(ctx, enforced);
    });
}

}  // namespace theater
