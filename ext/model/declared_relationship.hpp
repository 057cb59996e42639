// One relationship declared with theater_relate, as registered on one
// connection: its stored declaration, and the spec resolved from the schema
// (model/resolve.hpp), resolved again whenever the schema may have changed.
// It is the live relationship (engine/live_relationship.hpp) that the
// engine's module serves for it.
//
// SQLite connects the relationship's table once (an eponymous virtual
// table) and hands it to every statement it prepares, with the columns it
// declared then, until the module is registered again. So a statement is
// planned for the columns and queries of the table SQLite had when it
// prepared it; when the schema changes what the declaration means, the
// first use that notices retires the table (retire()), and the engine
// decides about the statement: started again only if it has returned no
// row yet, stopped with an error otherwise (docs/reference.md, "Statements
// that use a declared relationship while it changes"). Statements prepared
// before theater_relate or theater_refresh replaced the declaration are
// expired (expire_statements), so that SQLite prepares them again before
// they next run.
#pragma once

#include "engine/live_relationship.hpp"
#include "model/resolve.hpp"

#include <memory>
#include <string>

namespace theater {

class DeclaredRelationship : public LiveRelationship, public std::enable_shared_from_this<DeclaredRelationship> {
public:
    // `row` as stored in theater_relationships; `resolved` (may be null) the
    // spec already resolved for it, at `epoch`.
    DeclaredRelationship(Declaration row, std::shared_ptr<const RelationshipSpec> resolved = nullptr,
                         SchemaEpoch epoch = SchemaEpoch());

    const std::string& name() const noexcept override { return row_.name; }
    // What the stored row said when this was registered (one string).
    const std::string& signature() const noexcept { return signature_; }

    // Resolved again when the schema changed since the last resolution.
    // Throws SqlError "this relationship no longer fits the schema (...)"
    // when the declaration no longer resolves; before SQLite 3.37.0,
    // returns a broken spec instead (RelationshipSpec::broken), whose every
    // use fails in check() with that message.
    std::shared_ptr<const RelationshipSpec> spec(Connection& conn, SchemaEpoch& epoch) override;

    void connected(const void* table) noexcept override { current_table_ = table; }

    // Registers the module again only while this is the registration of
    // its name on the connection (theater_relate or theater_refresh may
    // have replaced it). SQLite expires every statement of the connection
    // at its next prepare (sqlite3VtabUnlockList: a virtual table was
    // disconnected). A table that stays is checked at each use all the same.
    void retire(Connection& conn, const void* table) noexcept override;

    // Reads nothing outside a write transaction (a statement run from here
    // could make SQLite reload a schema the statement being planned uses);
    // inside one, the schema is this connection's own and one step says.
    bool suspect(Connection& conn, const UseCheck& table) override;

    // Throws when the stored row is gone or differs (a rolled-back
    // declaration, theater_unrelate, another connection's replacement, or
    // a replacement made here while the statement was running), or the
    // schema no longer supports it. Costs nothing more than a file control
    // outside a write transaction while neither this connection nor another
    // one has written since the table's last check, and one step of a
    // prepared statement inside one while the cursor's check holds.
    std::shared_ptr<const RelationshipSpec> check(Connection& conn, const RelationshipSpec& served, UseCheck& table,
                                                 UseCheck& cursor, int changes, bool writing) override;

private:
    std::shared_ptr<const RelationshipSpec> resolve_at(Connection& conn, const SchemaEpoch& epoch);

    Declaration row_;
    std::string signature_;
    // The last resolution, and the schema it was made against.
    std::shared_ptr<const RelationshipSpec> resolved_;
    SchemaEpoch epoch_;
    const void* current_table_ = nullptr;
};

}  // namespace theater
