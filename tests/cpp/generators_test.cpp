// Unit tests of the extension's pure generators: what they return, as exact
// strings (as sqlite_orm's statement serializer is tested), for
//   engine/    the SQL of a relationship (seek, scan, table declaration) for
//              every kind of join path, and the theater's own four;
//   model/     the triggers of theater_enforce_foreign_keys, and the Mermaid
//              and DOT text of theater_diagram;
//   core/      quoting.
// The strings were checked against the rules in the generators' comments and
// against the running extension (theater_relate, theater_enforce_foreign_keys
// and theater_diagram over the same schemas); the one difference is that
// sqlite_master keeps a trigger's CREATE without its "main." qualifier.
//
// Exact strings only prove that the text did not change. Where SQL must run,
// the system SQLite is the oracle we did not write: the SQL is prepared over
// the schema the generator assumed, and the triggers are created and made to
// act (with PRAGMA foreign_keys OFF, so that only they enforce anything).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// ---- The oracle: the system SQLite ------------------------------------------
//
// Written before the extension's headers on purpose: they include
// sqlite3ext.h, which turns every sqlite3_* name after it into a call through
// the extension's routine table (sqlite3_api, null in this executable). The
// calls below were compiled before that, so they reach libsqlite3 itself;
// nothing after the extension's headers calls sqlite3_* directly.
namespace oracle {

// An in-memory database.
class Database {
public:
    Database() { sqlite3_open(":memory:", &db_); }
    ~Database() { sqlite3_close(db_); }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // "" when every statement of `sql` ran, else SQLite's message.
    std::string exec(const std::string& sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return "";
        std::string message = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        return message;
    }

    // "" when `sql` is exactly one statement that prepares, else why not.
    // `columns` gets its number of result columns.
    std::string prepare(const std::string& sql, int* columns = nullptr) {
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        std::string why;
        if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, &tail) != SQLITE_OK) {
            why = sqlite3_errmsg(db_);
        } else if (!stmt) {
            why = "no statement";
        } else if (tail != sql.c_str() + sql.size()) {
            why = "text after the statement: " + std::string(tail);
        } else if (columns) {
            *columns = sqlite3_column_count(stmt);
        }
        sqlite3_finalize(stmt);
        return why;
    }

    // The rows of a query, one string each: the columns as text joined by
    // '|', NULL as NULL; an error as the last row, "error: <message>".
    std::vector<std::string> rows(const std::string& sql) {
        std::vector<std::string> out;
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            return {"error: " + std::string(sqlite3_errmsg(db_))};
        }
        int rc = SQLITE_OK;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            std::string row;
            for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                const unsigned char* text = sqlite3_column_text(stmt, i);
                if (i) row += "|";
                row += text ? reinterpret_cast<const char*>(text) : "NULL";
            }
            out.push_back(row);
        }
        if (rc != SQLITE_DONE) out.push_back("error: " + std::string(sqlite3_errmsg(db_)));
        sqlite3_finalize(stmt);
        return out;
    }

    // A function of any number of arguments named theater_memo_put that
    // returns 1, so that a memo pass's SQL prepares here as on a loaded
    // connection.
    void register_memo_put() {
        sqlite3_create_function(
            db_, "theater_memo_put", -1, SQLITE_UTF8, nullptr,
            [](sqlite3_context* ctx, int, sqlite3_value**) { sqlite3_result_int(ctx, 1); }, nullptr, nullptr);
    }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace oracle

#include "core/memo_pass.hpp"
#include "core/quote.hpp"
#include "engine/join_path.hpp"
#include "engine/relationship_spec.hpp"
#include "migrations/migration.hpp"
#include "migrations/theater_tables.hpp"
#include "model/diagram_text.hpp"
#include "model/fk_triggers.hpp"
#include "model/plain_view.hpp"
#include "model/schema.hpp"
#include "theater/casting_sheet_stored.hpp"
#include "theater/domain.hpp"

namespace theater {
namespace {

using Rows = std::vector<std::string>;

// Names each instance of a parameterized test after its case. (GoogleTest's
// macro already has a parameter named info, which a lambda's would shadow.)
struct CaseName {
    template <class Case>
    std::string operator()(const ::testing::TestParamInfo<Case>& param_info) const {
        return param_info.param.name;
    }
};

// ============================================================================
// engine/: the SQL of a relationship
// ============================================================================

// The schema of the join paths below: each is the path theater_relate finds
// in it (but for fk_names_a_row, which no declaration can claim).
constexpr const char* kLibrarySchema = R"sql(
CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT, code INTEGER UNIQUE);
CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id));
CREATE INDEX books_author_id ON books(author_id);
CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, author_id TEXT REFERENCES authors(id));
CREATE TABLE profiles(id INTEGER PRIMARY KEY, author_id INTEGER UNIQUE REFERENCES authors(id));
CREATE TABLE editions(id INTEGER PRIMARY KEY, author_code INTEGER REFERENCES authors(code));
CREATE TABLE tags(id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE book_tags(book_id INTEGER REFERENCES books(id), tag_id INTEGER REFERENCES tags(id));
CREATE INDEX book_tags_book ON book_tags(book_id, tag_id);
CREATE TABLE "my ""odd"" table"(id INTEGER PRIMARY KEY, "the name" TEXT);
CREATE TABLE "odd kids"("kid id" INTEGER PRIMARY KEY, "odd""ref" INTEGER REFERENCES "my ""odd"" table"(id),
                        age INTEGER);
)sql";

// A one-to-many path from authors.id to `to_table` by its foreign key `fk`.
JoinPath from_authors(const std::string& to_table, const std::string& fk,
                      std::vector<std::pair<std::string, std::string>> columns) {
    JoinPath p;
    p.kind = JoinPath::kOneToMany;
    p.from_table = "authors";
    p.from_key = "id";
    p.to_table = to_table;
    p.to_rowid = "id";
    p.to_columns = std::move(columns);
    p.fk = fk;
    p.ref = "id";
    p.argument = fk;
    return p;
}

// A many-to-many path through book_tags, from books (from_books) or from
// tags, with its seek shortcut (book_tags' keys are INTEGER).
JoinPath through_book_tags(bool from_books) {
    JoinPath p;
    p.kind = JoinPath::kManyToMany;
    p.from_table = from_books ? "books" : "tags";
    p.from_key = "id";
    p.to_table = from_books ? "tags" : "books";
    p.to_rowid = "id";
    if (from_books) p.to_columns = {{"id", "INTEGER"}, {"label", "TEXT"}};
    else p.to_columns = {{"id", "INTEGER"}, {"title", "TEXT"}, {"author_id", "INTEGER"}};
    p.through_table = "book_tags";
    p.through_rowid = "rowid";
    p.fk = from_books ? "book_id" : "tag_id";
    p.ref = "id";
    p.to_fk = from_books ? "tag_id" : "book_id";
    p.to_ref = "id";
    p.fk_numeric = true;
    p.argument = p.fk;
    return p;
}

// A book's author: many-to-one from books.id (the key and the rowid) to
// authors by books.author_id.
JoinPath books_author() {
    JoinPath p;
    p.kind = JoinPath::kManyToOne;
    p.from_table = "books";
    p.from_key = "id";
    p.to_table = "authors";
    p.to_columns = {{"id", "INTEGER"}, {"name", "TEXT"}, {"code", "INTEGER"}};
    p.fk = "author_id";
    p.ref = "id";
    p.argument = "books_id";
    p.unique = true;
    return p;
}

struct PathCase {
    std::string name;  // of the case, and of the table-valued function
    JoinPath path;
    std::string kind;
    std::string seek;
    std::string scan;
    std::string parent;  // RelationshipSpec::parent, the seek shortcut's "does the key name a row"
    std::string declaration;
    int order_column;
    double rows_per_key;
    bool unique;
};

std::vector<PathCase> path_cases() {
    std::vector<PathCase> cases;

    // notes.author_id is TEXT: '1' joins author 1, so every query reads the
    // key from authors.
    JoinPath plain = from_authors("notes", "author_id", {{"id", "INTEGER"}, {"body", "TEXT"}});
    cases.push_back(
        {"one_to_many_plain", plain, "one-to-many",
         R"sql(SELECT t."id", t."body", s."id", NULL FROM main."authors" AS s JOIN main."notes" AS t ON t."author_id" = s."id" WHERE s."id" >= ?1 ORDER BY s."id", t."id")sql",
         R"sql(SELECT t."id", t."body", s."id", NULL FROM main."authors" AS s JOIN main."notes" AS t ON t."author_id" = s."id" WHERE s."id" IS NOT NULL ORDER BY s."id", t."id")sql",
         "", R"sql(CREATE TABLE x("id" INTEGER, "body" TEXT, "author_id" INTEGER HIDDEN))sql", 0, 10, false});

    // books.author_id is INTEGER: the seek ranges over it alone and asks
    // authors once per key whether the key names a row; the scan joins.
    JoinPath numeric = from_authors("books", "author_id", {{"id", "INTEGER"}, {"title", "TEXT"}});
    numeric.fk_numeric = true;
    cases.push_back(
        {"one_to_many_numeric_fk", numeric, "one-to-many",
         R"sql(SELECT t."id", t."title", t."author_id", NULL FROM main."books" AS t WHERE t."author_id" >= ?1 ORDER BY t."author_id", t."id")sql",
         R"sql(SELECT t."id", t."title", s."id", NULL FROM main."authors" AS s JOIN main."books" AS t ON t."author_id" = s."id" WHERE s."id" IS NOT NULL ORDER BY s."id", t."id")sql",
         R"sql(SELECT s."id" FROM main."authors" AS s WHERE s."id" >= ?1 ORDER BY s."id")sql",
         R"sql(CREATE TABLE x("id" INTEGER, "title" TEXT, "author_id" INTEGER HIDDEN))sql", 0, 10, false});

    // Every foreign key known to name a row (the theater's auditions): both
    // queries read the foreign key alone, and need no parent query.
    JoinPath trusted = from_authors("books", "author_id", {{"id", "INTEGER"}, {"title", "TEXT"}});
    trusted.fk_names_a_row = true;
    trusted.fk_numeric = true;  // irrelevant once trusted
    cases.push_back(
        {"one_to_many_fk_names_a_row", trusted, "one-to-many",
         R"sql(SELECT t."id", t."title", t."author_id", NULL FROM main."books" AS t WHERE t."author_id" >= ?1 ORDER BY t."author_id", t."id")sql",
         R"sql(SELECT t."id", t."title", t."author_id", NULL FROM main."books" AS t WHERE t."author_id" IS NOT NULL ORDER BY t."author_id", t."id")sql",
         "", R"sql(CREATE TABLE x("id" INTEGER, "title" TEXT, "author_id" INTEGER HIDDEN))sql", 0, 10, false});

    // A unique foreign key: one-to-one, one row per key.
    JoinPath one = from_authors("profiles", "author_id", {{"id", "INTEGER"}});
    one.fk_numeric = true;
    one.unique = true;
    cases.push_back(
        {"one_to_one", one, "one-to-one",
         R"sql(SELECT t."id", t."author_id", NULL FROM main."profiles" AS t WHERE t."author_id" >= ?1 ORDER BY t."author_id", t."id")sql",
         R"sql(SELECT t."id", s."id", NULL FROM main."authors" AS s JOIN main."profiles" AS t ON t."author_id" = s."id" WHERE s."id" IS NOT NULL ORDER BY s."id", t."id")sql",
         R"sql(SELECT s."id" FROM main."authors" AS s WHERE s."id" >= ?1 ORDER BY s."id")sql",
         R"sql(CREATE TABLE x("id" INTEGER, "author_id" INTEGER HIDDEN))sql", 0, 1, true});

    // A foreign key to a UNIQUE column, not to the key: numeric, but the seek
    // cannot range over it (the argument is authors.id, the foreign key holds
    // authors.code), so both queries join.
    JoinPath by_code = from_authors("editions", "author_code", {{"id", "INTEGER"}, {"author_code", "INTEGER"}});
    by_code.ref = "code";
    by_code.fk_numeric = true;
    by_code.argument = "authors_id";
    cases.push_back(
        {"one_to_many_to_unique_column", by_code, "one-to-many",
         R"sql(SELECT t."id", t."author_code", s."id", NULL FROM main."authors" AS s JOIN main."editions" AS t ON t."author_code" = s."code" WHERE s."id" >= ?1 ORDER BY s."id", t."id")sql",
         R"sql(SELECT t."id", t."author_code", s."id", NULL FROM main."authors" AS s JOIN main."editions" AS t ON t."author_code" = s."code" WHERE s."id" IS NOT NULL ORDER BY s."id", t."id")sql",
         "", R"sql(CREATE TABLE x("id" INTEGER, "author_code" INTEGER, "authors_id" INTEGER HIDDEN))sql", 0, 10, false});

    // A book's author: the key and the rowid are the book's id.
    cases.push_back(
        {"many_to_one", books_author(), "many-to-one",
         R"sql(SELECT t."id", t."name", t."code", s."id", s."id" FROM main."books" AS s JOIN main."authors" AS t ON t."id" = s."author_id" WHERE s."id" >= ?1 ORDER BY s."id")sql",
         R"sql(SELECT t."id", t."name", t."code", s."id", s."id" FROM main."books" AS s JOIN main."authors" AS t ON t."id" = s."author_id" WHERE s."id" IS NOT NULL ORDER BY s."id")sql",
         "", R"sql(CREATE TABLE x("id" INTEGER, "name" TEXT, "code" INTEGER, "books_id" INTEGER HIDDEN))sql", -1, 1,
         true});

    // The index book_tags_book(book_id, tag_id) orders a key's rows by
    // tag_id, then the rowid.
    JoinPath ordered = through_book_tags(true);
    ordered.through_order = {"tag_id"};
    cases.push_back(
        {"many_to_many_through_order", ordered, "many-to-many",
         R"sql(SELECT t."id", t."label", s."book_id", s."rowid" FROM main."book_tags" AS s JOIN main."tags" AS t ON t."id" = s."tag_id" WHERE s."book_id" >= ?1 ORDER BY s."book_id", s."tag_id", s."rowid")sql",
         R"sql(SELECT t."id", t."label", f."id", s."rowid" FROM main."books" AS f JOIN main."book_tags" AS s ON s."book_id" = f."id" JOIN main."tags" AS t ON t."id" = s."tag_id" WHERE f."id" IS NOT NULL ORDER BY f."id", s."tag_id", s."rowid")sql",
         R"sql(SELECT f."id" FROM main."books" AS f WHERE f."id" >= ?1 ORDER BY f."id")sql",
         R"sql(CREATE TABLE x("id" INTEGER, "label" TEXT, "book_id" INTEGER HIDDEN))sql", -1, 10, false});

    // No index leads with tag_id: a key's rows in rowid order.
    cases.push_back(
        {"many_to_many_unordered", through_book_tags(false), "many-to-many",
         R"sql(SELECT t."id", t."title", t."author_id", s."tag_id", s."rowid" FROM main."book_tags" AS s JOIN main."books" AS t ON t."id" = s."book_id" WHERE s."tag_id" >= ?1 ORDER BY s."tag_id", s."rowid")sql",
         R"sql(SELECT t."id", t."title", t."author_id", f."id", s."rowid" FROM main."tags" AS f JOIN main."book_tags" AS s ON s."tag_id" = f."id" JOIN main."books" AS t ON t."id" = s."book_id" WHERE f."id" IS NOT NULL ORDER BY f."id", s."rowid")sql",
         R"sql(SELECT f."id" FROM main."tags" AS f WHERE f."id" >= ?1 ORDER BY f."id")sql",
         R"sql(CREATE TABLE x("id" INTEGER, "title" TEXT, "author_id" INTEGER, "tag_id" INTEGER HIDDEN))sql", -1, 10,
         false});

    // Trusted links: the through table alone, without books.
    JoinPath trusted_links = through_book_tags(true);
    trusted_links.fk_names_a_row = true;
    cases.push_back(
        {"many_to_many_fk_names_a_row", trusted_links, "many-to-many",
         R"sql(SELECT t."id", t."label", s."book_id", s."rowid" FROM main."book_tags" AS s JOIN main."tags" AS t ON t."id" = s."tag_id" WHERE s."book_id" >= ?1 ORDER BY s."book_id", s."rowid")sql",
         R"sql(SELECT t."id", t."label", s."book_id", s."rowid" FROM main."book_tags" AS s JOIN main."tags" AS t ON t."id" = s."tag_id" WHERE s."book_id" IS NOT NULL ORDER BY s."book_id", s."rowid")sql",
         "", R"sql(CREATE TABLE x("id" INTEGER, "label" TEXT, "book_id" INTEGER HIDDEN))sql", -1, 10, false});

    // Names that need quotes, a double quote among them.
    JoinPath odd;
    odd.kind = JoinPath::kOneToMany;
    odd.from_table = "my \"odd\" table";
    odd.from_key = "id";
    odd.to_table = "odd kids";
    odd.to_rowid = "kid id";
    odd.to_columns = {{"kid id", "INTEGER"}, {"age", "INTEGER"}};
    odd.fk = "odd\"ref";
    odd.ref = "id";
    odd.fk_numeric = true;
    odd.argument = "odd\"ref";
    cases.push_back(
        {"quoted_identifiers", odd, "one-to-many",
         R"sql(SELECT t."kid id", t."age", t."odd""ref", NULL FROM main."odd kids" AS t WHERE t."odd""ref" >= ?1 ORDER BY t."odd""ref", t."kid id")sql",
         R"sql(SELECT t."kid id", t."age", s."id", NULL FROM main."my ""odd"" table" AS s JOIN main."odd kids" AS t ON t."odd""ref" = s."id" WHERE s."id" IS NOT NULL ORDER BY s."id", t."kid id")sql",
         R"sql(SELECT s."id" FROM main."my ""odd"" table" AS s WHERE s."id" >= ?1 ORDER BY s."id")sql",
         R"sql(CREATE TABLE x("kid id" INTEGER, "age" INTEGER, "odd""ref" INTEGER HIDDEN))sql", 0, 10, false});
    return cases;
}

