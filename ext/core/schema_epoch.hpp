// When the schema of the main database was last seen: how often SQLite has
// prepared again a statement of the connection that reads it ("SELECT 1 FROM
// main.sqlite_master WHERE 0", stepped to its end). SQLite prepares a
// statement again before it runs whenever the schema changed since it was
// prepared (its schema cookie, or a schema reset: a transaction's CREATE
// rolled back, then another CREATE, gives the cookie the same value again),
// so the count moves with every change. Reading it is one step of a prepared
// statement that opens no table.
#pragma once

#include "core/connection.hpp"

namespace theater {

struct SchemaEpoch {
    const void* statement = nullptr;
    int prepared_again = -1;

    bool operator==(const SchemaEpoch& o) const {
        return statement == o.statement && prepared_again == o.prepared_again;
    }
    bool operator!=(const SchemaEpoch& o) const { return !(*this == o); }
};

// The schema as the connection sees it now. Throws SqlError with
// SQLITE_SCHEMA when the connection cannot read it (while SQLite prepares a
// statement, see engine/relationship_module.cpp).
SchemaEpoch schema_epoch(Connection& conn);

// The main database's data version (SQLITE_FCNTL_DATA_VERSION), which moves
// when the connection begins to read the file after another connection's
// commit. A null name is main without the lookup of "main" among the
// attached names (about 95 of a call's 250 instructions).
inline unsigned int main_data_version(sqlite3* db) noexcept {
    unsigned int version = 0;
    sqlite3_file_control(db, nullptr, SQLITE_FCNTL_DATA_VERSION, &version);
    return version;
}

}  // namespace theater
