"""The ingest statement is prepared once per connection (DATABASE_PREPARED_STATEMENTS) and
never leaves prepared statements behind, however often it fails (PostgreSQL only).

psycopg forgets a statement whose first execution fails but the server keeps it: before,
every batch naming a new service (the statement's guard failed on purpose) and every
failed first run left one more statement in pg_prepared_statements for the connection's
life.
"""

import psycopg.errors
import pytest
from django.db import connection

from sla.services.ingest import events_ingest
from tests.factories import AccountFactory, ServiceFactory
from tests.sla.helpers import item

# Autocommit, as a request runs ingest (no savepoint around the statement).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_with_prepared_statements(settings):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (DATABASE_URL)")
    settings.DATABASE_PREPARED_STATEMENTS = True


def _ingest_statements() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%INSERT INTO sla_statusevent%"],
        )
        return cursor.fetchone()[0]


def test_batches_naming_new_services_leave_no_statement_behind():
    account = AccountFactory()
    before = _ingest_statements()
    for number in range(5):  # each names a service seen for the first time
        result = events_ingest(account=account, items=[item(f"new/s{number}", 0, "OK")])
        assert result.new == 1
    ServiceFactory(account=account, path="known")
    for minutes in range(3):
        assert events_ingest(account=account, items=[item("known", minutes, "OK")]).new == 1
    assert _ingest_statements() - before <= 1  # the one the known-service batches use


def test_a_failing_ingest_statement_leaves_no_statement_behind():
    account = AccountFactory()
    ServiceFactory(account=account, path="known")
    before = _ingest_statements()
    with connection.cursor() as cursor:  # a real failure inside the statement
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON sla_statusevent "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
        )
    try:
        for minutes in range(4):
            with pytest.raises(psycopg.errors.RaiseException):
                events_ingest(account=account, items=[item("known", minutes, "OK")])
        assert _ingest_statements() - before == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse ON sla_statusevent")
    assert events_ingest(account=account, items=[item("known", 9, "OK")]).new == 1
    assert _ingest_statements() - before == 1
