// A progress handler in C for tests/test_cancel.py's sweeps, which cancel a
// call at every check SQLite makes (nProgressOps = 1): one run per check,
// each counting every check before its own, so the handler runs about N^2/2
// times for a call of N checks. Python's handler costs about 0.9 us a call
// (the GIL, the call, the truth test), which made the sweeps two thirds of
// the suite's time; this one costs a few nanoseconds.
//
// Loading it (sqlite3_load_extension) installs the handler on that
// connection, disarmed. The test then arms and disarms it through ctypes
// (the same loaded library, so the same state), never through SQL: a
// statement of its own would add checks of its own to the count.
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

namespace {

enum Way { kInterrupt = 0, kRefuseOnce = 1, kRefuseFromThenOn = 2 };

struct State {
    sqlite3* db = nullptr;
    bool armed = false;
    int way = kInterrupt;
    long long at = 0;  // 0: count only
    long long seen = 0;
} state;

int on_progress(void*) {
    if (!state.armed) return 0;
    ++state.seen;
    if (state.at <= 0 || state.seen < state.at) return 0;
    switch (state.way) {
    case kInterrupt:
        // Raised once; SQLite keeps it until the outer statement ends.
        if (state.seen == state.at) sqlite3_interrupt(state.db);
        return 0;
    case kRefuseOnce:
        return state.seen == state.at ? 1 : 0;
    default:
        return 1;
    }
}

}  // namespace

extern "C" {

// Counts the checks from now on, and cancels at the at-th (at <= 0: never)
// in the way `way` (Way).
void cancel_at_arm(int way, long long at) {
    state.way = way;
    state.at = at;
    state.seen = 0;
    state.armed = true;
}

// Stops counting; returns the checks counted since cancel_at_arm.
long long cancel_at_disarm() {
    state.armed = false;
    return state.seen;
}

int sqlite3_cancelat_init(sqlite3* db, char**, const sqlite3_api_routines* api) {
    SQLITE_EXTENSION_INIT2(api);
    state = State{};
    state.db = db;
    sqlite3_progress_handler(db, 1, on_progress, nullptr);
    return SQLITE_OK;
}

}  // extern "C"
