"""Recipe: SQLAlchemy 1.4 (Debian's python3-sqlalchemy), the seed's own ORM.

The seed's Role and Audition models (tests/seed_models.py) on a database that
the extension migrated; the extension is loaded on every new DBAPI connection
by an engine "connect" event."""
import sys

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import Session

from expected import HAMLET_AUDITIONS, HAMLET_LEAD, NOBODY_HIRED, ROOT

sys.path.insert(0, str(ROOT / "tests"))
from seed_models import Audition, Role  # noqa: E402  (the seed's models, written once)


@pytest.fixture
def engine(casting_db):
    # --- recipe (clients/README.md, "SQLAlchemy") ---
    engine = create_engine(f"sqlite:///{casting_db}")

    @event.listens_for(engine, "connect")
    def load_theater(dbapi_connection, connection_record):
        dbapi_connection.enable_load_extension(True)
        dbapi_connection.load_extension("./build/theater")
        dbapi_connection.enable_load_extension(False)
    # --- end of recipe ---

    yield engine
    engine.dispose()


def test_role_lead_from_the_orm(engine):
    with Session(engine) as session:
        # --- recipe ---
        leads = session.execute(
            select(Role.character_name, func.role_lead(Role.id)).order_by(Role.id)
        ).all()
        # --- end of recipe ---
        assert leads[0] == ("Hamlet", HAMLET_LEAD)
        assert leads[2] == ("Ghost", NOBODY_HIRED)

        # The extension and the seed's own Role.lead() agree on every role.
        for role in session.scalars(select(Role).order_by(Role.id)):
            lead = session.scalar(select(func.role_lead(role.id)))
            expected = role.lead()
            assert lead == (expected.id if isinstance(expected, Audition) else expected)


def test_table_valued_function_from_the_orm(engine):
    with Session(engine) as session:
        # --- recipe ---
        auditions = func.role_auditions(1).table_valued("id", "actor", "hired")
        rows = session.execute(select(auditions.c.id, auditions.c.actor, auditions.c.hired)).all()
        # The same function, joined to the mapped class, gives Audition objects:
        hamlet_auditions = session.scalars(
            select(Audition).join(auditions, auditions.c.id == Audition.id)
        ).all()
        # --- end of recipe ---
        assert [tuple(r) for r in rows] == HAMLET_AUDITIONS
        assert [(a.id, a.actor, a.hired) for a in hamlet_auditions] == [
            (i, a, bool(h)) for i, a, h in HAMLET_AUDITIONS
        ]
        assert hamlet_auditions == session.get(Role, 1).auditions


def test_orm_changes_are_seen_by_the_extension_in_the_same_transaction(engine):
    """Audition.call_back() through the ORM, flushed but not committed: role_lead
    on the session's connection answers from the data as it is."""
    with Session(engine) as session:
        ghost = session.get(Role, 3)
        assert session.scalar(select(func.role_lead(3))) == NOBODY_HIRED
        ghost.auditions[1].call_back()      # Brian Blessed, audition 8
        session.flush()
        assert session.scalar(select(func.role_lead(3))) == 8
        session.rollback()
        assert session.scalar(select(func.role_lead(3))) == NOBODY_HIRED