class SpecFor : public ::testing::TestWithParam<PathCase> {
protected:
    RelationshipSpec spec() const { return spec_for(GetParam().name, GetParam().path); }
};

TEST_P(SpecFor, KindName) {
    EXPECT_EQ(kind_name(GetParam().path), GetParam().kind);
    EXPECT_EQ(spec().about.kind, GetParam().kind);
}

TEST_P(SpecFor, SeekSql) { EXPECT_EQ(seek_sql(spec()), GetParam().seek); }

TEST_P(SpecFor, ScanSql) { EXPECT_EQ(scan_sql(spec()), GetParam().scan); }

TEST_P(SpecFor, ParentQuery) { EXPECT_EQ(spec().parent, GetParam().parent); }

TEST_P(SpecFor, TableDeclaration) { EXPECT_EQ(table_declaration(spec()), GetParam().declaration); }

TEST_P(SpecFor, WhatItTellsThePlanner) {
    RelationshipSpec s = spec();
    EXPECT_EQ(s.order_column, GetParam().order_column);
    EXPECT_EQ(s.rows_per_key, GetParam().rows_per_key);
    EXPECT_EQ(s.unique, GetParam().unique);
}

// The spec's SQL prepares in `db`; its queries return the output columns,
// then the key, then the rowid (relationship_spec.hpp), and the parent query
// the key alone.
void expect_prepares(oracle::Database& db, const RelationshipSpec& s) {
    const int expected_columns = static_cast<int>(s.columns.size()) + 2;
    for (const std::string& sql : {seek_sql(s), scan_sql(s)}) {
        int columns = 0;
        EXPECT_EQ(db.prepare(sql, &columns), "") << sql;
        EXPECT_EQ(columns, expected_columns) << sql;
    }
    if (!s.parent.empty()) {
        int columns = 0;
        EXPECT_EQ(db.prepare(s.parent, &columns), "") << s.parent;
        EXPECT_EQ(columns, 1) << s.parent;
    }
    EXPECT_EQ(db.prepare(table_declaration(s)), "");
    int columns = 0;
    EXPECT_EQ(db.prepare(view_select(s), &columns), "") << view_select(s);
    EXPECT_EQ(columns, static_cast<int>(s.columns.size()) + 1) << view_select(s);
    EXPECT_EQ(db.prepare(create_view_sql(s.name, "plain_view", s)), "");
}

TEST_P(SpecFor, PreparesInRealSqlite) {
    oracle::Database db;
    ASSERT_EQ(db.exec(kLibrarySchema), "");
    expect_prepares(db, spec());
}

// A plain view is SQL stored in the database: its tables are named without
// a schema, which SQLite binds to the view's own (a view naming main. makes
// the file unusable when attached under another name).
TEST_P(SpecFor, ViewSelectNamesNoSchema) {
    RelationshipSpec s = spec_for(GetParam().name, GetParam().path);
    EXPECT_EQ(view_select(s).find("main."), std::string::npos) << view_select(s);
    EXPECT_NE(scan_sql(s).find("main."), std::string::npos) << scan_sql(s);
}

TEST_P(SpecFor, ViewColumnsAreTheColumnsThenTheArgument) {
    RelationshipSpec s = spec();
    std::vector<std::string> expected;
    for (const RelationshipSpec::Column& c : s.columns) expected.push_back(c.name);
    expected.push_back(GetParam().path.argument);
    EXPECT_EQ(view_columns(s), expected);
}

// The queries that compute only the columns read still prepare, with the
// same columns: NULL in place of each one not read.
TEST_P(SpecFor, ReadingNoColumnPreparesInRealSqlite) {
    oracle::Database db;
    ASSERT_EQ(db.exec(kLibrarySchema), "");
    expect_prepares(db, reading_columns(spec(), 0));
}

INSTANTIATE_TEST_SUITE_P(JoinPaths, SpecFor, ::testing::ValuesIn(path_cases()), CaseName());

// The span of from_table's keys (RelationshipSpec::parent_bounds): only with
// a parent query, and only where from_table's key is its rowid, whose
// values are distinct integers (a count that fills the span then means
// every key in it names a row).
TEST(ParentSpan, ReadWhereTheKeyIsTheRowid) {
    JoinPath one_to_many = from_authors("books", "author_id", {{"id", "INTEGER"}, {"title", "TEXT"}});
    one_to_many.fk_numeric = true;
    one_to_many.from_key_is_rowid = true;
    RelationshipSpec s = spec_for("books_of", one_to_many);
    EXPECT_EQ(s.parent_bounds,
              R"sql(SELECT (SELECT min(s."id") FROM main."authors" AS s), (SELECT max(s."id") FROM main."authors" AS s))sql");
    EXPECT_EQ(s.parent_count, R"sql(SELECT count(*) FROM main."authors")sql");

    JoinPath many_to_many = through_book_tags(true);
    many_to_many.from_key_is_rowid = true;
    s = spec_for("tags_of", many_to_many);
    EXPECT_EQ(s.parent_bounds,
              R"sql(SELECT (SELECT min(f."id") FROM main."books" AS f), (SELECT max(f."id") FROM main."books" AS f))sql");
    EXPECT_EQ(s.parent_count, R"sql(SELECT count(*) FROM main."books")sql");

    oracle::Database db;
    ASSERT_EQ(db.exec(kLibrarySchema), "");
    for (const RelationshipSpec& spec : {spec_for("books_of", one_to_many), s}) {
        int columns = 0;
        EXPECT_EQ(db.prepare(spec.parent_bounds, &columns), "") << spec.parent_bounds;
        EXPECT_EQ(columns, 2);
        EXPECT_EQ(db.prepare(spec.parent_count, &columns), "") << spec.parent_count;
        EXPECT_EQ(columns, 1);
    }
}

// The many-to-one memo reads its keys' span with the same query, under the
// alias the memo's pass uses.
TEST(ParentSpan, TheManyToOneMemoReadsItsSpanTheSameWay) {
    JoinPath to_one = books_author();
    to_one.ref_is_rowid = true;
    RelationshipSpec s = spec_for("author_of", to_one);
    EXPECT_EQ(s.memo_span,
              R"sql(SELECT (SELECT min(s."id") FROM main."books" AS s), (SELECT max(s."id") FROM main."books" AS s))sql");
    oracle::Database db;
    ASSERT_EQ(db.exec(kLibrarySchema), "");
    int columns = 0;
    EXPECT_EQ(db.prepare(s.memo_span, &columns), "") << s.memo_span;
    EXPECT_EQ(columns, 2);
}

// The follow window's two queries: the rest of a foreign key's run, then
// the runs after it, in the index's order and without a LIMIT (the pass
// stops when the window is full).
TEST(MemoPass, TheWindowsQueriesReadTheForeignKeysIndexInOrder) {
    JoinPath to_one = books_author();
    to_one.ref_is_rowid = true;
    RelationshipSpec s = spec_for("author_of", to_one);
    EXPECT_EQ(s.memo_follow,
              R"sql(SELECT s."id", s."author_id" FROM main."books" AS s WHERE s."author_id" = ?2 AND s."id" > ?3 ORDER BY s."id")sql");
    EXPECT_EQ(s.memo_follow_next,
              R"sql(SELECT s."id", s."author_id" FROM main."books" AS s WHERE s."author_id" > ?2 ORDER BY s."author_id", s."id")sql");
    EXPECT_EQ(s.memo_follow_index, "author_id");
}

// The follow window's parents: a window of rows over the parents' rowid
// range, the key first, NULL for the parent's key column (the foreign key
// answers it), bounded by ?3.
TEST(MemoPass, TheParentsWindowReadsTheParentsByRowidInARange) {
    JoinPath to_one = books_author();
    to_one.ref_is_rowid = true;
    RelationshipSpec s = spec_for("author_of", to_one);
    ASSERT_EQ(s.memo_parent_key_column, 0);
    EXPECT_EQ(s.memo_parents,
              R"sql(SELECT t."id", NULL, t."name", t."code" FROM main."authors" AS t WHERE t."id" >= ?2 AND t."id" <= ?3 ORDER BY t."id")sql");
}

TEST(MemoPass, ItsSqlCountsAWholePassAndStopsAWindowsPass) {
    EXPECT_EQ(memo_pass_sql("SELECT a, b FROM t"),
              "WITH m(k, v) AS (SELECT a, b FROM t) SELECT theater_memo_put(?1, ?1, ?1), "
              "(SELECT count(*) FROM m WHERE theater_memo_put(?1, k, v))");
    EXPECT_EQ(memo_window_sql("SELECT a, b FROM t"),
              "WITH m(k, v) AS (SELECT a, b FROM t) SELECT 1 FROM m WHERE NOT theater_memo_put(?1, k, v) "
              "LIMIT 1 + (theater_memo_put(?1, ?1, ?1) IS NULL)");
    // A window of rows: its probe has the arity of its rows' calls.
    EXPECT_EQ(memo_rows_sql("SELECT a, b, c FROM t", 2),
              "WITH m(k, c0, c1) AS (SELECT a, b, c FROM t) SELECT 1 FROM m WHERE NOT theater_memo_put(?1, k, c0, c1) "
              "LIMIT 1 + (theater_memo_put(?1, ?1, ?1, ?1) IS NULL)");
}

// The opcodes of a pass's program on the library schema, one string each.
std::vector<std::string> opcodes(const std::string& pass) {
    oracle::Database db;
    EXPECT_EQ(db.exec(kLibrarySchema), "");
    db.register_memo_put();
    std::vector<std::string> out;
    for (const std::string& row : db.rows("EXPLAIN " + pass)) {
        EXPECT_EQ(row.rfind("error: ", 0), std::string::npos) << row;
        std::string opcode = row.substr(row.find('|') + 1);
        out.push_back(opcode.substr(0, opcode.find('|')));
    }
    return out;
}

int count_of(const std::vector<std::string>& program, const std::string& opcode) {
    return static_cast<int>(std::count(program.begin(), program.end(), opcode));
}

// SQLite flattens every memo query into its pass: a row of the pass is a
// step of the scan and one call (and the count's step in a whole pass),
// with no co-routine, though a window's query has an ORDER BY.
TEST(MemoPass, EveryMemoQueryIsFlattenedIntoItsPass) {
    JoinPath to_one = books_author();
    to_one.ref_is_rowid = true;
    RelationshipSpec s = spec_for("author_of", to_one);
    std::vector<std::string> whole = opcodes(memo_pass_sql(s.memo));
    EXPECT_EQ(count_of(whole, "InitCoroutine") + count_of(whole, "Yield") + count_of(whole, "SorterOpen"), 0);
    EXPECT_EQ(count_of(whole, "Function"), 2);  // the probe, and the row's
    EXPECT_EQ(count_of(whole, "AggStep"), 1);
    for (const std::string& query : {s.memo_follow, s.memo_follow_next}) {
        std::vector<std::string> window = opcodes(memo_window_sql(query));
        EXPECT_EQ(count_of(window, "InitCoroutine") + count_of(window, "Yield") + count_of(window, "SorterOpen") +
                      count_of(window, "AggStep"),
                  0)
            << query;
        EXPECT_EQ(count_of(window, "Function"), 2) << query;  // the probe in the LIMIT, and the row's
    }
    std::vector<std::string> parents = opcodes(memo_rows_sql(s.memo_parents, static_cast<int>(s.columns.size())));
    EXPECT_EQ(count_of(parents, "InitCoroutine") + count_of(parents, "Yield") + count_of(parents, "SorterOpen") +
                  count_of(parents, "AggStep"),
              0);
    EXPECT_EQ(count_of(parents, "Function"), 2);
}

