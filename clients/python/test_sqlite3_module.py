"""Recipe: Python's sqlite3 module (Debian's /usr/bin/python3)."""
import pathlib
import sqlite3

from expected import HAMLET_AUDITIONS, HAMLET_LEAD, NOBODY_HIRED


def test_sqlite3_module_recipe(tmp_path):
    # --- recipe (clients/README.md, "Python's sqlite3") ---
    conn = sqlite3.connect(tmp_path / "casting.db")
    conn.enable_load_extension(True)
    conn.load_extension("./build/theater")
    conn.enable_load_extension(False)
    conn.executescript(pathlib.Path("sql/demo_data.sql").read_text())

    lead = conn.execute("SELECT role_lead(1)").fetchone()[0]
    auditions = conn.execute("SELECT id, actor, hired FROM role_auditions(1)").fetchall()
    # --- end of recipe ---

    assert lead == HAMLET_LEAD
    assert auditions == HAMLET_AUDITIONS
    assert conn.execute("SELECT role_lead(3)").fetchone()[0] == NOBODY_HIRED
    conn.close()


def test_extension_loading_stays_off_after_the_recipe(tmp_path):
    """The recipe switches extension loading off again: SQL cannot load more."""
    conn = sqlite3.connect(tmp_path / "casting.db")
    conn.enable_load_extension(True)
    conn.load_extension("./build/theater")
    conn.enable_load_extension(False)
    try:
        conn.execute("SELECT load_extension('./build/theater')")
    except sqlite3.OperationalError as e:
        assert "not authorized" in str(e)
    else:
        raise AssertionError("load_extension() from SQL should be refused")
