// role_casting: the casting sheet, one row per role with its lead and
// understudy (sql-api.md section 6).
#pragma once

#include "core/sqlite.hpp"

namespace theater {

// Eponymous-only; its client data is a ModuleContext.
extern const sqlite3_module kRoleCastingModule;

}  // namespace theater
