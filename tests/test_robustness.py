"""Behaviours found by review: busy databases, stale reads inside writing
statements, names that shadow the extension's, clashes at load time."""
import sqlite3
import threading
import time

import pytest

from conftest import EXTENSION, connect, scalar


def seeded(conn):
    conn.execute("SELECT theater_migrate()")
    conn.execute("INSERT INTO roles VALUES (1, 'Hamlet'), (2, 'Ophelia')")
    conn.executemany("INSERT INTO auditions (id, actor, location, role_id) VALUES (?, ?, 'X', ?)",
                     [(1, "A", 1), (2, "B", 1), (3, "C", 1), (4, "D", 2)])
    return conn


# ---- theater_migrate on a busy database ------------------------------------

def hold_write_lock(path, seconds, started):
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def test_migrate_waits_for_a_busy_database_within_busy_timeout(db_path):
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(db_path, 0.5, started))
    holder.start()
    started.wait()
    conn = connect(db_path, timeout=10)
    assert scalar(conn, "SELECT theater_migrate()") >= 1
    holder.join()
    conn.close()


def test_migrate_that_times_out_leaves_the_connection_in_autocommit(db_path):
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(db_path, 1.0, started))
    holder.start()
    started.wait()
    conn = connect(db_path, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="theater_migrate: database is locked"):
        conn.execute("SELECT theater_migrate()")
    assert not conn.in_transaction
    holder.join()
    conn.execute("CREATE TABLE later (x)")  # autocommit: must persist
    conn.close()
    check = sqlite3.connect(str(db_path))
    assert check.execute("SELECT name FROM sqlite_master WHERE name = 'later'").fetchall() == [("later",)]
    check.close()


def test_migrate_at_head_works_on_a_read_only_database(db_path):
    conn = connect(db_path)
    conn.execute("SELECT theater_migrate()")
    conn.close()
    ro = connect(f"file:{db_path}?mode=ro", uri=True)
    head = scalar(ro, "SELECT theater_schema_version()")
    assert scalar(ro, "SELECT theater_migrate()") == head
    ro.close()


# ---- reads inside a statement that writes -------------------------------------

def test_role_lead_sees_the_rows_its_own_update_already_changed(conn):
    seeded(conn)
    conn.execute("UPDATE auditions SET hired = 1, phone = role_lead(1) WHERE role_id = 1")
    assert conn.execute("SELECT id, phone FROM auditions WHERE role_id = 1 ORDER BY id").fetchall() == [
        (1, "no actor has been hired for this role"), (2, 1), (3, 1)]


def test_relationship_seek_sees_the_rows_its_own_update_already_changed(conn):
    seeded(conn)
    conn.execute("UPDATE auditions SET hired = 1, phone = (SELECT count(*) FROM roles r, role_auditions(r.id) a"
                 " WHERE r.id = auditions.role_id AND a.hired = 1) WHERE role_id = 1")
    # Each row counts the hires made by the rows updated before it, as the
    # same statement with a plain subquery does.
    assert conn.execute("SELECT id, phone FROM auditions WHERE role_id = 1 ORDER BY id").fetchall() == [
        (1, 0), (2, 1), (3, 2)]


# ---- names that could shadow the extension's ---------------------------------

def test_a_temp_table_named_like_the_status_table_does_not_disable_the_extension(conn):
    conn.execute("CREATE TEMP TABLE theater_migration_status (x)")
    seeded(conn)
    assert scalar(conn, "SELECT role_lead(1)") == "no actor has been hired for this role"
    assert scalar(conn, "SELECT theater_schema_version()") >= 1


def test_unmanaged_tables_are_found_whatever_their_case(conn):
    conn.execute("CREATE TABLE Roles (id INTEGER PRIMARY KEY, character_name TEXT)")
    with pytest.raises(sqlite3.OperationalError, match="sql/adopt.sql"):
        conn.execute("SELECT theater_migrate()")


def test_casting_keeps_an_actor_name_with_an_embedded_nul(conn):
    seeded(conn)
    conn.execute("UPDATE auditions SET actor = 'Ann' || char(0) || 'Smith' WHERE id = 1")
    conn.execute("SELECT call_back(1)")
    assert scalar(conn, "SELECT length(CAST(lead_actor AS BLOB)) FROM role_casting(1)") == 9


