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
    : conn_(conn), hires_(conn.pool(kHires), kHireRole), roles_(conn.pool(kRoles), 0), changes_(-1), tag_(&kTag) {}

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
        have_last_ = false;
    }
}

RoleHires HireStream::hires(sqlite3_int64 role) {
    forget_if_written();
    if (have_last_ && last_role_ == role) return last_;
    RoleHires found;
    if (hires_.position_at(role)) {
        while (!hires_.at_end() && hires_.key_is(role)) {
            found.offer(sqlite3_column_int64(hires_.row(), kHireId), [](HireId&) {});
            hires_.next();
        }
        if (role < INT64_MAX) hires_.consumed_below(role + 1);
    }
    have_last_ = true;
    last_role_ = role;
    last_ = found;
    return found;
}

bool HireStream::role_exists(sqlite3_int64 role) {
    forget_if_written();
    return roles_.position_at(role) && roles_.key_is(role);
}

}  // namespace theater
