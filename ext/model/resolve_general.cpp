// The general path of resolve() (model-layer.md, "Real schemas"): keys of any
// type and width, tables or views, foreign keys of any width or the columns
// the options name, the user's filter and order, trees. The engine serves it
// with one statement per key (JoinPath::General).
#include "core/quote.hpp"
#include "model/fragment.hpp"
#include "model/resolve_detail.hpp"

#include <algorithm>

namespace theater {
namespace detail {

namespace {

using Columns = std::vector<std::string>;

std::string joined(const Columns& columns, const std::string& holder = "") {
    std::string out;
    for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + (holder.empty() ? c : holder + "." + c);
    return out;
}

bool same_columns(const Columns& a, const Columns& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_name(a[i], b[i])) return false;
    }
    return true;
}

// The key of a table: its primary key, else its rowid; empty for a view.
Columns key_of(const SchemaTable& t) {
    if (t.view) return {};
    Columns key = t.primary_key();
    if (key.empty() && !t.rowid_name().empty()) key.push_back(t.rowid_name());
    return key;
}

// Each of `columns` as `table` spells it; the rowid's names are columns of
// a table that has one. Throws naming the option.
Columns need_columns(const SchemaTable& t, const Columns& columns, const char* option) {
    Columns out;
    const Columns aliases = t.rowid_aliases();
    for (const std::string& c : columns) {
        if (const SchemaColumn* column = t.column(c)) {
            out.push_back(column->name);
        } else if (std::any_of(aliases.begin(), aliases.end(),
                               [&](const std::string& alias) { return same_name(alias, c); })) {
            out.push_back(t.rowid_name());
        } else {
            throw SqlError("option " + json_string(option) + ": " + t.name + " has no column named " + json_string(c));
        }
    }
    return out;
}

// Whether `columns` identify at most one row of `t`: its primary key (or
// rowid), or a unique index on exactly those columns.
bool unique_columns(const SchemaTable& t, const Columns& columns) {
    if (t.view) return false;
    auto same_set = [&](const Columns& other) {
        if (other.size() != columns.size()) return false;
        return std::all_of(columns.begin(), columns.end(), [&](const std::string& c) {
            return std::any_of(other.begin(), other.end(), [&](const std::string& o) { return same_name(o, c); });
        });
    };
    if (same_set(key_of(t))) return true;
    for (const SchemaIndex& index : t.indexes) {
        if (index.unique && !index.partial && same_set(index.columns)) return true;
    }
    return false;
}

// What the seek of `t` by `columns` uses, in words (theater_relate's answer).
std::string index_note(const SchemaTable& t, const Columns& columns) {
    if (t.view) {
        return t.name + " is a view: each call runs its query with the join's condition, as the plain join does";
    }
    Columns key = key_of(t);
    if (columns.size() <= key.size() && same_columns(Columns(key.begin(), key.begin() + static_cast<long>(columns.size())), columns)) {
        return "seeks use the primary key of " + t.name;
    }
    for (const SchemaIndex& index : t.indexes) {
        if (index.partial || index.columns.size() < columns.size()) continue;
        if (same_columns(Columns(index.columns.begin(), index.columns.begin() + static_cast<long>(columns.size())), columns)) {
            return "seeks use the index " + index.name;
        }
    }
    std::string name = t.name;
    std::string list;
    for (const std::string& c : columns) {
        name += "_" + c;
        list += (list.empty() ? "" : ", ") + quote_identifier(c);
    }
    return "no index on " + t.name + "(" + joined(columns) + "), so every call scans " + t.name + ": CREATE INDEX " +
           quote_identifier(name) + " ON " + quote_identifier(t.name) + "(" + list + ") to seek";
}

struct ForeignKeyPath {
    JoinPath::Kind kind;
    const SchemaForeignKey* fk;
    std::string holder;  // the table that holds the foreign key
    Columns columns;     // the foreign key's columns
    Columns refs;        // the columns it refers to
};

// The columns a foreign key refers to: those it names, or the parent's key.
Columns referenced_columns(const SchemaForeignKey& fk, const SchemaTable& parent) {
    if (!fk.parent_columns.empty() && !fk.parent_columns[0].empty()) return fk.parent_columns;
    return parent.primary_key();
}

std::string describe(const ForeignKeyPath& c, const std::string& parent) {
    return c.holder + "(" + joined(c.columns) + ") -> " + parent + "(" + joined(c.refs) + ")" +
           (c.kind == JoinPath::kOneToMany ? " (one-to-many)" : " (many-to-one)");
}

bool option_picks(const Options& o, const ForeignKeyPath& c) {
    const std::string* column = o.get("column");
    if (!column) return true;
    // A composite foreign key is named by any of its columns.
    return std::any_of(c.columns.begin(), c.columns.end(),
                       [&](const std::string& fk) { return option_names(*column, c.holder, fk); });
}

// A direct path by a foreign key of any width (one-to-many or many-to-one).
ForeignKeyPath direct_by_foreign_key(const SchemaTable& from, const SchemaTable& to, const Options& o) {
    for (const SchemaTable* t : {&from, &to}) {
        if (t->view) {
            throw SqlError(t->name + " is a view, which has no foreign keys; name the columns that join " + from.name +
                           " and " + to.name + " with '{\"from_column\": ..., \"to_column\": ...}'");
        }
    }
    std::vector<ForeignKeyPath> found;
    for (const SchemaForeignKey& fk : to.foreign_keys) {
        if (same_name(fk.parent, from.name)) {
            found.push_back({JoinPath::kOneToMany, &fk, to.name, fk.columns, referenced_columns(fk, from)});
        }
    }
    for (const SchemaForeignKey& fk : from.foreign_keys) {
        if (same_name(fk.parent, to.name)) {
            found.push_back({JoinPath::kManyToOne, &fk, from.name, fk.columns, referenced_columns(fk, to)});
        }
    }
    if (found.empty()) {
        throw SqlError("no foreign key joins " + from.name + " and " + to.name + ": neither table has a FOREIGN KEY " +
                       "that references the other; declare one in the schema, name the columns with "
                       "'{\"from_column\": ..., \"to_column\": ...}', or name an association table as "
                       "through_table for many-to-many");
    }
    std::vector<ForeignKeyPath> chosen;
    const std::string* direction = o.get("direction");
    for (const ForeignKeyPath& c : found) {
        if (!option_picks(o, c)) continue;
        if (direction && (*direction == "one-to-many") != (c.kind == JoinPath::kOneToMany)) continue;
        chosen.push_back(c);
    }
    auto list = [&](const std::vector<ForeignKeyPath>& cs) {
        std::string out;
        for (const ForeignKeyPath& c : cs) {
            out += (out.empty() ? "" : ", ") + describe(c, c.kind == JoinPath::kOneToMany ? from.name : to.name);
        }
        return out;
    };
    if (chosen.empty()) {
        throw SqlError("the options name no foreign key that joins " + from.name + " and " + to.name +
                       "; the candidates are " + list(found));
    }
    if (chosen.size() > 1) {
        bool self = same_name(from.name, to.name);
        throw SqlError(std::to_string(chosen.size()) + " foreign keys could join " + from.name + " and " + to.name +
                       ": " + list(chosen) + "; name the one to use in the options argument, e.g. '{\"column\": " +
                       json_string(chosen[0].columns[0]) + (self ? ", \"direction\": \"one-to-many\"" : "") + "}'");
    }
    ForeignKeyPath c = chosen[0];
    const SchemaTable& parent = c.kind == JoinPath::kOneToMany ? from : to;
    if (c.refs.size() != c.columns.size()) {
        throw SqlError("the foreign key " + c.holder + "(" + joined(c.columns) + ") refers to the primary key of " +
                       parent.name + ", which does not have " + std::to_string(c.columns.size()) + " column(s)");
    }
    c.refs = need_columns(parent, c.refs, "column");
    if (!unique_columns(parent, c.refs)) {
        // SQLite's own rule (foreignkeys.html, "foreign key mismatch").
        throw SqlError("the foreign key " + c.holder + "(" + joined(c.columns) + ") refers to " + parent.name + "(" +
                       joined(c.refs) + "), which is neither its primary key nor UNIQUE (SQLite calls this a "
                       "foreign key mismatch); make it UNIQUE, or name the columns with '{\"from_column\": ..., "
                       "\"to_column\": ...}' to join them all the same");
    }
    return c;
}

// The link table's foreign key to `side`, for many-to-many by foreign keys;
// `option` (the legacy from_column/to_column) names one of its columns.
const SchemaForeignKey* link_key(const SchemaTable& through, const SchemaTable& side, const SchemaForeignKey* other,
                                 const std::string* option, const char* which) {
    std::vector<const SchemaForeignKey*> found;
    for (const SchemaForeignKey& fk : through.foreign_keys) {
        if (&fk == other || !same_name(fk.parent, side.name)) continue;
        if (option && std::none_of(fk.columns.begin(), fk.columns.end(), [&](const std::string& c) {
                return option_names(*option, through.name, c);
            })) {
            continue;
        }
        found.push_back(&fk);
    }
    if (found.empty()) {
        throw SqlError("no many-to-many path through " + through.name + ": it needs a FOREIGN KEY to " + side.name +
                       (option ? " with the column " + *option : std::string()) +
                       "; or name the columns with '{\"through_from\": ..., \"through_to\": ...}'");
    }
    if (found.size() > 1) {
        throw SqlError(std::to_string(found.size()) + " foreign keys of " + through.name + " refer to " + side.name +
                       "; name the one to use with '{\"" + which + "\": " + json_string(found[0]->columns[0]) + "}'");
    }
    return found[0];
}

ReadableTable readable(const SchemaTable& t) {
    ReadableTable r;
    r.name = t.name;
    for (const SchemaColumn& c : t.columns) r.columns.emplace_back(c.name, c.type);
    r.has_rowid = !t.rowid_name().empty();
    return r;
}

std::string json_list(const Columns& columns) {
    if (columns.size() == 1) return json_string(columns[0]);
    std::string out = "[";
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + json_string(columns[i]);
    return out + "]";
}

}  // namespace

