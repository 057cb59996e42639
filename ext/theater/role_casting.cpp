// role_casting: the casting sheet, one row per role with its lead and
// understudy (sql-api.md section 6). The whole sheet is one ordered merge of
// two streams: roles by id, and the hired auditions by role_id from the
// covering partial index auditions_hired_by_role; each role keeps its lead
// and understudy (theater/hires.hpp), so a report over every role costs two
// sequential passes, not a lookup per role. With a role id the same merge
// runs over two seeks.
#include "theater/domain.hpp"

#include "core/args.hpp"
#include "core/module.hpp"
#include "core/statement_pool.hpp"
#include "theater/domain_boundary.hpp"
#include "theater/hires.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace theater {

namespace {

constexpr const char* kTable = "role_casting";

// Each query in two forms, with the column the statement reads or without
// it (NULL in its place): the hires without actors read the covering index
// alone, with no lookup in auditions per hire (xBestIndex's colUsed says
// which columns a statement reads).
constexpr const char* kRolesScan[] = {"SELECT id, NULL FROM main.roles ORDER BY id",
                                      "SELECT id, character_name FROM main.roles ORDER BY id"};
constexpr const char* kRolesSeek[] = {"SELECT id, NULL FROM main.roles WHERE id = ?1",
                                      "SELECT id, character_name FROM main.roles WHERE id = ?1"};
constexpr const char* kHiresScan[] = {
    "SELECT role_id, id, NULL FROM main.auditions WHERE hired = 1 ORDER BY role_id",
    "SELECT role_id, id, actor FROM main.auditions WHERE hired = 1 ORDER BY role_id"};
constexpr const char* kHiresSeek[] = {
    "SELECT role_id, id, NULL FROM main.auditions WHERE role_id = ?1 AND hired = 1 ORDER BY id LIMIT 2",
    "SELECT role_id, id, actor FROM main.auditions WHERE role_id = ?1 AND hired = 1 ORDER BY id LIMIT 2"};

enum Column { kRoleId, kCharacterName, kLead, kLeadActor, kUnderstudy, kUnderstudyActor, kArgument };

// The queries' statements are the connection's (Connection::pool), each
// query's two forms indexed by whether the column is read.
struct CastingTable {
    explicit CastingTable(Connection& c)
        : roles_scan{&c.pool(kRolesScan[0]), &c.pool(kRolesScan[1])},
          roles_seek{&c.pool(kRolesSeek[0]), &c.pool(kRolesSeek[1])},
          hires_scan{&c.pool(kHiresScan[0]), &c.pool(kHiresScan[1])},
          hires_seek{&c.pool(kHiresSeek[0]), &c.pool(kHiresSeek[1])} {}
    sqlite3_vtab base{};
    StatementPool* roles_scan[2];
    StatementPool* roles_seek[2];
    StatementPool* hires_scan[2];
    StatementPool* hires_seek[2];
};

struct Hire {
    sqlite3_int64 id = 0;
    // actor is TEXT NOT NULL, but SQLite stores what it is given. Text and
    // blobs (the real cases) keep their bytes, NULs included, in a buffer
    // reused from role to role; anything else (a schema edited by hand) is
    // kept as a copy of the value.
    int actor_type = SQLITE_TEXT;
    std::string actor_bytes;
    Value actor_other;
    bool present = false;
};

struct CastingCursor {
    sqlite3_vtab_cursor base{};
    StatementLease roles;
    StatementLease hires;
    bool hires_left = false;  // hires is on a row not yet consumed
    sqlite3_int64 hire_role = 0;  // and this is its role_id
    bool actors = true;       // the statement reads lead_actor or understudy_actor
    bool eof = true;
    sqlite3_int64 role_id = 0;
    LeadAndUnderstudy<Hire> cast;

    // One sqlite3_column_value per column read: each sqlite3_column_* call
    // takes the connection's mutex.
    static void keep_actor(Hire& slot, sqlite3_stmt* h) {
        sqlite3_value* actor = sqlite3_column_value(h, kHireActor);
        slot.actor_type = sqlite3_value_type(actor);
        if (slot.actor_type == SQLITE_TEXT || slot.actor_type == SQLITE_BLOB) {
            value_bytes(actor, slot.actor_bytes);
        } else {
            slot.actor_other = duplicate(actor);
        }
    }

