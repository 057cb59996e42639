-- library_altered.sql: the library seed (shared/seeds/001_1a6e7ab70c170d02.txt)
-- after its "Alter it", "Break it" and "Fix it" exercises, done with theater's
-- model layer:
--   Alter it 1: a Publisher model, one-to-many to books; all books by a publisher.
--   Alter it 2: books and tags ("programming", "python", "design"),
--               many-to-many through book_tags.
--   Break it 1: a book whose author_id names no author. SQLite's default
--               (PRAGMA foreign_keys off) takes it without a word.
--   Fix it 1:   theater_enforce_foreign_keys makes the foreign keys hold with
--               the pragma still off: the same insert is refused.
--   Fix it 2:   cascade="all, delete-orphan" as ON DELETE CASCADE, carried out
--               by the same triggers: deleting an author deletes their books,
--               and deleting the books deletes their tag links.
-- (Alter it 3, __repr__, and Break it 2 and 3 are about Python objects and
-- sessions; they have no SQL counterpart here.)
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/library_altered.sql
--
-- Nothing else is needed: the script does not .load the extension itself, and
-- it does not read library.sql (it makes the authors and books again).
--
-- Fix it 1 makes one statement fail on purpose: the shell writes
--   Runtime error near line N: FOREIGN KEY constraint failed: books.author_id
--   must name a row of authors (19)
-- to stderr and goes on (.bail off below), so the shell's exit status is 1.
-- Everything else goes to stdout.

.bail off
.headers off
.mode list
-- SQLite's default, said out loud: nothing below relies on the pragma.
PRAGMA foreign_keys = OFF;

