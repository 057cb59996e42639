// The whole sheet is one ordered merge of two streams: roles by id, and the
// hired auditions by role_id from the covering partial index
// auditions_hired_by_role. Each role keeps the two lowest ids of its run, so
// a report over every role costs two sequential passes, not a lookup per role.
// With a role id the same merge runs over two seeks.
#include "casting/role_casting.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/module_context.hpp"
#include "core/statement_pool.hpp"

#include <optional>
#include <string>
#include <utility>

namespace theater {

namespace {

constexpr const char* kTable = "role_casting";

constexpr const char* kRolesScan = "SELECT id, character_name FROM main.roles ORDER BY id";
constexpr const char* kRolesSeek = "SELECT id, character_name FROM main.roles WHERE id = ?1";
constexpr const char* kHiresScan =
    "SELECT role_id, id, actor FROM main.auditions WHERE hired = 1 ORDER BY role_id";
constexpr const char* kHiresSeek =
    "SELECT role_id, id, actor FROM main.auditions WHERE role_id = ?1 AND hired = 1 ORDER BY id LIMIT 2";

enum Column { kRoleId, kCharacterName, kLead, kLeadActor, kUnderstudy, kUnderstudyActor, kArgument };
constexpr double kUnknownTableRows = 1048576.0;

struct CastingTable {
    explicit CastingTable(Connection& c)
        : roles_scan(c, kRolesScan), roles_seek(c, kRolesSeek), hires_scan(c, kHiresScan), hires_seek(c, kHiresSeek) {}
    sqlite3_vtab base{};
    StatementPool roles_scan;
    StatementPool roles_seek;
    StatementPool hires_scan;
    StatementPool hires_seek;
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
    StatementPool::Lease roles;
    StatementPool::Lease hires;
    bool hires_left = false;  // hires is on a row not yet consumed
    bool eof = true;
    sqlite3_int64 role_id = 0;
    Hire lead;
    Hire understudy;

    static void take(Hire& slot, sqlite3_stmt* h) {
        slot.actor_type = sqlite3_column_type(h, 2);
        if (slot.actor_type == SQLITE_TEXT || slot.actor_type == SQLITE_BLOB) {
            column_bytes(h, 2, slot.actor_bytes);
        } else {
            slot.actor_other = duplicate(sqlite3_column_value(h, 2));
        }
        slot.id = sqlite3_column_int64(h, 1);
        slot.present = true;
    }

