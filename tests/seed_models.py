"""The seed's SQLAlchemy models (shared/seeds/000_*.txt), written once: the
tests' reference for behaviour, and the benchmark's ORM side (bench/orm.py).

Role.lead() and Role.understudy() are the first and second hired audition in
the relationship's order (audition id); actors and locations keep duplicates."""
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Role(Base):
    __tablename__ = "roles"

    id = Column(Integer, primary_key=True)
    character_name = Column(String)
    auditions = relationship("Audition", back_populates="role", order_by="Audition.id")

    @property
    def actors(self):
        return [audition.actor for audition in self.auditions]

    @property
    def locations(self):
        return [audition.location for audition in self.auditions]

    def lead(self):
        hired = [audition for audition in self.auditions if audition.hired]
        return hired[0] if hired else "no actor has been hired for this role"

    def understudy(self):
        hired = [audition for audition in self.auditions if audition.hired]
        return hired[1] if len(hired) > 1 else "no actor has been hired for understudy for this role"


class Audition(Base):
    __tablename__ = "auditions"

    id = Column(Integer, primary_key=True)
    actor = Column(String)
    location = Column(String)
    phone = Column(Integer)
    hired = Column(Boolean, default=False)
    role_id = Column(Integer, ForeignKey("roles.id"))
    role = relationship("Role", back_populates="auditions")

    def call_back(self):
        self.hired = True
