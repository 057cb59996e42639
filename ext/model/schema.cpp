#include "model/schema.hpp"

#include "model/sql_text.hpp"

#include <algorithm>
#include <cctype>

namespace theater {

namespace {

constexpr const char* kFindTable =
    "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'";
constexpr const char* kFindView =
    "SELECT name, sql FROM main.sqlite_master WHERE type = 'view' AND name = ?1 COLLATE NOCASE";
constexpr const char* kAllTables =
    "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name";
constexpr const char* kColumns =
    "SELECT name, type, dflt_value, \"notnull\", pk, hidden FROM pragma_table_xinfo(?1, 'main') WHERE hidden <> 1 "
    "ORDER BY cid";
constexpr const char* kForeignKeys =
    "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1, 'main') "
    "ORDER BY id, seq";
constexpr const char* kIndexes = "SELECT name, \"unique\", partial FROM pragma_index_list(?1, 'main') ORDER BY name";
constexpr const char* kIndexColumns = "SELECT name FROM pragma_index_info(?1, 'main') ORDER BY seqno";

std::string text(sqlite3_stmt* stmt, int column) { return column_bytes(stmt, column); }


// Table options follow the closing parenthesis: WITHOUT ROWID, STRICT.
bool declares_without_rowid(const std::string& sql) {
    std::size_t close = sql.rfind(')');
    if (close == std::string::npos) return false;
    std::string options = ascii_upper(sql.substr(close + 1));
    std::size_t without = options.find("WITHOUT");
    return without != std::string::npos && options.find("ROWID", without) != std::string::npos;
}

// Just enough of SQLite's tokenizer to find a generated column's expression
// in a CREATE TABLE statement and the names in it: names (bare, "quoted",
// [bracketed] or `quoted`, unquoted), string and blob literals, and single
// characters; comments and spaces are dropped.
struct Token {
    enum Kind { kName, kLiteral, kOther } kind;
    std::string text;
    bool bare = false;  // a name written without quotes (it may be a keyword)
};

std::vector<Token> tokenize(const std::string& sql) {
    std::vector<Token> out;
    std::size_t i = 0, n = sql.size();
    // The quoted token at sql[i], dequoted; one that does not close runs to
    // the end.
    auto quoted = [&] {
        std::size_t end = quoted_end(sql, i);
        std::string token = sql.substr(i, end == std::string::npos ? std::string::npos : end - i);
        if (end == std::string::npos) token += token[0] == '[' ? ']' : token[0];
        i = end == std::string::npos ? n : end;
        return dequoted(token);
    };
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(sql[i]);
        if (std::isspace(c)) {
            ++i;
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            std::size_t end = sql.find("*/", i + 2);
            i = end == std::string::npos ? n : end + 2;
        } else if (c == '\'') {
            out.push_back({Token::kLiteral, quoted()});
        } else if (c == '"' || c == '`') {
            out.push_back({Token::kName, quoted()});
        } else if (c == '[') {
            out.push_back({Token::kName, quoted()});
        } else if ((c == 'x' || c == 'X') && i + 1 < n && sql[i + 1] == '\'') {
            ++i;
            out.push_back({Token::kLiteral, quoted()});
        } else if (std::isdigit(c) || (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
            std::size_t start = i;
            while (i < n && (sql_name_char(static_cast<unsigned char>(sql[i])) || sql[i] == '.' ||
                             ((sql[i] == '+' || sql[i] == '-') && (sql[i - 1] == 'e' || sql[i - 1] == 'E')))) {
                ++i;
            }
            out.push_back({Token::kLiteral, sql.substr(start, i - start)});
        } else if (sql_name_char(c)) {
            std::size_t start = i;
            while (i < n && sql_name_char(static_cast<unsigned char>(sql[i]))) ++i;
            out.push_back({Token::kName, sql.substr(start, i - start), true});
        } else {
            out.push_back({Token::kOther, std::string(1, static_cast<char>(c))});
            ++i;
        }
    }
    return out;
}

bool is_other(const Token& t, char c) { return t.kind == Token::kOther && t.text.size() == 1 && t.text[0] == c; }
bool is_keyword(const Token& t, const char* word) { return t.kind == Token::kName && t.bare && same_name(t.text, word); }

// Fills depends_on of the generated columns: the names of the table's
// columns that appear in "AS (<expression>)" of the column's definition,
// other than as a function's name. An UPDATE that changes one of them
// changes the generated column, which is what SQLite's foreign key checks
// go by (update.c marks such a column as changed).
void read_generated_dependencies(SchemaTable& t) {
    if (std::none_of(t.columns.begin(), t.columns.end(), [](const SchemaColumn& c) { return c.generated; })) return;
    std::vector<Token> tokens = tokenize(t.sql);
    std::size_t i = 0;
    while (i < tokens.size() && !is_other(tokens[i], '(')) ++i;
    ++i;  // the column definitions and table constraints start here
    while (i < tokens.size()) {
        std::size_t start = i;
        int depth = 0;
        while (i < tokens.size() && !(depth == 0 && (is_other(tokens[i], ',') || is_other(tokens[i], ')')))) {
            if (is_other(tokens[i], '(')) ++depth;
            if (is_other(tokens[i], ')')) --depth;
            ++i;
        }
        std::size_t end = i;
        bool last = i >= tokens.size() || is_other(tokens[i], ')');
        ++i;
        if (start == end || tokens[start].kind != Token::kName) continue;
        SchemaColumn* column = nullptr;
        for (SchemaColumn& c : t.columns) {
            if (c.generated && same_name(c.name, tokens[start].text)) column = &c;
        }
        if (column) {
            for (std::size_t j = start + 1; j + 1 < end; ++j) {
                if (!is_keyword(tokens[j], "AS") || !is_other(tokens[j + 1], '(')) continue;
                int nesting = 0;
                for (std::size_t k = j + 1; k < end; ++k) {
                    if (is_other(tokens[k], '(')) ++nesting;
                    if (is_other(tokens[k], ')') && --nesting == 0) break;
                    if (tokens[k].kind != Token::kName) continue;
                    if (k + 1 < end && is_other(tokens[k + 1], '(')) continue;  // a function
                    const SchemaColumn* named = t.column(tokens[k].text);
                    if (named && std::none_of(column->depends_on.begin(), column->depends_on.end(),
                                              [&](const std::string& d) { return same_name(d, named->name); })) {
                        column->depends_on.push_back(named->name);
                    }
                }
                break;
            }
        }
        if (last) break;
    }
}

Stmt bound(sqlite3* db, const char* sql, const std::string& argument) {
    Stmt stmt = prepare(db, sql);
    // A failed bind (out of memory) leaves NULL: "no such table" otherwise.
    int rc = sqlite3_bind_text(stmt.get(), 1, argument.data(), static_cast<int>(argument.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
    return stmt;
}

void read_details(sqlite3* db, SchemaTable& t) {
    Stmt columns = bound(db, kColumns, t.name);
    while (step(db, columns.get())) {
        SchemaColumn c;
        c.name = text(columns.get(), 0);
        c.type = text(columns.get(), 1);
        c.has_default = sqlite3_column_type(columns.get(), 2) != SQLITE_NULL;
        c.dflt = text(columns.get(), 2);
        c.not_null = sqlite3_column_int(columns.get(), 3) != 0;
        c.pk = sqlite3_column_int(columns.get(), 4);
        c.generated = sqlite3_column_int(columns.get(), 5) >= 2;  // 2: VIRTUAL, 3: STORED
        t.columns.push_back(std::move(c));
    }
    read_generated_dependencies(t);
    Stmt keys = bound(db, kForeignKeys, t.name);
    while (step(db, keys.get())) {
        int id = sqlite3_column_int(keys.get(), 0);
        if (t.foreign_keys.empty() || t.foreign_keys.back().id != id) {
            SchemaForeignKey fk;
            fk.id = id;
            fk.parent = text(keys.get(), 1);
            fk.on_update = text(keys.get(), 4);
            fk.on_delete = text(keys.get(), 5);
            t.foreign_keys.push_back(std::move(fk));
        }
        t.foreign_keys.back().columns.push_back(text(keys.get(), 2));
        t.foreign_keys.back().parent_columns.push_back(text(keys.get(), 3));
    }
    Stmt indexes = bound(db, kIndexes, t.name);
    while (step(db, indexes.get())) {
        SchemaIndex index;
        index.name = text(indexes.get(), 0);
        index.unique = sqlite3_column_int(indexes.get(), 1) != 0;
        index.partial = sqlite3_column_int(indexes.get(), 2) != 0;
        Stmt columns_of = bound(db, kIndexColumns, index.name);
        while (step(db, columns_of.get())) index.columns.push_back(text(columns_of.get(), 0));
        t.indexes.push_back(std::move(index));
    }
    t.without_rowid = declares_without_rowid(t.sql);
}

}  // namespace



const SchemaColumn* SchemaTable::column(const std::string& wanted) const {
    for (const SchemaColumn& c : columns) {
        if (same_name(c.name, wanted)) return &c;
    }
    return nullptr;
}

const char* affinity(const std::string& declared_type) {
    std::string t = ascii_upper(declared_type);
    if (t.find("INT") != std::string::npos) return "INTEGER";
    if (t.find("CHAR") != std::string::npos || t.find("CLOB") != std::string::npos ||
        t.find("TEXT") != std::string::npos) {
        return "TEXT";
    }
    if (t.find("BLOB") != std::string::npos || t.empty()) return "BLOB";
    if (t.find("REAL") != std::string::npos || t.find("FLOA") != std::string::npos ||
        t.find("DOUB") != std::string::npos) {
        return "REAL";
    }
    return "NUMERIC";
}

std::string SchemaTable::rowid_column() const {
    std::string key = integer_primary_key();
    return key.empty() ? rowid_name() : key;
}

std::string SchemaTable::integer_primary_key() const {
    std::vector<std::string> key = primary_key();
    if (!without_rowid && key.size() == 1 && ascii_upper(column(key[0])->type) == "INTEGER") return key[0];
    return "";
}

std::vector<std::string> SchemaTable::rowid_aliases() const {
    std::vector<std::string> out;
    if (without_rowid || view) return out;
    for (const char* candidate : {"rowid", "_rowid_", "oid"}) {
        if (!column(candidate)) out.push_back(candidate);
    }
    return out;
}

std::string SchemaTable::rowid_name() const {
    if (without_rowid || view) return "";
    for (const char* candidate : {"rowid", "_rowid_", "oid"}) {
        if (!column(candidate)) return candidate;
    }
    return "";
}

std::vector<std::string> SchemaTable::primary_key() const {
    std::vector<const SchemaColumn*> key;
    for (const SchemaColumn& c : columns) {
        if (c.pk > 0) key.push_back(&c);
    }
    std::sort(key.begin(), key.end(), [](const SchemaColumn* a, const SchemaColumn* b) { return a->pk < b->pk; });
    std::vector<std::string> names;
    for (const SchemaColumn* c : key) names.push_back(c->name);
    return names;
}

std::optional<std::string> SchemaTable::integer_key() const {
    std::vector<std::string> key = primary_key();
    if (key.empty()) {
        std::string rowid = rowid_name();
        if (rowid.empty()) return std::nullopt;
        return rowid;
    }
    if (key.size() != 1) return std::nullopt;
    // INTEGER affinity: the declared type contains "INT" (SQLite's rule 1).
    if (ascii_upper(column(key[0])->type).find("INT") == std::string::npos) return std::nullopt;
    return key[0];
}

bool SchemaTable::unique_column(const std::string& wanted) const {
    std::vector<std::string> key = primary_key();
    if (key.size() == 1 && same_name(key[0], wanted)) return true;
    for (const SchemaIndex& index : indexes) {
        if (index.unique && !index.partial && index.columns.size() == 1 && same_name(index.columns[0], wanted)) {
            return true;
        }
    }
    return false;
}

const SchemaIndex* SchemaTable::index_leading_with(const std::string& wanted) const {
    const SchemaIndex* best = nullptr;
    for (const SchemaIndex& index : indexes) {
        if (index.partial || index.columns.empty() || !same_name(index.columns[0], wanted)) continue;
        if (!best || index.columns.size() < best->columns.size()) best = &index;
    }
    return best;
}

std::optional<SchemaTable> read_table(sqlite3* db, const std::string& name) {
    Stmt find = bound(db, kFindTable, name);
    if (!step(db, find.get())) return std::nullopt;
    SchemaTable t;
    t.name = text(find.get(), 0);
    t.sql = text(find.get(), 1);
    find.reset();
    read_details(db, t);
    return t;
}

std::optional<SchemaTable> read_relation(sqlite3* db, const std::string& name) {
    if (std::optional<SchemaTable> table = read_table(db, name)) return table;
    Stmt find = bound(db, kFindView, name);
    if (!step(db, find.get())) return std::nullopt;
    SchemaTable v;
    v.name = text(find.get(), 0);
    v.sql = text(find.get(), 1);
    v.view = true;
    find.reset();
    Stmt columns = bound(db, kColumns, v.name);
    while (step(db, columns.get())) {
        SchemaColumn c;
        c.name = text(columns.get(), 0);
        c.type = text(columns.get(), 1);
        v.columns.push_back(std::move(c));
    }
    return v;
}

std::vector<SchemaTable> read_all_tables(sqlite3* db, const std::vector<std::string>& leave_out) {
    std::vector<std::string> names;
    {
        Stmt all = prepare(db, kAllTables);
        while (step(db, all.get())) {
            std::string name = text(all.get(), 0);
            if (std::find(leave_out.begin(), leave_out.end(), name) == leave_out.end()) names.push_back(std::move(name));
        }
    }
    std::vector<SchemaTable> tables;
    for (const std::string& name : names) {
        if (std::optional<SchemaTable> t = read_table(db, name)) tables.push_back(std::move(*t));
    }
    return tables;
}

const SchemaTable* find_table(const std::vector<SchemaTable>& tables, const std::string& name) {
    for (const SchemaTable& t : tables) {
        if (same_name(t.name, name)) return &t;
    }
    return nullptr;
}

void add_unique(std::vector<std::string>& names, const std::string& name) {
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return same_name(n, name); })) {
        names.push_back(name);
    }
}

}  // namespace theater
