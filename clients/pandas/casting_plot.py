"""The casting sheet in pandas, and a picture of it.

    /usr/bin/python3 clients/pandas/casting_plot.py casting.db casting.png

Reads role_casting (the extension's casting sheet) into a DataFrame, puts
every role in one of three groups (nobody hired, a lead only, a lead and an
understudy), and draws one bar per role, coloured by group, with the lead's
and the understudy's names on it. Debian's python3, python3-pandas and
python3-matplotlib; run from the repository's root (it loads
./build/theater)."""
import sqlite3
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

GROUPS = ["nobody hired", "a lead only", "a lead and an understudy"]
COLOURS = {"nobody hired": "#d9534f", "a lead only": "#f0ad4e", "a lead and an understudy": "#5cb85c"}


def casting_sheet(db_path, extension="./build/theater"):
    """role_casting as a DataFrame, with a `group` column."""
    conn = sqlite3.connect(db_path)
    try:
        conn.enable_load_extension(True)
        conn.load_extension(extension)
        conn.enable_load_extension(False)
        sheet = pd.read_sql_query("SELECT * FROM role_casting", conn)
    finally:
        conn.close()
    hired = sheet["lead"].notna().astype(int) + sheet["understudy"].notna().astype(int)
    sheet["group"] = pd.Categorical([GROUPS[n] for n in hired], categories=GROUPS)
    return sheet


def plot(sheet, png_path):
    """One bar per role, its height the number hired (0, 1, 2)."""
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(sheet) + 1.5), dpi=100)
    hired = sheet["group"].cat.codes
    # A role nobody was hired for gets a stub, so that its colour shows.
    ax.barh(sheet["character_name"], hired.where(hired > 0, 0.08), color=[COLOURS[g] for g in sheet["group"]])
    for y, row in enumerate(sheet.itertuples()):
        names = ", ".join(n for n in (row.lead_actor, row.understudy_actor) if isinstance(n, str))
        ax.text(0.12, y, names or "nobody hired yet", va="center", fontsize=9)
    ax.set_xlim(0, 2.5)
    ax.set_xticks([0, 1, 2])
    ax.set_xlabel("actors hired (lead, then understudy)")
    ax.invert_yaxis()  # role id order, top to bottom
    ax.set_title("The casting sheet: role_casting")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[g]) for g in GROUPS]
    ax.legend(handles, GROUPS, loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    table = casting_sheet(sys.argv[1])
    print(table.groupby("group", observed=False).size().to_string())
    plot(table, sys.argv[2])
