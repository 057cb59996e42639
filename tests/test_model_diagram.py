"""theater_diagram(): the schema's tables, foreign keys and relationships as
a Mermaid erDiagram or Graphviz DOT (shared/spec/model-layer.md, "Seeing
the model")."""
import re

import pytest

from conftest import scalar
from theater_data import error_of, rows

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, title VARCHAR(30), author_id INTEGER NOT NULL REFERENCES authors(id));
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE book_tags (book_id INTEGER REFERENCES books(id), tag_id INTEGER REFERENCES tags(id));
"""

MERMAID = """erDiagram
    authors {
        INTEGER id PK
        TEXT name
    }
    book_tags {
        INTEGER book_id FK
        INTEGER tag_id FK
    }
    books {
        INTEGER id PK
        VARCHAR title
        INTEGER author_id FK
    }
    tags {
        INTEGER id PK
        TEXT label
    }
    tags |o--o{ book_tags : "tag_id"
    books |o--o{ book_tags : "book_id"
    authors ||--o{ books : "author_id"
    authors ||..o{ books : "author_books() (writable)"
    books }o..o{ tags : "book_tags_of() (writable)"
"""

DOT = r"""digraph theater {
    rankdir=LR;
    node [shape=record, fontname="Helvetica"];
    "authors" [label="{authors|id INTEGER PK\lname TEXT\l}"];
    "book_tags" [label="{book_tags|book_id INTEGER FK\ltag_id INTEGER FK\l}"];
    "books" [label="{books|id INTEGER PK\ltitle VARCHAR(30)\lauthor_id INTEGER FK\l}"];
    "tags" [label="{tags|id INTEGER PK\llabel TEXT\l}"];
    "book_tags" -> "tags" [label="tag_id"];
    "book_tags" -> "books" [label="book_id"];
    "books" -> "authors" [label="author_id"];
    "authors" -> "books" [label="author_books() (writable) one-to-many", style=dashed];
    "books" -> "tags" [label="book_tags_of() (writable) many-to-many", style=dashed];
}
"""


def diagram(conn, *fmt):
    marks = ", ".join("?" * len(fmt))
    return scalar(conn, f"SELECT theater_diagram({marks})", fmt)


@pytest.fixture
def library(conn):
    conn.executescript(SCHEMA)
    conn.execute("SELECT theater_relate('author_books', 'authors', 'books')")
    conn.execute("SELECT theater_relate('book_tags_of', 'books', 'tags', 'book_tags')")
    return conn


# --- exact text ------------------------------------------------------------------

def test_mermaid_exact(library):
    assert diagram(library) == MERMAID


def test_mermaid_is_the_default(library):
    assert diagram(library, "mermaid") == diagram(library)


def test_dot_exact(library):
    assert diagram(library, "dot") == DOT


def test_theater_relationships_table_is_not_drawn(library):
    assert "theater_relationships" not in diagram(library)
    assert "theater_relationships" not in diagram(library, "dot")


@pytest.mark.parametrize("fmt, line", [
    ("mermaid", "    authors |o--o| stuntmen : \"author_id\"\n"),
    ("mermaid", "    authors ||..o| stuntmen : \"author_stuntman() (writable)\"\n"),
    ("mermaid", "    stuntmen ||..o| authors : \"stuntman_author()\"\n"),
    ("mermaid", "    stuntmen }o..|| books : \"stuntman_book()\"\n"),
    ("dot", "    \"stuntmen\" -> \"books\" [label=\"stuntman_book() many-to-one\", style=dashed];\n"),
    ("dot", "    \"authors\" -> \"stuntmen\" [label=\"author_stuntman() (writable) one-to-one\", style=dashed];\n"),
])
def test_one_to_one_and_many_to_one_lines(library, fmt, line):
    library.executescript("CREATE TABLE stuntmen (id INTEGER PRIMARY KEY, author_id INTEGER UNIQUE "
                          "REFERENCES authors(id), extra_id INTEGER REFERENCES books(id));")
    library.execute("SELECT theater_relate('author_stuntman', 'authors', 'stuntmen')")
    library.execute("SELECT theater_relate('stuntman_author', 'stuntmen', 'authors', '{\"argument\": \"s\"}')")
    library.execute("SELECT theater_relate('stuntman_book', 'stuntmen', 'books')")
    assert line in diagram(library, fmt)


def test_the_unique_foreign_key_is_drawn_one_to_one(library):
    library.execute("CREATE TABLE covers (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL UNIQUE REFERENCES books(id))")
    assert "    books ||--o| covers : \"book_id\"\n" in diagram(library)


def test_empty_database(conn):
    assert diagram(conn) == "erDiagram\n"
    assert diagram(conn, "dot") == 'digraph theater {\n    rankdir=LR;\n    node [shape=record, fontname="Helvetica"];\n}\n'


def test_a_stale_declaration_is_left_out(library):
    library.execute("DROP TABLE book_tags")
    text = diagram(library)
    assert "book_tags_of() (writable)" not in text and "author_books() (writable)" in text


def test_an_unrelated_relationship_disappears(library):
    library.execute("SELECT theater_unrelate('author_books')")
    assert "author_books() (writable)" not in diagram(library)


def test_diagram_reads_only(library):
    before = rows(library, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    changes = library.total_changes
    diagram(library)
    diagram(library, "dot")
    assert rows(library, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert library.total_changes == changes


def test_usable_from_a_view(library):
    # INNOCUOUS: it only reads
    library.execute("CREATE VIEW model AS SELECT theater_diagram() AS text")
    assert scalar(library, "SELECT text FROM model") == MERMAID


# --- the theater's own model ---------------------------------------------------------

def test_migrated_theater_mermaid(migrated):
    text = diagram(migrated)
    assert text.startswith("erDiagram\n")
    for piece in ["    roles {\n", "    auditions {\n", "        INTEGER role_id FK\n", "        INTEGER id PK\n",
                  "    roles ||--o{ auditions : \"role_id\"\n",
                  "    roles ||..o{ auditions : \"role_auditions()\"\n",
                  "    roles ||..o{ auditions : \"role_actors()\"\n",
                  "    roles ||..o{ auditions : \"role_locations()\"\n",
                  "    auditions }o..|| roles : \"audition_role()\"\n"]:
        assert piece in text, piece
    assert "theater_schema_migrations" not in text


def test_migrated_theater_dot(migrated):
    text = diagram(migrated, "dot")
    for piece in ['    "auditions" -> "roles" [label="role_id"];\n',
                  '    "roles" -> "auditions" [label="role_auditions() one-to-many", style=dashed];\n',
                  '    "auditions" -> "roles" [label="audition_role() many-to-one", style=dashed];\n']:
        assert piece in text, piece


# --- hostile names ---------------------------------------------------------------

HOSTILE = """
CREATE TABLE "my ""odd"" table" ("the id" INTEGER PRIMARY KEY, [it's "name"] TEXT, [back\\slash] TEXT,
                                 "new
line" TEXT);
CREATE TABLE "kids {x} | <y>" (id INTEGER PRIMARY KEY, "odd id" INTEGER REFERENCES "my ""odd"" table"("the id"),
                               "v" "weird ""type"" " );
CREATE TABLE "9lives" (id INTEGER PRIMARY KEY);
"""


@pytest.fixture
def hostile(conn):
    conn.executescript(HOSTILE)
    conn.execute("""SELECT theater_relate('odd_kids', 'my "odd" table', 'kids {x} | <y>')""")
    return conn


MERMAID_WORD = r"[A-Za-z_][A-Za-z0-9_-]*"
MERMAID_LABEL = r'"[^"\n]*"'


def test_hostile_mermaid_is_valid_looking(hostile):
    text = diagram(hostile)
    lines = text.splitlines()
    assert lines[0] == "erDiagram"
    entity = re.compile(rf"    {MERMAID_WORD}(\[{MERMAID_LABEL}\])? \{{")
    attribute = re.compile(rf"        {MERMAID_WORD} {MERMAID_WORD}( PK| FK| PK, FK)?( {MERMAID_LABEL})?")
    line = re.compile(rf"    {MERMAID_WORD} \S+ {MERMAID_WORD} : {MERMAID_LABEL}")
    for text_line in lines[1:]:
        assert (entity.fullmatch(text_line) or attribute.fullmatch(text_line) or text_line == "    }"
                or line.fullmatch(text_line)), text_line


def test_hostile_mermaid_keeps_the_names_as_labels(hostile):
    text = diagram(hostile)
    assert '    my__odd__table["my #quot;odd#quot; table"] {\n' in text
    assert '        TEXT it_s__name_ "it\'s #quot;name#quot;"\n' in text
    assert '        TEXT new_line "new line"\n' in text
    assert "    _9lives[\"9lives\"] {\n" in text
    assert '    my__odd__table ||..o{ kids__x_____y_ : "odd_kids() (writable)"\n' in text


DOT_ID = r'"(?:[^"\\\n]|\\.)*"'


def test_hostile_dot_is_valid_looking(hostile):
    text = diagram(hostile, "dot")
    lines = text.splitlines()
    assert lines[:3] == ["digraph theater {", "    rankdir=LR;", '    node [shape=record, fontname="Helvetica"];']
    assert lines[-1] == "}"
    node = re.compile(rf"    {DOT_ID} \[label={DOT_ID}\];")
    edge = re.compile(rf"    {DOT_ID} -> {DOT_ID} \[label={DOT_ID}(, style=dashed)?\];")
    for text_line in lines[3:-1]:
        assert node.fullmatch(text_line) or edge.fullmatch(text_line), text_line


def test_hostile_dot_escapes_record_characters(hostile):
    text = diagram(hostile, "dot")
    assert '    "kids {x} | <y>" [label="{kids \\{x\\} \\| \\<y\\>|' in text
    assert '"my \\"odd\\" table" -> "kids {x} | <y>" [label="odd_kids() (writable) one-to-many", style=dashed];' in text
    assert "back\\\\slash" in text


# --- bad input --------------------------------------------------------------------

@pytest.mark.parametrize("sql, error", [
    ("SELECT theater_diagram('svg')", "theater_diagram: format must be 'mermaid' or 'dot', not 'svg'"),
    ("SELECT theater_diagram('')", "theater_diagram: format must be 'mermaid' or 'dot', not ''"),
    ("SELECT theater_diagram('DOT')", "theater_diagram: format must be 'mermaid' or 'dot', not 'DOT'"),
    ("SELECT theater_diagram(NULL)", "theater_diagram: format must be text"),
    ("SELECT theater_diagram(1)", "theater_diagram: format must be text"),
    ("SELECT theater_diagram(x'646f74')", "theater_diagram: format must be text"),
    ("SELECT theater_diagram('dot' || char(0))", "theater_diagram: format must not contain a NUL character"),
    ("SELECT theater_diagram('dot', 'mermaid')", "wrong number of arguments to function theater_diagram()"),
])
def test_bad_format(library, sql, error):
    assert error_of(library, sql) == error
