#include "model/fragment.hpp"

#include "core/quote.hpp"
#include "model/schema.hpp"
#include "model/sql_text.hpp"

#include <cctype>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <tuple>

namespace theater {

namespace {

// The option's name as every message starts it.
std::string named(const char* option) { return std::string("option \"") + option + "\""; }

// A run of the text as SQLite's tokenizer would cut it, as far as the
// checks below need: what is inside a quote or a comment never counts as
// a parenthesis, a comma or a semicolon.
struct Piece {
    enum Kind { kSpace, kComment, kQuoted, kWord, kNumber, kOther, kUnclosed } kind;
    std::size_t begin, end;
};

// The text in pieces. A quote or a /* comment that does not close becomes
// one last kUnclosed piece, so that a caller reports the problems in the
// order they come (a stray ')' before an unclosed quote is named first).
std::vector<Piece> pieces_of(const std::string& text) {
    std::vector<Piece> out;
    std::size_t i = 0, n = text.size();
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    while (i < n) {
        std::size_t start = i;
        unsigned char c = at(i);
        Piece::Kind kind = Piece::kOther;
        if (std::isspace(c)) {
            while (i < n && std::isspace(at(i))) ++i;
            kind = Piece::kSpace;
        } else if (c == '-' && i + 1 < n && text[i + 1] == '-') {
            while (i < n && text[i] != '\n') ++i;
            kind = Piece::kComment;
        } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
            std::size_t close = text.find("*/", i + 2);
            if (close == std::string::npos) {
                out.push_back({Piece::kUnclosed, i, n});
                return out;
            }
            i = close + 2;
            kind = Piece::kComment;
        } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
            std::size_t close = quoted_end(text, i);
            if (close == std::string::npos) {
                out.push_back({Piece::kUnclosed, i, n});
                return out;
            }
            i = close;
            kind = Piece::kQuoted;
        } else if (std::isdigit(c) || (c == '.' && i + 1 < n && std::isdigit(at(i + 1)))) {
            // A number, ended exactly where SQLite's tokenizer ends it
            // (sqlite3GetToken): a hex literal after its last hex digit (so
            // "0xe--" is 0xe and a comment); else digits, a fraction, an
            // exponent only when a digit follows its sign, then any name
            // characters (one illegal token, "2abc").
            auto digit = [&](std::size_t k) { return k < n && std::isdigit(at(k)); };
            if (c == '0' && i + 2 < n && (text[i + 1] == 'x' || text[i + 1] == 'X') && std::isxdigit(at(i + 2))) {
                i += 3;
                while (i < n && std::isxdigit(at(i))) ++i;
            } else {
                while (digit(i)) ++i;
                if (i < n && text[i] == '.') {
                    ++i;
                    while (digit(i)) ++i;
                }
                if (i < n && (text[i] == 'e' || text[i] == 'E') &&
                    (digit(i + 1) || (i + 1 < n && (text[i + 1] == '+' || text[i + 1] == '-') && digit(i + 2)))) {
                    i += 2;
                    while (digit(i)) ++i;
                }
                while (i < n && sql_name_char(at(i))) ++i;
            }
            kind = Piece::kNumber;
        } else if (sql_name_start(c)) {
            while (i < n && sql_name_char(at(i))) ++i;
            kind = Piece::kWord;
        } else {
            ++i;
        }
        out.push_back({kind, start, i});
    }
    return out;
}

// "character 7": 1-based, counting UTF-8 sequences, as an editor shows a column.
std::string character_at(const std::string& text, std::size_t offset) {
    std::size_t count = 1;
    for (std::size_t k = 0; k < offset; ++k) {
        if ((static_cast<unsigned char>(text[k]) & 0xc0) != 0x80) ++count;
    }
    return "character " + std::to_string(count);
}

bool significant(const Piece& p) { return p.kind != Piece::kSpace && p.kind != Piece::kComment; }

bool is_char(const std::string& text, const Piece& p, char c) {
    return p.kind == Piece::kOther && p.end == p.begin + 1 && text[p.begin] == c;
}

bool is_keyword(const std::string& text, const Piece& p, const char* word) {
    return p.kind == Piece::kWord && same_name(text.substr(p.begin, p.end - p.begin), word);
}

