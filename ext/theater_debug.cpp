// theater_debug(): one "Name: value" line per fact about this build and the
// SQLite it runs in, joined by newlines (no trailing newline), like
// sqlite-vec's vec_debug(). CMakeLists.txt passes the build type, the
// compiler and the sanitizers GCC does not announce as THEATER_* definitions.
#include "build_info.hpp"

#include "migrations/migration.hpp"

#include <cstddef>
#include <string>

#ifndef THEATER_BUILD_TYPE
#define THEATER_BUILD_TYPE "unspecified"
#endif
#ifndef THEATER_COMPILER
#define THEATER_COMPILER "unknown"
#endif

#if defined(__has_feature)
#define THEATER_HAS_FEATURE(x) __has_feature(x)
#else
#define THEATER_HAS_FEATURE(x) 0
#endif

// GCC defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__, clang answers
// __has_feature(); neither GCC 12 nor any macro tells about
// -fsanitize=undefined under GCC, so CMake passes THEATER_SANITIZE_UNDEFINED
// when the flags ask for it.
#if defined(__SANITIZE_ADDRESS__) || THEATER_HAS_FEATURE(address_sanitizer)
#define THEATER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) || THEATER_HAS_FEATURE(thread_sanitizer)
#define THEATER_TSAN 1
#endif
#if defined(THEATER_SANITIZE_UNDEFINED) || THEATER_HAS_FEATURE(undefined_behavior_sanitizer)
#define THEATER_UBSAN 1
#endif

namespace theater {

namespace {

std::string sanitizers() {
    std::string list;
    auto add = [&list](const char* name) {
        if (!list.empty()) list += ',';
        list += name;
    };
#ifdef THEATER_ASAN
    add("address");
#endif
#ifdef THEATER_TSAN
    add("thread");
#endif
#ifdef THEATER_UBSAN
    add("undefined");
#endif
    (void)add;
    return list.empty() ? "none" : list;
}

}  // namespace

void theater_debug_fn(sqlite3_context* ctx, int, sqlite3_value**) {
    try {
        std::size_t migrations = 0;
        embedded_migrations(&migrations);
        std::string text;
        text += "Version: v" THEATER_VERSION "\n";
        text += "Build type: " THEATER_BUILD_TYPE "\n";
        text += "Compiler: " THEATER_COMPILER "\n";
        text += "SQLite (compiled against): " SQLITE_VERSION "\n";
        text += std::string("SQLite (running): ") + sqlite3_libversion() + "\n";
        text += "Sanitizers: " + sanitizers() + "\n";
        text += "Migrations: " + std::to_string(migrations);
        sqlite3_result_text(ctx, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    } catch (...) {  // std::bad_alloc: nothing may unwind into SQLite
        sqlite3_result_error_nomem(ctx);
    }
}

}  // namespace theater
