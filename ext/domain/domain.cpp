#include "domain/domain.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/connection.hpp"
#include "domain/hire_stream.hpp"

#include <memory>

#include <optional>
#include <string>

namespace theater {

namespace {

constexpr const char* kCallBack = "UPDATE main.auditions SET hired = 1 WHERE id = ?1";

constexpr const char* kNoLead = "no actor has been hired for this role";
constexpr const char* kNoUnderstudy = "no actor has been hired for understudy for this role";

constexpr int kMaxWriteDepth = 64;

class DepthGuard {
public:
    explicit DepthGuard(int& depth) : depth_(depth) {
        if (depth_ >= kMaxWriteDepth) {
            throw SqlError("nested too deeply: triggers call call_back from inside call_back more than " +
                           std::to_string(kMaxWriteDepth) + " levels deep");
        }
        ++depth_;
    }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    ~DepthGuard() { --depth_; }

private:
    int& depth_;
};

// Role.lead() is the 1st hired audition, Role.understudy() the 2nd: the
// lowest audition ids among the role's hires.
void hired_at(sqlite3_context* ctx, sqlite3_value* arg, int offset, const char* nobody) {
    Connection& conn = Connection::of(ctx);
    std::optional<sqlite3_int64> role_id = integer_argument(arg, "role_id");
    if (!role_id) return;  // NULL in, NULL out
    HireStream* stream = HireStream::of_statement(ctx);
    std::unique_ptr<HireStream> fresh;
    if (!stream) {
        fresh = std::make_unique<HireStream>(conn);
        stream = fresh.get();
    }
    RoleHires hires = stream->hires(*role_id);
    // A hire exists, so the role does (integrity guarantees it).
    bool exists = hires.count > 0 || stream->role_exists(*role_id);
    if (fresh) HireStream::keep_for_statement(ctx, fresh.release());
    if (!exists) throw SqlError("no role with id " + std::to_string(*role_id));
    if (hires.count > offset) {
        sqlite3_result_int64(ctx, offset == 0 ? hires.first : hires.second);
    } else {
        sqlite3_result_text(ctx, nobody, -1, SQLITE_STATIC);
    }
}

}  // namespace

void role_lead_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "role_lead", [&] { hired_at(ctx, argv[0], 0, kNoLead); });
}

void role_understudy_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "role_understudy", [&] { hired_at(ctx, argv[0], 1, kNoUnderstudy); });
}

void call_back_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "call_back", [&] {
        Connection& conn = Connection::of(ctx);
        std::optional<sqlite3_int64> audition_id = integer_argument(argv[0], "audition_id");
        if (!audition_id) return;
        // A trigger on auditions may call call_back again from inside this
        // UPDATE; bound the nesting before it exhausts the stack.
        DepthGuard depth(conn.write_depth());
        CachedStatement stmt(conn, kCallBack);
        sqlite3_bind_int64(stmt.get(), 1, *audition_id);
        int before = sqlite3_total_changes(conn.db());
        try {
            stmt.step();
        } catch (const SqlError& e) {
            // SQLite asks a progress handler once more after the UPDATE has
            // completed; refusing then stops nothing: the hire is made, and
            // the answer says so. An UPDATE stopped before its end rolls
            // back and sets sqlite3_changes() to 0, even when a trigger it
            // fired had completed a write (which the total counts).
            if ((e.code() & 0xff) != SQLITE_INTERRUPT || sqlite3_total_changes(conn.db()) == before ||
                sqlite3_changes(conn.db()) == 0) {
                throw;
            }
        }
        if (sqlite3_changes(conn.db()) == 0) {
            throw SqlError("no audition with id " + std::to_string(*audition_id));
        }
        sqlite3_result_int(ctx, 1);
    });
}

}  // namespace theater
