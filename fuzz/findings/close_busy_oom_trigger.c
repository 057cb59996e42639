// SQLite's own crash behind fuzz/findings/crash-*: no theater code runs.
// A statement is kept open, sqlite3_close() fails with SQLITE_BUSY and the
// allocation of its message fails (db->mallocFailed stays set), then
// CREATE TEMP TRIGGER is prepared: SEGV in sqlite3Parser on SQLite 3.34.0
// and 3.40.1 (Debian 12's); 3.54.1 returns SQLITE_NOMEM.
//   gcc -g close_busy_oom_trigger.c -lsqlite3 && ./a.out
#include <sqlite3.h>
#include <stdio.h>

static sqlite3_mem_methods system_mem;
static int countdown = -1;  // the next allocation at 0 fails
static void* fail_malloc(int n) { return countdown >= 0 && countdown-- == 0 ? NULL : system_mem.xMalloc(n); }
static void* fail_realloc(void* p, int n) { return countdown >= 0 && countdown-- == 0 ? NULL : system_mem.xRealloc(p, n); }

int main(void) {
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &system_mem);
    sqlite3_mem_methods mine = system_mem;
    mine.xMalloc = fail_malloc;
    mine.xRealloc = fail_realloc;
    sqlite3_config(SQLITE_CONFIG_MALLOC, &mine);
    sqlite3* db;
    sqlite3_open(":memory:", &db);
    sqlite3_exec(db, "CREATE TABLE roles(id INTEGER PRIMARY KEY, character_name TEXT);"
                     "CREATE TABLE auditions(id INTEGER PRIMARY KEY, hired, role_id);", NULL, NULL, NULL);
    sqlite3_stmt* open_statement;
    sqlite3_prepare_v2(db, "INSERT INTO roles(character_name) VALUES (?1)", -1, &open_statement, NULL);
    countdown = 0;
    printf("sqlite3_close: %d\n", sqlite3_close(db));  // 5, SQLITE_BUSY
    countdown = -1;
    sqlite3_stmt* trigger;
    int rc = sqlite3_prepare_v2(db, "CREATE TEMP TRIGGER t AFTER UPDATE OF hired ON main.auditions BEGIN SELECT 1; END",
                                -1, &trigger, NULL);
    printf("prepare: %d %s\n", rc, sqlite3_errmsg(db));  // not reached where SQLite crashes
    sqlite3_finalize(trigger);
    sqlite3_finalize(open_statement);
    sqlite3_close(db);
    return 0;
}
