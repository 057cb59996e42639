#include "core/key_feed.hpp"

#include "core/boundary.hpp"
#include "core/module.hpp"
#include "core/quote.hpp"

#include <cstring>
#include <new>

namespace theater {

namespace {

// sqlite3_bind_pointer's type: only this extension's own statements can
// hand theater_keys a feed.
constexpr const char* kKeyFeedPointer = "theater_key_feed";

enum FeedColumn { kValue = 0, kSeq = 1, kLive = 2, kFeedArgument = 3 };

struct FeedCursor {
    sqlite3_vtab_cursor base{};
    KeyedRows::Feed* feed = nullptr;
    bool eof = true;
    bool mark = false;  // the current row marks the end of its key's rows
    sqlite3_int64 value = 0;
    sqlite3_int64 seq = 0;
    sqlite3_int64 rowid = 0;

    // The key its owner posted since the last, or else the mark.
    void advance() noexcept {
        eof = !feed;
        if (eof) return;
        mark = !feed->posted;
        feed->posted = false;
        value = feed->key;
        seq = feed->seq;
        ++rowid;
    }
};

FeedCursor& cursor_of(sqlite3_vtab_cursor* cur) { return *reinterpret_cast<FeedCursor*>(cur); }

int feed_connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
    return connect_boundary(err, kKeyFeedTable, [&] {
        declare_table(db, "CREATE TABLE x(value, seq, live, feed HIDDEN)", Risk::kNormal);
        int rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
        if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
        auto* vtab = new sqlite3_vtab{};
        *out = vtab;
    });
}

int feed_disconnect(sqlite3_vtab* vtab) {
    delete vtab;
    return SQLITE_OK;
}

// The feed argument must be given; a join that cannot give it yet is asked
// to try another order (SQLITE_CONSTRAINT), and without it the table is
// empty.
int feed_best_index(sqlite3_vtab*, sqlite3_index_info* info) {
    bool unusable = false;
    for (int i = 0; i < info->nConstraint; ++i) {
        const auto& c = info->aConstraint[i];
        if (c.iColumn != kFeedArgument || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
        if (!c.usable) {
            unusable = true;
            continue;
        }
        info->aConstraintUsage[i].argvIndex = 1;
        info->aConstraintUsage[i].omit = 1;
        info->idxNum = 1;
        info->estimatedCost = 1;
        info->estimatedRows = 1;
        return SQLITE_OK;
    }
    if (unusable) return SQLITE_CONSTRAINT;
    info->idxNum = 0;
    info->estimatedCost = 1;
    info->estimatedRows = 1;
    return SQLITE_OK;
}

int feed_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
    auto* cursor = new (std::nothrow) FeedCursor;
    if (!cursor) return SQLITE_NOMEM;
    *out = &cursor->base;
    return SQLITE_OK;
}

int feed_close(sqlite3_vtab_cursor* cur) {
    delete &cursor_of(cur);
    return SQLITE_OK;
}

int feed_filter(sqlite3_vtab_cursor* cur, int idx_num, const char*, int argc, sqlite3_value** argv) {
    FeedCursor& cursor = cursor_of(cur);
    cursor.feed = idx_num == 1 && argc == 1
                      ? static_cast<KeyedRows::Feed*>(sqlite3_value_pointer(argv[0], kKeyFeedPointer))
                      : nullptr;
    cursor.advance();
    return SQLITE_OK;
}

int feed_next(sqlite3_vtab_cursor* cur) {
    cursor_of(cur).advance();
    return SQLITE_OK;
}

int feed_eof(sqlite3_vtab_cursor* cur) { return cursor_of(cur).eof; }

int feed_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int column) {
    const FeedCursor& cursor = cursor_of(cur);
    if (column == kValue && !cursor.mark) sqlite3_result_int64(ctx, cursor.value);
    else if (column == kSeq) sqlite3_result_int64(ctx, cursor.seq);
    else if (column == kLive) sqlite3_result_int64(ctx, cursor.feed->seq);
    // the mark's value, and the feed argument, read as NULL
    return SQLITE_OK;
}

