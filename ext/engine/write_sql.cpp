#include "engine/write_sql.hpp"

#include "core/quote.hpp"

namespace theater {

namespace {

std::string table(const std::string& name) { return "main." + quote_identifier(name); }

std::string param(std::size_t n) { return "?" + std::to_string(n); }

// "s.k1 = ?1 AND s.k2 = ?2" (prefix "s." or "").
std::string key_equals(const std::vector<std::string>& columns, const std::string& prefix, std::size_t first) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) out += " AND ";
        out += prefix + quote_identifier(columns[i]) + " = " + param(first + i);
    }
    return out;
}

std::string list(const std::vector<std::string>& columns, const std::string& prefix = "") {
    std::string out;
    for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + prefix + quote_identifier(c);
    return out;
}

// The user's text on lines of its own: a trailing -- comment ends there.
std::string filter(const WritePlan& w) { return "(\n" + w.where + "\n)"; }

// The target's rows with their key (as "theater k<i>") and the columns the
// link refers to (as "theater r<i>"), under the target's own name, where
// the filter holds: what a many-to-many write links to.
std::string filtered_target(const WritePlan& w) {
    std::string select;
    for (std::size_t i = 0; i < w.target_key.size(); ++i) {
        select += (select.empty() ? "" : ", ") + quote_identifier(w.target) + "." + quote_identifier(w.target_key[i]) +
                  " AS " + quote_identifier("theater k" + std::to_string(i));
    }
    for (std::size_t i = 0; i < w.target_ref.size(); ++i) {
        select += ", " + quote_identifier(w.target) + "." + quote_identifier(w.target_ref[i]) + " AS " +
                  quote_identifier("theater r" + std::to_string(i));
    }
    std::string sql = "SELECT " + select + " FROM " + table(w.target);
    if (!w.where.empty()) sql += " WHERE " + filter(w);
    return sql;
}

std::vector<std::string> numbered(const char* stem, std::size_t count) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(std::string("theater ") + stem + std::to_string(i));
    return out;
}

}  // namespace

std::string delete_sql(const WritePlan& w) {
    std::string where = " WHERE " + quote_identifier(w.holder_rowid) + " = ?1";
    if (!w.many_to_many && w.orphan) {
        std::string set;
        for (const std::string& c : w.holder_fk) set += (set.empty() ? "" : ", ") + quote_identifier(c) + " = NULL";
        return "UPDATE " + table(w.holder) + " SET " + set + where;
    }
    return "DELETE FROM " + table(w.holder) + where;
}

std::string source_exists_sql(const WritePlan& w) {
    return "SELECT 1 FROM " + table(w.source) + " WHERE " + key_equals(w.source_key, "", 1);
}

std::string target_exists_sql(const WritePlan& w) {
    return "SELECT 1 FROM " + table(w.target) + " WHERE " + key_equals(w.target_key, "", 1);
}

std::string target_rowid_sql(const WritePlan& w) {
    return "SELECT " + quote_identifier(w.holder_rowid) + " FROM " + table(w.target) + " WHERE " +
           key_equals(w.target_key, "", 1);
}

// `value` as a column of `affinity` stores it, for the filter's check
// (datatype3.html, "Type Affinity"): a TEXT column stores a number as text;
// a numeric one stores text that reads as a number as that number (CAST
// alone would also turn 'abc' into 0: the comparison with the CAST, which
// has the column's affinity, tells whether the text reads as a number);
// BLOB changes nothing.
static std::string as_stored(const std::string& value, const std::string& affinity) {
    if (affinity == "TEXT") {
        return "CASE WHEN typeof(" + value + ") IN ('integer', 'real') THEN CAST(" + value + " AS TEXT) ELSE " + value +
               " END";
    }
    if (affinity == "INTEGER" || affinity == "REAL" || affinity == "NUMERIC") {
        std::string cast = "CAST(" + value + " AS " + (affinity == "REAL" ? "REAL" : "NUMERIC") + ")";
        std::string numeric = affinity == "REAL" ? "CAST(" + value + " AS REAL)" : cast;
        return "CASE WHEN typeof(" + value + ") = 'text' AND " + cast + " = " + value + " THEN " + cast +
               " WHEN typeof(" + value + ") IN ('integer', 'real') THEN " + numeric + " ELSE " + value + " END";
    }
    return value;
}

std::string insert_child_sql(const WritePlan& w, const std::vector<std::string>& columns,
                             const std::vector<std::string>& affinities) {
    const std::size_t k = w.source_key.size();
    std::vector<std::string> all = columns;
    all.insert(all.end(), w.holder_fk.begin(), w.holder_fk.end());
    std::string values;
    std::string typed;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        values += (values.empty() ? "" : ", ") + param(k + 1 + i);
        typed += (typed.empty() ? "" : ", ") + as_stored(param(k + 1 + i), affinities[i]) + " AS " +
                 quote_identifier(columns[i]);
    }
    for (std::size_t i = 0; i < w.holder_fk.size(); ++i) {
        std::string ref = "s." + quote_identifier(w.source_ref[i]);
        values += (values.empty() ? "" : ", ") + ref;
        typed += (typed.empty() ? "" : ", ") + as_stored(ref, w.holder_fk_affinity[i]) + " AS " +
                 quote_identifier(w.holder_fk[i]);
    }
    const std::string source = " FROM " + table(w.source) + " AS s WHERE " + key_equals(w.source_key, "s.", 1);
    std::string sql = "INSERT INTO " + table(w.target) + "(" + list(all) + ") ";
    if (w.where.empty()) return sql + "SELECT " + values + source;
    // The row as it will be stored, under the target's own name, so that
    // the filter reads its columns as it reads the target's: inserted only
    // if it holds, in the one statement.
    return sql + "SELECT * FROM (SELECT " + typed + source + ") AS " + quote_identifier(w.target) + " WHERE " + filter(w);
}

std::string reparent_sql(const WritePlan& w) {
    const std::size_t k = w.source_key.size();
    std::string source = " FROM " + table(w.source) + " AS s WHERE " + key_equals(w.source_key, "s.", 1);
    std::string set;
    if (w.holder_fk.size() == 1) {
        set = quote_identifier(w.holder_fk[0]) + " = (SELECT s." + quote_identifier(w.source_ref[0]) + source + ")";
    } else {
        set = "(" + list(w.holder_fk) + ") = (SELECT " + list(w.source_ref, "s.") + source + ")";
    }
    std::string sql = "UPDATE " + table(w.target) + " SET " + set + " WHERE " + key_equals(w.target_key, "", k + 1) +
                      " AND EXISTS (SELECT 1" + source + ")";
    if (!w.where.empty()) sql += " AND " + filter(w);
    return sql;
}

std::string link_sql(const WritePlan& w) {
    const std::size_t k = w.source_key.size();
    std::vector<std::string> refs = numbered("r", w.target_ref.size());
    std::vector<std::string> keys = numbered("k", w.target_key.size());
    std::vector<std::string> columns = w.holder_fk;
    columns.insert(columns.end(), w.link_to.begin(), w.link_to.end());
    return "INSERT INTO " + table(w.holder) + "(" + list(columns) + ") SELECT " + list(w.source_ref, "s.") + ", " +
           list(refs, "t.") + " FROM " + table(w.source) + " AS s, (" + filtered_target(w) + ") AS t WHERE " +
           key_equals(w.source_key, "s.", 1) + " AND " + key_equals(keys, "t.", k + 1);
}

}  // namespace theater
