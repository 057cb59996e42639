// Unit tests of model/fragment.hpp: the lexical checks of the options
// "where" and "order_by", the split of an ORDER BY list, and the judge of
// what a fragment may read and call, against hostile texts (the options are
// read back from a database file, so they are untrusted).
//
// validate_fragments reaches SQLite through the extension's routine table
// (sqlite3_api), which is null in this executable: the fixture fills it with
// the system SQLite's own table, handed over by an auto extension as SQLite
// hands it to any extension it loads. The application's connection is the
// oracle namespace's, written before the extension's headers (which route
// every later sqlite3_* call through that same table, to the same library).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

namespace oracle {

const sqlite3_api_routines* captured = nullptr;

int capture(sqlite3*, char**, const sqlite3_api_routines* api) {
    captured = api;
    return SQLITE_OK;
}

// The routine table SQLite gives an extension: the one an auto extension
// receives when a connection opens.
const sqlite3_api_routines* host_routines() {
    sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(capture));
    sqlite3* db = nullptr;
    sqlite3_open(":memory:", &db);
    sqlite3_close(db);
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(capture));
    return captured;
}

void do_nothing(sqlite3_context* context, int, sqlite3_value**) { sqlite3_result_null(context); }

int count_calls(void* calls, int, const char*, const char*, const char*, const char*) {
    ++*static_cast<int*>(calls);
    return SQLITE_OK;
}

