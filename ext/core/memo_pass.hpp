// One sequential pass of a query into a memo, driven from inside the query.
//
// A memo (core/key_memo.hpp, theater/hires.hpp) is filled from every row of
// a query. Stepping that query from C costs a sqlite3_step and its column
// reads per row: about 1,070 instructions, most of it the virtual machine's
// entry and exit and the connection's mutex on every call. The same rows
// handed to a function that the query itself calls cost less: the query
// runs in one step, as
//   WITH m(k, v) AS (<the memo's query>)
//   SELECT 1 FROM m WHERE NOT theater_memo_put(?1, k, v)
//   LIMIT 1 + (theater_memo_put(?1, ?1, ?1) IS NULL)
// where ?1 is the memo, bound with sqlite3_bind_pointer, which SQL cannot
// make. SQLite flattens the memo's query into this one (no co-routine, no
// aggregate: a row of the pass is the query's own step and one call), and
// the function returns 1 while the memo takes rows, 0 to stop the scan (the
// memo is full, or refused a row): that row is the one the LIMIT returns.
// The LIMIT is computed once, before the scan: its call (the memo as its own
// key: no row can hold that) tells that this extension's theater_memo_put
// is the one SQLite calls, not a function an application registered over
// the name (one statement's calls of a name all reach one function), and
// it is a valid LIMIT whatever such a function returns.
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
    virtual bool full() const noexcept { return false; }

protected:
    ~MemoSink() = default;
};

// The pass over `select`, a query of two columns (key, value).
std::string memo_pass_sql(const std::string& select);

// Runs the pass (prepared from memo_pass_sql) into `sink`: true when every
// row reached it and it took them all, or took rows until it was full. False, and the memo cannot be used,
// also when the pass cannot be prepared (an authorizer that denies the
// function). An error while it runs (an interrupt) is thrown. `parameters`
// are bound to the query's ?2, ?3 and on.
bool run_memo_pass(StatementPool& pass, MemoSink& sink, std::initializer_list<sqlite3_int64> parameters = {});

// theater_memo_put(memo, key, value): the function the pass calls. With
// anything but a memo bound by run_memo_pass it fails, naming itself.
void theater_memo_put_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
