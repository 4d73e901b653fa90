"""Whether an account pushes to a portal is read in the API's token statement (issue 12:
the link query after every ingest was a quarter of its CPU). Without a link an ingest asks
no link query and queues nothing; a link created, disabled, enabled again or deleted by
one request holds for the very next ingest (nothing is kept between requests, in this
process or another: every request reads it with its token); another account's link never
counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import token_for_secret, token_for_secret_with_row
from accounts.services import token_create
from integrations.federation.models import PortalLink
from integrations.federation.services import PORTAL_LINK_FACT
from integrations.vector.models import VectorSource
from reporting.models import OutboxMessage
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def deployment_portal(settings):
    settings.SLA_PORTAL_URL = "https://portal.example.com"
    settings.SLA_PORTAL_API_KEY = "portal-key"


def _ingest(client, capture, n: int) -> list[str]:
    """POST one event; the SQL of the Django queries it made (the token statement is raw)."""
    at = f"2026-11-20T08:{n:02d}:00Z"
    event = {"service": "web", "at": at, "state": "CRIT" if n % 2 else "OK"}
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post("/api/v1/events", event, format="json")
    assert response.status_code == 200, response.content
    return [query["sql"] for query in queries.captured_queries]


def _pushes(account) -> int:
    return OutboxMessage.objects.for_account(account).filter(event_type="federation.status").count()


def test_the_token_lookup_says_whether_the_account_has_an_enabled_link(tenants):
    _, secret_a = token_create(account=tenants.a, name="a", scopes=["ingest"])
    _, secret_b = token_create(account=tenants.b, name="b", scopes=["ingest"])
    PortalLink.objects.create(account=tenants.b, url="https://portal.example.com", api_key="k")
    assert getattr(token_for_secret(secret=secret_a).account, PORTAL_LINK_FACT) is False
    assert getattr(token_for_secret(secret=secret_b).account, PORTAL_LINK_FACT) is True
    PortalLink.objects.filter(account=tenants.b).update(enabled=False)
    assert getattr(token_for_secret(secret=secret_b).account, PORTAL_LINK_FACT) is False
    # The lookup that reads an object of the path in the same statement says it too.
    source = VectorSource.objects.create(account=tenants.a, name="logs")
    token, found = token_for_secret_with_row(secret=secret_a, model=VectorSource, pk=source.pk)
    assert found == source and getattr(token.account, PORTAL_LINK_FACT) is False


def test_without_a_link_an_ingest_asks_no_link_query(
    tenants, deployment_portal, django_capture_on_commit_callbacks
):
    queries = _ingest(client_for(tenants.token_a), django_capture_on_commit_callbacks, 1)
    assert not [sql for sql in queries if PortalLink._meta.db_table in sql]
    assert _pushes(tenants.a) == 0


def test_a_link_changed_by_one_request_holds_for_the_next_ingest(
    tenants, deployment_portal, django_capture_on_commit_callbacks
):
    client = client_for(tenants.token_a)
    capture = django_capture_on_commit_callbacks
    _ingest(client, capture, 1)
    assert _pushes(tenants.a) == 0

    created = client.put("/api/v1/federation/portal", {"enabled": True}, format="json")
    assert created.status_code == 200
    _ingest(client, capture, 2)
    assert _pushes(tenants.a) == 1

    disabled = client.patch("/api/v1/federation/portal", {"enabled": False}, format="json")
    assert disabled.status_code == 200
    _ingest(client, capture, 3)
    assert _pushes(tenants.a) == 1

    enabled = client.patch("/api/v1/federation/portal", {"enabled": True}, format="json")
    assert enabled.status_code == 200
    _ingest(client, capture, 4)
    assert _pushes(tenants.a) == 2

    assert client.delete("/api/v1/federation/portal").status_code == 204
    _ingest(client, capture, 5)
    assert _pushes(tenants.a) == 2


def test_a_link_written_outside_the_api_counts_too(
    tenants, deployment_portal, django_capture_on_commit_callbacks
):
    # The admin, a management command or another process: no cache to invalidate.
    client = client_for(tenants.token_a)
    PortalLink.objects.create(account=tenants.a)  # URL and key from the deployment
    _ingest(client, django_capture_on_commit_callbacks, 1)
    assert _pushes(tenants.a) == 1
    PortalLink.objects.filter(account=tenants.a).update(enabled=False)  # no signal sent
    _ingest(client, django_capture_on_commit_callbacks, 2)
    assert _pushes(tenants.a) == 1


def test_another_account_s_link_never_makes_this_one_push(
    tenants, deployment_portal, django_capture_on_commit_callbacks
):
    PortalLink.objects.create(account=tenants.b)
    queries = _ingest(client_for(tenants.token_a), django_capture_on_commit_callbacks, 1)
    assert not [sql for sql in queries if PortalLink._meta.db_table in sql]
    assert _pushes(tenants.a) == 0
    _ingest(client_for(tenants.token_b), django_capture_on_commit_callbacks, 1)
    assert _pushes(tenants.b) == 1 and _pushes(tenants.a) == 0
