// theater_json(table, key, shape): a row and its related rows as one JSON
// document (model-layer.md, "Nested JSON"). The shape (model/json_shape.hpp)
// becomes one query of nested json_group_array subqueries over each
// relationship's own join (its spec's SQL), cached per connection and shape
// while the schema and the declarations it read stay the same.
#include "model/model.hpp"

#include "core/args.hpp"
#include "core/boundary.hpp"
#include "core/quote.hpp"
#include "core/schema_epoch.hpp"
#include "core/statement_pool.hpp"
#include "engine/relationship_module.hpp"
#include "model/declarations.hpp"
#include "model/json_shape.hpp"
#include "model/resolve.hpp"
#include "model/schema.hpp"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace theater {

namespace {

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// The columns one level of the document can name, and how its SQL reads them.
struct Level {
    std::string what;                  // for messages: "authors", "author_books"
    std::string table;                 // the table its rows are rows of
    std::vector<std::string> columns;  // names, in order
    std::vector<std::string> exprs;    // SQL for each, over the level's alias
    std::vector<std::string> order;    // the default ORDER BY, as SQL
    std::size_t shown = 0;             // the first `shown` columns are what * gives

    int find(const std::string& name) const {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (same_name(columns[i], name)) return static_cast<int>(i);
        }
        return -1;
    }
    const std::string& expr_of(const std::string& name) const {
        int i = find(name);
        if (i < 0) throw SqlError(what + " has no column " + name);
        return exprs[static_cast<std::size_t>(i)];
    }
};

class Compiler {
public:
    // `wrap`: nested documents go through json() (see embedded()).
    Compiler(Connection& conn, bool wrap) : conn_(conn), wrap_(wrap) {}

    // The query for `table` and `shape`: ?1 is the key (a JSON array of a
    // composite key's values), or, with `every`, every row as an array.
    std::string compile(const std::string& table_name, const std::string& text, bool every) {
        JsonShape shape = parse_json_shape(text);
        std::optional<SchemaTable> table = read_relation(conn_.db(), table_name);
        if (!table) throw SqlError("no table or view named " + json_string(table_name) + " in the main database");
        Level top;
        top.what = table->name;
        top.table = table->name;
        const std::string alias = quote_identifier("theater l0");
        for (const SchemaColumn& c : table->columns) {
            top.columns.push_back(c.name);
            top.exprs.push_back(alias + "." + quote_identifier(c.name));
        }
        top.shown = top.columns.size();
        std::vector<std::string> key = table->view ? std::vector<std::string>() : table->primary_key();
        if (key.empty() && !table->view && !table->rowid_name().empty()) {
            key.push_back(table->rowid_name());
            top.columns.push_back(table->rowid_name());
            top.exprs.push_back(alias + "." + quote_identifier(table->rowid_name()));
        }
        for (const std::string& k : key) top.order.push_back(top.expr_of(k));
        std::string object = object_of(shape, top, 1);
        if (!every) {
            if (key.empty()) throw SqlError(table->name + " is a view, which has no key: pass NULL for every row");
            std::string where;
            for (std::size_t i = 0; i < key.size(); ++i) {
                where += (i ? " AND " : "") + top.expr_of(key[i]) + " = " +
                         (key.size() == 1 ? std::string("?1") : "json_extract(?1, '$[" + std::to_string(i) + "]')");
            }
            // A composite key is an array of exactly its values.
            if (key.size() > 1) where += " AND json_array_length(?1) = " + std::to_string(key.size());
            if (!shape.order.empty() || shape.limit >= 0 || shape.offset) {
                throw SqlError("shape: order, limit and offset at the top level apply to every row (key NULL)");
            }
            return "SELECT " + object + " FROM main." + quote_identifier(table->name) + " AS " + alias + " WHERE " + where;
        }
        // Every row: the table's rows, ordered, under the same alias.
        std::string select;
        for (std::size_t i = 0; i < top.columns.size(); ++i) {
            select += (i ? ", " : "") + quote_identifier(top.columns[i]);
        }
        std::string inner = "SELECT " + select + " FROM main." + quote_identifier(table->name) + " AS " + alias +
                            order_and_limit(shape, top, "");
        return "SELECT coalesce(json_group_array(" + object + "), json_array()) FROM (" + inner + ") AS " + alias;
    }

private:
    // ORDER BY (the shape's, else the level's own) and LIMIT/OFFSET.
    static std::string order_and_limit(const JsonShape& shape, const Level& level, const std::string&) {
        std::string sql;
        std::vector<std::string> terms;
        for (const JsonShape::OrderTerm& t : shape.order) {
            // Over the level's own columns, by name (never SQL of the shape's).
            int i = level.find(t.column);
            if (i < 0) throw SqlError(level.what + " has no column " + t.column + " to order by");
            terms.push_back(level.exprs[static_cast<std::size_t>(i)] + (t.desc ? " DESC" : ""));
        }
        if (terms.empty()) terms = level.order;
        if (!terms.empty()) sql += " ORDER BY " + joined(terms);
        if (shape.limit >= 0 || shape.offset > 0) {
            sql += " LIMIT " + std::to_string(shape.limit >= 0 ? shape.limit : -1);
            if (shape.offset > 0) sql += " OFFSET " + std::to_string(shape.offset);
        }
        return sql;
    }