// A row served from its parent answers the parent's key column from the
// foreign key that found the parent: the output column named as the key
// (as SQLite compares names), only where that key is the parent's rowid.
TEST(ManyToOne, TheParentsKeyColumnIsTheOutputColumnNamedAsTheKey) {
    struct Case {
        std::vector<std::pair<std::string, std::string>> columns;
        bool ref_is_rowid;
        int expected;
    };
    const std::vector<Case> cases = {
        {{{"id", "INTEGER"}, {"name", "TEXT"}}, true, 0},
        {{{"name", "TEXT"}, {"ID", "INTEGER"}}, true, 1},
        {{{"name", "TEXT"}}, true, -1},
        {{{"id", "INTEGER"}, {"name", "TEXT"}}, false, -1},
    };
    for (const Case& c : cases) {
        JoinPath to_one = books_author();
        to_one.to_columns = c.columns;
        to_one.ref_is_rowid = c.ref_is_rowid;
        EXPECT_EQ(spec_for("author_of", to_one).memo_parent_key_column, c.expected)
            << c.columns.size() << " columns, rowid " << c.ref_is_rowid;
    }
}

TEST(ParentSpan, NotReadWhereTheKeyIsAnotherColumnOrThereIsNoParentQuery) {
    JoinPath not_rowid = from_authors("books", "author_id", {{"id", "INTEGER"}, {"title", "TEXT"}});
    not_rowid.fk_numeric = true;  // a parent query, over an INT key that is not the rowid
    RelationshipSpec s = spec_for("books_of", not_rowid);
    EXPECT_FALSE(s.parent.empty());
    EXPECT_EQ(s.parent_bounds, "");
    EXPECT_EQ(s.parent_count, "");

    JoinPath trusted = not_rowid;
    trusted.fk_names_a_row = true;  // no parent query at all
    trusted.from_key_is_rowid = true;
    s = spec_for("books_of", trusted);
    EXPECT_EQ(s.parent, "");
    EXPECT_EQ(s.parent_bounds, "");

    JoinPath text_fk = from_authors("notes", "author_id", {{"id", "INTEGER"}, {"body", "TEXT"}});
    text_fk.from_key_is_rowid = true;  // the seek joins from_table: no parent query
    s = spec_for("notes_of", text_fk);
    EXPECT_EQ(s.parent, "");
    EXPECT_EQ(s.parent_bounds, "");
}

// ---- The plain view of a declared relationship (model/plain_view.hpp) ----

const PathCase& path_case(const std::string& name) {
    static const std::vector<PathCase> cases = path_cases();
    for (const PathCase& c : cases) {
        if (c.name == name) return c;
    }
    throw std::runtime_error("no path case " + name);
}

TEST(PlainView, MarkNamesTheRelationship) {
    EXPECT_EQ(view_mark("author_books"), "/* theater_relate: author_books */");
}

TEST(PlainView, QuotesEveryName) {
    const PathCase& odd = path_case("quoted_identifiers");
    RelationshipSpec s = spec_for("odd_kids", odd.path);
    EXPECT_EQ(create_view_sql("odd_kids", "kids \"of\" odd", s),
              R"sql(CREATE VIEW main."kids ""of"" odd"("kid id", "age", "odd""ref") AS /* theater_relate: odd_kids */ SELECT t."kid id", t."age", s."id" FROM "my ""odd"" table" AS s JOIN "odd kids" AS t ON t."odd""ref" = s."id" WHERE s."id" IS NOT NULL ORDER BY s."id", t."kid id")sql");
}

// What SQLite keeps of a CREATE VIEW: the text as written, the schema name
// left out.
std::string as_stored(std::string sql) {
    const std::string schema = "CREATE VIEW main.";
    if (sql.rfind(schema, 0) == 0) sql = "CREATE VIEW " + sql.substr(schema.size());
    return sql;
}

TEST(PlainView, CarriesMarkOnlyWhereCreateViewSqlPutsIt) {
    RelationshipSpec s = spec_for("odd_kids", path_case("quoted_identifiers").path);
    const std::string made = as_stored(create_view_sql("odd_kids", "kids \"of\" odd", s));
    struct {
        std::string sql;
        std::string relationship;
        bool carries;
    } cases[] = {
        {made, "odd_kids", true},
        {made, "ODD_Kids", true},  // names are case-insensitive
        {made, "odd", false},
        {made, "odd_kids_2", false},
        {as_stored(create_view_sql("a", "v", s)), "a", true},
        // The mark elsewhere in a view's text: a string, a column name.
        {"CREATE VIEW mine AS SELECT '/* theater_relate: odd_kids */ SELECT ' AS x", "odd_kids", false},
        {R"(CREATE VIEW "v"("x") AS SELECT 1 AS "/* theater_relate: odd_kids */ SELECT ")", "odd_kids", false},
        {R"(CREATE VIEW "v"("a) AS /* theater_relate: odd_kids */ SELECT ") AS SELECT 1)", "odd_kids", false},
        // Written by hand in the form create_view_sql writes: taken as its.
        {R"(CREATE VIEW "v"("x") AS /* theater_relate: odd_kids */ SELECT 1)", "odd_kids", true},
        {R"(create view "v"("x") as /* theater_relate: odd_kids */ select 1)", "odd_kids", true},
        {R"(CREATE VIEW v("x") AS /* theater_relate: odd_kids */ SELECT 1)", "odd_kids", false},
        {R"(CREATE VIEW "v" AS /* theater_relate: odd_kids */ SELECT 1)", "odd_kids", false},
        {R"(CREATE VIEW "v"("x") AS /* theater_relate: odd_kids */)", "odd_kids", false},
        {R"(CREATE VIEW "v)", "odd_kids", false},
        {"", "odd_kids", false},
    };
    for (const auto& c : cases) EXPECT_EQ(carries_mark(c.sql, c.relationship), c.carries) << c.sql << " / " << c.relationship;
}

TEST(PlainView, CreatesAViewSqliteCanQuery) {
    oracle::Database db;
    ASSERT_EQ(db.exec(kLibrarySchema), "");
    for (const PathCase& c : path_cases()) {
        RelationshipSpec s = spec_for(c.name, c.path);
        std::string view = c.name + "_view";
        ASSERT_EQ(db.exec(create_view_sql(c.name, view, s)), "") << c.name;
        int columns = 0;
        EXPECT_EQ(db.prepare("SELECT * FROM " + quote_identifier(view) + " WHERE " + quote_identifier(s.arguments[0].name) +
                                 " = 1",
                             &columns),
                  "")
            << c.name;
        EXPECT_EQ(columns, static_cast<int>(s.columns.size()) + 1) << c.name;
    }
}

// ---- The theater's own relationships ---------------------------------------

struct TheaterCase {
    std::string name;
    const RelationshipSpec& (*spec)();
    std::string seek;
    std::string scan;
    std::string declaration;
};

std::vector<TheaterCase> theater_cases() {
    // role_auditions, role_actors and role_locations read auditions alone
    // (JoinPath::fk_names_a_row: the migrations' triggers refuse an audition
    // whose role_id names no role).
    return {
        {"role_auditions", role_auditions_spec,
         R"sql(SELECT t."id", t."actor", t."location", t."phone", t."hired", t."role_id", NULL FROM main."auditions" AS t WHERE t."role_id" >= ?1 ORDER BY t."role_id", t."id")sql",
         R"sql(SELECT t."id", t."actor", t."location", t."phone", t."hired", t."role_id", NULL FROM main."auditions" AS t WHERE t."role_id" IS NOT NULL ORDER BY t."role_id", t."id")sql",
         R"sql(CREATE TABLE x("id" INTEGER, "actor" TEXT, "location" TEXT, "phone" INTEGER, "hired" INTEGER, "role_id" INTEGER HIDDEN))sql"},
        {"role_actors", role_actors_spec,
         R"sql(SELECT t."actor", t."role_id", t."id" FROM main."auditions" AS t WHERE t."role_id" >= ?1 ORDER BY t."role_id", t."id")sql",
         R"sql(SELECT t."actor", t."role_id", t."id" FROM main."auditions" AS t WHERE t."role_id" IS NOT NULL ORDER BY t."role_id", t."id")sql",
         R"sql(CREATE TABLE x("actor" TEXT, "role_id" INTEGER HIDDEN))sql"},
        {"role_locations", role_locations_spec,
         R"sql(SELECT t."location", t."role_id", t."id" FROM main."auditions" AS t WHERE t."role_id" >= ?1 ORDER BY t."role_id", t."id")sql",
         R"sql(SELECT t."location", t."role_id", t."id" FROM main."auditions" AS t WHERE t."role_id" IS NOT NULL ORDER BY t."role_id", t."id")sql",
         R"sql(CREATE TABLE x("location" TEXT, "role_id" INTEGER HIDDEN))sql"},
        {"audition_role", audition_role_spec,
         R"sql(SELECT t."id", t."character_name", s."id", s."id" FROM main."auditions" AS s JOIN main."roles" AS t ON t."id" = s."role_id" WHERE s."id" >= ?1 ORDER BY s."id")sql",
         R"sql(SELECT t."id", t."character_name", s."id", s."id" FROM main."auditions" AS s JOIN main."roles" AS t ON t."id" = s."role_id" WHERE s."id" IS NOT NULL ORDER BY s."id")sql",
         R"sql(CREATE TABLE x("id" INTEGER, "character_name" TEXT, "audition_id" INTEGER HIDDEN))sql"},
    };
}

class TheaterSpec : public ::testing::TestWithParam<TheaterCase> {
protected:
    const RelationshipSpec& spec() const { return GetParam().spec(); }
};

TEST_P(TheaterSpec, Name) { EXPECT_EQ(spec().name, GetParam().name); }

TEST_P(TheaterSpec, SeekSql) { EXPECT_EQ(seek_sql(spec()), GetParam().seek); }

TEST_P(TheaterSpec, ScanSql) { EXPECT_EQ(scan_sql(spec()), GetParam().scan); }

TEST_P(TheaterSpec, TableDeclaration) { EXPECT_EQ(table_declaration(spec()), GetParam().declaration); }

TEST_P(TheaterSpec, SaysNotMigratedWhenItsTablesAreMissing) {
    EXPECT_EQ(spec().when_tables_missing, kNotMigratedMessage);
    EXPECT_EQ(spec().when_tables_missing,
              "the theater schema is not installed in this database; run SELECT theater_migrate() first");
}

// Over the tables the embedded migrations make, applied as they are.
TEST_P(TheaterSpec, PreparesOverTheMigratedSchema) {
    oracle::Database db;
    std::size_t count = 0;
    const Migration* migrations = embedded_migrations(&count);
    ASSERT_GT(count, 0u);
    for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(db.exec(migrations[i].up), "") << migrations[i].name;
    expect_prepares(db, spec());
}

INSTANTIATE_TEST_SUITE_P(Theater, TheaterSpec, ::testing::ValuesIn(theater_cases()), CaseName());

// ============================================================================
// model/fk_triggers: the triggers of theater_enforce_foreign_keys
// ============================================================================

// Schema values as read_table() reads them from pragma_table_xinfo,
// pragma_foreign_key_list and pragma_index_list.
SchemaColumn column(const std::string& name, const std::string& type, int pk = 0) {
    SchemaColumn c;
    c.name = name;
    c.type = type;
    c.pk = pk;
    return c;
}

SchemaColumn not_null(SchemaColumn c) {
    c.not_null = true;
    return c;
}

SchemaColumn with_default(SchemaColumn c, const std::string& dflt) {
    c.has_default = true;
    c.dflt = dflt;
    return c;
}

SchemaColumn generated(SchemaColumn c, std::vector<std::string> depends_on) {
    c.generated = true;
    c.depends_on = std::move(depends_on);
    return c;
}

SchemaForeignKey foreign_key(const std::string& parent, std::vector<std::string> columns,
                             std::vector<std::string> parent_columns, const std::string& on_delete,
                             const std::string& on_update = "NO ACTION") {
    SchemaForeignKey fk;
    fk.parent = parent;
    fk.columns = std::move(columns);
    fk.parent_columns = std::move(parent_columns);
    fk.on_delete = on_delete;
    fk.on_update = on_update;
    return fk;
}

SchemaTable table(const std::string& name, std::vector<SchemaColumn> columns,
                  std::vector<SchemaForeignKey> foreign_keys = {}, std::vector<SchemaIndex> indexes = {}) {
    SchemaTable t;
    t.name = name;
    t.columns = std::move(columns);
    t.foreign_keys = std::move(foreign_keys);
    t.indexes = std::move(indexes);
    return t;
}

// A child table with one foreign key, its parent (the child itself for a key
// to its own table), and the same schema as SQL for the real SQLite.
struct FkSchema {
    SchemaTable child;
    SchemaTable parent;
    std::vector<std::string> key_columns;  // as theater_enforce_foreign_keys reads them
    std::string ddl;

    // The triggers of the key, as theater_enforce_foreign_keys asks for them.
    std::vector<FkTrigger> triggers() const {
        return fk_triggers_for(child, child.foreign_keys.at(0), parent, kFkTriggerPrefix + child.name + ":", 2,
                               key_columns);
    }
};

const char* const kParentsSql = "CREATE TABLE parents(id INTEGER PRIMARY KEY, name TEXT);";

SchemaTable parents() { return table("parents", {column("id", "INTEGER", 1), column("name", "TEXT")}); }

// kids(id INTEGER PRIMARY KEY, parent_id INTEGER [NOT NULL] REFERENCES
// parents(id) ON DELETE <on_delete>)
FkSchema kids(const std::string& on_delete, bool parent_id_not_null = false) {
    SchemaColumn parent_id = column("parent_id", "INTEGER");
    if (parent_id_not_null) parent_id = not_null(parent_id);
    return {table("kids", {column("id", "INTEGER", 1), parent_id},
                  {foreign_key("parents", {"parent_id"}, {"id"}, on_delete)}),
            parents(),
            {"parent_id"},
            std::string(kParentsSql) + "CREATE TABLE kids(id INTEGER PRIMARY KEY, parent_id INTEGER" +
                (parent_id_not_null ? " NOT NULL" : "") + " REFERENCES parents(id) ON DELETE " + on_delete + ");"};
}

