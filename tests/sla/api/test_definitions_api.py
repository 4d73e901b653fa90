"""CRUD of services, groups, time periods, SLAs (requirements inline), rules and downtimes."""

import pytest

from sla.models import Requirement, SLADefinition
from tests.conftest import client_for
from tests.factories import ServiceGroupFactory, SLADefinitionFactory, TimePeriodFactory

pytestmark = pytest.mark.django_db

BUSINESS_HOURS = {"monday": ["08:00-12:00", "13:00-18:00"], "exceptions": {"2024-12-25": []}}


def _sla_body(**overrides):
    body = {
        "title": "Gold",
        "period": "monthly",
        "timezone": "Europe/Berlin",
        "options": {"downtimes": "honor"},
        "requirements": [
            {
                "title": "Availability",
                "kind": "percentage",
                "state": "UP",
                "comparison": "min",
                "target": 99.9,
                "levels": {"warn": 50, "crit": 10},
            },
            {
                "title": "Outages",
                "kind": "outages",
                "state": "OUTAGE",
                "max_count": 2,
                "min_duration_seconds": 300,
            },
        ],
    }
    body.update(overrides)
    return body


def test_create_sla_with_requirements_and_read_it_back(api_a):
    response = api_a.post("/api/v1/slas", _sla_body(), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert [row["state"] for row in created["requirements"]] == ["OK", "CRIT"]
    assert created["requirements"][0]["levels"] == {"warn": 50.0, "crit": 10.0}
    assert created["revision"] == 1
    detail = api_a.get(f"/api/v1/slas/{created['id']}").json()
    assert detail["requirements"][1]["max_count"] == 2


def test_update_replaces_requirements_and_bumps_revision(api_a):
    created = api_a.post("/api/v1/slas", _sla_body(), format="json").json()
    response = api_a.patch(
        f"/api/v1/slas/{created['id']}",
        {"requirements": [_sla_body()["requirements"][0]]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["requirements"]) == 1
    assert response.json()["revision"] > created["revision"]
    assert Requirement.objects.filter(sla_id=created["id"]).count() == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"requirements": []}, "requirements", "at least one"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
        ({"period": "hourly"}, "period", "not a valid choice"),
        ({"options": {"downtimes": "sometimes"}}, "options", "downtimes"),
    ],
)
def test_invalid_sla_is_rejected_naming_the_field(api_a, change, field, words):
    response = api_a.post("/api/v1/slas", _sla_body(**change), format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body["fields"], body
    assert words in body["message"], body
    assert not SLADefinition.objects.exists(), "nothing may be half written"


@pytest.mark.parametrize(
    ("requirement_change", "field_part", "words"),
    [
        ({"target": 101}, "target", "100"),
        ({"target": -1}, "target", ""),
        ({"levels": {"warn": 10, "crit": 50}}, "crit", "crit"),
        ({"state": "PURPLE"}, "state", "PURPLE"),
        ({"comparison": "sideways"}, "comparison", ""),
    ],
)
def test_invalid_requirement_is_rejected(api_a, requirement_change, field_part, words):
    body = _sla_body()
    body["requirements"][0].update(requirement_change)
    response = api_a.post("/api/v1/slas", body, format="json")
    assert response.status_code == 400, response.content
    message = response.json()["message"]
    assert message.startswith("requirements"), message
    assert field_part in message and words in message
    assert not SLADefinition.objects.exists()


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        ({"monday": ["08:00-12:00", "11:00-13:00"]}, "overlap"),
        ({"monday": ["18:00-08:00"]}, ""),
        ({"monday": ["25:00-26:00"]}, ""),
        ({"someday": ["08:00-12:00"]}, "someday"),
        ({"exceptions": {"2024-02-30": []}}, "2024-02-30"),
    ],
)
def test_invalid_time_period_is_rejected(api_a, definition, words):
    response = api_a.post(
        "/api/v1/time-periods", {"name": "bad", "definition": definition}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "definition" in response.json()["fields"]
    assert words in response.json()["message"]


def test_time_period_round_trip_and_use_in_sla(api_a):
    response = api_a.post(
        "/api/v1/time-periods", {"name": "business", "definition": BUSINESS_HOURS}, format="json"
    )
    assert response.status_code == 201, response.content
    time_period_id = response.json()["id"]
    sla = api_a.post("/api/v1/slas", _sla_body(time_period=time_period_id), format="json")
    assert sla.status_code == 201 and sla.json()["time_period"] == time_period_id


def test_duplicate_names_are_a_400_not_a_500(api_a):
    api_a.post("/api/v1/time-periods", {"name": "same", "definition": {}}, format="json")
    response = api_a.post("/api/v1/time-periods", {"name": "same", "definition": {}}, format="json")
    assert response.status_code == 400
    api_a.post("/api/v1/services", {"path": "pay/api"}, format="json")
    response = api_a.post("/api/v1/services", {"path": "pay/api"}, format="json")
    assert response.status_code == 400


def test_services_and_groups(api_a):
    group = api_a.post(
        "/api/v1/groups", {"name": "payment", "aggregation": "k_of_n", "k": 2}, format="json"
    )
    assert group.status_code == 201, group.content
    service = api_a.post(
        "/api/v1/services",
        {"path": "payment/api", "labels": {"team": "pay"}, "group": group.json()["id"]},
        format="json",
    )
    assert service.status_code == 201, service.content
    assert api_a.get("/api/v1/services?label=team=pay").json()["count"] == 1
    assert api_a.get("/api/v1/services?label=team=other").json()["count"] == 0
    api_a.post(
        "/api/v1/services",
        {"path": "k8s/web", "labels": {"app.kubernetes.io/name": "web", "isnull": "x"}},
        format="json",
    )
    assert api_a.get("/api/v1/services?label=app.kubernetes.io/name=web").json()["count"] == 1
    assert api_a.get("/api/v1/services?label=isnull=x").json()["count"] == 1
    bad = api_a.post("/api/v1/services", {"path": "no spaces allowed"}, format="json")
    assert bad.status_code == 400 and "path" in bad.json()["fields"]
    no_k = api_a.post("/api/v1/groups", {"name": "x", "aggregation": "k_of_n"}, format="json")
    assert no_k.status_code == 400 and "k" in no_k.json()["fields"]


def test_downtimes_once_and_weekly_validation(api_a):
    once = {"reason": "db upgrade", "start": "2024-03-01T10:00:00Z", "end": "2024-03-01T09:00:00Z"}
    response = api_a.post("/api/v1/downtimes", once, format="json")
    assert response.status_code == 400 and "end" in response.json()["fields"]
    weekly = {
        "reason": "patch window",
        "start": "2024-03-01T00:00:00Z",
        "recurrence": "weekly",
        "weekdays": [6],
        "time_from": "02:00",
        "duration_minutes": 120,
        "timezone": "Europe/Berlin",
    }
    assert api_a.post("/api/v1/downtimes", weekly, format="json").status_code == 201
    response = api_a.post("/api/v1/downtimes", {**weekly, "weekdays": []}, format="json")
    assert response.status_code == 400 and "weekdays" in response.json()["fields"]


def test_cannot_reference_another_accounts_rows(tenants):
    foreign_period = TimePeriodFactory(account=tenants.a)
    foreign_group = ServiceGroupFactory(account=tenants.a)
    foreign_sla = SLADefinitionFactory(account=tenants.a)
    client = client_for(tenants.token_b)
    response = client.post("/api/v1/slas", _sla_body(time_period=foreign_period.pk), format="json")
    assert response.status_code == 400 and "time_period" in response.json()["fields"]
    response = client.post(
        "/api/v1/services", {"path": "x/y", "group": foreign_group.pk}, format="json"
    )
    assert response.status_code == 400 and "group" in response.json()["fields"]
    response = client.post("/api/v1/rules", {"sla": foreign_sla.pk}, format="json")
    assert response.status_code == 400 and "sla" in response.json()["fields"]


def test_sla_endpoints_are_gated(tenants, settings):
    settings.SLA_ENABLED = False
    response = client_for(tenants.token_a).get("/api/v1/slas")
    assert response.status_code == 403
    assert response.json()["error"] == "plugin_disabled"


def test_sla_endpoints_gated_per_account(tenants):
    tenants.a.feature_sla = False
    tenants.a.save()
    assert client_for(tenants.token_a).get("/api/v1/services").status_code == 403
    assert client_for(tenants.token_b).get("/api/v1/services").status_code == 200


def test_read_only_token_cannot_write(tenants):
    from accounts.services import token_create

    token, secret = token_create(account=tenants.a, name="reader", scopes=["read"])
    token.secret = secret
    client = client_for(token)
    assert client.get("/api/v1/slas").status_code == 200
    response = client.post("/api/v1/slas", _sla_body(), format="json")
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"


def test_deleting_a_time_period_in_use_is_a_409_naming_the_sla(tenants, api_a):
    period = TimePeriodFactory(account=tenants.a, name="office")
    SLADefinitionFactory(account=tenants.a, title="Gold office hours", time_period=period)
    response = api_a.delete(f"/api/v1/time-periods/{period.pk}")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "conflict" and "Gold office hours" in body["message"]
    assert SLADefinition.objects.filter(time_period=period).exists(), "nothing deleted"
