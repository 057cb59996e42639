-- movies.sql: the movies seed (shared/seeds/002_705528d80fd25da6.txt, Auth0's
-- "SQLAlchemy ORM Tutorial for Python Developers") done with theater's model
-- layer: movies and actors (many-to-many through movies_actors), stuntmen
-- (one-to-one with actors) and contact details (many-to-one to actors).
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/movies.sql
--
-- Nothing else is needed: the script does not .load the extension itself.
--
-- It prints what the seed's queries.py prints (### All movies, ### Recent
-- movies, ### Dwayne Johnson movies, ### Actors that live in Glendale), then
-- one more section in the same style for the one-to-one stuntmen.
--
-- Where the seed's printed output contradicts its own data, the data wins:
--   * The seed prints "No Pain No Gain", but inserts.py creates the movie as
--     Movie("Pain & Gain", date(2013, 8, 23)): this prints "Pain & Gain".
--   * The seed prints Dwayne Johnson's movies as Pain & Gain, then Furious 7.
--     Its query (session.query(Movie).join(Actor, Movie.actors)...) has no
--     ORDER BY, so that order is whatever PostgreSQL's plan gave; here they come
--     in movie order: Furious 7, then Pain & Gain.
--   * queries.py prints '\n### All movies:' and print('') after each section,
--     so its output starts with a blank line and each section, the last one
--     included, ends with one; the seed's shown output trims the first and
--     last. This script prints what the code prints.

.bail on
.headers off
.mode list

-- base.py / movie.py / actor.py / stuntman.py / contact_details.py
CREATE TABLE movies (
    id           INTEGER PRIMARY KEY,
    title        TEXT,
    release_date DATE
);
CREATE TABLE actors (
    id       INTEGER PRIMARY KEY,
    name     TEXT,
    birthday DATE
);
-- movies_actors_association = Table('movies_actors', ...)
CREATE TABLE movies_actors (
    movie_id INTEGER REFERENCES movies (id),
    actor_id INTEGER REFERENCES actors (id)
);
-- One index per side, each on its column alone: both directions seek, and
-- each gives its rows in the order the links were made.
CREATE INDEX movies_actors_movie_id ON movies_actors (movie_id);
CREATE INDEX movies_actors_actor_id ON movies_actors (actor_id);
-- "a particular Actor will have only one Stuntman and this Stuntman will work
-- only with this Actor" (backref("stuntman", uselist=False)): the seed does not
-- say UNIQUE, but one-to-one is what UNIQUE on the foreign key column means
-- (its index is also the one the relationship seeks).
CREATE TABLE stuntmen (
    id       INTEGER PRIMARY KEY,
    name     TEXT,
    active   BOOLEAN,
    actor_id INTEGER UNIQUE REFERENCES actors (id)
);
CREATE TABLE contact_details (
    id           INTEGER PRIMARY KEY,
    phone_number TEXT,
    address      TEXT,
    actor_id     INTEGER REFERENCES actors (id)
);
CREATE INDEX contact_details_actor_id ON contact_details (actor_id);

-- The seed's relationship() definitions and their backrefs, declared once.
-- Each summary is printed only if its declaration cannot seek an index.
WITH declared (summary) AS MATERIALIZED (
    -- Movie.actors = relationship("Actor", secondary=movies_actors_association)
    SELECT theater_relate('movie_actors', 'movies', 'actors', 'movies_actors')
    UNION ALL  -- the other way: an actor's movies
    SELECT theater_relate('actor_movies', 'actors', 'movies', 'movies_actors')
    UNION ALL  -- Stuntman.actor
    SELECT theater_relate('stuntman_actor', 'stuntmen', 'actors')
    UNION ALL  -- its backref Actor.stuntman (uselist=False): one-to-one
    SELECT theater_relate('actor_stuntman', 'actors', 'stuntmen')
    UNION ALL  -- ContactDetails.actor
    SELECT theater_relate('contact_details_actor', 'contact_details', 'actors')
    UNION ALL  -- its backref Actor.contact_details
    SELECT theater_relate('actor_contact_details', 'actors', 'contact_details')
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';

-- inserts.py. Ids are those the session's flush gives: movies in the order
-- added, actors as their movies cascade them in (Matt, Dwayne, Mark), links in
-- the order of each movie's actors list.
INSERT INTO movies (id, title, release_date) VALUES
    (1, 'The Bourne Identity', '2002-10-11'),
    (2, 'Furious 7', '2015-04-02'),
    (3, 'Pain & Gain', '2013-08-23');
INSERT INTO actors (id, name, birthday) VALUES
    (1, 'Matt Damon', '1970-10-08'),
    (2, 'Dwayne Johnson', '1972-05-02'),
    (3, 'Mark Wahlberg', '1971-06-05');
-- bourne_identity.actors = [matt_damon]; furious_7.actors = [dwayne_johnson];
-- pain_and_gain.actors = [dwayne_johnson, mark_wahlberg]
INSERT INTO movies_actors (movie_id, actor_id) VALUES (1, 1), (2, 2), (3, 2), (3, 3);
INSERT INTO contact_details (id, phone_number, address, actor_id) VALUES
    (1, '415 555 2671', 'Burbank, CA', 1),
    (2, '423 555 5623', 'Glendale, CA', 2),
    (3, '421 444 2323', 'West Hollywood, CA', 2),
    (4, '421 333 9428', 'Glendale, CA', 3);
INSERT INTO stuntmen (id, name, active, actor_id) VALUES
    (1, 'John Doe', TRUE, 1),
    (2, 'John Roe', TRUE, 2),
    (3, 'Richard Roe', TRUE, 3);

-- queries.py
.print ''
.print '### All movies:'
-- session.query(Movie).all()
SELECT title || ' was released on ' || release_date FROM movies ORDER BY id;
.print ''

.print '### Recent movies:'
-- session.query(Movie).filter(Movie.release_date > date(2015, 1, 1))
SELECT title || ' was released after 2015' FROM movies
WHERE release_date > '2015-01-01' ORDER BY id;
.print ''

.print '### Dwayne Johnson movies:'
-- session.query(Movie).join(Actor, Movie.actors)
--     .filter(Actor.name == 'Dwayne Johnson'): through Movie.actors itself.
SELECT 'The Rock starred in ' || m.title
FROM movies AS m, movie_actors(m.id) AS a
WHERE a.name = 'Dwayne Johnson'
ORDER BY m.id;
.print ''

.print '### Actors that live in Glendale:'
-- session.query(Actor).join(ContactDetails)
--     .filter(ContactDetails.address.ilike('%glendale%')): each actor once
-- (the ORM's query of one entity returns each row once), through
-- Actor.contact_details. SQLite's LIKE ignores ASCII case, as ilike does.
SELECT a.name || ' has a house in Glendale'
FROM actors AS a
WHERE EXISTS (SELECT 1 FROM actor_contact_details(a.id) AS c
              WHERE c.address LIKE '%glendale%')
ORDER BY a.id;
.print ''

-- Not printed by the seed: the one-to-one it maps (stuntman_actor, its other
-- side, is checked by tests/test_examples.py).
.print '### Stuntmen:'
-- actor.stuntman (uselist=False: at most one row) for every actor
SELECT s.name || ' is the stuntman of ' || a.name
FROM actors AS a, actor_stuntman(a.id) AS s
ORDER BY a.id;
.print ''
