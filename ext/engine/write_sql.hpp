// The SQL of a write through a relationship (model-layer.md, "Writes"): pure
// functions of RelationshipSpec::Write. Each row's write is one statement on
// the real tables, so a failing row leaves nothing half-done, and SQLite's
// statement journal covers a statement of several rows. Parameters: ?1..?k
// the source's key (the relationship's arguments, in order), then the
// values each function names.
#pragma once

#include "engine/relationship_spec.hpp"

#include <string>
#include <vector>

namespace theater {

using WritePlan = RelationshipSpec::Write;

// DELETE of one row, ?1 its rowid: the target row (or, orphan, its key
// columns set NULL), or the link row.
std::string delete_sql(const WritePlan& w);

// "SELECT 1 FROM source WHERE key = ?1 ...": the source row exists.
std::string source_exists_sql(const WritePlan& w);
// "SELECT 1 FROM target WHERE target_key = ?1 ...": a target row with that key exists.
std::string target_exists_sql(const WritePlan& w);

// "SELECT <rowid> FROM target WHERE target_key = ?1 ...": the rowid of the target row of that key.
std::string target_rowid_sql(const WritePlan& w);

// One-to-many: a new target row with `columns` (target columns, of
// `affinities`) from ?k+1.., and its key columns from the source row of
// ?1..?k. With a filter, only if the row as it will be stored (each value
// under its column's affinity) meets it, in the same statement. No source
// row, or an unmet filter: no row.
std::string insert_child_sql(const WritePlan& w, const std::vector<std::string>& columns,
                             const std::vector<std::string>& affinities);

// One-to-many: the target row whose key is ?k+1.. moves to the source row of
// ?1..?k (with a filter, only if the row meets it). No source row: no change.
std::string reparent_sql(const WritePlan& w);

// Many-to-many: a link row between the source row of ?1..?k and the target
// row whose key is ?k+1.. (with a filter, only if that row meets it).
std::string link_sql(const WritePlan& w);

}  // namespace theater
