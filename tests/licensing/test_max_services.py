"""The licence's max_services: more services are refused with a clear error (API, import,
admin, services created by status events); existing services keep taking events."""

import pytest
import time_machine

from sla.models import Service, StatusEvent
from tests.conftest import client_for
from tests.factories import ServiceFactory
from tests.licensing.conftest import NOW, licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(keys, tenants, licensed):
    licensed.SLA_LICENSE = licence(keys, max_services=2)
    ServiceFactory(account=tenants.a, path="one")
    with time_machine.travel(NOW, tick=False):
        yield client_for(tenants.token_a)


def test_api_creates_up_to_the_limit_then_refuses(limited, tenants):
    assert limited.post("/api/v1/services", {"path": "two"}, format="json").status_code == 201
    refused = limited.post("/api/v1/services", {"path": "three"}, format="json")
    assert refused.status_code == 400
    assert "at most 2 services" in refused.json()["fields"]["path"][0]
    assert Service.objects.for_account(tenants.a).count() == 2
    # the deployment's licence counts each account's own services
    other = client_for(tenants.token_b).post("/api/v1/services", {"path": "x"}, format="json")
    assert other.status_code == 201


def test_events_create_services_up_to_the_limit(limited, tenants):
    batch = [
        {"service": path, "at": NOW.isoformat(), "state": "OK"}
        for path in ("one", "p-two", "q-three")
    ]
    response = limited.post("/api/v1/events", batch, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    [error] = body["errors"]
    assert error["index"] == 2 and "at most 2 services" in error["error"]
    stored = StatusEvent.objects.for_account(tenants.a).values_list("service__path", flat=True)
    assert sorted(stored) == ["one", "p-two"]


def test_import_beyond_the_limit_writes_nothing(limited, tenants):
    text = "path: two\n---\npath: three\n"
    response = limited.post("/api/v1/services/import", text, content_type="application/yaml")
    assert response.status_code == 400, response.content
    assert "at most 2 services" in str(response.json())
    assert Service.objects.for_account(tenants.a).count() == 1


def test_admin_refuses_one_more(limited, tenants, client):
    from tests.factories import UserFactory

    ServiceFactory(account=tenants.a, path="two")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.post(
        "/admin/sla/service/add/",
        {"account": tenants.a.pk, "path": "three", "name": "", "labels": "{}"},
    )
    assert page.status_code == 200 and "at most 2 services" in page.content.decode()
    assert not Service.objects.filter(path="three").exists()
