#include "engine/join_path.hpp"

#include "core/quote.hpp"

#include <algorithm>

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

// SQL over a general path (JoinPath::General). The join is
//   from_table AS s JOIN (<the target>) AS t ON t.<first column> = s.<from column> ...
// where the target is a subquery over to_table (and the link table) alone,
// its tables under their own names: the user's filter and order terms are
// written there, so that they name only those tables' columns, bare or
// qualified by the table's name (a column that from_table shares is not
// ambiguous, and a self-referencing table is two scopes). SQLite flattens
// the subquery, so the seek is the plain join's. Its columns, named so that
// no column of the user's can collide: "theater c<i>" the returned columns,
// "theater j<i>" the columns the join matches, "theater n<i>" a tree's next
// keys, "theater r0" the holder's rowid (a relationship that takes writes),
// "theater o<i>" the order terms, "theater b<i>" the tie-break.
std::string general_target(const JoinPath& p, const std::string& schema) {
    const JoinPath::General& g = p.g;
    auto table = [&](const std::string& name) { return schema + quote_identifier(name); };
    auto in = [](const std::string& holder, const std::string& column) {
        return quote_identifier(holder) + "." + quote_identifier(column);
    };
    const std::string& first = g.link_table.empty() ? p.to_table : g.link_table;
    std::string select;
    auto add = [&](const std::string& expr, const std::string& alias, std::size_t i) {
        select += (select.empty() ? "" : ", ") + expr + " AS " + quote_identifier("theater " + alias + std::to_string(i));
    };
    for (std::size_t i = 0; i < p.to_columns.size(); ++i) add(in(p.to_table, p.to_columns[i].first), "c", i);
    for (std::size_t i = 0; i < g.first_columns.size(); ++i) add(in(first, g.first_columns[i]), "j", i);
    for (std::size_t i = 0; i < g.next.size(); ++i) add(in(p.to_table, g.next[i]), "n", i);
    for (std::size_t i = 0; i < g.identity.size(); ++i) add(in(p.to_table, g.identity[i]), "k", i);
    if (!g.holder_rowid.empty()) add(in(first, g.holder_rowid), "r", 0);
    // A newline after the user's text: a trailing -- comment ends there.
    for (std::size_t i = 0; i < g.order_by.size(); ++i) add("(\n" + g.order_by[i].first + "\n)", "o", i);
    for (std::size_t i = 0; i < g.tie_break.size(); ++i) {
        add(in(g.tie_break_on_link ? g.link_table : p.to_table, g.tie_break[i]), "b", i);
    }
    std::string sql = "SELECT " + select + " FROM " + table(first);
    if (!g.link_table.empty()) {
        sql += " JOIN " + table(p.to_table) + " ON ";
        for (std::size_t i = 0; i < g.to_columns.size(); ++i) {
            if (i > 0) sql += " AND ";
            sql += in(p.to_table, g.to_columns[i]) + " = " + in(g.link_table, g.link_columns[i]);
        }
    }
    if (!g.where.empty()) sql += " WHERE (\n" + g.where + "\n)";
    return sql;
}

std::string general_from(const JoinPath& p, const std::string& schema) {
    std::string sql = schema + quote_identifier(p.from_table) + " AS s JOIN (" + general_target(p, schema) + ") AS t ON ";
    for (std::size_t i = 0; i < p.g.from_columns.size(); ++i) {
        if (i > 0) sql += " AND ";
        sql += "t." + quote_identifier("theater j" + std::to_string(i)) + " = s." + quote_identifier(p.g.from_columns[i]);
    }
    return sql;
}

