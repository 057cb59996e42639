// The relationship cursor. The spec's queries (engine/relationship_spec.hpp)
// are the connection's statements; a seek of one key walks the seek query
// forward (core/forward_scan.hpp), or, once keys come in no order it can
// follow, posts each key to the keyed statement (core/key_feed.hpp); a scan
// of every key steps the scan query.
#include "engine/relationship_module.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/forward_scan.hpp"
#include "core/key_feed.hpp"
#include "core/key_memo.hpp"
#include "core/quote.hpp"
#include "core/row_cache.hpp"
#include "core/row_window.hpp"
#include "core/schema_epoch.hpp"
#include "core/key_span.hpp"
#include "core/statement_pool.hpp"
#include "engine/write_sql.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace theater {

namespace {

struct RelationshipTable {
    // A fixed relationship (the theater's own): its spec lives forever.
    RelationshipTable(Connection& c, const RelationshipSpec& s) : conn(c), spec(s) { take_pools(); }
    // A live relationship, connected with the spec found then (or a broken
    // one, see RelationshipSpec::broken). The table keeps that spec for its
    // whole life: when the schema changes what the relationship means, a
    // new table takes over (see relationship_filter and LiveRelationship::retire).
    RelationshipTable(Connection& c, std::shared_ptr<const RelationshipSpec> s, std::shared_ptr<LiveRelationship> l)
        : conn(c), owned(std::move(s)), spec(*owned), live(std::move(l)) {
        take_pools();
    }
    // The queries' statements are the connection's, shared by every table
    // that serves the same queries (Connection::pool).
    void take_pools() {
        rowid_output = theater::rowid_output(spec);
        seek = &conn.pool(seek_sql(spec));
        scan = &conn.pool(scan_sql(spec));
        if (spec.recursive) roots = &conn.pool(spec.roots);
        if (!spec.children.empty()) children = &conn.pool(spec.children);
        if (!spec.parent.empty()) parent = &conn.pool(spec.parent);
        if (!spec.parent_bounds.empty()) {
            parent_bounds = &conn.pool(spec.parent_bounds);
            parent_count = &conn.pool(spec.parent_count);
        }
        if (!spec.keyed_from.empty()) keyed = &conn.pool(keyed_sql(spec));
        if (!spec.memo.empty()) {
            memo = &conn.pool(memo_pass_sql(spec.memo));
            memo_target = &conn.pool(spec.memo_target);
            memo_keyed = &conn.pool(spec.memo_keyed);
            memo_span = &conn.pool(spec.memo_span);
        }
        if (!spec.memo_follow.empty()) {
            memo_follow = &conn.pool(memo_window_sql(spec.memo_follow));
            memo_follow_next = &conn.pool(memo_window_sql(spec.memo_follow_next));
            if (!spec.memo_parents.empty()) {
                memo_parents = &conn.pool(memo_rows_sql(spec.memo_parents, static_cast<int>(spec.columns.size())));
            }
        }
        readings.push_back({columns_read(spec, ~std::uint64_t{0}), seek, scan, keyed,
                            keyed ? keyed_sql(spec) : std::string()});
    }

    // The queries that compute only some output columns (reading_columns):
    // the seek, the scan and the keyed statement, which serve a cursor's own
    // rows (a many-to-one's parents, from the memo or the follow window,
    // keep every column). The first computes them all.
    struct Reading {
        std::uint64_t col_used;  // columns_read()
        StatementPool* seek;
        StatementPool* scan;
        StatementPool* keyed;  // only when spec.keyed_from is set
        std::string keyed_sql;
    };
    // The reading for a statement whose plan passed idxStr `idx_str`
    // (relationship_best_index: columns_read, so that statements computing
    // the same columns share one): the one that computes every column when
    // it passed none, or when kReadingsKept others are kept already.
    const Reading& reading_for(const char* idx_str) {
        if (!idx_str) return readings.front();
        std::uint64_t col_used = std::strtoull(idx_str, nullptr, 16);
        for (const Reading& r : readings) {
            if (r.col_used == col_used) return r;
        }
        if (readings.size() > kReadingsKept) return readings.front();
        RelationshipSpec read = reading_columns(spec, col_used);
        std::string some_keyed = keyed ? keyed_sql(read) : std::string();
        StatementPool* some_keyed_pool = keyed ? &conn.pool(some_keyed) : nullptr;
        readings.push_back({col_used, &conn.pool(seek_sql(read)), &conn.pool(scan_sql(read)), some_keyed_pool,
                            std::move(some_keyed)});
        return readings.back();
    }
    static constexpr std::size_t kReadingsKept = 16;