// The nine suffixes split_order_by writes; anything else would be SQL of
// its own spliced after the expression.
bool known_suffix(const std::string& suffix) {
    for (const char* direction : {"", " ASC", " DESC"}) {
        for (const char* nulls : {"", " NULLS FIRST", " NULLS LAST"}) {
            if (suffix == std::string(direction) + nulls) return true;
        }
    }
    return false;
}

// ---- The private connection validate_fragments works on ---------------------

struct ScratchClose {
    void operator()(sqlite3* scratch) const noexcept { sqlite3_close_v2(scratch); }
};
using Scratch = std::unique_ptr<sqlite3, ScratchClose>;

// One row of the application's pragma_function_list.
struct FunctionRow {
    std::string name;
    bool builtin = false;
    std::string type;  // "s" scalar, "a" aggregate, "w" window
    int narg = 0;
    int flags = 0;
};

// What validate_fragments reads of `db` before it prepares anything.
struct Host {
    std::vector<FunctionRow> functions;
    std::vector<std::string> collations;
    std::set<std::string> allowed;  // function names upper-cased: every row deterministic and innocuous
};

// Every name the fragments spell, bare or quoted, upper-cased: the only
// names they can call a function by. A word this misses (were SQLite to
// cut the text otherwise) gets no stand-in, and the fragment is refused as
// calling no such function: never accepted.
using NameSet = std::set<std::string, std::less<>>;

NameSet names_in(const std::string& where, const std::vector<OrderTerm>& order) {
    NameSet out;
    auto collect = [&](const std::string& text) {
        for (const Piece& p : pieces_of(text)) {
            if (p.kind == Piece::kWord) {
                out.insert(ascii_upper(text.substr(p.begin, p.end - p.begin)));
            } else if (p.kind == Piece::kQuoted && text[p.begin] != '\'') {
                // "a""b", `a``b` and [a b] are the names a"b, a`b and a b.
                char open = text[p.begin];
                char close = open == '[' ? ']' : open;
                std::string name;
                for (std::size_t k = p.begin + 1; k + 1 < p.end; ++k) {
                    name += text[k];
                    if (open != '[' && text[k] == close) ++k;
                }
                out.insert(ascii_upper(name));
            }
        }
    };
    collect(where);
    for (const OrderTerm& term : order) collect(term.expr);
    return out;
}

