"""The differential test: the extension against the seed's own model.

The seed (shared/seeds/000_fefb47db3b22cf07.txt) describes SQLAlchemy models
Role and Audition with Audition.role, Audition.call_back(), Role.auditions,
Role.actors, Role.locations, Role.lead() and Role.understudy(). They are
written the way the seed's tutorial does, in Python over the ORM
relationship (tests/seed_models.py). Each random database is written by the ORM into file A (after
the extension migrated it), copied to file B, and then every answer of the
ORM on A is compared with the extension's answer on B; then the same random
call_back sequence runs on both sides and everything is compared again."""
import random
import sqlite3

import pytest
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

from conftest import connect
from seed_models import Audition, Role
from theater_data import ACTORS, random_cast, rows

SEEDS = list(range(20))


class Pair:
    """The ORM session on file A and the extension's connection on file B,
    holding the same data."""

    def __init__(self, tmp_path, seed):
        self.seed = seed
        a, b = tmp_path / "orm.db", tmp_path / "sql.db"
        migrator = connect(a)
        migrator.execute("SELECT theater_migrate()")
        migrator.close()

        self.engine = create_engine(f"sqlite:///{a}")
        # Durability is beside the point here; fsync per commit is slow.
        event.listen(self.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA synchronous = OFF"))
        self.session = Session(self.engine)
        role_rows, audition_rows = random_cast(seed, roles=12, max_auditions=8)
        roles = {rid: Role(id=rid, character_name=name) for rid, name in role_rows}
        self.session.add_all(roles.values())
        self.session.add_all(
            Audition(id=aid, actor=actor, location=location, phone=phone, hired=bool(hired), role_id=rid)
            for aid, actor, location, phone, hired, rid in audition_rows
        )
        self.session.commit()

        source, target = sqlite3.connect(a), sqlite3.connect(b)
        source.backup(target)
        source.close()
        target.close()
        self.sql = connect(b)
        self.sql.execute("PRAGMA synchronous = OFF")

    def close(self):
        self.session.close()
        self.engine.dispose()
        self.sql.close()

    # -- the ORM side ---------------------------------------------------------
    def roles(self):
        return self.session.scalars(select(Role).order_by(Role.id)).all()

    def auditions(self):
        return self.session.scalars(select(Audition).order_by(Audition.id)).all()

    def call_back_orm(self, audition_id):
        self.session.get(Audition, audition_id).call_back()
        self.session.commit()

    # -- the SQL side ---------------------------------------------------------
    def call_back_sql(self, audition_id):
        assert self.sql.execute("SELECT call_back(?)", (audition_id,)).fetchone()[0] == 1

    def sql_value(self, sql, params=()):
        return self.sql.execute(sql, params).fetchone()[0]


@pytest.fixture(params=SEEDS, ids=lambda s: f"seed{s}")
def pair(request, tmp_path):
    """A fresh pair, for tests that call_back."""
    p = Pair(tmp_path, request.param)
    yield p
    p.close()


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def frozen(request, tmp_path_factory):
    """One pair per seed shared by the tests that only read."""
    p = Pair(tmp_path_factory.mktemp(f"seed{request.param}"), request.param)
    yield p
    p.close()


def answer(value):
    """An ORM answer as SQL gives it: an Audition becomes its id."""
    return value.id if isinstance(value, Audition) else value


def orm_leads(p):
    return {role.id: (answer(role.lead()), answer(role.understudy())) for role in p.roles()}


def sql_leads(p):
    return {rid: (lead, understudy) for rid, lead, understudy in
            rows(p.sql, "SELECT id, role_lead(id), role_understudy(id) FROM roles ORDER BY id")}


def call_back_sequence(p):
    """A random sequence of audition ids, with repeats, including ids that
    are already hired."""
    rng = random.Random(1000 + p.seed)
    ids = [a.id for a in p.auditions()]
    return [rng.choice(ids) for _ in range(len(ids) // 2 + 3)]


# --- the generated databases cover what they should -------------------------------

def test_generated_database_has_roles_with_0_1_2_and_many_hires(frozen):
    counts = {sum(1 for a in role.auditions if a.hired) for role in frozen.roles()}
    assert {0, 1, 2} <= counts and max(counts) >= 3


def test_generated_database_repeats_actor_names_across_roles(frozen):
    by_actor = {}
    for role in frozen.roles():
        for actor in role.actors:
            by_actor.setdefault(actor, set()).add(role.id)
    assert any(len(role_ids) > 1 for role_ids in by_actor.values())
    assert set(by_actor) <= set(ACTORS)


def test_both_sides_hold_the_same_roles(frozen):
    expected = [(r.id, r.character_name) for r in frozen.roles()]
    assert rows(frozen.sql, "SELECT id, character_name FROM roles ORDER BY id") == expected


# --- every answer agrees -----------------------------------------------------------

def test_lead_agrees_for_every_role(frozen):
    for role in frozen.roles():
        assert frozen.sql_value("SELECT role_lead(?)", (role.id,)) == answer(role.lead()), f"role {role.id}"


def test_understudy_agrees_for_every_role(frozen):
    for role in frozen.roles():
        assert frozen.sql_value("SELECT role_understudy(?)", (role.id,)) == answer(role.understudy()), f"role {role.id}"


def test_actors_agree_for_every_role(frozen):
    for role in frozen.roles():
        assert [r[0] for r in rows(frozen.sql, "SELECT actor FROM role_actors(?)", (role.id,))] == role.actors


def test_locations_agree_for_every_role(frozen):
    for role in frozen.roles():
        assert [r[0] for r in rows(frozen.sql, "SELECT location FROM role_locations(?)", (role.id,))] == role.locations


def test_auditions_agree_for_every_role(frozen):
    for role in frozen.roles():
        expected = [(a.id, a.actor, a.location, a.phone, int(a.hired)) for a in role.auditions]
        got = rows(frozen.sql, "SELECT id, actor, location, phone, hired FROM role_auditions(?)", (role.id,))
        assert got == expected, f"role {role.id}"


def test_all_auditions_without_argument_agree(frozen):
    expected = [(role.id, a.id) for role in frozen.roles() for a in role.auditions]
    assert rows(frozen.sql, "SELECT role_id, id FROM role_auditions") == expected


def test_audition_role_agrees_for_every_audition(frozen):
    for audition in frozen.auditions():
        expected = [(audition.role.id, audition.role.character_name)]
        assert rows(frozen.sql, "SELECT id, character_name FROM audition_role(?)", (audition.id,)) == expected


def test_casting_sheet_agrees_with_lead_and_understudy(frozen):
    expected = []
    for role in frozen.roles():
        lead, understudy = role.lead(), role.understudy()
        lead = lead if isinstance(lead, Audition) else None
        understudy = understudy if isinstance(understudy, Audition) else None
        expected.append((
            role.id, role.character_name,
            lead and lead.id, lead and lead.actor,
            understudy and understudy.id, understudy and understudy.actor,
        ))
    assert rows(frozen.sql, "SELECT * FROM role_casting") == expected


# --- after the same call_back sequence on both sides -----------------------------

def apply_call_backs(p):
    for audition_id in call_back_sequence(p):
        p.call_back_orm(audition_id)
        p.call_back_sql(audition_id)


def test_hired_flags_agree_after_call_backs(pair):
    apply_call_backs(pair)
    expected = [(a.id, int(a.hired)) for a in pair.auditions()]
    assert rows(pair.sql, "SELECT id, hired FROM auditions ORDER BY id") == expected


def test_call_backs_changed_something(pair):
    before = rows(pair.sql, "SELECT id, hired FROM auditions ORDER BY id")
    apply_call_backs(pair)
    assert rows(pair.sql, "SELECT id, hired FROM auditions ORDER BY id") != before


def test_leads_and_understudies_agree_after_call_backs(pair):
    apply_call_backs(pair)
    assert sql_leads(pair) == orm_leads(pair)


def test_leads_and_understudies_agree_after_each_call_back(pair):
    for step, audition_id in enumerate(call_back_sequence(pair)):
        pair.call_back_orm(audition_id)
        pair.call_back_sql(audition_id)
        role = pair.session.get(Audition, audition_id).role
        got = rows(pair.sql, "SELECT role_lead(?), role_understudy(?)", (role.id, role.id))
        assert got == [(answer(role.lead()), answer(role.understudy()))], f"step {step}, audition {audition_id}"


def test_casting_sheet_agrees_after_call_backs(pair):
    apply_call_backs(pair)
    expected = {rid: (lead if isinstance(lead, int) else None, und if isinstance(und, int) else None)
                for rid, (lead, und) in orm_leads(pair).items()}
    got = {rid: (lead, und) for rid, lead, und in rows(pair.sql, "SELECT role_id, lead, understudy FROM role_casting")}
    assert got == expected


# --- the theater's own relationships are their joins, and their declared twins ---

# built-in -> (its declaration with theater_relate, the plain join it stands for)
TWINS = {
    "role_auditions": (("twin_auditions", "roles", "auditions"),
                       "SELECT a.id, a.actor, a.location, a.phone, a.hired FROM roles r JOIN auditions a "
                       "ON a.role_id = r.id WHERE r.id = ?1 ORDER BY a.id"),
    "role_actors": (("twin_actors", "roles", "auditions.actor"),
                    "SELECT a.actor FROM roles r JOIN auditions a ON a.role_id = r.id WHERE r.id = ?1 ORDER BY a.id"),
    "role_locations": (("twin_locations", "roles", "auditions.location"),
                       "SELECT a.location FROM roles r JOIN auditions a ON a.role_id = r.id WHERE r.id = ?1 "
                       "ORDER BY a.id"),
    "audition_role": (("twin_role", "auditions", "roles", '{"argument": "audition_id"}'),
                      "SELECT r.id, r.character_name FROM auditions a JOIN roles r ON r.id = a.role_id "
                      "WHERE a.id = ?1"),
}


@pytest.fixture(scope="module")
def twins(frozen):
    for args, _ in TWINS.values():
        marks = ", ".join("?" * len(args))
        frozen.sql.execute(f"SELECT theater_relate({marks})", args)
    return frozen


@pytest.mark.parametrize("builtin", sorted(TWINS))
def test_builtin_relationship_is_its_join_and_its_declared_twin(twins, builtin):
    (twin, from_table, *_), join = TWINS[builtin]
    keys = [k for (k,) in twins.sql.execute(f"SELECT id FROM {from_table} ORDER BY id")] + [0, 10**6]
    for key in keys:
        expected = rows(twins.sql, join, (key,))
        assert rows(twins.sql, f"SELECT * FROM {builtin}(?)", (key,)) == expected, key
        assert rows(twins.sql, f"SELECT * FROM {twin}(?)", (key,)) == expected, key
    argument = "audition_id" if builtin == "audition_role" else "role_id"
    everything = rows(twins.sql, f"SELECT {argument}, * FROM {builtin}")
    assert everything and rows(twins.sql, f"SELECT {argument}, * FROM {twin}") == everything
    joined = f"SELECT x.id, r.* FROM {from_table} x, {{}}(x.id) r ORDER BY x.id"
    assert rows(twins.sql, joined.format(builtin)) == rows(twins.sql, joined.format(twin))
