// The SQL fragments a declared relationship may carry (the options "where"
// and "order_by"): reading them apart and judging them. Their text is read
// back from the database file by every connection that loads the extension,
// so it is untrusted: a fragment may read only the tables it is declared
// over and call only deterministic, innocuous functions, and anything else
// is refused both when it is declared and when it is loaded.
#pragma once

#include "core/sqlite.hpp"

#include <string>
#include <utility>
#include <vector>

namespace theater {

// One term of an ORDER BY: the expression (with any COLLATE kept in it) and what followed it.
struct OrderTerm {
    std::string expr;    // e.g. "year", "name COLLATE NOCASE", "(a + b)"; comments are left out
    // "" or " ASC" / " DESC", plus " NULLS FIRST" / " NULLS LAST", normalised upper case with one leading space each
    std::string suffix;
    bool operator==(const OrderTerm& o) const { return expr == o.expr && suffix == o.suffix; }
};

// Lexical checks of an option's SQL text, without a database: not empty (only spaces/comments is empty),
// every quote ('..', "..", [..], `..`) and /* comment */ closed, parentheses balanced and never closing
// more than opened, no ';' outside quotes, no NUL byte anywhere (SQLite would stop reading there).
// Throws SqlError("option \"<option>\" ...: <what is wrong>").
void check_fragment_text(const char* option, const std::string& text);

// Splits an ORDER BY list at its top-level commas (not inside parentheses or quotes) after check_fragment_text;
// strips a trailing ASC/DESC and NULLS FIRST/LAST (keywords case-insensitive, bare words only) from each term.
// An empty term ("a,,b", "a,") is an error naming option "order_by", and so is a term that is an integer
// ("2", "(-1)"): SQLite reads it as the position of a result column, not as a value.
std::vector<OrderTerm> split_order_by(const std::string& text);

// The tables a fragment may read: each as its name and its columns (name, declared type).
struct ReadableTable {
    std::string name;
    std::vector<std::pair<std::string, std::string>> columns;
    bool has_rowid = true;   // a WITHOUT ROWID table or a view has none
};

// Checks that `where` (may be empty: none) and each order term compile as expressions over `tables` only and
// call only functions that are deterministic and innocuous on `db` (read from db's pragma_function_list:
// a name is allowed only if EVERY row for that name has both SQLITE_DETERMINISTIC (0x800) and SQLITE_INNOCUOUS
// (0x200000) in `flags`). Throws SqlError naming the option: e.g.
//   option "where" may read only the columns of books (and ...): it reads authors
//   option "where" may call only deterministic, innocuous functions: random() is not
//   option "order_by": no such column: yeer
// The work is done on a private in-memory connection; `db` is only read (its function and collation lists
// and its limits), its authorizer is left alone. An error reading `db` that is not a plain SQLITE_ERROR
// (out of memory, an interrupt, the application's authorizer) is rethrown as it is.
void validate_fragments(sqlite3* db, const std::vector<ReadableTable>& tables, const std::string& where,
                        const std::vector<OrderTerm>& order);

}  // namespace theater