    sqlite3_vtab base{};
    Connection& conn;
    std::shared_ptr<const RelationshipSpec> owned;  // live relationships only
    const RelationshipSpec& spec;
    // Live relationships only: what found the spec, and asks before each
    // use whether it still holds. Shared with the module's client data,
    // which SQLite may destroy before it disconnects this table.
    std::shared_ptr<LiveRelationship> live;
    UseCheck use;
    // The statements of the connection when SQLite planned a statement with
    // this table while it may already have been stale (idxNum's upper bits
    // name one): the last few, for relationship_filter.
    std::vector<std::pair<unsigned, StatementSnapshot>> snapshots;
    unsigned next_snapshot = 1;
    StatementPool* seek = nullptr;
    StatementPool* scan = nullptr;
    StatementPool* parent = nullptr;  // only when spec.parent is set
    StatementPool* parent_bounds = nullptr;  // these two only when spec.parent_bounds is set
    StatementPool* parent_count = nullptr;
    StatementPool* keyed = nullptr;   // only when spec.keyed_from is set
    StatementPool* memo = nullptr;    // these three only when spec.memo is set
    StatementPool* memo_target = nullptr;
    StatementPool* memo_keyed = nullptr;
    StatementPool* memo_span = nullptr;
    StatementPool* memo_follow = nullptr;  // these two only when spec.memo_follow is set
    StatementPool* memo_follow_next = nullptr;
    StatementPool* memo_parents = nullptr;  // with memo_follow, when spec.memo_parents is set
    int rowid_output = -1;              // the output column that holds the rowid (rowid_output())
    StatementPool* roots = nullptr;     // only for a tree
    StatementPool* children = nullptr;  // only for a tree with spec.children
    // A deque: a cursor keeps a reference to its reading.
    std::deque<Reading> readings;
    // The table's first hidden argument column (a tree's depth comes before).
    int argument_column() const { return static_cast<int>(spec.columns.size()) + (spec.recursive ? 1 : 0); }
    int argument_count() const { return static_cast<int>(spec.arguments.size()); }
};

// idxNum: the plan, and (live relationships) whether the table may have
// been stale when SQLite planned the statement (LiveRelationship::suspect),
// with the number of the snapshot of the connection's statements then.
enum Plan { kScanAll = 0, kSeekKey = 1 };
constexpr int kPlanMask = 1;
constexpr int kSuspectPlan = 2;
constexpr int kSnapshotShift = 2;
constexpr unsigned kMaxSnapshot = 1u << 28;
constexpr std::size_t kSnapshotsKept = 8;

// A tree's walk (RelationshipSpec::recursive): breadth-first from the
// arguments, one level's statement (the seek of one key) at a time, each
// row once.
struct TreeWalk {
    // Values whose rows are still to read: bound to the seek (`children`
    // false: a key of the source) or to the spec's `children` statement (a
    // row's `next`), with the depth of those rows.
    struct Node {
        std::vector<Value> values;
        long long depth;
        bool children;
    };
    // The arguments the walk started from (reported as the hidden columns).
    std::vector<Value> root;
    std::deque<Node> frontier;
    // The identities of the rows returned, as append_identity() spells them.
    std::unordered_set<std::string> seen;
    bool root_is_key = false;  // root read from the source's key, not the argument as given
    long long depth = 0;     // of the current statement's rows
    bool reading = false;    // a statement is bound to a node
    bool children = false;   // and it is the children statement
};

struct RelationshipCursor {
    explicit RelationshipCursor(RelationshipTable& table)
        : seek(*table.seek, table.argument_column()),
          parent(table.parent ? *table.parent : *table.seek, 0),
          keyed(table.keyed ? *table.keyed : *table.seek, static_cast<int>(table.spec.columns.size()) + 3),
          memo_rows(table.memo_target ? *table.memo_target : *table.seek, static_cast<int>(table.spec.columns.size())),
          memo_keyed(table.memo_keyed ? *table.memo_keyed : *table.seek, static_cast<int>(table.spec.columns.size()) + 3) {}
    sqlite3_vtab_cursor base{};
    Plan plan = kScanAll;
    bool eof = true;
    // The queries that compute the columns this cursor's statement reads,
    // chosen at its first xFilter (the plan's idxStr is the same at each).
    const RelationshipTable::Reading* reading = nullptr;
    // kScanAll: every row in key order.
    StatementLease rows;
    // kSeekKey: the rows of `key`, read from a forward scan that lives as
    // long as this cursor (the outer statement's loop over this table).
    ForwardScan seek;
    // When the seek ranges over the foreign key alone (spec.parent): the keys
    // of from_table, walked forward alongside (unused otherwise).
    ForwardScan parent;
    // Once the keys fill from_table's key span (parent_fills_span), a key
    // names a row exactly when it lies in [parent_first, parent_last], and
    // `parent` is not walked. Read once per cursor until the next write;
    // parent_fills means something only once parent_count_read is set.
    bool parent_bounds_read = false;
    bool parent_count_read = false;
    bool parent_fills = false;
    sqlite3_int64 parent_first = 0;
    sqlite3_int64 parent_last = 0;
    // Once `seek` and `parent` seek afresh for a large share of the keys
    // (kSeeksBeforeKeyed), the keys go to the keyed statement instead for
    // the rest of this cursor's life (`use_keyed`).
    KeyedRows keyed;
    bool use_keyed = false;
    bool keyed_refused = false;  // its plan or its prepare said no, since the last write
    long long filters = 0;
    // A many-to-one in keyed mode (spec.memo): once the keyed lookups
    // would have paid for it (kMemoBreakEven), every key's foreign key is
    // read into `memo` in one pass, and each key is then an array access
    // and a forward scan of the parents (`memo_rows`). Dropped on any write.
    // The parents come from a forward scan, or, once it seeks for a large
    // share of the keys, from a keyed statement (`memo_keyed`).
    IntegerMemo memo;
    ForwardScan memo_rows;
    KeyedRows memo_keyed;
    bool use_memo = false;
    bool memo_by_key = false;
    long long memo_calls = 0;
    bool memo_refused = false;  // too large, or not integers: not tried again
    long long keyed_calls = 0;
    bool memo_span_read = false;
    sqlite3_int64 memo_first = 0;
    sqlite3_int64 memo_last = 0;
    // spec.memo_follow, tried while the keyed statement serves and before
    // any memo: once a key's foreign key is known, the window holds the
    // pairs that follow that key in the foreign key's index (follow_on), and
    // as long as the next keys are its next pairs, each call is a look at
    // the window and a forward scan of the parents, which in that order
    // ascend. Windows grow from kFollowFirst to kFollowLast pairs. Keys it
    // did not predict go back to the keyed statement; too many, and it is
    // not tried again until the next write (follow_refused).
    KeyWindow follow;
    int follow_size = 0;  // the next window's
    bool follow_on = false;
    // follow_on, in keyed mode, with no memo and the parents not from
    // memo_keyed, for a fixed relationship: follow_hit's checks of the state
    // that only filter_whole and follow_hit_new_parent change, made once at
    // their end (follow_hit_ready).
    bool follow_ready = false;
    bool follow_refused = false;
    bool follow_plan_checked = false;
    long long follow_hits = 0;
    long long follow_misses = 0;
    // This key's rows are its parent's, from memo_rows or memo_keyed (the
    // memo or the follow scan gave the foreign key).
    bool by_parent = false;
    sqlite3_int64 parent_key = 0;  // with by_parent: the parent's rowid
    // The parent's column values, copied at their first read: its next
    // children (the next keys, in the planner's order) are answered from
    // the copy. Forgotten with every other reading at a write.
    RowCache parent_row;
    // The follow window's parents, read a window of rows at a time
    // (core/row_window.hpp) instead of stepping memo_rows once a parent:
    // with by_parent, `parent_at` is the parent's row in it, or -1 when
    // memo_rows or memo_keyed serves. Refused (a pass that cannot run, no
    // memory, too many rows too large) until the next write.
    RowWindow parents;
    std::ptrdiff_t parent_at = -1;
    bool parents_refused = false;
    // Parents whose own row passed the window's bound on bytes (each read
    // twice: by the window's pass, then by the scan); past
    // kParentsOversized, the window is refused until the next write.
    int parents_oversized = 0;
    // Whether the connection reads other connections' uncommitted writes
    // (reads_uncommitted): asked once, at the cursor's second keyed call
    // (a statement of one call keeps nothing), and then every call is one
    // after a write (forget_after_write), so nothing read at one call
    // answers another.
    bool called = false;
    bool uncommitted_known = false;
    bool uncommitted = false;
    sqlite3_int64 key = 0;
    int changes = -1;
    // Whether a write transaction was open at this cursor's last reading of
    // sqlite3_txn_state, made at total_changes `txn_changes` (writing_at).
    bool txn_known = false;
    bool txn_writing = false;
    int txn_changes = 0;
    // Live relationships: this cursor's checks inside a write transaction.
    UseCheck use;
    // A general relationship (RelationshipSpec::general): the rows of one
    // key (kSeekKey) or of every key (kScanAll; a tree's roots) are `rows`;
    // a tree's level is `level`. Rows are numbered for their rowid.
    bool general = false;
    StatementLease level;
    StatementLease child_level;  // a tree's levels below the first (spec.children)
    // Made in xFilter: a std::deque allocates when constructed, and xOpen
    // may not throw.
    std::unique_ptr<TreeWalk> tree;
    sqlite3_int64 row_number = 0;

    bool from_level = false;  // general: the current row is level's

    sqlite3_stmt* current() const {
        if (general && tree && tree->children) return child_level.get();
        if (general) return from_level ? level.get() : rows.get();
        if (plan == kSeekKey && by_parent) return memo_by_key ? memo_keyed.row() : memo_rows.row();
        if (plan == kSeekKey) return use_keyed ? keyed.row() : seek.row();
        return rows.get();
    }
};

// As in theater/hires.cpp: the keyed statement takes over once the scans
// sought afresh more than kSeeksBeforeKeyed times, and for more than one
// key in kSeekShare.
constexpr int kSeeksBeforeKeyed = 8;
constexpr int kSeekShare = 4;
// The memo's pass costs about as much per key as a sixteenth of a keyed
// lookup; it is built once the keyed lookups reach a sixteenth of the keys,
// so a statement pays at most about twice what the better choice would have
// cost (the ski-rental rule).
constexpr long long kMemoBreakEven = 16;

// A key as a string that is equal for keys SQLite's = finds equal among
// one table's keys: the type, then the bytes; an integral real is the
// integer (a NUMERIC key may hold either).
void append_identity(std::string& out, sqlite3_value* v) {
    int type = sqlite3_value_type(v);
    if (type == SQLITE_FLOAT) {
        double d = sqlite3_value_double(v);
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && static_cast<double>(static_cast<sqlite3_int64>(d)) == d) {
            type = SQLITE_INTEGER;
        }
    }
    out += static_cast<char>('0' + type);
    if (type == SQLITE_INTEGER) {
        sqlite3_int64 i = type == sqlite3_value_type(v) ? sqlite3_value_int64(v)
                                                        : static_cast<sqlite3_int64>(sqlite3_value_double(v));
        out.append(reinterpret_cast<const char*>(&i), sizeof i);
    } else if (type == SQLITE_FLOAT) {
        double d = sqlite3_value_double(v);
        out.append(reinterpret_cast<const char*>(&d), sizeof d);
    } else if (type != SQLITE_NULL) {
        const void* data = type == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
        int size = sqlite3_value_bytes(v);
        std::string bytes(size > 0 ? static_cast<const char*>(data) : "", static_cast<std::size_t>(size));
        out += std::to_string(bytes.size()) + ":" + bytes;
    }
}

RelationshipTable& table_of(sqlite3_vtab* vtab) { return *reinterpret_cast<RelationshipTable*>(vtab); }
RelationshipCursor& cursor_of(sqlite3_vtab_cursor* cur) { return *reinterpret_cast<RelationshipCursor*>(cur); }

// A live relationship's table, connected with the spec found from the
// schema as it is now; a relationship the schema no longer supports fails
// here and says why, even for SELECT * (before SQLite 3.37.0 it is
// connected, and says why when used: see DeclaredRelationship::spec).
RelationshipTable* connect_live(sqlite3* db, RelationshipContext& context) {
    SchemaEpoch epoch;
    std::shared_ptr<const RelationshipSpec> spec = context.live->spec(*context.conn, epoch);
    // A relationship that takes writes is not innocuous (model-layer.md,
    // "Writes"): SQLite lets a view or trigger use it only while
    // trusted_schema is on.
    declare_table(db, table_declaration(*spec), spec->write.refusal.empty() ? Risk::kNormal : Risk::kInnocuous);
    auto* made = new RelationshipTable(*context.conn, spec, context.live);
    if (!spec->broken) {
        // What it serves is right for the schema as it is now (a broken
        // table is resolved again at each use, until it fits).
        made->use.epoch = epoch;
        made->use.epoch_outside_write = sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE;
        made->use.epoch_data_version = main_data_version(db);
    }
    context.live->connected(made);
    return made;
}

