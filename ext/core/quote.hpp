// Quoting for text that goes into SQL or into messages, in one place: every
// identifier the extension puts into SQL it builds goes through
// quote_identifier, every string through sql_literal (values are bound as
// parameters wherever SQLite allows one; DDL such as a trigger body does not).
#pragma once

#include <string>

namespace theater {

// "name" with embedded double quotes doubled: any text as an SQL identifier
// (SQLite's %w).
std::string quote_identifier(const std::string& name);

// 'text' with embedded single quotes doubled: any text as an SQL string
// literal (SQLite's %Q for a non-NULL value).
std::string sql_literal(const std::string& text);

// "text" as a JSON string: quotes and backslashes escaped, control
// characters as \u00XX. For options stored as JSON and for names quoted in
// messages.
std::string json_string(const std::string& text);

// Whether two identifiers name the same thing: ASCII case-insensitive, as
// SQLite compares names.
bool same_name(const std::string& a, const std::string& b) noexcept;
// ASCII letters upper-cased (keywords, type names, ON DELETE rules).
std::string ascii_upper(std::string s);

}  // namespace theater
