"""GET /api/v1/incidents (filters) and /incidents/{id} (events, SLAs)."""

import datetime as dt

import pytest
import time_machine

from sla.models import Incident, Service
from sla.services.ingest import events_ingest
from sla.services.rollups import incidents_refresh_account
from tests.factories import (
    AssignmentRuleFactory,
    IncidentFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
)
from tests.sla.helpers import T0, at, item

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(hours=5)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(tenants):
    account = tenants.a
    group = ServiceGroupFactory(account=account, name="pay")
    events_ingest(account=account, items=[item("pay/api", 0, "OK"), item("pay/db", 0, "OK")])
    Service.objects.filter(account=account).update(group=group)
    events_ingest(
        account=account,
        items=[
            item("pay/api", 10, "WARN", message="slow"),
            item("pay/api", 12, "CRIT"),
            item("pay/api", 20, "OK"),
            item("pay/db", 100, "CRIT"),
        ],
    )
    incidents_refresh_account(account=account)
    return account, group


def ids(client, query=""):
    response = client.get(f"/api/v1/incidents?{query}")
    assert response.status_code == 200, response.content
    return [
        (row["service_path"], row["group_name"], row["open"]) for row in response.json()["results"]
    ]


def test_list_and_filters(api_a, history):
    account, group = history
    api = Service.objects.get(account=account, path="pay/api")
    assert len(ids(api_a)) == 4  # two service incidents, two group incidents
    assert ids(api_a, f"service={api.pk}") == [("pay/api", None, False)]
    assert ids(api_a, f"group={group.pk}&status=open") == [(None, "pay", True)]
    assert sorted(ids(api_a, "open=false&state=crit"), key=str) == [
        ("pay/api", None, False),
        (None, "pay", False),
    ]
    assert len(ids(api_a, "from=2024-03-04T00:30:00Z")) == 2
    assert len(ids(api_a, "to=2024-03-04T00:05:00Z")) == 0
    for bad in (
        "status=maybe",
        "state=PURPLE",
        "group=-1",
        "from=2024-03-04",
        "from=2024-03-05T00:00:00Z&to=2024-03-04T00:00:00Z",
    ):
        response = api_a.get(f"/api/v1/incidents?{bad}")
        assert response.status_code == 400 and response.json()["error"] == "validation_error", bad


def test_detail_has_events_duration_and_slas(api_a, history):
    account, group = history
    sla = SLADefinitionFactory(account=account, title="Gold")
    AssignmentRuleFactory(account=account, sla=sla, path_glob="pay/*")
    group_sla = SLADefinitionFactory(account=account, title="Group gold")
    AssignmentRuleFactory(
        account=account, sla=group_sla, target="group", path_glob="pay", position=1
    )
    incident = Incident.objects.get(account=account, service__path="pay/api")
    body = api_a.get(f"/api/v1/incidents/{incident.pk}").json()
    assert (body["started_at"], body["ended_at"]) == (
        "2024-03-04T00:10:00Z",
        "2024-03-04T00:20:00Z",
    )
    assert (
        body["duration_seconds"] == 600 and body["worst_state"] == "CRIT" and body["state"] == "OK"
    )
    assert [event["state"] for event in body["events"]] == ["WARN", "CRIT", "OK"]
    assert body["events"][0]["message"] == "slow" and body["events_truncated"] is False
    assert body["slas"] == [
        {"id": sla.pk, "title": "Gold", "subject": "service"},
        {"id": group_sla.pk, "title": "Group gold", "subject": "group"},
    ]
    open_group = Incident.objects.get(account=account, group=group, ended_at__isnull=True)
    detail = api_a.get(f"/api/v1/incidents/{open_group.pk}").json()
    assert detail["duration_seconds"] == (NOW - at(100)).total_seconds()
    assert [event["service_path"] for event in detail["events"]] == ["pay/db"]
    assert detail["slas"] == [{"id": group_sla.pk, "title": "Group gold", "subject": "group"}]


def test_slas_are_left_out_while_the_feature_is_off(api_a, history):
    account, _ = history
    AssignmentRuleFactory(account=account, path_glob="*")
    account.feature_sla = False
    account.save()
    incident = Incident.objects.filter(account=account, service__isnull=False).first()
    response = api_a.get(f"/api/v1/incidents/{incident.pk}")
    assert response.status_code == 200 and response.json()["slas"] == []


def test_other_accounts_incidents_are_invisible(api_b, tenants):
    incident = IncidentFactory(account=tenants.a)
    assert api_b.get(f"/api/v1/incidents/{incident.pk}").status_code == 404
    assert api_b.get("/api/v1/incidents").json()["results"] == []


def test_list_query_count_does_not_grow(api_a, tenants, django_assert_max_num_queries):
    for _ in range(5):
        IncidentFactory(account=tenants.a)
    with django_assert_max_num_queries(6):
        assert len(api_a.get("/api/v1/incidents").json()["results"]) == 5
