#include "engine/relationship_spec.hpp"

#include "core/quote.hpp"

namespace theater {

namespace {

std::string select_list(const RelationshipSpec& s) {
    std::string out;
    for (const RelationshipSpec::Column& c : s.columns) {
        if (!out.empty()) out += ", ";
        out += c.expr;
    }
    return out;
}

// The rows of every key, in key order, over `from`: the output columns,
// the key, then `more`. A row whose key is NULL relates to nothing, as name(NULL) says.
std::string every_key(const RelationshipSpec& s, const std::string& from, const std::string& more) {
    std::string sql = "SELECT " + select_list(s) + ", " + s.key + more + " FROM " + from + " WHERE " + s.key +
                      " IS NOT NULL ORDER BY " + s.key;
    if (!s.order.empty()) sql += ", " + s.order;
    return sql;
}

}  // namespace

bool RelationshipSpec::operator==(const RelationshipSpec& o) const {
    return name == o.name && argument == o.argument && columns == o.columns && from == o.from &&
           view_from == o.view_from && key == o.key &&
           seek_from == o.seek_from && seek_key == o.seek_key && parent == o.parent && rowid == o.rowid &&
           order == o.order && order_column == o.order_column && rows_per_key == o.rows_per_key &&
           unique == o.unique && when_tables_missing == o.when_tables_missing && broken == o.broken;
}

// The seek is a forward scan from a key on: a join that asks for ascending
// keys walks it instead of seeking anew for each.
std::string seek_sql(const RelationshipSpec& s) {
    const std::string& from = s.seek_from.empty() ? s.from : s.seek_from;
    const std::string& key = s.seek_key.empty() ? s.key : s.seek_key;
    std::string sql = "SELECT " + select_list(s) + ", " + key + ", " + s.rowid + " FROM " + from + " WHERE " + key +
                      " >= ?1 ORDER BY " + key;
    if (!s.order.empty()) sql += ", " + s.order;
    return sql;
}

std::string scan_sql(const RelationshipSpec& s) { return every_key(s, s.from, ", " + s.rowid); }

std::string view_select(const RelationshipSpec& s) { return every_key(s, s.view_from, ""); }

std::vector<std::string> view_columns(const RelationshipSpec& s) {
    std::vector<std::string> names;
    for (const RelationshipSpec::Column& c : s.columns) names.push_back(c.name);
    names.push_back(s.argument);
    return names;
}

std::string table_declaration(const RelationshipSpec& s) {
    std::string sql = "CREATE TABLE x(";
    for (const RelationshipSpec::Column& c : s.columns) sql += quote_identifier(c.name) + " " + c.type + ", ";
    sql += quote_identifier(s.argument) + " INTEGER HIDDEN)";
    return sql;
}

}  // namespace theater
