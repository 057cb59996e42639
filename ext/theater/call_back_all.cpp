// call_back_all(audition_ids): call_back for a whole batch, the ids as a JSON
// array (`SELECT call_back_all(json_group_array(id)) FROM ids`), all or
// nothing, in a few UPDATEs rather than one per id (issue 17).
//
// Why a scalar over an array and not an aggregate (call_back_all(id) over the
// rows): SQLite calls an aggregate's xFinal also when the statement stops
// part-way (an error in a later row, an interrupt, a progress handler), from
// the cleanup of the statement, where nothing tells it from a real end; an
// aggregate that writes in xFinal would then hire the ids read so far. A
// scalar runs only once its argument is complete, and json_group_array, which
// collects the ids, has no side effects to run at a cleanup.
#include "theater/domain.hpp"

#include "core/args.hpp"
#include "core/statement_pool.hpp"
#include "core/write_transaction.hpp"
#include "theater/domain_boundary.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace theater {

namespace {

constexpr const char* kFunction = "call_back_all";

// Ids are written through `UPDATE ... WHERE id IN (?, ?, ...)`: a list of
// parameters (not a subquery) lets SQLite update in one pass, in id order,
// from the list it sorts into an index of its own. The list has kWidest
// parameters for the bulk of a batch (wider lists measured slower: a deeper
// index) and the smallest power of 4 that holds what is left (NULL in the unused
// ones), so a connection keeps at most six such statements and a short batch
// binds at most four times its ids.
//
// OR FAIL: the call's transaction or savepoint undoes everything on any
// failure, so the UPDATE needs no statement journal of its own, which would
// make every page it writes answer to one more savepoint. A trigger's
// statement inherits FAIL, which still fails the call. Out of memory or a
// full disk then ends the whole transaction (SQLite's rule for a statement
// without a journal), as an interrupt always does.
constexpr int kWidest = 1024;

std::string update_sql(int width) {
    std::string sql = "UPDATE OR FAIL main.auditions SET hired = 1 WHERE id IN (?";
    sql.reserve(sql.size() + 2 * static_cast<std::size_t>(width));
    for (int i = 1; i < width; ++i) sql += ",?";
    sql += ")";
    return sql;
}

// The widths this connection may use: the host may lower the number of
// parameters a statement takes (SQLITE_LIMIT_VARIABLE_NUMBER).
int widest(sqlite3* db) {
    int limit = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    int width = kWidest;
    while (width > 1 && width > limit) width /= 4;
    return width;
}

int width_for(std::size_t ids, int most) {
    int width = 1;
    while (static_cast<std::size_t>(width) < ids && width < most) width *= 4;
    return std::min(width, most);
}

bool json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The text ends with SQLite's NUL terminator and holds no other NUL, so the
// loops below stop at its end without comparing with it.
const char* skip_space(const char* p) {
    while (json_space(*p)) ++p;
    return p;
}

// The fast reading: a JSON array of integers of at most 18 digits and nulls,
// which is what json_group_array makes of an INTEGER column. Anything else
// (a fraction, an exponent, a string, more digits, malformed text) returns
// false, and SQLite's own JSON reading decides (read_with_sqlite).
bool read_plain_array(const char* p, const char* end, std::vector<sqlite3_int64>& ids) {
    p = skip_space(p);
    if (*p != '[') return false;
    p = skip_space(p + 1);
    if (*p == ']') return skip_space(p + 1) == end;
    for (;;) {
        if (*p == 'n') {
            if (std::strncmp(p, "null", 4) != 0) return false;
            p += 4;
        } else {
            bool negative = *p == '-';
            if (negative) ++p;
            const char* digits = p;
            std::uint64_t value = 0;
            for (unsigned d; (d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0')) < 10; ++p) {
                value = value * 10 + d;
            }
            std::ptrdiff_t count = p - digits;
            // No digits, a leading zero (not JSON), or a number that may not
            // fit: SQLite's reading says what it is.
            if (count == 0 || count > 18 || (*digits == '0' && count > 1)) return false;
            if (*p == '.' || *p == 'e' || *p == 'E') return false;
            auto id = static_cast<sqlite3_int64>(value);
            ids.push_back(negative ? -id : id);
        }
        p = skip_space(p);
        if (*p == ',') {
            p = skip_space(p + 1);
            continue;
        }
        return *p == ']' && skip_space(p + 1) == end;
    }
}

// How many commas the text holds (at least the elements less one), eight
// bytes at a time: a byte of x that is a comma is zero after the XOR, and
// only zero bytes keep their top bit in `zero`.
std::size_t commas(const char* p, const char* end) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kLow7 = kOnes * 0x7f;
    std::size_t n = 0;
    for (; end - p >= 8; p += 8) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        x ^= kOnes * static_cast<unsigned char>(',');
        std::uint64_t zero = ~(((x & kLow7) + kLow7) | x | kLow7);
        n += static_cast<std::size_t>(((zero >> 7) * kOnes) >> 56);
    }
    for (; p < end; ++p) n += *p == ',';
    return n;
}

