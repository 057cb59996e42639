// Declaration -> join path: a declared relationship's path found in the
// schema's foreign keys (model-layer.md, "Declaring"); the engine's
// spec_for() turns it into the spec it serves.
#include "model/resolve.hpp"

#include "core/quote.hpp"
#include "model/options.hpp"
#include "model/resolve_detail.hpp"

#include <cctype>

namespace theater {

namespace detail {

// A declared type as a virtual table column's type: its affinity's name.
// The declared text itself could hold HIDDEN, COLLATE or a quoted name that
// would change what the virtual table declares.
std::string column_type(const std::string& declared) { return affinity(declared); }

// A column's affinity; the rowid (not a column) is INTEGER.
std::string affinity_of(const SchemaTable& table, const std::string& column) {
    const SchemaColumn* c = table.column(column);
    if (c) return affinity(c->type);
    return same_name(column, table.rowid_name()) ? "INTEGER" : "BLOB";
}

// Whether a column (or the rowid) has INTEGER, REAL or NUMERIC affinity.
bool numeric_affinity_of(const SchemaTable& table, const std::string& column) {
    std::string a = affinity_of(table, column);
    return a == "INTEGER" || a == "REAL" || a == "NUMERIC";
}

constexpr const char* kPrimaryKeyIndex = "SELECT 1 FROM pragma_index_list(?1, 'main') WHERE origin = 'pk'";

// The name that reads `table`'s rowid, preferring the column that is it.
// SchemaTable::rowid_column() takes a one-column INTEGER PRIMARY KEY for the
// rowid; SQLite does not when the key is declared "INTEGER PRIMARY KEY DESC"
// (a quirk kept for compatibility): that key is a column of its own with an
// index, which pragma_index_list reports with origin 'pk'. Ordering by it
// would not be rowid order, and two of its values may be NULL.
std::string rowid_column(sqlite3* db, const SchemaTable& table) {
    std::string column = table.rowid_column();
    if (column.empty() || !table.column(column)) return column;
    Stmt index = prepare(db, kPrimaryKeyIndex);
    bind_text(index.get(), 1, table.name);
    return step(db, index.get()) ? table.rowid_name() : column;
}

SchemaTable need_relation(sqlite3* db, const std::string& name, const char* role) {
    std::optional<SchemaTable> t = read_relation(db, name);
    if (!t) {
        throw SqlError(std::string(role) + ": no table or view named " + json_string(name) + " in the main database");
    }
    return *t;
}

// The column a foreign key refers to: the one it names, or the parent's
// one-column primary key.
std::string referenced(const SchemaForeignKey& fk, const SchemaTable& parent) {
    if (!fk.parent_columns[0].empty()) return fk.parent_columns[0];
    std::vector<std::string> key = parent.primary_key();
    return key.size() == 1 ? key[0] : std::string();
}

struct Candidate {
    JoinPath::Kind kind;
    std::string table;   // that holds the foreign key
    std::string column;  // the foreign key column
    std::string ref;     // the column it references
};

std::string describe_candidate(const Candidate& c, const std::string& parent) {
    return c.table + "." + c.column + " -> " + parent + "." + c.ref +
           (c.kind == JoinPath::kOneToMany ? " (one-to-many)" : " (many-to-one)");
}

// Does an option naming a column ("author_id" or "books.author_id") pick
// the foreign key `column` of `table`?
bool option_names(const std::string& option, const std::string& table, const std::string& column) {
    std::size_t dot = option.rfind('.');
    if (dot != std::string::npos && same_name(option.substr(0, dot), table) &&
        same_name(option.substr(dot + 1), column)) {
        return true;
    }
    return same_name(option, column);
}

bool single_column(const SchemaForeignKey& fk) { return fk.columns.size() == 1; }

Target need_target(sqlite3* db, const std::string& to_table) {
    Target t;
    std::optional<SchemaTable> found = read_relation(db, to_table);
    if (!found) {
        // 'table.column': the association proxy form. A table whose name
        // holds a dot is found whole first, above.
        std::size_t dot = to_table.rfind('.');
        if (dot != std::string::npos) {
            found = read_relation(db, to_table.substr(0, dot));
            t.proxy = to_table.substr(dot + 1);
        }
        if (!found) {
            throw SqlError("to_table: no table or view named " + json_string(to_table) + " in the main database");
        }
        const SchemaColumn* column = found->column(t.proxy);
        if (!column) throw SqlError("to_table: " + found->name + " has no column named " + json_string(t.proxy));
        t.proxy = column->name;
    }
    t.table = std::move(*found);
    return t;
}

}  // namespace detail

namespace {

using namespace detail;

// The integer path (JoinPath's fields before General) serves a relationship
// whose source has an integer key and whose path is one-column foreign keys
// between tables with rowids; anything else goes the general way
// (resolve_general.cpp), which is thrown here from where the integer path
// finds it cannot serve.
struct NotInteger {};

SchemaTable need_table(sqlite3* db, const std::string& name, const char* role) {
    SchemaTable t = need_relation(db, name, role);
    if (t.view) throw NotInteger();
    return t;
}

// SQLite's own rule for the column a foreign key refers to: the parent's
// primary key or a column UNIQUE by itself (foreignkeys.html, "foreign key
// mismatch"). Without it one child would belong to every parent row that
// shares the value: the join repeats it under several keys, with one rowid.
void require_unique(const SchemaTable& parent, const std::string& ref, const std::string& child,
                    const std::string& column) {
    if (parent.unique_column(ref)) return;
    throw SqlError("the foreign key " + child + "." + column + " refers to " + parent.name + "." + ref +
                   ", which is neither its primary key nor UNIQUE (SQLite calls this a foreign key mismatch); "
                   "make " + parent.name + "." + ref + " UNIQUE");
}

void resolve_direct(const SchemaTable& from, const SchemaTable& to, const Options& o, JoinPath& p) {
    std::vector<Candidate> found;
    bool composite = false;
    for (const SchemaForeignKey& fk : to.foreign_keys) {
        if (!same_name(fk.parent, from.name)) continue;
        if (!single_column(fk)) {
            composite = true;
            continue;
        }
        found.push_back({JoinPath::kOneToMany, to.name, fk.columns[0], referenced(fk, from)});
    }
    for (const SchemaForeignKey& fk : from.foreign_keys) {
        if (!same_name(fk.parent, to.name)) continue;
        if (!single_column(fk)) {
            composite = true;
            continue;
        }
        found.push_back({JoinPath::kManyToOne, from.name, fk.columns[0], referenced(fk, to)});
    }
    std::vector<Candidate> chosen;
    for (const Candidate& c : found) {
        const std::string* column = o.get("column");
        const std::string* direction = o.get("direction");
        if (column && !option_names(*column, c.table, c.column)) continue;
        if (direction && (*direction == "one-to-many") != (c.kind == JoinPath::kOneToMany)) continue;
        chosen.push_back(c);
    }
    if (found.empty() && composite) throw NotInteger();
    if (found.empty()) {
        throw SqlError("no foreign key joins " + from.name + " and " + to.name + ": neither table has a FOREIGN KEY " +
                       "that references the other" + (composite ? " (composite foreign keys are not supported)" : "") +
                       "; declare one in the schema, or name an association table as through_table for "
                       "many-to-many");
    }
    auto list = [&](const std::vector<Candidate>& cs) {
        std::string out;
        for (const Candidate& c : cs) {
            if (!out.empty()) out += ", ";
            out += describe_candidate(c, c.kind == JoinPath::kOneToMany ? from.name : to.name);
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
                       json_string(chosen[0].column) + (self ? ", \"direction\": \"one-to-many\"" : "") + "}'");
    }
    const Candidate& c = chosen[0];
    if (c.ref.empty()) throw NotInteger();
    require_unique(c.kind == JoinPath::kOneToMany ? from : to, c.ref, c.table, c.column);
    p.kind = c.kind;
    p.fk = c.column;
    p.ref = c.ref;
    if (c.kind == JoinPath::kOneToMany) {
        p.unique = to.unique_column(c.column);
    } else {
        p.unique = true;
    }
}

void resolve_through(const SchemaTable& from, const SchemaTable& to, const SchemaTable& through, const Options& o,
                     JoinPath& p) {
    std::vector<const SchemaForeignKey*> to_from, to_to;
    for (const SchemaForeignKey& fk : through.foreign_keys) {
        if (!single_column(fk)) {
            // A composite key to either side: the general path serves it. One
            // to another table is no path here, as before.
            if (same_name(fk.parent, from.name) || same_name(fk.parent, to.name)) throw NotInteger();
            continue;
        }
        if (same_name(fk.parent, from.name)) to_from.push_back(&fk);
        if (same_name(fk.parent, to.name)) to_to.push_back(&fk);
    }
    if (to_from.empty() || to_to.empty()) {
        throw SqlError("no many-to-many path through " + through.name + ": it needs a FOREIGN KEY to " +
                       (to_from.empty() ? from.name : to.name) + " (one-column foreign keys only)");
    }
    struct Pair {
        const SchemaForeignKey* from;
        const SchemaForeignKey* to;
    };
    std::vector<Pair> all, chosen;
    for (const SchemaForeignKey* a : to_from) {
        for (const SchemaForeignKey* b : to_to) {
            if (a == b) continue;
            all.push_back({a, b});
            const std::string* fc = o.get("from_column");
            const std::string* tc = o.get("to_column");
            if (fc && !option_names(*fc, through.name, a->columns[0])) continue;
            if (tc && !option_names(*tc, through.name, b->columns[0])) continue;
            chosen.push_back({a, b});
        }
    }
    auto list = [&](const std::vector<Pair>& ps) {
        std::string out;
        for (const Pair& pair : ps) {
            if (!out.empty()) out += ", ";
            out += through.name + "." + pair.from->columns[0] + " -> " + from.name + " with " + through.name + "." +
                   pair.to->columns[0] + " -> " + to.name;
        }
        return out;
    };
    if (all.empty()) {
        throw SqlError("no many-to-many path through " + through.name + ": it needs two different foreign keys, one to " +
                       from.name + " and one to " + to.name);
    }
    if (chosen.empty()) {
        throw SqlError("the options name no path through " + through.name + "; the candidates are " + list(all));
    }
    if (chosen.size() > 1) {
        throw SqlError(std::to_string(chosen.size()) + " paths through " + through.name + " could join " + from.name +
                       " to " + to.name + ": " + list(chosen) + "; name them in the options argument, e.g. " +
                       "'{\"from_column\": " + json_string(chosen[0].from->columns[0]) +
                       ", \"to_column\": " + json_string(chosen[0].to->columns[0]) + "}'");
    }
    p.kind = JoinPath::kManyToMany;
    p.through_table = through.name;
    p.fk = chosen[0].from->columns[0];
    p.ref = referenced(*chosen[0].from, from);
    p.to_fk = chosen[0].to->columns[0];
    p.to_ref = referenced(*chosen[0].to, to);
    if (p.ref.empty() || p.to_ref.empty()) throw NotInteger();
    require_unique(from, p.ref, through.name, p.fk);
    require_unique(to, p.to_ref, through.name, p.to_fk);
    p.through_rowid = through.rowid_name();
    if (p.through_rowid.empty()) throw NotInteger();
    if (const SchemaIndex* index = through.index_leading_with(p.fk)) {
        for (std::size_t i = 1; i < index->columns.size(); ++i) {
            if (index->columns[i].empty()) break;  // an expression: order by rowid from here
            p.through_order.push_back(index->columns[i]);
        }
    }
}

// What the seek of `table` by `column` uses. With `parent` and `ref` (the
// column the foreign key `column` refers to), an index on a TEXT or BLOB
// foreign key is not usable when the referenced key is numeric: SQLite then
// compares the two as numbers ('1' = 1), which an index of text cannot seek,
// and the plain join scans as well.
std::string index_note(const SchemaTable& table, const std::string& column, const SchemaTable* parent = nullptr,
                       const std::string& ref = std::string()) {
    if (const SchemaIndex* index = table.index_leading_with(column)) {
        if (parent && numeric_affinity_of(*parent, ref) && !numeric_affinity_of(table, column)) {
            return "the index " + index->name + " cannot serve the seeks: " + table.name + "." + column + " has " +
                   affinity_of(table, column) + " affinity and " + parent->name + "." + ref +
                   " is numeric, so SQLite compares them as numbers; every call scans " + table.name +
                   ", as the plain join does (declare " + table.name + "." + column + " INTEGER to seek)";
        }
        return "seeks use the index " + index->name;
    }
    std::vector<std::string> key = table.primary_key();
    if ((key.size() == 1 && same_name(key[0], column)) || same_name(column, table.rowid_name())) {
        return "seeks use the primary key of " + table.name;
    }
    return "no index on " + table.name + "(" + column + "), so every call scans " + table.name + ": CREATE INDEX " +
           quote_identifier(table.name + "_" + column) + " ON " + quote_identifier(table.name) + "(" +
           quote_identifier(column) + ") to seek";
}

Resolved resolve_integer(sqlite3* db, const Declaration& d, const Options& o) {
    SchemaTable from = need_table(db, d.from_table, "from_table");
    Target target = need_target(db, d.to_table);
    std::optional<SchemaTable> to = std::move(target.table);
    const std::string proxy = target.proxy;
    if (to->view) throw NotInteger();
    std::optional<std::string> key = from.integer_key();
    if (!key) throw NotInteger();
    JoinPath p;
    p.from_table = from.name;
    p.from_key = *key;
    p.from_key_is_rowid = same_name(p.from_key, rowid_column(db, from));
    p.to_table = to->name;
    std::string note;
    std::optional<SchemaTable> link;
    if (!d.through_table.empty()) {
        link = need_table(db, d.through_table, "through_table");
        const SchemaTable& through = *link;
        if (o.get("column") || o.get("direction")) {
            throw SqlError("with a through_table, name its columns with \"from_column\" and \"to_column\"");
        }
        resolve_through(from, *to, through, o, p);
        p.fk_numeric = numeric_affinity_of(through, p.fk);
        note = index_note(through, p.fk, &from, p.ref);
    } else {
        if (o.get("from_column") || o.get("to_column")) {
            throw SqlError("\"from_column\" and \"to_column\" name the columns of a through_table; there is none");
        }
        resolve_direct(from, *to, o, p);
        if (p.kind == JoinPath::kOneToMany) p.fk_numeric = numeric_affinity_of(*to, p.fk);
        note = p.kind == JoinPath::kOneToMany ? index_note(*to, p.fk, &from, p.ref) : index_note(from, p.from_key);
    }
    if (p.kind != JoinPath::kManyToOne) {
        // The INTEGER PRIMARY KEY where there is one: ORDER BY it needs no sort.
        p.to_rowid = rowid_column(db, *to);
        if (p.to_rowid.empty()) throw NotInteger();
    } else {
        std::string rowid = rowid_column(db, *to);
        p.ref_is_rowid = !rowid.empty() && same_name(p.ref, rowid);
    }
    bool direct = same_name(p.ref, p.from_key);
    // The hidden argument column's name (model-layer.md).
    if (const std::string* argument = o.get("argument")) {
        if (argument->empty()) throw SqlError("option \"argument\" must not be empty");
        p.argument = *argument;
    } else if (p.kind == JoinPath::kOneToMany && direct) {
        p.argument = p.fk;
    } else if (p.kind == JoinPath::kManyToMany && direct) {
        p.argument = p.fk;
    } else {
        p.argument = from.name + "_" + p.from_key;
    }
    // The columns returned: to_table's, in declared order, without the
    // foreign key that is the argument itself; or the proxy's one column.
    bool drops_fk = p.kind == JoinPath::kOneToMany && direct;
    if (!proxy.empty()) {
        if (drops_fk && same_name(proxy, p.fk)) {
            throw SqlError("to_table: " + to->name + "." + proxy + " is the relationship's own key (the argument)");
        }
        p.to_columns.push_back({proxy, column_type(to->column(proxy)->type)});
    } else {
        for (const SchemaColumn& c : to->columns) {
            if (drops_fk && same_name(c.name, p.fk)) continue;
            p.to_columns.push_back({c.name, column_type(c.type)});
        }
        // A function must have a column to return (its queries select them).
        if (p.to_columns.empty()) {
            throw SqlError("to_table: " + to->name + " has no column but " + p.fk +
                           ", the relationship's own key (the argument); it has nothing to return");
        }
    }
    for (const auto& column : p.to_columns) {
        if (same_name(column.first, p.argument)) {
            throw SqlError("the argument column " + json_string(p.argument) + " has the name of a column of " +
                           to->name + "; rename it with '{\"argument\": \"...\"}'");
        }
    }

    Resolved r;
    r.spec = spec_for(d.name, p);
    WriteShape shape;
    shape.from = &from;
    shape.to = &*to;
    shape.link = link ? &*link : nullptr;
    shape.kind = p.kind;
    // (Many-to-one: the foreign key the message names.)
    shape.source_ref = {p.kind == JoinPath::kManyToOne ? p.fk : p.ref};
    shape.holder_fk = {p.fk};
    if (link) {
        shape.link_to = {p.to_fk};
        shape.target_ref = {p.to_ref};
    }
    r.spec.write = plan_writes(db, shape, o, p.to_columns);
    // A many-to-one path is one-to-one where from_table's foreign key is
    // unique, which only the schema tells.
    if (p.kind == JoinPath::kManyToOne && from.unique_column(p.fk)) r.spec.about.kind = "one-to-one";
    std::string by = p.kind == JoinPath::kOneToMany    ? to->name + "." + p.fk
                     : p.kind == JoinPath::kManyToOne ? from.name + "." + p.fk
                                                  : p.through_table + "." + p.fk + " and " + p.through_table + "." +
                                                        p.to_fk;
    r.summary = d.name + "(" + p.argument + "): " + r.spec.about.kind + " from " + from.name + " to " + to->name +
                (proxy.empty() ? "" : "." + proxy) + " by " + by + "; " + note;
    // Stored with every choice named, so that a later load finds the same
    // path even if the schema gains another candidate.
    std::string stored;
    auto add = [&](const char* k, const std::string& v) {
        stored += (stored.empty() ? "{" : ", ") + json_string(k) + ": " + json_string(v);
    };
    if (p.kind == JoinPath::kManyToMany) {
        add("from_column", p.fk);
        add("to_column", p.to_fk);
    } else {
        add("column", (p.kind == JoinPath::kOneToMany ? to->name : from.name) + "." + p.fk);
        if (same_name(from.name, to->name)) add("direction", p.kind == JoinPath::kOneToMany ? "one-to-many" : "many-to-one");
    }
    if (o.get("argument")) add("argument", p.argument);
    if (!stored_on_remove(o).empty()) add("on_remove", stored_on_remove(o));
    if (const std::string* view = o.get("view")) {
        if (view->empty()) throw SqlError("option \"view\" must not be empty");
        add("view", *view);
        r.view = *view;
    }
    r.stored.name = d.name;
    r.stored.from_table = from.name;
    r.stored.to_table = proxy.empty() ? to->name : to->name + "." + proxy;
    r.stored.through_table = p.through_table;
    r.stored.options = stored + "}";
    return r;
}

}  // namespace

Resolved resolve(sqlite3* db, const Declaration& d) {
    Options o = parse_options(db, d.options);
    if (!detail::needs_general(o, d)) {
        try {
            return resolve_integer(db, d, o);
        } catch (const NotInteger&) {
        }
    }
    return detail::resolve_general(db, d, o);
}

std::vector<std::string> argument_names(sqlite3* db, const Declaration& d) {
    Options o;
    try {
        o = parse_options(db, d.options);
    } catch (const SqlError& e) {
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
    }
    if (detail::needs_general(o, d)) return detail::general_argument_names(db, d, o);
    return {argument_name(db, d)};
}

std::string argument_name(sqlite3* db, const Declaration& d) {
    // resolve()'s rules, read from the stored options (which name the path)
    // and from whichever of the tables are still there. What cannot be known
    // any more is taken as it usually is: a foreign key that refers to
    // from_table's key, and a key named id.
    Options o;
    try {
        o = parse_options(db, d.options);
    } catch (const SqlError& e) {
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;  // out of memory, a busy database
    }
    if (const std::string* argument = o.get("argument")) {
        if (!argument->empty()) return *argument;
    }
    std::optional<SchemaTable> from = read_table(db, d.from_table);
    std::optional<std::string> key = from ? from->integer_key() : std::nullopt;
    const std::string by_key = (from ? from->name : d.from_table) + "_" + (key ? *key : std::string("id"));
    // The foreign key that is the argument when it refers to from_table's key:
    // the through_table's column to from_table, or to_table's foreign key
    // (one-to-many). A many-to-one foreign key, held by from_table, never is.
    std::string holder;
    std::string fk;
    if (!d.through_table.empty()) {
        const std::string* column = o.get("from_column");
        if (!column) return by_key;
        holder = d.through_table;
        fk = *column;
    } else {
        const std::string* column = o.get("column");
        const std::string* direction = o.get("direction");
        std::size_t dot = column ? column->rfind('.') : std::string::npos;
        if (dot == std::string::npos) return by_key;  // stored options always say "table.column"
        holder = column->substr(0, dot);
        fk = column->substr(dot + 1);
        std::string to = d.to_table;
        if (!read_table(db, to) && to.rfind('.') != std::string::npos) to = to.substr(0, to.rfind('.'));  // proxy
        bool one_to_many = same_name(holder, to) && !(direction && *direction == "many-to-one");
        if (!one_to_many) return by_key;
    }
    if (from && key) {
        if (std::optional<SchemaTable> table = read_table(db, holder)) {
            for (const SchemaForeignKey& f : table->foreign_keys) {
                if (single_column(f) && same_name(f.columns[0], fk) && same_name(f.parent, from->name) &&
                    !same_name(referenced(f, *from), *key)) {
                    return by_key;
                }
            }
        }
    }
    return fk;
}

}  // namespace theater