int feed_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
    *rowid = cursor_of(cur).rowid;
    return SQLITE_OK;
}

}  // namespace

const sqlite3_module kKeyFeedModule = read_only_module(feed_connect, feed_best_index, feed_disconnect, feed_open,
                                                       feed_close, feed_filter, feed_next, feed_eof, feed_column,
                                                       feed_rowid);

bool KeyedRows::ready() noexcept {
    if (!usable_) return false;
    if (rows_) return true;
    try {
        rows_ = pool_->take();
    } catch (...) {
        usable_ = false;
        return false;
    }
    int rc = sqlite3_bind_pointer(rows_.get(), 1, &feed_, kKeyFeedPointer, nullptr);
    if (rc != SQLITE_OK) {
        forget();
        usable_ = false;
    }
    return rc == SQLITE_OK;
}

bool KeyedRows::seek(sqlite3_int64 key) {
    in_key_ = false;
    bool fresh = !rows_;
    if (!ready()) return false;
    fresh = fresh || sqlite3_stmt_busy(rows_.get()) == 0;
    ++feed_.seq;
    feed_.key = key;
    feed_.posted = true;
    try {
        // Rows of an earlier key that its owner did not read to the end
        // come first: skipped by their tag.
        // One sqlite3_column_value per tag column: each sqlite3_column_*
        // call takes the connection's mutex.
        while (rows_.step()) {
            sqlite3_value* seq = sqlite3_column_value(rows_.get(), tag_ + 1);
            if (sqlite3_value_type(seq) == SQLITE_NULL) break;  // an authorizer's IGNORE
            fresh = false;
            if (sqlite3_value_int64(seq) != feed_.seq) continue;
            // The key's first row carries the key: anything else means an
            // authorizer hid a column of theater_keys (k.value, or k.live,
            // whose filter then drops the key's rows down to the mark).
            sqlite3_value* value = sqlite3_column_value(rows_.get(), tag_);
            if (sqlite3_value_type(value) != SQLITE_INTEGER || sqlite3_value_int64(value) != key) break;
            in_key_ = true;
            return true;
        }
    } catch (...) {
        forget();
        // A statement that cannot even start (prepared again under an
        // authorizer that denies theater_keys) is not used; an error once
        // it runs is the caller's.
        if (!fresh) throw;
    }
    forget();
    usable_ = false;
    return false;
}

bool KeyedRows::next() {
    if (!in_key_) return false;
    bool row = false;
    try {
        row = rows_.step();
    } catch (...) {
        forget();
        throw;
    }
    if (!row) {
        forget();
        return false;
    }
    if (sqlite3_value_type(sqlite3_column_value(rows_.get(), tag_)) == SQLITE_NULL) {
        in_key_ = false;
        return false;
    }
    return true;
}

