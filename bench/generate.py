"""Deterministic benchmark databases: N roles, about 5 auditions per role
(each audition's role drawn at random, so a role's auditions are scattered
through the table as they are when auditions arrive over time), about 30% of
auditions hired, so roles with 0, 1, 2 and more hires all occur. For the
model layer: 50 tags, two links per role in role_tags (many-to-many), and
three declared relationships: role_hires (roles -> auditions), audition_of
(auditions -> roles) and role_tag_list (roles -> tags through role_tags).
For the random-order cases, shuffled_roles and shuffled_auditions hold every
id once, in random rowid order: a query that reads them asks for ids in no
order.

    /usr/bin/python3 bench/generate.py 100000 build/bench/roles-100000.db

The same N always gives the same database (fixed seed). Generated databases
live under build/, never in git."""
import pathlib
import random
import sqlite3
import sys

GENERATOR_VERSION = 3
SEED = 20261123
AUDITIONS_PER_ROLE = 5
HIRED_SHARE = 0.3
TAGS = 50
TAGS_PER_ROLE = 2
CITIES = ["New York", "Chicago", "Los Angeles", "London", "Toronto", "Boston", "Seattle", "Austin"]
FIRST = ["Ada", "Ben", "Cy", "Dee", "Eve", "Finn", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Max", "Ned"]
LAST = ["Stone", "Rivers", "Hale", "Marsh", "Woods", "Fields", "Brooks", "Lane", "Cross", "Grant"]


def load_extension(conn, extension):
    conn.enable_load_extension(True)
    conn.load_extension(str(extension))
    conn.enable_load_extension(False)


def generate(roles, path, extension):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    rng = random.Random(SEED + roles)
    conn = sqlite3.connect(str(tmp), isolation_level=None)
    load_extension(conn, extension)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("SELECT theater_migrate()")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO roles (id, character_name) VALUES (?, ?)",
                     ((i, f"Role {i}") for i in range(1, roles + 1)))
    auditions = roles * AUDITIONS_PER_ROLE

    def rows():
        for audition in range(1, auditions + 1):
            yield (audition, f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.randrange(1000)}",
                   rng.choice(CITIES), 5550000 + rng.randrange(10000),
                   1 if rng.random() < HIRED_SHARE else 0, rng.randrange(1, roles + 1))

    conn.executemany("INSERT INTO auditions (id, actor, location, phone, hired, role_id) VALUES (?, ?, ?, ?, ?, ?)",
                     rows())
    conn.execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    conn.execute("CREATE TABLE role_tags (role_id INTEGER NOT NULL REFERENCES roles(id),"
                 " tag_id INTEGER NOT NULL REFERENCES tags(id))")
    conn.execute("CREATE INDEX role_tags_role ON role_tags(role_id)")
    conn.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", ((i, f"tag {i}") for i in range(1, TAGS + 1)))
    # Links made in random role order, as they would be over time.
    links = [(rng.randrange(1, roles + 1), rng.randrange(1, TAGS + 1)) for _ in range(roles * TAGS_PER_ROLE)]
    conn.executemany("INSERT INTO role_tags (role_id, tag_id) VALUES (?, ?)", links)
    for table, count in (("shuffled_roles", roles), ("shuffled_auditions", auditions)):
        ids = list(range(1, count + 1))
        rng.shuffle(ids)
        conn.execute(f"CREATE TABLE {table} (id INTEGER NOT NULL)")
        conn.executemany(f"INSERT INTO {table} (id) VALUES (?)", ((i,) for i in ids))
    conn.execute("COMMIT")
    conn.execute("SELECT theater_relate('role_hires', 'roles', 'auditions')")
    conn.execute("SELECT theater_relate('audition_of', 'auditions', 'roles')")
    conn.execute("SELECT theater_relate('role_tag_list', 'roles', 'tags', 'role_tags')")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    tmp.rename(path)
    return path


def database(roles, folder, extension):
    """The database for `roles`, generated on first use."""
    path = pathlib.Path(folder) / f"roles-{roles}-v{GENERATOR_VERSION}.db"
    if not path.exists():
        generate(roles, path, extension)
    return path


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    generate(int(sys.argv[1]), sys.argv[2], root / "build" / "theater.so")
