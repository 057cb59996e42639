// The Mermaid and DOT text of theater_diagram (model/diagram_text.hpp).
#include "model/diagram_text.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace theater {

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Mermaid: an entity is a bare word, or a word with a quoted label.
std::string mermaid_word(const std::string& s) {
    std::string out;
    for (char c : s) out += word_char(c) || c == '-' ? c : '_';
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) || out[0] == '-') out = "_" + out;
    return out;
}

std::string mermaid_label(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"') out += "#quot;";
        else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
        else out += c;
    }
    return out;
}

std::string mermaid_entity(const std::string& table) {
    std::string word = mermaid_word(table);
    return word == table ? word : word + "[\"" + mermaid_label(table) + "\"]";
}

std::string mermaid_type(const std::string& declared) {
    std::string out;
    for (char c : declared.substr(0, declared.find('('))) {
        if (word_char(c)) out += c;
        else if (c == ' ' && !out.empty() && out.back() != '_') out += '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "ANY" + out;
    return out;
}

// DOT: a quoted ID, and text inside a record label.
std::string dot_id(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return out + "\"";
}

// Text inside a record label, itself inside a quoted ID: the record's
// special characters and the quote take a backslash.
std::string dot_record_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::string("{}|<>\"\\").find(c) != std::string::npos) out += '\\';
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return out;
}

bool is_fk_column(const SchemaTable& t, const std::string& column) {
    for (const SchemaForeignKey& fk : t.foreign_keys) {
        for (const std::string& c : fk.columns) {
            if (same_name(c, column)) return true;
        }
    }
    return false;
}

bool fk_not_null(const SchemaTable& t, const SchemaForeignKey& fk) {
    for (const std::string& c : fk.columns) {
        const SchemaColumn* column = t.column(c);
        if (!column || !column->not_null) return false;
    }
    return true;
}

std::string fk_label(const SchemaForeignKey& fk) {
    std::string out;
    for (std::size_t i = 0; i < fk.columns.size(); ++i) out += (i ? ", " : "") + fk.columns[i];
    return out;
}


}  // namespace

std::string mermaid_diagram(const std::vector<SchemaTable>& tables, const std::vector<DiagramLine>& lines) {
    std::string out = "erDiagram\n";
    for (const SchemaTable& t : tables) {
        out += "    " + mermaid_entity(t.name) + " {\n";
        for (const SchemaColumn& c : t.columns) {
            std::string keys;
            if (c.pk > 0) keys = "PK";
            if (is_fk_column(t, c.name)) keys += keys.empty() ? "FK" : ", FK";
            out += "        " + mermaid_type(c.type) + " " + mermaid_word(c.name) + (keys.empty() ? "" : " " + keys);
            if (mermaid_word(c.name) != c.name) out += " \"" + mermaid_label(c.name) + "\"";
            out += "\n";
        }
        out += "    }\n";
    }
    for (const SchemaTable& t : tables) {
        for (const SchemaForeignKey& fk : t.foreign_keys) {
            if (!find_table(tables, fk.parent)) continue;
            bool unique = fk.columns.size() == 1 && t.unique_column(fk.columns[0]);
            out += "    " + mermaid_word(find_table(tables, fk.parent)->name) + (fk_not_null(t, fk) ? " ||" : " |o") + "--" +
                   (unique ? "o| " : "o{ ") + mermaid_word(t.name) + " : \"" + mermaid_label(fk_label(fk)) + "\"\n";
        }
    }
    for (const DiagramLine& l : lines) {
        // A tree is drawn as the self-reference it walks, named a tree.
        bool tree = l.kind.rfind("tree of ", 0) == 0;
        std::string shape = l.kind == "one-to-many" || l.kind == "tree of descendants" ? "||..o{"
                            : l.kind == "many-to-one" || l.kind == "tree of ancestors" ? "}o..||"
                            : l.kind == "one-to-one"                                    ? "||..o|"
                                                                                        : "}o..o{";
        std::string label = tree ? l.label + " " + l.kind : l.label;
        out += "    " + mermaid_word(l.from) + " " + shape + " " + mermaid_word(l.to) + " : \"" + mermaid_label(label) +
               "\"\n";
    }
    return out;
}

std::string dot_diagram(const std::vector<SchemaTable>& tables, const std::vector<DiagramLine>& lines) {
    std::string out = "digraph theater {\n    rankdir=LR;\n    node [shape=record, fontname=\"Helvetica\"];\n";
    for (const SchemaTable& t : tables) {
        std::string label = "{" + dot_record_text(t.view ? t.name + " (view)" : t.name) + "|";
        for (const SchemaColumn& c : t.columns) {
            std::string keys;
            if (c.pk > 0) keys = " PK";
            if (is_fk_column(t, c.name)) keys += keys.empty() ? " FK" : ", FK";
            label += dot_record_text(c.name + (c.type.empty() ? "" : " " + c.type) + keys) + "\\l";
        }
        out += "    " + dot_id(t.name) + " [label=\"" + label + "}\"];\n";
    }
    for (const SchemaTable& t : tables) {
        for (const SchemaForeignKey& fk : t.foreign_keys) {
            if (!find_table(tables, fk.parent)) continue;
            out += "    " + dot_id(t.name) + " -> " + dot_id(find_table(tables, fk.parent)->name) +
                   " [label=" + dot_id(fk_label(fk)) + "];\n";
        }
    }
    for (const DiagramLine& l : lines) {
        out += "    " + dot_id(l.from) + " -> " + dot_id(l.to) + " [label=" + dot_id(l.label + " " + l.kind) +
               ", style=dashed];\n";
    }
    return out + "}\n";
}


}  // namespace theater
