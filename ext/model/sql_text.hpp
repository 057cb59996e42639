// Just enough of SQLite's tokenizer rules for the model layer's readers of
// SQL text (a CREATE TABLE's generated columns in schema.cpp, a DEFAULT in
// fk_triggers.cpp): what a name is made of, and quoted tokens.
#pragma once

#include <cstddef>
#include <string>

namespace theater {

// A character that can start a bare name, and one that can go on it
// (SQLite's tokenizer: letters, _, and every byte of a UTF-8 sequence; $
// and digits after the first).
bool sql_name_start(unsigned char c);
bool sql_name_char(unsigned char c);

// Where the quoted token starting at text[at] ('...', "...", `...` or
// [...]) ends, one past its closing quote; npos when it does not close.
std::size_t quoted_end(const std::string& text, std::size_t at);

// The text of a quoted token, as SQLite dequotes it (sqlite3Dequote): its
// quotes off, a doubled quote as one.
std::string dequoted(const std::string& token);

}  // namespace theater
