// Where C++ meets a SQLite callback. No exception may cross into SQLite's C
// frames: every callback body runs inside one of these, which turns an
// exception into a SQLite error that names the SQL function or table.
#pragma once

#include "core/sqlite.hpp"

#include <new>
#include <string>

namespace theater {

void report_error(sqlite3_context* ctx, const char* function, const char* message, int code) noexcept;
int report_error(sqlite3_vtab* vtab, const char* table, const char* message, int code) noexcept;
int report_error(char** err, const char* table, const char* message, int code) noexcept;

// The one way an exception leaves the extension: body() runs, and whatever
// it throws becomes report(message, code), with out of memory as
// SQLITE_NOMEM (each report_error above gives that no message).
template <class Body, class Report>
auto guarded(Body&& body, Report&& report) noexcept {
    try {
        return body();
    } catch (const SqlError& e) {
        return report(e.what(), e.code());
    } catch (const std::bad_alloc&) {
        return report("out of memory", SQLITE_NOMEM);
    } catch (const std::exception& e) {
        return report(e.what(), SQLITE_ERROR);
    } catch (...) {
        return report("internal error", SQLITE_ERROR);
    }
}

// Runs the body of a scalar SQL function.
template <class Body>
void function_boundary(sqlite3_context* ctx, const char* function, Body&& body) noexcept {
    guarded(body, [&](const char* message, int code) { report_error(ctx, function, message, code); });
}

// Runs the body of a virtual table method; returns the SQLite result code and
// leaves the message in vtab->zErrMsg.
template <class Body>
int vtab_boundary(sqlite3_vtab* vtab, const char* table, Body&& body) noexcept {
    return guarded(body, [&](const char* message, int code) { return report_error(vtab, table, message, code); });
}

// Runs the body of a module's xConnect, which declares the table
// (declare_table) and makes it. An error goes to *err as "<table>: <message>"
// and returns SQLITE_NOMEM (without a message), SQLITE_SCHEMA (so that
// sqlite3_prepare reads the schema again and retries, see
// engine/relationship_module.cpp) or SQLITE_ERROR: what SQLite reports
// for a table it could not connect.
template <class Body>
int connect_boundary(char** err, const char* table, Body&& body) noexcept {
    return guarded(
        [&] {
            body();
            return SQLITE_OK;
        },
        [&](const char* message, int code) { return report_error(err, table, message, code); });
}

// sqlite3_declare_vtab, then, for a table that only reads,
// SQLITE_VTAB_INNOCUOUS: views and triggers may use it even with
// trusted_schema=OFF. A table that writes keeps SQLite's normal risk: a view
// or trigger may use it only with trusted_schema=ON. Throws SqlError when
// SQLite refuses the declaration.
enum class Risk { kInnocuous, kNormal };
void declare_table(sqlite3* db, const std::string& create_table, Risk risk = Risk::kInnocuous);

}  // namespace theater
