"""Every example of docs/reference.md runs, in order, on the demo database and
prints exactly what the page shows."""
import re

import pytest

from conftest import ROOT
from shell import make_demo_db, run_shell

REFERENCE = ROOT / "docs" / "reference.md"
EXAMPLE = re.compile(r"```sql\n(.*?)```\n```\n(.*?)```", re.S)


def examples():
    return [(sql.strip(), output) for sql, output in EXAMPLE.findall(REFERENCE.read_text())]


def test_reference_has_an_example_for_every_sql_name():
    text = "\n".join(sql for sql, _ in examples())
    for name in ["theater_version", "theater_migrate", "theater_schema_version", "theater_migration_status",
                 "role_lead", "role_understudy", "call_back", "role_auditions", "role_actors",
                 "role_locations", "audition_role", "role_casting"]:
        assert name in text, f"docs/reference.md has no runnable example using {name}"


def test_reference_examples_print_what_the_page_shows(tmp_path):
    db = make_demo_db(tmp_path / "demo.db")
    for sql, expected in examples():
        got = run_shell(db, sql + "\n").stdout
        assert got == expected, f"example {sql!r}"


MODEL_LAYER = ROOT / "docs" / "model-layer.md"


def test_model_layer_examples_print_what_the_page_shows(tmp_path):
    """docs/model-layer.md: its examples run in order on a database that
    starts empty."""
    db = tmp_path / "library.db"
    found = EXAMPLE.findall(MODEL_LAYER.read_text())
    assert len(found) >= 10
    for sql, expected in found:
        got = run_shell(db, sql.strip() + "\n").stdout
        assert got == expected, f"example {sql.strip()!r}"
