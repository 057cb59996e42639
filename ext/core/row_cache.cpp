#include "core/row_cache.hpp"

#include <cstring>
#include <new>

namespace theater {

void RowCache::read(sqlite3_context* ctx, sqlite3_stmt* row, int column, sqlite3_int64 row_id) noexcept {
    if (!valid_ || row_id != row_id_) {
        valid_ = true;
        row_id_ = row_id;
        ++generation_;
    }
    auto at = static_cast<std::size_t>(column);
    if (at < cells_.size() && cells_[at].generation == generation_) {
        answer(ctx, cells_[at]);
        return;
    }
    try {
        if (at >= cells_.size()) cells_.resize(at + 1);
        Cell& cell = cells_[at];
        sqlite3_value* value = sqlite3_column_value(row, column);
        copy(cell, value);
        answer(ctx, cell);
        return;
    } catch (...) {
        // No memory for the copy: the cell stays stale, and this read goes direct.
    }
    if (at < cells_.size()) cells_[at].generation = 0;
    result_column(ctx, row, column);
}

void RowCache::copy(Cell& cell, sqlite3_value* value) {
    cell.generation = 0;  // until the copy is whole
    cell.type = sqlite3_value_type(value);
    switch (cell.type) {
    case SQLITE_INTEGER: cell.integer = sqlite3_value_int64(value); break;
    case SQLITE_FLOAT: cell.real = sqlite3_value_double(value); break;
    case SQLITE_TEXT: {
        const unsigned char* text = sqlite3_value_text(value);
        if (!text) throw std::bad_alloc();
        auto size = static_cast<std::size_t>(sqlite3_value_bytes(value));
        cell.bytes.assign(reinterpret_cast<const char*>(text), size);
        cell.inner_nul = size > 0 && std::memchr(text, 0, size) != nullptr;
        break;
    }
    case SQLITE_BLOB: {
        auto size = static_cast<std::size_t>(sqlite3_value_bytes(value));
        const void* blob = sqlite3_value_blob(value);
        if (size > 0 && !blob) throw std::bad_alloc();
        cell.bytes.assign(size > 0 ? static_cast<const char*>(blob) : "", size);
        break;
    }
    default: break;
    }
    cell.generation = generation_;
}

void RowCache::answer(sqlite3_context* ctx, const Cell& cell) const noexcept {
    switch (cell.type) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, cell.integer); return;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, cell.real); return;
    case SQLITE_TEXT:
        // std::string ends its bytes with a NUL: -1 gives SQLite a
        // terminated text (no copy to terminate it later).
        sqlite3_result_text(ctx, cell.bytes.c_str(), cell.inner_nul ? static_cast<int>(cell.bytes.size()) : -1,
                            SQLITE_TRANSIENT);
        return;
    case SQLITE_BLOB:
        if (cell.bytes.empty()) sqlite3_result_zeroblob(ctx, 0);
        else sqlite3_result_blob(ctx, cell.bytes.data(), static_cast<int>(cell.bytes.size()), SQLITE_TRANSIENT);
        return;
    default: sqlite3_result_null(ctx); return;
    }
}

}  // namespace theater