// A column's collating sequence, as SQLite reads it from the schema; empty
// for BINARY, and for a view's column, whose collation SQLite does not
// report; "?" where this SQLite cannot say.
std::string collation_of(sqlite3* db, const SchemaTable& t, const std::string& column) {
    // A SQLite built without SQLITE_ENABLE_COLUMN_METADATA hands extensions
    // no sqlite3_table_column_metadata (a null routine): the collation is
    // then unknown, which the engine treats as not BINARY.
    if (!sqlite3_api || !sqlite3_api->table_column_metadata) return "?";
    const char* collation = nullptr;
    int rc = sqlite3_table_column_metadata(db, "main", t.name.c_str(), column.c_str(), nullptr, &collation, nullptr,
                                           nullptr, nullptr);
    if ((rc & 0xff) == SQLITE_NOMEM) throw SqlError("out of memory", SQLITE_NOMEM);
    if (rc != SQLITE_OK || !collation || same_name(collation, "BINARY")) return "";
    return collation;
}


bool needs_general(const Options& o, const Declaration& d) {
    if (o.has("where") || o.has("order_by") || o.recursive || o.has("through_from") || o.has("through_to")) return true;
    if (d.through_table.empty() && (o.has("from_column") || o.has("to_column"))) return true;
    for (const auto& list : o.lists) {
        if (list.second.size() != 1 || o.values.count(list.first) == 0) return true;  // an array
    }
    return false;
}

