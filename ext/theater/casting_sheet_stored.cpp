// The stored casting sheet's SQL: its two tables and the triggers that keep
// the first equal to role_casting for every client, whether or not it loaded
// the extension (tests/test_casting_sheet_stored.py compares the two after
// random writes). The rules:
//
// * The triggers are plain SQL and call no function, so a connection that
//   never loaded the extension fires them like any other, and they run
//   under PRAGMA trusted_schema=OFF.
// * A role's row is recomputed from the tables, never patched: the lead and
//   the understudy are its first and second hired audition (lowest ids,
//   hired = 1, as role_casting and the partial index auditions_hired_by_role
//   say), each one seek of that covering index. Any change that can move
//   them recomputes every role it touches, the OLD one and the NEW one.
// * Which changes: an audition inserted or deleted while hired; an UPDATE of
//   its id, role_id, hired or actor where it is hired before or after (an
//   audition hired in neither is on no sheet); a role inserted, deleted,
//   renamed or given another id. An UPDATE may set the rowid by any of its
//   names, and SQLite fires "UPDATE OF id" only for the name written, so
//   every name is listed (as fk_triggers.cpp does). The WHEN clauses compare
//   with IS NOT: values of one column that compare equal are the same value
//   here (INTEGER and TEXT affinity leave no 1 beside 1.0, and text is never
//   equal to a blob).
// * REPLACE: an INSERT OR REPLACE (or UPDATE OR REPLACE) that takes an
//   audition's id deletes the audition holding it, and SQLite fires no
//   delete trigger for that row while recursive_triggers is OFF, its
//   default. Only a BEFORE trigger still sees that row, but it cannot
//   recompute anything yet, and must not change the sheet: under OR IGNORE,
//   OR FAIL or ON CONFLICT DO NOTHING the row is then not written and no
//   AFTER trigger follows. So the BEFORE triggers only note the hired
//   audition's role in casting_sheet_stored_pending, and the AFTER triggers
//   recompute the noted roles and empty it. A note left behind by a write
//   that did not happen is harmless (recomputing a role is always right) and
//   goes with the next INSERT or change of id; a role is noted once.
// * Cost: each trigger that fires is a sub-program SQLite runs for the row
//   (a frame allocated, its WHEN evaluated), and each statement of its body
//   is set up even when it does nothing; an IN list of two values makes an
//   ephemeral index. So the recomputation of the noted roles has triggers of
//   its own, whose WHEN reads the (empty) notes table, rather than being a
//   statement of every trigger; and an UPDATE's OLD and NEW roles are two
//   seeks, the second one skipped (a constant false term) when the role did
//   not change. That took an UPDATE that hires or lets go from about 84,000
//   instructions per row inside sqlite3_step() to 24,000 (10,000 without
//   the sheet; SQLite 3.40.1).
// * The statements in the bodies never conflict: a row of the sheet is
//   deleted before it is inserted, and neither table has another
//   constraint. (The conflict clause of the statement that fired a trigger
//   overrides the clauses in its body, so an OR REPLACE of ours could turn
//   into the caller's OR IGNORE.)
// * Trigger bodies name tables unqualified: SQLite binds them to the
//   trigger's own schema, main. Every table a subquery reads has an alias
//   (theater_hire, theater_old, theater_pending); the UPDATE of the sheet
//   names the sheet itself (SQLite 3.40 allows no alias there in a trigger).
#include "theater/casting_sheet_stored.hpp"

#include "core/quote.hpp"
#include "migrations/theater_tables.hpp"

