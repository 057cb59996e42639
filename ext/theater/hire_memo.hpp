// Every role's lead and understudy, read in two sequential passes and kept
// for the rest of one statement: how HireStream (theater/hires.hpp) answers
// role_lead and role_understudy for roles asked in no order, once enough of
// them were asked to pay for the passes.
//
// A keyed lookup (core/key_feed.hpp) costs a descent of the hired index per
// call; the memo costs one pass over the roles' ids and one over the hired
// index (each row handed to it inside the pass, core/memo_pass.hpp), then an
// array access per call. Dense only: one slot per id from the lowest role
// id to the highest, 17 bytes each, up to kMaxRoles (68 MiB); roles whose
// ids spread wider are left to the keyed statement.
#pragma once

#include "core/memo_pass.hpp"

#include <cstdint>
#include <vector>

namespace theater {

struct RoleLookup;  // theater/hires.hpp

class HireMemo final : public MemoSink {
public:
    static constexpr unsigned long long kMaxRoles = 4ULL << 20;

    // Reads every role id of `roles` ("SELECT id, NULL ..."; nullptr when
    // every id of [first, last] is a role's) and every hire of `hires`
    // ("SELECT role_id, id ..." over the hired auditions), for roles whose
    // ids lie in [first, last]; both through memo_pass_sql. False, and the memo stays
    // empty, when that span passes kMaxRoles, a pass cannot run, or a hire
    // names a role id that is not an integer of the span (the scans' answer
    // for such a hire is kept by not building the memo at all).
    bool build(StatementPool* roles, StatementPool& hires, sqlite3_int64 first, sqlite3_int64 last);
    void clear() noexcept;
    bool built() const noexcept { return built_; }
    // What the memo knows of `role` (a role outside the span does not exist).
    RoleLookup find(sqlite3_int64 role) const noexcept;

    bool put(sqlite3_value* key, sqlite3_value* value) override;

private:
    enum Flag : std::uint8_t { kExists = 1, kLead = 2, kUnderstudy = 4 };
    struct Hires {
        sqlite3_int64 lead;
        sqlite3_int64 understudy;
    };
    bool built_ = false;
    sqlite3_int64 first_ = 0;
    sqlite3_int64 last_ = 0;
    std::vector<Hires> hires_;
    std::vector<std::uint8_t> flags_;
};

}  // namespace theater
