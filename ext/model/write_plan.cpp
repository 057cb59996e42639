// plan_writes(): which relationships take INSERT and DELETE, and the
// tables and columns those writes touch (model-layer.md, "Writes").
#include "model/resolve_detail.hpp"

#include <algorithm>

namespace theater {
namespace detail {

namespace {

using Columns = std::vector<std::string>;

std::string joined(const Columns& columns) {
    std::string out;
    for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + c;
    return out;
}

// The key of a table: its primary key, else its rowid.
Columns key_columns(const SchemaTable& t) {
    Columns key = t.primary_key();
    if (key.empty() && !t.rowid_name().empty()) key.push_back(t.rowid_name());
    return key;
}

// Whether every row of `holder` matches at most one row of `parent` in the
// join holder.cols[i] = parent.refs[i]: the refs are parent's rowid (an
// INTEGER PRIMARY KEY: one number per row, whatever it is compared with), or
// a unique index (not partial) on exactly those columns whose collations are
// the holder columns' (the join compares under the holder column's, the
// left operand's), and, for text, the same affinity class on both sides (a
// numeric holder column would compare '1' and '01' of a text parent as one
// number). The index's own collations come from pragma index_xinfo: a
// column's declared one may differ.
bool matches_one_row(sqlite3* db, const SchemaTable& holder, const Columns& cols, const SchemaTable& parent,
                     const Columns& refs) {
    if (parent.view || cols.size() != refs.size() || refs.empty()) return false;
    if (refs.size() == 1) {
        const std::string ipk = parent.integer_primary_key();
        if (!ipk.empty() && same_name(ipk, refs[0])) return true;
        for (const std::string& alias : parent.rowid_aliases()) {
            if (same_name(alias, refs[0])) return true;
        }
    }
    auto affinity_class = [](const std::string& a) { return a == "TEXT" || a == "BLOB" ? a : std::string("NUMERIC"); };
    std::vector<std::string> wanted;  // the collation each ref must be unique under, upper-cased
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const std::string parent_class = affinity_class(affinity_of(parent, refs[i]));
        if (parent_class != "NUMERIC" && affinity_class(affinity_of(holder, cols[i])) != parent_class) return false;
        std::string collation = collation_of(db, holder, cols[i]);
        if (collation == "?") return false;
        wanted.push_back(ascii_upper(collation.empty() ? std::string("BINARY") : collation));
    }
    Stmt indexes = prepare(db, "SELECT name FROM pragma_index_list(?1, 'main') WHERE \"unique\" AND NOT partial");
    bind_text(indexes.get(), 1, parent.name);
    std::vector<std::string> names;
    while (step(db, indexes.get())) names.push_back(column_bytes(indexes.get(), 0));
    for (const std::string& index : names) {
        Stmt columns = prepare(db, "SELECT name, coll FROM pragma_index_xinfo(?1, 'main') WHERE key AND cid >= 0");
        bind_text(columns.get(), 1, index);
        std::vector<std::pair<std::string, std::string>> key;
        bool expression = false;
        while (step(db, columns.get())) {
            if (sqlite3_column_type(columns.get(), 0) == SQLITE_NULL) expression = true;
            key.emplace_back(column_bytes(columns.get(), 0), ascii_upper(column_bytes(columns.get(), 1)));
        }
        if (expression || key.size() != refs.size()) continue;
        bool all = true;
        for (std::size_t i = 0; i < refs.size() && all; ++i) {
            bool found = false;
            for (const auto& [name, coll] : key) found = found || (same_name(name, refs[i]) && coll == wanted[i]);
            all = found;
        }
        if (all) return true;
    }
    return false;
}

}  // namespace

std::string stored_on_remove(const Options& o) {
    const std::string* on_remove = o.get("on_remove");
    return on_remove ? *on_remove : std::string();
}

RelationshipSpec::Write plan_writes(sqlite3* db, const WriteShape& shape, const Options& o,
                                    const std::vector<std::pair<std::string, std::string>>& returned) {
    RelationshipSpec::Write w;
    const SchemaTable& from = *shape.from;
    const SchemaTable& to = *shape.to;
    const SchemaTable* holder = shape.link ? shape.link : &to;
    bool orphan = stored_on_remove(o) == "orphan";
    if (orphan && shape.kind != JoinPath::kOneToMany) {
        throw SqlError("option \"on_remove\": \"orphan\" sets a one-to-many child's key NULL; a " +
                       std::string(shape.kind == JoinPath::kManyToMany ? "many-to-many DELETE removes the link row"
                                                                        : "many-to-one relationship takes no writes"));
    }
    auto refuse = [&](const std::string& why) {
        w.refusal = why;
        return w;
    };
    if (shape.recursive) return refuse("a tree takes no INSERT or DELETE: write to " + to.name + " itself");
    if (shape.kind == JoinPath::kManyToOne) {
        return refuse("a many-to-one relationship takes no INSERT or DELETE (the row it returns is the parent, not a "
                      "member of a collection): update " + from.name + "(" + joined(shape.source_ref) + ") itself");
    }
    for (const SchemaTable* t : {&from, &to, shape.link}) {
        if (t && t->view) return refuse(t->name + " is a view: a relationship over a view takes no INSERT or DELETE");
    }
    // Each row of the holder must match one row of the source (and a link,
    // one target): else its rowid would stand for several rows of the
    // result, and a write would touch several collections.
    const SchemaTable& fk_holder = shape.link ? *shape.link : to;
    if (!matches_one_row(db, fk_holder, shape.holder_fk, from, shape.source_ref)) {
        return refuse(fk_holder.name + "(" + joined(shape.holder_fk) + ") may match several rows of " + from.name +
                      "(" + joined(shape.source_ref) + ") (no unique index on those columns that compares as the join "
                      "does): this relationship takes no INSERT or DELETE");
    }
    if (shape.link && !matches_one_row(db, *shape.link, shape.link_to, to, shape.target_ref)) {
        return refuse(shape.link->name + "(" + joined(shape.link_to) + ") may match several rows of " + to.name + "(" +
                      joined(shape.target_ref) + ") (no unique index on those columns that compares as the join "
                      "does): this relationship takes no INSERT or DELETE");
    }
    std::string rowid = holder->without_rowid ? std::string() : rowid_column(db, *holder);
    if (rowid.empty()) {
        return refuse(holder->name + " has no rowid (WITHOUT ROWID, or every name for it is a column): a "
                      "relationship whose rows it holds takes no INSERT or DELETE");
    }
    w.refusal.clear();
    w.many_to_many = shape.link != nullptr;
    w.orphan = orphan;
    w.source = from.name;
    w.source_key = key_columns(from);
    w.source_ref = shape.source_ref;
    w.target = to.name;
    w.target_key = key_columns(to);
    w.holder = holder->name;
    w.holder_fk = shape.holder_fk;
    w.holder_rowid = rowid;
    w.link_to = shape.link_to;
    w.target_ref = shape.target_ref;
    w.where = shape.where;
    for (const auto& column : returned) {
        const SchemaColumn* c = to.column(column.first);
        w.insertable.push_back(c && !c->generated);
        w.affinity.push_back(c ? affinity_of(to, c->name) : "BLOB");
    }
    for (const std::string& fk : shape.holder_fk) w.holder_fk_affinity.push_back(affinity_of(fk_holder, fk));
    return w;
}

}  // namespace detail
}  // namespace theater
