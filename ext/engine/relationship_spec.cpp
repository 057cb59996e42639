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

// "k1, k2, ..." with `each` after every key.
std::string key_list(const RelationshipSpec& s, const std::string& each = "") {
    std::string out;
    for (const std::string& key : s.keys) {
        if (!out.empty()) out += ", ";
        out += key + each;
    }
    return out;
}

// "k1 IS NOT NULL AND k2 IS NOT NULL": a row whose key is NULL relates to
// nothing, as name(NULL) says.
std::string keys_not_null(const RelationshipSpec& s) {
    std::string out;
    for (const std::string& key : s.keys) {
        if (!out.empty()) out += " AND ";
        out += key + " IS NOT NULL";
    }
    return out;
}

// The rows of every key, in key order, over `from`: the output columns,
// the keys, then `more`.
std::string every_key(const RelationshipSpec& s, const std::string& from, const std::string& more) {
    std::string sql = "SELECT " + select_list(s) + ", " + key_list(s) + more + " FROM " + from + " WHERE " +
                      keys_not_null(s) + " ORDER BY " + key_list(s);
    if (!s.order.empty()) sql += ", " + s.order;
    return sql;
}

// A tree's trailing columns: the next level's values, then the identity.
std::string next_list(const RelationshipSpec& s) {
    std::string out;
    for (const std::string& next : s.next) out += ", " + next;
    for (const std::string& identity : s.identity) out += ", " + identity;
    return out;
}

// The rowid's column of the integer path's queries (rowid_output).
std::string rowid_column(const RelationshipSpec& s) { return rowid_output(s) >= 0 ? "NULL" : s.rowid; }

}  // namespace

int rowid_output(const RelationshipSpec& s) {
    if (s.general || s.rowid.empty()) return -1;
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
        if (s.columns[i].expr == s.rowid) return static_cast<int>(i);
    }
    return -1;
}

namespace {

// Whether the statement reads output column i (reading_columns); `kept`:
// rowid_output(s).
bool column_read(const RelationshipSpec& s, std::uint64_t col_used, int kept, std::size_t i) {
    if (s.general || static_cast<int>(i) == kept) return true;
    return ((col_used >> (i < 63 ? i : 63)) & 1) != 0;
}

}  // namespace

std::uint64_t columns_read(const RelationshipSpec& s, std::uint64_t col_used) {
    int kept = rowid_output(s);
    std::uint64_t out = 0;
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
        if (column_read(s, col_used, kept, i)) out |= std::uint64_t{1} << (i < 63 ? i : 63);
    }
    return out;
}

RelationshipSpec reading_columns(const RelationshipSpec& s, std::uint64_t col_used) {
    RelationshipSpec out = s;
    int kept = rowid_output(s);
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
        if (!column_read(s, col_used, kept, i)) out.columns[i].expr = "NULL";
    }
    return out;
}

bool RelationshipSpec::operator==(const RelationshipSpec& o) const {
    return name == o.name && arguments == o.arguments && columns == o.columns && from == o.from &&
           view_from == o.view_from && keys == o.keys && general == o.general && recursive == o.recursive &&
           max_depth == o.max_depth && next == o.next && identity == o.identity && children == o.children &&
           roots == o.roots && seek_from == o.seek_from &&
           seek_key == o.seek_key && parent == o.parent && parent_bounds == o.parent_bounds &&
           parent_count == o.parent_count && keyed_from == o.keyed_from &&
           keyed_present == o.keyed_present && keyed_ordered_alias == o.keyed_ordered_alias &&
           keyed_index_columns == o.keyed_index_columns && memo == o.memo && memo_target == o.memo_target && memo_keyed == o.memo_keyed && memo_span == o.memo_span &&
           memo_follow == o.memo_follow && memo_follow_next == o.memo_follow_next &&
           memo_follow_index == o.memo_follow_index && memo_parents == o.memo_parents &&
           memo_parent_key_column == o.memo_parent_key_column &&
           rowid == o.rowid && order == o.order &&
           order_column == o.order_column && rows_per_key == o.rows_per_key && unique == o.unique &&
           when_tables_missing == o.when_tables_missing && broken == o.broken && write == o.write;
}

// The seek is a forward scan from a key on: a join that asks for ascending
// keys walks it instead of seeking anew for each. A general spec's seek is
// the rows of one key.
std::string seek_sql(const RelationshipSpec& s) {
    if (s.general) {
        std::string sql = "SELECT " + select_list(s) + ", " + key_list(s) + next_list(s) +
                          (s.rowid.empty() ? "" : ", " + s.rowid) + " FROM " + s.from + " WHERE ";
        for (std::size_t i = 0; i < s.keys.size(); ++i) {
            if (i > 0) sql += " AND ";
            sql += s.keys[i] + " = ?" + std::to_string(i + 1);
        }
        if (!s.order.empty()) sql += " ORDER BY " + s.order;
        return sql;
    }
    const std::string& from = s.seek_from.empty() ? s.from : s.seek_from;
    const std::string& key = s.seek_key.empty() ? s.keys[0] : s.seek_key;
    std::string sql = "SELECT " + select_list(s) + ", " + key + ", " + rowid_column(s) + " FROM " + from + " WHERE " + key +
                      " >= ?1 ORDER BY " + key;
    if (!s.order.empty()) sql += ", " + s.order;
    return sql;
}

std::string keyed_sql(const RelationshipSpec& s) {
    if (s.general || s.keyed_from.empty()) return "";
    // k.value where the seek has the key: the table reports the argument
    // itself in that column (relationship_column).
    return "SELECT " + select_list(s) + ", k.value, " + rowid_column(s) + ", " + s.keyed_present + ", k.value, k.seq FROM " +
           s.keyed_from;
}

std::string scan_sql(const RelationshipSpec& s) {
    return every_key(s, s.from, s.rowid.empty() ? "" : ", " + (s.general ? s.rowid : rowid_column(s)));
}

std::string view_select(const RelationshipSpec& s) { return every_key(s, s.view_from, ""); }

std::vector<std::string> view_columns(const RelationshipSpec& s) {
    std::vector<std::string> names;
    for (const RelationshipSpec::Column& c : s.columns) names.push_back(c.name);
    for (const RelationshipSpec::Argument& a : s.arguments) names.push_back(a.name);
    return names;
}

std::string table_declaration(const RelationshipSpec& s) {
    std::string sql = "CREATE TABLE x(";
    for (const RelationshipSpec::Column& c : s.columns) sql += quote_identifier(c.name) + " " + c.type + ", ";
    if (s.recursive) sql += quote_identifier(kDepthColumn) + " INTEGER, ";
    for (std::size_t i = 0; i < s.arguments.size(); ++i) {
        if (i > 0) sql += ", ";
        // Without the key's collation: SQLite 3.40 loses a HIDDEN column's
        // COLLATE (it cuts "HIDDEN" out of the type in place, and then
        // reads the collation from the wrong place). The engine does not
        // claim the key's order for a key with one (relationship_best_index).
        sql += quote_identifier(s.arguments[i].name) + " " + s.arguments[i].type + " HIDDEN";
    }
    return sql + ")";
}

}  // namespace theater