// Every other array, read by SQLite's JSON functions: each element is the
// value json_each gives it, under the *_id rule (sql-api.md section 4); null
// is skipped.
void read_with_sqlite(Connection& conn, sqlite3_value* array, std::vector<sqlite3_int64>& ids) {
    {
        StatementLease type = conn.statement("SELECT json_type(?1)");
        if (int rc = sqlite3_bind_value(type.get(), 1, array); rc != SQLITE_OK) throw_error(conn.db(), rc);
        bool is_array = false;
        try {
            is_array = type.step() && column_bytes(type.get(), 0) == "array";
        } catch (const SqlError& e) {
            // "malformed JSON"; an interrupt or out of memory stays what it is.
            if ((e.code() & 0xff) != SQLITE_ERROR) throw;
        }
        if (!is_array) throw SqlError("audition_ids must be a JSON array");
    }
    StatementLease elements = conn.statement("SELECT type, value FROM json_each(?1)");
    if (int rc = sqlite3_bind_value(elements.get(), 1, array); rc != SQLITE_OK) throw_error(conn.db(), rc);
    while (elements.step()) {
        std::string kind = column_bytes(elements.get(), 0);
        if (kind == "null") continue;
        if (kind != "integer" && kind != "real" && kind != "text") throw SqlError("audition_id must be an integer");
        // A copy of our own: the rule applies NUMERIC affinity to text in place.
        Value element = duplicate(sqlite3_column_value(elements.get(), 1));
        if (std::optional<sqlite3_int64> id = integer_argument(element.get(), "audition_id")) ids.push_back(*id);
    }
}

// The batch's ids, ascending, each once.
std::vector<sqlite3_int64> read_ids(Connection& conn, sqlite3_value* array) {
    if (sqlite3_value_type(array) != SQLITE_TEXT) throw SqlError("audition_ids must be a JSON array");
    const char* text = reinterpret_cast<const char*>(sqlite3_value_text(array));
    if (!text) throw SqlError("out of memory", SQLITE_NOMEM);
    const char* end = text + sqlite3_value_bytes(array);
    // SQLite's JSON functions stop at a NUL: text after one would be ignored.
    if (std::memchr(text, '\0', static_cast<std::size_t>(end - text))) {
        throw SqlError("audition_ids must be a JSON array");
    }
    std::vector<sqlite3_int64> ids;
    // One id per comma and one more, so that the ids cost 8 bytes each and
    // no growth doubles them.
    ids.reserve(commas(text, end) + 1);
    if (!read_plain_array(text, end, ids)) {
        ids.clear();
        read_with_sqlite(conn, array, ids);
    }
    if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

// After an UPDATE that changed fewer rows than it had ids: the lowest id
// that names no audition, or, when every one does (a trigger skipped rows
// with RAISE(IGNORE)), a message that says so.
[[noreturn]] void report_missing(Connection& conn, const sqlite3_int64* ids, std::size_t count) {
    StatementLease exists = conn.statement("SELECT 1 FROM main.auditions WHERE id = ?1");
    for (std::size_t i = 0; i < count; ++i) {
        sqlite3_reset(exists.get());
        sqlite3_bind_int64(exists.get(), 1, ids[i]);
        if (!exists.step()) throw SqlError("no audition with id " + std::to_string(ids[i]));
    }
    throw SqlError("a trigger on auditions skipped some of these hires (RAISE(IGNORE)); nothing was hired");
}

}  // namespace

void call_back_all_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    domain_function(ctx, kFunction, [&] {
        if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        std::vector<sqlite3_int64> ids = read_ids(conn, argv[0]);
        const int most = widest(db);
        // Taken before anything is written, also for an empty batch: a
        // database that was never migrated says so.
        StatementLease bulk = conn.statement(update_sql(width_for(ids.size(), most)));
        if (!ids.empty()) {
            // Every chunk in one transaction (a savepoint inside the
            // caller's), so that a missing id, an error of a trigger, an
            // interrupt or an allocation failure in any chunk undoes them all.
            write_transaction(db, kFunction, [&](GuardedWrite& write) {
                std::size_t done = 0;
                while (done < ids.size()) {
                    std::size_t count = std::min(ids.size() - done, static_cast<std::size_t>(most));
                    int width = width_for(count, most);
                    StatementLease narrower;
                    if (width != sqlite3_bind_parameter_count(bulk.get())) narrower = conn.statement(update_sql(width));
                    sqlite3_stmt* update = narrower ? narrower.get() : bulk.get();
                    sqlite3_reset(update);
                    for (int i = 0; i < width; ++i) {
                        if (static_cast<std::size_t>(i) < count) {
                            sqlite3_bind_int64(update, i + 1, ids[done + static_cast<std::size_t>(i)]);
                        } else {
                            sqlite3_bind_null(update, i + 1);
                        }
                    }
                    write.run(update);
                    // Each id is distinct, so each names one row: a row
                    // fewer is an id that names none.
                    if (static_cast<std::size_t>(sqlite3_changes(db)) != count) {
                        report_missing(conn, ids.data() + done, count);
                    }
                    done += count;
                }
                return 0;
            });
        }
        sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(ids.size()));
    });
}

}  // namespace theater