    // Moves to the next role and collects its first two hires.
    void advance() {
        if (!roles.step()) {
            eof = true;
            return;
        }
        eof = false;
        role_id = sqlite3_column_int64(roles.get(), 0);
        lead.present = understudy.present = false;
        sqlite3_stmt* h = hires.get();
        // Hires of roles before this one cannot exist (integrity); skip any.
        while (hires_left && sqlite3_column_int64(h, 0) < role_id) hires_left = hires.step();
        // The run of this role's hires: keep the two lowest audition ids.
        // The scan is ordered by role_id alone (so the planner picks the
        // covering index), which leaves the order within a run unspecified.
        while (hires_left && sqlite3_column_int64(h, 0) == role_id) {
            sqlite3_int64 id = sqlite3_column_int64(h, 1);
            if (!lead.present || id < lead.id) {
                std::swap(understudy, lead);
                take(lead, h);
            } else if (!understudy.present || id < understudy.id) {
                take(understudy, h);
            }
            hires_left = hires.step();
        }
    }
};

CastingTable& table_of(sqlite3_vtab* vtab) { return *reinterpret_cast<CastingTable*>(vtab); }
CastingCursor& cursor_of(sqlite3_vtab_cursor* cur) { return *reinterpret_cast<CastingCursor*>(cur); }

int casting_connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
    auto* context = static_cast<ModuleContext*>(aux);
    try {
        int rc = sqlite3_declare_vtab(db,
                                      "CREATE TABLE x(role_id INTEGER, character_name TEXT, lead INTEGER, "
                                      "lead_actor TEXT, understudy INTEGER, understudy_actor TEXT, "
                                      "for_role_id INTEGER HIDDEN)");
        if (rc != SQLITE_OK) {
            *err = sqlite3_mprintf("%s: %s", kTable, sqlite3_errmsg(db));
            return rc;
        }
        sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
        *out = &(new CastingTable(*context->conn))->base;
        return SQLITE_OK;
    } catch (const std::bad_alloc&) {
        return SQLITE_NOMEM;
    } catch (const std::exception& e) {
        *err = sqlite3_mprintf("%s: %s", kTable, e.what());
        return SQLITE_ERROR;
    }
}

int casting_disconnect(sqlite3_vtab* vtab) {
    delete &table_of(vtab);
    return SQLITE_OK;
}

// kOneRole: role_casting(x) or WHERE for_role_id = x, where x follows the
// argument rules (a non-integer is an error). kOneRoleByColumn: WHERE
// role_id = x, a filter on an ordinary column: like a table's INTEGER
// column, a value that is no integer matches no row.
enum Plan { kWholeSheet = 0, kOneRole = 1, kOneRoleByColumn = 2 };

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

int casting_filter(sqlite3_vtab_cursor* cur, int idx_num, const char*, int argc, sqlite3_value** argv) {
    CastingCursor& cursor = cursor_of(cur);
    CastingTable& table = table_of(cur->pVtab);
    return vtab_boundary(cur->pVtab, kTable, [&] {
        cursor.roles.release();
        cursor.hires.release();
        cursor.eof = true;
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
            cursor.roles = table.roles_seek.take();
            cursor.hires = table.hires_seek.take();
            sqlite3_bind_int64(cursor.roles.get(), 1, *role_id);
            sqlite3_bind_int64(cursor.hires.get(), 1, *role_id);
        } else {
            cursor.roles = table.roles_scan.take();
            cursor.hires = table.hires_scan.take();
        }
        cursor.hires_left = cursor.hires.step();
        cursor.advance();
        return SQLITE_OK;
    });
}

int casting_next(sqlite3_vtab_cursor* cur) {
    return vtab_boundary(cur->pVtab, kTable, [&] {
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
    case SQLITE_TEXT: sqlite3_result_text(ctx, hire.actor_bytes.data(), size, SQLITE_TRANSIENT); break;
    case SQLITE_BLOB: sqlite3_result_blob(ctx, hire.actor_bytes.data(), size, SQLITE_TRANSIENT); break;
    default: sqlite3_result_value(ctx, hire.actor_other.get()); break;
    }
}

int casting_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int column) {
    const CastingCursor& cursor = cursor_of(cur);
    switch (column) {
    case kRoleId:
    case kArgument: sqlite3_result_int64(ctx, cursor.role_id); break;
    case kCharacterName: sqlite3_result_value(ctx, sqlite3_column_value(cursor.roles.get(), 1)); break;
    case kLead: result_hire_id(ctx, cursor.lead); break;
    case kLeadActor: result_hire_actor(ctx, cursor.lead); break;
    case kUnderstudy: result_hire_id(ctx, cursor.understudy); break;
    case kUnderstudyActor: result_hire_actor(ctx, cursor.understudy); break;
    default: break;
    }
    return SQLITE_OK;
}

int casting_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
    *rowid = cursor_of(cur).role_id;
    return SQLITE_OK;
}

}  // namespace

const sqlite3_module kRoleCastingModule = {
    /* iVersion    */ 0,
    /* xCreate     */ nullptr,  // eponymous only
    /* xConnect    */ casting_connect,
    /* xBestIndex  */ casting_best_index,
    /* xDisconnect */ casting_disconnect,
    /* xDestroy    */ nullptr,
    /* xOpen       */ casting_open,
    /* xClose      */ casting_close,
    /* xFilter     */ casting_filter,
    /* xNext       */ casting_next,
    /* xEof        */ casting_eof,
    /* xColumn     */ casting_column,
    /* xRowid      */ casting_rowid,
    /* xUpdate     */ nullptr,
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindMethod */ nullptr,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace theater
