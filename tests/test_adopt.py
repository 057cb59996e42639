"""sql/adopt.sql adopts a database made by the seed's SQLAlchemy models."""
import sqlite3

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from conftest import ROOT, connect
from seed_models import Audition, Base, Role
from shell import run_shell

ADOPT = (ROOT / "sql" / "adopt.sql").read_text()


@pytest.fixture
def seed_db(db_path):
    engine = create_engine(f"sqlite:///{db_path}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        hamlet, ghost = Role(character_name="Hamlet"), Role(character_name="Ghost")
        session.add_all([
            Audition(actor="Kevin Kline", location="New York", phone=5550101, hired=True, role=hamlet),
            Audition(actor="Ethan Hawke", location="Los Angeles", hired=False, role=hamlet),
            Audition(actor="Brian Blessed", location="Chicago", hired=None, role=ghost),
        ])
        session.commit()
    engine.dispose()
    return db_path


def dump(db_path):
    conn = sqlite3.connect(str(db_path))
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_migrate_refuses_a_seed_database_and_points_to_adopt_sql(seed_db):
    conn = connect(seed_db)
    with pytest.raises(sqlite3.OperationalError, match="sql/adopt.sql"):
        conn.execute("SELECT theater_migrate()")
    conn.close()


def test_adopt_keeps_every_row_and_the_model_answers(seed_db):
    run_shell(seed_db, ADOPT)
    conn = connect(seed_db)
    assert conn.execute("SELECT theater_schema_version()").fetchone()[0] >= 1
    assert conn.execute("SELECT * FROM role_casting").fetchall() == [
        (1, "Hamlet", 1, "Kevin Kline", None, None),
        (2, "Ghost", None, None, None, None),
    ]
    assert conn.execute("SELECT id, hired FROM auditions ORDER BY id").fetchall() == [(1, 1), (2, 0), (3, 0)]
    assert not [t for (t,) in conn.execute("SELECT name FROM sqlite_master") if "adopting" in t]
    conn.close()


def test_adopt_with_an_orphan_audition_changes_nothing(seed_db):
    conn = sqlite3.connect(str(seed_db))
    conn.execute("INSERT INTO auditions (actor, location, role_id) VALUES ('Nobody', 'Nowhere', 42)")
    conn.commit()
    conn.close()
    before = dump(seed_db)
    result = run_shell(seed_db, ADOPT, check=False)
    assert result.returncode != 0
    assert "auditions.role_id must name an existing role" in result.stderr
    assert dump(seed_db) == before