    // json_object(...) of one row of `level`, whose columns its exprs read.
    std::string object_of(const JsonShape& shape, const Level& level, int depth) {
        std::string pairs;
        std::vector<std::string> keys;
        auto add = [&](const std::string& key, const std::string& value) {
            for (const std::string& k : keys) {
                if (k == key) throw SqlError("shape: the key " + json_string(key) + " twice in " + level.what);
            }
            keys.push_back(key);
            pairs += (pairs.empty() ? "" : ", ") + sql_literal(key) + ", " + value;
        };
        for (const JsonShape::Item& item : shape.items) {
            if (item.star) {
                for (std::size_t i = 0; i < level.columns.size(); ++i) {
                    if (i < level.shown) add(level.columns[i], level.exprs[i]);
                }
            } else if (!item.embed) {
                add(item.key, level.expr_of(item.name));
            } else {
                add(item.key, embedded(item, level, depth));
            }
        }
        return "json_object(" + pairs + ")";
    }

    // The value of an embedded relationship for one row of `parent`.
    std::string embedded(const JsonShape::Item& item, const Level& parent, int depth) {
        const RelationshipSpec& spec = relationship(item.name, parent.table);
        const JsonShape& shape = item.nested[0];
        const std::string alias = quote_identifier("theater l" + std::to_string(depth));
        Level level;
        level.what = spec.name;
        level.table = spec.about.to_table;
        std::vector<std::string> inner_exprs;
        for (std::size_t i = 0; i < spec.columns.size(); ++i) {
            level.columns.push_back(spec.columns[i].name);
            inner_exprs.push_back(spec.recursive ? quote_identifier(spec.columns[i].name) : spec.columns[i].expr);
        }
        if (spec.recursive) {
            level.columns.push_back(kDepthColumn);
            inner_exprs.push_back(quote_identifier(kDepthColumn));
        }
        level.shown = level.columns.size();
        for (std::size_t i = 0; i < level.columns.size(); ++i) {
            level.exprs.push_back(alias + "." + quote_identifier("c" + std::to_string(i)));
        }
        std::string select;
        for (std::size_t i = 0; i < inner_exprs.size(); ++i) {
            select += (i ? ", " : "") + inner_exprs[i] + " AS " + quote_identifier("c" + std::to_string(i));
        }
        // Where the parent row has the columns the join reads, the join
        // without the source table: the parent is that row already.
        bool direct = !spec.recursive && !spec.embed_from.empty();
        for (const std::string& c : spec.embed_source) direct = direct && parent.find(c) >= 0;
        // Else the source's key, read from the parent's row.
        std::vector<std::string> from_parent;
        if (!direct) {
            for (const std::string& k : spec.about.source_key) {
                if (parent.find(k) < 0) {
                    throw SqlError("cannot embed " + spec.name + " in " + parent.what + ": its key " + k +
                                   " is not among " + parent.what + "'s columns");
                }
                from_parent.push_back(parent.expr_of(k));
            }
        }
        std::string from;
        if (spec.recursive) {
            from = " FROM " + quote_identifier(spec.name) + "(" + joined(from_parent) + ")";
        } else if (direct) {
            from = " FROM " + spec.embed_from + " WHERE ";
            for (std::size_t i = 0; i < spec.embed_keys.size(); ++i) {
                from += (i ? " AND " : "") + spec.embed_keys[i] + " = " + parent.expr_of(spec.embed_source[i]);
            }
            if (!spec.order.empty()) level.order.push_back(spec.order);
        } else {
            from = " FROM " + spec.from + " WHERE ";
            for (std::size_t i = 0; i < spec.keys.size(); ++i) from += (i ? " AND " : "") + spec.keys[i] + " = " + from_parent[i];
            if (!spec.order.empty()) level.order.push_back(spec.order);
        }
        // Order terms by name read the level's inner columns.
        Level inner = level;
        inner.exprs = inner_exprs;
        std::string rows = "SELECT " + select + from + order_and_limit(shape, inner, "");
        std::string object = object_of(shape, level, depth + 1);
        bool to_one = spec.unique || spec.about.kind == "many-to-one" || spec.about.kind == "one-to-one";
        // A subquery's JSON reaches the enclosing json_object as JSON by its
        // subtype on SQLite 3.40.1; 3.54.1 passes it on as text, so there
        // it goes through json(), which parses it again (wrap_).
        const std::string open = wrap_ ? "json((" : "(";
        const std::string close = wrap_ ? "))" : ")";
        if (to_one) return open + "SELECT " + object + " FROM (" + rows + ") AS " + alias + " LIMIT 1" + close;
        return open + "SELECT coalesce(json_group_array(" + object + "), json_array()) FROM (" + rows + ") AS " +
               alias + close;
    }

