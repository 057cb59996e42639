// Where a call enters the theater's domain: errors as every function
// reports them (core/boundary.hpp), and a missing theater table in the
// words of a database that was never migrated.
#pragma once

#include "core/boundary.hpp"
#include "migrations/theater_tables.hpp"

namespace theater {

// The body of a domain function or of a domain table's method, with a
// missing theater table reported as kNotMigratedMessage.
template <class Body>
auto not_migrated_in_words(Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const SqlError& e) {
        if (is_not_migrated(e)) throw SqlError(kNotMigratedMessage);
        throw;
    }
}

template <class Body>
void domain_function(sqlite3_context* ctx, const char* function, Body&& body) noexcept {
    function_boundary(ctx, function, [&] { not_migrated_in_words(body); });
}

template <class Body>
int domain_table_method(sqlite3_vtab* vtab, const char* table, Body&& body) noexcept {
    return vtab_boundary(vtab, table, [&] { return not_migrated_in_words(body); });
}

}  // namespace theater