// nodes(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes(id) ON
// DELETE CASCADE): a tree.
FkSchema nodes() {
    SchemaTable t = table("nodes", {column("id", "INTEGER", 1), column("parent_id", "INTEGER")},
                          {foreign_key("nodes", {"parent_id"}, {"id"}, "CASCADE")});
    return {t, t, {"parent_id", "id"},
            "CREATE TABLE nodes(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes(id) ON DELETE CASCADE);"};
}

// refs(x, y) -> pairs(a, b), ON DELETE CASCADE.
FkSchema composite() {
    return {table("refs", {column("id", "INTEGER", 1), column("x", "INTEGER"), column("y", "TEXT")},
                  {foreign_key("pairs", {"x", "y"}, {"a", "b"}, "CASCADE")}),
            table("pairs", {column("a", "INTEGER", 1), column("b", "TEXT", 2)}),
            {"x", "y"},
            "CREATE TABLE pairs(a INTEGER, b TEXT, PRIMARY KEY(a, b));"
            "CREATE TABLE refs(id INTEGER PRIMARY KEY, x INTEGER, y TEXT, "
            "FOREIGN KEY(x, y) REFERENCES pairs(a, b) ON DELETE CASCADE);"};
}

// A child named old, with ON DELETE CASCADE and ON UPDATE CASCADE.
FkSchema child_named_old() {
    return {table("old", {column("id", "INTEGER", 1), column("parent_id", "INTEGER")},
                  {foreign_key("parents", {"parent_id"}, {"id"}, "CASCADE", "CASCADE")}),
            parents(),
            {"parent_id"},
            std::string(kParentsSql) +
                "CREATE TABLE old(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents(id) "
                "ON DELETE CASCADE ON UPDATE CASCADE);"};
}

// uses.code TEXT -> codes.code INTEGER UNIQUE, ON DELETE CASCADE: SQLite
// counts the children with the parent's (numeric) affinity, the action
// compares with the child's.
FkSchema text_child_of_numeric_parent() {
    SchemaIndex unique_code{"sqlite_autoindex_codes_1", true, false, {"code"}};
    return {table("uses", {column("id", "INTEGER", 1), column("code", "TEXT")},
                  {foreign_key("codes", {"code"}, {"code"}, "CASCADE")}),
            table("codes", {column("code", "INTEGER"), column("name", "TEXT")}, {}, {unique_code}),
            {"code"},
            "CREATE TABLE codes(code INTEGER UNIQUE, name TEXT);"
            "CREATE TABLE uses(id INTEGER PRIMARY KEY, code TEXT REFERENCES codes(code) ON DELETE CASCADE);"};
}

// kids.a INTEGER [DEFAULT <declared>] REFERENCES parents(id) ON DELETE SET
// DEFAULT; `dflt` is the DEFAULT as pragma_table_xinfo gives it.
FkSchema set_default(const std::string& declared, const std::string& dflt) {
    SchemaColumn a = column("a", "INTEGER");
    if (!declared.empty()) a = with_default(a, dflt);
    return {table("kids", {column("id", "INTEGER", 1), a},
                  {foreign_key("parents", {"a"}, {"id"}, "SET DEFAULT")}),
            parents(),
            {"a"},
            std::string(kParentsSql) + "CREATE TABLE kids(id INTEGER PRIMARY KEY, a INTEGER" +
                (declared.empty() ? "" : " DEFAULT " + declared) + " REFERENCES parents(id) ON DELETE SET DEFAULT);"};
}

// What the tests compare of a trigger (child_row and id only order the
// actions: see RunsLater below).
struct Expected {
    std::string name;
    std::string table;
    bool check;
    std::string sql;
};

void expect_triggers(const std::vector<FkTrigger>& actual, const std::vector<Expected>& expected) {
    std::vector<std::string> actual_names, expected_names;
    for (const FkTrigger& t : actual) actual_names.push_back(t.name);
    for (const Expected& e : expected) expected_names.push_back(e.name);
    ASSERT_EQ(actual_names, expected_names);
    for (std::size_t i = 0; i < actual.size(); ++i) {
        SCOPED_TRACE(actual[i].name);
        EXPECT_EQ(actual[i].table, expected[i].table);
        EXPECT_EQ(actual[i].check, expected[i].check);
        EXPECT_EQ(actual[i].sql, expected[i].sql);
    }
}

// The trigger of `triggers` whose name ends in ":<what>".
FkTrigger trigger(const std::vector<FkTrigger>& triggers, const std::string& what) {
    for (const FkTrigger& t : triggers) {
        const std::string end = ":" + what;
        if (t.name.size() > end.size() && t.name.compare(t.name.size() - end.size(), end.size(), end) == 0) return t;
    }
    ADD_FAILURE() << "no trigger " << what;
    return {};
}

// The schema and its triggers in `db`, created in the order
// theater_enforce_foreign_keys creates them (runs_later), with PRAGMA
// foreign_keys OFF: what is enforced from here on, the triggers enforce.
void install(oracle::Database& db, const FkSchema& schema) {
    ASSERT_EQ(db.exec("PRAGMA foreign_keys = OFF;"), "");
    ASSERT_EQ(db.exec(schema.ddl), "");
    std::vector<FkTrigger> triggers = schema.triggers();
    std::stable_sort(triggers.begin(), triggers.end(), runs_later);
    for (const FkTrigger& t : triggers) ASSERT_EQ(db.exec(t.sql), "") << t.sql;
}

const std::string kKidsInsert =
    R"sql(CREATE TRIGGER main."theater_fk:kids:0:insert" AFTER INSERT ON "kids" WHEN EXISTS (SELECT 1 FROM "kids" AS theater_row WHERE theater_row."id" = NEW."id" AND theater_row."parent_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "parents" AS theater_parent WHERE theater_parent."id" = +theater_row."parent_id")) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: kids.parent_id must name a row of parents'); END)sql";
const std::string kKidsUpdate =
    R"sql(CREATE TRIGGER main."theater_fk:kids:0:update" AFTER UPDATE OF "parent_id" ON "kids" WHEN EXISTS (SELECT 1 FROM "kids" AS theater_row WHERE theater_row."id" = NEW."id" AND theater_row."parent_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "parents" AS theater_parent WHERE theater_parent."id" = +theater_row."parent_id")) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: kids.parent_id must name a row of parents'); END)sql";
// ON UPDATE NO ACTION: the check alone, on every name of the parent's rowid.
const std::string kKidsParentUpdateCheck =
    R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_update" AFTER UPDATE OF "id", "rowid", "_rowid_", "oid" ON "parents" WHEN NOT (OLD."id" IS NEW."id") AND EXISTS (SELECT 1 FROM "kids" AS theater_child WHERE OLD."id" = theater_child."parent_id" AND NOT coalesce(NEW."id" = theater_child."parent_id", 0)) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of parents is still referenced by kids.parent_id'); END)sql";
const std::string kOrphan = "FOREIGN KEY constraint failed: kids.parent_id must name a row of parents";
const std::string kStillReferenced =
    "FOREIGN KEY constraint failed: a row of parents is still referenced by kids.parent_id";

TEST(FkTriggers, CascadeToAnIntegerPrimaryKey) {
    expect_triggers(
        kids("CASCADE").triggers(),
        {{"theater_fk:kids:0:insert", "kids", true, kKidsInsert},
         {"theater_fk:kids:0:update", "kids", true, kKidsUpdate},
         {"theater_fk:kids:0:parent_delete", "parents", false,
          R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_delete" AFTER DELETE ON "parents" BEGIN DELETE FROM "kids" WHERE OLD."id" = "kids"."parent_id"; END)sql"},
         {"theater_fk:kids:0:parent_update", "parents", true, kKidsParentUpdateCheck}});
}

// An action carries its key's place (the child's row in sqlite_master, the
// key's id) for runs_later; a check goes by its name. Every name holds the
// key's id.
TEST(FkTriggers, ActionsCarryTheirPlace) {
    FkSchema schema = kids("CASCADE");
    schema.child.foreign_keys[0].id = 3;
    const std::vector<FkTrigger> triggers = schema.triggers();
    for (const FkTrigger& t : triggers) EXPECT_EQ(t.name.rfind("theater_fk:kids:3:", 0), 0u) << t.name;
    const FkTrigger action = trigger(triggers, "parent_delete");
    EXPECT_FALSE(action.check);
    EXPECT_EQ(action.child_row, 2);
    EXPECT_EQ(action.id, 3);
}

TEST(FkTriggers, CascadeDeletesTheChildrenInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("CASCADE")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b');"
                      "INSERT INTO kids VALUES (10, 1), (11, 1), (12, 2);"
                      "DELETE FROM parents WHERE id = 1;"),
              "");
    EXPECT_EQ(db.rows("SELECT id, parent_id FROM kids ORDER BY id"), Rows({"12|2"}));
}

TEST(FkTriggers, OrphanIsRefusedInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("CASCADE")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'); INSERT INTO kids VALUES (10, 1);"), "");
    EXPECT_EQ(db.exec("INSERT INTO kids VALUES (11, 99)"), kOrphan);
    EXPECT_EQ(db.exec("UPDATE kids SET parent_id = 99 WHERE id = 10"), kOrphan);
    EXPECT_EQ(db.exec("INSERT INTO kids VALUES (12, NULL)"), "");  // NULL names no row, and needs none
    EXPECT_EQ(db.rows("SELECT id, parent_id FROM kids ORDER BY id"), Rows({"10|1", "12|NULL"}));
}

TEST(FkTriggers, ParentKeyStillReferencedIsRefusedInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("CASCADE")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b'); INSERT INTO kids VALUES (10, 1);"), "");
    EXPECT_EQ(db.exec("UPDATE parents SET rowid = 5 WHERE id = 1"), kStillReferenced);
    EXPECT_EQ(db.exec("UPDATE parents SET id = 6 WHERE id = 2"), "");  // no child
}

TEST(FkTriggers, SetNull) {
    EXPECT_EQ(
        trigger(kids("SET NULL").triggers(), "parent_delete").sql,
        R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_delete" AFTER DELETE ON "parents" BEGIN UPDATE "kids" SET "parent_id" = NULL WHERE OLD."id" = "kids"."parent_id"; END)sql");
}

TEST(FkTriggers, SetNullInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("SET NULL")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b');"
                      "INSERT INTO kids VALUES (10, 1), (11, 2);"
                      "DELETE FROM parents WHERE id = 1;"),
              "");
    EXPECT_EQ(db.rows("SELECT id, parent_id FROM kids ORDER BY id"), Rows({"10|NULL", "11|2"}));
}

// SQLite's own SET NULL fails on a NOT NULL column whatever the statement's
// conflict clause says; the trigger says so before its UPDATE could take an
// OR REPLACE or OR IGNORE from the statement.
TEST(FkTriggers, SetNullOnANotNullColumnChecksFirst) {
    EXPECT_EQ(
        trigger(kids("SET NULL", true).triggers(), "parent_delete").sql,
        R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_delete" AFTER DELETE ON "parents" BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: kids.parent_id') WHERE (NULL) IS NULL AND EXISTS (SELECT 1 FROM "kids" AS theater_child WHERE OLD."id" = theater_child."parent_id"); UPDATE "kids" SET "parent_id" = NULL WHERE OLD."id" = "kids"."parent_id"; END)sql");
}

TEST(FkTriggers, SetNullOnANotNullColumnInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("SET NULL", true)));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b'); INSERT INTO kids VALUES (10, 1);"), "");
    EXPECT_EQ(db.exec("DELETE FROM parents WHERE id = 1"), "NOT NULL constraint failed: kids.parent_id");
    EXPECT_EQ(db.exec("DELETE FROM parents WHERE id = 2"), "");
    EXPECT_EQ(db.rows("SELECT id, parent_id FROM kids"), Rows({"10|1"}));
}

TEST(FkTriggers, Restrict) {
    EXPECT_EQ(
        trigger(kids("RESTRICT").triggers(), "parent_delete").sql,
        R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_delete" AFTER DELETE ON "parents" WHEN EXISTS (SELECT 1 FROM "kids" AS theater_child WHERE OLD."id" = theater_child."parent_id") BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of parents is still referenced by kids.parent_id'); END)sql");
}

TEST(FkTriggers, RestrictInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("RESTRICT")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b'); INSERT INTO kids VALUES (10, 1);"), "");
    EXPECT_EQ(db.exec("DELETE FROM parents WHERE id = 1"), kStillReferenced);
    EXPECT_EQ(db.exec("DELETE FROM parents WHERE id = 2"), "");
    EXPECT_EQ(db.rows("SELECT id FROM parents"), Rows({"1"}));
}

// NO ACTION has no action: each event gets the check alone, named for the
// event (no _check suffix) and placed among the checks.
TEST(FkTriggers, NoActionIsTheCheckOnly) {
    expect_triggers(
        kids("NO ACTION").triggers(),
        {{"theater_fk:kids:0:insert", "kids", true, kKidsInsert},
         {"theater_fk:kids:0:update", "kids", true, kKidsUpdate},
         {"theater_fk:kids:0:parent_delete", "parents", true,
          R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_delete" AFTER DELETE ON "parents" WHEN EXISTS (SELECT 1 FROM "kids" AS theater_child WHERE OLD."id" = theater_child."parent_id") BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of parents is still referenced by kids.parent_id'); END)sql"},
         {"theater_fk:kids:0:parent_update", "parents", true, kKidsParentUpdateCheck}});
}

TEST(FkTriggers, NoActionInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, kids("NO ACTION")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b'); INSERT INTO kids VALUES (10, 1);"), "");
    EXPECT_EQ(db.exec("DELETE FROM parents WHERE id = 1"), kStillReferenced);
    EXPECT_EQ(db.exec("DELETE FROM parents WHERE id = 2"), "");
}

