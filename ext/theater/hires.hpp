// A role's lead and understudy: Role.lead() is its first hired audition,
// Role.understudy() its second, the two lowest audition ids among its hires.
// One merge serves role_lead, role_understudy and the casting sheet
// (role_casting): both walk the hired auditions ordered by role_id (the
// covering partial index auditions_hired_by_role) alongside the roles, and
// keep, per role, the two lowest ids of its run, whatever order the run
// comes in (the index orders by role_id alone).
//
// HireStream: fast role_lead / role_understudy for statements that ask about
// many roles. A per-call query (seek, step, reset) costs about twice the
// correlated subquery a user would write, because each call opens and closes
// a cursor. Within one outer statement, role ids usually come in ascending
// order (SELECT role_lead(id) FROM roles). A HireStream keeps two ordered
// queries open for the whole outer statement, over the hired-auditions index
// and over the roles, and walks them forward, re-seeking only when asked
// about a role behind them or far ahead.
//
// Correctness first: the streams are discarded whenever the connection has
// written anything since they were positioned (sqlite3_total_changes), so a
// call_back earlier in the same statement is always seen; they live only as
// long as the outer statement (they are that statement's auxiliary data), so
// they never hold a read transaction or a snapshot beyond it.
#pragma once

#include "core/connection.hpp"
#include "core/forward_scan.hpp"
#include "core/key_feed.hpp"
#include "theater/hire_memo.hpp"

#include <utility>

namespace theater {

// The lead and understudy of one role, kept as its run of hires goes by.
// Hire is what is kept of one: at least `id` and `present`.
template <class Hire>
struct LeadAndUnderstudy {
    Hire lead;
    Hire understudy;

    void clear() noexcept { lead.present = understudy.present = false; }

    // One hire of the role: kept if it is one of the two lowest ids so far.
    // keep(slot) stores the rest of the hire into the slot it takes.
    template <class Keep>
    void offer(sqlite3_int64 id, Keep&& keep) {
        if (!lead.present || id < lead.id) {
            std::swap(understudy, lead);  // the old lead, if any, is second now
            keep(lead);
            lead.id = id;
            lead.present = true;
        } else if (!understudy.present || id < understudy.id) {
            keep(understudy);
            understudy.id = id;
            understudy.present = true;
        }
    }
};

struct HireId {
    sqlite3_int64 id = 0;
    bool present = false;
};
using RoleHires = LeadAndUnderstudy<HireId>;

// The columns of HireStream's query of the hires, and of role_casting's,
// which add the actor.
enum HireColumn { kHireRole = 0, kHireId = 1, kHireActor = 2 };

// What a call asks about one role, as of now.
struct RoleLookup {
    RoleHires hires;
    bool exists = false;
    // Whether hires.understudy was looked for (else only the lead was).
    bool understudy_known = true;
};

class HireStream {
public:
    explicit HireStream(Connection& conn);

    // The lead of `role` (and its understudy, when `understudy`) and whether
    // it exists, as of now.
    RoleLookup lookup(sqlite3_int64 role, bool understudy);

    // The stream of the statement that called ctx's function, or nullptr.
    static HireStream* of_statement(sqlite3_context* ctx);
    // Hands `stream` to the statement (SQLite may destroy it at once).
    static void keep_for_statement(sqlite3_context* ctx, HireStream* stream);

private:
    void forget_if_written();
    RoleHires scanned_hires(sqlite3_int64 role);
    RoleLookup keyed_lookup(sqlite3_int64 role, bool understudy);
    bool keyed_plan_keeps_order();
    void try_memo();
    bool role_bounds();
    unsigned long long role_span() const noexcept;
    bool roles_fill_span(bool now);

    Connection& conn_;
    ForwardScan hires_;
    ForwardScan roles_;
    // Once the roles asked about come in no order the scans can follow
    // (they seek afresh for a large share of the calls), each lookup is one key
    // of a keyed statement instead (core/key_feed.hpp) for the rest of the
    // outer statement.
    KeyedRows keyed_;
    bool use_keyed_ = false;
    // Once the unordered calls would have paid for them (kMemoBreakEven),
    // every role's lead and understudy are read into memo_ in two passes
    // (theater/hire_memo.hpp), and each call is an array access.
    HireMemo memo_;
    bool use_memo_ = false;
    bool memo_refused_ = false;  // the passes could not build it, since the last write
    long long unordered_calls_ = 0;
    // The roles' ids, as read since the last write (role_bounds, roles_fill_span).
    bool bounds_read_ = false;
    bool have_bounds_ = false;
    sqlite3_int64 first_role_ = 0;
    sqlite3_int64 last_role_id_ = 0;
    bool count_read_ = false;
    bool roles_fill_span_ = false;
    bool keyed_checked_ = false;  // keyed_in_order_ holds since the last write
    bool keyed_in_order_ = false;
    long long calls_ = 0;
    int changes_;
    bool have_last_ = false;
    sqlite3_int64 last_role_ = 0;
    RoleLookup last_;
    const void* tag_;
};

}  // namespace theater