// What the scratch connection needs of `db`'s functions: those the
// fragments name (a connection may have hundreds, and a stand-in for each
// cost most of a check's time and memory).
// Whether `names` holds `name` upper-cased, without allocating per row
// (a name longer than any a fragment could hold is not looked up).
bool holds(const NameSet& names, const char* name) {
    char upper[256];
    std::size_t n = 0;
    for (; name[n]; ++n) {
        if (n == sizeof upper) return false;
        char c = name[n];
        upper[n] = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return names.find(std::string_view(upper, n)) != names.end();
}

Host read_host(sqlite3* db, const NameSet& names) {
    constexpr int kWanted = SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    Host host;
    std::map<std::string, bool> judged;
    Stmt functions = prepare(db, "SELECT name, builtin, type, narg, flags FROM pragma_function_list");
    while (step(db, functions.get())) {
        const unsigned char* raw = sqlite3_column_text(functions.get(), 0);
        if (!raw) {
            if (sqlite3_errcode(db) == SQLITE_NOMEM) throw SqlError("out of memory", SQLITE_NOMEM);
            continue;
        }
        if (!holds(names, reinterpret_cast<const char*>(raw))) continue;
        FunctionRow row{column_bytes(functions.get(), 0), sqlite3_column_int(functions.get(), 1) != 0,
                        column_bytes(functions.get(), 2), sqlite3_column_int(functions.get(), 3),
                        sqlite3_column_int(functions.get(), 4)};
        bool& ok = judged.emplace(ascii_upper(row.name), true).first->second;
        // SQLite lists its own aggregate and window functions (count, max,
        // sum, row_number...) without SQLITE_DETERMINISTIC; their answer
        // depends only on the rows they read, which the authorizer limits,
        // so they count as deterministic. An application's must say so.
        int flags = row.flags;
        if (row.builtin && (row.type == "a" || row.type == "w")) flags |= SQLITE_DETERMINISTIC;
        ok = ok && (flags & kWanted) == kWanted;
        host.functions.push_back(std::move(row));
    }
    for (const auto& [name, ok] : judged) {
        if (ok) host.allowed.insert(name);
    }
    Stmt collations = prepare(db, "SELECT name FROM pragma_collation_list");
    while (step(db, collations.get())) host.collations.push_back(column_bytes(collations.get(), 0));
    return host;
}

// The stand-ins for the application's own functions and collations: the
// scratch connection only prepares, so none of them is ever called, and
// one that somehow were would fail rather than pretend.
void stub_function(sqlite3_context* context, int, sqlite3_value**) {
    sqlite3_result_error(context, "theater: a stand-in function was called", -1);
}
void stub_final(sqlite3_context* context) {
    sqlite3_result_error(context, "theater: a stand-in function was called", -1);
}
void stub_inverse(sqlite3_context*, int, sqlite3_value**) {}
int stub_compare(void*, int, const void*, int, const void*) { return 0; }

void check_rc(sqlite3* scratch, int rc) {
    if (rc != SQLITE_OK) throw_error(scratch, rc);
}

// Gives the scratch connection what the fragments may name on `db`: its
// limits, a stand-in for each of its own functions (under the same name,
// number of arguments and flags, so that the authorizer judges the same
// name SQLite resolves and an aggregate stays an aggregate) and each of
// its own collations.
void mirror_host(sqlite3* db, sqlite3* scratch, const Host& host) {
    for (int limit = 0; limit <= SQLITE_LIMIT_WORKER_THREADS; ++limit) {
        sqlite3_limit(scratch, limit, sqlite3_limit(db, limit, -1));
    }
    constexpr int kKept = SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS | SQLITE_SUBTYPE;
    std::set<std::tuple<std::string, int, std::string>> made;
    for (const FunctionRow& f : host.functions) {
        if (f.builtin || !made.emplace(ascii_upper(f.name), f.narg, f.type).second) continue;
        int flags = SQLITE_UTF8 | (f.flags & kKept);
        if (f.type == "w") {
            check_rc(scratch, sqlite3_create_window_function(scratch, f.name.c_str(), f.narg, flags, nullptr,
                                                             stub_function, stub_final, stub_final, stub_inverse,
                                                             nullptr));
        } else if (f.type == "a") {
            check_rc(scratch, sqlite3_create_function_v2(scratch, f.name.c_str(), f.narg, flags, nullptr, nullptr,
                                                         stub_function, stub_final, nullptr));
        } else {
            check_rc(scratch, sqlite3_create_function_v2(scratch, f.name.c_str(), f.narg, flags, nullptr,
                                                         stub_function, nullptr, nullptr, nullptr));
        }
    }
    for (const std::string& name : host.collations) {
        if (same_name(name, "BINARY") || same_name(name, "NOCASE") || same_name(name, "RTRIM")) continue;
        check_rc(scratch, sqlite3_create_collation_v2(scratch, name.c_str(), SQLITE_UTF8, nullptr, stub_compare,
                                                      nullptr));
    }
}

// One plain table per readable table, columns under their affinity (a
// declared type is text from the file too). A table without a rowid is
// made WITHOUT ROWID, so that naming its rowid fails as it would on `db`.
void create_tables(sqlite3* scratch, const std::vector<ReadableTable>& tables) {
    for (const ReadableTable& t : tables) {
        if (t.columns.empty()) throw SqlError("validate_fragments: table " + t.name + " has no columns");
        std::string sql = "CREATE TABLE main." + quote_identifier(t.name) + "(";
        for (std::size_t k = 0; k < t.columns.size(); ++k) {
            if (k) sql += ", ";
            sql += quote_identifier(t.columns[k].first) + " " + affinity(t.columns[k].second);
        }
        if (!t.has_rowid) sql += ", PRIMARY KEY(" + quote_identifier(t.columns[0].first) + ")) WITHOUT ROWID";
        else sql += ")";
        exec(scratch, sql.c_str());
    }
}

// The authorizer of the scratch connection: lets a statement read the
// readable tables and call the allowed functions, and keeps the first
// refusal of each kind, since SQLite's own message would only say "not
// authorized".
class Judge {
public:
    Judge(const std::vector<ReadableTable>& tables, const std::set<std::string>& allowed)
        : tables_(tables), allowed_(allowed) {}

    void start(const char* option) {
        option_ = option;
        read_.clear();
        called_.clear();
        other_.clear();
        schema_.clear();
    }

    // A table the statement reads that is none of the readable ones.
    void read(const std::string& table) {
        if (read_.empty()) read_ = table;
    }

    // The refusal to report, read first (it says the most), or "".
    std::string refusal() const {
        if (!read_.empty() || (called_.empty() && other_.empty() && !schema_.empty())) {
            std::string names;
            for (std::size_t k = 0; k < tables_.size(); ++k) {
                if (k) names += k + 1 == tables_.size() ? " and " : ", ";
                names += tables_[k].name;
            }
            return named(option_) + " may read only the columns of " + names + ": it reads " +
                   (read_.empty() ? schema_ : read_);
        }
        if (!called_.empty()) {
            return named(option_) + " may call only deterministic, innocuous functions: " + called_ + "() is not";
        }
        if (!other_.empty()) return named(option_) + " may only read columns and call functions: " + other_;
        return "";
    }

    static int authorize(void* self, int action, const char* a1, const char* a2, const char* a3,
                         const char* a4) noexcept {
        try {
            return static_cast<Judge*>(self)->decide(action, a1, a2, a3, a4);
        } catch (...) {
            return SQLITE_DENY;
        }
    }

private:
    int decide(int action, const char* a1, const char* a2, const char* a3, const char*) {
        auto text = [](const char* s) { return std::string(s ? s : ""); };
        if (action == SQLITE_SELECT) return SQLITE_OK;
        auto sqlite_schema = [&](const char* table) {
            return same_name(text(table), "sqlite_master") || same_name(text(table), "sqlite_schema");
        };
        // The first time a statement names a table-valued function (an eponymous virtual table: json_each,
        // pragma_table_info), SQLite parses the table's declaration, and that parse asks to update sqlite_master
        // (sqlite3EndTable's nested UPDATE, whose code is thrown away). Let it through, so that the READ of the
        // function's table that follows is the one reported, but keep it as a refusal in case none follows.
        // Nothing is ever stepped on this connection.
        bool declaring = action == SQLITE_UPDATE || (action == SQLITE_READ && same_name(text(a2), "ROWID"));
        if (declaring && sqlite_schema(a1)) {
            if (schema_.empty()) schema_ = text(a1);
            return SQLITE_OK;
        }
        if (action == SQLITE_READ) {
            // A table read for no column (EXISTS (SELECT 1 FROM t)) comes without a database name.
            bool main = !a3 || same_name(a3, "main");
            for (const ReadableTable& t : tables_) {
                if (main && same_name(t.name, text(a1))) return SQLITE_OK;
            }
            read(text(a1));
            return SQLITE_DENY;
        }
        if (action == SQLITE_FUNCTION) {
            if (allowed_.count(ascii_upper(text(a2)))) return SQLITE_OK;
            if (called_.empty()) called_ = text(a2);
            return SQLITE_DENY;
        }
        if (other_.empty()) {
            if (action == SQLITE_RECURSIVE) other_ = "a recursive query is not";
            else if (action == SQLITE_PRAGMA) other_ = "PRAGMA " + text(a1) + " is not";
            else other_ = "SQLite's authorizer action " + std::to_string(action) + " on " + text(a1) + " is not";
        }
        return SQLITE_DENY;
    }

    const std::vector<ReadableTable>& tables_;
    const std::set<std::string>& allowed_;
    const char* option_ = "";
    std::string read_, called_, other_, schema_;
};

// Prepares (never steps) one statement around a fragment on the scratch
// connection and turns whatever stops it into the option's error.
void try_fragment(sqlite3* scratch, Judge& judge, const char* option, const std::string& sql) {
    judge.start(option);
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(scratch, sql.c_str(), static_cast<int>(sql.size()), 0, &raw, &tail);
    Stmt stmt(raw);
    std::string refusal = judge.refusal();
    if (!refusal.empty()) throw SqlError(refusal);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) != SQLITE_ERROR && (rc & 0xff) != SQLITE_AUTH) throw_error(scratch, rc);
        std::string message = errmsg(scratch, rc);
        // Only the readable tables are on this connection: any other (that of `db` or none) is read, not missing.
        const std::string missing = "no such table: ";
        if (message.compare(0, missing.size(), missing) == 0) {
            judge.read(message.substr(missing.size()));
            throw SqlError(judge.refusal());
        }
        throw SqlError(named(option) + ": " + message);
    }
    // The lexical checks leave no way to end the statement early; this
    // holds whatever they miss.
    if (!stmt || tail != sql.c_str() + sql.size()) throw SqlError(named(option) + " must be one expression");
    if (sqlite3_bind_parameter_count(stmt.get()) > 0) {
        const char* parameter = sqlite3_bind_parameter_name(stmt.get(), 1);
        throw SqlError(named(option) + " must not use parameters: " + (parameter ? parameter : "?"));
    }
}

}  // namespace

