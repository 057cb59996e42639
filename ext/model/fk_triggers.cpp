// The triggers that theater_enforce_foreign_keys makes: pure functions of the
// schema as read (model/schema.hpp), unit-tested on their strings.
//
// theater_enforce_foreign_keys(table): the table's declared foreign keys as
// triggers that do what SQLite's own enforcement (PRAGMA foreign_keys = ON)
// does, for every client whatever the pragma says (model-layer.md,
// "Integrity without the pragma"). The rules are those of SQLite's fkey.c,
// and tests/test_enforce_differential.py compares the two on random schemas:
//
// * a child key with no NULL column must find its parent row: the parent
//   column's affinity and collation on the child's value (fkLookupParent),
//   written "parent.k = +row.f": the column on the left gives the comparison
//   its affinity and collation, "+" takes the child column's away. The row
//   is read again once the actions have run (an action may have changed it);
// * the child is checked on INSERT, and on an UPDATE that sets a column of
//   the key, a column a generated key column is computed from, or the rowid
//   by any of its names; a key to the child's own table on every UPDATE
//   that SQLite does foreign key work for (fkChildIsModified,
//   sqlite3FkRequired);
// * the actions (CASCADE, SET NULL, SET DEFAULT, RESTRICT) find the children
//   as SQLite's own action triggers do, "OLD.k = child.f" (fkActionTrigger),
//   run once the parent row is deleted or its key changed, and run in
//   SQLite's order: the keys of the newest child table first, of one table
//   the last declared first. A table's CASCADE to its own rows deletes the
//   whole subtree at once, as a trigger does not fire itself while
//   recursive_triggers is OFF;
// * SQLite also counts the children with the parent column's affinity
//   (fkScanChildren) and refuses the statement at its end if any is left
//   without a parent. For NO ACTION that count is the only check; where an
//   action's comparison finds fewer children than the count (a numeric
//   parent and a text child), a check after the action refuses too. A
//   trigger cannot wait for the end of the statement: the checks run after
//   every action of the row's change. SQLite runs the newest trigger on a
//   table first, so the checks on a table are created before its actions
//   (what is left, a check seeing each row's change rather than the
//   statement's, is a documented difference).
//
// Every trigger is named "theater_fk:<child>:<n>:<what>", n the key's id in
// pragma_foreign_key_list. A call drops the child's triggers and makes them
// again from the schema as it is, and makes the theater_fk triggers of the
// other children on the same tables again, unchanged, to put every trigger
// on those tables in that order.
//
// Trigger bodies name tables unqualified: SQLite binds them to the
// trigger's own schema, main, so a TEMP table of the same name is never
// read. No user table's name can capture a column reference either: every
// table a SELECT in a body reads is given an alias (theater_row,
// theater_parent, ...), and a qualified column "x.c" then matches the alias
// only, never the table's name; the recursive CTE is named sqlite_..., a
// name SQLite refuses to any table. The one place a table's name stays is
// the UPDATE or DELETE of a child (SQLite 3.40 allows no alias there,
// 3.54 does): for a child named old or new, which would take OLD.k and NEW.k
// for its own columns, the rows are picked by a subquery and the new value
// read by one, where OLD and NEW are the trigger's rows again.
#include "model/fk_triggers.hpp"

#include "core/quote.hpp"
#include "model/sql_text.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace theater {

namespace {


// The aliases of the tables the trigger bodies read (see the top).
constexpr const char* kRow = "theater_row";        // the child's row, read again
constexpr const char* kParent = "theater_parent";  // the parent a child row names
constexpr const char* kChild = "theater_child";    // a parent's child rows
constexpr const char* kDoomed = "sqlite_theater_doomed";  // the CTE of a subtree's rows

std::string collapse_spaces(const std::string& s) {
    std::string out;
    for (char c : s) {
        bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (space && (out.empty() || out.back() == ' ')) continue;
        out += space ? ' ' : c;
    }
    return out;
}

// "<left>a <op> <right>x AND <left>b <op> <right>y" over the column pairs.
std::string compare(const std::string& left, const std::vector<std::string>& left_columns, const char* op,
                    const std::string& right, const std::vector<std::string>& right_columns) {
    std::string out;
    for (std::size_t i = 0; i < left_columns.size(); ++i) {
        if (i) out += " AND ";
        out += left + quote_identifier(left_columns[i]) + op + right + quote_identifier(right_columns[i]);
    }
    return out;
}

std::string all_not_null(const std::vector<std::string>& columns, const std::string& prefix) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += " AND ";
        out += prefix + quote_identifier(columns[i]) + " IS NOT NULL";
    }
    return out;
}

