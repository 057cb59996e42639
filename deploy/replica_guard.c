/*
 * replica_guard: a tiny SQLite extension that sqld loads on every connection
 * of a *replica* (never on the primary), next to theater.so.
 *
 * Why: sqld decides where a request runs by parsing its SQL. A program made
 * only of SELECTs (with or without BEGIN ... COMMIT around them, in one
 * request) counts as read-only, so a replica runs it on its own copy of the
 * database. `SELECT call_back(7)` and `SELECT theater_migrate()` are SELECTs
 * that write: on a replica they would change that replica's copy only. The
 * primary never sees the change, the other replicas never see it, and the
 * replica itself loses it (or keeps it, diverged) depending on whether the
 * primary later rewrites the same page. deploy/tests/test_replica_writes.py
 * shows this on a replica started without this guard.
 *
 * What: an authorizer that refuses, when a statement is prepared, every write
 * to a table and every schema change outside the TEMP database. On a replica,
 * such a statement fails with SQLite's "not authorized" (SQLITE_AUTH), so
 * `SELECT call_back(7)` answers "call_back: not authorized" and nothing
 * changes anywhere. Reads are untouched, and so is the path that does reach
 * the primary: an interactive transaction (BEGIN sent as a request of its
 * own; @libsql/client's transaction("write")), which sqld forwards to the
 * primary as soon as it sees the transaction left open. (PRAGMA query_only
 * would refuse the local writes too, but it also refuses BEGIN IMMEDIATE,
 * which breaks that forwarding for transaction("write").)
 *
 * sqld (0.24) sets no authorizer of its own on its connections, so this one
 * stays in place. Build: cc -shared -fPIC -O2 -o replica_guard.so
 * replica_guard.c (needs sqlite3ext.h: Debian's libsqlite3-dev). Like
 * theater.so, it links no libsqlite3 and runs inside sqld's own SQLite.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <string.h>

static int refuse_local_writes(void *unused, int action, const char *arg1,
                               const char *arg2, const char *database,
                               const char *trigger_or_view) {
  (void)unused;
  (void)arg1;
  (void)arg2;
  (void)trigger_or_view;
  switch (action) {
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
      /* TEMP tables live in the connection, not in the replicated file. */
      return (database != 0 && strcmp(database, "temp") == 0) ? SQLITE_OK
                                                              : SQLITE_DENY;
    /* Schema changes of the replicated database. The TEMP variants have
       codes of their own (SQLITE_CREATE_TEMP_TABLE, ...) and stay allowed. */
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_VIEW:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_VIEW:
    case SQLITE_ALTER_TABLE:
    case SQLITE_REINDEX:
    case SQLITE_ANALYZE:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
      return SQLITE_DENY;
    default:
      return SQLITE_OK;
  }
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_replicaguard_init(sqlite3 *db, char **error_message,
                              const sqlite3_api_routines *api) {
  (void)error_message;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_set_authorizer(db, refuse_local_writes, 0);
}
