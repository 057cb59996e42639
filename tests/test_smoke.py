from conftest import scalar


def test_migrate_creates_schema(conn):
    assert scalar(conn, "SELECT theater_migrate()") >= 1
