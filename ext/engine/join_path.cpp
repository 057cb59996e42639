#include "engine/join_path.hpp"

#include "core/quote.hpp"

namespace theater {

namespace {

// The FROM clause of the join a path stands for, over the aliases s and t
// (and f), its tables named with `schema` in front: "main." in the engine's
// own queries, "" in SQL stored in the database (a plain view), where SQLite
// binds unqualified names to the view's own schema, whatever name the file
// is attached under. `trusted`: every foreign key names a row
// (JoinPath::fk_names_a_row), so the join is the foreign key's side alone.
std::string join_from(const JoinPath& p, bool trusted, const std::string& schema) {
    auto table = [&](const std::string& name) { return schema + quote_identifier(name); };
    switch (p.kind) {
    case JoinPath::kOneToMany: {
        std::string children = table(p.to_table) + " AS t";
        if (trusted) return children;
        return table(p.from_table) + " AS s JOIN " + children + " ON t." + quote_identifier(p.fk) + " = s." +
               quote_identifier(p.ref);
    }
    case JoinPath::kManyToOne:
        return table(p.from_table) + " AS s JOIN " + table(p.to_table) + " AS t ON t." + quote_identifier(p.ref) +
               " = s." + quote_identifier(p.fk);
    case JoinPath::kManyToMany: {
        std::string join_to = " JOIN " + table(p.to_table) + " AS t ON t." + quote_identifier(p.to_ref) + " = s." +
                              quote_identifier(p.to_fk);
        if (trusted) return table(p.through_table) + " AS s" + join_to;
        return table(p.from_table) + " AS f JOIN " + table(p.through_table) + " AS s ON s." +
               quote_identifier(p.fk) + " = f." + quote_identifier(p.ref) + join_to;
    }
    }
    return "";
}

}  // namespace

std::string kind_name(const JoinPath& p) {
    switch (p.kind) {
    case JoinPath::kOneToMany: return p.unique ? "one-to-one" : "one-to-many";
    case JoinPath::kManyToOne: return "many-to-one";
    case JoinPath::kManyToMany: return "many-to-many";
    }
    return "";
}

RelationshipSpec spec_for(const std::string& name, const JoinPath& p) {
    RelationshipSpec d;
    d.name = name;
    d.about.from_table = p.from_table;
    d.about.to_table = p.to_table;
    d.about.kind = kind_name(p);
    d.argument = p.argument;
    for (const auto& column : p.to_columns) {
        d.columns.push_back({column.first, column.second, "t." + quote_identifier(column.first)});
    }
    const std::string from = "main." + quote_identifier(p.from_table);
    // The join the relationship stands for reads from_table's key: a child
    // whose foreign key names no row is left out, and keys compare with
    // SQLite's affinities ('1' in a TEXT column is 1). Two shortcuts for the
    // seek of one key, both ranging over the foreign key's index alone:
    // - where every key is known to name a row (JoinPath::fk_names_a_row), the
    //   join itself is the foreign key alone;
    // - where the foreign key compares with an integer exactly as the key does
    //   (numeric affinity, referring to the key itself), only the existence
    //   of the key's row is left to check, once per key (RelationshipSpec::
    //   parent) rather than once per row.
    bool by_key = same_name(p.ref, p.from_key);
    bool trusted = p.fk_names_a_row && by_key;
    bool shortcut = !trusted && p.fk_numeric && by_key;
    const std::string key = (p.kind == JoinPath::kManyToMany ? "f." : "s.") + quote_identifier(p.from_key);
    if (shortcut) {
        const char* alias = p.kind == JoinPath::kManyToMany ? "f" : "s";
        d.parent = "SELECT " + key + " FROM " + from + " AS " + alias + " WHERE " + key + " >= ?1 ORDER BY " + key;
    }
    // A many-to-one path's join is never the foreign key alone: the key is
    // from_table's own, and the row it returns is to_table's.
    bool alone = trusted && p.kind != JoinPath::kManyToOne;
    d.from = join_from(p, alone, "main.");
    d.view_from = join_from(p, alone, "");
    // The foreign key's column, in the alias of the table that holds it.
    const std::string fk_key = (p.kind == JoinPath::kManyToMany ? "s." : "t.") + quote_identifier(p.fk);
    d.key = alone ? fk_key : key;
    if (shortcut && p.kind != JoinPath::kManyToOne) {
        d.seek_from = join_from(p, true, "main.");
        d.seek_key = fk_key;
    }
    switch (p.kind) {
    case JoinPath::kOneToMany:
        d.rowid = "t." + quote_identifier(p.to_rowid);
        d.order = d.rowid;
        d.rows_per_key = p.unique ? 1 : 10;
        d.unique = p.unique;
        for (std::size_t i = 0; i < p.to_columns.size(); ++i) {
            if (same_name(p.to_columns[i].first, p.to_rowid)) d.order_column = static_cast<int>(i);
        }
        break;
    case JoinPath::kManyToOne:
        d.rowid = d.key;
        d.rows_per_key = 1;
        d.unique = true;
        break;
    case JoinPath::kManyToMany:
        d.rowid = "s." + quote_identifier(p.through_rowid);
        for (const std::string& column : p.through_order) d.order += "s." + quote_identifier(column) + ", ";
        d.order += d.rowid;
        d.rows_per_key = 10;
        break;
    }
    return d;
}


}  // namespace theater
