"""call_back (and theater_migrate) sent to a replica.

sqld parses each request: a program made only of SELECTs, even inside
BEGIN ... COMMIT, counts as read-only, and a caught-up replica runs it on its
own copy. A SELECT that writes, such as `SELECT call_back(7)`, would then
change that replica's copy alone (the last test shows it on a replica without
the guard). The deployment loads replica_guard.so on replicas: the local
write is refused, so a bare `SELECT call_back(?)` fails and changes nothing,
and inside a transaction sqld sees the transaction left open by the refusal
and runs the whole request again on the primary, where it succeeds.
"""

import pytest

from helpers import hired_on, new_audition, new_role, tc


@pytest.fixture
def audition(primary, replicas):
    """A fresh audition nobody has called back yet, known to both replicas."""
    role = new_role(primary, "Laertes")
    audition_id = new_audition(primary, role, "Rory Kinnear")
    index = tc.current_index(primary)
    for replica in replicas:
        tc.wait_caught_up(replica, index)
    return audition_id


def hired_on_primary(primary, audition_id):
    return tc.execute(primary.url, "SELECT hired FROM auditions WHERE id = ?", (audition_id,)).scalar()


def test_select_call_back_alone_on_a_replica_is_refused_and_changes_nothing(primary, nodes, audition):
    replica = nodes["replica1"]

    with pytest.raises(tc.SqldError) as refused:
        tc.execute(replica.url, "SELECT call_back(?)", (audition,))

    assert "call_back: not authorized" in refused.value.message
    assert hired_on_primary(primary, audition) == 0
    assert hired_on(replica, audition) == 0


def test_call_back_in_an_interactive_transaction_on_a_replica_reaches_the_primary(primary, nodes, audition):
    # BEGIN, the call and COMMIT as three requests on one stream: what
    # @libsql/client's transaction() sends.
    replica, other = nodes["replica1"], nodes["replica2"]

    begin, called, commit = tc.execute_each(
        replica.url, ["BEGIN", ("SELECT call_back(?)", (audition,)), "COMMIT"]
    )

    for step in (begin, called, commit):
        assert not isinstance(step, tc.SqldError), f"the transaction failed on {replica.name}: {step}"
    assert called.scalar() == 1
    assert hired_on_primary(primary, audition) == 1
    tc.wait_caught_up(other, tc.current_index(primary))
    assert hired_on(other, audition) == 1


def test_call_back_in_a_one_request_transaction_on_a_replica_reaches_the_primary(primary, nodes, audition):
    # The whole script in one request (a Hrana "sequence", as executeMultiple
    # and the sqlite3-style shells send it).
    replica = nodes["replica2"]

    tc.sequence(replica.url, f"BEGIN; SELECT call_back({audition}); COMMIT;")

    assert hired_on_primary(primary, audition) == 1
    tc.wait_caught_up(replica, tc.current_index(primary))
    assert hired_on(replica, audition) == 1


def test_theater_migrate_on_a_replica_is_refused_and_the_schema_stays(primary, nodes):
    replica = nodes["replica1"]
    tc.wait_caught_up(replica, tc.current_index(primary))
    version = tc.execute(primary.url, "SELECT theater_schema_version()").scalar()

    with pytest.raises(tc.SqldError) as refused:
        tc.execute(replica.url, "SELECT theater_migrate(0)")

    assert "not authorized" in refused.value.message
    result, local = tc.read_locally(replica, "SELECT theater_schema_version(), count(*) FROM roles")
    assert local
    assert result.rows[0][0] == version
    assert result.rows[0][1] > 0


def test_without_the_guard_a_replica_keeps_call_back_to_itself(primary, add_node, audition):
    # Why the guard exists: on a replica that loads theater.so alone, the
    # call "succeeds", but only that replica's copy changes; the primary (and
    # so every other node) never hears of it.
    unguarded = add_node("replica", "theater")
    tc.wait_caught_up(unguarded, tc.current_index(primary))

    answer = tc.execute(unguarded.url, "SELECT call_back(?)", (audition,)).scalar()

    assert answer == 1
    assert hired_on(unguarded, audition) == 1
    assert hired_on_primary(primary, audition) == 0


def test_an_insert_sent_to_a_replica_reaches_the_primary(primary, nodes):
    # A plain write statement is forwarded whole; the guard never sees it.
    replica = nodes["replica2"]
    role = new_role(primary, "Osric")

    inserted = tc.execute(
        replica.url, "INSERT INTO auditions (actor, location, role_id) VALUES (?, ?, ?)", ("Ben Whishaw", "London", role)
    )

    on_primary = tc.execute(primary.url, "SELECT actor FROM role_auditions(?)", (role,)).rows
    assert on_primary == [("Ben Whishaw",)], f"the insert sent to {replica.name} did not reach the primary"
    tc.wait_caught_up(replica, inserted.replication_index)
    assert tc.read_locally(replica, "SELECT actor FROM role_auditions(?)", (role,))[0].rows == [("Ben Whishaw",)]
