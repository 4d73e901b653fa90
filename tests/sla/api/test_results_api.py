"""GET /api/v1/slas/{id}/results and GET /api/v1/services/{id}/sla."""

import datetime as dt

import pytest
import time_machine

from tests.conftest import client_for
from tests.factories import AssignmentRuleFactory, ServiceFactory, SLADefinitionFactory
from tests.sla.sla_rows import sla_from_json, store_events

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)
DAILY = {
    "period": "daily",
    "requirements": [
        {"title": "A", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99.0},
        {
            "title": "O",
            "kind": "outages",
            "state": "CRIT",
            "max_count": 0,
            "min_duration_seconds": 600,
        },
    ],
}


@pytest.fixture
def setup(tenants):
    service = ServiceFactory(account=tenants.a, path="pay/api")
    sla = sla_from_json(tenants.a, DAILY, title="Daily")
    store_events(
        tenants.a,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T10:00:00Z", "state": "CRIT"},
            {"at": "2024-03-04T10:12:00Z", "state": "OK"},
        ],
    )
    with time_machine.travel(NOW, tick=False):
        yield tenants, service, sla


def test_results_by_range_carry_figures_and_reasons(setup):
    tenants, service, sla = setup
    url = f"/api/v1/slas/{sla.pk}/results?service={service.pk}"
    body = (
        client_for(tenants.token_a)
        .get(f"{url}&from=2024-03-04T00:00:00Z&to=2024-03-05T00:00:00Z")
        .json()
    )
    assert body["sla"]["id"] == sla.pk and body["service"]["path"] == "pay/api"
    (period,) = body["periods"]
    assert period["state"] == "BROKEN" and period["complete"] is True
    availability, outages = period["requirements"]
    assert availability["value"] == 100 * 85680 / 86400
    assert availability["spans"][0]["class"] == "CRIT"
    assert outages["count"] == 1 and outages["outages"][0]["seconds"] == 720.0


def test_results_last_n_includes_the_current_period(setup):
    tenants, service, sla = setup
    body = (
        client_for(tenants.token_a)
        .get(f"/api/v1/slas/{sla.pk}/results/?service={service.pk}&last=3")
        .json()
    )
    assert [period["start"] for period in body["periods"]] == [
        "2024-03-18T00:00:00Z",
        "2024-03-19T00:00:00Z",
        "2024-03-20T00:00:00Z",
    ]
    assert body["periods"][-1]["complete"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("last=3", "service"),
        ("service={service}", "last"),
        ("service={service}&from=2024-03-04T00:00:00Z", "to"),
        ("service={service}&from=2024-03-04T00:00:00&to=2024-03-05T00:00:00Z", "from"),
        ("service={service}&from=2024-03-05T00:00:00Z&to=2024-03-04T00:00:00Z", "to"),
        ("service={service}&from=2000-01-01T00:00:00Z&to=2024-03-04T00:00:00Z", "from"),
        ("service={service}&last=0", "last"),
        ("service={service}&last=3&from=2024-03-04T00:00:00Z&to=2024-03-05T00:00:00Z", "last"),
        ("service=999999&last=1", "service"),
    ],
)
def test_bad_queries_name_the_field(setup, query, field):
    tenants, service, sla = setup
    response = client_for(tenants.token_a).get(
        f"/api/v1/slas/{sla.pk}/results?" + query.format(service=service.pk)
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_another_accounts_service_is_not_found(setup):
    tenants, service, _ = setup
    own_sla = SLADefinitionFactory(account=tenants.b)
    response = client_for(tenants.token_b).get(
        f"/api/v1/slas/{own_sla.pk}/results?service={service.pk}&last=1"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["service"] == ["No such service in this account."]


def test_service_sla_uses_the_first_matching_rule(setup):
    tenants, service, sla = setup
    other = SLADefinitionFactory(account=tenants.a, title="Other")
    AssignmentRuleFactory(account=tenants.a, sla=other, position=5, path_glob="pay/*")
    AssignmentRuleFactory(account=tenants.a, sla=sla, position=1, path_glob="pay/api")
    AssignmentRuleFactory(account=tenants.a, sla=other, position=0, path_glob="shop/*")
    body = client_for(tenants.token_a).get(f"/api/v1/services/{service.pk}/sla?last=2").json()
    assert body["sla"]["id"] == sla.pk
    assert len(body["periods"]) == 2


def test_service_without_rule_has_no_sla(setup):
    tenants, service, _ = setup
    body = client_for(tenants.token_a).get(f"/api/v1/services/{service.pk}/sla").json()
    assert body["sla"] is None and body["periods"] == []
