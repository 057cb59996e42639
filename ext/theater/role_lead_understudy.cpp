// role_lead(role_id) and role_understudy(role_id): the seed's Role.lead()
// and Role.understudy() (sql-api.md section 4), read through the statement's
// HireStream (theater/hires.hpp).
#include "theater/domain.hpp"

#include "core/args.hpp"
#include "theater/domain_boundary.hpp"
#include "theater/hires.hpp"

#include <memory>
#include <optional>
#include <string>

namespace theater {

namespace {

constexpr const char* kNoLead = "no actor has been hired for this role";
constexpr const char* kNoUnderstudy = "no actor has been hired for understudy for this role";

// The hire in `slot` (lead or understudy) of the role, or `nobody`.
void hired_at(sqlite3_context* ctx, sqlite3_value* arg, HireId RoleHires::*slot, const char* nobody) {
    Connection& conn = Connection::of(ctx);
    std::optional<sqlite3_int64> role_id = integer_argument(arg, "role_id");
    if (!role_id) return;  // NULL in, NULL out
    HireStream* stream = HireStream::of_statement(ctx);
    std::unique_ptr<HireStream> fresh;
    if (!stream) {
        fresh = std::make_unique<HireStream>(conn);
        stream = fresh.get();
    }
    RoleLookup found = stream->lookup(*role_id, slot == &RoleHires::understudy);
    if (fresh) HireStream::keep_for_statement(ctx, fresh.release());
    if (!found.exists) throw SqlError("no role with id " + std::to_string(*role_id));
    const HireId& hire = found.hires.*slot;
    if (hire.present) {
        sqlite3_result_int64(ctx, hire.id);
    } else {
        sqlite3_result_text(ctx, nobody, -1, SQLITE_STATIC);
    }
}

}  // namespace

void role_lead_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    domain_function(ctx, "role_lead", [&] { hired_at(ctx, argv[0], &RoleHires::lead, kNoLead); });
}

void role_understudy_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    domain_function(ctx, "role_understudy", [&] { hired_at(ctx, argv[0], &RoleHires::understudy, kNoUnderstudy); });
}

}  // namespace theater
