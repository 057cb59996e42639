// A host that pretends to be an old SQLite: it hands the extension a routine
// table whose sqlite3_libversion_number() says 3.30.0, and prints what the
// entry point returns. tests/test_loading_old_sqlite.py runs it.
#include <sqlite3.h>

#include <cstdarg>
#include <cstdio>
#include <dlfcn.h>

namespace {
// The real routines, taken before sqlite3ext.h renames sqlite3_* to calls
// through a routine table.
char* host_mprintf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    char* text = sqlite3_vmprintf(format, args);
    va_end(args);
    return text;
}
void host_free(void* p) { sqlite3_free(p); }
}  // namespace

#include <sqlite3ext.h>

namespace {
int old_version_number() { return 3030000; }
const char* old_version() { return "3.30.0"; }
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s path/to/theater.so\n", argv[0]);
        return 2;
    }
    void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    using Init = int (*)(sqlite3*, char**, const sqlite3_api_routines*);
    auto init = reinterpret_cast<Init>(dlsym(handle, "sqlite3_theater_init"));
    if (!init) {
        std::fprintf(stderr, "no sqlite3_theater_init\n");
        return 2;
    }
    // Only what the entry point may touch before it refuses is filled in;
    // any other routine is a null pointer, so a call to it would crash here.
    sqlite3_api_routines routines{};
    routines.libversion_number = old_version_number;
    routines.libversion = old_version;
    routines.mprintf = host_mprintf;
    routines.free = host_free;
    char* error = nullptr;
    int rc = init(nullptr, &error, &routines);
    std::printf("rc=%d\nerror=%s\n", rc, error ? error : "(none)");
    host_free(error);
    return 0;
}