// A key to its own table: a row may name itself, an UPDATE of the key it
// refers to checks it too, and the cascade deletes the whole subtree at once
// (a trigger does not fire itself while recursive_triggers is OFF).
TEST(FkTriggers, SelfReference) {
    expect_triggers(
        nodes().triggers(),
        {{"theater_fk:nodes:0:insert", "nodes", true,
          R"sql(CREATE TRIGGER main."theater_fk:nodes:0:insert" AFTER INSERT ON "nodes" WHEN EXISTS (SELECT 1 FROM "nodes" AS theater_row WHERE theater_row."id" = NEW."id" AND theater_row."parent_id" IS NOT NULL AND NOT (theater_row."id" = +theater_row."parent_id" OR EXISTS (SELECT 1 FROM "nodes" AS theater_parent WHERE theater_parent."id" = +theater_row."parent_id" AND NOT (theater_parent."id" = theater_row."id")))) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: nodes.parent_id must name a row of nodes'); END)sql"},
         {"theater_fk:nodes:0:update", "nodes", true,
          R"sql(CREATE TRIGGER main."theater_fk:nodes:0:update" AFTER UPDATE OF "parent_id", "id", "rowid", "_rowid_", "oid" ON "nodes" WHEN EXISTS (SELECT 1 FROM "nodes" AS theater_row WHERE theater_row."id" = NEW."id" AND theater_row."parent_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "nodes" AS theater_parent WHERE theater_parent."id" = +theater_row."parent_id")) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: nodes.parent_id must name a row of nodes'); END)sql"},
         {"theater_fk:nodes:0:parent_delete", "nodes", false,
          R"sql(CREATE TRIGGER main."theater_fk:nodes:0:parent_delete" AFTER DELETE ON "nodes" BEGIN DELETE FROM "nodes" WHERE ("id") IN (WITH RECURSIVE sqlite_theater_doomed(r0) AS (SELECT theater_c."id" FROM "nodes" AS theater_c WHERE OLD."id" = theater_c."parent_id" UNION SELECT theater_c."id" FROM sqlite_theater_doomed JOIN "nodes" AS theater_p ON theater_p."id" = sqlite_theater_doomed."r0" JOIN "nodes" AS theater_c ON theater_p."id" = theater_c."parent_id") SELECT r0 FROM sqlite_theater_doomed); END)sql"},
         {"theater_fk:nodes:0:parent_update", "nodes", true,
          R"sql(CREATE TRIGGER main."theater_fk:nodes:0:parent_update" AFTER UPDATE OF "id", "rowid", "_rowid_", "oid" ON "nodes" WHEN NOT (OLD."id" IS NEW."id") AND EXISTS (SELECT 1 FROM "nodes" AS theater_child WHERE OLD."id" = theater_child."parent_id" AND NOT coalesce(NEW."id" = theater_child."parent_id", 0) AND NOT (theater_child."id" = NEW."id")) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of nodes is still referenced by nodes.parent_id'); END)sql"}});
}

TEST(FkTriggers, SelfReferenceDeletesTheSubtreeInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, nodes()));
    // 1 <- 2 <- 3 <- 4, and 5 naming itself.
    ASSERT_EQ(db.exec("INSERT INTO nodes VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, 5);"), "");
    EXPECT_EQ(db.exec("INSERT INTO nodes VALUES (6, 7)"),
              "FOREIGN KEY constraint failed: nodes.parent_id must name a row of nodes");
    ASSERT_EQ(db.exec("DELETE FROM nodes WHERE id = 2"), "");
    EXPECT_EQ(db.rows("SELECT id, parent_id FROM nodes ORDER BY id"), Rows({"1|NULL", "5|5"}));
}

TEST(FkTriggers, CompositeKey) {
    expect_triggers(
        composite().triggers(),
        {{"theater_fk:refs:0:insert", "refs", true,
          R"sql(CREATE TRIGGER main."theater_fk:refs:0:insert" AFTER INSERT ON "refs" WHEN EXISTS (SELECT 1 FROM "refs" AS theater_row WHERE theater_row."id" = NEW."id" AND theater_row."x" IS NOT NULL AND theater_row."y" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "pairs" AS theater_parent WHERE theater_parent."a" = +theater_row."x" AND theater_parent."b" = +theater_row."y")) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: refs.x,y must name a row of pairs'); END)sql"},
         {"theater_fk:refs:0:update", "refs", true,
          R"sql(CREATE TRIGGER main."theater_fk:refs:0:update" AFTER UPDATE OF "x", "y" ON "refs" WHEN EXISTS (SELECT 1 FROM "refs" AS theater_row WHERE theater_row."id" = NEW."id" AND theater_row."x" IS NOT NULL AND theater_row."y" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "pairs" AS theater_parent WHERE theater_parent."a" = +theater_row."x" AND theater_parent."b" = +theater_row."y")) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: refs.x,y must name a row of pairs'); END)sql"},
         {"theater_fk:refs:0:parent_delete", "pairs", false,
          R"sql(CREATE TRIGGER main."theater_fk:refs:0:parent_delete" AFTER DELETE ON "pairs" BEGIN DELETE FROM "refs" WHERE OLD."a" = "refs"."x" AND OLD."b" = "refs"."y"; END)sql"},
         {"theater_fk:refs:0:parent_update", "pairs", true,
          R"sql(CREATE TRIGGER main."theater_fk:refs:0:parent_update" AFTER UPDATE OF "a", "b" ON "pairs" WHEN NOT (OLD."a" IS NEW."a" AND OLD."b" IS NEW."b") AND EXISTS (SELECT 1 FROM "refs" AS theater_child WHERE OLD."a" = theater_child."x" AND OLD."b" = theater_child."y" AND NOT coalesce(NEW."a" = theater_child."x" AND NEW."b" = theater_child."y", 0)) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of pairs is still referenced by refs.x,y'); END)sql"}});
}

TEST(FkTriggers, CompositeKeyInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, composite()));
    ASSERT_EQ(db.exec("INSERT INTO pairs VALUES (1, 'a'), (1, 'b');"
                      "INSERT INTO refs VALUES (10, 1, 'a'), (11, 1, 'b'), (12, NULL, 'zz');"),
              "");
    EXPECT_EQ(db.exec("INSERT INTO refs VALUES (13, 2, 'a')"),
              "FOREIGN KEY constraint failed: refs.x,y must name a row of pairs");
    ASSERT_EQ(db.exec("DELETE FROM pairs WHERE a = 1 AND b = 'a'"), "");
    EXPECT_EQ(db.rows("SELECT id FROM refs ORDER BY id"), Rows({"11", "12"}));
}

// In a trigger's UPDATE or DELETE of a table named old, OLD."id" would be
// the table's own column: the children are picked by a subquery, where OLD
// is the trigger's row again, and so is the new value.
TEST(FkTriggers, ChildNamedOld) {
    const std::vector<FkTrigger> triggers = child_named_old().triggers();
    EXPECT_EQ(
        trigger(triggers, "parent_delete").sql,
        R"sql(CREATE TRIGGER main."theater_fk:old:0:parent_delete" AFTER DELETE ON "parents" BEGIN DELETE FROM "old" WHERE ("id") IN (SELECT theater_child."id" FROM "old" AS theater_child WHERE OLD."id" = theater_child."parent_id"); END)sql");
    EXPECT_EQ(
        trigger(triggers, "parent_update").sql,
        R"sql(CREATE TRIGGER main."theater_fk:old:0:parent_update" AFTER UPDATE OF "id", "rowid", "_rowid_", "oid" ON "parents" WHEN NOT (OLD."id" IS NEW."id") BEGIN UPDATE "old" SET "parent_id" = (SELECT NEW."id") WHERE ("id") IN (SELECT theater_child."id" FROM "old" AS theater_child WHERE OLD."id" = theater_child."parent_id"); END)sql");
}

TEST(FkTriggers, ChildNamedOldInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, child_named_old()));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (2, 'b');"
                      "INSERT INTO old VALUES (10, 1), (11, 2), (12, 2);"
                      "UPDATE parents SET id = 3 WHERE id = 2;"
                      "DELETE FROM parents WHERE id = 1;"),
              "");
    EXPECT_EQ(db.rows("SELECT id, parent_id FROM old ORDER BY id"), Rows({"11|3", "12|3"}));
}

// A TEXT child of a numeric parent: the cascade finds the children that
// compare equal as text, SQLite counts those equal as numbers too ('01' is
// 1): after each action, a check refuses what the action left behind.
TEST(FkTriggers, TextChildOfANumericParentIsCheckedAfterTheAction) {
    const std::vector<FkTrigger> triggers = text_child_of_numeric_parent().triggers();
    std::vector<std::string> names;
    for (const FkTrigger& t : triggers) names.push_back(t.name + (t.check ? " (check)" : ""));
    EXPECT_EQ(names, Rows({"theater_fk:uses:0:insert (check)", "theater_fk:uses:0:update (check)",
                           "theater_fk:uses:0:parent_delete", "theater_fk:uses:0:parent_delete_check (check)",
                           "theater_fk:uses:0:parent_update (check)"}));
    EXPECT_EQ(
        trigger(triggers, "parent_delete_check").sql,
        R"sql(CREATE TRIGGER main."theater_fk:uses:0:parent_delete_check" AFTER DELETE ON "codes" WHEN EXISTS (SELECT 1 FROM "uses" AS theater_child WHERE CASE WHEN typeof(OLD."code") IN ('integer', 'real') THEN CAST(OLD."code" AS NUMERIC) = theater_child."code" ELSE OLD."code" = +theater_child."code" END AND NOT coalesce(OLD."code" = theater_child."code", 0)) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of codes is still referenced by uses.code'); END)sql");
    EXPECT_EQ(
        trigger(triggers, "parent_update").sql,
        R"sql(CREATE TRIGGER main."theater_fk:uses:0:parent_update" AFTER UPDATE OF "code" ON "codes" WHEN NOT (OLD."code" IS NEW."code") AND EXISTS (SELECT 1 FROM "uses" AS theater_child WHERE CASE WHEN typeof(OLD."code") IN ('integer', 'real') THEN CAST(OLD."code" AS NUMERIC) = theater_child."code" ELSE OLD."code" = +theater_child."code" END AND NOT coalesce(CASE WHEN typeof(NEW."code") IN ('integer', 'real') THEN CAST(NEW."code" AS NUMERIC) = theater_child."code" ELSE NEW."code" = +theater_child."code" END, 0)) BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a row of codes is still referenced by uses.code'); END)sql");
}

TEST(FkTriggers, TextChildOfANumericParentInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, text_child_of_numeric_parent()));
    ASSERT_EQ(db.exec("INSERT INTO codes VALUES (1, 'one'), (2, 'two');"
                      "INSERT INTO uses VALUES (10, '01'), (11, '2');"),
              "");
    EXPECT_EQ(db.exec("DELETE FROM codes WHERE code = 1"),
              "FOREIGN KEY constraint failed: a row of codes is still referenced by uses.code");
    ASSERT_EQ(db.exec("DELETE FROM codes WHERE code = 2"), "");  // '2' is 2 as text too: cascaded
    EXPECT_EQ(db.rows("SELECT id, code FROM uses"), Rows({"10|01"}));
}

// SET DEFAULT writes the DEFAULT as SQLite's parser took it; inside a
// trigger an identifier would name a column, so it becomes its string.
struct DefaultCase {
    std::string name;
    std::string declared;  // DEFAULT <declared> in the CREATE TABLE ("": none)
    std::string dflt;      // pragma_table_xinfo's dflt_value
    std::string written;   // what the trigger's UPDATE sets
};

class SetDefault : public ::testing::TestWithParam<DefaultCase> {};

TEST_P(SetDefault, WritesTheDefault) {
    EXPECT_EQ(
        trigger(set_default(GetParam().declared, GetParam().dflt).triggers(), "parent_delete").sql,
        R"sql(CREATE TRIGGER main."theater_fk:kids:0:parent_delete" AFTER DELETE ON "parents" BEGIN UPDATE "kids" SET "a" = )sql" +
            GetParam().written + R"sql( WHERE OLD."id" = "kids"."a"; END)sql");
}

TEST_P(SetDefault, IsValidInRealSqlite) {
    oracle::Database db;
    install(db, set_default(GetParam().declared, GetParam().dflt));
}

INSTANTIATE_TEST_SUITE_P(FkTriggers, SetDefault,
                         ::testing::Values(DefaultCase{"number", "7", "7", "(7)"},
                                           DefaultCase{"signed_number", "-1", "-1", "(-1)"},
                                           DefaultCase{"string", "'x'", "'x'", "('x')"},
                                           DefaultCase{"string_with_a_quote", "'it''s'", "'it''s'", "('it''s')"},
                                           DefaultCase{"blob", "x'00'", "x'00'", "(x'00')"},
                                           DefaultCase{"bare_identifier", "other", "other", "'other'"},
                                           DefaultCase{"quoted_identifier", "\"quoted\"", "\"quoted\"", "'quoted'"},
                                           DefaultCase{"bracketed_identifier", "[bracketed]", "[bracketed]",
                                                       "'bracketed'"},
                                           DefaultCase{"true", "TRUE", "TRUE", "1"},
                                           DefaultCase{"false", "false", "false", "0"},
                                           DefaultCase{"null", "NULL", "NULL", "NULL"},
                                           DefaultCase{"current_timestamp", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP",
                                                       "CURRENT_TIMESTAMP"},
                                           DefaultCase{"expression", "(1 + 2)", "1 + 2", "(1 + 2)"},
                                           DefaultCase{"function_call", "(abs(-3))", "abs(-3)", "(abs(-3))"},
                                           DefaultCase{"no_default", "", "", "NULL"}),
                         CaseName());

TEST(FkTriggers, SetDefaultInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install(db, set_default("7", "7")));
    ASSERT_EQ(db.exec("INSERT INTO parents VALUES (1, 'a'), (7, 'default');"
                      "INSERT INTO kids VALUES (10, 1);"
                      "DELETE FROM parents WHERE id = 1;"),
              "");
    EXPECT_EQ(db.rows("SELECT id, a FROM kids"), Rows({"10|7"}));
}

// Keys the triggers cannot enforce are refused with why.
struct ErrorCase {
    std::string name;
    SchemaTable child;
    SchemaTable parent;
    std::string message;
};