std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + quote_identifier(columns[i]);
    return out;
}



// " OF <columns>" for an AFTER UPDATE trigger that must fire whenever an
// UPDATE sets one of `columns`: a generated one changes with the columns it
// is computed from, and the INTEGER PRIMARY KEY with the rowid, which an
// UPDATE may set by any of its names. SQLite decides the same way which
// keys an UPDATE touches (update.c, fkChildIsModified).
std::string update_of(const SchemaTable& t, std::vector<std::string> columns) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const SchemaColumn* c = t.column(columns[i]);
        if (c && c->generated) {
            for (const std::string& d : c->depends_on) add_unique(columns, d);
        }
    }
    std::string key = t.integer_primary_key();
    if (!key.empty() &&
        std::any_of(columns.begin(), columns.end(), [&](const std::string& c) { return same_name(c, key); })) {
        for (const std::string& alias : t.rowid_aliases()) add_unique(columns, alias);
    }
    return " OF " + column_list(columns);
}


// One foreign key, resolved against the schema.
struct Key {
    const SchemaTable& child;
    const SchemaForeignKey& fk;
    const SchemaTable& parent;
    std::vector<std::string> from;  // the child's columns
    std::vector<std::string> to;    // the parent's, in the same order
    bool self = false;              // the child is its own parent
    // For a key to its own table, the columns an UPDATE of which checks it.
    std::vector<std::string> self_columns;
};

// The columns that name a row: the rowid, or the primary key where the
// table has no rowid or every name of the rowid is a column's; nothing for
// a table with neither.
std::vector<std::string> identity_of(const SchemaTable& t) {
    if (!t.without_rowid) {
        std::string rowid = t.rowid_column();
        if (!rowid.empty()) return {rowid};
    }
    return t.primary_key();
}

std::vector<std::string> row_identity(const SchemaTable& t) {
    std::vector<std::string> identity = identity_of(t);
    if (identity.empty()) {
        throw SqlError(t.name + " has columns named rowid, _rowid_ and oid and no primary key: the triggers "
                       "have no name for its rows");
    }
    return identity;
}

std::string same_row(const std::vector<std::string>& identity, const std::string& a, const std::string& b) {
    return compare(a, identity, " = ", b, identity);
}

// SQLite takes a new row for its own parent when its key equals its own
// parent key exactly: for an INTEGER PRIMARY KEY, the child value made an
// integer; else each value as stored, without affinity or collation.
std::string self_match(const Key& k, const std::string& row) {
    std::string ipk = k.parent.integer_primary_key();
    if (k.to.size() == 1 && !ipk.empty() && same_name(k.to[0], ipk)) {
        return row + quote_identifier(ipk) + " = +" + row + quote_identifier(k.from[0]);
    }
    std::string out;
    for (std::size_t i = 0; i < k.from.size(); ++i) {
        out += (i ? " AND " : "") + std::string("+") + row + quote_identifier(k.from[i]) + " = +" + row +
               quote_identifier(k.to[i]) + " COLLATE BINARY";
    }
    return "coalesce(" + out + ", 0)";
}

// The parent row of `row` exists: the parent column's affinity and
// collation on the child's value, as SQLite looks it up (fkLookupParent).
// SQLite looks before a new row is written: it finds the row itself only
// by self_match() ('a' is not its own parent 'A' under NOCASE), so for an
// inserted row the triggers look among the other rows. After an UPDATE,
// whether SQLite finds the row itself depends on which indexes the UPDATE
// has rewritten by then, and on the version; the triggers take the row as
// it is, as SQLite's PRAGMA foreign_key_check does (a documented
// difference).
std::string parent_found(const Key& k, const std::string& row, bool inserted) {
    const std::string p = std::string(kParent) + ".";
    std::string found = "EXISTS (SELECT 1 FROM " + quote_identifier(k.parent.name) + " AS " + kParent + " WHERE " +
                        compare(p, k.to, " = ", "+" + row, k.from);
    if (!k.self || !inserted) return found + ")";
    return "(" + self_match(k, row) + " OR " + found + " AND NOT (" + same_row(row_identity(k.parent), p, row) + ")))";
}

