-- films.sql: the films seed (shared/seeds/004_cd32c890966d80e6.txt, "Build and
-- operate database with SQL Alchemy") done with theater's model layer: films
-- and actors, many-to-many through the pivot model Cast, which belongs to an
-- actor and to a film.
--
-- Run from the repository root, after bash scripts/build.sh:
--
--   sqlite3 :memory: -cmd '.load build/theater' < sql/examples/films.sql
--
-- Nothing else is needed: the script does not .load the extension itself.
--
-- It runs the seed's CRUD steps (create, read all, read one, the cast of a
-- film through film.characters and character.actor, registering a cast,
-- update, delete) and prints what the seed's code prints ("Film: ...",
-- "Film found: ...", "Actor: ...", "Film not found") under --- headings.
--
-- The seed's only data is the film it creates, The Shawshank Redemption
-- (1994-09-23). To have a cast to navigate, this script adds two of its actors
-- and a second film that shares one of them (real titles and dates):
-- Tim Robbins and Morgan Freeman; Se7en (1995-09-22) with Brad Pitt and Morgan
-- Freeman.

.bail on
.headers off
.mode list

-- The seed's models. "cast" is an SQL keyword (CAST), so it is quoted
-- wherever it is named; theater_relate takes the name as it is.
CREATE TABLE films (
    id           INTEGER PRIMARY KEY,
    title        VARCHAR(100) NOT NULL,
    release_date DATE NOT NULL
);
CREATE TABLE actors (
    id            INTEGER PRIMARY KEY,
    name          VARCHAR(100) NOT NULL,
    date_of_birth DATE NOT NULL
);
CREATE TABLE "cast" (
    id       INTEGER PRIMARY KEY,
    actor_id INTEGER REFERENCES actors (id),
    film_id  INTEGER REFERENCES films (id)
);
-- The pivot's foreign keys, indexed one column each: a film's cast and an
-- actor's casts both seek, in the order the casts were made.
CREATE INDEX cast_actor_id ON "cast" (actor_id);
CREATE INDEX cast_film_id ON "cast" (film_id);

-- The seed's relationship()s, declared once, and the many-to-many they make
-- through the pivot. Each summary is printed only if its declaration cannot
-- seek an index.
WITH declared (summary) AS MATERIALIZED (
    -- Films.characters: Mapped[List["Cast"]] = relationship(back_populates="film")
    SELECT theater_relate('film_cast', 'films', 'cast')
    UNION ALL  -- Actors.movies: Mapped[List["Cast"]] = relationship(back_populates="actor")
    SELECT theater_relate('actor_cast', 'actors', 'cast')
    UNION ALL  -- Cast.actor: Mapped["Actors"] = relationship(back_populates="movies")
    SELECT theater_relate('cast_actor', 'cast', 'actors')
    UNION ALL  -- Cast.film: Mapped["Films"] = relationship(back_populates="characters")
    SELECT theater_relate('cast_film', 'cast', 'films')
    UNION ALL  -- "in practice two one-to-many relationships ... with a pivot table":
               -- a film's actors and an actor's films, across Cast
    SELECT theater_relate('film_actors', 'films', 'actors', 'cast')
    UNION ALL
    SELECT theater_relate('actor_films', 'actors', 'films', 'cast')
)
SELECT 'warning: ' || summary FROM declared WHERE summary NOT LIKE '%seeks use%';

.print '--- Create ---'
-- new_film = Films(title="The Shawshank Redemption", release_date=datetime.date(1994, 9, 23))
INSERT INTO films (id, title, release_date) VALUES
    (1, 'The Shawshank Redemption', '1994-09-23'),
    (2, 'Se7en', '1995-09-22');
INSERT INTO actors (id, name, date_of_birth) VALUES
    (1, 'Tim Robbins', '1958-10-16'),
    (2, 'Morgan Freeman', '1937-06-01'),
    (3, 'Brad Pitt', '1963-12-18');
INSERT INTO "cast" (id, actor_id, film_id) VALUES
    (1, 1, 1),
    (2, 2, 1),
    (3, 3, 2);
SELECT 'Created ' || (SELECT count(*) FROM films) || ' films, '
       || (SELECT count(*) FROM actors) || ' actors and '
       || (SELECT count(*) FROM "cast") || ' casts';

.print ''
.print '--- Read: all films ---'
-- for film in session.scalars(select(Films)).all():
--     print(f"Film: {film.title}, Release Date: {film.release_date}")
SELECT 'Film: ' || title || ', Release Date: ' || release_date FROM films ORDER BY id;

.print ''
.print '--- Read: the film with id 1 ---'
-- select(Films).filter_by(id=1): "Film found: ..." or "Film not found"
SELECT coalesce((SELECT 'Film found: ' || title || ', Release Date: ' || release_date
                 FROM films WHERE id = 1), 'Film not found');

.print ''
.print '--- Relationships: the cast of film 1 ---'
-- for character in film.characters: print(f"Actor: {character.actor.name}")
SELECT 'Actor: ' || a.name
FROM film_cast(1) AS c, cast_actor(c.id) AS a;

.print ''
.print '--- Registering relationships: Morgan Freeman joins the cast of Se7en ---'
-- cast = Cast(actor_id=people_id, film_id=film_id); session.add(cast); session.commit()
INSERT INTO "cast" (id, actor_id, film_id) VALUES (4, 2, 2);
-- Se7en's actors, across Cast in one step (film_actors)
SELECT 'Actor: ' || a.name FROM film_actors(2) AS a;

.print ''
.print '--- Relationships: the films of Morgan Freeman ---'
-- for cast in actor.movies: cast.film (actor_cast, cast_film) ...
SELECT 'Film: ' || f.title || ', Release Date: ' || f.release_date
FROM actor_cast(2) AS c, cast_film(c.id) AS f;
-- ... which is what actor_films gives in one step
SELECT CASE WHEN (SELECT group_concat(id) FROM actor_films(2))
                 = (SELECT group_concat(f.id) FROM actor_cast(2) AS c, cast_film(c.id) AS f)
            THEN '(actor_films(2) gives the same films)'
            ELSE '(actor_films(2) DIFFERS)' END;

.print ''
.print '--- Update: the film with id 1 ---'
-- film.title = "New title"; session.add(film); session.commit()
UPDATE films SET title = 'New title' WHERE id = 1;
SELECT 'Film: ' || title || ', Release Date: ' || release_date FROM films ORDER BY id;

.print ''
.print '--- Delete: the film with id 1 ---'
-- session.delete(film); session.commit(). Films.characters has no delete
-- cascade, so SQLAlchemy sets the film_id of the film's casts to NULL before
-- it deletes the film: the casts stay, with no film.
UPDATE "cast" SET film_id = NULL WHERE id IN (SELECT id FROM film_cast(1));
DELETE FROM films WHERE id = 1;
SELECT coalesce((SELECT 'Film found: ' || title || ', Release Date: ' || release_date
                 FROM films WHERE id = 1), 'Film not found');
SELECT 'Casts left without a film: ' || count(*)
FROM "cast" AS c WHERE NOT EXISTS (SELECT 1 FROM cast_film(c.id));
SELECT 'Films of Morgan Freeman now: ' || group_concat(title, ', ') FROM actor_films(2);