// An error of a live relationship's connect with SQLITE_SCHEMA: another
// connection changed the schema since this one last read it. SQLite 3.54.1
// (not 3.40.1) runs xConnect with the schema locked
// (sqlite3VtabEponymousTableInit: db->nSchemaLock++), so the statements that
// read the declaration cannot load the new schema; each fails with
// SQLITE_SCHEMA. Returned as such (connect_boundary does), the error makes
// sqlite3_prepare reset the schema and prepare the statement once more
// (sqlite3LockAndPrepare), which connects the table against the schema as
// it is now. As SQLITE_ERROR it would fail every prepare until another
// statement reloaded the schema. (A prepare: no statement has run yet.)
int relationship_connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
    // Client data is always passed as a ModuleContext* (core/module.hpp).
    auto& context = static_cast<RelationshipContext&>(*static_cast<ModuleContext*>(aux));
    const std::string& name = context.fixed ? context.fixed->name : context.live->name();
    return connect_boundary(err, name.c_str(), [&] {
        if (context.fixed) {
            declare_table(db, table_declaration(*context.fixed));
            *out = &(new RelationshipTable(*context.conn, *context.fixed))->base;
        } else {
            *out = &connect_live(db, context)->base;
        }
    });
}

int relationship_disconnect(sqlite3_vtab* vtab) {
    delete &table_of(vtab);
    return SQLITE_OK;
}

// True when every ORDER BY term is ascending and they name, in order, a
// prefix of `natural` (the columns the plan already delivers sorted).
bool order_is_natural(const sqlite3_index_info* info, std::initializer_list<int> natural) {
    if (info->nOrderBy == 0 || info->nOrderBy > static_cast<int>(natural.size())) return false;
    auto it = natural.begin();
    for (int i = 0; i < info->nOrderBy; ++i, ++it) {
        if (info->aOrderBy[i].desc || info->aOrderBy[i].iColumn != *it || *it < 0) return false;
    }
    return true;
}

int relationship_best_index(sqlite3_vtab* vtab, sqlite3_index_info* info) {
    RelationshipTable& table = table_of(vtab);
    const RelationshipSpec& d = table.spec;
    int argument = table.argument_column();
    // The seek needs a usable = on every argument (each key column): the
    // first such constraint of each, found without allocating (no
    // exception may leave this callback).
    auto constraint_of = [&](int which) {
        for (int i = 0; i < info->nConstraint; ++i) {
            const auto& c = info->aConstraint[i];
            if (c.usable && c.iColumn == argument + which && c.op == SQLITE_INDEX_CONSTRAINT_EQ) return i;
        }
        return -1;
    };
    bool seeks = true;
    for (int which = 0; which < table.argument_count(); ++which) seeks = seeks && constraint_of(which) >= 0;
    if (seeks) {
        // One B-tree descent, then the key's rows.
        for (int which = 0; which < table.argument_count(); ++which) {
            int i = constraint_of(which);
            info->aConstraintUsage[i].argvIndex = which + 1;
            info->aConstraintUsage[i].omit = 1;
        }
        info->idxNum = kSeekKey;
        info->estimatedRows = static_cast<sqlite3_int64>(d.rows_per_key + 0.5);
        info->estimatedCost = 20.0 + d.rows_per_key;
        if (d.unique) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
        if (order_is_natural(info, {d.order_column})) info->orderByConsumed = 1;
    } else {
        // No usable argument (absent, or its value comes from a table the
        // planner has not placed yet): every row, in key order. The cost is
        // the truth, a full pass, so a join puts this table inner and seeks.
        info->idxNum = kScanAll;
        info->estimatedRows = static_cast<sqlite3_int64>(kUnknownTableRows * d.rows_per_key);
        info->estimatedCost = kUnknownTableRows * d.rows_per_key;
        // Every key in key order, by the key's collation, which the hidden
        // column does not carry (table_declaration): ORDER BY the argument
        // is the scan's own order only where that collation is BINARY.
        if (d.arguments[0].collation.empty() && order_is_natural(info, {argument, d.order_column})) {
            info->orderByConsumed = 1;
        }
    }
    // The output columns the statement reads (relationship_filter computes
    // only those), where that is fewer than the first reading's (all).
    // Without memory for the string, every column.
    std::uint64_t read = columns_read(d, info->colUsed);
    if (read != table.readings.front().col_used) {
        info->idxStr = sqlite3_mprintf("%llx", static_cast<unsigned long long>(read));
        info->needToFreeIdxStr = info->idxStr != nullptr;
    }
    if (table.live) {
        // Whether this table may no longer be what the declaration means
        // (SQLite connected it before a change, and hands it to every
        // statement it prepares until it is replaced): then the statement is
        // started again at its first use if it has returned no row by then
        // (relationship_filter), which the snapshot of the connection's
        // statements taken now tells. Never an error here: SQLite plans.
        try {
            if (table.live->suspect(table.conn, table.use)) {
                if (table.snapshots.size() == kSnapshotsKept) table.snapshots.erase(table.snapshots.begin());
                unsigned id = table.next_snapshot;
                table.next_snapshot = id + 1 == kMaxSnapshot ? 1 : id + 1;
                table.snapshots.emplace_back(id, table.conn.snapshot());
                info->idxNum |= kSuspectPlan | static_cast<int>(id << kSnapshotShift);
            }
        } catch (...) {
            // Without a snapshot the statement is never started again.
            info->idxNum |= kSuspectPlan;
        }
    }
    return SQLITE_OK;
}

int relationship_open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
    auto* cursor = new (std::nothrow) RelationshipCursor(table_of(vtab));
    if (!cursor) return SQLITE_NOMEM;
    *out = &cursor->base;
    return SQLITE_OK;
}

int relationship_close(sqlite3_vtab_cursor* cur) {
    delete &cursor_of(cur);
    return SQLITE_OK;
}

// Thrown to start the statement again (see check_live).
struct Restart {};

// Whether the statement SQLite planned with snapshot `id` of the connection's
// statements can still be started again without returning a row twice: it
// has returned none (nor has any other statement stepped), and it writes
// nothing (a statement that writes may have written, and without a statement
// journal SQLite would not undo that before starting it again).
bool restart_is_safe(const RelationshipTable& table, unsigned id) {
    if (id == 0) return false;
    for (const auto& entry : table.snapshots) {
        if (entry.first == id) return table.conn.quiet_since(entry.second);
    }
    return false;
}

// A live relationship's check before a use (LiveRelationship::check).
// When the declaration has come to mean other queries or other columns than
// the table serves, the table is retired (the next statement SQLite prepares
// connects one resolved from the schema as it is now) and the statement:
//  * is started again, prepared anew, when SQLite planned it with the table
//    while the table may already have been stale (`suspect`: the first
//    statement after a change, on a connection that connected the table
//    before it), provided it has returned no row yet (restart_is_safe);
//  * else stops with an error: it began while the table was right (the
//    change came while it was running), or it has returned rows, which
//    starting it again would return twice, or rows of two shapes.
void check_live(RelationshipTable& table, RelationshipCursor& cursor, int idx_num, int changes, bool writing) {
    std::shared_ptr<const RelationshipSpec> now =
        table.live->check(table.conn, table.spec, table.use, cursor.use, changes, writing);
    if (!now) return;
    table.live->retire(table.conn, &table);
    if ((idx_num & kSuspectPlan) == 0) {
        throw SqlError("the schema changed while this statement was running; run the statement again");
    }
    if (restart_is_safe(table, static_cast<unsigned>(idx_num) >> kSnapshotShift)) throw Restart();
    // SQLite would not prepare it again by itself (it was prepared after the
    // change): every statement is expired.
    expire_statements(table.conn.db());
    throw SqlError("the schema changed since this statement was prepared; run the statement again");
}

// No method of a relationship returns SQLITE_SCHEMA while a statement runs
// (an internal statement's error included), but to start it again
// (check_live): sqlite3_step would prepare the statement again and run
// it from its start.
int not_schema(int rc) { return (rc & 0xff) == SQLITE_SCHEMA ? SQLITE_ERROR : rc; }

// Runs the body of xFilter or xNext: errors through vtab_boundary, with
// SQLite's "no such table" in the spec's own words where it has some
// (RelationshipSpec::when_tables_missing).
template <class Body>
int serve(sqlite3_vtab* vtab, const RelationshipSpec& spec, Body&& body) {
    return vtab_boundary(vtab, spec.name.c_str(), [&] {
        try {
            return body();
        } catch (const SqlError& e) {
            if (spec.when_tables_missing.empty() ||
                !is_missing_table(e, {spec.about.from_table, spec.about.to_table})) {
                throw;
            }
            throw SqlError(spec.when_tables_missing);
        }
    });
}

// Binds a key to a general relationship's seek (a statement of `level`).
void bind_key(const StatementLease& level, sqlite3_value* const* key, std::size_t count) {
    sqlite3_stmt* stmt = level.get();
    sqlite3_reset(stmt);
    for (std::size_t i = 0; i < count; ++i) {
        int rc = sqlite3_bind_value(stmt, static_cast<int>(i) + 1, key[i]);
        if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
    }
}

std::vector<Value> duplicates(sqlite3_stmt* row, int first, std::size_t count) {
    std::vector<Value> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(duplicate(sqlite3_column_value(row, first + static_cast<int>(i))));
    return out;
}

