// call_back(audition_id): the seed's Audition.call_back(), which hires the
// actor (sql-api.md section 4).
#include "theater/domain.hpp"

#include "core/args.hpp"
#include "core/statement_pool.hpp"
#include "theater/domain_boundary.hpp"

#include <optional>
#include <string>

namespace theater {

namespace {

constexpr const char* kCallBack = "UPDATE main.auditions SET hired = 1 WHERE id = ?1";

// How deeply call_back calls are nested on one connection: a trigger fired
// by its UPDATE may call call_back again.
struct CallBackDepth {
    int depth = 0;
};

constexpr int kMaxDepth = 64;

class DepthGuard {
public:
    explicit DepthGuard(int& depth) : depth_(depth) {
        if (depth_ >= kMaxDepth) {
            throw SqlError("nested too deeply: triggers call call_back from inside call_back more than " +
                           std::to_string(kMaxDepth) + " levels deep");
        }
        ++depth_;
    }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    ~DepthGuard() { --depth_; }

private:
    int& depth_;
};

}  // namespace

void call_back_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    domain_function(ctx, "call_back", [&] {
        Connection& conn = Connection::of(ctx);
        std::optional<sqlite3_int64> audition_id = integer_argument(argv[0], "audition_id");
        if (!audition_id) return;
        // Bound the nesting of triggers that call call_back before it
        // exhausts the stack.
        DepthGuard depth(conn.state<CallBackDepth>().depth);
        StatementLease stmt = conn.statement(kCallBack);
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
