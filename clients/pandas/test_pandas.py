"""The pandas recipe (clients/pandas/casting_plot.py) on the demo data: the
DataFrame holds role_casting's rows, each role is in the group that
role_lead and role_understudy say, and the picture is drawn."""
import math
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from casting_plot import GROUPS, casting_sheet, plot  # noqa: E402

NOBODY = "no actor has been hired for this role"
NO_UNDERSTUDY = "no actor has been hired for understudy for this role"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("pandas") / "casting.db"
    subprocess.run(["sqlite3", "-bail", str(db), "-cmd", f".load {ROOT / 'build' / 'theater'}"],
                   input=(ROOT / "sql" / "demo_data.sql").read_text(), capture_output=True, text=True, check=True)
    return db


def extension_connection(db):
    conn = sqlite3.connect(db)
    conn.enable_load_extension(True)
    conn.load_extension(str(ROOT / "build" / "theater"))
    return conn


def cell(value):
    """A DataFrame cell as SQLite gave it: pandas reads NULL as None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def test_the_dataframe_holds_role_castings_rows(demo_db):
    sheet = casting_sheet(str(demo_db), str(ROOT / "build" / "theater"))
    conn = extension_connection(demo_db)
    try:
        expected = conn.execute("SELECT * FROM role_casting").fetchall()
    finally:
        conn.close()
    columns = ["role_id", "character_name", "lead", "lead_actor", "understudy", "understudy_actor"]
    got = [tuple(cell(v) for v in row) for row in sheet[columns].itertuples(index=False)]
    assert got == expected


def test_each_role_is_in_the_group_role_lead_and_role_understudy_say(demo_db):
    sheet = casting_sheet(str(demo_db), str(ROOT / "build" / "theater"))
    conn = extension_connection(demo_db)
    try:
        for row in sheet.itertuples():
            lead, understudy = conn.execute("SELECT role_lead(?), role_understudy(?)",
                                            (int(row.role_id), int(row.role_id))).fetchone()
            expected = GROUPS[0] if lead == NOBODY else GROUPS[1] if understudy == NO_UNDERSTUDY else GROUPS[2]
            assert row.group == expected, row
    finally:
        conn.close()
    # The demo data has every group.
    assert sheet.groupby("group", observed=False).size().to_dict() == {GROUPS[0]: 2, GROUPS[1]: 1, GROUPS[2]: 2}


def test_the_picture_is_a_png_of_one_bar_per_role(demo_db, tmp_path):
    sheet = casting_sheet(str(demo_db), str(ROOT / "build" / "theater"))
    png = tmp_path / "casting.png"
    plot(sheet, png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (800, int((0.6 * len(sheet) + 1.5) * 100))


def test_the_script_prints_the_groups(demo_db, tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "clients" / "pandas" / "casting_plot.py"), str(demo_db),
                          str(tmp_path / "c.png")], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split("\n")[1:4] == ["nobody hired                2", "a lead only                 1",
                                    "a lead and an understudy    2"]