// Moves a tree's walk to its next row; false at the end. A row whose key
// was returned already (the data has a cycle, or one row is reached twice)
// is skipped; a row whose key has a NULL has no children to look for.
bool tree_step(RelationshipCursor& cursor, const RelationshipTable& table) {
    const RelationshipSpec& spec = table.spec;
    TreeWalk& walk = *cursor.tree;
    const int n = static_cast<int>(spec.columns.size());
    const bool by_value = table.children != nullptr;
    for (;;) {
        if (walk.reading) {
            const StatementLease& statement = walk.children ? cursor.child_level : cursor.level;
            if (statement.step()) {
                sqlite3_stmt* row = statement.get();
                if (!walk.root_is_key) {
                    // The hidden columns report the key as the source holds
                    // it ('1' finds the INTEGER key 1, which is what the join
                    // gives), read from a row of the first level.
                    walk.root = duplicates(row, n, spec.keys.size());
                    walk.root_is_key = true;
                }
                // The seek's rows have the keys before `next`; the children's
                // do not.
                const int first_next = n + (walk.children ? 0 : static_cast<int>(spec.keys.size()));
                const int first_identity = first_next + static_cast<int>(spec.next.size());
                std::string identity;
                bool null_identity = false;
                for (std::size_t i = 0; i < spec.identity.size(); ++i) {
                    sqlite3_value* v = sqlite3_column_value(row, first_identity + static_cast<int>(i));
                    null_identity = null_identity || sqlite3_value_type(v) == SQLITE_NULL;
                    append_identity(identity, v);
                }
                // A row whose key has a NULL is returned whenever reached: no
                // row's key refers to it, so it is reached once.
                if (!null_identity && !walk.seen.insert(identity).second) continue;
                // Nor, as a call with a NULL argument, does it have children.
                if (!null_identity && (spec.max_depth == 0 || walk.depth < spec.max_depth)) {
                    // What finds its children: its `next` values, or its key.
                    int first = by_value ? first_next : first_identity;
                    std::size_t count = by_value ? spec.next.size() : spec.identity.size();
                    bool null = false;
                    for (std::size_t i = 0; i < count; ++i) {
                        null = null || sqlite3_column_type(row, first + static_cast<int>(i)) == SQLITE_NULL;
                    }
                    // NULL matches nothing: no children to look for.
                    if (!null) walk.frontier.push_back({duplicates(row, first, count), walk.depth + 1, by_value});
                }
                return true;
            }
            walk.reading = false;
        }
        if (!walk.frontier.empty()) {
            TreeWalk::Node node = std::move(walk.frontier.front());
            walk.frontier.pop_front();
            std::vector<sqlite3_value*> values;
            for (const Value& v : node.values) values.push_back(v.get());
            if (node.children && !cursor.child_level) cursor.child_level = table.children->take();
            bind_key(node.children ? cursor.child_level : cursor.level, values.data(), values.size());
            walk.depth = node.depth;
            walk.children = node.children;
            walk.reading = true;
            continue;
        }
        // Without the argument: the walk from each key of the source in turn.
        if (cursor.plan == kScanAll && cursor.rows && cursor.rows.step()) {
            walk.root = duplicates(cursor.rows.get(), 0, spec.keys.size());
            walk.root_is_key = true;
            walk.seen.clear();
            walk.frontier.push_back({duplicates(cursor.rows.get(), 0, spec.keys.size()), 1, false});
            continue;
        }
        return false;
    }
}

// Whether the keyed statement gives each key's rows in the seek's order:
// where that depends on the plan (RelationshipSpec::keyed_ordered_alias), its
// plan must read that table through an index of exactly
// keyed_index_columns (plan_keeps_index_order). Asked at each switch (the
// schema or PRAGMA reverse_unordered_selects may have changed since); a
// plan it cannot read is taken for one that does not (the scans then serve
// every key).
bool keyed_plan_follows_order(RelationshipTable& table, const RelationshipTable::Reading& reading) {
    const RelationshipSpec& spec = table.spec;
    return plan_keeps_index_order(table.conn, reading.keyed_sql, spec.keyed_ordered_alias,
                                  {spec.keyed_index_columns});
}

// Whether the connection reads other connections' uncommitted writes
// (shared cache with PRAGMA read_uncommitted): they show between two calls
// of one statement and move nothing this connection can see, so what a
// cursor learned about a table may be stale at its next call. Unknown
// (the pragma denied): taken for yes.
//
// The answer is kept per connection while a sentinel statement has not
// been prepared again: setting a flag pragma such as read_uncommitted
// expires every statement of the connection, and the sentinel's next step
// then re-prepares it (SQLITE_STMTSTATUS_REPREPARE moves; anything else
// that expires statements, a new function or authorizer, only makes the
// pragma asked again). The pragma itself expires its own program at every
// run: asking it costs a prepare, about 9,000 instructions, where the
// sentinel's step costs about 1,000. (A pragma that sets the flag takes
// effect when it is prepared and expires the statements when it runs: one
// prepared and not yet run goes unnoticed until it runs.)
struct UncommittedAnswer {
    bool known = false;
    bool value = true;
    int reprepares = 0;
};

bool reads_uncommitted(Connection& conn) {
    UncommittedAnswer& answer = conn.state<UncommittedAnswer>();
    int reprepares = -1;
    {
        StatementLease sentinel = conn.pool("SELECT 1 /* theater: read_uncommitted's sentinel */").take_if_prepared();
        if (sentinel && sentinel.step()) reprepares = sqlite3_stmt_status(sentinel.get(), SQLITE_STMTSTATUS_REPREPARE, 0);
    }
    if (answer.known && reprepares >= 0 && reprepares == answer.reprepares) return answer.value;
    StatementLease pragma = conn.pool("PRAGMA read_uncommitted").take_if_prepared();
    bool value = !pragma || !pragma.step() || sqlite3_column_int(pragma.get(), 0) != 0;
    answer.known = reprepares >= 0;
    answer.value = value;
    answer.reprepares = reprepares;
    return value;
}

// Whether from_table's keys fill their span (RelationshipSpec::
// parent_bounds), so that a key names a row exactly when it lies in it:
// known once the statement has asked about enough keys (core/key_span.hpp:
// kCallsBeforeBounds for the bounds, worth_counting for the count). Until then, and
// where they do not fill it, false: the parent query answers. Not with
// read_uncommitted (reads_uncommitted): another connection's write would
// not be seen to change the span.
bool parent_fills_span(RelationshipCursor& cursor, RelationshipTable& table) {
    if (cursor.parent_count_read) return cursor.parent_fills;
    cursor.parent_fills = false;  // until a count says otherwise
    if (!table.parent_bounds || cursor.filters < kCallsBeforeBounds) return false;
    if (!cursor.parent_bounds_read) {
        cursor.parent_bounds_read = true;
        if (reads_uncommitted(table.conn)) {
            cursor.parent_count_read = true;
            return false;
        }
        // Not prepared (an authorizer that denies it): the parent query answers.
        if (!read_span(table.parent_bounds->take_if_prepared(), cursor.parent_first, cursor.parent_last)) {
            cursor.parent_count_read = true;  // or no rows: not asked again until a write
            return false;
        }
    }
    if (!worth_counting(cursor.filters, cursor.parent_first, cursor.parent_last)) return false;
    cursor.parent_count_read = true;
    cursor.parent_fills =
        count_fills(table.parent_count->take_if_prepared(), cursor.parent_first, cursor.parent_last);
    if (cursor.parent_fills) cursor.parent.forget();
    return cursor.parent_fills;
}

// Builds the cursor's memo (RelationshipCursor::memo) once the keyed
// lookups reached kMemoBreakEven-th of the keys' range.
void try_memo(RelationshipCursor& cursor, RelationshipTable& table) {
    if (!cursor.memo_span_read) {
        if (!read_span(table.memo_span->take(), cursor.memo_first, cursor.memo_last)) {
            cursor.memo_refused = true;  // no keys, or not integers
        }
        cursor.memo_span_read = true;
        if (cursor.memo_refused) return;
    }
    unsigned long long keys =
        static_cast<unsigned long long>(cursor.memo_last) - static_cast<unsigned long long>(cursor.memo_first) + 1;
    if (static_cast<unsigned long long>(cursor.keyed_calls) * kMemoBreakEven < keys) return;
    bool built = false;
    try {
        built = cursor.memo.build(*table.memo, cursor.memo_first, cursor.memo_last);
    } catch (const std::bad_alloc&) {
        cursor.memo.clear();  // no memory for it: the keyed statement goes on serving
    }
    if (!built) {
        cursor.memo_refused = true;
        return;
    }
    cursor.use_memo = true;
    cursor.keyed.forget();
}

// The follow window (RelationshipCursor::follow) is searched at most
// kFollowReach pairs past the one it predicted (a WHERE on the outer table
// skips some of the index's rows); it is given up until the next write
// once it missed more than kFollowMisses times and more than once in
// kFollowShare keys. A window's pass costs about as much per pair as a
// memo's; the first is small, so that keys in no order waste little.
constexpr int kFollowReach = 16;
constexpr long long kFollowMisses = 4;
constexpr long long kFollowShare = 32;
constexpr int kFollowFirst = 16;
constexpr int kFollowLast = 1024;