    // Moves to the next role and collects its first two hires.
    void advance() {
        if (!roles.step()) {
            eof = true;
            return;
        }
        eof = false;
        role_id = sqlite3_value_int64(sqlite3_column_value(roles.get(), 0));
        cast.clear();
        sqlite3_stmt* h = hires.get();
        // Hires of roles before this one cannot exist (integrity); skip any.
        while (hires_left && hire_role < role_id) step_hires();
        // The run of this role's hires. The scan is ordered by role_id alone
        // (so the planner picks the covering index), which leaves the order
        // within a run unspecified.
        while (hires_left && hire_role == role_id) {
            sqlite3_int64 id = sqlite3_value_int64(sqlite3_column_value(h, kHireId));
            if (actors) cast.offer(id, [h](Hire& slot) { keep_actor(slot, h); });
            else cast.offer(id, [](Hire&) {});
            step_hires();
        }
    }

    // The next hire, and its role read once (hire_role).
    void step_hires() {
        hires_left = hires.step();
        if (hires_left) hire_role = sqlite3_value_int64(sqlite3_column_value(hires.get(), kHireRole));
    }
};

CastingTable& table_of(sqlite3_vtab* vtab) { return *reinterpret_cast<CastingTable*>(vtab); }
CastingCursor& cursor_of(sqlite3_vtab_cursor* cur) { return *reinterpret_cast<CastingCursor*>(cur); }

int casting_connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
    auto* context = static_cast<ModuleContext*>(aux);
    return connect_boundary(err, kTable, [&] {
        declare_table(db,
                      "CREATE TABLE x(role_id INTEGER, character_name TEXT, lead INTEGER, lead_actor TEXT, "
                      "understudy INTEGER, understudy_actor TEXT, for_role_id INTEGER HIDDEN)");
        *out = &(new CastingTable(*context->conn))->base;
    });
}

int casting_disconnect(sqlite3_vtab* vtab) {
    delete &table_of(vtab);
    return SQLITE_OK;
}

// kOneRole: role_casting(x) or WHERE for_role_id = x, where x follows the
// argument rules (a non-integer is an error). kOneRoleByColumn: WHERE
// role_id = x, a filter on an ordinary column: like a table's INTEGER
// column, a value that is no integer matches no row. idxStr says which of
// the columns that cost a read the statement uses (one of kColumnsRead,
// static strings, so that the plan shows them).
enum Plan { kWholeSheet = 0, kOneRole = 1, kOneRoleByColumn = 2 };
constexpr int kReadsActors = 1;
constexpr int kReadsName = 2;
constexpr const char* kColumnsRead[] = {"ids", "actors", "names", "actors names"};

int columns_read(const char* idx_str) {
    for (int i = 0; i < 4; ++i) {
        if (idx_str && std::strcmp(idx_str, kColumnsRead[i]) == 0) return i;
    }
    return kReadsActors | kReadsName;  // unknown: read everything
}

int casting_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
    // role_casting(5) and WHERE role_id = 5 are the same seek.
    int seek = -1;
    for (int i = 0; i < info->nConstraint; ++i) {
        const auto& c = info->aConstraint[i];
        if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
        // The argument wins over the column: its errors must not be skipped.
        if (c.iColumn == kArgument || (c.iColumn == kRoleId && seek < 0)) seek = i;
    }
    if (seek >= 0) {
        info->aConstraintUsage[seek].argvIndex = 1;
        info->aConstraintUsage[seek].omit = 1;
        info->idxNum = info->aConstraint[seek].iColumn == kArgument ? kOneRole : kOneRoleByColumn;
        info->estimatedRows = 1;
        info->estimatedCost = 25;
        info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    } else {
        info->idxNum = kWholeSheet;
        info->estimatedRows = static_cast<sqlite3_int64>(kUnknownTableRows);
        info->estimatedCost = 2 * kUnknownTableRows;
    }
    auto reads = [info](int column) { return (info->colUsed & (sqlite3_uint64(1) << column)) != 0; };
    int read = (reads(kLeadActor) || reads(kUnderstudyActor) ? kReadsActors : 0) | (reads(kCharacterName) ? kReadsName : 0);
    info->idxStr = const_cast<char*>(kColumnsRead[read]);
    info->needToFreeIdxStr = 0;
    // Rows come in role id order either way.
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kRoleId && !info->aOrderBy[0].desc) {
        info->orderByConsumed = 1;
    }
    return SQLITE_OK;
}