std::string raise(const std::string& message) { return "SELECT RAISE(ABORT, " + sql_literal(message) + ")"; }

std::vector<FkTrigger> child_triggers(const Key& k, const std::string& n) {
    // The row is checked as it is once the statement's actions for it have
    // run (an ON UPDATE CASCADE to itself may have changed it since NEW),
    // as SQLite counts its violations until the end of the statement; a
    // row they deleted is no orphan.
    std::vector<std::string> identity = identity_of(k.child);
    auto check = [&](bool inserted) {
        std::string condition;
        if (identity.empty()) {
            condition = all_not_null(k.from, "NEW.") + " AND NOT " + parent_found(k, "NEW.", inserted);
        } else {
            const std::string r = std::string(kRow) + ".";
            condition = "EXISTS (SELECT 1 FROM " + quote_identifier(k.child.name) + " AS " + kRow + " WHERE " +
                        same_row(identity, r, "NEW.") + " AND " + all_not_null(k.from, r) + " AND NOT " +
                        parent_found(k, r, inserted) + ")";
        }
        return " WHEN " + condition + " BEGIN " +
               raise("FOREIGN KEY constraint failed: " + dotted(k.child.name, k.from) + " must name a row of " +
                     k.parent.name) +
               "; END";
    };
    const std::string on = " ON " + quote_identifier(k.child.name);
    // A key that refers to its own table is checked on every UPDATE that
    // SQLite does foreign key work for: one that sets a column of any key of
    // the table, or of any parent key that refers to it (a change of the
    // row's own parent key can break its reference to itself).
    const std::string of = update_of(k.child, k.self ? k.self_columns : k.from);
    return {
        {n + "insert", k.child.name,
         "CREATE TRIGGER main." + quote_identifier(n + "insert") + " AFTER INSERT" + on + check(true),
         true},
        {n + "update", k.child.name,
         "CREATE TRIGGER main." + quote_identifier(n + "update") + " AFTER UPDATE" + of + on + check(false), true},
    };
}

// An SQL expression's words outside its strings, blobs, quoted names and
// comments; and whether it ends inside a -- comment.
struct Words {
    std::vector<std::string> words;
    bool in_line_comment = false;
};

