"""No N+1: every GraphQL list costs the same number of queries for 2 rows as for 7."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AssignmentRuleFactory,
    DailyReportFactory,
    IncidentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLOFactory,
)
from tests.slaportal.graphql.conftest import gql

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 7, 30, tzinfo=dt.UTC)

QUERIES = {
    "services": """{ services { edges { cursor node { path currentState labels
        group { name title } } } pageInfo { hasNextPage endCursor } } }""",
    "slaGroups": "{ slaGroups { edges { node { name aggregation } } } }",
    "incidents": """{ incidents { edges { node { id durationSeconds service { path
        group { name } } group { name } } } } }""",
    "slos": """{ slos { edges { node { name service { path group { name } } group { name }
        status { window { start } budget { consumed remainingFraction }
        burnRates { lookbackSeconds burnRate } timeToExhaustionSeconds } } } } }""",
    "dailyReports": """{ dailyReports { edges { node { day summary
        files { json { url sha256 size } pdf { url } } } } } }""",
    "slaPeriodResults": """{ slaPeriodResults(last: 3) { totalCount edges { node {
        service { path } sla { title } periods { start state requirements { title value } }
        } } } }""",
    "slaDashboardStats": """{ slaDashboardStats { services { total byState { state count } }
        incidents { open latest { id service { path } } }
        sla { servicesWithSla atRisk { total items { service { path } } }
              burnLeaders { requirements { requirement } slos { name } }
              reports { day json { url } } } } }""",
}


def _fill(account, count: int, offset: int) -> None:
    """`count` more rows of every kind (services in groups, incidents, SLOs, reports)."""
    for index in range(offset, offset + count):
        group = ServiceGroupFactory(account=account, name=f"group-{index}")
        service = ServiceFactory(
            account=account, path=f"svc/{index:02d}", group=group, current_state="OK"
        )
        IncidentFactory(account=account, service=service)
        IncidentFactory(account=account, service=None, group=group)
        SLOFactory(account=account, service=service, name=f"slo-{index:02d}")
        SLOFactory(account=account, service=None, group=group, name=f"slo-g-{index:02d}")
        DailyReportFactory(account=account, day=dt.date(2026, 1, 1) + dt.timedelta(days=index))


def _count(token, query: str) -> int:
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        body = gql(token, query)
    assert "errors" not in body, body
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_queries_do_not_grow_with_the_rows(name, tenants):
    AssignmentRuleFactory(account=tenants.a, path_glob="*")
    _fill(tenants.a, 2, 0)
    _count(tenants.token_a, QUERIES[name])  # fills the stored period results once
    few = _count(tenants.token_a, QUERIES[name])
    _fill(tenants.a, 5, 2)
    _count(tenants.token_a, QUERIES[name])
    many = _count(tenants.token_a, QUERIES[name])
    assert many == few, f"{name}: {few} queries for 2 rows, {many} for 7"