RelationshipSpec general_spec(const std::string& name, const JoinPath& p) {
    const JoinPath::General& g = p.g;
    RelationshipSpec d;
    d.name = name;
    d.general = true;
    d.about.from_table = p.from_table;
    d.about.to_table = p.to_table;
    d.about.kind = kind_name(p);
    for (const auto& key : g.keys) d.about.source_key.push_back(key.first);
    auto t = [](const char* alias, std::size_t i) { return "t." + quote_identifier("theater " + std::string(alias) + std::to_string(i)); };
    for (std::size_t i = 0; i < g.keys.size(); ++i) {
        d.arguments.push_back({g.arguments[i], g.keys[i].second, i < g.key_collations.size() ? g.key_collations[i] : ""});
        d.keys.push_back("s." + quote_identifier(g.keys[i].first));
    }
    for (std::size_t i = 0; i < p.to_columns.size(); ++i) {
        d.columns.push_back({p.to_columns[i].first, p.to_columns[i].second, t("c", i)});
    }
    d.from = general_from(p, "main.");
    d.view_from = general_from(p, "");
    // Unary + on a term that the join equates with the source (the user's
    // terms, which may name a join column, and a tie-break column the join
    // matches): SQLite 3.40 drops ORDER BY on a column it takes for a
    // constant through "t.k = s.k AND s.k = ?1", even where the two compare
    // with different affinities and t.k holds several values ('2' and
    // '2.0' both equal the REAL 2.0). + keeps the value and its collation.
    const std::vector<std::string>& joined = g.first_columns;  // to_table's, or the link's
    for (std::size_t i = 0; i < g.order_by.size(); ++i) {
        d.order += (d.order.empty() ? "+" : ", +") + t("o", i) + g.order_by[i].second;
    }
    for (std::size_t i = 0; i < g.tie_break.size(); ++i) {
        bool matched = std::any_of(joined.begin(), joined.end(),
                                   [&](const std::string& c) { return same_name(c, g.tie_break[i]); });
        d.order += (d.order.empty() ? "" : ", ") + std::string(matched ? "+" : "") + t("b", i);
    }
    d.rows_per_key = p.unique ? 1 : 10;
    d.unique = p.unique && !g.recursive;
    if (!g.holder_rowid.empty() && !g.recursive) d.rowid = t("r", 0);
    if (!g.recursive) {
        d.embed_source = g.from_columns;
        d.embed_from = "(" + general_target(p, "main.") + ") AS t";
        for (std::size_t i = 0; i < g.from_columns.size(); ++i) d.embed_keys.push_back(t("j", i));
    }
    if (g.recursive) {
        d.recursive = true;
        d.max_depth = g.max_depth;
        for (std::size_t i = 0; i < g.next.size(); ++i) d.next.push_back(t("n", i));
        for (std::size_t i = 0; i < g.identity.size(); ++i) d.identity.push_back(t("k", i));
        if (g.children_by_value) {
            std::string select;
            for (const RelationshipSpec::Column& c : d.columns) select += (select.empty() ? "" : ", ") + c.expr;
            for (const std::string& e : d.next) select += ", " + e;
            for (const std::string& e : d.identity) select += ", " + e;
            d.children = "SELECT " + select + " FROM (" + general_target(p, "main.") + ") AS t WHERE ";
            for (std::size_t i = 0; i < g.first_columns.size(); ++i) {
                if (i > 0) d.children += " AND ";
                d.children += t("j", i) + " = ?" + std::to_string(i + 1);
            }
            if (!d.order.empty()) d.children += " ORDER BY " + d.order;
        }
        std::string keys;
        std::string not_null;
        for (const std::string& key : d.keys) {
            keys += (keys.empty() ? "" : ", ") + key;
            not_null += (not_null.empty() ? "" : " AND ") + key + " IS NOT NULL";
        }
        d.roots = "SELECT DISTINCT " + keys + " FROM main." + quote_identifier(p.from_table) + " AS s WHERE " +
                  not_null + " ORDER BY " + keys;
    }
    return d;
}