namespace theater {

namespace {

std::string q(const char* name) { return quote_identifier(name); }

// The sheet's columns, with role_casting's names and declared types: INTEGER
// and TEXT affinity change none of the values role_casting gives (ids are
// integers, names and actors text or blob), and BI tools show the types.
const char* const kColumns[][2] = {{"role_id", "INTEGER PRIMARY KEY"}, {"character_name", "TEXT"},
                                   {"lead", "INTEGER"},                {"lead_actor", "TEXT"},
                                   {"understudy", "INTEGER"},          {"understudy_actor", "TEXT"}};

std::string column_names() {
    std::string out;
    for (const auto& c : kColumns) out += (out.empty() ? "" : ", ") + q(c[0]);
    return out;
}

// "SELECT id, actor" of the role's hire at `offset` (0: the lead, 1: the
// understudy), for the sheet's row being updated.
std::string hire_at(const char* offset) {
    const std::string sheet = q(kStoredSheetTable);
    return "(SELECT theater_hire." + q("id") + ", theater_hire." + q("actor") + " FROM " + q(kAuditionsTable) +
           " AS theater_hire WHERE theater_hire." + q("role_id") + " = " + sheet + "." + q("role_id") +
           " AND theater_hire." + q("hired") + " = 1 ORDER BY theater_hire." + q("id") + " LIMIT 1" + offset + ")";
}

// Recomputes the lead and understudy of the sheet's rows whose role_id
// satisfies `keys` ("= NEW.role_id", "IN (...)").
std::string recompute(const std::string& keys) {
    return "UPDATE " + q(kStoredSheetTable) + " SET (" + q("lead") + ", " + q("lead_actor") + ") = " + hire_at("") +
           ", (" + q("understudy") + ", " + q("understudy_actor") + ") = " + hire_at(" OFFSET 1") + " WHERE " +
           q("role_id") + " " + keys + ";";
}

// The noted roles recomputed, and the notes gone.
std::string recompute_noted() {
    const std::string pending = q(kStoredSheetPendingTable);
    return recompute("IN (SELECT theater_pending." + q("role_id") + " FROM " + pending + " AS theater_pending)") +
           " DELETE FROM " + pending + ";";
}

// A role's row made again from the role NEW: its name, then its hires.
std::string role_row_from_new() {
    return "INSERT INTO " + q(kStoredSheetTable) + " (" + q("role_id") + ", " + q("character_name") +
           ") VALUES (NEW." + q("id") + ", NEW." + q("character_name") + "); " + recompute("= NEW." + q("id"));
}

// The audition whose id NEW takes, if it is hired (BEFORE INSERT: with no
// id given, NEW.id is -1 there, and a hired audition -1 is noted for
// nothing, harmlessly).
std::string hired_holder_of_new_id() {
    return "FROM " + q(kAuditionsTable) + " AS theater_old WHERE theater_old." + q("id") + " = NEW." + q("id") +
           " AND theater_old." + q("hired") + " = 1";
}

std::string note_holders_role() {
    const std::string pending = q(kStoredSheetPendingTable);
    return "INSERT INTO " + pending + " (" + q("role_id") + ") SELECT theater_old." + q("role_id") + " " +
           hired_holder_of_new_id() + " AND NOT EXISTS (SELECT 1 FROM " + pending +
           " AS theater_pending WHERE theater_pending." + q("role_id") + " = theater_old." + q("role_id") + ");";
}

std::string anything_noted() { return "EXISTS (SELECT 1 FROM " + q(kStoredSheetPendingTable) + ")"; }

StoredSheetObject trigger(const char* table, const char* what, const std::string& rest) {
    const std::string name = std::string(kStoredSheetTriggerPrefix) + table + ":" + what;
    const std::string tail = quote_identifier(name) + " " + rest;
    return {"trigger", name, "CREATE TRIGGER main." + tail, "CREATE TRIGGER " + tail};
}

StoredSheetObject table(const char* name, const std::string& columns) {
    const std::string tail = q(name) + " (" + columns + ")";
    return {"table", name, "CREATE TABLE main." + tail, "CREATE TABLE " + tail};
}

std::string old_new_differ(const char* column) {
    return "OLD." + q(column) + " IS NOT NEW." + q(column);
}

}  // namespace

std::vector<StoredSheetObject> stored_sheet_objects() {
    std::string columns;
    for (const auto& c : kColumns) columns += (columns.empty() ? "" : ", ") + q(c[0]) + " " + c[1];
    const std::string roles = q(kRolesTable);
    const std::string auditions = q(kAuditionsTable);
    const std::string sheet = q(kStoredSheetTable);
    const std::string rowid_names = q("id") + ", " + q("rowid") + ", " + q("oid") + ", " + q("_rowid_");
    const std::string hired_before_or_after = "(OLD." + q("hired") + " = 1 OR NEW." + q("hired") + " = 1)";
    return {
        table(kStoredSheetTable, columns),
        table(kStoredSheetPendingTable, q("role_id") + " INTEGER"),
        trigger(kRolesTable, "insert",
                "AFTER INSERT ON " + roles + " BEGIN DELETE FROM " + sheet + " WHERE " + q("role_id") + " = NEW." +
                    q("id") + "; " + role_row_from_new() + " END"),
        trigger(kRolesTable, "update",
                "AFTER UPDATE OF " + rowid_names + ", " + q("character_name") + " ON " + roles + " WHEN " +
                    old_new_differ("id") + " OR " + old_new_differ("character_name") + " BEGIN DELETE FROM " +
                    sheet + " WHERE " + q("role_id") + " IN (OLD." + q("id") + ", NEW." + q("id") + "); " +
                    role_row_from_new() + " END"),
        trigger(kRolesTable, "delete",
                "AFTER DELETE ON " + roles + " BEGIN DELETE FROM " + sheet + " WHERE " + q("role_id") + " = OLD." +
                    q("id") + "; END"),
        trigger(kAuditionsTable, "before_insert",
                "BEFORE INSERT ON " + auditions + " WHEN EXISTS (SELECT 1 " + hired_holder_of_new_id() +
                    ") BEGIN " + note_holders_role() + " END"),
        trigger(kAuditionsTable, "insert",
                "AFTER INSERT ON " + auditions + " WHEN NEW." + q("hired") + " = 1 BEGIN " +
                    recompute("= NEW." + q("role_id")) + " END"),
        trigger(kAuditionsTable, "insert_noted",
                "AFTER INSERT ON " + auditions + " WHEN " + anything_noted() + " BEGIN " + recompute_noted() + " END"),
        trigger(kAuditionsTable, "before_update",
                "BEFORE UPDATE OF " + rowid_names + " ON " + auditions + " WHEN " + old_new_differ("id") +
                    " AND EXISTS (SELECT 1 " + hired_holder_of_new_id() + ") BEGIN " + note_holders_role() + " END"),
        trigger(kAuditionsTable, "update",
                "AFTER UPDATE OF " + rowid_names + ", " + q("role_id") + ", " + q("hired") + ", " + q("actor") +
                    " ON " + auditions + " WHEN " + hired_before_or_after + " AND (" + old_new_differ("id") + " OR " +
                    old_new_differ("role_id") + " OR " + old_new_differ("hired") + " OR " + old_new_differ("actor") +
                    ") BEGIN " + recompute("= OLD." + q("role_id")) + " " +
                    recompute("= NEW." + q("role_id") + " AND " + old_new_differ("role_id")) + " END"),
        trigger(kAuditionsTable, "update_noted",
                "AFTER UPDATE OF " + rowid_names + " ON " + auditions + " WHEN " + anything_noted() + " BEGIN " +
                    recompute_noted() + " END"),
        trigger(kAuditionsTable, "delete",
                "AFTER DELETE ON " + auditions + " WHEN OLD." + q("hired") + " = 1 BEGIN " +
                    recompute("= OLD." + q("role_id")) + " END"),
    };
}

std::string stored_sheet_fill_sql() {
    return "INSERT INTO main." + q(kStoredSheetTable) + " (" + column_names() + ") SELECT " + column_names() +
           " FROM main." + q("role_casting");
}

std::string stored_sheet_matches_sql() {
    std::string differs = "s." + q("role_id") + " IS NULL";
    for (const auto& c : kColumns) {
        if (std::string(c[0]) == "role_id") continue;
        differs += " OR s." + q(c[0]) + " IS NOT c." + q(c[0]);
    }
    return "SELECT (SELECT count(*) FROM main." + q(kStoredSheetTable) + ") = count(*) AND coalesce(max(" + differs +
           "), 0) = 0 FROM main." + q("role_casting") + " AS c LEFT JOIN main." + q(kStoredSheetTable) + " AS s ON s." +
           q("role_id") + " = c." + q("role_id");
}

}  // namespace theater
