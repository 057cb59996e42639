#include "theater/hires.hpp"

#include "core/key_span.hpp"
#include "core/statement_pool.hpp"

#include <cstdint>
#include <new>

namespace theater {

namespace {

// The hired auditions of every role from a given one on, in role order, from
// the covering partial index auditions_hired_by_role.
constexpr const char* kHires =
    "SELECT role_id, id FROM main.auditions WHERE hired = 1 AND role_id >= ?1 ORDER BY role_id";
constexpr const char* kRoles = "SELECT id FROM main.roles WHERE id >= ?1 ORDER BY id";
// The same questions for one role at a time, in any order, from a keyed
// statement (core/key_feed.hpp): the role's hires in id order (the index
// auditions_hired_by_role holds each role's in rowid order), so its first
// row is the lead and its second the understudy; and, only when it has no
// hire, whether its row exists.
constexpr const char* kKeyedHires =
    "SELECT a.id, r.id, k.value, k.seq FROM main.theater_keys(?1) AS k"
    " LEFT JOIN main.auditions AS a ON a.role_id = k.value AND a.hired = 1"
    " LEFT JOIN main.roles AS r ON r.id = CASE WHEN a.id IS NULL THEN k.value END"
    " WHERE a.id IS NULL OR k.seq = k.live";
enum KeyedColumn { kKeyedHire = 0, kKeyedRole = 1, kKeyedTag = 2 };
// The stream turns to the keyed statement once its scans sought afresh (a
// reset, a bind and a step each) more than kSeeksBeforeKeyed times, and in
// more than one call in kSeekShare: ids that ascend with an occasional jump
// keep the scans, which then cost a step or two a call.
constexpr int kSeeksBeforeKeyed = 8;
constexpr int kSeekShare = 4;
// The memo's passes (theater/hire_memo.hpp): every role's id, and every
// hire, in whatever order the plan reads them.
constexpr const char* kMemoRoles = "SELECT id, NULL FROM main.roles";
constexpr const char* kMemoHires = "SELECT role_id, id FROM main.auditions WHERE hired = 1";
// The roles' id span (two descents), and how many roles there are (the
// count reads the table's pages, not its rows): when they fill the span,
// a role exists exactly when its id lies in it, which spares the walk of
// the roles (and the memo's pass over them).
constexpr const char* kRoleBounds = "SELECT (SELECT min(id) FROM main.roles), (SELECT max(id) FROM main.roles)";
constexpr const char* kRoleCount = "SELECT count(*) FROM main.roles";
// The bounds and the count are read by the rule of core/key_span.hpp.
// A keyed lookup costs about 4,900 instructions more than the memo's
// answer, and the pass over the hires about 1,200 a role (1.5 hires a role
// at 800 each, the index scan's own steps; bench/RESULTS.md, issue 17): the
// memo is built once the unordered calls reach a quarter of the roles' id
// span, where they would have paid for it, so a statement pays at most
// about twice what the better choice would have cost (the ski-rental rule).
constexpr long long kMemoBreakEven = 4;

// Auxiliary data slot of the outer statement. A negative slot belongs to the
// statement as a whole rather than to one argument, which is what a stream
// shared by every call in the statement needs. SQLite does not document this
// (its source does, from 3.34.0 to 3.54.1 at least: docs/platforms.md, "What
// the forward scans rely on"; tests/test_statement_auxdata.py proves it on
// each release the suite runs on), so nothing depends on the data surviving:
// if SQLite drops it, the next call starts a new stream. The tag guards
// against another extension using the same slot.
constexpr int kStatementSlot = -0x7468;
const char kTag = 'H';

void destroy(void* p) { delete static_cast<HireStream*>(p); }

}  // namespace

HireStream::HireStream(Connection& conn)
    : conn_(conn),
      hires_(conn.pool(kHires), kHireRole),
      roles_(conn.pool(kRoles), 0),
      keyed_(conn.pool(kKeyedHires), kKeyedTag),
      changes_(-1),
      tag_(&kTag) {}

HireStream* HireStream::of_statement(sqlite3_context* ctx) {
    auto* stream = static_cast<HireStream*>(sqlite3_get_auxdata(ctx, kStatementSlot));
    if (stream && stream->tag_ != &kTag) return nullptr;
    return stream;
}

void HireStream::keep_for_statement(sqlite3_context* ctx, HireStream* stream) {
    sqlite3_set_auxdata(ctx, kStatementSlot, stream, destroy);
}

void HireStream::forget_if_written() {
    if (connection_may_have_written(conn_.db(), &changes_)) {
        // What the streams read may be stale: start over from the data as
        // it is now, with a new seek.
        hires_.forget();
        roles_.forget();
        keyed_.forget();
        // The schema or the plan may differ after a write: the calls are
        // counted and the keyed statement's plan checked again.
        hires_.reset_seeks();
        roles_.reset_seeks();
        calls_ = 0;
        use_keyed_ = false;
        memo_.clear();
        use_memo_ = false;
        memo_refused_ = false;
        unordered_calls_ = 0;
        // What was read before the write no longer holds, also where reading
        // it again fails halfway (out of memory) after its flag is set.
        bounds_read_ = false;
        have_bounds_ = false;
        count_read_ = false;
        roles_fill_span_ = false;
        keyed_checked_ = false;
        have_last_ = false;
    }
}

RoleHires HireStream::scanned_hires(sqlite3_int64 role) {
    RoleHires found;
    if (hires_.position_at(role)) {
        while (!hires_.at_end() && hires_.key_is(role)) {
            found.offer(sqlite3_value_int64(sqlite3_column_value(hires_.row(), kHireId)), [](HireId&) {});
            hires_.next();
        }
        if (role < INT64_MAX) hires_.consumed_below(role + 1);
    }
    return found;
}

// The keyed statement takes a role's first row for its lead: only where its
// plan reads the hires in id order, through an index on role_id (and the
// constant hired), then id or nothing more (rowid order).
bool HireStream::keyed_plan_keeps_order() {
    if (!keyed_checked_) {
        keyed_in_order_ = plan_keeps_index_order(
            conn_, kKeyedHires, "a", {{"role_id"}, {"role_id", "hired"}, {"role_id", "id"}, {"role_id", "hired", "id"}},
            "id");
        keyed_checked_ = true;
    }
    return keyed_in_order_;
}

// Reads the roles' id span once since the last write; false when there
// is none (no roles, an authorizer that denies the query).
bool HireStream::role_bounds() {
    if (!bounds_read_) {
        bounds_read_ = true;
        have_bounds_ = read_span(conn_.pool(kRoleBounds).take_if_prepared(), first_role_, last_role_id_);
    }
    return have_bounds_;
}

unsigned long long HireStream::role_span() const noexcept {
    return static_cast<unsigned long long>(last_role_id_) - static_cast<unsigned long long>(first_role_) + 1;
}

// Whether every id of the span is a role's, once the statement has asked
// about enough roles to pay for counting them, or `now` (else false: not
// known).
bool HireStream::roles_fill_span(bool now) {
    if (count_read_) return roles_fill_span_;
    if (!now && calls_ < kCallsBeforeBounds) return false;
    if (!role_bounds()) return false;
    if (!now && !worth_counting(calls_, first_role_, last_role_id_)) return false;
    count_read_ = true;
    roles_fill_span_ = count_fills(conn_.pool(kRoleCount).take_if_prepared(), first_role_, last_role_id_);
    return roles_fill_span_;
}

// Builds the memo once the unordered calls (served by the keyed statement,
// or by scans that seek afresh) reached kMemoBreakEven-th of the roles' id
// span.
void HireStream::try_memo() {
    if (!role_bounds() || role_span() - 1 >= HireMemo::kMaxRoles) {
        memo_refused_ = true;  // no roles, or ids spread too wide for a dense memo
        return;
    }
    if (static_cast<unsigned long long>(unordered_calls_) * kMemoBreakEven < role_span()) return;
    bool built = false;
    try {
        built = memo_.build(roles_fill_span(true) ? nullptr : &conn_.pool(memo_pass_sql(kMemoRoles)),
                            conn_.pool(memo_pass_sql(kMemoHires)), first_role_, last_role_id_);
    } catch (const std::bad_alloc&) {
        memo_.clear();  // no memory for it: the keyed statement goes on serving
    }
    if (!built) {
        memo_refused_ = true;
        return;
    }
    use_memo_ = true;
    keyed_.forget();
    hires_.forget();
    roles_.forget();
}

RoleLookup HireStream::keyed_lookup(sqlite3_int64 role, bool understudy) {
    RoleLookup found;
    found.understudy_known = understudy;
    if (!keyed_.seek(role)) return found;
    sqlite3_value* hire = sqlite3_column_value(keyed_.row(), kKeyedHire);
    if (sqlite3_value_type(hire) == SQLITE_NULL) {
        found.exists = sqlite3_column_type(keyed_.row(), kKeyedRole) != SQLITE_NULL;
        found.understudy_known = true;
        return found;
    }
    found.exists = true;  // as in the scans: a hire says the role exists
    found.hires.offer(sqlite3_value_int64(hire), [](HireId&) {});
    if (understudy && keyed_.next()) {
        hire = sqlite3_column_value(keyed_.row(), kKeyedHire);
        if (sqlite3_value_type(hire) != SQLITE_NULL) found.hires.offer(sqlite3_value_int64(hire), [](HireId&) {});
    }
    return found;
}

RoleLookup HireStream::lookup(sqlite3_int64 role, bool understudy) {
    forget_if_written();
    if (have_last_ && last_role_ == role && (last_.understudy_known || !understudy)) return last_;
    ++calls_;
    int seeks = hires_.seeks() + roles_.seeks();
    // Roles asked in no order the scans can follow: the keyed statement
    // serves them where its plan allows, and the memo once they add up.
    bool unordered = use_keyed_ || (seeks > kSeeksBeforeKeyed && seeks * kSeekShare > calls_);
    if (unordered && !use_keyed_ && keyed_plan_keeps_order() && keyed_.ready()) {
        use_keyed_ = true;
        hires_.forget();
        roles_.forget();
    }
    if (unordered && !use_memo_ && !memo_refused_) {
        ++unordered_calls_;
        try_memo();
    }
    RoleLookup found;
    if (use_memo_) {
        found = memo_.find(role);
    } else if (use_keyed_) {
        found = keyed_lookup(role, understudy);
        // A keyed statement that cannot serve (an authorizer hides
        // theater_keys) gives the scans back their calls.
        if (!keyed_.usable()) use_keyed_ = false;
    }
    if (!use_keyed_ && !use_memo_) {
        found.hires = scanned_hires(role);
        // A hire exists, so the role does (integrity guarantees it).
        found.exists = found.hires.lead.present ||
                       (roles_fill_span(false) ? role >= first_role_ && role <= last_role_id_
                                               : roles_.position_at(role) && roles_.key_is(role));
    }
    have_last_ = true;
    last_role_ = role;
    last_ = found;
    return found;
}

}  // namespace theater
