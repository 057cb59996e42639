#include "theater/hires.hpp"

#include "core/statement_pool.hpp"

#include <cstdint>

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
    if (!use_keyed_ && seeks > kSeeksBeforeKeyed && seeks * kSeekShare > calls_ && keyed_plan_keeps_order() &&
        keyed_.ready()) {
        use_keyed_ = true;
        hires_.forget();
        roles_.forget();
    }
    RoleLookup found;
    if (use_keyed_) {
        found = keyed_lookup(role, understudy);
        // A keyed statement that cannot serve (an authorizer hides
        // theater_keys) gives the scans back their calls.
        if (!keyed_.usable()) use_keyed_ = false;
    }
    if (!use_keyed_) {
        found.hires = scanned_hires(role);
        // A hire exists, so the role does (integrity guarantees it).
        found.exists = found.hires.lead.present || (roles_.position_at(role) && roles_.key_is(role));
    }
    have_last_ = true;
    last_role_ = role;
    last_ = found;
    return found;
}

}  // namespace theater