namespace {

// The index named in a plan line "SEARCH <alias> USING [COVERING ]INDEX
// <name> (...)" (before 3.36.0: "SEARCH TABLE <alias> ..."); "" for the
// INTEGER PRIMARY KEY; false when the line reads the table otherwise.
bool index_of(const std::string& detail, const std::string& alias, std::string* index, bool* found) {
    // "SEARCH <alias> ..." (3.36.0 on); before: "SEARCH TABLE <table> AS
    // <alias> ...", or "SEARCH TABLE <alias> ..." where the alias is the name.
    std::string rest;
    bool mine = false;
    for (const char* verb : {"SEARCH ", "SCAN "}) {
        std::size_t n = std::strlen(verb);
        if (detail.compare(0, n, verb) != 0) continue;
        std::string after = detail.substr(n);
        if (after.compare(0, 6, "TABLE ") == 0) {
            after = after.substr(6);
            std::size_t space = after.find(' ');
            std::string name = after.substr(0, space);
            after = space == std::string::npos ? "" : after.substr(space + 1);
            if (after.compare(0, 3, "AS ") == 0) {
                after = after.substr(3);
                space = after.find(' ');
                name = after.substr(0, space);
                after = space == std::string::npos ? "" : after.substr(space + 1);
            }
            mine = name == alias;
            rest = after;
        } else {
            std::size_t space = after.find(' ');
            mine = after.substr(0, space) == alias;
            rest = space == std::string::npos ? "" : after.substr(space + 1);
        }
        break;
    }
    if (!mine) return true;  // not this table's line
    *found = true;
    if (rest.compare(0, 26, "USING INTEGER PRIMARY KEY ") == 0) {
        index->clear();
        return true;
    }
    for (const char* using_index : {"USING INDEX ", "USING COVERING INDEX "}) {
        std::size_t n = std::strlen(using_index);
        std::size_t open = rest.rfind(" (");
        if (rest.compare(0, n, using_index) == 0 && open != std::string::npos && open > n) {
            *index = rest.substr(n, open - n);
            return true;
        }
    }
    return false;
}

}  // namespace

bool plan_keeps_index_order(Connection& conn, const std::string& sql, const std::string& alias,
                            const std::vector<std::vector<std::string>>& accepted, const std::string& unique) noexcept {
    try {
        sqlite3* db = conn.db();
        {
            StatementLease reverse = conn.statement("PRAGMA reverse_unordered_selects");
            if (!reverse.step() || sqlite3_column_int(reverse.get(), 0) != 0) return false;
        }
        if (alias.empty()) return true;
        Stmt plan = prepare(db, "EXPLAIN QUERY PLAN " + sql);
        std::string index;
        bool found = false;
        while (step(db, plan.get())) {
            const unsigned char* text = sqlite3_column_text(plan.get(), 3);
            if (!text) continue;
            if (!index_of(reinterpret_cast<const char*>(text), alias, &index, &found)) return false;
        }
        if (!found) return false;
        if (index.empty()) return true;  // the INTEGER PRIMARY KEY: one row per key
        // The key columns, in order, as ORDER BY on them would read them.
        Stmt columns = prepare(db, "SELECT name, desc, coll FROM pragma_index_xinfo(?1, 'main') WHERE key ORDER BY seqno");
        bind_text(columns.get(), 1, index);
        std::vector<std::string> names;
        while (step(db, columns.get())) {
            const unsigned char* name = sqlite3_column_text(columns.get(), 0);
            const unsigned char* coll = sqlite3_column_text(columns.get(), 2);
            if (!name || sqlite3_column_int(columns.get(), 1) != 0 || !coll ||
                !same_name(reinterpret_cast<const char*>(coll), "BINARY")) {
                return false;
            }
            names.emplace_back(reinterpret_cast<const char*>(name));
        }
        for (const std::vector<std::string>& want : accepted) {
            // Exactly those columns (rowid order after them), or those
            // columns first where the last one is unique (`unique`): the
            // columns after it then order nothing.
            bool ends_unique = !want.empty() && !unique.empty() && same_name(want.back(), unique);
            if (want.size() > names.size() || (want.size() < names.size() && !ends_unique)) continue;
            bool same = true;
            for (std::size_t i = 0; i < want.size(); ++i) same = same && same_name(want[i], names[i]);
            if (same) return true;
        }
        return false;
    } catch (...) {
        return false;
    }
}

bool plan_sorts(Connection& conn, const std::string& sql) noexcept {
    try {
        sqlite3* db = conn.db();
        Stmt plan = prepare(db, "EXPLAIN QUERY PLAN " + sql);
        while (step(db, plan.get())) {
            const unsigned char* text = sqlite3_column_text(plan.get(), 3);
            if (text && std::strstr(reinterpret_cast<const char*>(text), "TEMP B-TREE")) return true;
        }
        return false;
    } catch (...) {
        return true;
    }
}

}  // namespace theater
