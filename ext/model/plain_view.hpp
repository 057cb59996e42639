// The plain SQL view a declared relationship may publish with the option
// {"view": "name"} (model-layer.md, "Plain views"): the relationship's rows
// for every key, the argument an ordinary column, for the clients that
// cannot load the extension (most BI tools). theater_relate creates it,
// replaces it when the relationship is declared again, and theater_unrelate
// drops it.
//
// A view is this relationship's only when its stored SQL carries the
// relationship's mark (view_mark) where create_view_sql puts it: a view of the same name that the user
// made, or that another relationship published, is never replaced nor
// dropped. SQLite keeps a CREATE VIEW's text, comments included, as written.
#pragma once

#include "core/connection.hpp"
#include "core/write_transaction.hpp"
#include "engine/relationship_spec.hpp"

#include <string>

namespace theater {

// The comment that marks a view as the relationship's:
// "/* theater_relate: name */".
std::string view_mark(const std::string& relationship);

// Whether `sql`, a view's text in sqlite_master, is the one create_view_sql
// wrote for `relationship` (its mark where create_view_sql puts it; the
// relationship's name in any case).
bool carries_mark(const std::string& sql, const std::string& relationship);

// CREATE VIEW main."view"("column", ..., "argument") AS <mark> SELECT ...:
// engine/relationship_spec.hpp's view_select, under view_columns' names.
std::string create_view_sql(const std::string& relationship, const std::string& view, const RelationshipSpec& spec);

// Why `view` cannot name the view of relationship `relationship` ("" when it
// can): a name as a relationship's must be (invalid_relationship_name), not
// the relationship's own name, nor one another relationship or module
// answers to. What the database holds under it is checked by publish_view.
std::string invalid_view_name(Connection& conn, const std::string& relationship, const std::string& view);

// Creates the view, through `write`, in place of the relationship's own
// view of that name if there is one. Throws SqlError when a table, view or
// index that is not the relationship's view has the name (in main or
// temp), or a stored declaration does. Runs after store_declaration.
void publish_view(Connection& conn, GuardedWrite& write, const std::string& relationship, const std::string& view,
                  const RelationshipSpec& spec);

// Drops the view the stored declaration of `relationship` names, when it is
// the relationship's own (a view of that name that is not is left alone, as
// is a stored row whose options no longer parse). Before the row is
// replaced (theater_relate) or removed (theater_unrelate).
void drop_declared_view(Connection& conn, GuardedWrite& write, const std::string& relationship);

}  // namespace theater
