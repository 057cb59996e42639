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

// Whether `columns` name at most one row of `t`: its key, its rowid, or a
// unique index (not partial) on exactly those columns.
bool names_one_row(const SchemaTable& t, const Columns& columns) {
    auto same_set = [&](const Columns& other) {
        if (other.size() != columns.size()) return false;
        return std::all_of(columns.begin(), columns.end(), [&](const std::string& c) {
            return std::any_of(other.begin(), other.end(), [&](const std::string& x) { return same_name(x, c); });
        });
    };
    if (same_set(key_columns(t))) return true;
    if (columns.size() == 1) {
        for (const std::string& alias : t.rowid_aliases()) {
            if (same_name(alias, columns[0])) return true;
        }
        if (same_name(t.integer_primary_key(), columns[0]) && !t.integer_primary_key().empty()) return true;
    }
    return std::any_of(t.indexes.begin(), t.indexes.end(),
                       [&](const SchemaIndex& i) { return i.unique && !i.partial && same_set(i.columns); });
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
    if (!names_one_row(from, shape.source_ref)) {
        return refuse(from.name + "(" + joined(shape.source_ref) + ") is not unique, so a row could belong to "
                      "several: this relationship takes no INSERT or DELETE");
    }
    // And the join must compare as that uniqueness does: a holder column of
    // another affinity class or collation could match several source rows
    // ('ab' and 'AB' under NOCASE; 1 and '1' against a typeless column).
    // The rowid, or an INTEGER PRIMARY KEY, is one number per row whatever
    // it is compared with.
    const SchemaTable& fk_holder = shape.link ? *shape.link : to;
    for (std::size_t i = 0; i < shape.source_ref.size() && i < shape.holder_fk.size(); ++i) {
        const std::string& ref = shape.source_ref[i];
        bool rowid = same_name(ref, from.integer_primary_key()) && !from.integer_primary_key().empty();
        for (const std::string& alias : from.rowid_aliases()) rowid = rowid || same_name(alias, ref);
        if (rowid && shape.source_ref.size() == 1) continue;
        auto affinity_class = [](const std::string& a) { return a == "TEXT" || a == "BLOB" ? a : std::string("NUMERIC"); };
        std::string ours = collation_of(db, fk_holder, shape.holder_fk[i]);
        std::string theirs = collation_of(db, from, ref);
        // A numeric source column compares every holder value as a number
        // (SQLite applies its affinity to the other side): one row each.
        const std::string source_class = affinity_class(affinity_of(from, ref));
        bool types_agree = source_class == "NUMERIC" ||
                           affinity_class(affinity_of(fk_holder, shape.holder_fk[i])) == source_class;
        if (!types_agree || ours != theirs || ours == "?") {
            return refuse(fk_holder.name + "(" + shape.holder_fk[i] + ") and " + from.name + "(" + ref +
                          ") differ in type or collation, so a row could match several of " + from.name +
                          ": this relationship takes no INSERT or DELETE");
        }
    }
    if (shape.link && !names_one_row(to, shape.target_ref)) {
        return refuse(to.name + "(" + joined(shape.target_ref) + ") is not unique, so a link could name several "
                      "rows: this relationship takes no INSERT or DELETE");
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
    }
    return w;
}

}  // namespace detail
}  // namespace theater
