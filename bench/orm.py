"""The seed's way: SQLAlchemy ORM models of the theater, with Role.lead(),
Role.understudy() and Role.actors written as the tutorial writes them."""
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload

Base = declarative_base()


class Role(Base):
    __tablename__ = "roles"
    id = Column(Integer, primary_key=True)
    character_name = Column(String)
    auditions = relationship("Audition", back_populates="role", order_by="Audition.id")

    @property
    def actors(self):
        return [audition.actor for audition in self.auditions]

    def lead(self):
        hired = [audition for audition in self.auditions if audition.hired]
        return hired[0] if hired else "no actor has been hired for this role"


class Audition(Base):
    __tablename__ = "auditions"
    id = Column(Integer, primary_key=True)
    actor = Column(String)
    location = Column(String)
    phone = Column(Integer)
    hired = Column(Boolean)
    role_id = Column(Integer, ForeignKey("roles.id"))
    role = relationship("Role", back_populates="auditions")


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