Resolved resolve_general(sqlite3* db, const Declaration& d, const Options& o) {
    SchemaTable from = need_relation(db, d.from_table, "from_table");
    Target target = need_target(db, d.to_table);
    const SchemaTable* to = &target.table;
    const std::string& proxy = target.proxy;
    std::optional<SchemaTable> through;
    if (!d.through_table.empty()) {
        through = need_relation(db, d.through_table, "through_table");
        if (same_name(through->name, to->name) || same_name(through->name, from.name)) {
            throw SqlError("through_table: " + through->name + " is one of the two tables it would link");
        }
    }

    JoinPath p;
    p.general = true;
    p.from_table = from.name;
    p.to_table = to->name;
    JoinPath::General& g = p.g;

    // The source's key: what the arguments are compared with.
    Columns key = key_of(from);
    if (from.view) {
        const Columns* named = o.list("from_column");
        if (!named) {
            throw SqlError("from_table: " + from.name + " is a view, which has no key; name the column(s) that "
                           "identify its rows with '{\"from_column\": ...}'");
        }
        key = need_columns(from, *named, "from_column");
    }
    if (key.empty()) throw SqlError("from_table: " + from.name + " has no key (no primary key and no rowid name free)");
    Columns to_key = key_of(*to);

    // The columns an option names, or else `key` (a view has none to give).
    auto named_or_key = [&](const SchemaTable& t, const char* option, const Columns& key_of_t) {
        if (const Columns* named = o.list(option)) return need_columns(t, *named, option);
        if (t.view) {
            throw SqlError(std::string(&t == &from ? "from_table: " : "to_table: ") + t.name +
                           " is a view, which has no key; name its column(s) with '{" + json_string(option) +
                           ": ...}'");
        }
        return key_of_t;
    };
    std::string by;    // the join in words
    std::string note;  // which index the seek uses
    Columns from_columns;
    if (!through) {
        if (o.has("through_from") || o.has("through_to")) {
            throw SqlError("\"through_from\" and \"through_to\" name the columns of a through_table; there is none");
        }
        if (o.has("from_column") || o.has("to_column")) {
            if (o.get("column")) {
                throw SqlError("\"column\" names a foreign key; with \"from_column\" and \"to_column\" there is none "
                               "to name");
            }
            from_columns = named_or_key(from, "from_column", key);
            g.first_columns = named_or_key(*to, "to_column", to_key);
            if (from_columns.size() != g.first_columns.size()) {
                throw SqlError("\"from_column\" names " + std::to_string(from_columns.size()) +
                               " column(s) and \"to_column\" " + std::to_string(g.first_columns.size()) +
                               "; they are matched in pairs");
            }
            const std::string* direction = o.get("direction");
            bool to_one = direction ? *direction == "many-to-one" : unique_columns(*to, g.first_columns);
            p.kind = to_one ? JoinPath::kManyToOne : JoinPath::kOneToMany;
        } else {
            ForeignKeyPath c = direct_by_foreign_key(from, *to, o);
            p.kind = c.kind;
            from_columns = c.kind == JoinPath::kOneToMany ? c.refs : c.columns;
            g.first_columns = c.kind == JoinPath::kOneToMany ? c.columns : c.refs;
        }
        by = to->name + "(" + joined(g.first_columns) + ") = " + from.name + "(" + joined(from_columns) + ")";
        note = index_note(*to, g.first_columns);
        // A view's key need not be unique: one argument may name several rows.
        p.unique = !from.view && unique_columns(*to, g.first_columns);
    } else {
        if (o.get("column") || o.get("direction")) {
            throw SqlError("with a through_table, name its columns with \"through_from\" and \"through_to\"");
        }
        p.kind = JoinPath::kManyToMany;
        g.link_table = through->name;
        Columns to_columns;
        if (o.has("through_from") || o.has("through_to")) {
            const Columns* tf = o.list("through_from");
            const Columns* tt = o.list("through_to");
            if (!tf || !tt) throw SqlError("name both \"through_from\" and \"through_to\", the link table's columns");
            g.first_columns = need_columns(*through, *tf, "through_from");
            g.link_columns = need_columns(*through, *tt, "through_to");
            from_columns = named_or_key(from, "from_column", key);
            to_columns = named_or_key(*to, "to_column", to_key);
        } else {
            // By the link table's foreign keys; from_column and to_column,
            // if given, name its columns (as before through_from existed).
            if (through->view || from.view || to->view) {
                throw SqlError("a view has no foreign keys; name the link's columns with '{\"through_from\": ..., "
                               "\"through_to\": ...}'");
            }
            for (const char* option : {"from_column", "to_column"}) {
                const Columns* list = o.list(option);
                if (list && list->size() != 1) {
                    throw SqlError("option " + json_string(option) + " names one column of " + through->name +
                                   " here; for several, use \"through_from\" and \"through_to\"");
                }
            }
            auto one = [&](const char* option) { return o.list(option) ? &o.list(option)->front() : nullptr; };
            const SchemaForeignKey* a = link_key(*through, from, nullptr, one("from_column"), "from_column");
            const SchemaForeignKey* b = link_key(*through, *to, a, one("to_column"), "to_column");
            g.first_columns = a->columns;
            g.link_columns = b->columns;
            from_columns = need_columns(from, referenced_columns(*a, from), "from_column");
            to_columns = need_columns(*to, referenced_columns(*b, *to), "to_column");
        }
        if (from_columns.size() != g.first_columns.size() || to_columns.size() != g.link_columns.size()) {
            throw SqlError("the link's columns and the columns they match differ in number: " + through->name + "(" +
                           joined(g.first_columns) + ") = " + from.name + "(" + joined(from_columns) + "), " +
                           through->name + "(" + joined(g.link_columns) + ") = " + to->name + "(" +
                           joined(to_columns) + ")");
        }
        g.to_columns = to_columns;
        by = through->name + "(" + joined(g.first_columns) + ") and " + through->name + "(" +
             joined(g.link_columns) + ")";
        note = index_note(*through, g.first_columns);
    }
    g.from_columns = from_columns;
    bool by_key = same_columns(from_columns, key);

    // The arguments: one per key column (model-layer.md).
    if (const Columns* named = o.list("argument")) {
        if (named->size() != key.size()) {
            throw SqlError("option \"argument\" names " + std::to_string(named->size()) + " column(s); the key of " +
                           from.name + " has " + std::to_string(key.size()));
        }
        g.arguments = *named;
    } else if (p.kind != JoinPath::kManyToOne && by_key) {
        g.arguments = g.first_columns;
    } else {
        for (const std::string& k : key) g.arguments.push_back(from.name + "_" + k);
    }
    for (const std::string& k : key) {
        g.keys.emplace_back(k, affinity_of(from, k));
        g.key_collations.push_back(collation_of(db, from, k));
    }

    // The columns returned.
    bool drops = p.kind == JoinPath::kOneToMany && by_key && !o.list("argument");
    if (!proxy.empty()) {
        p.to_columns.push_back({proxy, column_type(to->column(proxy)->type)});
    } else {
        for (const SchemaColumn& c : to->columns) {
            if (drops && std::any_of(g.first_columns.begin(), g.first_columns.end(),
                                     [&](const std::string& fk) { return same_name(fk, c.name); })) {
                continue;
            }
            p.to_columns.push_back({c.name, column_type(c.type)});
        }
        if (p.to_columns.empty()) {
            throw SqlError("to_table: " + to->name + " has no column but " + joined(g.first_columns) +
                           ", the relationship's own key (the argument); it has nothing to return");
        }
    }
    for (const std::string& argument : g.arguments) {
        for (const auto& column : p.to_columns) {
            if (same_name(column.first, argument)) {
                throw SqlError("the argument column " + json_string(argument) + " has the name of a column of " +
                               to->name + "; rename it with '{\"argument\": \"...\"}'");
            }
        }
    }
    for (std::size_t i = 0; i < g.arguments.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (same_name(g.arguments[i], g.arguments[j])) {
                throw SqlError("two argument columns would be named " + json_string(g.arguments[i]) +
                               "; name them with '{\"argument\": [...]}'");
            }
        }
    }

    // The rows' own order, after the user's.
    const SchemaTable& holder = through ? *through : *to;
    g.tie_break_on_link = static_cast<bool>(through);
    if (!holder.view) {
        std::string rowid = rowid_column(db, holder);
        if (through) {
            // The order the link's index on its columns to from_table yields.
            if (const SchemaIndex* index = holder.index_leading_with(g.first_columns[0])) {
                for (std::size_t i = g.first_columns.size(); i < index->columns.size(); ++i) {
                    if (index->columns[i].empty()) break;
                    g.tie_break.push_back(index->columns[i]);
                }
            }
        }
        if (!rowid.empty()) {
            g.tie_break.push_back(rowid);
        } else {
            for (const std::string& k : key_of(holder)) {
                if (std::none_of(g.tie_break.begin(), g.tie_break.end(), [&](const std::string& c) { return same_name(c, k); })) {
                    g.tie_break.push_back(k);
                }
            }
        }
    }

    // The user's filter and order (model/fragment.hpp): untrusted text.
    std::vector<ReadableTable> tables{readable(*to)};
    if (through) tables.push_back(readable(*through));
    std::string where;
    if (const std::string* w = o.get("where")) {
        check_fragment_text("where", *w);
        where = *w;
    }
    std::vector<OrderTerm> order;
    if (const std::string* ob = o.get("order_by")) order = split_order_by(*ob);
    if (!where.empty() || !order.empty()) validate_fragments(db, tables, where, order);
    g.where = where;
    for (const OrderTerm& term : order) g.order_by.emplace_back(term.expr, term.suffix);

    if (o.recursive) {
        if (!same_name(from.name, to->name) || from.view || !proxy.empty()) {
            throw SqlError("option \"recursive\" needs a self-referencing relationship: from_table and to_table must "
                           "be the same table (not a view, not a column)");
        }
        for (const auto& column : p.to_columns) {
            if (same_name(column.first, kDepthColumn)) {
                throw SqlError("a tree adds a column named depth, and " + to->name + " has one");
            }
        }
        for (const std::string& argument : g.arguments) {
            if (same_name(argument, kDepthColumn)) {
                throw SqlError("a tree adds a column named depth; rename the argument with '{\"argument\": ...}'");
            }
        }
        g.recursive = true;
        g.max_depth = o.max_depth;
        g.identity = key;
        g.next = from_columns;
        // The affinity class of each pair (INTEGER, REAL and NUMERIC are one:
        // they compare numbers as numbers either way).
        auto affinity_class = [](const std::string& a) {
            return a == "TEXT" || a == "BLOB" ? a : std::string("NUMERIC");
        };
        const SchemaTable& first = through ? *through : *to;
        g.children_by_value = true;
        for (std::size_t i = 0; i < from_columns.size(); ++i) {
            if (affinity_class(affinity_of(first, g.first_columns[i])) != affinity_class(affinity_of(from, from_columns[i]))) {
                g.children_by_value = false;
            }
        }
    }

    WriteShape shape;
    shape.from = &from;
    shape.to = &*to;
    shape.link = through ? &*through : nullptr;
    shape.kind = p.kind;
    shape.recursive = g.recursive;
    shape.source_ref = from_columns;
    shape.holder_fk = g.first_columns;
    shape.link_to = g.link_columns;
    shape.target_ref = g.to_columns;
    shape.where = g.where;
    RelationshipSpec::Write write = plan_writes(db, shape, o, p.to_columns);
    // The rows' rowid is their holder's where the relationship takes writes.
    if (write.refusal.empty()) g.holder_rowid = write.holder_rowid;

    Resolved r;
    r.spec = spec_for(d.name, p);
    r.spec.write = write;
    if (p.kind == JoinPath::kManyToOne && !from.view && unique_columns(from, from_columns)) r.spec.about.kind = "one-to-one";
    if (g.recursive) {
        r.spec.about.kind = p.kind == JoinPath::kManyToOne ? "tree of ancestors" : "tree of descendants";
    }
    // Compiled here so that a mistake shows now, in SQLite's words.
    try {
        prepare(db, seek_sql(r.spec));
    } catch (const SqlError& e) {
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        throw SqlError(std::string("the relationship's query does not compile: ") + e.what());
    }
    std::string arguments;
    for (const std::string& a : g.arguments) arguments += (arguments.empty() ? "" : ", ") + a;
    r.summary = d.name + "(" + arguments + "): " + r.spec.about.kind + " from " + from.name + " to " + to->name +
                (proxy.empty() ? "" : "." + proxy) + " by " + by + "; " + note;

    // Stored with every choice named, so that a later load finds the same
    // path even if the schema gains another candidate.
    std::string stored;
    auto add = [&](const char* k, const std::string& json) {
        stored += (stored.empty() ? "{" : ", ") + json_string(k) + ": " + json;
    };
    if (through) {
        add("through_from", json_list(g.first_columns));
        add("through_to", json_list(g.link_columns));
        add("from_column", json_list(from_columns));
        add("to_column", json_list(g.to_columns));
    } else {
        add("from_column", json_list(from_columns));
        add("to_column", json_list(g.first_columns));
        add("direction", json_string(p.kind == JoinPath::kManyToOne ? "many-to-one" : "one-to-many"));
    }
    if (o.list("argument")) add("argument", json_list(g.arguments));
    if (!where.empty()) add("where", json_string(where));
    if (const std::string* ob = o.get("order_by")) add("order_by", json_string(*ob));
    if (g.recursive) add("recursive", "true");
    if (g.max_depth) add("max_depth", std::to_string(g.max_depth));
    if (!stored_on_remove(o).empty()) add("on_remove", json_string(stored_on_remove(o)));
    if (const std::string* view = o.get("view")) {
        if (view->empty()) throw SqlError("option \"view\" must not be empty");
        if (g.recursive) {
            throw SqlError("option \"view\" cannot publish a tree: a plain view has no walk that returns each row "
                           "once; query the function");
        }
        add("view", json_string(*view));
        r.view = *view;
    }
    r.stored.name = d.name;
    r.stored.from_table = from.name;
    r.stored.to_table = proxy.empty() ? to->name : to->name + "." + proxy;
    r.stored.through_table = through ? through->name : std::string();
    r.stored.options = stored + "}";
    return r;
}

std::vector<std::string> general_argument_names(sqlite3* db, const Declaration& d, const Options& o) {
    if (const Columns* named = o.list("argument")) return *named;
    std::optional<SchemaTable> from = read_relation(db, d.from_table);
    Columns key = from ? key_of(*from) : Columns();
    const Columns* f = o.list("from_column");
    if (from && from->view && f) key = *f;
    if (key.empty()) key = f ? *f : Columns{"id"};
    bool by_key = !f || same_columns(*f, key);
    const std::string* direction = o.get("direction");
    if (by_key && !d.through_table.empty() && o.list("through_from")) return *o.list("through_from");
    if (by_key && d.through_table.empty() && direction && *direction == "one-to-many" && o.list("to_column")) {
        return *o.list("to_column");
    }
    Columns out;
    for (const std::string& k : key) out.push_back((from ? from->name : d.from_table) + "_" + k);
    return out;
}

}  // namespace detail
}  // namespace theater
