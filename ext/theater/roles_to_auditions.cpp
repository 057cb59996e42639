#include "theater/roles_to_auditions.hpp"

#include "migrations/theater_tables.hpp"

#include <utility>

namespace theater {

// Served by the index auditions_role_id alone: the migrations' triggers
// refuse an audition whose role_id names no role, so the seek need not read
// roles (JoinPath::fk_names_a_row); a declared relationship cannot rely on
// such triggers and joins roles as the plain join does.
JoinPath roles_to_auditions(std::vector<std::pair<std::string, std::string>> columns) {
    JoinPath p;
    p.kind = JoinPath::kOneToMany;
    p.from_table = kRolesTable;
    p.from_key = "id";
    p.to_table = kAuditionsTable;
    p.to_rowid = "id";
    p.to_columns = std::move(columns);
    p.fk = "role_id";
    p.ref = "id";
    p.argument = "role_id";
    p.fk_names_a_row = true;
    return p;
}

const RelationshipSpec& immortal_spec(const std::string& name, const JoinPath& path) {
    // Complete before the one allocation that is never freed: an allocation
    // failing after it would leak it, and the next load would make another
    // (tests/cpp/oom_test.cpp, CxxNewFailureFirstLoad).
    RelationshipSpec spec = spec_for(name, path);
    spec.when_tables_missing = kNotMigratedMessage;
    return *new RelationshipSpec(std::move(spec));
}

}  // namespace theater
