// The client data of every virtual table module the extension registers: the
// connection it belongs to, and the module's own descriptor (or nullptr).
#pragma once

#include "core/connection.hpp"

#include <memory>

namespace theater {

struct ModuleContext {
    Connection* conn;
    const void* descriptor;
    // Keeps a descriptor made at run time (a declared relationship) alive as
    // long as SQLite keeps the module.
    std::shared_ptr<const void> owned;

    // sqlite3_create_module_v2's destructor.
    static void destroy(void* self) noexcept {
        auto* context = static_cast<ModuleContext*>(self);
        Connection::release(context->conn);
        delete context;
    }
};

}  // namespace theater
