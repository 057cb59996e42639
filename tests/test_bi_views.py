"""Issue 14, "BI and reporting tools for real": views that work in a plain
SQLite connection, where no extension can be loaded (most BI tools open
their own connections). role_actors_view (migration 6) gives exactly the
rows of role_actors(role_id), with role_id an ordinary column a tool filters
on; casting_sheet (migration 4) is tested in tests/test_conventions.py."""
import sqlite3
import subprocess

import pytest

from conftest import connect
from theater_data import load_cast, load_random_cast, plan_details, rows

VIEW = "role_actors_view"


def role_actors_of_every_role(conn):
    """(role_id, actor) for every role, in role then audition order, asked
    of the extension's role_actors one role at a time."""
    return [(role_id, actor)
            for (role_id,) in rows(conn, "SELECT id FROM roles ORDER BY id")
            for (actor,) in rows(conn, "SELECT actor FROM role_actors(?)", (role_id,))]


@pytest.fixture
def plain(db_path):
    """A plain connection (Python's own sqlite3, no extension) to a migrated
    database with the seeded cast, as a BI tool would open it."""
    load_cast(connect(db_path)).close()
    c = sqlite3.connect(str(db_path))
    yield c
    c.close()


def test_the_view_is_listed_in_sqlite_master_where_tools_look(migrated):
    assert rows(migrated, "SELECT type FROM sqlite_master WHERE name = ?", (VIEW,)) == [("view",)]
    assert [r[1] for r in migrated.execute(f"PRAGMA table_info({VIEW})")] == ["role_id", "actor"]


def test_the_view_comes_and_goes_with_migration_6(migrated):
    migrated.execute("SELECT theater_migrate(5)")
    assert rows(migrated, "SELECT name FROM sqlite_master WHERE name = ?", (VIEW,)) == []
    migrated.execute("SELECT theater_migrate()")
    assert rows(migrated, "SELECT name FROM sqlite_master WHERE name = ?", (VIEW,)) == [(VIEW,)]


@pytest.mark.parametrize("seed", range(20))
def test_the_view_gives_role_actors_rows_for_every_role(conn, seed):
    """Random casts: audition ids interleave across roles and actor names
    repeat, so order and duplicates are both checked."""
    load_random_cast(conn, seed)
    assert rows(conn, f"SELECT * FROM {VIEW}") == role_actors_of_every_role(conn)
    for (role_id,) in rows(conn, "SELECT id FROM roles"):
        assert rows(conn, f"SELECT actor FROM {VIEW} WHERE role_id = ?", (role_id,)) == rows(
            conn, "SELECT actor FROM role_actors(?)", (role_id,))


def test_the_view_follows_the_data_like_role_actors(conn):
    load_cast(conn)
    conn.execute("INSERT INTO auditions (id, actor, location, role_id, hired) VALUES (30, 'Zed', 'Oslo', 1, 0)")
    conn.execute("DELETE FROM auditions WHERE id = 1")
    assert rows(conn, f"SELECT * FROM {VIEW}") == role_actors_of_every_role(conn)


def test_without_the_extension_the_view_gives_the_same_rows(db_path):
    cast = load_cast(connect(db_path))
    expected = role_actors_of_every_role(cast)
    cast.close()
    plain = sqlite3.connect(str(db_path))
    try:
        assert rows(plain, f"SELECT * FROM {VIEW}") == expected
        assert rows(plain, f"SELECT actor FROM {VIEW} WHERE role_id = 1") == [
            (actor,) for role_id, actor in expected if role_id == 1]
    finally:
        plain.close()


def test_filtered_by_role_it_is_one_index_seek_without_a_sort(plain):
    plan = " | ".join(plan_details(plain, f"SELECT * FROM {VIEW} WHERE role_id = ?", (1,)))
    assert "SEARCH auditions USING INDEX auditions_role_id (role_id=?)" in plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan


def test_the_view_works_with_trusted_schema_off(plain):
    plain.execute("PRAGMA trusted_schema = OFF")
    assert rows(plain, f"SELECT count(*) FROM {VIEW}") == rows(plain, "SELECT count(*) FROM auditions")


def test_the_view_in_the_sqlite3_shell_without_the_extension(db_path, plain):
    bare = subprocess.run(["sqlite3", "-bail", str(db_path), f"SELECT actor FROM {VIEW} WHERE role_id = 2"],
                          capture_output=True, text=True)
    expected = "".join(f"{actor}\n" for (actor,) in rows(plain, f"SELECT actor FROM {VIEW} WHERE role_id = 2"))
    assert (bare.returncode, bare.stdout, bare.stderr) == (0, expected, "")


@pytest.mark.parametrize("spelling", ['"lead", "understudy"', "[lead], [understudy]", "`lead`, `understudy`"])
def test_the_casting_sheets_lead_and_understudy_read_quoted_without_the_extension(db_path, spelling):
    """BI parsers may take an unquoted lead for the window function LEAD
    (docs/reference.md, "Views for BI tools"): the quoted names read the
    same columns on a connection that never loaded the extension."""
    cast = load_cast(connect(db_path))
    expected = rows(cast, "SELECT role_id, lead, understudy FROM role_casting")
    cast.close()
    plain = sqlite3.connect(str(db_path))
    try:
        assert rows(plain, f"SELECT role_id, {spelling} FROM casting_sheet") == expected
    finally:
        plain.close()
