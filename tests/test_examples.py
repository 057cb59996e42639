"""sql/examples/*.sql, the seeds' systems done with the model layer
(shared/spec/model-layer.md, "The seeds' systems as examples").

Each script runs in the real sqlite3 shell the way its header says
(sqlite3 :memory: -cmd '.load build/theater' < sql/examples/X.sql, with the
build THEATER_BUILD selects) and must print its golden file,
tests/golden/examples/X.out, exactly. library.sql must also print exactly the
"Expected output" block of the library seed, read from the seed file itself.
Then, per script, every relationship it declares must give the rows of the
plain-SQL join it stands for, in the documented order."""
import os
import pathlib
import re
import subprocess

import pytest

from conftest import EXTENSION, ROOT, SQLITE, connect

EXAMPLES = ROOT / "sql" / "examples"
GOLDEN = ROOT / "tests" / "golden" / "examples"
SCRIPTS = ["library", "library_altered", "library_json", "movies", "company", "films", "org_chart"]
# The seeds live outside the repository (shared/seeds next to it); THEATER_SEEDS
# can point elsewhere.
SEEDS = pathlib.Path(os.environ.get("THEATER_SEEDS", ROOT.parent / "shared" / "seeds"))
LIBRARY_SEED = SEEDS / "001_1a6e7ab70c170d02.txt"

# What each script writes to stderr, with the line numbers taken out, and its
# exit status. Only library_altered fails a statement, on purpose (Fix it 1).
# The sqlite3 shell's wording of a statement that failed while stepping:
# "Runtime error near line N: ... (19)" (3.40.1), "Error near line N: ..."
# from the shell of 3.53 on.
FAILED_STEP = "Error near line N: {}" if SQLITE >= (3, 53, 0) else "Runtime error near line N: {} (19)"
EXPECTED_STDERR = {
    "library_altered": [
        FAILED_STEP.format("FOREIGN KEY constraint failed: books.author_id must name a row of authors"),
    ],
}


# The scripts declare their relationships in WITH ... AS MATERIALIZED, so that
# each theater_relate runs exactly once: syntax of SQLite 3.35.0 and later.
# Older releases refuse the scripts with a syntax error (docs/platforms.md).
RUNS_THE_SCRIPTS = pytest.mark.skipif(SQLITE < (3, 35, 0),
                                      reason="sql/examples use AS MATERIALIZED, SQLite 3.35.0 or newer")


def run_script(name, database=":memory:"):
    if not EXTENSION.exists():
        pytest.exit(f"{EXTENSION} is missing: build first", returncode=2)
    with open(EXAMPLES / f"{name}.sql", "rb") as source:
        return subprocess.run(
            # -init /dev/null: no ~/.sqliterc can change the output mode.
            ["sqlite3", "-batch", "-init", os.devnull, str(database),
             "-cmd", f".load {EXTENSION.with_suffix('')}"],
            stdin=source, capture_output=True, text=True, cwd=ROOT, timeout=60,
        )


@pytest.fixture(scope="module")
def outputs():
    return {}


def output_of(outputs, name):
    if name not in outputs:
        outputs[name] = run_script(name)
    return outputs[name]


