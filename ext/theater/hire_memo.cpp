#include "theater/hire_memo.hpp"

#include "theater/hires.hpp"

namespace theater {

void HireMemo::clear() noexcept {
    built_ = false;
    hires_ = {};
    flags_ = {};
}

bool HireMemo::build(StatementPool* roles, StatementPool& hires, sqlite3_int64 first, sqlite3_int64 last) {
    clear();
    if (last < first) return false;
    unsigned long long span = static_cast<unsigned long long>(last) - static_cast<unsigned long long>(first);
    if (span >= kMaxRoles) return false;
    first_ = first;
    last_ = last;
    hires_.assign(static_cast<std::size_t>(span) + 1, Hires{0, 0});
    flags_.assign(static_cast<std::size_t>(span) + 1, roles ? 0 : kExists);
    if ((roles && !run_memo_pass(*roles, *this)) || !run_memo_pass(hires, *this)) {
        clear();
        return false;
    }
    built_ = true;
    return true;
}

// A role's id with NULL says it exists; with a hire's id, that it has that
// hire (and so exists, as the scans take it): kept if one of its two lowest.
bool HireMemo::put(sqlite3_value* key, sqlite3_value* value) {
    if (sqlite3_value_type(key) != SQLITE_INTEGER) return false;
    sqlite3_int64 role = sqlite3_value_int64(key);
    if (role < first_ || role > last_) return false;
    auto at = static_cast<std::size_t>(static_cast<unsigned long long>(role) - static_cast<unsigned long long>(first_));
    std::uint8_t& flags = flags_[at];
    flags |= kExists;
    int type = sqlite3_value_type(value);
    if (type == SQLITE_NULL) return true;
    if (type != SQLITE_INTEGER) return false;
    sqlite3_int64 id = sqlite3_value_int64(value);
    Hires& h = hires_[at];
    if (!(flags & kLead) || id < h.lead) {
        if (flags & kLead) {
            h.understudy = h.lead;
            flags |= kUnderstudy;
        }
        h.lead = id;
        flags |= kLead;
    } else if (!(flags & kUnderstudy) || id < h.understudy) {
        h.understudy = id;
        flags |= kUnderstudy;
    }
    return true;
}

RoleLookup HireMemo::find(sqlite3_int64 role) const noexcept {
    RoleLookup found;
    if (role < first_ || role > last_) return found;
    auto at = static_cast<std::size_t>(static_cast<unsigned long long>(role) - static_cast<unsigned long long>(first_));
    std::uint8_t flags = flags_[at];
    found.exists = flags & kExists;
    if (flags & kLead) {
        found.hires.lead.id = hires_[at].lead;
        found.hires.lead.present = true;
    }
    if (flags & kUnderstudy) {
        found.hires.understudy.id = hires_[at].understudy;
        found.hires.understudy.present = true;
    }
    return found;
}

}  // namespace theater