Words bare_words(const std::string& text) {
    Words out;
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\'' || c == '"' || c == '`' || c == '[') {
            std::size_t end = quoted_end(text, i);
            i = end == std::string::npos ? text.size() : end;
        } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
            std::size_t end = text.find('\n', i);
            out.in_line_comment = end == std::string::npos;
            i = end == std::string::npos ? text.size() : end;
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            std::size_t end = text.find("*/", i + 2);
            i = end == std::string::npos ? text.size() : end + 2;
        } else if (sql_name_start(c)) {
            std::size_t end = i;
            while (end < text.size() && sql_name_char(static_cast<unsigned char>(text[end]))) ++end;
            // x'..' is a blob, not the word x
            if (end == i + 1 && (c == 'x' || c == 'X') && end < text.size() && text[end] == '\'') {
                ++i;
                continue;
            }
            out.words.push_back(text.substr(i, end - i));
            i = end;
        } else if (std::isdigit(c) || c == '.') {
            // a number, 1e5 and 0x1F included, is no word
            while (i < text.size() && (sql_name_char(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        } else {
            ++i;
        }
    }
    return out;
}

// The value SQLite's SET DEFAULT writes into column c: its DEFAULT as
// SQLite's parser took it (parse.y, "ccons ::= DEFAULT ..."), as SQL that
// means the same inside a trigger's UPDATE of the table. pragma_table_xinfo
// gives the DEFAULT's text: a term (number, string, blob, NULL,
// CURRENT_TIME, CURRENT_DATE, CURRENT_TIMESTAMP), signed or not; the inside
// of a parenthesised expression, which SQLite allows to name no column; or
// an identifier, bare or quoted, which SQLite takes for the string it spells
// (DEFAULT other is 'other', DEFAULT "x" and DEFAULT [x] are 'x') but for a
// bare TRUE or FALSE, 1 and 0. Inside a trigger the same text would name a
// column, so an identifier becomes its string. In an expression TRUE and
// FALSE name a column of the table of that name first, where SQLite's
// DEFAULT took them for 1 and 0 when the table was read: that is refused.
std::string default_value(const SchemaTable& t, const SchemaColumn& c) {
    std::size_t first = c.dflt.find_first_not_of(" \t\n\r\f");
    std::size_t last = c.dflt.find_last_not_of(" \t\n\r\f");
    const std::string text = first == std::string::npos ? "" : c.dflt.substr(first, last - first + 1);
    if (text.empty()) return "NULL";
    const unsigned char head = static_cast<unsigned char>(text[0]);
    if ((head == '"' || head == '`' || head == '[') && quoted_end(text, 0) == text.size()) {
        return sql_literal(dequoted(text));
    }
    auto in_word = [](char x) { return sql_name_char(static_cast<unsigned char>(x)); };
    if (sql_name_start(head) && std::all_of(text.begin(), text.end(), in_word)) {
        const std::string word = ascii_upper(text);
        if (word == "TRUE") return "1";
        if (word == "FALSE") return "0";
        if (word == "NULL" || word == "CURRENT_TIME" || word == "CURRENT_DATE" || word == "CURRENT_TIMESTAMP") {
            return word;
        }
        return sql_literal(text);
    }
    const Words words = bare_words(text);
    for (const std::string& word : words.words) {
        if ((same_name(word, "true") || same_name(word, "false")) && t.column(word)) {
            throw SqlError("the DEFAULT of " + t.name + "." + c.name + " (" + c.dflt + ") says " + word +
                           ", which inside a trigger names the column " + t.name + "." + t.column(word)->name +
                           "; write 1 or 0 instead for SET DEFAULT to be enforced");
        }
    }
    // SQLite keeps the text of (1 -- comment\n) without its last newline.
    return "(" + text + (words.in_line_comment ? "\n)" : ")");
}

// The value SET NULL, SET DEFAULT or CASCADE writes into a child column.
std::string new_value(const Key& k, const std::string& rule, std::size_t i) {
    if (rule == "CASCADE") return "NEW." + quote_identifier(k.to[i]);
    const SchemaColumn* c = k.child.column(k.from[i]);
    if (rule == "SET DEFAULT" && c && c->has_default && !c->generated) return default_value(k.child, *c);
    return "NULL";
}

// The children of OLD's key among the rows of the child read as `alias`:
// "OLD.k = alias.f", as SQLite's own action triggers write it
// (fkActionTrigger).
std::string children_of(const Key& k, const std::string& alias) {
    return compare("OLD.", k.to, " = ", alias + ".", k.from);
}

// A table named old or new: in its UPDATE or DELETE inside a trigger,
// "OLD.k" or "NEW.k" would name its own column k.
bool names_a_trigger_row(const std::string& table) { return same_name(table, "old") || same_name(table, "new"); }

// The WHERE of an action's UPDATE or DELETE of the children. In a
// subquery, with the child under an alias, OLD is the trigger's row again.
std::string target_children(const Key& k) {
    const std::string child = quote_identifier(k.child.name);
    if (!names_a_trigger_row(k.child.name)) return children_of(k, child);
    std::vector<std::string> identity = row_identity(k.child);
    std::string ids;
    for (std::size_t i = 0; i < identity.size(); ++i) {
        ids += (i ? ", " : "") + std::string(kChild) + "." + quote_identifier(identity[i]);
    }
    return "(" + column_list(identity) + ") IN (SELECT " + ids + " FROM " + child + " AS " + kChild + " WHERE " +
           children_of(k, kChild) + ")";
}

// The UNIQUE constraints of the child (its primary key and UNIQUE indexes
// on plain columns) that an action writing the key's columns can break.
std::vector<std::vector<std::string>> unique_keys_written(const Key& k) {
    std::vector<std::vector<std::string>> out;
    auto written = [&](const std::string& c) {
        return std::any_of(k.from.begin(), k.from.end(), [&](const std::string& f) { return same_name(f, c); });
    };
    std::string ipk = k.child.integer_primary_key();
    if (!ipk.empty() && written(ipk)) out.push_back({ipk});
    for (const SchemaIndex& index : k.child.indexes) {
        if (!index.unique || index.partial || index.columns.empty()) continue;
        bool plain = std::all_of(index.columns.begin(), index.columns.end(), [&](const std::string& c) {
            const SchemaColumn* column = c.empty() ? nullptr : k.child.column(c);
            return column && !column->generated;
        });
        if (plain && std::any_of(index.columns.begin(), index.columns.end(), written)) out.push_back(index.columns);
    }
    return out;
}

// The body of SET NULL, SET DEFAULT and ON UPDATE CASCADE. SQLite runs its
// own with ABORT whatever the statement says; a trigger's UPDATE takes the
// statement's OR REPLACE or OR IGNORE instead, which would turn a NOT NULL
// failure into a default or a skipped row, and a UNIQUE failure into a
// deleted or a skipped row. So both are checked first: NOT NULL where the
// new value is NULL, UNIQUE where a changed child would equal another row
// (changed too, or not) on every column of a unique key.
std::string update_children(const Key& k, const std::string& rule) {
    const std::string child = quote_identifier(k.child.name);
    std::string body;
    for (const SchemaColumn& c : k.child.columns) {
        auto at = std::find_if(k.from.begin(), k.from.end(), [&](const std::string& f) { return same_name(f, c.name); });
        if (at == k.from.end() || !c.not_null || c.generated) continue;
        std::string value = new_value(k, rule, static_cast<std::size_t>(at - k.from.begin()));
        body += raise("NOT NULL constraint failed: " + k.child.name + "." + c.name) + " WHERE (" + value +
                ") IS NULL AND EXISTS (SELECT 1 FROM " + child + " AS " + kChild + " WHERE " +
                children_of(k, kChild) + "); ";
    }
    const std::string a_child = children_of(k, "theater_a");
    const std::string b_child = children_of(k, "theater_b");
    for (const std::vector<std::string>& key : unique_keys_written(k)) {
        std::string same, names;
        for (const std::string& x : key) {
            auto at = std::find_if(k.from.begin(), k.from.end(), [&](const std::string& f) { return same_name(f, x); });
            std::string term;
            if (at == k.from.end()) {
                term = "theater_a." + quote_identifier(x) + " = theater_b." + quote_identifier(x);
            } else {
                std::string value = "(" + new_value(k, rule, static_cast<std::size_t>(at - k.from.begin())) + ")";
                term = value + " IS NOT NULL AND (coalesce(" + b_child + ", 0) OR theater_b." + quote_identifier(x) +
                       " = " + value + ")";
            }
            same += " AND " + term;
            names += (names.empty() ? "" : ", ") + k.child.name + "." + x;
        }
        body += raise("UNIQUE constraint failed: " + names) + " WHERE EXISTS (SELECT 1 FROM " + child +
                " AS theater_a, " + child + " AS theater_b WHERE " + a_child + " AND NOT (" +
                same_row(row_identity(k.child), "theater_a.", "theater_b.") + ")" + same + "); ";
    }
    body += "UPDATE " + child + " SET ";
    for (std::size_t i = 0; i < k.from.size(); ++i) {
        std::string value = new_value(k, rule, i);
        if (names_a_trigger_row(k.child.name)) value = "(SELECT " + value + ")";  // NEW, the trigger's row
        body += (i ? ", " : "") + quote_identifier(k.from[i]) + " = " + value;
    }
    return body + " WHERE " + target_children(k) + ";";
}

// ON DELETE CASCADE. Within its own table the cascade deletes the whole
// subtree at once: a trigger does not fire itself while recursive_triggers
// is OFF, and SQLite's own cascade goes all the way down.
std::string delete_children(const Key& k) {
    const std::string child = quote_identifier(k.child.name);
    if (!k.self) return "DELETE FROM " + child + " WHERE " + target_children(k) + ";";
    std::vector<std::string> identity = row_identity(k.child);
    std::vector<std::string> r;
    for (std::size_t i = 0; i < identity.size(); ++i) r.push_back("r" + std::to_string(i));
    std::string c_ids, r_list;
    for (std::size_t i = 0; i < identity.size(); ++i) {
        c_ids += (i ? ", " : "") + std::string("theater_c.") + quote_identifier(identity[i]);
        r_list += (i ? ", " : "") + r[i];
    }
    const std::string doomed = kDoomed;
    return "DELETE FROM " + child + " WHERE (" + column_list(identity) + ") IN (WITH RECURSIVE " + doomed + "(" +
           r_list + ") AS (SELECT " + c_ids + " FROM " + child + " AS theater_c WHERE " + children_of(k, "theater_c") +
           " UNION SELECT " + c_ids + " FROM " + doomed + " JOIN " + child + " AS theater_p ON " +
           compare("theater_p.", identity, " = ", doomed + ".", r) + " JOIN " + child + " AS theater_c ON " +
           compare("theater_p.", k.to, " = ", "theater_c.", k.from) + ") SELECT " + r_list + " FROM " + doomed + ");";
}

bool numeric(const char* affinity_name) {
    std::string a = affinity_name;
    return a == "INTEGER" || a == "REAL" || a == "NUMERIC";
}

// The affinities of a key's column pair: the parent's, the child's.
std::pair<const char*, const char*> affinities(const Key& k, std::size_t i) {
    const SchemaColumn* p = k.parent.column(k.to[i]);
    const SchemaColumn* c = k.child.column(k.from[i]);
    return {affinity(p ? p->type : ""), affinity(c ? c->type : "")};
}

// Whether the comparison of column pair i in an action, "OLD.k =
// child.f", can differ from SQLite's count of the children. OLD.k in a
// trigger has no affinity (but for the rowid, the INTEGER PRIMARY KEY), so
// that comparison takes the child column's, where SQLite counts with the
// parent's: they differ for a numeric parent and a TEXT or BLOB child
// ('01' is 1 to the count, not to the action), and for a BLOB parent and a
// TEXT child (1 and '1').
bool counted_differently(const Key& k, std::size_t i) {
    auto [parent, child] = affinities(k, i);
    if (same_name(k.to[i], k.parent.integer_primary_key())) return false;
    return !numeric(child) && (numeric(parent) || (std::string(parent) == "BLOB" && std::string(child) == "TEXT"));
}

bool counts_differently(const Key& k) {
    for (std::size_t i = 0; i < k.to.size(); ++i) {
        if (counted_differently(k, i)) return true;
    }
    return false;
}

// "<value>.k = child.f" over the key, compared as SQLite compares when it
// counts the children of a parent row (fkScanChildren): with the parent
// column's affinity and collation. `value` is "OLD." or "NEW.": it has the
// parent's collation but no affinity, so a number from a numeric parent
// column is made NUMERIC (which leaves it as it is) to give it one; the
// other values of such a column are text or blobs, which that affinity
// would not change either.
std::string counted(const Key& k, const std::string& value) {
    const std::string child = std::string(kChild) + ".";
    std::string out;
    for (std::size_t i = 0; i < k.to.size(); ++i) {
        auto [parent_affinity, child_affinity] = affinities(k, i);
        const std::string v = value + quote_identifier(k.to[i]), f = child + quote_identifier(k.from[i]);
        std::string term = v + " = " + f;
        if (!counted_differently(k, i)) {
            // as the action compares
        } else if (numeric(parent_affinity)) {
            term = "CASE WHEN typeof(" + v + ") IN ('integer', 'real') THEN CAST(" + v + " AS NUMERIC) = " + f +
                   " ELSE " + v + " = +" + f + " END";
        } else if (std::string(parent_affinity) == "BLOB" && std::string(child_affinity) == "TEXT") {
            term = "(typeof(" + v + ") NOT IN ('integer', 'real') AND " + term + ")";  // a number is never text
        }
        out += (i ? " AND " : "") + term;
    }
    return out;
}

// The parent's triggers for one event: the action (CASCADE, SET NULL, SET
// DEFAULT, RESTRICT), and the check that no child is left naming the old
// key: for NO ACTION the only trigger, else where the action's comparison
// does not find every child SQLite counts (SQLite then refuses the
// statement at its end).
std::vector<FkTrigger> parent_triggers(const Key& k, const std::string& n, bool on_update, sqlite3_int64 child_row) {
    const std::string rule = ascii_upper(on_update ? k.fk.on_update : k.fk.on_delete);
    const std::string what = on_update ? "parent_update" : "parent_delete";
    const std::string children_from = quote_identifier(k.child.name) + " AS " + kChild;  // FROM it, the children
    const std::string children = children_of(k, kChild);
    std::string event = " AFTER DELETE ON " + quote_identifier(k.parent.name);
    std::string when;
    if (on_update) {
        // The WHEN decides whether the key changed; the column list decides,
        // as SQLite's fkParentIsModified does, which UPDATEs prepare the
        // action at all (preparing SET NULL on a generated column fails).
        event = " AFTER UPDATE" + update_of(k.parent, k.to) + " ON " + quote_identifier(k.parent.name);
        when = " WHEN NOT (" + compare("OLD.", k.to, " IS ", "NEW.", k.to) + ")";
    }
    auto head = [&](const std::string& name) { return "CREATE TRIGGER main." + quote_identifier(name) + event; };
    auto also = [&] { return on_update ? when + " AND " : std::string(" WHEN "); };
    const std::string still_referenced = "FOREIGN KEY constraint failed: a row of " + k.parent.name +
                                         " is still referenced by " + dotted(k.child.name, k.from);
    std::vector<FkTrigger> out;
    const std::string action = n + what;
    if (rule == "CASCADE" && !on_update) {
        out.push_back({action, k.parent.name, head(action) + " BEGIN " + delete_children(k) + " END"});
    } else if (rule == "CASCADE" || rule == "SET NULL" || rule == "SET DEFAULT") {
        out.push_back({action, k.parent.name, head(action) + when + " BEGIN " + update_children(k, rule) +
                                                  " END"});
    } else if (rule == "RESTRICT") {
        out.push_back({action, k.parent.name,
                       head(action) + also() + "EXISTS (SELECT 1 FROM " + children_from + " WHERE " + children +
                           ") BEGIN " + raise(still_referenced) + "; END"});
    }
    for (FkTrigger& t : out) {
        t.child_row = child_row;
        t.id = k.fk.id;
    }
    if (!out.empty() && !counts_differently(k)) return out;
    // The check. The children the action finds are its to delete or
    // change (for RESTRICT, to refuse), whenever it gets to them (a cascade
    // through its own table deletes them in rowid order): the check is about
    // the others. After an UPDATE, a child that the new key counts too still
    // has its parent (SQLite counts it out again), and a row is not its own
    // orphan (fkScanChildren leaves it out).
    std::string orphans = counted(k, "OLD.");
    if (!out.empty()) orphans += " AND NOT coalesce(" + children + ", 0)";
    if (on_update) {
        orphans += " AND NOT coalesce(" + counted(k, "NEW.") + ", 0)";
        if (k.self) {
            orphans += " AND NOT (" + same_row(row_identity(k.child), std::string(kChild) + ".", "NEW.") + ")";
        }
    }
    const std::string check = out.empty() ? action : action + "_check";
    out.push_back({check, k.parent.name,
                   head(check) + also() + "EXISTS (SELECT 1 FROM " + children_from + " WHERE " + orphans +
                       ") BEGIN " + raise(still_referenced) + "; END",
                   true});
    return out;
}

}  // namespace

