"""The dashboard never shows outdated stored results: rows of an older SLA revision (the
definition changed) and rows made stale by late events are computed again, once, in bulk,
before they are shown."""

import datetime as dt

import pytest
import time_machine

from sla.models import PeriodResult, Requirement, StatusEvent
from sla.signals import status_history_changed
from tests.conftest import client_for
from tests.reporting.scenario import NOW, build_scenario

pytestmark = pytest.mark.django_db
LATE_CRIT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)  # 3 h, inside 20 Nov (Berlin)
LATE_OK = dt.datetime(2026, 11, 20, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def scenario(tenants):
    return build_scenario(tenants.a, uptime_days=3, with_slo=False)


def _get(tenants, url: str) -> dict:
    with time_machine.travel(NOW, tick=False):
        response = client_for(tenants.token_a).get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _states(body: dict, path: str) -> list:
    [row] = [row for row in body["results"] if row["service"]["path"] == path]
    return [period["state"] for period in row["periods"]]


def test_definition_change_is_shown_at_once(tenants, scenario):
    results = "/api/v1/dashboard/period-results?last=3"
    assert _states(_get(tenants, results), "payment/api") == ["OK", "OK", "BROKEN"]
    assert _get(tenants, "/api/v1/dashboard/stats")["sla"]["at_risk"]["total"] == 2
    availability = Requirement.objects.get(sla=scenario.gold, position=0)
    availability.target = 99.0  # 99.85 % now meets it
    availability.save()
    scenario.gold.refresh_from_db()
    stats = _get(tenants, "/api/v1/dashboard/stats")["sla"]["at_risk"]
    assert stats["total"] == 1 and stats["items"][0]["service"]["path"] == "shop/search"
    assert _states(_get(tenants, results), "payment/api") == ["OK", "OK", "OK"]
    shown = PeriodResult.objects.filter(sla=scenario.gold, service__isnull=False)
    assert set(shown.values_list("sla_revision", flat=True)) == {scenario.gold.revision}


def test_late_events_are_shown_at_once(tenants, scenario):
    results = "/api/v1/dashboard/period-results?last=3"
    assert _states(_get(tenants, results), "tools/wiki") == ["OK", "OK", "OK"]
    wiki = scenario.services["tools/wiki"]
    StatusEvent.objects.bulk_create(
        [
            StatusEvent(
                account=tenants.a, service=wiki, at=LATE_CRIT, state="CRIT", dedup_key="l1"
            ),
            StatusEvent(account=tenants.a, service=wiki, at=LATE_OK, state="OK", dedup_key="l2"),
        ]
    )
    status_history_changed.send(sender=None, account=tenants.a, changes={wiki.pk: LATE_CRIT})
    assert PeriodResult.objects.filter(service=wiki, stale=True).count() == 1
    assert _states(_get(tenants, results), "tools/wiki") == ["OK", "BROKEN", "OK"]
    assert not PeriodResult.objects.filter(service=wiki, stale=True).exists()


def test_dashboard_page_shows_the_new_revision(client, tenants, scenario):
    client.force_login(tenants.member_a)
    with time_machine.travel(NOW, tick=False):
        before = client.get("/dashboard/").content.decode()
    assert 'tile-value">2</span><span class="tile-label">SLAs at risk' in before
    availability = Requirement.objects.get(sla=scenario.gold, position=0)
    availability.target = 99.0
    availability.save()
    with time_machine.travel(NOW, tick=False):
        after = client.get("/dashboard/").content.decode()
    assert 'tile-value">1</span><span class="tile-label">SLAs at risk' in after
    table = after.split('id="sla-results"')[1].split("</section>")[0]
    assert "sla-BROKEN" not in table.split("Internal 99% daily")[0]  # the Gold table
