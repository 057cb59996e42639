#include "engine/join_path.hpp"

#include "core/quote.hpp"

namespace theater {

namespace {

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
    const std::string to = "main." + quote_identifier(p.to_table);
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
    switch (p.kind) {
    case JoinPath::kOneToMany: {
        std::string children = to + " AS t";
        if (trusted) {
            d.from = children;
            d.key = "t." + quote_identifier(p.fk);
        } else {
            d.from = from + " AS s JOIN " + children + " ON t." + quote_identifier(p.fk) + " = s." +
                     quote_identifier(p.ref);
            d.key = key;
        }
        if (shortcut) {
            d.seek_from = children;
            d.seek_key = "t." + quote_identifier(p.fk);
        }
        d.rowid = "t." + quote_identifier(p.to_rowid);
        d.order = d.rowid;
        d.rows_per_key = p.unique ? 1 : 10;
        d.unique = p.unique;
        for (std::size_t i = 0; i < p.to_columns.size(); ++i) {
            if (same_name(p.to_columns[i].first, p.to_rowid)) d.order_column = static_cast<int>(i);
        }
        break;
    }
    case JoinPath::kManyToOne:
        d.from = from + " AS s JOIN " + to + " AS t ON t." + quote_identifier(p.ref) + " = s." + quote_identifier(p.fk);
        d.key = key;
        d.rowid = d.key;
        d.rows_per_key = 1;
        d.unique = true;
        break;
    case JoinPath::kManyToMany: {
        const std::string through = "main." + quote_identifier(p.through_table);
        std::string join_to =
            " JOIN " + to + " AS t ON t." + quote_identifier(p.to_ref) + " = s." + quote_identifier(p.to_fk);
        std::string links = through + " AS s" + join_to;
        if (trusted) {
            d.from = links;
            d.key = "s." + quote_identifier(p.fk);
        } else {
            d.from = from + " AS f JOIN " + through + " AS s ON s." + quote_identifier(p.fk) + " = f." +
                     quote_identifier(p.ref) + join_to;
            d.key = key;
        }
        if (shortcut) {
            d.seek_from = links;
            d.seek_key = "s." + quote_identifier(p.fk);
        }
        d.rowid = "s." + quote_identifier(p.through_rowid);
        for (const std::string& column : p.through_order) d.order += "s." + quote_identifier(column) + ", ";
        d.order += d.rowid;
        d.rows_per_key = 10;
        break;
    }
    }
    return d;
}


}  // namespace theater