std::string dotted(const std::string& table, const std::vector<std::string>& columns) {
    std::string out = table + ".";
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + columns[i];
    return out;
}

std::vector<FkTrigger> fk_triggers_for(const SchemaTable& child, const SchemaForeignKey& fk, const SchemaTable& parent,
                                  const std::string& prefix, sqlite3_int64 child_row,
                                  const std::vector<std::string>& key_columns) {
    Key k{child, fk, parent, fk.columns, {}, same_name(child.name, parent.name), key_columns};
    std::vector<std::string> key = parent.primary_key();
    for (std::size_t i = 0; i < fk.columns.size(); ++i) {
        if (!fk.parent_columns[i].empty()) k.to.push_back(fk.parent_columns[i]);
        else if (key.size() == fk.columns.size()) k.to.push_back(key[i]);
        else {
            throw SqlError("the foreign key " + dotted(child.name, fk.columns) + " refers to the primary key of " +
                           parent.name + ", which does not have " + std::to_string(fk.columns.size()) + " column(s)");
        }
    }
    for (std::string& c : k.to) {
        const SchemaColumn* column = parent.column(c);
        if (!column) {
            throw SqlError("the foreign key " + dotted(child.name, fk.columns) + " refers to " + parent.name + "." + c +
                           ", which does not exist");
        }
        c = column->name;
    }
    // SET NULL, SET DEFAULT and ON UPDATE CASCADE write the child's key
    // columns. SQLite fails every statement that may need such an action on
    // a generated column ("cannot UPDATE generated column"), so the key can
    // never work: say so now rather than on some later DELETE.
    for (const std::string& c : fk.columns) {
        const SchemaColumn* column = child.column(c);
        if (!column || !column->generated) continue;
        for (const auto& [event, rule] : {std::pair<const char*, std::string>{"DELETE", fk.on_delete},
                                          std::pair<const char*, std::string>{"UPDATE", fk.on_update}}) {
            std::string r = ascii_upper(rule);
            if (r == "SET NULL" || r == "SET DEFAULT" || (r == "CASCADE" && std::string(event) == "UPDATE")) {
                throw SqlError("the foreign key " + dotted(child.name, fk.columns) + " has ON " + event + " " + r +
                               ", which would write the generated column " + child.name + "." + column->name +
                               ": SQLite fails every statement that needs it (cannot UPDATE generated column)");
            }
        }
    }
    const std::string n = prefix + std::to_string(fk.id) + ":";
    std::vector<FkTrigger> out = child_triggers(k, n);
    for (bool on_update : {false, true}) {
        for (FkTrigger& t : parent_triggers(k, n, on_update, child_row)) out.push_back(std::move(t));
    }
    return out;
}

