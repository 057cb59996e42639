// Fast role_lead / role_understudy for statements that ask about many roles.
//
// A per-call query (seek, step, reset) costs about twice the correlated
// subquery a user would write, because each call opens and closes a cursor.
// Within one outer statement, role ids usually come in ascending order
// (SELECT role_lead(id) FROM roles). A HireStream keeps two ordered queries
// open for the whole outer statement, over the hired-auditions index and over
// the roles, and walks them forward, re-seeking only when asked about a role
// behind them or far ahead.
//
// Correctness first: the streams are discarded whenever the connection has
// written anything since they were positioned (sqlite3_total_changes), so a
// call_back earlier in the same statement is always seen; they live only as
// long as the outer statement (they are that statement's auxiliary data), so
// they never hold a read transaction or a snapshot beyond it.
#pragma once

#include "core/connection.hpp"
#include "core/forward_scan.hpp"

namespace theater {

struct RoleHires {
    int count = 0;             // 0, 1 or 2 (two are all anyone asks for)
    sqlite3_int64 first = 0;   // lowest hired audition id
    sqlite3_int64 second = 0;  // second lowest
};

class HireStream {
public:
    explicit HireStream(Connection& conn);

    // The first two hires of `role`, as of now.
    RoleHires hires(sqlite3_int64 role);
    // Whether the role exists, as of now.
    bool role_exists(sqlite3_int64 role);

    // The stream of the statement that called ctx's function, or nullptr.
    static HireStream* of_statement(sqlite3_context* ctx);
    // Hands `stream` to the statement (SQLite may destroy it at once).
    static void keep_for_statement(sqlite3_context* ctx, HireStream* stream);

private:
    void forget_if_written();

    Connection& conn_;
    ForwardScan hires_;
    ForwardScan roles_;
    int changes_;
    bool have_last_ = false;
    sqlite3_int64 last_role_ = 0;
    RoleHires last_;
    const void* tag_;
};

}  // namespace theater