void check_fragment_text(const char* option, const std::string& text) {
    if (text.find('\0') != std::string::npos) throw SqlError(named(option) + " must not contain a NUL character");
    std::vector<std::size_t> open;
    bool empty = true;
    for (const Piece& p : pieces_of(text)) {
        if (p.kind == Piece::kUnclosed) {
            std::string what = text.compare(p.begin, 2, "/*") == 0 ? "/*" : text.substr(p.begin, 1);
            throw SqlError(named(option) + ": " + what + " at " + character_at(text, p.begin) + " is not closed");
        }
        if (!significant(p)) continue;
        empty = false;
        if (is_char(text, p, '(')) {
            open.push_back(p.begin);
        } else if (is_char(text, p, ')')) {
            if (open.empty()) {
                throw SqlError(named(option) + ": ) at " + character_at(text, p.begin) + " closes no (");
            }
            open.pop_back();
        } else if (is_char(text, p, ';')) {
            throw SqlError(named(option) + " must be one expression: ; at " + character_at(text, p.begin));
        }
    }
    if (empty) throw SqlError(named(option) + " must not be empty");
    if (!open.empty()) throw SqlError(named(option) + ": ( at " + character_at(text, open.front()) + " is not closed");
}

std::vector<OrderTerm> split_order_by(const std::string& text) {
    check_fragment_text("order_by", text);
    std::vector<Piece> pieces = pieces_of(text);
    // The terms, each as its significant pieces (spaces and comments are
    // found again between them when the expression is written).
    std::vector<std::vector<std::size_t>> terms(1);
    int depth = 0;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
        const Piece& p = pieces[k];
        if (!significant(p)) continue;
        if (is_char(text, p, '(')) ++depth;
        if (is_char(text, p, ')')) --depth;
        if (depth == 0 && is_char(text, p, ',')) terms.emplace_back();
        else terms.back().push_back(k);
    }
    std::vector<OrderTerm> out;
    for (std::size_t t = 0; t < terms.size(); ++t) {
        const std::vector<std::size_t>& s = terms[t];
        std::string which = "term " + std::to_string(t + 1);
        if (s.empty()) throw SqlError(named("order_by") + ": " + which + " is empty");
        auto piece = [&](std::size_t k) -> const Piece& { return pieces[s[k]]; };
        // A keyword right after a '.' is a column's name (t.desc), one after COLLATE a collation's.
        auto bare = [&](std::size_t k) { return k == 0 || !is_char(text, piece(k - 1), '.'); };
        auto upper = [&](std::size_t k) {
            return ascii_upper(text.substr(piece(k).begin, piece(k).end - piece(k).begin));
        };
        std::size_t kept = s.size();
        std::string nulls, direction;
        if (kept >= 3 && is_keyword(text, piece(kept - 2), "NULLS") && bare(kept - 2) &&
            (is_keyword(text, piece(kept - 1), "FIRST") || is_keyword(text, piece(kept - 1), "LAST"))) {
            nulls = " NULLS " + upper(kept - 1);
            kept -= 2;
        }
        if (kept >= 2 && (is_keyword(text, piece(kept - 1), "ASC") || is_keyword(text, piece(kept - 1), "DESC")) &&
            bare(kept - 1) && !is_keyword(text, piece(kept - 2), "COLLATE")) {
            direction = " " + upper(kept - 1);
            kept -= 1;
        }
        // The expression as written, but a run of spaces holding a comment
        // is one space: a "--" comment would swallow what is written after it.
        OrderTerm term;
        for (std::size_t k = s[0]; k <= s[kept - 1]; ++k) {
            const Piece& p = pieces[k];
            if (significant(p)) {
                term.expr.append(text, p.begin, p.end - p.begin);
                continue;
            }
            std::size_t run = k;
            bool comment = false;
            while (k + 1 <= s[kept - 1] && !significant(pieces[k + 1])) ++k;
            for (std::size_t r = run; r <= k; ++r) comment = comment || pieces[r].kind == Piece::kComment;
            if (comment) term.expr += ' ';
            else term.expr.append(text, pieces[run].begin, pieces[k].end - pieces[run].begin);
        }
        term.suffix = direction + nulls;
        // SQLite reads an integer term (its parentheses and signs aside) as a result column's position.
        bool integer = false, other = false;
        for (std::size_t k = 0; k < kept; ++k) {
            const Piece& p = piece(k);
            if (is_char(text, p, '(') || is_char(text, p, ')') || is_char(text, p, '+') || is_char(text, p, '-')) {
                continue;
            }
            std::string word = text.substr(p.begin, p.end - p.begin);
            bool digits = p.kind == Piece::kNumber && word.find_first_not_of("0123456789") == std::string::npos;
            bool hex = p.kind == Piece::kNumber && word.size() > 2 && (word[1] == 'x' || word[1] == 'X') &&
                       word[0] == '0' && word.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos;
            if ((digits || hex) && !integer) integer = true;
            else other = true;
        }
        if (integer && !other) {
            throw SqlError(named("order_by") + ": " + which + " is the integer " + term.expr +
                           ", which SQLite reads as the position of a result column");
        }
        out.push_back(std::move(term));
    }
    return out;
}

