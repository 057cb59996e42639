#include "core/memo_pass.hpp"

#include "core/boundary.hpp"
#include "core/key_memo.hpp"
#include "core/row_window.hpp"

#include <new>

namespace theater {

namespace {

// sqlite3_bind_pointer's type: only run_memo_pass can hand the function a memo.
constexpr const char* kMemoPointer = "theater_memo_pass";

struct Pass {
    MemoSink* sink = nullptr;
    long long rows = 0;    // rows the function was called for
    bool window = false;   // a window's pass (memo_window_sql): the sink may be full
    KeyWindow* window_sink = nullptr;  // the sink, where a window's pass fills a KeyWindow
    RowWindow* row_sink = nullptr;     // the sink, where a window's pass fills a RowWindow
    bool probed = false;   // the pass's own call (the memo as key and value) reached this function
    bool refused = false;  // the sink said no, or had no memory: it takes nothing more
};

}  // namespace

std::string memo_pass_sql(const std::string& select) {
    return "WITH m(k, v) AS (" + select +
           ") SELECT theater_memo_put(?1, ?1, ?1), (SELECT count(*) FROM m WHERE theater_memo_put(?1, k, v))";
}

std::string memo_window_sql(const std::string& select) {
    return "WITH m(k, v) AS (" + select +
           ") SELECT 1 FROM m WHERE NOT theater_memo_put(?1, k, v) LIMIT 1 + (theater_memo_put(?1, ?1, ?1) IS NULL)";
}

std::string memo_rows_sql(const std::string& select, int columns) {
    std::string names = "k";
    std::string probe = "?1, ?1";
    for (int i = 0; i < columns; ++i) {
        names += ", c" + std::to_string(i);
        probe += ", ?1";
    }
    return "WITH m(" + names + ") AS (" + select + ") SELECT 1 FROM m WHERE NOT theater_memo_put(?1, " + names +
           ") LIMIT 1 + (theater_memo_put(" + probe + ") IS NULL)";
}

bool run_memo_pass(StatementPool& pass, MemoSink& sink, std::initializer_list<sqlite3_int64> parameters) {
    StatementLease query = pass.take_if_prepared();
    if (!query) return false;
    Pass state;
    state.sink = &sink;
    state.window = sqlite3_column_count(query.get()) == 1;
    if (state.window) {
        state.window_sink = dynamic_cast<KeyWindow*>(&sink);
        state.row_sink = dynamic_cast<RowWindow*>(&sink);
    }
    if (sqlite3_bind_pointer(query.get(), 1, &state, kMemoPointer, nullptr) != SQLITE_OK) return false;
    int index = 2;
    for (sqlite3_int64 value : parameters) {
        if (sqlite3_bind_int64(query.get(), index++, value) != SQLITE_OK) return false;
    }
    bool row = query.step();
    // Without the probe, the rows went to another function of that name
    // (whatever it returned).
    if (!state.probed || state.refused) return false;
    // A window's pass (one column) returns a row when the function stopped
    // the scan, and none at the query's end: either way the window stands.
    if (state.window) return true;
    // A whole pass: the count is of the query's rows, which must be the
    // function's calls, all of which returned 1.
    return row && sqlite3_column_type(query.get(), 1) == SQLITE_INTEGER &&
           sqlite3_column_int64(query.get(), 1) == state.rows;
}

void theater_memo_put_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    // The memo, found once per run of the pass: ?1 is constant within a run,
    // so SQLite keeps the auxiliary data from call to call (and drops it at
    // the statement's reset, which every new binding needs) instead of a
    // sqlite3_value_pointer, with its string comparison, on every row.
    auto* state = argc >= 3 ? static_cast<Pass*>(sqlite3_get_auxdata(ctx, 0)) : nullptr;
    if (!state) {
        state = argc >= 3 ? static_cast<Pass*>(sqlite3_value_pointer(argv[0], kMemoPointer)) : nullptr;
        if (!state) {
            report_error(ctx, "theater_memo_put", "for theater's own statements only (it fills a memo bound from C)",
                         SQLITE_ERROR);
            return;
        }
        sqlite3_set_auxdata(ctx, 0, state, nullptr);  // without memory, only slower
    }
    int key_type = sqlite3_value_type(argv[1]);
    if (key_type == SQLITE_INTEGER && state->window_sink && argc == 3 && !state->refused) {
        // A window's pair, through KeyWindow's own put (no virtual calls).
        KeyWindow& window = *state->window_sink;
        ++state->rows;
        try {
            state->refused = !window.put_integer_key(sqlite3_value_int64(argv[1]), argv[2]);
        } catch (...) {
            state->refused = true;
        }
        sqlite3_result_int(ctx, state->refused || window.full() ? 0 : 1);
        return;
    }
    if (key_type == SQLITE_INTEGER && state->row_sink && !state->refused) {
        // A window's row, through RowWindow's own put (no virtual calls).
        RowWindow& window = *state->row_sink;
        ++state->rows;
        try {
            state->refused = !window.put_integer_row(sqlite3_value_int64(argv[1]), argc - 2, argv + 2);
        } catch (...) {
            state->refused = true;
        }
        sqlite3_result_int(ctx, state->refused || window.full() ? 0 : 1);
        return;
    }
    // A pointer reads as NULL: a row's key (an integer) is never the probe.
    if (key_type == SQLITE_NULL && sqlite3_value_pointer(argv[1], kMemoPointer) == state) {
        state->probed = true;  // the probe: no row of the data can hold a pointer
        sqlite3_result_int(ctx, 0);
        return;
    }
    ++state->rows;
    if (!state->refused) {
        try {
            state->refused = argc == 3 ? !state->sink->put(argv[1], argv[2])
                                       : !state->sink->put_row(argv[1], argc - 2, argv + 2);
        } catch (...) {
            state->refused = true;  // out of memory: the memo is not built, and its owner goes on without it
        }
    }
    // 0 ends a window's scan (the query returns this row, its LIMIT's
    // one); in a whole pass it leaves the row out of the count, which then
    // fails the pass, as the refusal does anyway.
    sqlite3_result_int(ctx, state->refused || (state->window && state->sink->full()) ? 0 : 1);
}

}  // namespace theater