// The application's connection.
class Database {
public:
    Database() { sqlite3_open(":memory:", &db_); }
    ~Database() { sqlite3_close(db_); }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    sqlite3* handle() const { return db_; }
    std::string exec(const std::string& sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return "";
        std::string message = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        return message;
    }
    void add_function(const char* name, int narg, int flags) {
        sqlite3_create_function_v2(db_, name, narg, SQLITE_UTF8 | flags, nullptr, do_nothing, nullptr, nullptr,
                                   nullptr);
    }
    // An authorizer of the application's that counts its calls.
    void count_authorizations(int* calls) { sqlite3_set_authorizer(db_, count_calls, calls); }
    void interrupt() { sqlite3_interrupt(db_); }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace oracle

#include "model/fragment.hpp"

namespace theater {

// How GoogleTest shows a term (found by argument-dependent lookup, so in OrderTerm's namespace).
void PrintTo(const OrderTerm& t, std::ostream* os) { *os << "{" << t.expr << "|" << t.suffix << "}"; }

namespace {

// ============================================================================
// check_fragment_text
// ============================================================================

struct TextCase {
    std::string name;
    std::string text;
    std::string error;  // "" when accepted
};

std::string check_text(const char* option, const std::string& text) {
    try {
        check_fragment_text(option, text);
        return "";
    } catch (const SqlError& e) {
        return e.what();
    }
}

class FragmentText : public ::testing::TestWithParam<TextCase> {};

TEST_P(FragmentText, AcceptsOrRefuses) {
    const TextCase& c = GetParam();
    EXPECT_EQ(check_text("where", c.text), c.error) << c.text;
}

const std::string kWhere = "option \"where\"";

INSTANTIATE_TEST_SUITE_P(
    Cases, FragmentText,
    ::testing::Values(
        TextCase{"Plain", "hired = 1", ""},
        TextCase{"Nested", "(a + (b * c)) > f(d, (e))", ""},
        TextCase{"QuotesHoldEverything", "title = ';)(' AND \"odd;(\" = [x)] AND `y;` = 'it''s'", ""},
        TextCase{"DoubledQuoteInName", "\"a\"\"b\" = 1", ""},
        TextCase{"LineCommentAtEnd", "hired = 1 -- the hired ones", ""},
        TextCase{"LineCommentHidesEverything", "hired = 1 -- ; ) ( '", ""},
        TextCase{"BlockComment", "hired /* ; ) */ = 1", ""},
        TextCase{"Utf8", "title = 'é' AND \"naïve\" = 1", ""},
        TextCase{"Empty", "", kWhere + " must not be empty"},
        TextCase{"Spaces", " \t\n ", kWhere + " must not be empty"},
        TextCase{"OnlyComments", "/* x */ -- y", kWhere + " must not be empty"},
        TextCase{"UnclosedString", "title = 'abc", kWhere + ": ' at character 9 is not closed"},
        TextCase{"UnclosedName", "\"title = 1", kWhere + ": \" at character 1 is not closed"},
        TextCase{"UnclosedBracket", "[title = 1", kWhere + ": [ at character 1 is not closed"},
        TextCase{"UnclosedBacktick", "`title = 1", kWhere + ": ` at character 1 is not closed"},
        TextCase{"UnclosedComment", "hired = 1 /* ", kWhere + ": /* at character 11 is not closed"},
        TextCase{"CharactersNotBytes", "'é' = 'x", kWhere + ": ' at character 7 is not closed"},
        TextCase{"UnclosedParenthesis", "f((a)", kWhere + ": ( at character 2 is not closed"},
        TextCase{"ClosesMoreThanOpened", "1) OR (1", kWhere + ": ) at character 2 closes no ("},
        TextCase{"UnionBreakout", "1) UNION SELECT name FROM authors --",
                 kWhere + ": ) at character 2 closes no ("},
        TextCase{"StrayCloseBeforeUnclosedQuote", "a) = 'b", kWhere + ": ) at character 2 closes no ("},
        TextCase{"Semicolon", "; DROP TABLE books", kWhere + " must be one expression: ; at character 1"},
        TextCase{"SemicolonAfter", "hired = 1; DROP TABLE books",
                 kWhere + " must be one expression: ; at character 10"},
        TextCase{"Nul", std::string("hired = 1\0) OR (1", 17), kWhere + " must not contain a NUL character"}),
    [](const ::testing::TestParamInfo<TextCase>& param_info) { return param_info.param.name; });

TEST(FragmentText, NamesItsOption) {
    EXPECT_EQ(check_text("order_by", ""), "option \"order_by\" must not be empty");
}

// ============================================================================
// split_order_by
// ============================================================================

struct OrderByCase {
    std::string name;
    std::string text;
    std::vector<OrderTerm> terms;
    std::string error;  // "" when accepted
};

class OrderBySplit : public ::testing::TestWithParam<OrderByCase> {};

TEST_P(OrderBySplit, Terms) {
    const OrderByCase& c = GetParam();
    std::vector<OrderTerm> terms;
    std::string error;
    try {
        terms = split_order_by(c.text);
    } catch (const SqlError& e) {
        error = e.what();
    }
    EXPECT_EQ(error, c.error) << c.text;
    EXPECT_EQ(terms, c.terms) << c.text;
}

const std::string kOrderBy = "option \"order_by\"";

INSTANTIATE_TEST_SUITE_P(
    Cases, OrderBySplit,
    ::testing::Values(
        OrderByCase{"One", "year", {{"year", ""}}, ""},
        OrderByCase{"DescThenPlain", "year DESC, id", {{"year", " DESC"}, {"id", ""}}, ""},
        OrderByCase{"CollateKeptKeywordsNormalised", "name COLLATE NOCASE desc nulls last",
                    {{"name COLLATE NOCASE", " DESC NULLS LAST"}}, ""},
        OrderByCase{"NullsFirstAlone", "year NULLS first", {{"year", " NULLS FIRST"}}, ""},
        OrderByCase{"Asc", "  year   asc  ", {{"year", " ASC"}}, ""},
        OrderByCase{"QuotedCommaAndKeyword", "\"odd, name\" ASC, \"desc\"",
                    {{"\"odd, name\"", " ASC"}, {"\"desc\"", ""}}, ""},
        OrderByCase{"CommaInsideCall", "f(a, b) DESC", {{"f(a, b)", " DESC"}}, ""},
        OrderByCase{"RowValueIsOneTerm", "(a, b)", {{"(a, b)", ""}}, ""},
        OrderByCase{"Parenthesised", "(a + b) DESC, c", {{"(a + b)", " DESC"}, {"c", ""}}, ""},
        OrderByCase{"QualifiedKeywordIsAName", "t.desc", {{"t.desc", ""}}, ""},
        OrderByCase{"CollationNamedDesc", "name COLLATE desc", {{"name COLLATE desc", ""}}, ""},
        OrderByCase{"KeywordAloneIsKept", "desc", {{"desc", ""}}, ""},
        OrderByCase{"DirectionAfterParenthesis", "(a)desc", {{"(a)", " DESC"}}, ""},
        OrderByCase{"CommentsBecomeOneSpace", "year -- newest, first\n DESC, /* a, b */ id",
                    {{"year", " DESC"}, {"id", ""}}, ""},
        OrderByCase{"CommentInside", "a /* x */ + b", {{"a + b", ""}}, ""},
        OrderByCase{"SpacesInsideKept", "a  +\tb", {{"a  +\tb", ""}}, ""},
        OrderByCase{"NumberInAnExpression", "year - 1", {{"year - 1", ""}}, ""},
        OrderByCase{"RealIsNoPosition", "1.5", {{"1.5", ""}}, ""},
        OrderByCase{"EmptyMiddle", "a,,b", {}, kOrderBy + ": term 2 is empty"},
        OrderByCase{"EmptyLast", "a,", {}, kOrderBy + ": term 2 is empty"},
        OrderByCase{"EmptyFirst", " , a", {}, kOrderBy + ": term 1 is empty"},
        OrderByCase{"OnlyCommentTerm", "a, /* x */", {}, kOrderBy + ": term 2 is empty"},
        OrderByCase{"Empty", "", {}, kOrderBy + " must not be empty"},
        OrderByCase{"Lexical", "a, 'b", {}, kOrderBy + ": ' at character 4 is not closed"},
        OrderByCase{"Position", "year, 2 DESC", {},
                    kOrderBy + ": term 2 is the integer 2, which SQLite reads as the position of a result column"},
        OrderByCase{"PositionInParentheses", "(-1)", {},
                    kOrderBy + ": term 1 is the integer (-1), which SQLite reads as the position of a result column"},
        OrderByCase{"HexPosition", "0x1", {},
                    kOrderBy + ": term 1 is the integer 0x1, which SQLite reads as the position of a result column"}),
    [](const ::testing::TestParamInfo<OrderByCase>& param_info) { return param_info.param.name; });

// ============================================================================
// validate_fragments
// ============================================================================

constexpr const char* kSchema = R"sql(
CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT, year INTEGER, hired INTEGER, author_id INTEGER);
CREATE TABLE tags(id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE book_tags(book_id INTEGER, tag_id INTEGER, weight REAL);
CREATE TABLE codes(code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
)sql";

const ReadableTable kBooks{"books",
                           {{"id", "INTEGER"}, {"title", "TEXT"}, {"year", "INTEGER"}, {"hired", "INTEGER"},
                            {"author_id", "INTEGER"}}};
const ReadableTable kTags{"tags", {{"id", "INTEGER"}, {"label", "TEXT"}}};
const ReadableTable kBookTags{"book_tags", {{"book_id", "INTEGER"}, {"tag_id", "INTEGER"}, {"weight", "REAL"}}};
const ReadableTable kCodes{"codes", {{"code", "TEXT"}, {"label", "TEXT"}}, false};

class FragmentValidate : public ::testing::Test {
protected:
    static void SetUpTestSuite() { sqlite3_api = oracle::host_routines(); }

    void SetUp() override {
        ASSERT_EQ(db_.exec(kSchema), "");
        db_.add_function("my_upper", 1, SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS);
        db_.add_function("my_clock", 0, SQLITE_INNOCUOUS);
        db_.add_function("my_mail", 1, SQLITE_DETERMINISTIC);
        // Innocuous for one number of arguments only: the name is refused for all.
        db_.add_function("my_mixed", 1, SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS);
        db_.add_function("my_mixed", 2, SQLITE_DETERMINISTIC);
    }

    // "" when accepted, else the message.
    std::string judge(const std::vector<ReadableTable>& tables, const std::string& where,
                      const std::string& order_by = "") {
        try {
            validate_fragments(db_.handle(), tables, where, order_by.empty() ? std::vector<OrderTerm>{}
                                                                            : split_order_by(order_by));
            return "";
        } catch (const SqlError& e) {
            return e.what();
        }
    }

    oracle::Database db_;
};

const std::string kOnlyBooks = kWhere + " may read only the columns of books: it reads ";
const std::string kOnlyPure = kWhere + " may call only deterministic, innocuous functions: ";

struct WhereCase {
    std::string where;
    std::string error;
};

TEST_F(FragmentValidate, WhereOverOneTable) {
    const std::vector<WhereCase> cases = {
        {"hired = 1", ""},
        {"books.year > 2000", ""},
        {"main.books.year > 2000", ""},
        {"\"books\".\"year\" > 2000 AND [title] LIKE 'a%' AND `hired`", ""},
        {"abs(year) > 1 AND lower(title) = 'x' AND date(year) IS NOT NULL AND title GLOB 'a*'", ""},
        {"coalesce(year, 0) > iif(hired, 1, 2) AND likely(hired) AND typeof(title) = 'text'", ""},
        {"CAST(year AS TEXT) = '2000' AND title COLLATE NOCASE = 'x' AND year BETWEEN 1 AND 2", ""},
        {"CASE WHEN hired THEN 1 ELSE 0 END AND year IN (1, 2) AND title IS NOT NULL", ""},
        {"rowid > 0 AND oid > 0 AND _rowid_ > 0", ""},
        {"hired = 1 --", ""},
        {"hired = 1 -- ) OR (1", ""},
        {"id IN (SELECT id FROM books WHERE year > 2000)", ""},
        {"EXISTS (SELECT 1 FROM books AS b WHERE b.author_id = books.author_id AND b.id <> books.id)", ""},
        {"my_upper(title) = 'X'", ""},
        {"MY_UPPER(title) = 'X'", ""},
        {"hiredd", kWhere + ": no such column: hiredd"},
        {"hired = ", kWhere + ": near \")\": syntax error"},
        {"hired = 1 /* ", kWhere + ": /* at character 11 is not closed"},
        {"; DROP TABLE books", kWhere + " must be one expression: ; at character 1"},
        {"1) UNION SELECT name FROM authors --", kWhere + ": ) at character 2 closes no ("},
        {"authors.name = 'x'", kWhere + ": no such column: authors.name"},
        {"author_id IN (SELECT id FROM authors)", kOnlyBooks + "authors"},
        {"EXISTS (SELECT 1 FROM authors)", kOnlyBooks + "authors"},
        {"(SELECT count(*) FROM authors) > 0", kOnlyBooks + "authors"},
        {"EXISTS (SELECT 1 FROM sqlite_master)", kOnlyBooks + "sqlite_master"},
        {"EXISTS (SELECT rowid FROM sqlite_master)", kOnlyBooks + "sqlite_master"},
        {"EXISTS (SELECT sql FROM sqlite_schema)", kOnlyBooks + "sqlite_master"},
        {"id IN (SELECT rowid FROM sqlite_master) AND random()", kOnlyPure + "random() is not"},
        {"id IN (SELECT cid FROM pragma_table_info('books'))", kOnlyBooks + "pragma_table_info"},
        {"EXISTS (SELECT 1 FROM json_each('[1]'))", kOnlyBooks + "json_each"},
        {"EXISTS (SELECT 1 FROM pragma_function_list)", kOnlyBooks + "pragma_function_list"},
        {"id IN (WITH x AS (SELECT id FROM books) SELECT * FROM x)", ""},
        {"id IN (WITH x AS (SELECT id FROM authors) SELECT * FROM x)", kOnlyBooks + "authors"},
        {"id IN (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c)",
         kWhere + " may only read columns and call functions: a recursive query is not"},
        {"random() > 0", kOnlyPure + "random() is not"},
        {"changes() = 0", kOnlyPure + "changes() is not"},
        {"last_insert_rowid() = 0", kOnlyPure + "last_insert_rowid() is not"},
        {"sqlite_version() > '3'", kOnlyPure + "sqlite_version() is not"},
        {"load_extension('x') IS NULL", kOnlyPure + "load_extension() is not"},
        {"hex(randomblob(4)) <> ''", kOnlyPure + "randomblob() is not"},
        {"current_date > '2000'", kOnlyPure + "current_date() is not"},
        {"json_extract(title, '$.a') = 1", kOnlyPure + "json_extract() is not"},
        {"title -> '$.a' = 1", kOnlyPure + "->() is not"},
        {"my_clock() > 0", kOnlyPure + "my_clock() is not"},
        {"my_mail(title) IS NULL", kOnlyPure + "my_mail() is not"},
        {"my_mixed(title) IS NULL", kOnlyPure + "my_mixed() is not"},
        {"no_such_function(1)", kWhere + ": no such function: no_such_function"},
        {"max(year) > 1", kOnlyPure + "max() is not"},
        {"count(*) > 1", kOnlyPure + "count() is not"},
        {"row_number() OVER () > 1", kOnlyPure + "row_number() is not"},
        {"title REGEXP 'a'", kWhere + ": no such function: REGEXP"},
        {"year = ?1", kWhere + " must not use parameters: ?1"},
        {"year = :year", kWhere + " must not use parameters: :year"},
        {"year = ?", kWhere + " must not use parameters: ?"},
        {"(year, hired)", kWhere + ": row value misused"},
        {"year IN (SELECT id, year FROM books)", kWhere + ": sub-select returns 2 columns - expected 1"},
        {"temp.books.year = 1", kWhere + ": no such column: temp.books.year"},
    };
    for (const WhereCase& c : cases) EXPECT_EQ(judge({kBooks}, c.where), c.error) << c.where;
}

TEST_F(FragmentValidate, WhereOverALinkTable) {
    const std::vector<ReadableTable> tables = {kTags, kBookTags};
    EXPECT_EQ(judge(tables, "label <> 'x' AND weight > 0.5 AND tags.id = book_tags.tag_id"), "");
    EXPECT_EQ(judge(tables, "id > 0 AND tag_id > 0"), "");
    EXPECT_EQ(judge({kBooks, kTags}, "id > 0"), kWhere + ": ambiguous column name: id");
    EXPECT_EQ(judge(tables, "tag_id IN (SELECT id FROM books)"),
              kWhere + " may read only the columns of tags and book_tags: it reads books");
    EXPECT_EQ(judge({kBooks, kTags, kBookTags}, "title IN (SELECT name FROM authors)"),
              kWhere + " may read only the columns of books, tags and book_tags: it reads authors");
}

TEST_F(FragmentValidate, RowidOfATableWithoutOneIsRefused) {
    EXPECT_EQ(judge({kCodes}, "code = 'a' AND label IS NOT NULL"), "");
    EXPECT_EQ(judge({kCodes}, "rowid > 0"), kWhere + ": no such column: rowid");
    EXPECT_EQ(judge({kCodes}, "codes.oid > 0"), kWhere + ": no such column: codes.oid");
    EXPECT_EQ(judge({kCodes}, "a", "_rowid_"), kWhere + ": no such column: a");
    EXPECT_EQ(judge({kCodes}, "", "_rowid_"), kOrderBy + ": no such column: _rowid_");
    // A view has no rowid either; a column of that name is a column.
    ReadableTable view{"v", {{"rowid", "INTEGER"}, {"name", "TEXT"}}, false};
    EXPECT_EQ(judge({view}, "rowid > 0 AND name <> ''"), "");
    EXPECT_EQ(judge({view}, "oid > 0"), kWhere + ": no such column: oid");
}

TEST_F(FragmentValidate, DeclaredTypesAreOnlyAffinities) {
    // The declared type is file text too: it must not reach the scratch CREATE TABLE as it is.
    ReadableTable hostile{"t", {{"a", "INT) ; DROP TABLE x; --"}, {"b", "VARCHAR(10) GENERATED ALWAYS AS (random())"}}};
    EXPECT_EQ(judge({hostile}, "a > 0 AND b <> ''"), "");
}

TEST_F(FragmentValidate, OddNamesAreQuoted) {
    ReadableTable odd{"my \"odd\" table", {{"the name", "TEXT"}, {"x\"y", "INTEGER"}}};
    EXPECT_EQ(judge({odd}, "\"the name\" <> '' AND \"x\"\"y\" > 0 AND \"my \"\"odd\"\" table\".\"the name\" <> ''"),
              "");
}

struct OrderCase {
    std::string order_by;
    std::string error;
};

TEST_F(FragmentValidate, OrderBy) {
    const std::vector<OrderCase> cases = {
        {"year DESC, id", ""},
        {"title COLLATE NOCASE DESC NULLS LAST", ""},
        {"abs(year - 2000), books.title", ""},
        {"(SELECT b.title FROM books AS b WHERE b.id = books.author_id)", ""},
        // By the rule (every row of the name), SQLite's aggregates are refused: their rows lack DETERMINISTIC.
        {"(SELECT count(*) FROM books AS b WHERE b.year < books.year)",
         kOrderBy + " may call only deterministic, innocuous functions: count() is not"},
        {"max(year, id)", kOrderBy + " may call only deterministic, innocuous functions: max() is not"},
        {"yeer", kOrderBy + ": no such column: yeer"},
        {"year, yeer DESC", kOrderBy + ": no such column: yeer"},
        {"title COLLATE no_such_collation", kOrderBy + ": no such collation sequence: no_such_collation"},
        {"count(*)", kOrderBy + " may call only deterministic, innocuous functions: count() is not"},
        {"random()", kOrderBy + " may call only deterministic, innocuous functions: random() is not"},
        {"(SELECT name FROM authors WHERE id = author_id)",
         kOrderBy + " may read only the columns of books: it reads authors"},
        {"(year, id)", kOrderBy + ": row value misused"},
        {"year -- newest first", ""},
    };
    for (const OrderCase& c : cases) EXPECT_EQ(judge({kBooks}, "", c.order_by), c.error) << c.order_by;
}

TEST_F(FragmentValidate, AggregatesAllowedByFlagsAreStillRefused) {
    // An aggregate of the application's that is deterministic and innocuous passes the authorizer; SQLite
    // itself refuses it where a row's value is wanted, in WHERE and in ORDER BY alike.
    sqlite3_create_function_v2(db_.handle(), "my_sum", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                               nullptr, nullptr, [](sqlite3_context*, int, sqlite3_value**) {},
                               [](sqlite3_context*) {}, nullptr);
    EXPECT_EQ(judge({kBooks}, "my_sum(year) > 1"), kWhere + ": misuse of aggregate function my_sum()");
    EXPECT_EQ(judge({kBooks}, "", "my_sum(year)"), kOrderBy + ": misuse of aggregate function my_sum()");
    EXPECT_EQ(judge({kBooks}, "id IN (SELECT my_sum(year) FROM books)"), "");
}

TEST_F(FragmentValidate, ApplicationCollationIsKnown) {
    sqlite3_create_collation_v2(db_.handle(), "my_order", SQLITE_UTF8, nullptr,
                                [](void*, int, const void*, int, const void*) { return 0; }, nullptr);
    EXPECT_EQ(judge({kBooks}, "", "title COLLATE my_order"), "");
    EXPECT_EQ(judge({kBooks}, "title = 'a' COLLATE my_order"), "");
}

TEST_F(FragmentValidate, HandMadeTermsAreCheckedToo) {
    auto with = [&](const OrderTerm& term) {
        try {
            validate_fragments(db_.handle(), {kBooks}, "", {term});
            return std::string();
        } catch (const SqlError& e) {
            return std::string(e.what());
        }
    };
    EXPECT_EQ(with({"year", " DESC NULLS FIRST"}), "");
    EXPECT_EQ(with({"year) UNION SELECT 1 FROM authors ORDER BY (1", ""}), kOrderBy + ": ) at character 5 closes no (");
    EXPECT_EQ(with({"year", "; DROP TABLE books"}), kOrderBy + ": not a term's ending: ; DROP TABLE books");
}

TEST_F(FragmentValidate, ApplicationOverrideOfABuiltinIsJudgedToo) {
    // The application's lower() shadows SQLite's for one argument; it is neither deterministic nor innocuous.
    db_.add_function("lower", 1, 0);
    EXPECT_EQ(judge({kBooks}, "lower(title) = 'a'"), kOnlyPure + "lower() is not");
    EXPECT_EQ(judge({kBooks}, "upper(title) = 'A'"), "");
}

TEST_F(FragmentValidate, ATableListedTwiceIsMadeOnce) {
    EXPECT_EQ(judge({kBooks, kBooks}, "books.hired = 1"), "");
}

TEST_F(FragmentValidate, ManyFragmentsOneCall) {
    EXPECT_EQ(judge({kBooks}, "hired = 1", "year DESC, title COLLATE NOCASE"), "");
    EXPECT_EQ(judge({kBooks}, "hired = 1", "year DESC, random()"),
              kOrderBy + " may call only deterministic, innocuous functions: random() is not");
    EXPECT_EQ(judge({kBooks}, "random()", "yeer"), kOnlyPure + "random() is not");
}

TEST_F(FragmentValidate, NothingToJudge) {
    EXPECT_EQ(judge({kBooks}, ""), "");
}

TEST_F(FragmentValidate, ApplicationAuthorizerIsUntouched) {
    int calls = 0;
    db_.count_authorizations(&calls);
    // Reading the function list goes through the application's authorizer, as any statement on its connection.
    EXPECT_EQ(judge({kBooks}, "hired = 1", "year"), "");
    EXPECT_EQ(judge({kBooks}, "random() > 0"), kOnlyPure + "random() is not");
    int during = calls;
    EXPECT_GT(during, 0);
    EXPECT_EQ(db_.exec("SELECT * FROM books"), "");
    EXPECT_GT(calls, during);
}

TEST_F(FragmentValidate, ApplicationAuthorizerRefusalPropagates) {
    sqlite3_set_authorizer(db_.handle(), [](void*, int action, const char*, const char*, const char*,
                                            const char*) { return action == SQLITE_PRAGMA ? SQLITE_DENY : SQLITE_OK; },
                           nullptr);
    try {
        validate_fragments(db_.handle(), {kBooks}, "hired = 1", {});
        FAIL() << "no error";
    } catch (const SqlError& e) {
        EXPECT_EQ(e.code() & 0xff, SQLITE_AUTH);
    }
}

TEST_F(FragmentValidate, InterruptOnTheApplicationsConnectionPropagates) {
    // A progress handler that refuses interrupts the first statement on db: reading the function list.
    sqlite3_progress_handler(db_.handle(), 1, [](void*) { return 1; }, nullptr);
    try {
        validate_fragments(db_.handle(), {kBooks}, "hired = 1", {});
        FAIL() << "no error";
    } catch (const SqlError& e) {
        EXPECT_EQ(e.code(), SQLITE_INTERRUPT);
        EXPECT_STREQ(e.what(), "interrupted");
    }
    sqlite3_progress_handler(db_.handle(), 0, nullptr, nullptr);
    EXPECT_EQ(judge({kBooks}, "hired = 1"), "");
}

TEST_F(FragmentValidate, NoTablesIsAnError) {
    EXPECT_EQ(judge({}, "1"), "validate_fragments: no table to read");
}

}  // namespace
}  // namespace theater
