// theater_diagram's text: the main database's tables, their foreign keys
// (solid lines) and relationships (dashed lines labelled with their
// function's name) as a Mermaid erDiagram or Graphviz DOT. Pure functions of
// the schema as read, unit-tested on their strings.
#pragma once

#include "model/schema.hpp"

#include <string>
#include <vector>

namespace theater {

// One relationship, drawn from from_table to to_table.
struct DiagramLine {
    std::string from;
    std::string to;
    std::string kind;   // one-to-many, many-to-one, one-to-one, many-to-many, tree of descendants, tree of ancestors
    std::string label;  // "name()", "name() (writable)"
};

std::string mermaid_diagram(const std::vector<SchemaTable>& tables, const std::vector<DiagramLine>& lines);
std::string dot_diagram(const std::vector<SchemaTable>& tables, const std::vector<DiagramLine>& lines);

}  // namespace theater