void validate_fragments(sqlite3* db, const std::vector<ReadableTable>& tables, const std::string& where,
                        const std::vector<OrderTerm>& order) {
    if (where.empty() && order.empty()) return;
    // Each table once: twice in FROM, every column would be ambiguous.
    std::vector<ReadableTable> readable;
    for (const ReadableTable& t : tables) {
        bool again = false;
        for (const ReadableTable& r : readable) again = again || same_name(r.name, t.name);
        if (!again) readable.push_back(t);
    }
    if (readable.empty()) throw SqlError("validate_fragments: no table to read");
    if (!where.empty()) check_fragment_text("where", where);
    for (const OrderTerm& term : order) {
        check_fragment_text("order_by", term.expr);
        if (!known_suffix(term.suffix)) throw SqlError(named("order_by") + ": not a term's ending: " + term.suffix);
    }
    Host host;
    try {
        host = read_host(db, names_in(where, order));
    } catch (const SqlError& e) {
        if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        throw SqlError(named(where.empty() ? "order_by" : "where") + ": " + e.what(), e.code());
    }

    // Declared before the connection, so that it outlives the connection that points to it.
    Judge judge(readable, host.allowed);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_PRIVATECACHE,
                             nullptr);
    Scratch scratch(raw);
    if (rc != SQLITE_OK) {
        if (!raw) throw SqlError("out of memory", SQLITE_NOMEM);
        throw_error(raw, rc);
    }
    // A double-quoted name is a name: where SQLite would take an unknown one
    // for a string, the real query could read a column of its own instead.
    check_rc(scratch.get(), sqlite3_db_config(scratch.get(), SQLITE_DBCONFIG_DQS_DML, 0, nullptr));
    check_rc(scratch.get(), sqlite3_db_config(scratch.get(), SQLITE_DBCONFIG_DQS_DDL, 0, nullptr));
    mirror_host(db, scratch.get(), host);
    create_tables(scratch.get(), readable);
    check_rc(scratch.get(), sqlite3_set_authorizer(scratch.get(), Judge::authorize, &judge));

    std::string from;
    for (const ReadableTable& t : readable) from += (from.empty() ? "" : ", ") + quote_identifier(t.name);
    // Each fragment on lines of its own: a "--" comment at its end ends there.
    if (!where.empty()) {
        // Twice: text that slipped out of its parentheses would make a
        // second clause of the same kind, a syntax error.
        try_fragment(scratch.get(), judge, "where",
                     "SELECT 1 FROM " + from + " WHERE (\n" + where + "\n) AND (\n" + where + "\n)");
    }
    for (const OrderTerm& term : order) {
        // In WHERE an aggregate or a window function is an error (in ORDER BY alone, count(*) would make the
        // query an aggregate), and ORDER BY looks the collation up.
        try_fragment(scratch.get(), judge, "order_by",
                     "SELECT 1 FROM " + from + " WHERE (\n" + term.expr + "\n) IS NOT NULL ORDER BY (\n" + term.expr +
                         "\n)");
    }
}

}  // namespace theater
