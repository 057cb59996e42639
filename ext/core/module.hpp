// What every virtual table module of the extension shares: its client data
// (the connection it belongs to, holding one reference), the planner's
// estimate for tables without statistics, and the shape of an eponymous-only,
// read-only module.
#pragma once

#include "core/connection.hpp"

namespace theater {

// The client data of a module. A module that needs more (the relationship
// engine's) derives from it; SQLite destroys it through destroy(). It is
// always handed to SQLite as a ModuleContext* (the base), and a module casts
// its aux pointer back to that before casting down.
struct ModuleContext {
    explicit ModuleContext(Connection* c) noexcept : conn(c) { conn->retain(); }
    virtual ~ModuleContext() { Connection::release(conn); }
    ModuleContext(const ModuleContext&) = delete;
    ModuleContext& operator=(const ModuleContext&) = delete;

    Connection* conn;

    // sqlite3_create_module_v2's destructor.
    static void destroy(void* self) noexcept { delete static_cast<ModuleContext*>(self); }
};

// Planner estimate for a table we have no statistics for: SQLite's own
// default for a table without sqlite_stat1 (about a million rows).
constexpr double kUnknownTableRows = 1048576.0;

// An eponymous-only (no xCreate), read-only module of version 0 from its
// methods, in sqlite3_module's order.
constexpr sqlite3_module read_only_module(
    int (*connect)(sqlite3*, void*, int, const char* const*, sqlite3_vtab**, char**),
    int (*best_index)(sqlite3_vtab*, sqlite3_index_info*), int (*disconnect)(sqlite3_vtab*),
    int (*open)(sqlite3_vtab*, sqlite3_vtab_cursor**), int (*close)(sqlite3_vtab_cursor*),
    int (*filter)(sqlite3_vtab_cursor*, int, const char*, int, sqlite3_value**), int (*next)(sqlite3_vtab_cursor*),
    int (*eof)(sqlite3_vtab_cursor*), int (*column)(sqlite3_vtab_cursor*, sqlite3_context*, int),
    int (*rowid)(sqlite3_vtab_cursor*, sqlite3_int64*)) {
    sqlite3_module m{};
    m.iVersion = 0;
    m.xCreate = nullptr;  // eponymous only: CREATE VIRTUAL TABLE ... USING is refused
    m.xConnect = connect;
    m.xBestIndex = best_index;
    m.xDisconnect = disconnect;
    m.xDestroy = nullptr;
    m.xOpen = open;
    m.xClose = close;
    m.xFilter = filter;
    m.xNext = next;
    m.xEof = eof;
    m.xColumn = column;
    m.xRowid = rowid;
    return m;
}

}  // namespace theater
