"""A primary and two replicas, each loading theater.so: writes made through the
primary reach both replicas, and every function of the extension answers on
every node, from that node's own copy, as it does on the primary."""

import pytest

from helpers import cluster_ok, hired_on, new_audition, new_role, tc

# Every reading function and table-valued function of the SQL contract
# (shared/spec/sql-api.md), each over every row the seed and the tests made.
READ_QUERIES = {
    "role_lead and role_understudy": "SELECT id, role_lead(id), role_understudy(id) FROM roles ORDER BY id",
    "role_auditions(role_id)": "SELECT r.id, a.id, a.actor, a.location, a.phone, a.hired "
    "FROM roles r, role_auditions(r.id) a",
    "role_auditions without argument": "SELECT role_id, id, actor, location, phone, hired FROM role_auditions",
    "role_actors": "SELECT r.id, a.actor FROM roles r, role_actors(r.id) a",
    "role_locations": "SELECT r.id, l.location FROM roles r, role_locations(r.id) l",
    "audition_role": "SELECT a.id, ar.id, ar.character_name FROM auditions a, audition_role(a.id) ar ORDER BY a.id",
    "role_casting": "SELECT role_id, character_name, lead, lead_actor, understudy, understudy_actor FROM role_casting",
    "role_casting(role_id)": "SELECT r.id, c.lead, c.understudy FROM roles r, role_casting(r.id) c",
    "theater_migration_status": "SELECT version, name, applied, applied_at FROM theater_migration_status",
    "theater_schema_version and theater_version": "SELECT theater_schema_version(), theater_version()",
}


@pytest.mark.parametrize("replica_name", ["replica1", "replica2"])
@pytest.mark.parametrize("query", list(READ_QUERIES), ids=list(READ_QUERIES))
def test_every_read_function_answers_on_a_replica_as_on_the_primary(nodes, replica_name, query):
    primary, replica = nodes["primary"], nodes[replica_name]
    sql = READ_QUERIES[query]
    tc.wait_caught_up(replica, tc.current_index(primary))
    expected = tc.execute(primary.url, sql).rows
    assert expected, f"the primary answers no rows to {sql!r}: was the database seeded?"

    got, local = tc.read_locally(replica, sql)

    assert local, f"{replica.name} forwarded {sql!r} to the primary instead of answering itself"
    assert got.rows == expected, f"{replica.name} disagrees with the primary on {query}"


def test_writes_through_the_primary_reach_both_replicas(primary, replicas):
    role = new_role(primary, "Fortinbras")
    first = new_audition(primary, role, "Mark Rylance", "London", 2075550199)
    second = new_audition(primary, role, "Ian McKellen", "London", 2075550198)
    third = new_audition(primary, role, "Judi Dench", "London", 2075550197)
    for audition in (second, third):
        assert tc.execute(primary.url, "SELECT call_back(?)", (audition,)).scalar() == 1
    index = tc.current_index(primary)

    for replica in replicas:
        tc.wait_caught_up(replica, index)
        got, local = tc.read_locally(
            replica,
            "SELECT a.id, a.actor, a.hired, role_lead(?), role_understudy(?) "
            "FROM role_auditions(?) a",
            (role, role, role),
        )
        assert local, f"{replica.name} forwarded the read to the primary"
        assert got.rows == [
            (first, "Mark Rylance", 0, second, third),
            (second, "Ian McKellen", 1, second, third),
            (third, "Judi Dench", 1, second, third),
        ], f"{replica.name} does not show the auditions and call-backs made through the primary"


def test_a_replica_restarted_mid_run_catches_up(run_dir, primary, nodes):
    replica = nodes["replica2"]
    cluster_ok("stop", run_dir, replica.name)
    try:
        assert replica.pid is None, "cluster.sh stop left a pid file behind"
        role = new_role(primary, "Horatio")
        made = [new_audition(primary, role, actor) for actor in ("Toby Stephens", "Simon Russell Beale")]
        tc.execute(primary.url, "SELECT call_back(?)", (made[1],))
        index = tc.current_index(primary)
    finally:
        cluster_ok("start", run_dir, replica.name)

    tc.wait_caught_up(replica, index)
    assert [hired_on(replica, a) for a in made] == [0, 1]
    assert tc.read_locally(replica, "SELECT role_lead(?)", (role,))[0].scalar() == made[1]