def test_every_script_is_tested():
    assert sorted(p.stem for p in EXAMPLES.glob("*.sql")) == sorted(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_starts_with_how_to_run_it(name):
    text = (EXAMPLES / f"{name}.sql").read_text()
    header = text[: text.index("\n\n")]
    assert all(line.startswith("--") for line in header.splitlines())
    assert f"sqlite3 :memory: -cmd '.load build/theater' < sql/examples/{name}.sql" in header
    # It needs nothing but the extension the command line loads.
    assert not re.search(r"^\s*\.(load|read|open)\b", text, re.MULTILINE)


@RUNS_THE_SCRIPTS
@pytest.mark.parametrize("name", SCRIPTS)
def test_script_prints_its_golden_output(outputs, name):
    done = output_of(outputs, name)
    assert done.stdout == (GOLDEN / f"{name}.out").read_text()


@RUNS_THE_SCRIPTS
@pytest.mark.parametrize("name", SCRIPTS)
def test_script_errors_are_only_the_deliberate_ones(outputs, name):
    done = output_of(outputs, name)
    stderr = [re.sub(r"near line \d+", "near line N", line) for line in done.stderr.splitlines()]
    expected = EXPECTED_STDERR.get(name, [])
    assert (stderr, done.returncode) == (expected, 1 if expected else 0)


def seed_expected_output(seed):
    """The lines between the seed's "Expected output" heading and "Alter it",
    without the blank lines around them."""
    lines = seed.read_text().splitlines()
    start = lines.index("Expected output") + 1
    end = lines.index("Alter it")
    block = lines[start:end]
    while block and not block[0].strip():
        block.pop(0)
    while block and not block[-1].strip():
        block.pop()
    return "\n".join(block) + "\n"


@RUNS_THE_SCRIPTS
def test_library_prints_exactly_the_seeds_expected_output(outputs):
    if not LIBRARY_SEED.exists():
        pytest.skip(f"{LIBRARY_SEED} is not here (THEATER_SEEDS names the seeds' folder)")
    expected = seed_expected_output(LIBRARY_SEED)
    assert expected.startswith("--- Creating tables ---\nTables created: authors, books\n")
    assert expected.endswith("\nORM query returned the same results as raw SQL.\n")
    assert output_of(outputs, "library").stdout == expected


def test_library_golden_is_the_seeds_expected_output():
    if not LIBRARY_SEED.exists():
        pytest.skip(f"{LIBRARY_SEED} is not here (THEATER_SEEDS names the seeds' folder)")
    assert (GOLDEN / "library.out").read_text() == seed_expected_output(LIBRARY_SEED)


# ---------------------------------------------------------------------------
# Every declared relationship against the plain SQL it stands for.
#
# script -> relationship -> (from_table, plain SQL with ? for the from id).
# The plain SQL selects the columns the function returns, in the order the
# model layer documents: the target's rowid for one-to-many; for many-to-many
# the order of the association table's index on its from column (link rowid
# for a one-column index; the primary key's second column for a two-column
# primary key).
BOOK_AUTHOR = "SELECT a.id, a.name FROM books AS b JOIN authors AS a ON a.id = b.author_id WHERE b.id = ?"
RELATIONSHIPS = {
    "library": {
        "author_books": ("authors", "SELECT id, title, year FROM books WHERE author_id = ? ORDER BY rowid"),
        "book_author": ("books", BOOK_AUTHOR),
    },
    "library_altered": {
        "author_books": ("authors", "SELECT id, title, year, publisher_id FROM books "
                                    "WHERE author_id = ? ORDER BY rowid"),
        "book_author": ("books", BOOK_AUTHOR),
        "publisher_books": ("publishers", "SELECT id, title, year, author_id FROM books "
                                          "WHERE publisher_id = ? ORDER BY rowid"),
        "book_publisher": ("books", "SELECT p.id, p.name FROM books AS b "
                                    "JOIN publishers AS p ON p.id = b.publisher_id WHERE b.id = ?"),
        "book_tag_list": ("books", "SELECT t.id, t.name FROM book_tags AS bt JOIN tags AS t ON t.id = bt.tag_id "
                                   "WHERE bt.book_id = ? ORDER BY bt.tag_id"),
        "tag_books": ("tags", "SELECT b.id, b.title, b.year, b.author_id, b.publisher_id FROM book_tags AS bt "
                              "JOIN books AS b ON b.id = bt.book_id WHERE bt.tag_id = ? ORDER BY bt.rowid"),
    },
    "movies": {
        "movie_actors": ("movies", "SELECT a.id, a.name, a.birthday FROM movies_actors AS ma "
                                   "JOIN actors AS a ON a.id = ma.actor_id WHERE ma.movie_id = ? ORDER BY ma.rowid"),
        "actor_movies": ("actors", "SELECT m.id, m.title, m.release_date FROM movies_actors AS ma "
                                   "JOIN movies AS m ON m.id = ma.movie_id WHERE ma.actor_id = ? ORDER BY ma.rowid"),
        "stuntman_actor": ("stuntmen", "SELECT a.id, a.name, a.birthday FROM stuntmen AS s "
                                       "JOIN actors AS a ON a.id = s.actor_id WHERE s.id = ?"),
        "actor_stuntman": ("actors", "SELECT id, name, active FROM stuntmen WHERE actor_id = ?"),
        "contact_details_actor": ("contact_details", "SELECT a.id, a.name, a.birthday FROM contact_details AS c "
                                                     "JOIN actors AS a ON a.id = c.actor_id WHERE c.id = ?"),
        "actor_contact_details": ("actors", "SELECT id, phone_number, address FROM contact_details "
                                            "WHERE actor_id = ? ORDER BY rowid"),
    },
    "company": {
        "meetings_of_employee": ("employees", "SELECT m.id, m.topic, m.scheduled_time, m.location "
                                              "FROM employee_meetings AS em JOIN meetings AS m ON m.id = em.meeting_id "
                                              "WHERE em.employee_id = ? ORDER BY em.meeting_id"),
        "meeting_employees": ("meetings", "SELECT e.id, e.name, e.hire_date FROM employee_meetings AS em "
                                          "JOIN employees AS e ON e.id = em.employee_id "
                                          "WHERE em.meeting_id = ? ORDER BY em.rowid"),
        "employee_assignments": ("employees", "SELECT id, role, start_date, end_date, project_id FROM assignments "
                                              "WHERE employee_id = ? ORDER BY rowid"),
        "project_assignments": ("projects", "SELECT id, role, start_date, end_date, employee_id FROM assignments "
                                            "WHERE project_id = ? ORDER BY rowid"),
        "assignment_employee": ("assignments", "SELECT e.id, e.name, e.hire_date FROM assignments AS a "
                                               "JOIN employees AS e ON e.id = a.employee_id WHERE a.id = ?"),
        "assignment_project": ("assignments", "SELECT p.id, p.title, p.budget FROM assignments AS a "
                                              "JOIN projects AS p ON p.id = a.project_id WHERE a.id = ?"),
        "employee_projects": ("employees", "SELECT p.id, p.title, p.budget FROM assignments AS a "
                                           "JOIN projects AS p ON p.id = a.project_id "
                                           "WHERE a.employee_id = ? ORDER BY a.rowid"),
        "project_employees": ("projects", "SELECT e.id, e.name, e.hire_date FROM assignments AS a "
                                          "JOIN employees AS e ON e.id = a.employee_id "
                                          "WHERE a.project_id = ? ORDER BY a.rowid"),
    },
    "films": {
        "film_cast": ("films", 'SELECT id, actor_id FROM "cast" WHERE film_id = ? ORDER BY rowid'),
        "actor_cast": ("actors", 'SELECT id, film_id FROM "cast" WHERE actor_id = ? ORDER BY rowid'),
        "cast_actor": ("cast", 'SELECT a.id, a.name, a.date_of_birth FROM "cast" AS c '
                               "JOIN actors AS a ON a.id = c.actor_id WHERE c.id = ?"),
        "cast_film": ("cast", 'SELECT f.id, f.title, f.release_date FROM "cast" AS c '
                              "JOIN films AS f ON f.id = c.film_id WHERE c.id = ?"),
        "film_actors": ("films", 'SELECT a.id, a.name, a.date_of_birth FROM "cast" AS c '
                                 "JOIN actors AS a ON a.id = c.actor_id WHERE c.film_id = ? ORDER BY c.rowid"),
        "actor_films": ("actors", 'SELECT f.id, f.title, f.release_date FROM "cast" AS c '
                                  "JOIN films AS f ON f.id = c.film_id WHERE c.actor_id = ? ORDER BY c.rowid"),
    },
}


# The trees' oracle: a recursive CTE (the script's data has no cycle, and
# breadth-first order is depth, then id, there).
REPORTS_CTE = ("WITH RECURSIVE down(id, depth) AS (SELECT id, 1 FROM employees WHERE manager_id = ?1 "
               "UNION ALL SELECT e.id, down.depth + 1 FROM employees AS e JOIN down ON e.manager_id = down.id) "
               "SELECT e.id, e.name, e.hire_date, down.depth FROM down JOIN employees AS e ON e.id = down.id "
               "ORDER BY down.depth, e.id")
MANAGERS_CTE = ("WITH RECURSIVE up(id, depth) AS (SELECT manager_id, 1 FROM employees WHERE id = ?1 "
                "UNION ALL SELECT e.manager_id, up.depth + 1 FROM employees AS e JOIN up ON e.id = up.id) "
                "SELECT e.id, e.name, e.hire_date, e.manager_id, up.depth FROM up JOIN employees AS e ON e.id = up.id "
                "ORDER BY up.depth")
RELATIONSHIPS["library_json"] = {
    "author_books": ("authors", "SELECT id, title, year FROM books WHERE author_id = ? ORDER BY rowid"),
    "book_author": ("books", BOOK_AUTHOR),
    "book_tags": ("books", "SELECT t.id, t.name FROM book_tag_links AS bt JOIN tags AS t ON t.id = bt.tag_id "
                           "WHERE bt.book_id = ? ORDER BY bt.rowid"),
}
RELATIONSHIPS["org_chart"] = {
    "direct_reports": ("employees", "SELECT id, name, hire_date FROM employees WHERE manager_id = ? ORDER BY rowid"),
    "employee_manager": ("employees", "SELECT m.id, m.name, m.hire_date, m.manager_id FROM employees AS e "
                                      "JOIN employees AS m ON m.id = e.manager_id WHERE e.id = ?"),
    "all_reports": ("employees", REPORTS_CTE),
    "all_managers": ("employees", MANAGERS_CTE),
}


def test_every_script_has_its_relationships_listed():
    assert sorted(RELATIONSHIPS) == sorted(SCRIPTS)


@RUNS_THE_SCRIPTS
@pytest.mark.parametrize("name", SCRIPTS)
def test_declared_relationships_give_the_plain_joins_rows(tmp_path, name):
    """The script runs on a database file; a new connection that loads the
    extension then has its declarations. For every relationship and every
    key of its from table (plus one that names no row, and NULL), the
    function's rows are the plain join's, in the same order."""
    database = tmp_path / f"{name}.db"
    done = run_script(name, database)
    assert done.returncode == (1 if name in EXPECTED_STDERR else 0), done.stderr
    conn = connect(database)
    try:
        declared = {r[0] for r in conn.execute("SELECT name FROM theater_relationships")}
        assert declared == set(RELATIONSHIPS[name])
        checked = 0
        for relationship, (from_table, plain) in RELATIONSHIPS[name].items():
            keys = [r[0] for r in conn.execute(f'SELECT id FROM "{from_table}" ORDER BY id')]
            assert keys, f"{from_table} is empty: {relationship} would be checked on nothing"
            for key in keys + [max(keys) + 1000, None]:
                got = conn.execute(f'SELECT * FROM "{relationship}"(?)', (key,)).fetchall()
                want = conn.execute(plain, (key,)).fetchall()
                assert got == want, f"{relationship}({key})"
                checked += len(want)
        assert checked > 0
    finally:
        conn.close()