int casting_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
    auto* cursor = new (std::nothrow) CastingCursor;
    if (!cursor) return SQLITE_NOMEM;
    *out = &cursor->base;
    return SQLITE_OK;
}

int casting_close(sqlite3_vtab_cursor* cur) {
    delete &cursor_of(cur);
    return SQLITE_OK;
}

int casting_filter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc, sqlite3_value** argv) {
    CastingCursor& cursor = cursor_of(cur);
    CastingTable& table = table_of(cur->pVtab);
    return domain_table_method(cur->pVtab, kTable, [&] {
        cursor.roles.release();
        cursor.hires.release();
        cursor.eof = true;
        int read = columns_read(idx_str);
        int actors = (read & kReadsActors) ? 1 : 0;
        int name = (read & kReadsName) ? 1 : 0;
        cursor.actors = actors != 0;
        if (idx_num != kWholeSheet) {
            if (argc < 1) throw SqlError("internal error: seek without a role id");
            std::optional<sqlite3_int64> role_id;
            if (idx_num == kOneRole) {
                role_id = integer_argument(argv[0], "role_id");
            } else {
                try {
                    role_id = integer_argument(argv[0], "role_id");
                } catch (const SqlError&) {
                    return SQLITE_OK;  // no integer: no role has that id
                }
            }
            if (!role_id) return SQLITE_OK;
            cursor.roles = table.roles_seek[name]->take();
            cursor.hires = table.hires_seek[actors]->take();
            sqlite3_bind_int64(cursor.roles.get(), 1, *role_id);
            sqlite3_bind_int64(cursor.hires.get(), 1, *role_id);
        } else {
            cursor.roles = table.roles_scan[name]->take();
            cursor.hires = table.hires_scan[actors]->take();
        }
        cursor.step_hires();
        cursor.advance();
        return SQLITE_OK;
    });
}

int casting_next(sqlite3_vtab_cursor* cur) {
    return domain_table_method(cur->pVtab, kTable, [&] {
        cursor_of(cur).advance();
        return SQLITE_OK;
    });
}

int casting_eof(sqlite3_vtab_cursor* cur) { return cursor_of(cur).eof; }

void result_hire_id(sqlite3_context* ctx, const Hire& hire) {
    if (hire.present) sqlite3_result_int64(ctx, hire.id);
}

void result_hire_actor(sqlite3_context* ctx, const Hire& hire) {
    if (!hire.present) return;
    int size = static_cast<int>(hire.actor_bytes.size());
    switch (hire.actor_type) {
    case SQLITE_TEXT: result_terminated_text(ctx, hire.actor_bytes.c_str(), size); break;
    case SQLITE_BLOB: sqlite3_result_blob(ctx, hire.actor_bytes.data(), size, SQLITE_TRANSIENT); break;
    default: sqlite3_result_value(ctx, hire.actor_other.get()); break;
    }
}

int casting_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int column) {
    const CastingCursor& cursor = cursor_of(cur);
    switch (column) {
    case kRoleId:
    case kArgument: sqlite3_result_int64(ctx, cursor.role_id); break;
    case kCharacterName: result_column(ctx, cursor.roles.get(), 1); break;
    case kLead: result_hire_id(ctx, cursor.cast.lead); break;
    case kLeadActor: result_hire_actor(ctx, cursor.cast.lead); break;
    case kUnderstudy: result_hire_id(ctx, cursor.cast.understudy); break;
    case kUnderstudyActor: result_hire_actor(ctx, cursor.cast.understudy); break;
    default: break;
    }
    return SQLITE_OK;
}

int casting_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
    *rowid = cursor_of(cur).role_id;
    return SQLITE_OK;
}

}  // namespace

const sqlite3_module kRoleCastingModule =
    read_only_module(casting_connect, casting_best_index, casting_disconnect, casting_open, casting_close,
                     casting_filter, casting_next, casting_eof, casting_column, casting_rowid);

}  // namespace theater