std::vector<ErrorCase> error_cases() {
    auto generated_key = [](const std::string& on_delete, const std::string& on_update) {
        return table("kids",
                     {column("id", "INTEGER", 1), column("x", "INTEGER"), generated(column("g", "INTEGER"), {"x"})},
                     {foreign_key("parents", {"g"}, {"id"}, on_delete, on_update)});
    };
    SchemaTable pairs = table("pairs", {column("a", "INTEGER", 1), column("b", "TEXT", 2)});
    return {
        {"generated_column_set_null", generated_key("SET NULL", "NO ACTION"), parents(),
         "the foreign key kids.g has ON DELETE SET NULL, which would write the generated column kids.g: SQLite "
         "fails every statement that needs it (cannot UPDATE generated column)"},
        {"generated_column_set_default", generated_key("SET DEFAULT", "NO ACTION"), parents(),
         "the foreign key kids.g has ON DELETE SET DEFAULT, which would write the generated column kids.g: SQLite "
         "fails every statement that needs it (cannot UPDATE generated column)"},
        {"generated_column_update_cascade", generated_key("CASCADE", "CASCADE"), parents(),
         "the foreign key kids.g has ON UPDATE CASCADE, which would write the generated column kids.g: SQLite "
         "fails every statement that needs it (cannot UPDATE generated column)"},
        {"primary_key_of_another_size",
         table("kids", {column("id", "INTEGER", 1), column("x", "INTEGER")},
               {foreign_key("pairs", {"x"}, {""}, "NO ACTION")}),
         pairs, "the foreign key kids.x refers to the primary key of pairs, which does not have 1 column(s)"},
        {"no_such_parent_column",
         table("kids", {column("id", "INTEGER", 1), column("x", "INTEGER")},
               {foreign_key("parents", {"x"}, {"nope"}, "NO ACTION")}),
         parents(), "the foreign key kids.x refers to parents.nope, which does not exist"},
        {"default_naming_a_column_true",
         table("kids", {column("id", "INTEGER", 1), column("true", "INTEGER"),
                        with_default(column("a", "INTEGER"), "true + 1")},
               {foreign_key("parents", {"a"}, {"id"}, "SET DEFAULT")}),
         parents(),
         "the DEFAULT of kids.a (true + 1) says true, which inside a trigger names the column kids.true; write 1 "
         "or 0 instead for SET DEFAULT to be enforced"},
        {"no_name_for_the_rows",
         table("old", {column("rowid", "INTEGER"), column("_rowid_", "INTEGER"), column("oid", "INTEGER"),
                       column("a", "INTEGER")},
               {foreign_key("parents", {"a"}, {"id"}, "CASCADE")}),
         parents(),
         "old has columns named rowid, _rowid_ and oid and no primary key: the triggers have no name for its rows"},
    };
}

class FkTriggerErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FkTriggerErrors, SayWhy) {
    const ErrorCase& c = GetParam();
    try {
        fk_triggers_for(c.child, c.child.foreign_keys.at(0), c.parent, "theater_fk:" + c.child.name + ":", 2,
                        c.child.foreign_keys.at(0).columns);
        FAIL() << "no SqlError";
    } catch (const SqlError& e) {
        EXPECT_EQ(std::string(e.what()), c.message);
        EXPECT_EQ(e.code(), SQLITE_ERROR);
    }
}

INSTANTIATE_TEST_SUITE_P(FkTriggers, FkTriggerErrors, ::testing::ValuesIn(error_cases()), CaseName());

// Checks are created first, in name order; then the actions, the child
// table's row in sqlite_master up and, within one table, the key's id down:
// SQLite runs the newest trigger first.
TEST(FkTriggers, RunsLater) {
    auto action = [](const std::string& name, sqlite3_int64 child_row, int id) {
        FkTrigger t;
        t.name = name;
        t.child_row = child_row;
        t.id = id;
        return t;
    };
    auto check = [](const std::string& name) {
        FkTrigger t;
        t.name = name;
        t.check = true;
        return t;
    };
    std::vector<FkTrigger> triggers = {action("row 3, key 0", 3, 0), check("theater_fk:b:0:insert"),
                                       action("row 2, key 0", 2, 0), action("row 2, key 1", 2, 1),
                                       check("theater_fk:a:0:update"), check("theater_fk:a:0:insert")};
    std::stable_sort(triggers.begin(), triggers.end(), runs_later);
    std::vector<std::string> order;
    for (const FkTrigger& t : triggers) order.push_back(t.name);
    EXPECT_EQ(order, Rows({"theater_fk:a:0:insert", "theater_fk:a:0:update", "theater_fk:b:0:insert", "row 2, key 1",
                           "row 2, key 0", "row 3, key 0"}));
}

TEST(FkTriggers, Dotted) {
    EXPECT_EQ(dotted("kids", {"parent_id"}), "kids.parent_id");
    EXPECT_EQ(dotted("refs", {"x", "y"}), "refs.x,y");
    EXPECT_EQ(dotted("odd kids", {"odd\"ref"}), "odd kids.odd\"ref");
}

TEST(FkTriggers, DeclaresDeferred) {
    struct Case {
        const char* sql;
        bool deferred;
    };
    for (const Case& c : {
             Case{"CREATE TABLE k(p REFERENCES t DEFERRABLE INITIALLY DEFERRED)", true},
             Case{"create table k(p references t deferrable initially   \n\tdeferred)", true},
             Case{"CREATE TABLE k(p REFERENCES t DEFERRABLE INITIALLY IMMEDIATE)", false},
             Case{"CREATE TABLE k(p REFERENCES t NOT DEFERRABLE)", false},
             Case{"CREATE TABLE k(p REFERENCES t DEFERRABLE)", false},
             Case{"CREATE TABLE k(p REFERENCES t)", false},
         }) {
        EXPECT_EQ(declares_deferred(c.sql), c.deferred) << c.sql;
    }
}

// ---- parse_fk_trigger_name --------------------------------------------------

struct NameCase {
    std::string name;     // of the case
    std::string trigger;  // the trigger's name
    std::string child;
    int id;
    std::string what;
};

class ParseFkTriggerName : public ::testing::TestWithParam<NameCase> {};

TEST_P(ParseFkTriggerName, TakesOursApart) {
    std::optional<FkTriggerName> n = parse_fk_trigger_name(GetParam().trigger);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->child, GetParam().child);
    EXPECT_EQ(n->id, GetParam().id);
    EXPECT_EQ(n->what, GetParam().what);
}

INSTANTIATE_TEST_SUITE_P(
    FkTriggers, ParseFkTriggerName,
    ::testing::Values(NameCase{"insert", "theater_fk:kids:0:insert", "kids", 0, "insert"},
                      NameCase{"update", "theater_fk:kids:3:update", "kids", 3, "update"},
                      NameCase{"parent_delete", "theater_fk:kids:12:parent_delete", "kids", 12, "parent_delete"},
                      NameCase{"parent_update", "theater_fk:kids:1:parent_update", "kids", 1, "parent_update"},
                      NameCase{"parent_delete_check", "theater_fk:kids:0:parent_delete_check", "kids", 0,
                               "parent_delete_check"},
                      NameCase{"parent_update_check", "theater_fk:kids:0:parent_update_check", "kids", 0,
                               "parent_update_check"},
                      // The child's name may hold ':', even what looks like a key's id.
                      NameCase{"child_with_a_colon", "theater_fk:a:b:2:insert", "a:b", 2, "insert"},
                      NameCase{"child_like_a_key", "theater_fk:kids:0:1:parent_update", "kids:0", 1,
                               "parent_update"},
                      NameCase{"child_with_quotes", "theater_fk:my \"odd\" table:4:update", "my \"odd\" table", 4,
                               "update"}),
    CaseName());

TEST(FkTriggers, ParseFkTriggerNameRefusesOthers) {
    for (const char* name : {
             "theater_fk:kids:0:delete",            // not one of the triggers' suffixes
             "theater_fk:kids:0:insert_check",      // nor this
             "theater_fk:kids:0:",                  // no suffix
             "theater_fk:kids:0:insert:",           // something after it
             "theater_fk:kids:x:insert",            // a key's id is a number
             "theater_fk:kids:-1:insert",
             "theater_fk:kids::insert",             // and is there
             "theater_fk:kids:insert",              // no id at all
             "theater_fk:0:insert",                 // no child
             "theater_fk:kids:99999999999:insert",  // no table has that many keys
             "theater_fk:",
         }) {
        EXPECT_FALSE(parse_fk_trigger_name(name).has_value()) << name;
    }
}

// ============================================================================
// model/diagram_text: theater_diagram's Mermaid and DOT
// ============================================================================

SchemaTable authors() { return table("authors", {column("id", "INTEGER", 1), not_null(column("name", "TEXT"))}); }

// books.author_id NOT NULL, books.editor_id nullable; pragma_foreign_key_list
// numbers the keys from the last declared.
SchemaTable books() {
    return table("books",
                 {column("id", "INTEGER", 1), column("title", "TEXT"), not_null(column("author_id", "INTEGER")),
                  column("editor_id", "INTEGER")},
                 {foreign_key("authors", {"editor_id"}, {"id"}, "NO ACTION"),
                  foreign_key("authors", {"author_id"}, {"id"}, "NO ACTION")});
}

// profiles.author_id UNIQUE.
SchemaTable profiles() {
    return table("profiles", {column("id", "INTEGER", 1), column("author_id", "INTEGER")},
                 {foreign_key("authors", {"author_id"}, {"id"}, "NO ACTION")},
                 {SchemaIndex{"sqlite_autoindex_profiles_1", true, false, {"author_id"}}});
}

// Names that are no Mermaid word, and DOT's record characters.
std::vector<SchemaTable> odd_tables() {
    return {table("1st", {column("id", "INTEGER", 1), not_null(column("odd ref", "INTEGER"))},
                  {foreign_key("my \"odd\" table", {"odd ref"}, {"id"}, "NO ACTION")}),
            table("my \"odd\" table", {column("id", "INTEGER", 1), column("2nd col", "VARCHAR(20)"),
                                       column("x{y}|<z>", "TEXT"), column("back\\slash", "UNSIGNED BIG INT"),
                                       column("plain", "")})};
}

std::vector<DiagramLine> line_of_each_kind() {
    return {{"authors", "books", "one-to-many", "author_books()"},
            {"authors", "profiles", "one-to-one", "author_profile()"},
            {"books", "authors", "many-to-one", "book_author()"},
            {"books", "shelves", "many-to-many", "book_shelves()"}};
}