void follow_missed(RelationshipCursor& cursor) noexcept {
    cursor.follow_on = false;
    cursor.follow.clear();
    ++cursor.follow_misses;
    if (cursor.follow_misses > kFollowMisses && cursor.follow_misses * kFollowShare > cursor.follow_hits) {
        cursor.follow_refused = true;
    }
}

// Reads the follow window of the pairs after (fk, key) in the foreign
// key's index: false, and the follow window is given up until the next
// write, where the pass cannot run whole (a foreign key that is not an
// integer, as 5.0 in a REAL column, is the keyed statement's to answer, as
// it is the memo's; an authorizer that denies the pass; no memory).
bool follow_fill(RelationshipCursor& cursor, RelationshipTable& table, sqlite3_int64 fk, sqlite3_int64 key) {
    bool filled = false;
    try {
        filled = cursor.follow.fill(*table.memo_follow, *table.memo_follow_next, fk, key, cursor.follow_size);
    } catch (const std::bad_alloc&) {
        cursor.follow.clear();
    }
    if (!filled) {
        cursor.follow_on = false;
        cursor.follow_refused = true;
        return false;
    }
    cursor.follow_size = std::min(cursor.follow_size * 2, kFollowLast);
    return true;
}

// Finds cursor.key among the follow window's next pairs, at most
// kFollowReach on: true, with its foreign key in *fk.
bool follow_find(RelationshipCursor& cursor, RelationshipTable& table, sqlite3_int64* fk) {
    for (int i = 0; i < kFollowReach; ++i) {
        if (cursor.follow.empty()) {
            if (cursor.follow.size() == 0 || cursor.follow.last()) break;
            KeyWindow::Pair after = cursor.follow.back();
            if (!follow_fill(cursor, table, after.value, after.key)) return false;
            if (cursor.follow.empty()) break;
        }
        KeyWindow::Pair pair = cursor.follow.peek();
        cursor.follow.take();
        if (pair.key == cursor.key) {
            *fk = pair.value;
            return true;
        }
    }
    follow_missed(cursor);
    return false;
}

// Starts the follow window just past cursor.key, whose foreign key the
// keyed statement found to be `fk`: if the next keys walk the foreign key's
// index, each is then the window's next pair. Its plan is checked once per
// write: it must read from_table through the index on the foreign key
// alone, without sorting (ORDER BY fk, key is that index's order only
// where the key is the rowid).
void follow_start(RelationshipCursor& cursor, RelationshipTable& table, sqlite3_int64 fk) {
    if (!cursor.follow_plan_checked) {
        cursor.follow_plan_checked = true;
        const RelationshipSpec& spec = table.spec;
        bool forward = true;
        for (const std::string* sql : {&spec.memo_follow, &spec.memo_follow_next}) {
            forward = forward && plan_keeps_index_order(table.conn, *sql, "s", {{spec.memo_follow_index}}) &&
                      !plan_sorts(table.conn, *sql);
        }
        if (!forward) {
            cursor.follow_refused = true;
            return;
        }
    }
    cursor.follow_size = kFollowFirst;
    cursor.follow_on = follow_fill(cursor, table, fk, cursor.key);
}

// The follow window's parents: a window of rows covers the parents from
// the key's foreign key on, as far as the follow window's next foreign keys
// want about half of the parents' rowids in between (KeyWindow::reach, with
// kParentsSlack), so that the parents no pair names cost at most about one
// row read a parent that one does; at most kParentsLast rows and
// kParentsCells values (32 bytes each: 512 KiB for a parent of 16 columns or
// more), besides the window's own bound on text and blobs.
constexpr std::uint64_t kParentsSlack = 16;
constexpr std::size_t kParentsLast = 1024;
constexpr std::size_t kParentsCells = 16384;
constexpr int kParentsOversized = 8;

// Serves the parent `fk` from the parents' window, read anew when it does
// not cover fk: false when the window cannot serve it (serve_parent's
// scans serve instead). A window whose pass cannot run as ours, or has no
// memory, is refused until the next write; one that stopped before fk
// (fk's own row passes the window's bound on bytes) leaves that parent alone
// to the scans.
bool serve_parent_from_window(RelationshipCursor& cursor, const RelationshipTable& table, sqlite3_int64 fk) {
    if (!table.memo_parents || cursor.parents_refused) return false;
    if (!cursor.parents.covers(fk)) {
        sqlite3_int64 to = cursor.follow.reach(fk, kParentsSlack);
        std::size_t limit = std::min(kParentsLast, kParentsCells / std::max<std::size_t>(table.spec.columns.size(), 1));
        bool filled = false;
        try {
            filled = cursor.parents.fill(*table.memo_parents, fk, to, limit);
        } catch (const std::bad_alloc&) {
            filled = false;  // as follow_fill: the statement goes on without it
        }
        if (!filled) {
            cursor.parents.clear();
            cursor.parents_refused = true;
            return false;
        }
        if (!cursor.parents.covers(fk)) {
            if (++cursor.parents_oversized > kParentsOversized) cursor.parents_refused = true;
            return false;
        }
    }
    cursor.parent_at = cursor.parents.find(fk);
    cursor.eof = cursor.parent_at < 0;
    return true;
}

// The rows of the parent `fk`, the key's foreign key (from the memo or the
// follow scan): for the follow window, its parents' window; else a forward
// scan of the parents, or a keyed statement once that scan seeks afresh
// for a large share of them.
void serve_parent(RelationshipCursor& cursor, const RelationshipTable& table, sqlite3_int64 fk, bool follow) {
    cursor.by_parent = true;
    cursor.parent_key = fk;
    ++cursor.memo_calls;
    if (follow && serve_parent_from_window(cursor, table, fk)) return;
    cursor.parent_at = -1;
    // The parent of the previous key, as a parent's children come in the
    // planner's order: the scan is already there, and with no new seek the
    // choice below stays as it was.
    if (!cursor.memo_by_key && cursor.memo_rows.at(fk)) {
        cursor.eof = false;
        return;
    }
    int parent_seeks = cursor.memo_rows.seeks();
    if (!cursor.memo_by_key && parent_seeks > kSeeksBeforeKeyed && parent_seeks * kSeekShare > cursor.memo_calls &&
        cursor.memo_keyed.ready()) {
        cursor.memo_by_key = true;
        cursor.memo_rows.forget();
    }
    if (cursor.memo_by_key) {
        bool found = cursor.memo_keyed.seek(fk);
        if (found || cursor.memo_keyed.usable()) {
            int present = static_cast<int>(table.spec.columns.size()) + 2;
            cursor.eof = !found || sqlite3_column_type(cursor.memo_keyed.row(), present) == SQLITE_NULL;
            return;
        }
        cursor.memo_by_key = false;  // the keyed statement cannot serve: back to the scan
    }
    cursor.eof = !cursor.memo_rows.position_at(fk) || !cursor.memo_rows.key_is(fk);
}

// The keyed statement's column `keyed_present` (keyed_sql): NULL in the
// LEFT JOIN's row of NULLs for a join that found nothing; for a
// many-to-one, the parent's rowid.
int keyed_present_column(const RelationshipCursor& cursor) {
    return static_cast<int>(cursor.keyed.row() ? sqlite3_column_count(cursor.keyed.row()) : 0) - 3;
}

// Whether the keyed statement's current row is one of the relationship's.
// (sqlite3_column_count takes no mutex; sqlite3_column_value's type is read
// without a second call that would.)
bool keyed_row_present(const RelationshipCursor& cursor) {
    return sqlite3_value_type(sqlite3_column_value(cursor.keyed.row(), keyed_present_column(cursor))) != SQLITE_NULL;
}

// The key's next row from the keyed statement; false at its end.
bool keyed_next(RelationshipCursor& cursor) {
    while (cursor.keyed.next()) {
        if (keyed_row_present(cursor)) return true;
    }
    return false;
}

// xFilter of a general relationship (RelationshipSpec::general).
void general_filter(RelationshipCursor& cursor, RelationshipTable& table, int argc, sqlite3_value** argv) {
    const RelationshipSpec& spec = table.spec;
    cursor.general = true;
    cursor.tree = spec.recursive ? std::make_unique<TreeWalk>() : nullptr;
    if (!cursor.level) cursor.level = table.seek->take();
    sqlite3_reset(cursor.level.get());
    if (cursor.plan == kSeekKey && argc != table.argument_count()) {
        throw SqlError("internal error: a seek without every key");
    }
    if (spec.recursive) {
        cursor.from_level = true;
        if (cursor.plan == kSeekKey) {
            for (int i = 0; i < argc; ++i) cursor.tree->root.push_back(duplicate(argv[i]));
            std::vector<Value> start;
            for (int i = 0; i < argc; ++i) start.push_back(duplicate(argv[i]));
            cursor.tree->frontier.push_back({std::move(start), 1, false});
        } else {
            cursor.rows = table.roots->take();
        }
        cursor.eof = !tree_step(cursor, table);
    } else if (cursor.plan == kSeekKey) {
        cursor.from_level = true;
        bind_key(cursor.level, argv, static_cast<std::size_t>(argc));
        cursor.eof = !cursor.level.step();
    } else {
        cursor.from_level = false;
        cursor.rows = table.scan->take();
        cursor.eof = !cursor.rows.step();
    }
    if (!cursor.eof) ++cursor.row_number;
}

