"""The three SLA queries answer, for the demo account, exactly the figures of their REST
counterparts: field by field, every field the REST answer has."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Account
from tests.conftest import client_for
from tests.factories import ApiTokenFactory
from tests.slaportal.graphql.conftest import camel_keys, gql

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 7, 30, 12, tzinfo=dt.UTC)

SERVICE = "service { id path name }"
STATS = """{ slaDashboardStats {
  account { slug name timezone } generatedAt slaEnabled
  services { total byState { state count } }
  incidents { open latest { id SERVICE_FIELDS group { id name } startedAt worstState state
    durationSeconds } }
  sla { servicesWithSla
    atRisk { total items { SERVICE_FIELDS sla { id title } periodStart periodEnd state
      requirements { title state value remaining } } }
    burnLeaders {
      requirements { SERVICE_FIELDS sla { id title } requirement target value budgetSeconds
        consumedSeconds remainingSeconds remainingFraction burnRate }
      slos { id name SERVICE_FIELDS group { id name } target sli consumedFraction
        remainingFraction burnRate1h } }
    reports { id day generatedAt json { url sha256 } pdf { url sha256 } } } } }""".replace(
    "SERVICE_FIELDS", SERVICE
)
PERIOD_RESULTS = """query($first: Int, $after: String, $last: Int!) {
  slaPeriodResults(first: $first, after: $after, last: $last) {
    totalCount last pageInfo { hasNextPage endCursor }
    edges { node { SERVICE_FIELDS sla { id title period timezone }
      periods { start end complete state requirements { title kind state value remaining count }
      } } } } }""".replace("SERVICE_FIELDS", SERVICE)
TREND = """query($days: Int!) { slaTrendData(days: $days) { timezone days totalGroups
  groups { id name title meanUptimePercent uptimePercent
    seconds { ok warn crit unknown unmonitored downtime } } } }"""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo account of `make run` (seed_demo, about a minute: once per module), seen at
    a frozen instant; rolled back after the module's tests."""
    reports = override_settings(SLA_REPORT_DIR=tmp_path_factory.mktemp("demo-reports"))
    with django_db_blocker.unblock(), reports, transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            call_command("seed_demo", "--quiet-secret")
        account = Account.objects.get(slug="demo")
        yield ApiTokenFactory(account=account, scopes=["read"])
        transaction.set_rollback(True)


def _rest(token, url: str, **params) -> dict:
    with time_machine.travel(NOW, tick=False):
        response = client_for(token).get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def _graphql(token, query: str, variables=None) -> dict:
    with time_machine.travel(NOW, tick=False):
        body = gql(token, query, variables)
    assert "errors" not in body, body
    return body["data"]


def _like_rest(graphql, rest):
    """GraphQL answers null where REST leaves a key out (e.g. `count` of a percentage
    requirement): drop exactly those nulls; anything else stays to be compared."""
    if isinstance(graphql, dict) and isinstance(rest, dict):
        return {
            key: _like_rest(value, rest.get(key))
            for key, value in graphql.items()
            if key in rest or value is not None
        }
    if isinstance(graphql, list) and isinstance(rest, list) and len(graphql) == len(rest):
        return [_like_rest(item, other) for item, other in zip(graphql, rest, strict=True)]
    return graphql


def _same_instants(value):
    """Instants as datetimes: REST writes UTC as 'Z', GraphQL as '+00:00'."""
    if isinstance(value, dict):
        return {key: _same_instants(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_same_instants(item) for item in value]
    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def test_dashboard_stats_are_the_rest_figures(demo):
    rest = _rest(demo, "/api/v1/dashboard/stats")
    rest["services"]["by_state"] = [
        {"state": state, "count": count} for state, count in rest["services"]["by_state"].items()
    ]
    graphql = _graphql(demo, STATS)["slaDashboardStats"]
    assert rest["sla"]["at_risk"]["total"] and rest["sla"]["burn_leaders"]["slos"]
    expected = camel_keys(rest)
    assert _same_instants(_like_rest(graphql, expected)) == _same_instants(expected)


@pytest.mark.parametrize("page_size", [7, 1000])
def test_period_results_are_the_rest_figures_page_by_page(demo, page_size):
    page, after, pages = 1, None, 0
    while True:
        rest = _rest(
            demo, "/api/v1/dashboard/period-results", last=4, page=page, page_size=page_size
        )
        variables = {"first": page_size, "after": after, "last": 4}
        graphql = _graphql(demo, PERIOD_RESULTS, variables)["slaPeriodResults"]
        assert graphql["totalCount"] == rest["count"] and graphql["last"] == rest["last"] == 4
        nodes = [edge["node"] for edge in graphql["edges"]]
        expected = camel_keys(rest["results"])
        assert _same_instants(_like_rest(nodes, expected)) == _same_instants(expected)
        assert graphql["pageInfo"]["hasNextPage"] == (rest["next"] is not None)
        pages += 1
        if rest["next"] is None:
            break
        page, after = page + 1, graphql["pageInfo"]["endCursor"]
    assert pages == -(-rest["count"] // page_size) and rest["count"] > 7


@pytest.mark.parametrize("days", [1, 30, 90])
def test_trend_is_the_rest_figures(demo, days):
    rest = _rest(demo, "/api/v1/dashboard/trend", days=days)
    graphql = _graphql(demo, TREND, {"days": days})["slaTrendData"]
    assert rest["groups"] and any(
        value is not None for value in rest["groups"][0]["uptime_percent"]
    )
    assert graphql == camel_keys(rest)
