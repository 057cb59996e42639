#include "model/json_shape.hpp"

#include "core/sqlite.hpp"
#include "model/sql_text.hpp"

#include <cctype>
#include <limits>

namespace theater {

namespace {

class Parser {
public:
    explicit Parser(const std::string& text) : text_(text) {}

    JsonShape level(int depth) {
        if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        JsonShape shape;
        for (;;) {
            shape.items.push_back(item(depth));
            space();
            if (peek(',')) {
                ++at_;
                continue;
            }
            break;
        }
        while (peek(';')) {
            ++at_;
            modifier(shape);
            space();
        }
        return shape;
    }

    void end() {
        space();
        if (at_ < text_.size()) fail(text_[at_] == ')' ? "a ')' that closes nothing" : "unexpected text");
    }

private:
    static constexpr int kMaxDepth = 32;

    [[noreturn]] void fail(const std::string& what) const {
        throw SqlError("shape: " + what + " at character " + std::to_string(at_ + 1));
    }

    void space() {
        while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
    }
    bool peek(char c) {
        space();
        return at_ < text_.size() && text_[at_] == c;
    }
    void expect(char c) {
        if (!peek(c)) fail(std::string("expected '") + c + "'");
        ++at_;
    }

    // A name: letters, digits and _ (not first a digit), or "quoted" with "" for ".
    std::string name(const char* what) {
        space();
        std::string out;
        if (at_ < text_.size() && text_[at_] == '"') {
            ++at_;
            for (;;) {
                if (at_ >= text_.size()) fail("an unclosed quoted name");
                if (text_[at_] == '"') {
                    if (at_ + 1 < text_.size() && text_[at_ + 1] == '"') {
                        out += '"';
                        at_ += 2;
                        continue;
                    }
                    ++at_;
                    break;
                }
                if (text_[at_] == '\0') fail("a NUL character");
                out += text_[at_++];
            }
            if (out.empty()) fail(std::string("an empty ") + what);
            return out;
        }
        const std::size_t start = at_;
        while (at_ < text_.size() && sql_name_char(static_cast<unsigned char>(text_[at_])) && text_[at_] != '$') {
            out += text_[at_++];
        }
        if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) {
            at_ = start;
            fail(std::string("expected ") + what);
        }
        return out;
    }

    JsonShape::Item item(int depth) {
        JsonShape::Item it;
        if (peek('*')) {
            ++at_;
            it.star = true;
            it.name = "*";
            return it;
        }
        it.name = name("a column or relationship name");
        it.key = it.name;
        if (peek(':')) {
            ++at_;
            it.name = name("a column or relationship name after the alias");
        }
        if (peek('(')) {
            ++at_;
            it.embed = true;
            it.nested.push_back(level(depth + 1));
            expect(')');
        }
        return it;
    }

    long long integer(const char* what) {
        space();
        std::size_t start = at_;
        long long value = 0;
        while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) {
            if (value > (std::numeric_limits<long long>::max() - 9) / 10) fail(std::string(what) + " too large");
            value = value * 10 + (text_[at_++] - '0');
        }
        if (at_ == start) fail(std::string("expected a whole number for ") + what);
        return value;
    }

    void modifier(JsonShape& shape) {
        std::string word = name("order, limit or offset");
        expect(':');
        if (word == "order") {
            if (!shape.order.empty()) fail("a second order");
            for (;;) {
                JsonShape::OrderTerm term;
                term.column = name("a column to order by");
                space();
                std::size_t save = at_;
                if (at_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[at_]))) {
                    std::string dir = name("asc or desc");
                    if (dir == "desc" || dir == "DESC") term.desc = true;
                    else if (dir != "asc" && dir != "ASC") {
                        at_ = save;
                        fail("expected asc or desc");
                    }
                }
                shape.order.push_back(term);
                if (!peek(',')) break;
                ++at_;
            }
        } else if (word == "limit") {
            if (shape.limit >= 0) fail("a second limit");
            shape.limit = integer("limit");
        } else if (word == "offset") {
            shape.offset = integer("offset");
        } else {
            fail("expected order, limit or offset, not " + word);
        }
    }

    const std::string& text_;
    std::size_t at_ = 0;
};

}  // namespace

JsonShape parse_json_shape(const std::string& text) {
    Parser p(text);
    JsonShape shape = p.level(0);
    p.end();
    return shape;
}

}  // namespace theater