// Everything a keyed cursor learned about the tables, forgotten after a
// write (or at every call inside a write transaction): the schema or the
// plan may differ, and any key, span or row may have moved. Each mechanism
// starts again from its first call.
void forget_after_write(RelationshipCursor& cursor) {
    // The forward scans: their positions, and how often they had to seek.
    cursor.seek.forget();
    cursor.parent.forget();
    cursor.seek.reset_seeks();
    cursor.parent.reset_seeks();
    cursor.filters = 0;
    // The parents' span (parent_fills_span).
    cursor.parent_bounds_read = false;
    cursor.parent_count_read = false;
    // The keyed statement, asked for again.
    cursor.keyed.forget();
    cursor.use_keyed = false;
    cursor.keyed_refused = false;
    // The follow window.
    cursor.follow.clear();
    cursor.follow_on = false;
    cursor.follow_refused = false;
    cursor.follow_plan_checked = false;
    cursor.follow_hits = 0;
    cursor.follow_misses = 0;
    // The parents' scans serve the memo and the follow window alike: always
    // forgotten.
    cursor.memo_rows.forget();
    cursor.memo_keyed.forget();
    cursor.parent_row.forget();
    cursor.parents.clear();
    cursor.parent_at = -1;
    cursor.parents_refused = false;
    cursor.parents_oversized = 0;
    cursor.memo_by_key = false;
    cursor.memo_calls = 0;
    // The many-to-one memo, and its span.
    if (cursor.use_memo || cursor.keyed_calls > 0) {
        cursor.memo.clear();
        cursor.use_memo = false;
        cursor.keyed_calls = 0;
        cursor.memo_span_read = false;
    }
}

// Whether the connection is inside a write transaction (any schema's, see
// connection_may_have_written), for a cursor's call. sqlite3_txn_state takes
// the connection's mutex (about 130 instructions a call), so in autocommit
// mode a cursor of a fixed relationship asks it at its first call and again
// only after total_changes moved. A cursor lives for one run of its
// statement: a statement that writes (an UPDATE calling the relationship,
// directly or from a trigger) holds its write transaction from before its
// first call to after its last, and every INSERT, UPDATE or DELETE that
// completes between two calls moves total_changes, after which the state is
// asked again. What goes unasked is a write between two calls that moves no
// change count (an incremental blob write, an UPDATE ... RETURNING stepped
// once, DDL): whether a running statement sees that is undefined in SQLite
// too (https://sqlite.org/isolation.html). Inside an explicit transaction
// (sqlite3_get_autocommit, no mutex) every call asks: a blob handle's write,
// or DDL, completes there without moving total_changes and leaves the write
// transaction open (a second reader's finding). A live relationship's check
// needs the state of every call, and asks it.
bool writing_at(RelationshipCursor& cursor, const RelationshipTable& table, sqlite3* db, int changes) noexcept {
    if (table.live || !sqlite3_get_autocommit(db) || !cursor.txn_known || changes != cursor.txn_changes) {
        cursor.txn_writing = sqlite3_txn_state(db, nullptr) == SQLITE_TXN_WRITE;
        cursor.txn_known = true;
        cursor.txn_changes = changes;
    }
    return cursor.txn_writing;
}

// Whether follow_hit may answer the next call, as far as the cursor's modes
// say: set at the end of every call that can change them.
void follow_hit_ready(RelationshipCursor& cursor, const RelationshipTable& table) noexcept {
    cursor.follow_ready = cursor.follow_on && cursor.use_keyed && !cursor.use_memo && !cursor.memo_by_key && !table.live;
}

// serve_parent for a follow hit whose parent is not the previous key's,
// inside the boundary (the parents' scan may step or seek, and fail).
[[gnu::noinline]] int follow_hit_new_parent(RelationshipCursor& cursor, RelationshipTable& table,
                                            sqlite3_int64 fk) noexcept {
    cursor.eof = true;
    cursor.by_parent = false;
    int rc = serve(cursor.base.pVtab, table.spec, [&] {
        serve_parent(cursor, table, fk, true);
        return SQLITE_OK;
    });
    follow_hit_ready(cursor, table);
    return not_schema(rc);
}

// The follow window's hit: most calls in the planner's order. It does what
// relationship_filter would do for such a key, without that function's
// frame and its general checks, and only where nothing can differ: a fixed
// relationship, the same plan, no write since the previous call, and the
// key is the window's next pair. A parent's next children (which come in a
// row) take serve_parent's own short path here, inline; a new parent's
// step goes through the boundary. Any other key goes to filter_whole,
// which answers the same. True with *rc set when it answered.
bool follow_hit(RelationshipCursor& cursor, RelationshipTable& table, int idx_num, int argc, sqlite3_value** argv,
                int* rc) noexcept {
    if (!cursor.follow_ready || argc < 1 || idx_num != kSeekKey || cursor.plan != kSeekKey ||
        cursor.follow.empty() || sqlite3_value_type(argv[0]) != SQLITE_INTEGER) {
        return false;
    }
    const KeyWindow::Pair pair = cursor.follow.peek();
    if (pair.key != sqlite3_value_int64(argv[0])) return false;
    int changes = sqlite3_total_changes(table.conn.db());
    if (changes != cursor.changes || writing_at(cursor, table, table.conn.db(), changes)) return false;
    cursor.follow.take();
    cursor.key = pair.key;
    ++cursor.filters;
    ++cursor.follow_hits;
    // The previous key's parent: still the parents' window's row, or the
    // scan's.
    if (cursor.parent_at >= 0 ? cursor.parent_key != pair.value : !cursor.memo_rows.at(pair.value)) {
        *rc = follow_hit_new_parent(cursor, table, pair.value);
        return true;
    }
    ++cursor.memo_calls;
    cursor.by_parent = true;
    cursor.parent_key = pair.value;
    cursor.eof = false;
    *rc = SQLITE_OK;
    return true;
}