    // The relationship `name` from `table`: one named so, or the one
    // relationship from `table` to a table named so.
    const RelationshipSpec& relationship(const std::string& name, const std::string& table) {
        std::vector<std::string> from_here;
        for (const RelationshipSpec* spec : conn_.state<FixedRelationships>().specs) {
            if (!same_name(spec->about.from_table, table)) continue;
            from_here.push_back(spec->name);
            if (same_name(spec->name, name)) return keep(*spec);
        }
        std::vector<Declaration> declared = read_declarations(conn_);
        for (const Declaration& d : declared) {
            if (same_name(d.name, name)) {
                if (!same_name(d.from_table, table)) {
                    throw SqlError(d.name + " is a relationship from " + d.from_table + ", not from " + table);
                }
                return keep(resolve(conn_.db(), d).spec);
            }
            if (same_name(d.from_table, table)) from_here.push_back(d.name);
        }
        // By the target table's name.
        std::vector<const Declaration*> leading;
        for (const Declaration& d : declared) {
            std::string to = d.to_table.substr(0, d.to_table.find('.'));
            if (same_name(d.from_table, table) && same_name(to, name)) leading.push_back(&d);
        }
        std::vector<const RelationshipSpec*> fixed_leading;
        for (const RelationshipSpec* spec : conn_.state<FixedRelationships>().specs) {
            if (same_name(spec->about.from_table, table) && same_name(spec->about.to_table, name)) fixed_leading.push_back(spec);
        }
        if (leading.size() + fixed_leading.size() == 1) {
            if (!fixed_leading.empty()) return keep(*fixed_leading[0]);
            return keep(resolve(conn_.db(), *leading[0]).spec);
        }
        if (leading.size() + fixed_leading.size() > 1) {
            std::vector<std::string> names;
            for (const Declaration* d : leading) names.push_back(d->name);
            for (const RelationshipSpec* s : fixed_leading) names.push_back(s->name);
            throw SqlError("several relationships lead from " + table + " to " + name + " (" + joined(names) +
                           "): name one");
        }
        throw SqlError("no relationship named " + name + " from " + table + " (from " + table + ": " +
                       (from_here.empty() ? std::string("none declared") : joined(from_here)) + ")");
    }

    const RelationshipSpec& keep(const RelationshipSpec& spec) {
        if (spec.broken) throw SqlError(spec.name + " no longer resolves");
        specs_.push_back(std::make_unique<RelationshipSpec>(spec));
        return *specs_.back();
    }

    Connection& conn_;
    bool wrap_;
    std::vector<std::unique_ptr<RelationshipSpec>> specs_;
};

// The connection's compiled shapes (Connection::state).
struct JsonShapes {
    struct Entry {
        std::string sql;
        SchemaEpoch epoch;
        std::string declarations;  // every stored declaration's signature, when compiled
        // The declarations were read when nothing had written since: no
        // write on this connection (total_changes) nor another (the data
        // version of main) leaves them as they were.
        int changes = -1;
        unsigned int data_version = 0;
    };
    std::map<std::string, Entry> entries;
    // Whether a subquery's JSON loses its subtype on this SQLite: asked once.
    int wrap = -1;
};

bool needs_wrap(Connection& conn, JsonShapes& cache) {
    if (cache.wrap < 0) {
        StatementLease probe = conn.statement("SELECT json_object('a', (SELECT json_array())) = '{\"a\":[]}'");
        cache.wrap = probe.step() && sqlite3_column_int(probe.get(), 0) == 1 ? 0 : 1;
    }
    return cache.wrap == 1;
}

constexpr std::size_t kShapesKept = 64;

