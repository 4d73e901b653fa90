"""SLA results of SLA groups, evaluated on the group's derived timeline."""

import datetime as dt

import pytest
import time_machine

from sla.models import PeriodResult
from sla.services.results import Subject, period_results_refresh_account
from tests.conftest import client_for
from tests.factories import AssignmentRuleFactory, ServiceFactory, ServiceGroupFactory
from tests.sla.sla_rows import instant, sla_from_json, store_events

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)
DAILY_99 = {
    "period": "daily",
    "requirements": [
        {"title": "A", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99.0}
    ],
}


@pytest.fixture
def group_setup(tenants):
    """Two members: one CRIT 10:00-10:12 on the 4th, the other 10:06-10:20."""
    group = ServiceGroupFactory(account=tenants.a, name="payment", aggregation="worst")
    first = ServiceFactory(account=tenants.a, path="payment/api", group=group)
    second = ServiceFactory(account=tenants.a, path="payment/db", group=group)
    store_events(
        tenants.a,
        first,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T10:00:00Z", "state": "CRIT"},
            {"at": "2024-03-04T10:12:00Z", "state": "OK"},
        ],
    )
    store_events(
        tenants.a,
        second,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T10:06:00Z", "state": "CRIT"},
            {"at": "2024-03-04T10:20:00Z", "state": "OK"},
        ],
    )
    sla = sla_from_json(tenants.a, DAILY_99, title="Group SLA")
    return tenants, group, sla, first


def _group_query(sla, group, **extra):
    query = "&".join(f"{key}={value}" for key, value in extra.items())
    return f"/api/v1/slas/{sla.pk}/results?group={group.pk}&{query}"


def test_worst_group_counts_the_union_of_member_outages(group_setup):
    tenants, group, sla, _ = group_setup
    body = (
        client_for(tenants.token_a)
        .get(
            _group_query(
                sla, group, **{"from": "2024-03-04T00:00:00Z", "to": "2024-03-05T00:00:00Z"}
            )
        )
        .json()
    )
    assert body["group"] == {"id": group.pk, "name": "payment"}
    (period,) = body["periods"]
    assert period["requirements"][0]["seconds"] == {"OK": 86400.0 - 1200, "CRIT": 1200.0}
    assert period["state"] == "BROKEN"  # 1200 s of 86400 bad: 98.61% < 99%
    assert period["requirements"][0]["spans"][0]["start"] == "2024-03-04T10:00:00Z"


def test_k_of_n_group(group_setup):
    tenants, group, sla, _ = group_setup
    group.aggregation, group.k = "k_of_n", 1  # OK while at least one member is OK
    group.save()
    body = (
        client_for(tenants.token_a)
        .get(
            _group_query(
                sla, group, **{"from": "2024-03-04T00:00:00Z", "to": "2024-03-05T00:00:00Z"}
            )
        )
        .json()
    )
    assert body["periods"][0]["requirements"][0]["seconds"] == {"OK": 86400.0 - 360, "CRIT": 360.0}


def test_group_sla_by_rule_and_periodic_refresh(group_setup):
    tenants, group, sla, _ = group_setup
    AssignmentRuleFactory(account=tenants.a, sla=sla, target="group", path_glob="pay*")
    with time_machine.travel(NOW, tick=False):
        body = client_for(tenants.token_a).get(f"/api/v1/groups/{group.pk}/sla?last=2").json()
    assert body["sla"]["id"] == sla.pk and len(body["periods"]) == 2
    assert period_results_refresh_account(account=tenants.a, now=NOW) == 1
    current = PeriodResult.objects.get(sla=sla, group=group, complete=False)
    assert current.period_start == instant("2024-03-20T00:00:00Z")


def test_membership_change_makes_group_results_stale(group_setup):
    tenants, group, sla, first = group_setup
    client_for(tenants.token_a).get(_group_query(sla, group, last=3))
    assert not PeriodResult.objects.filter(group=group, stale=True).exists()
    first.group = None
    first.save()
    assert not PeriodResult.objects.filter(group=group, stale=False).exists()


def test_group_of_another_account_is_not_found(group_setup):
    tenants, group, _, _ = group_setup
    own = sla_from_json(tenants.b, DAILY_99, title="B's")
    response = client_for(tenants.token_b).get(_group_query(own, group, last=1))
    assert response.status_code == 400
    assert response.json()["fields"]["group"] == ["No such group in this account."]


def test_subject_is_a_service_or_a_group():
    with pytest.raises(ValueError):
        Subject()