// One row, the smallest and the largest of `key` in `from` (read under
// `alias`): NULLs when it is empty. Each aggregate alone, so that each is one
// seek to an end of the key's b-tree (SQLite's min/max optimization).
std::string key_span_sql(const std::string& key, const std::string& from, const std::string& alias) {
    const std::string in = " FROM " + from + " AS " + alias + ")";
    return "SELECT (SELECT min(" + key + ")" + in + ", (SELECT max(" + key + ")" + in;
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
    if (p.general) return general_spec(name, p);
    RelationshipSpec d;
    d.name = name;
    d.about.from_table = p.from_table;
    d.about.to_table = p.to_table;
    d.about.kind = kind_name(p);
    d.about.source_key = {p.from_key};
    d.arguments.push_back({p.argument, "INTEGER", ""});
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
        if (p.from_key_is_rowid) {
            d.parent_bounds = key_span_sql(key, from, alias);
            d.parent_count = "SELECT count(*) FROM " + from;
        }
    }
    // A many-to-one path's join is never the foreign key alone: the key is
    // from_table's own, and the row it returns is to_table's.
    bool alone = trusted && p.kind != JoinPath::kManyToOne;
    d.from = join_from(p, alone, "main.");
    d.view_from = join_from(p, alone, "");
    // The foreign key's column, in the alias of the table that holds it.
    const std::string fk_key = (p.kind == JoinPath::kManyToMany ? "s." : "t.") + quote_identifier(p.fk);
    d.keys.push_back(alone ? fk_key : key);
    if (shortcut && p.kind != JoinPath::kManyToOne) {
        d.seek_from = join_from(p, true, "main.");
        d.seek_key = fk_key;
    }
    // The keyed statement's join (RelationshipSpec::keyed_from): the same
    // tables and conditions, each a LEFT JOIN, the first matched with the
    // key. Its rows of one key follow `order` only through the index the
    // seek uses: the foreign key's, then through_order.
    {
        auto table = [](const std::string& table_name) { return "main." + quote_identifier(table_name); };
        auto eq = [](const std::string& a, const std::string& b) { return a + " = " + b; };
        const std::string feed = "main.theater_keys(?1) AS k";  // main: a TEMP table of that name cannot stand in
        const std::string s_ref = "s." + quote_identifier(p.ref);
        switch (p.kind) {
        case JoinPath::kOneToMany:
            if (alone) {
                d.keyed_from = feed + " LEFT JOIN " + table(p.to_table) + " AS t ON " + eq(fk_key, "k.value");
            } else {
                d.keyed_from = feed + " LEFT JOIN " + from + " AS s ON " + eq(key, "k.value") + " LEFT JOIN " +
                               table(p.to_table) + " AS t ON " + eq(fk_key, s_ref);
            }
            d.keyed_present = fk_key;
            if (!p.unique) {
                d.keyed_ordered_alias = "t";
                d.keyed_index_columns = {p.fk};
            }
            break;
        case JoinPath::kManyToOne:
            d.keyed_from = feed + " LEFT JOIN " + from + " AS s ON " + eq(key, "k.value") + " LEFT JOIN " +
                           table(p.to_table) + " AS t ON " + eq("t." + quote_identifier(p.ref), "s." + quote_identifier(p.fk));
            d.keyed_present = "t." + quote_identifier(p.ref);
            if (p.ref_is_rowid) {
                const std::string fk = "s." + quote_identifier(p.fk);
                const std::string ref = "t." + quote_identifier(p.ref);
                // In any order: the planner may read a covering index.
                d.memo = "SELECT " + key + ", " + fk + " FROM " + from + " AS s WHERE " + key + " IS NOT NULL AND " +
                         fk + " IS NOT NULL";
                std::string columns;
                for (const RelationshipSpec::Column& c : d.columns) columns += c.expr + ", ";
                d.memo_target = "SELECT " + columns + ref + ", " + ref + " FROM " + table(p.to_table) + " AS t WHERE " +
                                ref + " >= ?1 ORDER BY " + ref;
                d.memo_keyed = "SELECT " + columns + ref + ", " + ref + ", " + ref + ", k.value, k.seq FROM " + feed +
                               " LEFT JOIN " + table(p.to_table) + " AS t ON " + eq(ref, "k.value");
                d.memo_span = key_span_sql(key, from, "s");
                // The rest of ?2's run, then the runs after it: two queries,
                // each one seek on the index ((fk, rowid), then fk), where
                // (fk, key) > (?2, ?3) on a rowid table seeks on fk alone and
                // walks ?2's run from its start at every window (a parent
                // with many children); a UNION ALL of the two costs two
                // co-routines a row.
                const std::string pairs = "SELECT " + key + ", " + fk + " FROM " + from + " AS s WHERE ";
                d.memo_follow = pairs + fk + " = ?2 AND " + key + " > ?3 ORDER BY " + key;
                d.memo_follow_next = pairs + fk + " > ?2 ORDER BY " + fk + ", " + key;
                d.memo_follow_index = p.fk;
                for (std::size_t i = 0; i < p.to_columns.size(); ++i) {
                    if (same_name(p.to_columns[i].first, p.ref)) d.memo_parent_key_column = static_cast<int>(i);
                }
                // The parents of a window's foreign keys, a window of rows
                // (core/row_window.hpp): the key, then the output columns
                // (NULL for the parent's key, which the foreign key answers).
                std::string parent_columns;
                for (std::size_t i = 0; i < d.columns.size(); ++i) {
                    parent_columns += ", ";
                    parent_columns += static_cast<int>(i) == d.memo_parent_key_column ? "NULL" : d.columns[i].expr;
                }
                d.memo_parents = "SELECT " + ref + parent_columns + " FROM " + table(p.to_table) + " AS t WHERE " +
                                 ref + " >= ?2 AND " + ref + " <= ?3 ORDER BY " + ref;
            }
            break;
        case JoinPath::kManyToMany: {
            const std::string to = " LEFT JOIN " + table(p.to_table) + " AS t ON " +
                                   eq("t." + quote_identifier(p.to_ref), "s." + quote_identifier(p.to_fk));
            if (alone) {
                d.keyed_from = feed + " LEFT JOIN " + table(p.through_table) + " AS s ON " + eq(fk_key, "k.value") + to;
            } else {
                d.keyed_from = feed + " LEFT JOIN " + from + " AS f ON " + eq(key, "k.value") + " LEFT JOIN " +
                               table(p.through_table) + " AS s ON " + eq(fk_key, "f." + quote_identifier(p.ref)) + to;
            }
            d.keyed_present = "t." + quote_identifier(p.to_ref);
            d.keyed_ordered_alias = "s";
            d.keyed_index_columns = {p.fk};
            for (const std::string& column : p.through_order) d.keyed_index_columns.push_back(column);
            break;
        }
        }
    }
    // The join without from_table, for a caller holding its row.
    const std::string to = "main." + quote_identifier(p.to_table) + " AS t";
    switch (p.kind) {
    case JoinPath::kOneToMany:
        d.embed_source = {p.ref};
        d.embed_from = to;
        d.embed_keys = {"t." + quote_identifier(p.fk)};
        break;
    case JoinPath::kManyToOne:
        d.embed_source = {p.fk};
        d.embed_from = to;
        d.embed_keys = {"t." + quote_identifier(p.ref)};
        break;
    case JoinPath::kManyToMany:
        d.embed_source = {p.ref};
        d.embed_from = join_from(p, true, "main.");
        d.embed_keys = {"s." + quote_identifier(p.fk)};
        break;
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
        d.rowid = d.keys[0];
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
