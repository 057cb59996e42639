"""The seed's way: the SQLAlchemy ORM models of the theater (tests/seed_models.py),
with Role.lead() and Role.actors written as the tutorial writes them."""
import pathlib
import sys

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, selectinload

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))
from seed_models import Role  # noqa: E402  (the one definition, shared with the tests)


def _roles(session, eager):
    query = session.query(Role).order_by(Role.id)
    return query.options(selectinload(Role.auditions)) if eager else query


def leads(path, eager):
    """[lead audition id or message] for every role, in role id order."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            out = []
            for role in _roles(session, eager):
                lead = role.lead()
                out.append(lead if isinstance(lead, str) else lead.id)
            return out
    finally:
        engine.dispose()


def actors(path, eager):
    """Number of (role, actor) pairs over every role."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            return sum(len(role.actors) for role in _roles(session, eager))
    finally:
        engine.dispose()