.print '--- Creating tables ---'
CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE publishers (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
-- Fix it 2: Author.books has cascade="all, delete-orphan": ON DELETE CASCADE.
CREATE TABLE books (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    year         INTEGER NOT NULL,
    author_id    INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    publisher_id INTEGER REFERENCES publishers (id)
);
CREATE INDEX books_author_id ON books (author_id);
CREATE INDEX books_publisher_id ON books (publisher_id);
CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
-- The association table (SQLAlchemy: Table("book_tags", ...) as the
-- relationship's secondary). A link goes when its book or its tag does.
CREATE TABLE book_tags (
    book_id INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (book_id, tag_id)
);
-- The primary key's index serves a book's tags (in tag id order); a tag's
-- books need an index of their own (on tag_id alone: links in the order made).
CREATE INDEX book_tags_tag_id ON book_tags (tag_id);

SELECT 'Tables created: ' || group_concat(name, ', ')
FROM (SELECT name FROM sqlite_schema
      WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
      ORDER BY name);

-- The relationships, declared once; a summary is printed only if its
-- declaration cannot seek an index.
WITH declared (summary) AS MATERIALIZED (
    SELECT theater_relate('author_books', 'authors', 'books')             -- Author.books
    UNION ALL
    SELECT theater_relate('book_author', 'books', 'authors')              -- Book.author
    UNION ALL
    SELECT theater_relate('publisher_books', 'publishers', 'books')       -- Publisher.books
    UNION ALL
    SELECT theater_relate('book_publisher', 'books', 'publishers')        -- Book.publisher
    UNION ALL
    SELECT theater_relate('book_tag_list', 'books', 'tags', 'book_tags')  -- Book.tags
    UNION ALL
    SELECT theater_relate('tag_books', 'tags', 'books', 'book_tags')      -- Tag.books
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';
-- (Book.tags is book_tag_list: book_tags is the association table's name.)

.print ''
.print '--- Inserting authors, publishers, books and tags ---'
INSERT INTO authors (id, name) VALUES
    (1, 'David Thomas'),
    (2, 'Robert C. Martin'),
    (3, 'Luciano Ramalho');
INSERT INTO publishers (id, name) VALUES
    (1, 'Addison-Wesley'),
    (2, 'Prentice Hall'),
    (3, 'O''Reilly Media');
INSERT INTO books (id, title, year, author_id, publisher_id) VALUES
    (1, 'The Pragmatic Programmer', 1999, 1, 1),
    (2, 'Programming Pearls', 2000, 1, 1),
    (3, 'Clean Code', 2008, 2, 2),
    (4, 'Clean Architecture', 2017, 2, 2),
    (5, 'The Clean Coder', 2011, 2, 2),
    (6, 'Fluent Python', 2015, 3, 3),
    (7, 'Fluent Python 2nd Ed', 2022, 3, 3);
INSERT INTO tags (id, name) VALUES
    (1, 'programming'),
    (2, 'python'),
    (3, 'design');
INSERT INTO book_tags (book_id, tag_id) VALUES
    (1, 1),
    (2, 1),
    (3, 1), (3, 3),
    (4, 3),
    (5, 1),
    (6, 1), (6, 2),
    (7, 2);

SELECT 'Added ' || (SELECT count(*) FROM authors) || ' authors, '
       || (SELECT count(*) FROM publishers) || ' publishers, '
       || (SELECT count(*) FROM books) || ' books and '
       || (SELECT count(*) FROM tags) || ' tags ('
       || (SELECT count(*) FROM book_tags) || ' tag links).';

.print ''
.print '--- Alter it 1: books by publisher ---'
-- for publisher in publishers: publisher.books (in rowid order), each with its author
SELECT line FROM (
    SELECT p.id AS publisher, 0 AS book, '  Publisher: ' || p.name AS line
    FROM publishers AS p
    UNION ALL
    SELECT p.id, b.id, '    - ' || b.title || ' (' || b.year || ') by '
                       || (SELECT name FROM book_author(b.id))
    FROM publishers AS p, publisher_books(p.id) AS b
)
ORDER BY publisher, book;

.print ''
.print '--- Alter it 2: books and their tags ---'
-- book.tags, joined the way Python would: ', '.join(tag.name for tag in book.tags)
SELECT '  ' || b.title || ': '
       || coalesce((SELECT group_concat(t.name, ', ') FROM book_tag_list(b.id) AS t), '(no tags)')
FROM books AS b
ORDER BY b.id;

.print ''
.print '--- Alter it 2: books by tag ---'
-- tag.books, in the order the links were made, each with book.publisher
-- (group_concat takes the rows in the order tag_books gives them)
SELECT '  Tag: ' || t.name
       || coalesce((SELECT group_concat(char(10) || '    - ' || b.title || ' ('
                                        || (SELECT name FROM book_publisher(b.id)) || ')', '')
                    FROM tag_books(t.id) AS b), '')
FROM tags AS t
ORDER BY t.id;

.print ''
.print '--- Break it 1: a book with an author_id that does not exist ---'
SELECT '  PRAGMA foreign_keys = ' || foreign_keys FROM pragma_foreign_keys;
INSERT INTO books (id, title, year, author_id) VALUES (8, 'Orphan Book', 2024, 99);
-- An orphan is a book whose Book.author finds nothing.
SELECT '  Accepted without an error: ''' || b.title || ''' (author_id ' || b.author_id
       || ') has no author'
FROM books AS b
WHERE NOT EXISTS (SELECT 1 FROM book_author(b.id))
ORDER BY b.id;
DELETE FROM books WHERE id = 8;

.print ''
.print '--- Fix it 1: theater_enforce_foreign_keys, the pragma still off ---'
-- The triggers it makes stand for every foreign key of the table named,
-- both as the child (inserts, updates) and as the parent's ON DELETE action.
-- It returns how many foreign keys it made triggers for.
SELECT '  ' || t.name || ': ' || theater_enforce_foreign_keys(t.name) || ' foreign keys enforced ('
       || (SELECT group_concat(line, ', ') FROM
              (SELECT "from" || ' -> ' || "table" || ' ON DELETE ' || on_delete AS line
               FROM pragma_foreign_key_list(t.name) ORDER BY id DESC)) || ')'
FROM (SELECT 'books' AS name UNION ALL SELECT 'book_tags') AS t;
SELECT '  PRAGMA foreign_keys = ' || foreign_keys FROM pragma_foreign_keys;
-- Refused: the shell writes "Runtime error near line N: FOREIGN KEY constraint
-- failed: ..." to stderr and goes on.
INSERT INTO books (id, title, year, author_id) VALUES (8, 'Orphan Book', 2024, 99);
SELECT '  Refused: ' || (SELECT count(*) FROM books WHERE id = 8) || ' orphan books stored, '
       || (SELECT count(*) FROM books AS b WHERE NOT EXISTS (SELECT 1 FROM book_author(b.id)))
       || ' books without an author';
-- A book that names a real author still goes in (and out).
INSERT INTO books (id, title, year, author_id) VALUES (8, 'The Pragmatic Programmer 20th Anniversary Ed', 2019, 1);
SELECT '  Accepted: ' || b.title || ' by ' || a.name FROM books AS b, book_author(b.id) AS a WHERE b.id = 8;
DELETE FROM books WHERE id = 8;

.print ''
.print '--- Fix it 2: delete-orphan, as ON DELETE CASCADE ---'
SELECT '  Before: ' || (SELECT count(*) FROM books) || ' books, '
       || (SELECT count(*) FROM book_tags) || ' tag links; Robert C. Martin has '
       || (SELECT count(*) FROM author_books(2)) || ' books';
DELETE FROM authors WHERE name = 'Robert C. Martin';
SELECT '  After deleting Robert C. Martin: ' || (SELECT count(*) FROM books) || ' books, '
       || (SELECT count(*) FROM book_tags) || ' tag links; author_books(2) gives '
       || (SELECT count(*) FROM author_books(2)) || ' books';
SELECT '  Tag: ' || t.name || ' now has '
       || (SELECT count(*) FROM tag_books(t.id)) || ' books'
FROM tags AS t
ORDER BY t.id;
