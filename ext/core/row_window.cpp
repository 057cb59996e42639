#include "core/row_window.hpp"

#include <algorithm>
#include <cstring>

namespace theater {

void RowWindow::clear() noexcept {
    keys_.clear();
    cells_.clear();
    bytes_.clear();
    columns_ = 0;
    last_found_ = 0;
    stopped_ = false;
    covering_ = false;
}

bool RowWindow::fill(StatementPool& pass, sqlite3_int64 from, sqlite3_int64 to, std::size_t limit) {
    clear();
    limit_ = std::max<std::size_t>(limit, 1);
    if (!run_memo_pass(pass, *this, {from, to})) {
        clear();
        return false;
    }
    from_ = from;
    // Stopped early, the window knows the keys up to its last row; at the
    // query's end (fewer rows than it could hold), every key up to `to`.
    if (full()) {
        if (keys_.empty()) return true;  // a first row too large: nothing covered
        through_ = keys_.back();
    } else {
        through_ = to;
    }
    covering_ = true;
    return true;
}

bool RowWindow::put_row(sqlite3_value* key, int count, sqlite3_value** values) {
    if (sqlite3_value_type(key) != SQLITE_INTEGER) return false;
    return put_integer_row(sqlite3_value_int64(key), count, values);
}

bool RowWindow::put_integer_row(sqlite3_int64 key, int count, sqlite3_value** values) {
    // A row after the pass was told to stop, keys that do not ascend, rows
    // of another width: not the query it was made for.
    if (full() || count < 1) return false;
    auto width = static_cast<std::size_t>(count);
    if (keys_.empty()) columns_ = width;
    else if (key <= keys_.back() || width != columns_) return false;
    const std::size_t cells_before = cells_.size();
    const std::size_t bytes_before = bytes_.size();
    // (A false or a throw leaves a part of the row behind, which fill()
    // then clears with the rest: the window does not stand.)
    for (std::size_t i = 0; i < width; ++i) {
        sqlite3_value* value = values[i];
        Cell& cell = cells_.emplace_back();
        cell.type = sqlite3_value_type(value);
        const char* bytes = nullptr;
        std::size_t size = 0;
        switch (cell.type) {
        case SQLITE_INTEGER: cell.integer = sqlite3_value_int64(value); continue;
        case SQLITE_FLOAT: cell.real = sqlite3_value_double(value); continue;
        case SQLITE_TEXT:
            bytes = reinterpret_cast<const char*>(sqlite3_value_text(value));
            if (!bytes) return false;  // no memory to read it
            size = static_cast<std::size_t>(sqlite3_value_bytes(value));
            cell.inner_nul = size > 0 && std::memchr(bytes, 0, size) != nullptr;
            break;
        case SQLITE_BLOB:
            size = static_cast<std::size_t>(sqlite3_value_bytes(value));
            bytes = static_cast<const char*>(sqlite3_value_blob(value));
            if (size > 0 && !bytes) return false;
            break;
        default: continue;
        }
        if (bytes_.size() + size + 1 > kMaxBytes) {
            // The row would pass the bound: the window ends before it.
            cells_.resize(cells_before);
            bytes_.resize(bytes_before);
            stopped_ = true;
            return true;
        }
        cell.offset = static_cast<std::uint32_t>(bytes_.size());
        cell.size = static_cast<std::uint32_t>(size);
        if (size > 0) bytes_.append(bytes, size);
        bytes_.push_back('\0');  // a text ends with a NUL (answer's -1)
    }
    keys_.push_back(key);
    return true;
}

std::ptrdiff_t RowWindow::find(sqlite3_int64 key) noexcept {
    std::size_t at = last_found_;
    if (!(at < keys_.size() && keys_[at] == key)) {
        ++at;
        if (!(at < keys_.size() && keys_[at] == key)) {
            auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
            if (it == keys_.end() || *it != key) return -1;
            at = static_cast<std::size_t>(it - keys_.begin());
        }
    }
    last_found_ = at;
    return static_cast<std::ptrdiff_t>(at);
}

}  // namespace theater
