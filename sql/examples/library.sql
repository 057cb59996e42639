-- library.sql: the library seed (shared/seeds/001_1a6e7ab70c170d02.txt,
-- "Module 06 / Project 02 - SQLAlchemy Models") done with theater's model layer:
-- authors and books, one-to-many, navigated through relationship functions.
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/library.sql
--
-- It prints exactly the seed's "Expected output" (tests/test_examples.py checks
-- that against the seed file itself). Nothing else is needed: the script does
-- not .load the extension itself.
--
-- The seed's models, as SQLAlchemy would write them:
--   class Author(Base):  __tablename__ = "authors"
--       id, name; books = relationship(back_populates="author")
--   class Book(Base):    __tablename__ = "books"
--       id, title, year, author_id = ForeignKey("authors.id")
--       author = relationship(back_populates="books")
-- Here Author.books is author_books(author_id) and Book.author is
-- book_author(books_id).

.bail on
.headers off
.mode list

.print '--- Creating tables ---'
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
-- The index a careful engineer adds on a foreign key column: author_books
-- seeks it (SQLite does not index foreign keys by itself).
CREATE INDEX books_author_id ON books (author_id);

SELECT 'Tables created: ' || group_concat(name, ', ')
FROM (SELECT name FROM sqlite_schema
      WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
      ORDER BY name);

-- The relationships, declared once. theater_relate returns a one-line summary;
-- it is printed only if the declaration does not seek an index (so the
-- expected output stays exact, and a missing index shows up).
WITH declared (summary) AS MATERIALIZED (
    SELECT theater_relate('author_books', 'authors', 'books')   -- Author.books
    UNION ALL
    SELECT theater_relate('book_author', 'books', 'authors')    -- Book.author
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';

.print ''
.print '--- Inserting authors and books ---'
INSERT INTO authors (id, name) VALUES
    (1, 'David Thomas'),
    (2, 'Robert C. Martin'),
    (3, 'Luciano Ramalho');
INSERT INTO books (id, title, year, author_id) VALUES
    (1, 'The Pragmatic Programmer', 1999, 1),
    (2, 'Programming Pearls', 2000, 1),
    (3, 'Clean Code', 2008, 2),
    (4, 'Clean Architecture', 2017, 2),
    (5, 'The Clean Coder', 2011, 2),
    (6, 'Fluent Python', 2015, 3),
    (7, 'Fluent Python 2nd Ed', 2022, 3);

SELECT 'Added ' || (SELECT count(*) FROM authors) || ' authors with '
       || (SELECT count(*) FROM books) || ' books total.';

.print ''
.print '--- All authors ---'
-- for author in authors: print author, then each of author.books
-- (author_books gives an author's books in rowid order).
SELECT line FROM (
    SELECT a.id AS author, 0 AS book, '  Author: ' || a.name AS line
    FROM authors AS a
    UNION ALL
    SELECT a.id, b.id, '    - ' || b.title || ' (' || b.year || ')'
    FROM authors AS a, author_books(a.id) AS b
)
ORDER BY author, book;

.print ''
.print '--- Query: books after 2010 ---'
-- session.query(Book).filter(Book.year > 2010), each with book.author
SELECT '  ' || b.title || ' (' || b.year || ') by ' || a.name
FROM books AS b, book_author(b.id) AS a
WHERE b.year > 2010
ORDER BY b.id;

.print ''
.print '--- Query: authors with more than 2 books ---'
-- authors whose len(author.books) > 2
SELECT '  ' || name || ' (' || n || ' books)'
FROM (SELECT a.id, a.name, (SELECT count(*) FROM author_books(a.id)) AS n
      FROM authors AS a)
WHERE n > 2
ORDER BY id;

.print ''
.print '--- ORM vs raw SQL comparison ---'
-- The relationship functions' rows against the plain JOINs they stand for,
-- compared both ways (and by count, since EXCEPT drops duplicates).
WITH
orm_books   AS (SELECT a.id AS author_id, b.id, b.title, b.year
                FROM authors AS a, author_books(a.id) AS b),
raw_books   AS (SELECT a.id, b.id, b.title, b.year
                FROM authors AS a JOIN books AS b ON b.author_id = a.id),
orm_authors AS (SELECT b.id AS book_id, a.id, a.name
                FROM books AS b, book_author(b.id) AS a WHERE b.year > 2010),
raw_authors AS (SELECT b.id, a.id, a.name
                FROM books AS b JOIN authors AS a ON a.id = b.author_id WHERE b.year > 2010)
SELECT CASE
    WHEN NOT EXISTS (SELECT * FROM orm_books EXCEPT SELECT * FROM raw_books)
     AND NOT EXISTS (SELECT * FROM raw_books EXCEPT SELECT * FROM orm_books)
     AND (SELECT count(*) FROM orm_books) = (SELECT count(*) FROM raw_books)
     AND NOT EXISTS (SELECT * FROM orm_authors EXCEPT SELECT * FROM raw_authors)
     AND NOT EXISTS (SELECT * FROM raw_authors EXCEPT SELECT * FROM orm_authors)
     AND (SELECT count(*) FROM orm_authors) = (SELECT count(*) FROM raw_authors)
    THEN 'ORM query returned the same results as raw SQL.'
    ELSE 'ORM query and raw SQL DIFFER: the relationship functions are wrong.'
END;