// (Not inlined: its frame, the body that can throw, would be set up and
// torn down for follow_hit's calls too.)
[[gnu::noinline]] int filter_whole(RelationshipCursor& cursor, RelationshipTable& table, int idx_num,
                                   const char* idx_str, int argc, sqlite3_value** argv) {
    sqlite3_vtab_cursor* cur = &cursor.base;
    bool restart = false;
    int rc = serve(cur->pVtab, table.spec, [&] {
        cursor.rows.release();
        cursor.eof = true;
        cursor.by_parent = false;  // (so that by_parent alone says kSeekKey, not general)
        cursor.parent_at = -1;
        // Read once for both checks below (see connection_may_have_written).
        sqlite3* db = table.conn.db();
        int changes = sqlite3_total_changes(db);
        bool writing = writing_at(cursor, table, db, changes);
        if (table.live) {
            try {
                check_live(table, cursor, idx_num, changes, writing);
            } catch (const Restart&) {
                restart = true;
                throw SqlError("the schema changed since this statement was prepared; prepare it again",
                               SQLITE_SCHEMA);
            }
        }
        // A declaration that did not resolve when its table was connected
        // has no queries: check() throws for it.
        if (table.spec.broken) throw SqlError("internal error: a broken relationship passed its check");
        cursor.plan = static_cast<Plan>(idx_num & kPlanMask);
        if (table.spec.general) {
            general_filter(cursor, table, argc, argv);
            return SQLITE_OK;
        }
        if (!cursor.reading) {
            // (The keyed statement is chosen where the cursor turns to it.)
            cursor.reading = &table.reading_for(idx_str);
            cursor.seek.use(*cursor.reading->seek);
        }
        if (cursor.plan == kSeekKey) {
            if (argc < 1) throw SqlError("internal error: seek without a key");
            // An integer (the usual key) without integer_argument's call.
            std::optional<sqlite3_int64> key;
            if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER) key = sqlite3_value_int64(argv[0]);
            else key = integer_argument(argv[0], table.spec.arguments[0].name.c_str());
            if (!key) return SQLITE_OK;  // NULL relates to nothing: no rows, no error
            if (cursor.called && !cursor.uncommitted_known) {
                cursor.uncommitted_known = true;
                cursor.uncommitted = reads_uncommitted(table.conn);
            }
            cursor.called = true;
            if (writing || changes != cursor.changes || cursor.uncommitted) forget_after_write(cursor);
            cursor.changes = changes;
            cursor.key = *key;
            cursor.by_parent = false;
            ++cursor.filters;
            int seeks = cursor.seek.seeks() + cursor.parent.seeks();
            if (!cursor.use_keyed && !cursor.keyed_refused && table.keyed && seeks > kSeeksBeforeKeyed &&
                seeks * kSeekShare > cursor.filters) {
                // Asked once until the next write: a refusal stands. Fewer
                // columns may make another index covering, whose plan gives a
                // key's rows in another order: then the keyed statement that
                // computes every column (same layout) serves instead.
                const RelationshipTable::Reading& every = table.readings.front();
                cursor.keyed.use(*cursor.reading->keyed);
                bool follows = keyed_plan_follows_order(table, *cursor.reading);
                if (!follows && cursor.reading != &every) {
                    cursor.keyed.use(*every.keyed);
                    follows = keyed_plan_follows_order(table, every);
                }
                cursor.keyed_refused = !follows || !cursor.keyed.ready();
                if (!cursor.keyed_refused) {
                    cursor.use_keyed = true;
                    cursor.seek.forget();
                    cursor.parent.forget();
                }
            }
            if (cursor.use_keyed && cursor.follow_on && !cursor.use_memo) {
                sqlite3_int64 fk = 0;
                if (follow_find(cursor, table, &fk)) {
                    ++cursor.follow_hits;
                    serve_parent(cursor, table, fk, true);
                    return SQLITE_OK;
                }
            }
            if (cursor.use_keyed && !cursor.use_memo && table.memo && !cursor.memo_refused &&
                ++cursor.keyed_calls >= kSeeksBeforeKeyed) {
                try_memo(cursor, table);
            }
            if (cursor.use_memo) {
                sqlite3_int64 fk = 0;
                if (!cursor.memo.find(cursor.key, &fk)) return SQLITE_OK;  // no such child, or no parent named
                serve_parent(cursor, table, fk, false);
                return SQLITE_OK;
            }
            if (cursor.use_keyed) {
                cursor.eof = !cursor.keyed.seek(cursor.key);
                if (!cursor.eof || cursor.keyed.usable()) {
                    // Every row to the mark, even for a "unique" relationship:
                    // a UNIQUE TEXT key holds '5' and '5.0', which both equal 5.
                    if (!cursor.eof && !keyed_row_present(cursor)) cursor.eof = !keyed_next(cursor);
                    if (!cursor.eof && table.memo_follow && !cursor.follow_on && !cursor.follow_refused &&
                        !cursor.use_memo) {
                        // The parent's rowid, which is the key's foreign key.
                        sqlite3_value* parent = sqlite3_column_value(cursor.keyed.row(), keyed_present_column(cursor));
                        if (sqlite3_value_type(parent) == SQLITE_INTEGER) {
                            follow_start(cursor, table, sqlite3_value_int64(parent));
                        }
                    }
                    return SQLITE_OK;
                }
                cursor.use_keyed = false;  // the keyed statement cannot serve: back to the scans
                cursor.memo_refused = true;
            }
            cursor.eof = !cursor.seek.position_at(cursor.key) || !cursor.seek.key_is(cursor.key);
            if (cursor.key < INT64_MAX) cursor.seek.consumed_below(cursor.key + 1);
            else cursor.seek.forget();
            if (!cursor.eof && table.parent) {
                // Rows whose foreign key is the argument, but the argument
                // names no row of from_table: none, as in the join. Asked
                // only for a key that has rows, once per key.
                bool named = false;
                if (parent_fills_span(cursor, table)) {
                    named = cursor.key >= cursor.parent_first && cursor.key <= cursor.parent_last;
                } else {
                    named = cursor.parent.position_at(cursor.key) && cursor.parent.key_is(cursor.key);
                    if (cursor.key < INT64_MAX) cursor.parent.consumed_below(cursor.key + 1);
                    else cursor.parent.forget();
                }
                cursor.eof = !named;
            }
            return SQLITE_OK;
        }
        cursor.rows = cursor.reading->scan->take();
        cursor.eof = !cursor.rows.step();
        return SQLITE_OK;
    });
    follow_hit_ready(cursor, table);
    return restart ? rc : not_schema(rc);
}

int relationship_filter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc, sqlite3_value** argv) {
    RelationshipCursor& cursor = cursor_of(cur);
    RelationshipTable& table = table_of(cur->pVtab);
    int rc = SQLITE_OK;
    if (follow_hit(cursor, table, idx_num, argc, argv, &rc)) return rc;
    return filter_whole(cursor, table, idx_num, idx_str, argc, argv);
}

[[gnu::noinline]] int next_whole(RelationshipCursor& cursor, const RelationshipTable& table);

int relationship_next(sqlite3_vtab_cursor* cur) {
    RelationshipCursor& cursor = cursor_of(cur);
    if (cursor.by_parent) {
        cursor.eof = true;  // a parent's rowid: one row
        return SQLITE_OK;
    }
    return next_whole(cursor, table_of(cur->pVtab));
}

int next_whole(RelationshipCursor& cursor, const RelationshipTable& table) {
    sqlite3_vtab* vtab = cursor.base.pVtab;
    return not_schema(serve(vtab, table.spec, [&] {
        if (cursor.general) {
            if (table.spec.recursive) cursor.eof = !tree_step(cursor, table);
            else cursor.eof = !(cursor.from_level ? cursor.level.step() : cursor.rows.step());
            if (!cursor.eof) ++cursor.row_number;
        } else if (cursor.plan == kSeekKey && cursor.use_keyed) {
            cursor.eof = !keyed_next(cursor);
        } else if (cursor.plan == kSeekKey) {
            cursor.eof = !cursor.seek.next() || !cursor.seek.key_is(cursor.key);
        } else {
            cursor.eof = !cursor.rows.step();
        }
        return SQLITE_OK;
    }));
}

int relationship_eof(sqlite3_vtab_cursor* cur) { return cursor_of(cur).eof; }

[[gnu::noinline]] int column_whole(RelationshipCursor& cursor, sqlite3_context* ctx, int column);

int relationship_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int column) {
    RelationshipCursor& cursor = cursor_of(cur);
    if (cursor.by_parent) {
        // A parent's row (a many-to-one): its rowid column is the foreign key
        // that found it, the hidden column the argument, the rest the copy
        // of its row (RowCache). No read of the parent's row for the first
        // two (the key's columns and its mutex).
        const RelationshipTable& table = table_of(cur->pVtab);
        if (column == table.spec.memo_parent_key_column) {
            sqlite3_result_int64(ctx, cursor.parent_key);
        } else if (column == table.argument_column()) {
            sqlite3_result_int64(ctx, cursor.key);
        } else if (cursor.parent_at >= 0) {
            cursor.parents.answer(ctx, cursor.parent_at, column);
        } else {
            sqlite3_stmt* row = cursor.memo_by_key ? cursor.memo_keyed.row() : cursor.memo_rows.row();
            cursor.parent_row.result(ctx, row, column, cursor.parent_key);
        }
        return SQLITE_OK;
    }
    return column_whole(cursor, ctx, column);
}

int column_whole(RelationshipCursor& cursor, sqlite3_context* ctx, int column) {
    sqlite3_vtab_cursor* cur = &cursor.base;
    if (cursor.general && table_of(cur->pVtab).spec.recursive) {
        // A tree: its columns, depth, then the arguments it started from.
        int depth_column = static_cast<int>(table_of(cur->pVtab).spec.columns.size());
        if (column == depth_column) {
            sqlite3_result_int64(ctx, cursor.tree->depth);
        } else if (column > depth_column) {
            sqlite3_result_value(ctx, cursor.tree->root[static_cast<std::size_t>(column - depth_column - 1)].get());
        } else {
            result_column(ctx, cursor.current(), column);
        }
        return SQLITE_OK;
    }
    // With the argument, the hidden column is the argument, an integer, as
    // from_table's key is in the join (a REAL foreign key holds 5.0).
    if (!cursor.general && cursor.plan == kSeekKey && column == table_of(cur->pVtab).argument_column()) {
        sqlite3_result_int64(ctx, cursor.key);
        return SQLITE_OK;
    }
    // Output columns and the hidden key are the internal query's columns in
    // the same order.
    result_column(ctx, cursor.current(), column);
    return SQLITE_OK;
}

int relationship_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
    const RelationshipCursor& cursor = cursor_of(cur);
    const RelationshipSpec& spec = table_of(cur->pVtab).spec;
    if (cursor.general && !spec.rowid.empty()) {
        // A relationship that takes writes: the rowid of the row's holder,
        // after the keys (seek_sql).
        *rowid = sqlite3_column_int64(cursor.current(), static_cast<int>(spec.columns.size() + spec.keys.size()));
        return SQLITE_OK;
    }
    if (cursor.general) {
        // Rows of a general relationship have no rowid of their own (a view,
        // a WITHOUT ROWID table, a row under several keys): numbered.
        *rowid = cursor.row_number;
        return SQLITE_OK;
    }
    if (cursor.by_parent && cursor.plan == kSeekKey) {
        *rowid = cursor.key;  // a many-to-one's rowid is its key (spec.rowid)
        return SQLITE_OK;
    }
    const RelationshipTable& table = table_of(cur->pVtab);
    int column = table.rowid_output >= 0 ? table.rowid_output : table.argument_column() + 1;
    *rowid = sqlite3_column_int64(cursor.current(), column);
    return SQLITE_OK;
}

// ---- Writes (model-layer.md, "Writes") ------------------------------------