@pytest.mark.parametrize("query", [
    "SELECT CAST(actor AS BLOB) FROM role_actors(1) ORDER BY rowid",
    "SELECT CAST(actor AS BLOB) FROM role_auditions(1) ORDER BY id",
    "SELECT CAST(character_name AS BLOB) FROM audition_role(1)",
    "SELECT CAST(character_name AS BLOB) FROM role_casting(1)",
])
def test_relationships_keep_text_with_an_embedded_nul_whole(conn, query):
    """Text results are handed to SQLite NUL-terminated where they can be
    (core/sqlite.hpp, result_terminated_text); text with a NUL inside must
    still come back whole, and text without one unchanged."""
    seeded(conn)
    conn.execute("UPDATE auditions SET actor = 'Ann' || char(0) || 'Smith' WHERE id = 1")
    conn.execute("UPDATE roles SET character_name = 'Ham' || char(0) || 'let' WHERE id = 1")
    got = [r[0] for r in conn.execute(query)]
    assert b"Ann\x00Smith" in got or b"Ham\x00let" in got
    assert all(isinstance(v, bytes) for v in got)
    table = query.split(" FROM ")[1].split("(")[0]
    plain = {"role_actors": "SELECT CAST(actor AS BLOB) FROM auditions WHERE role_id = 1 ORDER BY id",
             "role_auditions": "SELECT CAST(actor AS BLOB) FROM auditions WHERE role_id = 1 ORDER BY id",
             "audition_role": "SELECT CAST(r.character_name AS BLOB) FROM auditions a JOIN roles r "
                              "ON r.id = a.role_id WHERE a.id = 1",
             "role_casting": "SELECT CAST(character_name AS BLOB) FROM roles WHERE id = 1"}[table]
    assert got == [r[0] for r in conn.execute(plain)]


# ---- loading beside an application's own functions ----------------------------

def test_loading_beside_a_function_of_the_same_name_is_refused_and_registers_nothing():
    conn = sqlite3.connect(":memory:")
    conn.create_function("call_back", 1, lambda x: 42)
    conn.enable_load_extension(True)
    with pytest.raises(sqlite3.OperationalError) as error:
        conn.load_extension(str(EXTENSION))
    assert "theater: this connection already has a function call_back() with 1 argument(s)" in str(error.value)
    assert scalar(conn, "SELECT call_back(1)") == 42
    assert scalar(conn, "SELECT count(*) FROM pragma_function_list WHERE name IN "
                        "('role_lead', 'theater_version', 'theater_migrate')") == 0
    assert scalar(conn, "SELECT count(*) FROM pragma_module_list WHERE name LIKE 'role%'") == 0
    conn.close()


def test_a_write_by_another_statement_between_fetches_is_seen(conn):
    seeded(conn)
    conn.execute("INSERT INTO roles VALUES (3, 'Ghost')")
    conn.execute("INSERT INTO auditions (id, actor, location, role_id) VALUES (5, 'E', 'X', 3)")
    reading = conn.execute("SELECT id, role_lead(id) FROM roles ORDER BY id")
    # Python's sqlite3 steps one row ahead: role 2 is computed by now.
    assert reading.fetchone() == (1, "no actor has been hired for this role")
    conn.execute("SELECT call_back(5)")  # role 3, not computed yet
    assert reading.fetchall() == [(2, "no actor has been hired for this role"), (3, 5)]


def test_roles_asked_out_of_order_get_their_own_answers(conn):
    seeded(conn)
    for audition in (3, 2, 4):
        conn.execute("SELECT call_back(?)", (audition,))
    got = conn.execute("SELECT column1, role_lead(column1), role_understudy(column1)"
                       " FROM (VALUES (2), (1), (2), (1), (1))").fetchall()
    nobody = "no actor has been hired for understudy for this role"
    assert got == [(2, 4, nobody), (1, 2, 3), (2, 4, nobody), (1, 2, 3), (1, 2, 3)]
