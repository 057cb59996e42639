/*
 * A one-node dqlite server that registers theater in-process.
 *
 * dqlite has no way to load an extension at run time (its wire protocol has
 * no request for it, and SQL's load_extension() is not enabled on its
 * connections), but it runs inside the program that embeds it, on the
 * process's own libsqlite3. So that program can register theater itself:
 * sqlite3_auto_extension() with theater's entry point, before the node opens
 * any connection, and every connection the node opens has theater.
 *
 *   node_with_theater DATA_DIR ADDRESS THEATER_SO   registers theater
 *   node_with_theater DATA_DIR ADDRESS none         a plain dqlite node
 *
 * It runs until SIGTERM or SIGINT. deploy/dqlite/verify.sh builds and drives it.
 */
#include <dlfcn.h>
#include <dqlite.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int signal_number) {
  (void)signal_number;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s DATA_DIR ADDRESS THEATER_SO|none\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[3], "none") != 0) {
    void *library = dlopen(argv[3], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
      fprintf(stderr, "cannot open %s: %s\n", argv[3], dlerror());
      return 1;
    }
    void *entry = dlsym(library, "sqlite3_theater_init");
    if (entry == NULL) {
      fprintf(stderr, "%s has no sqlite3_theater_init\n", argv[3]);
      return 1;
    }
    if (sqlite3_auto_extension((void (*)(void))entry) != SQLITE_OK) {
      fprintf(stderr, "sqlite3_auto_extension failed\n");
      return 1;
    }
  }

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);

  dqlite_node *node;
  if (dqlite_node_create(1, argv[2], argv[1], &node) != 0) {
    fprintf(stderr, "dqlite_node_create failed\n");
    return 1;
  }
  if (dqlite_node_set_bind_address(node, argv[2]) != 0 || dqlite_node_start(node) != 0) {
    fprintf(stderr, "cannot start the node on %s: %s\n", argv[2], dqlite_node_errmsg(node));
    dqlite_node_destroy(node);
    return 1;
  }
  printf("dqlite node on %s, theater %s\n", argv[2],
         strcmp(argv[3], "none") != 0 ? "registered in-process" : "not registered");
  fflush(stdout);
  while (!stopping) pause();
  dqlite_node_stop(node);
  dqlite_node_destroy(node);
  return 0;
}