// Steps a write statement of the relationship's to its end; returns
// sqlite3_changes() for it.
int run_write(Connection& conn, const std::string& sql, const std::vector<sqlite3_value*>& values) {
    StatementLease statement = conn.pool(sql).take();
    for (std::size_t i = 0; i < values.size(); ++i) {
        int rc = sqlite3_bind_value(statement.get(), static_cast<int>(i) + 1, values[i]);
        if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
    }
    while (statement.step()) {
    }
    return sqlite3_changes(conn.db());
}

bool any_row(Connection& conn, const std::string& sql, const std::vector<sqlite3_value*>& values) {
    StatementLease statement = conn.pool(sql).take();
    for (std::size_t i = 0; i < values.size(); ++i) {
        int rc = sqlite3_bind_value(statement.get(), static_cast<int>(i) + 1, values[i]);
        if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
    }
    return statement.step();
}

std::string key_words(const std::vector<std::string>& columns, const std::vector<sqlite3_value*>& values) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const unsigned char* text = sqlite3_value_text(values[i]);
        out += (out.empty() ? "" : " and ") + columns[i] + " = " + (text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    return out;
}

// Prepares a write's SQL; a filter that names a column the write does not
// have (left out of the INSERT, or a many-to-many filter reading the link
// table) says so.
void compile_write(Connection& conn, const std::string& sql, const WritePlan& w) {
    try {
        conn.pool(sql).take();
    } catch (const SqlError& e) {
        if ((e.code() & 0xff) != SQLITE_ERROR || w.where.empty()) throw;
        if (w.many_to_many) {
            throw SqlError(std::string("the relationship's filter does not hold on ") + w.target + " alone (" +
                           e.what() + "): insert the row into " + w.holder + " itself");
        }
        throw SqlError(std::string("the relationship's filter reads a column this INSERT leaves out (") + e.what() +
                       "): give it a value");
    }
}

// Why a write that needed the source row, the target row and the filter
// wrote nothing.
[[noreturn]] void nothing_written(Connection& conn, const WritePlan& w, const std::vector<sqlite3_value*>& source,
                                  const std::vector<sqlite3_value*>& target) {
    if (!any_row(conn, source_exists_sql(w), source)) {
        throw SqlError("no " + w.source + " row with " + key_words(w.source_key, source));
    }
    if (!target.empty() && !any_row(conn, target_exists_sql(w), target)) {
        throw SqlError("no " + w.target + " row with " + key_words(w.target_key, target));
    }
    throw SqlError("the row does not meet the relationship's filter (" + w.where + ")");
}

// INSERT: a new target row, a re-parented one, or a link row. Returns the
// rowid of the row's holder.
sqlite3_int64 insert_row(RelationshipTable& table, sqlite3_value** values, int count) {
    const RelationshipSpec& spec = table.spec;
    const WritePlan& w = spec.write;
    Connection& conn = table.conn;
    const int n = static_cast<int>(spec.columns.size());
    if (count != n + table.argument_count()) throw SqlError("internal error: an INSERT of another shape");
    std::vector<sqlite3_value*> source;
    for (int i = 0; i < table.argument_count(); ++i) {
        sqlite3_value* v = values[n + i];
        if (sqlite3_value_type(v) == SQLITE_NULL) {
            throw SqlError("an INSERT must give " + spec.arguments[static_cast<std::size_t>(i)].name +
                           ", the " + w.source + " row the new row belongs to");
        }
        source.push_back(v);
    }
    // The columns given: those not NULL (a NULL one takes the target's DEFAULT).
    std::vector<std::string> given;
    std::vector<sqlite3_value*> given_values;
    std::vector<std::string> given_affinity;
    for (int i = 0; i < n; ++i) {
        if (sqlite3_value_type(values[i]) == SQLITE_NULL) continue;
        const std::string& name = spec.columns[static_cast<std::size_t>(i)].name;
        if (!w.insertable[static_cast<std::size_t>(i)]) throw SqlError("column " + name + " cannot be written: " + w.target + " computes it");
        if (!w.many_to_many) {
            for (const std::string& fk : w.holder_fk) {
                if (same_name(fk, name)) {
                    throw SqlError("column " + name + " is set from the " + w.source +
                                   " row the INSERT names: leave it out");
                }
            }
        }
        given.push_back(name);
        given_values.push_back(values[i]);
        given_affinity.push_back(w.affinity[static_cast<std::size_t>(i)]);
    }
    // The target's key, when given alone.
    std::vector<sqlite3_value*> target;
    bool key_alone = given.size() == w.target_key.size();
    for (const std::string& k : w.target_key) {
        bool found = false;
        for (std::size_t i = 0; i < given.size(); ++i) {
            if (same_name(given[i], k)) {
                target.push_back(given_values[i]);
                found = true;
            }
        }
        key_alone = key_alone && found;
    }
    if (w.many_to_many) {
        for (const std::string& k : w.target_key) {
            bool returned = false;
            for (const RelationshipSpec::Column& c : spec.columns) returned = returned || same_name(c.name, k);
            if (!returned) {
                throw SqlError("the key of " + w.target + " (" + k + ") is not among the columns " + spec.name +
                               " returns, so an INSERT cannot name a row: insert the link into " + w.holder +
                               " itself");
            }
        }
        if (!key_alone) {
            std::string keys;
            for (const std::string& k : w.target_key) keys += (keys.empty() ? "" : ", ") + k;
            throw SqlError("a many-to-many INSERT links an existing " + w.target + " row: give its key (" + keys +
                           ") and no other column; insert a new row into " + w.target + " first");
        }
        std::string sql = link_sql(w);
        compile_write(conn, sql, w);
        std::vector<sqlite3_value*> all = source;
        all.insert(all.end(), target.begin(), target.end());
        if (run_write(conn, sql, all) == 0) nothing_written(conn, w, source, target);
        return sqlite3_last_insert_rowid(conn.db());
    }
    if (key_alone) {
        // SQLAlchemy's append of a row another parent holds: it moves here.
        // Its rowid is read first: after the UPDATE, a failure would leave
        // the UPDATE done (a one-row INSERT has no statement journal).
        StatementLease rowid = conn.pool(target_rowid_sql(w)).take();
        for (std::size_t i = 0; i < target.size(); ++i) {
            int rc = sqlite3_bind_value(rowid.get(), static_cast<int>(i) + 1, target[i]);
            if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
        }
        if (rowid.step()) {
            const sqlite3_int64 moved = sqlite3_column_int64(rowid.get(), 0);
            rowid.release();
            std::string sql = reparent_sql(w);
            compile_write(conn, sql, w);
            std::vector<sqlite3_value*> all = source;
            all.insert(all.end(), target.begin(), target.end());
            if (run_write(conn, sql, all) == 0) nothing_written(conn, w, source, {});
            return moved;
        }
    }
    std::string sql = insert_child_sql(w, given, given_affinity);
    compile_write(conn, sql, w);
    std::vector<sqlite3_value*> all = source;
    all.insert(all.end(), given_values.begin(), given_values.end());
    if (run_write(conn, sql, all) == 0) nothing_written(conn, w, source, {});
    return sqlite3_last_insert_rowid(conn.db());
}

// xUpdate: INSERT and DELETE; UPDATE is refused.
int relationship_update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
    RelationshipTable& table = table_of(vtab);
    return not_schema(serve(vtab, table.spec, [&] {
        const WritePlan& w = table.spec.write;
        if (table.live) {
            // What this table serves must still be what the declaration
            // means: a write is never started again.
            sqlite3* db = table.conn.db();
            UseCheck write_use;
            if (table.live->check(table.conn, table.spec, table.use, write_use, sqlite3_total_changes(db),
                                  sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE)) {
                table.live->retire(table.conn, &table);
                expire_statements(db);
                throw SqlError("the schema changed since this statement was prepared; run the statement again");
            }
        }
        if (table.spec.broken) throw SqlError("internal error: a broken relationship passed its check");
        if (!w.refusal.empty()) throw SqlError(w.refusal);
        if (argc == 1) {
            run_write(table.conn, delete_sql(w), {argv[0]});
            return SQLITE_OK;
        }
        if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
            throw SqlError("UPDATE through a relationship is not supported: update " + w.target +
                           " itself, or DELETE and INSERT");
        }
        if (sqlite3_value_type(argv[1]) != SQLITE_NULL) {
            throw SqlError("an INSERT cannot give the rowid: it is the rowid of the row the INSERT writes");
        }
        *rowid = insert_row(table, argv + 2, argc - 2);
        return SQLITE_OK;
    }));
}

constexpr sqlite3_module writable(sqlite3_module m) {
    m.xUpdate = relationship_update;
    return m;
}

}  // namespace

const sqlite3_module kRelationshipModule =
    read_only_module(relationship_connect, relationship_best_index, relationship_disconnect, relationship_open, relationship_close,
                     relationship_filter, relationship_next, relationship_eof, relationship_column, relationship_rowid);

const sqlite3_module kWritableRelationshipModule = writable(kRelationshipModule);

}  // namespace theater
