// The stored casting sheet (theater_materialize_casting, docs/reference.md
// "casting_sheet_stored: the stored casting sheet"): a real table with role_casting's rows, kept
// right by triggers on roles and auditions. Everything here is a pure
// function of the names the migrations make, unit-tested on its strings
// (tests/cpp/generators_test.cpp); the rules the triggers follow are at the
// top of casting_sheet_stored.cpp.
#pragma once

#include <string>
#include <vector>

namespace theater {

// The table users read, and the table the triggers note roles to recompute
// in (see casting_sheet_stored.cpp, "REPLACE").
constexpr const char* kStoredSheetTable = "casting_sheet_stored";
constexpr const char* kStoredSheetPendingTable = "casting_sheet_stored_pending";

// Every trigger is named "casting_sheet_stored:<table>:<what>".
constexpr const char* kStoredSheetTriggerPrefix = "casting_sheet_stored:";

struct StoredSheetObject {
    std::string type;    // "table" or "trigger", as sqlite_master says
    std::string name;
    std::string create;  // the CREATE the call runs, in main
    std::string stored;  // the same as sqlite_master keeps it: SQLite drops the "main."
};

// The two tables, then the ten triggers, in the order they are created.
std::vector<StoredSheetObject> stored_sheet_objects();

// Fills the empty table from role_casting, in one ordered pass.
std::string stored_sheet_fill_sql();

// One row of one column: 1 when the table holds exactly role_casting's rows
// (every role once, every value the same, text and blob told apart), else 0.
std::string stored_sheet_matches_sql();

}  // namespace theater
