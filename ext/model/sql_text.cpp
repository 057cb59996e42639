#include "model/sql_text.hpp"

#include <cctype>

namespace theater {

bool sql_name_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool sql_name_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

// Where the quoted token starting at text[at] ('...', "...", `...` or
// [...]) ends, one past its closing quote; npos when it does not close.
std::size_t quoted_end(const std::string& text, std::size_t at) {
    const char close = text[at] == '[' ? ']' : text[at];
    for (std::size_t i = at + 1; i < text.size(); ++i) {
        if (text[i] != close) continue;
        if (close != ']' && i + 1 < text.size() && text[i + 1] == close) {
            ++i;  // a doubled quote stands for itself
            continue;
        }
        return i + 1;
    }
    return std::string::npos;
}

// The text of a quoted identifier, as SQLite dequotes it (sqlite3Dequote).
std::string dequoted(const std::string& token) {
    std::string out;
    const char close = token[0] == '[' ? ']' : token[0];
    for (std::size_t i = 1; i + 1 < token.size(); ++i) {
        out += token[i];
        if (token[i] == close && close != ']') ++i;
    }
    return out;
}

}  // namespace theater
