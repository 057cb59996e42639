// The theater's scalar domain functions (sql-api.md section 4), from the
// seed's Audition.call_back(), Role.lead() and Role.understudy().
#pragma once

#include "core/sqlite.hpp"

namespace theater {

void call_back_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void role_lead_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void role_understudy_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

}  // namespace theater
