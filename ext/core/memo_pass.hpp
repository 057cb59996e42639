// One sequential pass of a query into a memo, driven from inside the query.
//
// A memo (core/key_memo.hpp, theater/hires.hpp) is filled from the rows of
// a query. Stepping that query from C costs a sqlite3_step and its column
// reads per row: about 1,070 instructions, most of it the virtual machine's
// entry and exit and the connection's mutex on every call. The same rows
// handed to a function that the query itself calls cost less: the query
// runs in one step, and ?1 is the memo, bound with sqlite3_bind_pointer,
// which SQL cannot make. A call with the memo as its own key (no row can
// hold that) is the probe: it tells that this extension's theater_memo_put
// is the one SQLite calls, not a function an application registered over
// the name (one statement's calls of a name all reach one function).
//
// Two forms. A whole pass, for a memo of every row (memo_pass_sql):
//   WITH m(k, v) AS (<query>)
//   SELECT theater_memo_put(?1, ?1, ?1), (SELECT count(*) FROM m WHERE theater_memo_put(?1, k, v))
// SQLite flattens the query into the count, and the count tells that the
// function was called for exactly the query's rows: where an index drives
// the scan, SQLite may call it before a filter of the query that needs the
// table's row (`hired = 1`), and a row that filter then rejects would be
// in the memo but not in the count.
// A window's pass, for the next rows of an ordered query (memo_window_sql):
//   WITH m(k, v) AS (<query>)
//   SELECT 1 FROM m WHERE NOT theater_memo_put(?1, k, v)
//   LIMIT 1 + (theater_memo_put(?1, ?1, ?1) IS NULL)
// The function returns 0 to stop the scan (the window is full, or refused a
// row), so the query needs no LIMIT of its own, and SQLite flattens it (an
// ORDER BY and a LIMIT under the count made a co-routine: two yields and
// two copies a row, and the count's step). The LIMIT is computed once,
// before the scan: its call is the probe, and it is a valid LIMIT whatever
// another function of that name returns. Nothing counts the rows, so it
// serves only queries whose every row is a right pair for the sink, filter
// or not: the window's pairs (key, foreign key) are the table's, and the
// window checks each key it is asked against its pair.
// A window of rows (memo_rows_sql) has the same form with a key and any
// number of values: theater_memo_put(?1, k, c0, c1, ...), probed with as
// many arguments. Its query has no filter but the range of its keys.
#pragma once

#include "core/statement_pool.hpp"

#include <initializer_list>
#include <string>

namespace theater {

// What a pass fills. put() is handed every row's two values, in the query's
// order; false means the memo cannot stand (a value of the wrong type, a key
// twice), and the pass hands it nothing more. full() ends the pass early
// with the memo standing (a window that holds as many rows as it asked for).
class MemoSink {
public:
    virtual bool put(sqlite3_value* key, sqlite3_value* value) = 0;
    // A row of `count` values after its key (memo_rows_sql's pass); a sink
    // of pairs takes a row of one value.
    virtual bool put_row(sqlite3_value* key, int count, sqlite3_value** values) {
        return count == 1 && put(key, values[0]);
    }
    virtual bool full() const noexcept { return false; }

protected:
    ~MemoSink() = default;
};

// The passes over `select`, a query of two columns (key, value): every row,
// counted, and a window's (see above).
std::string memo_pass_sql(const std::string& select);
std::string memo_window_sql(const std::string& select);
// A window's pass over `select`, a query of a key and `columns` values
// (core/row_window.hpp): theater_memo_put(?1, k, c0, c1, ...), and its probe
// with as many arguments (one statement's calls of a name and an arity
// reach one function).
std::string memo_rows_sql(const std::string& select, int columns);

// Runs the pass (prepared from either) into `sink`: true when the sink took
// every row of the query, or, for a window's pass, took rows until it was
// full. False, and the memo cannot be used, also when the pass cannot be
// prepared (an authorizer that denies the function). An error while it
// runs (an interrupt) is thrown. `parameters` are bound to the query's ?2,
// ?3 and on.
bool run_memo_pass(StatementPool& pass, MemoSink& sink, std::initializer_list<sqlite3_int64> parameters = {});

// theater_memo_put(memo, key, value): the function the pass calls. With
// anything but a memo bound by run_memo_pass it fails, naming itself.
void theater_memo_put_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