const std::string& query_for(Connection& conn, const std::string& table, const std::string& shape, bool every) {
    JsonShapes& cache = conn.state<JsonShapes>();
    // Lengths first: no table and shape pair spells another's key.
    std::string id = std::to_string(table.size()) + ":" + table + (every ? "*" : "1") + shape;
    SchemaEpoch now = schema_epoch(conn);
    sqlite3* db = conn.db();
    int changes = sqlite3_total_changes(db);
    unsigned int data_version = main_data_version(db);
    bool writing = sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE;
    auto found = cache.entries.find(id);
    if (found != cache.entries.end() && found->second.epoch == now && !writing &&
        found->second.changes == changes && found->second.data_version == data_version) {
        return found->second.sql;
    }
    // Every declaration counts, not only those the shape used: one declared
    // since may make a name the shape resolved by its target ambiguous.
    std::string declarations;
    for (const Declaration& d : read_declarations(conn)) {
        std::string signature = signature_of(d);
        declarations += std::to_string(signature.size()) + ":" + signature;
    }
    if (found != cache.entries.end() && found->second.epoch == now) {
        if (found->second.declarations == declarations) {
            found->second.changes = writing ? -1 : changes;
            found->second.data_version = data_version;
            return found->second.sql;
        }
    }
    Compiler compiler(conn, needs_wrap(conn, cache));
    std::string sql = compiler.compile(table, shape, every);
    // The compiled queries of forgotten shapes go too: shapes from web
    // requests are many, and each query would stay prepared.
    if (cache.entries.size() >= kShapesKept && found == cache.entries.end()) {
        for (const auto& e : cache.entries) conn.discard_pool(e.second.sql);
        cache.entries.clear();
    } else if (found != cache.entries.end() && found->second.sql != sql) {
        conn.discard_pool(found->second.sql);
    }
    JsonShapes::Entry& entry = cache.entries[id];
    entry = JsonShapes::Entry{std::move(sql), now, std::move(declarations), writing ? -1 : changes, data_version};
    return entry.sql;
}

// What one statement's calls with the same shape (a constant argument,
// which keeps its auxiliary data: sqlite3_get_auxdata) reuse: the compiled
// query, leased, while nothing has written since it was checked.
struct StatementCache {
    std::string table;
    bool every = false;
    int changes = -1;
    unsigned int data_version = 0;
    StatementLease query;
};

void destroy_cache(void* p) { delete static_cast<StatementCache*>(p); }

bool same_text(sqlite3_value* v, const std::string& text) {
    const unsigned char* t = sqlite3_value_text(v);
    return t && static_cast<std::size_t>(sqlite3_value_bytes(v)) == text.size() &&
           text.compare(0, text.size(), reinterpret_cast<const char*>(t), text.size()) == 0;
}

}  // namespace

void theater_json_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    function_boundary(ctx, "theater_json", [&] {
        Connection& conn = Connection::of(ctx);
        sqlite3* db = conn.db();
        bool every = sqlite3_value_type(argv[1]) == SQLITE_NULL;
        int changes = sqlite3_total_changes(db);
        unsigned int data_version = main_data_version(db);
        bool writing = sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE;
        auto* cached = static_cast<StatementCache*>(sqlite3_get_auxdata(ctx, 2));
        bool reuse = cached && !writing && cached->every == every && cached->changes == changes &&
                     cached->data_version == data_version && sqlite3_value_type(argv[0]) == SQLITE_TEXT &&
                     same_text(argv[0], cached->table);
        StatementLease fresh;
        if (!reuse) {
            std::string table = text_argument(argv[0], "table");
            std::string shape = text_argument(argv[2], "shape");
            const std::string sql = query_for(conn, table, shape, every);
            try {
                fresh = conn.pool(sql).take();
            } catch (const SqlError& e) {
                if ((e.code() & 0xff) != SQLITE_ERROR) throw;
                throw SqlError(std::string("the shape's query does not compile: ") + e.what());
            }
            if (!writing) {
                auto keep = std::make_unique<StatementCache>();
                keep->table = table;
                keep->every = every;
                keep->changes = changes;
                keep->data_version = data_version;
                keep->query = std::move(fresh);
                cached = keep.release();
                // SQLite owns it from here (and may destroy it at once).
                sqlite3_set_auxdata(ctx, 2, cached, destroy_cache);
                cached = static_cast<StatementCache*>(sqlite3_get_auxdata(ctx, 2));
                if (!cached) throw SqlError("out of memory", SQLITE_NOMEM);
            }
        }
        const StatementLease& query = cached && (reuse || !writing) ? cached->query : fresh;
        sqlite3_reset(query.get());
        if (!every) {
            int rc = sqlite3_bind_value(query.get(), 1, argv[1]);
            if (rc != SQLITE_OK) throw SqlError(sqlite3_errstr(rc), rc);
        }
        if (!query.step()) return;  // no such row: NULL
        sqlite3_value* v = sqlite3_column_value(query.get(), 0);
        if (sqlite3_value_type(v) == SQLITE_NULL) return;
        sqlite3_result_text(ctx, reinterpret_cast<const char*>(sqlite3_column_text(query.get(), 0)),
                            sqlite3_column_bytes(query.get(), 0), SQLITE_TRANSIENT);
    });
}

}  // namespace theater