TEST(MermaidDiagram, TablesColumnsAndForeignKeys) {
    // A NOT NULL key names exactly one author (||), a nullable one at most one (|o).
    EXPECT_EQ(mermaid_diagram({authors(), books()}, {}), R"txt(erDiagram
    authors {
        INTEGER id PK
        TEXT name
    }
    books {
        INTEGER id PK
        TEXT title
        INTEGER author_id FK
        INTEGER editor_id FK
    }
    authors |o--o{ books : "editor_id"
    authors ||--o{ books : "author_id"
)txt");
}

TEST(MermaidDiagram, UniqueForeignKeyHasAtMostOneChild) {
    EXPECT_EQ(mermaid_diagram({authors(), profiles()}, {}), R"txt(erDiagram
    authors {
        INTEGER id PK
        TEXT name
    }
    profiles {
        INTEGER id PK
        INTEGER author_id FK
    }
    authors |o--o| profiles : "author_id"
)txt");
}

TEST(MermaidDiagram, CompositeForeignKeyNamesItsColumns) {
    SchemaTable pairs = table("pairs", {column("a", "INTEGER", 1), column("b", "TEXT", 2)});
    SchemaTable refs = table("refs", {not_null(column("x", "INTEGER")), not_null(column("y", "TEXT"))},
                             {foreign_key("pairs", {"x", "y"}, {"a", "b"}, "NO ACTION")});
    EXPECT_EQ(mermaid_diagram({pairs, refs}, {}), R"txt(erDiagram
    pairs {
        INTEGER a PK
        TEXT b PK
    }
    refs {
        INTEGER x FK
        TEXT y FK
    }
    pairs ||--o{ refs : "x, y"
)txt");
}

TEST(MermaidDiagram, ForeignKeyToATableNotDrawnIsLeftOut) {
    EXPECT_EQ(mermaid_diagram({profiles()}, {}), R"txt(erDiagram
    profiles {
        INTEGER id PK
        INTEGER author_id FK
    }
)txt");
}

TEST(MermaidDiagram, RelationshipLineOfEachKind) {
    EXPECT_EQ(mermaid_diagram({}, line_of_each_kind()), R"txt(erDiagram
    authors ||..o{ books : "author_books()"
    authors ||..o| profiles : "author_profile()"
    books }o..|| authors : "book_author()"
    books }o..o{ shelves : "book_shelves()"
)txt");
}

// An entity that is no word gets a word and its name as a label; a column,
// its name as the attribute's comment; a type, its words up to '('.
TEST(MermaidDiagram, NamesThatAreNoWords) {
    EXPECT_EQ(mermaid_diagram(odd_tables(), {{"my \"odd\" table", "1st", "one-to-many", "odd_firsts()"}}),
              R"txt(erDiagram
    _1st["1st"] {
        INTEGER id PK
        INTEGER odd_ref FK "odd ref"
    }
    my__odd__table["my #quot;odd#quot; table"] {
        INTEGER id PK
        VARCHAR _2nd_col "2nd col"
        TEXT x_y___z_ "x{y}|<z>"
        UNSIGNED_BIG_INT back_slash "back\slash"
        ANY plain
    }
    my__odd__table ||--o{ _1st : "odd ref"
    my__odd__table ||..o{ _1st : "odd_firsts()"
)txt");
}

TEST(DotDiagram, TablesColumnsAndForeignKeys) {
    EXPECT_EQ(dot_diagram({authors(), books()}, {}), R"txt(digraph theater {
    rankdir=LR;
    node [shape=record, fontname="Helvetica"];
    "authors" [label="{authors|id INTEGER PK\lname TEXT\l}"];
    "books" [label="{books|id INTEGER PK\ltitle TEXT\lauthor_id INTEGER FK\leditor_id INTEGER FK\l}"];
    "books" -> "authors" [label="editor_id"];
    "books" -> "authors" [label="author_id"];
}
)txt");
}

TEST(DotDiagram, ForeignKeyToATableNotDrawnIsLeftOut) {
    EXPECT_EQ(dot_diagram({profiles()}, {}), R"txt(digraph theater {
    rankdir=LR;
    node [shape=record, fontname="Helvetica"];
    "profiles" [label="{profiles|id INTEGER PK\lauthor_id INTEGER FK\l}"];
}
)txt");
}

TEST(DotDiagram, RelationshipLineOfEachKind) {
    EXPECT_EQ(dot_diagram({}, line_of_each_kind()), R"txt(digraph theater {
    rankdir=LR;
    node [shape=record, fontname="Helvetica"];
    "authors" -> "books" [label="author_books() one-to-many", style=dashed];
    "authors" -> "profiles" [label="author_profile() one-to-one", style=dashed];
    "books" -> "authors" [label="book_author() many-to-one", style=dashed];
    "books" -> "shelves" [label="book_shelves() many-to-many", style=dashed];
}
)txt");
}

// IDs are quoted strings (\" and \\ inside); record labels also escape
// { } | < > (a field's structure), and \l ends each left-aligned line.
TEST(DotDiagram, NamesAreEscaped) {
    EXPECT_EQ(dot_diagram(odd_tables(), {{"my \"odd\" table", "1st", "one-to-many", "odd_firsts()"}}),
              R"txt(digraph theater {
    rankdir=LR;
    node [shape=record, fontname="Helvetica"];
    "1st" [label="{1st|id INTEGER PK\lodd ref INTEGER FK\l}"];
    "my \"odd\" table" [label="{my \"odd\" table|id INTEGER PK\l2nd col VARCHAR(20)\lx\{y\}\|\<z\> TEXT\lback\\slash UNSIGNED BIG INT\lplain\l}"];
    "1st" -> "my \"odd\" table" [label="odd ref"];
    "my \"odd\" table" -> "1st" [label="odd_firsts() one-to-many", style=dashed];
}
)txt");
}

// Control characters would end a Mermaid line or a DOT string: spaces.
TEST(Diagrams, ControlCharactersBecomeSpaces) {
    std::vector<SchemaTable> tables = {table("a\nb", {column("c\td", "INTEGER")})};
    EXPECT_EQ(mermaid_diagram(tables, {}), "erDiagram\n    a_b[\"a b\"] {\n        INTEGER c_d \"c d\"\n    }\n");
    EXPECT_EQ(dot_diagram(tables, {}),
              "digraph theater {\n    rankdir=LR;\n    node [shape=record, fontname=\"Helvetica\"];\n"
              "    \"a b\" [label=\"{a b|c d INTEGER\\l}\"];\n}\n");
}

// ============================================================================
// core/quote
// ============================================================================

struct QuoteCase {
    std::string text;
    std::string identifier;  // quote_identifier
    std::string literal;     // sql_literal
    std::string json;        // json_string
};

TEST(Quote, EveryKindOfText) {
    for (const QuoteCase& c : {
             QuoteCase{"plain", R"("plain")", "'plain'", R"("plain")"},
             QuoteCase{"", R"("")", "''", R"("")"},
             QuoteCase{"my \"odd\" table", R"("my ""odd"" table")", R"('my "odd" table')", R"("my \"odd\" table")"},
             QuoteCase{"it's", R"("it's")", "'it''s'", R"("it's")"},
             QuoteCase{"''", R"("''")", "''''''", R"("''")"},
             QuoteCase{"\"", R"("""")", R"('"')", R"("\"")"},
             QuoteCase{"back\\slash", R"("back\slash")", R"('back\slash')", R"("back\\slash")"},
             QuoteCase{"line\nbreak\ttab", "\"line\nbreak\ttab\"", "'line\nbreak\ttab'",
                       R"("line\u000abreak\u0009tab")"},
             QuoteCase{std::string("nul\0byte", 8), std::string("\"nul\0byte\"", 10), std::string("'nul\0byte'", 10),
                       R"("nul\u0000byte")"},
             QuoteCase{"\x01\x1f\x7f", "\"\x01\x1f\x7f\"", "'\x01\x1f\x7f'", "\"\\u0001\\u001f\x7f\""},
             QuoteCase{"caf\xc3\xa9 \xe2\x9c\x93", "\"caf\xc3\xa9 \xe2\x9c\x93\"", "'caf\xc3\xa9 \xe2\x9c\x93'",
                       "\"caf\xc3\xa9 \xe2\x9c\x93\""},  // UTF-8 kept as it is
         }) {
        EXPECT_EQ(quote_identifier(c.text), c.identifier) << c.text;
        EXPECT_EQ(sql_literal(c.text), c.literal) << c.text;
        EXPECT_EQ(json_string(c.text), c.json) << c.text;
    }
}

// What the quoting is for: any text comes back from SQLite as it was.
TEST(Quote, RoundTripsThroughRealSqlite) {
    oracle::Database db;
    for (const std::string text : {"plain", "my \"odd\" table", "it's", "''", "back\\slash", "caf\xc3\xa9"}) {
        EXPECT_EQ(db.rows("SELECT " + sql_literal(text) + " AS " + quote_identifier(text)), Rows({text})) << text;
        EXPECT_EQ(db.exec("CREATE TABLE " + quote_identifier(text) + "(" + quote_identifier(text) + ")"), "") << text;
        EXPECT_EQ(db.rows("SELECT name FROM sqlite_master WHERE name = " + sql_literal(text)), Rows({text})) << text;
        EXPECT_EQ(db.rows("SELECT json_extract('[' || " + sql_literal(json_string(text)) + " || ']', '$[0]')"),
                  Rows({text}))
            << text;
    }
}

TEST(Quote, SameName) {
    EXPECT_TRUE(same_name("roles", "roles"));
    EXPECT_TRUE(same_name("Roles", "rOLES"));
    EXPECT_TRUE(same_name("Role_ID", "role_id"));
    EXPECT_TRUE(same_name("", ""));
    EXPECT_FALSE(same_name("roles", "role"));
    EXPECT_FALSE(same_name("role", "roles"));
    EXPECT_FALSE(same_name("roles ", "roles"));
    // ASCII only, as SQLite compares names: É and é differ.
    EXPECT_FALSE(same_name("\xc3\x89", "\xc3\xa9"));
}

TEST(Quote, AsciiUpper) {
    EXPECT_EQ(ascii_upper("set null"), "SET NULL");
    EXPECT_EQ(ascii_upper("No Action 42_x"), "NO ACTION 42_X");
    EXPECT_EQ(ascii_upper(""), "");
    EXPECT_EQ(ascii_upper("caf\xc3\xa9"), "CAF\xc3\xa9");  // bytes past ASCII unchanged
}


// --- General paths (issue 15): the SQL spec_for writes for any key, views,
// the user's filter and order, and trees.

JoinPath general_path() {
    JoinPath p;
    p.general = true;
    p.kind = JoinPath::kOneToMany;
    p.from_table = "enrolments";
    p.to_table = "grades";
    p.to_columns = {{"id", "INTEGER"}, {"grade", "INTEGER"}};
    p.g.keys = {{"student", "TEXT"}, {"course", "INTEGER"}};
    p.g.arguments = {"student", "course"};
    p.g.from_columns = {"student", "course"};
    p.g.first_columns = {"student", "course"};
    p.g.where = "grade > 50";
    p.g.order_by = {{"grade", " DESC"}};
    p.g.tie_break = {"rowid"};
    return p;
}

constexpr const char* kGeneralSchema =
    "CREATE TABLE enrolments (student TEXT, course INTEGER, PRIMARY KEY (student, course)) WITHOUT ROWID;"
    "CREATE TABLE grades (id INTEGER PRIMARY KEY, student TEXT, course INTEGER, grade INTEGER);"
    "CREATE TABLE employees (id TEXT PRIMARY KEY, manager TEXT);";

TEST(GeneralSpec, SeekIsOneStatementPerKeyOverTheTargetAsASubquery) {
    RelationshipSpec s = spec_for("marks", general_path());
    EXPECT_TRUE(s.general);
    EXPECT_EQ(seek_sql(s),
              "SELECT t.\"theater c0\", t.\"theater c1\", s.\"student\", s.\"course\" FROM main.\"enrolments\" AS s "
              "JOIN (SELECT \"grades\".\"id\" AS \"theater c0\", \"grades\".\"grade\" AS \"theater c1\", "
              "\"grades\".\"student\" AS \"theater j0\", \"grades\".\"course\" AS \"theater j1\", (\ngrade\n) AS "
              "\"theater o0\", \"grades\".\"rowid\" AS \"theater b0\" FROM main.\"grades\" WHERE (\ngrade > 50\n)) AS t "
              "ON t.\"theater j0\" = s.\"student\" AND t.\"theater j1\" = s.\"course\" "
              "WHERE s.\"student\" = ?1 AND s.\"course\" = ?2 ORDER BY +t.\"theater o0\" DESC, t.\"theater b0\"");
    EXPECT_EQ(table_declaration(s),
              "CREATE TABLE x(\"id\" INTEGER, \"grade\" INTEGER, \"student\" TEXT HIDDEN, \"course\" INTEGER HIDDEN)");
    EXPECT_EQ(view_columns(s), (std::vector<std::string>{"id", "grade", "student", "course"}));
    EXPECT_TRUE(s.rowid.empty());
}

TEST(GeneralSpec, EveryQueryPreparesInRealSqlite) {
    oracle::Database db;
    ASSERT_EQ(db.exec(kGeneralSchema), "");
    RelationshipSpec s = spec_for("marks", general_path());
    int columns = 0;
    EXPECT_EQ(db.prepare(seek_sql(s), &columns), "") << seek_sql(s);
    EXPECT_EQ(columns, 4);
    EXPECT_EQ(db.prepare(scan_sql(s), &columns), "") << scan_sql(s);
    EXPECT_EQ(columns, 4);
    EXPECT_EQ(db.prepare(view_select(s)), "") << view_select(s);
}

TEST(GeneralSpec, ATieBreakColumnTheJoinMatchesIsBehindUnaryPlus) {
    JoinPath p = general_path();
    p.kind = JoinPath::kManyToOne;
    p.g.order_by.clear();
    p.g.tie_break = {"student", "course"};  // the target's key, which the join matches
    RelationshipSpec s = spec_for("m", p);
    EXPECT_EQ(s.order, "+t.\"theater b0\", +t.\"theater b1\"");
}

TEST(GeneralSpec, ATreeReadsTheNextKeysAndListsItsRoots) {
    JoinPath p;
    p.general = true;
    p.kind = JoinPath::kOneToMany;
    p.from_table = p.to_table = "employees";
    p.to_columns = {{"id", "TEXT"}};
    p.g.keys = {{"id", "TEXT"}};
    p.g.arguments = {"manager"};
    p.g.from_columns = {"id"};
    p.g.first_columns = {"manager"};
    p.g.tie_break = {"rowid"};
    p.g.recursive = true;
    p.g.max_depth = 3;
    p.g.next = {"id"};      // the row's from_columns: what its children's manager matches
    p.g.identity = {"id"};  // its key
    p.g.children_by_value = true;
    RelationshipSpec s = spec_for("reports", p);
    EXPECT_TRUE(s.recursive);
    EXPECT_EQ(s.max_depth, 3);
    EXPECT_EQ(s.next, (std::vector<std::string>{"t.\"theater n0\""}));
    EXPECT_EQ(s.identity, (std::vector<std::string>{"t.\"theater k0\""}));
    // Below the first level, the target alone, sought by the parent's values.
    EXPECT_EQ(s.children,
              "SELECT t.\"theater c0\", t.\"theater n0\", t.\"theater k0\" FROM (SELECT \"employees\".\"id\" AS "
              "\"theater c0\", \"employees\".\"manager\" AS \"theater j0\", \"employees\".\"id\" AS \"theater n0\", "
              "\"employees\".\"id\" AS \"theater k0\", \"employees\".\"rowid\" AS \"theater b0\" FROM main.\"employees\") "
              "AS t WHERE t.\"theater j0\" = ?1 ORDER BY t.\"theater b0\"");
    EXPECT_EQ(s.roots, "SELECT DISTINCT s.\"id\" FROM main.\"employees\" AS s WHERE s.\"id\" IS NOT NULL ORDER BY s.\"id\"");
    EXPECT_EQ(table_declaration(s), "CREATE TABLE x(\"id\" TEXT, \"depth\" INTEGER, \"manager\" TEXT HIDDEN)");
    oracle::Database db;
    ASSERT_EQ(db.exec(kGeneralSchema), "");
    int columns = 0;
    EXPECT_EQ(db.prepare(seek_sql(s), &columns), "") << seek_sql(s);
    EXPECT_EQ(columns, 4);  // the column, the key, next, identity
    EXPECT_EQ(db.prepare(s.children, &columns), "") << s.children;
    EXPECT_EQ(columns, 3);  // the column, next, identity
    EXPECT_EQ(db.prepare(s.roots), "");
}

// ============================================================================
// theater/casting_sheet_stored: the stored casting sheet and its triggers
// ============================================================================

// The recomputation every trigger that can move a hire runs: the lead and
// understudy of the sheet's rows whose role_id satisfies `keys`, each one
// seek of the covering index auditions_hired_by_role.
std::string recompute_hires(const std::string& keys) {
    const std::string hire =
        R"sql((SELECT theater_hire."id", theater_hire."actor" FROM "auditions" AS theater_hire WHERE theater_hire."role_id" = "casting_sheet_stored"."role_id" AND theater_hire."hired" = 1 ORDER BY theater_hire."id" LIMIT 1)sql";
    return R"sql(UPDATE "casting_sheet_stored" SET ("lead", "lead_actor") = )sql" + hire +
           R"sql(), ("understudy", "understudy_actor") = )sql" + hire + R"sql( OFFSET 1) WHERE "role_id" )sql" + keys +
           ";";
}

const std::string kRecomputeNoted =
    recompute_hires(
        R"sql(IN (SELECT theater_pending."role_id" FROM "casting_sheet_stored_pending" AS theater_pending))sql") +
    R"sql( DELETE FROM "casting_sheet_stored_pending";)sql";
const std::string kNoteHoldersRole =
    R"sql(INSERT INTO "casting_sheet_stored_pending" ("role_id") SELECT theater_old."role_id" FROM "auditions" AS theater_old WHERE theater_old."id" = NEW."id" AND theater_old."hired" = 1 AND NOT EXISTS (SELECT 1 FROM "casting_sheet_stored_pending" AS theater_pending WHERE theater_pending."role_id" = theater_old."role_id");)sql";
const std::string kRoleRowFromNew =
    R"sql(INSERT INTO "casting_sheet_stored" ("role_id", "character_name") VALUES (NEW."id", NEW."character_name"); )sql" +
    recompute_hires(R"sql(= NEW."id")sql");

std::vector<std::pair<std::string, std::string>> stored_sheet_expected() {
    return {
        {"casting_sheet_stored",
         R"sql(CREATE TABLE main."casting_sheet_stored" ("role_id" INTEGER PRIMARY KEY, "character_name" TEXT, "lead" INTEGER, "lead_actor" TEXT, "understudy" INTEGER, "understudy_actor" TEXT))sql"},
        {"casting_sheet_stored_pending", R"sql(CREATE TABLE main."casting_sheet_stored_pending" ("role_id" INTEGER))sql"},
        {"casting_sheet_stored:roles:insert",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:roles:insert" AFTER INSERT ON "roles" BEGIN DELETE FROM "casting_sheet_stored" WHERE "role_id" = NEW."id"; )sql" +
             kRoleRowFromNew + " END"},
        {"casting_sheet_stored:roles:update",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:roles:update" AFTER UPDATE OF "id", "rowid", "oid", "_rowid_", "character_name" ON "roles" WHEN OLD."id" IS NOT NEW."id" OR OLD."character_name" IS NOT NEW."character_name" BEGIN DELETE FROM "casting_sheet_stored" WHERE "role_id" IN (OLD."id", NEW."id"); )sql" +
             kRoleRowFromNew + " END"},
        {"casting_sheet_stored:roles:delete",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:roles:delete" AFTER DELETE ON "roles" BEGIN DELETE FROM "casting_sheet_stored" WHERE "role_id" = OLD."id"; END)sql"},
        {"casting_sheet_stored:auditions:before_insert",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:before_insert" BEFORE INSERT ON "auditions" WHEN EXISTS (SELECT 1 FROM "auditions" AS theater_old WHERE theater_old."id" = NEW."id" AND theater_old."hired" = 1) BEGIN )sql" +
             kNoteHoldersRole + " END"},
        {"casting_sheet_stored:auditions:insert",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:insert" AFTER INSERT ON "auditions" WHEN NEW."hired" = 1 BEGIN )sql" +
             recompute_hires(R"sql(= NEW."role_id")sql") + " END"},
        {"casting_sheet_stored:auditions:insert_noted",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:insert_noted" AFTER INSERT ON "auditions" WHEN EXISTS (SELECT 1 FROM "casting_sheet_stored_pending") BEGIN )sql" +
             kRecomputeNoted + " END"},
        {"casting_sheet_stored:auditions:before_update",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:before_update" BEFORE UPDATE OF "id", "rowid", "oid", "_rowid_" ON "auditions" WHEN OLD."id" IS NOT NEW."id" AND EXISTS (SELECT 1 FROM "auditions" AS theater_old WHERE theater_old."id" = NEW."id" AND theater_old."hired" = 1) BEGIN )sql" +
             kNoteHoldersRole + " END"},
        {"casting_sheet_stored:auditions:update",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:update" AFTER UPDATE OF "id", "rowid", "oid", "_rowid_", "role_id", "hired", "actor" ON "auditions" WHEN (OLD."hired" = 1 OR NEW."hired" = 1) AND (OLD."id" IS NOT NEW."id" OR OLD."role_id" IS NOT NEW."role_id" OR OLD."hired" IS NOT NEW."hired" OR OLD."actor" IS NOT NEW."actor") BEGIN )sql" +
             recompute_hires(R"sql(= OLD."role_id")sql") + " " +
             recompute_hires(R"sql(= NEW."role_id" AND OLD."role_id" IS NOT NEW."role_id")sql") + " END"},
        {"casting_sheet_stored:auditions:update_noted",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:update_noted" AFTER UPDATE OF "id", "rowid", "oid", "_rowid_" ON "auditions" WHEN EXISTS (SELECT 1 FROM "casting_sheet_stored_pending") BEGIN )sql" +
             kRecomputeNoted + " END"},
        {"casting_sheet_stored:auditions:delete",
         R"sql(CREATE TRIGGER main."casting_sheet_stored:auditions:delete" AFTER DELETE ON "auditions" WHEN OLD."hired" = 1 BEGIN )sql" +
             recompute_hires(R"sql(= OLD."role_id")sql") + " END"},
    };
}

TEST(StoredSheet, TheTablesThenTheTriggersAsTheyAreCreated) {
    const std::vector<StoredSheetObject> objects = stored_sheet_objects();
    const auto expected = stored_sheet_expected();
    ASSERT_EQ(objects.size(), expected.size());
    for (std::size_t i = 0; i < objects.size(); ++i) {
        SCOPED_TRACE(expected[i].first);
        EXPECT_EQ(objects[i].name, expected[i].first);
        EXPECT_EQ(objects[i].type, i < 2 ? "table" : "trigger");
        EXPECT_EQ(objects[i].create, expected[i].second);
    }
}

TEST(StoredSheet, FillReadsRoleCastingAndMatchesComparesEveryColumn) {
    EXPECT_EQ(stored_sheet_fill_sql(),
              R"sql(INSERT INTO main."casting_sheet_stored" ("role_id", "character_name", "lead", "lead_actor", "understudy", "understudy_actor") SELECT "role_id", "character_name", "lead", "lead_actor", "understudy", "understudy_actor" FROM main."role_casting")sql");
    EXPECT_EQ(stored_sheet_matches_sql(),
              R"sql(SELECT (SELECT count(*) FROM main."casting_sheet_stored") = count(*) AND coalesce(max(s."role_id" IS NULL OR s."character_name" IS NOT c."character_name" OR s."lead" IS NOT c."lead" OR s."lead_actor" IS NOT c."lead_actor" OR s."understudy" IS NOT c."understudy" OR s."understudy_actor" IS NOT c."understudy_actor"), 0) = 0 FROM main."role_casting" AS c LEFT JOIN main."casting_sheet_stored" AS s ON s."role_id" = c."role_id")sql");
}

// The migrated schema with the stored sheet on. role_casting is the
// extension's, which the oracle lacks: the plain-SQL view casting_sheet
// (migration 4, the same rows) stands in for it under its name.
void install_stored_sheet(oracle::Database& db) {
    std::size_t count = 0;
    const Migration* migrations = embedded_migrations(&count);
    for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(db.exec(migrations[i].up), "") << migrations[i].name;
    ASSERT_EQ(db.exec("CREATE VIEW role_casting AS SELECT * FROM casting_sheet;"
                      "INSERT INTO roles VALUES (1, 'Hamlet'), (2, 'Ophelia'), (3, 'Ghost');"
                      "INSERT INTO auditions (id, actor, location, hired, role_id) VALUES"
                      " (1, 'Sam', 'NY', 1, 1), (2, 'Kevin', 'NY', 1, 1), (3, 'Ethan', 'LA', 1, 1),"
                      " (4, 'Helena', 'London', 0, 2), (5, 'Kate', 'London', 1, 2);"),
              "");
    for (const StoredSheetObject& o : stored_sheet_objects()) {
        if (o.type == "table") {
            ASSERT_EQ(db.exec(o.create), "") << o.create;
        }
    }
    ASSERT_EQ(db.exec(stored_sheet_fill_sql()), "");
    for (const StoredSheetObject& o : stored_sheet_objects()) {
        if (o.type == "trigger") {
            ASSERT_EQ(db.exec(o.create), "") << o.create;
        }
    }
}

constexpr const char* kStoredRows =
    "SELECT *, typeof(character_name), typeof(lead_actor), typeof(understudy_actor) FROM casting_sheet_stored";
constexpr const char* kViewRows =
    "SELECT *, typeof(character_name), typeof(lead_actor), typeof(understudy_actor) FROM casting_sheet";

// What the call compares with sqlite_master to know its own objects.
TEST(StoredSheet, StoredIsTheCreateAsSqliteKeepsIt) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install_stored_sheet(db));
    for (const StoredSheetObject& o : stored_sheet_objects()) {
        SCOPED_TRACE(o.name);
        EXPECT_EQ(o.create.substr(0, o.create.find(" main.")) + " " + o.create.substr(o.create.find(" main.") + 6),
                  o.stored);
        EXPECT_EQ(db.rows("SELECT type, sql FROM sqlite_master WHERE name = " + sql_literal(o.name)),
                  Rows({o.type + "|" + o.stored}));
    }
}

TEST(StoredSheet, KeepsTheSheetThroughWritesInRealSqlite) {
    oracle::Database db;
    ASSERT_NO_FATAL_FAILURE(install_stored_sheet(db));
    EXPECT_EQ(db.rows(kStoredRows), Rows({"1|Hamlet|1|Sam|2|Kevin|text|text|text",
                                          "2|Ophelia|5|Kate|NULL|NULL|text|text|null",
                                          "3|Ghost|NULL|NULL|NULL|NULL|text|null|null"}));
    EXPECT_EQ(db.rows(stored_sheet_matches_sql()), Rows({"1"}));
    // Each write below moves a lead or an understudy in its own way.
    const char* const writes[] = {
        "UPDATE auditions SET hired = 0 WHERE id = 1",                  // the lead leaves: the understudy leads
        "UPDATE auditions SET hired = 1 WHERE id = 4",                  // an earlier id hired: a new lead
        "UPDATE auditions SET role_id = 3 WHERE id = 5",                // moves between roles: both change
        "UPDATE auditions SET actor = x'4b617465' WHERE id = 5",        // a blob actor stays a blob
        "UPDATE auditions SET oid = 9 WHERE id = 2",                    // the id by another name
        "INSERT OR REPLACE INTO auditions VALUES (3, 'Rep', 'X', NULL, 0, 2)",  // takes a hired id: no delete trigger
        "UPDATE OR REPLACE auditions SET id = 9 WHERE id = 4",          // the same by UPDATE
        "INSERT INTO roles VALUES (4, 'Yorick')",
        "UPDATE roles SET character_name = 'Ghost of Hamlet' WHERE id = 3",
        "UPDATE roles SET rowid = 7 WHERE id = 4",                      // a role with no auditions takes a new id
        "INSERT OR REPLACE INTO roles VALUES (1, 'Prince Hamlet')",     // replaced in place, auditions kept
        "DELETE FROM roles WHERE id = 3",                               // its auditions go with it
        "INSERT INTO auditions (actor, location, hired, role_id) VALUES ('New', 'Y', 1, 2)",
        "DELETE FROM auditions WHERE hired = 1",
    };
    for (const char* write : writes) {
        SCOPED_TRACE(write);
        ASSERT_EQ(db.exec(write), "");
        EXPECT_EQ(db.rows(kStoredRows), db.rows(kViewRows));
        EXPECT_EQ(db.rows(stored_sheet_matches_sql()), Rows({"1"}));
    }
    EXPECT_EQ(db.rows("SELECT count(*) FROM casting_sheet_stored_pending"), Rows({"0"}));
    // Written by hand, it no longer matches: the call makes it again.
    ASSERT_EQ(db.exec("UPDATE casting_sheet_stored SET lead_actor = 'x' WHERE role_id = 1"), "");
    EXPECT_EQ(db.rows(stored_sheet_matches_sql()), Rows({"0"}));
    ASSERT_EQ(db.exec("DELETE FROM casting_sheet_stored WHERE role_id = 1"), "");
    EXPECT_EQ(db.rows(stored_sheet_matches_sql()), Rows({"0"}));
}


// ---- Only the columns a statement reads (reading_columns) ----

RelationshipSpec path_spec(const std::string& name) { return spec_for("x", path_case(name).path); }

// Whether reading_columns(s, col_used) computes fewer columns than s (what
// relationship_best_index asks before it passes an idxStr).
bool reads_fewer(const RelationshipSpec& s, std::uint64_t col_used) {
    return columns_read(s, col_used) != columns_read(s, ~std::uint64_t{0});
}

TEST(ReadingColumns, ComputesEachUnreadColumnAsNull) {
    RelationshipSpec s = reading_columns(path_spec("many_to_one"), 0b010);  // name only
    EXPECT_EQ(seek_sql(s),
              R"sql(SELECT NULL, t."name", NULL, s."id", s."id" FROM main."books" AS s JOIN main."authors" AS t ON t."id" = s."author_id" WHERE s."id" >= ?1 ORDER BY s."id")sql");
    EXPECT_EQ(scan_sql(s),
              R"sql(SELECT NULL, t."name", NULL, s."id", s."id" FROM main."books" AS s JOIN main."authors" AS t ON t."id" = s."author_id" WHERE s."id" IS NOT NULL ORDER BY s."id")sql");
    EXPECT_TRUE(reads_fewer(path_spec("many_to_one"), 0b010));
}

TEST(ReadingColumns, KeepsTheColumnTheRowidIsReadFrom) {
    // books.id is both an output column and the rowid (rowid_output).
    RelationshipSpec s = reading_columns(path_spec("one_to_many_numeric_fk"), 0);
    EXPECT_EQ(seek_sql(s),
              R"sql(SELECT t."id", NULL, t."author_id", NULL FROM main."books" AS t WHERE t."author_id" >= ?1 ORDER BY t."author_id", t."id")sql");
    EXPECT_EQ(rowid_output(s), rowid_output(path_spec("one_to_many_numeric_fk")));
}

TEST(ReadingColumns, EveryColumnReadIsTheSpecUnchanged) {
    for (const PathCase& c : path_cases()) {
        RelationshipSpec s = spec_for("x", c.path);
        std::uint64_t all = (std::uint64_t{1} << s.columns.size()) - 1;
        EXPECT_FALSE(reads_fewer(s, all)) << c.name;
        EXPECT_EQ(reading_columns(s, all), s) << c.name;
        // Bits past the columns (the hidden arguments) change nothing.
        EXPECT_EQ(reading_columns(s, ~std::uint64_t{0}), s) << c.name;
    }
}

TEST(ReadingColumns, TheSixtyFourthBitStandsForEveryLaterColumn) {
    RelationshipSpec s = path_spec("one_to_many_plain");
    s.columns.clear();
    for (int i = 0; i < 70; ++i) s.columns.push_back({"c" + std::to_string(i), "INTEGER", "t.c" + std::to_string(i)});
    RelationshipSpec read = reading_columns(s, std::uint64_t{1} << 63);
    for (int i = 0; i < 70; ++i) {
        EXPECT_EQ(read.columns[static_cast<std::size_t>(i)].expr, i < 63 ? "NULL" : "t.c" + std::to_string(i)) << i;
    }
    EXPECT_FALSE(reads_fewer(s, ~std::uint64_t{0}));
    EXPECT_TRUE(reads_fewer(s, ~std::uint64_t{0} >> 1));  // columns 63 to 69 not read
}

TEST(ReadingColumns, TheMaskNamesOnlyWhatIsComputed) {
    // books.id (column 0) is the rowid's column, computed whether read or
    // not; bit 2 is the hidden argument; bits past it name no column.
    RelationshipSpec s = path_spec("one_to_many_numeric_fk");
    const std::uint64_t title = 0b010;
    for (std::uint64_t noise : {std::uint64_t{0}, std::uint64_t{0b001}, std::uint64_t{0b100},
                                std::uint64_t{0b101}, std::uint64_t{1} << 40}) {
        EXPECT_EQ(columns_read(s, title | noise), 0b011u) << noise;
        EXPECT_EQ(reading_columns(s, columns_read(s, title | noise)), reading_columns(s, title)) << noise;
    }
    EXPECT_EQ(columns_read(s, 0), 0b001u);
    EXPECT_EQ(columns_read(s, ~std::uint64_t{0}), 0b011u);
}

TEST(ReadingColumns, AGeneralSpecComputesEveryColumn) {
    // Its queries also serve writes and trees: never pruned.
    RelationshipSpec s = spec_for("marks", general_path());
    EXPECT_FALSE(reads_fewer(s, 0));
    EXPECT_EQ(reading_columns(s, 0), s);
}

}  // namespace
}  // namespace theater