// A DEFERRABLE INITIALLY DEFERRED foreign key is checked at COMMIT; a
// trigger runs at once, so it cannot stand in for one.
bool declares_deferred(const std::string& sql) {
    return collapse_spaces(ascii_upper(sql)).find("INITIALLY DEFERRED") != std::string::npos;
}

namespace {

const char* const kWhats[] = {"insert",        "update",        "parent_delete", "parent_update", "parent_delete_check",
                              "parent_update_check"};

// "<n>:<what>", the end of a name of ours after "theater_fk:<child>:".
bool is_own_suffix(const std::string& rest) {
    std::size_t colon = rest.find(':');
    if (colon == 0 || colon == std::string::npos) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
    }
    std::string what = rest.substr(colon + 1);
    return std::any_of(std::begin(kWhats), std::end(kWhats), [&](const char* w) { return what == w; });
}

}  // namespace

std::optional<FkTriggerName> parse_fk_trigger_name(const std::string& name) {
    const std::size_t start = std::string(kFkTriggerPrefix).size();
    std::size_t last = name.rfind(':');
    if (last == std::string::npos || last <= start) return std::nullopt;
    std::size_t before = name.rfind(':', last - 1);
    if (before == std::string::npos || before < start || !is_own_suffix(name.substr(before + 1))) return std::nullopt;
    FkTriggerName n{name.substr(start, before - start), 0, name.substr(last + 1)};
    for (std::size_t i = before + 1; i < last; ++i) {
        if (n.id > 100000000) return std::nullopt;  // no table has that many keys
        n.id = n.id * 10 + (name[i] - '0');
    }
    return n;
}

bool runs_later(const FkTrigger& a, const FkTrigger& b) {  // a is created before b
    if (a.check != b.check) return a.check;
    if (a.check) return a.name < b.name;
    if (a.child_row != b.child_row) return a.child_row < b.child_row;
    return a.id > b.id;
}

}  // namespace theater
