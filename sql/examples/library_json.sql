-- library_json.sql: the library seed (shared/seeds/001_1a6e7ab70c170d02.txt)
-- written through its relationships, as SQLAlchemy's collections write it,
-- and read back as JSON documents (model-layer.md, "Writes" and "Nested
-- JSON"). With "Alter it" 2: tags, many-to-many.
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/library_json.sql
--
-- tests/test_examples.py checks its output against
-- tests/golden/examples/library_json.out.

.bail on
.headers off
.mode list

CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE books (
    id        INTEGER PRIMARY KEY,
    title     TEXT NOT NULL,
    year      INTEGER NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors (id)
);
CREATE INDEX books_author_id ON books (author_id);
CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE book_tag_links (
    book_id INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE
);
CREATE INDEX book_tag_links_book_id ON book_tag_links (book_id);
-- A deleted book takes its link rows with it (SQLAlchemy deletes a
-- secondary table's rows itself; here the schema says so, and
-- theater_enforce_foreign_keys makes it hold without PRAGMA foreign_keys).
SELECT 'not enforced' WHERE theater_enforce_foreign_keys('book_tag_links') IS NULL;

-- Author.books (cascade="all, delete-orphan": a removed book is deleted),
-- Book.author, and Book.tags through the link table.
WITH declared (summary) AS MATERIALIZED (
    SELECT theater_relate('author_books', 'authors', 'books')
    UNION ALL
    SELECT theater_relate('book_author', 'books', 'authors')
    UNION ALL
    SELECT theater_relate('book_tags', 'books', 'tags', 'book_tag_links')
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';

INSERT INTO authors (id, name) VALUES
    (1, 'David Thomas'),
    (2, 'Robert C. Martin'),
    (3, 'Luciano Ramalho');
-- author.books.append(Book(...)): the book gets its author_id from the author.
INSERT INTO author_books (author_id, id, title, year) VALUES
    (1, 1, 'The Pragmatic Programmer', 1999),
    (1, 2, 'Programming Pearls', 2000),
    (2, 3, 'Clean Code', 2008),
    (2, 4, 'Clean Architecture', 2017),
    (2, 5, 'The Clean Coder', 2011),
    (3, 6, 'Fluent Python', 2015),
    (3, 7, 'Fluent Python 2nd Ed', 2022);
INSERT INTO tags (id, name) VALUES (1, 'programming'), (2, 'python'), (3, 'design');
-- book.tags.append(tag): a link row each.
INSERT INTO book_tags (book_id, id) VALUES
    (1, 1), (1, 3), (2, 1), (3, 1), (3, 3), (4, 3), (5, 1), (6, 1), (6, 2), (7, 2);

.print '--- The library as one JSON document ---'
SELECT theater_json('authors', NULL, 'name, books(title, year, tags(name))');

.print ''
.print '--- Robert C. Martin, his two newest books ---'
SELECT theater_json('authors', 2, 'name, books(title, year; order: year desc; limit: 2)');

.print ''
.print '--- book.tags.remove(design), author.books.remove(The Clean Coder) ---'
DELETE FROM book_tags WHERE book_id = 4 AND id = 3;
DELETE FROM author_books WHERE author_id = 2 AND title = 'The Clean Coder';
SELECT theater_json('authors', 2, 'name, books(title, tags(name))');
SELECT 'books left: ' || count(*) || ', links left: ' || (SELECT count(*) FROM book_tag_links) FROM books;

.print ''
.print '--- A book with its author and tags ---'
SELECT theater_json('books', 6, 'title, author:book_author(name), tags:book_tags(name)');
