"""Burn-rate alerts across 5-minute boundaries: the short window never reads an empty slot.

Request counts arrive every minute for the minute just ended, so right after each
5-minute boundary the current slot holds nothing yet. A steady error stream must keep one
page alert firing through twelve boundaries (one `firing` notification, no `resolved`); a
stream that stops resolves once and stays resolved; a low-traffic stream neither flaps
nor pages below the min-events guard.
"""

import datetime as dt

import pytest
import time_machine

from reporting.models import OutboxMessage
from sla.models import Alert
from sla.services.request_counts import request_counts_ingest
from sla.slo_tasks import slo_minutely_run
from tests.factories import (
    AlertPolicyFactory,
    BurnRateWindowFactory,
    ServiceFactory,
    SLOFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

START = dt.datetime(2026, 11, 10, 11, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
PAGE_KEY = "page:3600:300"


def _setup(account, min_events=100):
    service = ServiceFactory(account=account, path="shop/web")
    policy = AlertPolicyFactory(account=account, min_events=min_events)
    BurnRateWindowFactory(account=account, policy=policy)  # page, 1 h / 5 m, 2 % -> 14.4
    SLOFactory(
        account=account,
        service=service,
        sli_kind="requests",
        target=99.9,
        window_days=30,
        alert_policy=policy,
    )
    return service


def _run(account, minutes: int, traffic) -> dict:
    """Each minute at :30 the agent posts the minute just ended (``traffic(minute)`` gives
    (good, total) or None), then the minutely job runs. Returns what happened."""
    fired, resolved, firing_at_boundary = [], [], []
    for minute in range(1, minutes + 1):
        now = START + minute * MINUTE + dt.timedelta(seconds=30)
        counts = traffic(minute - 1)
        with time_machine.travel(now, tick=False):
            if counts is not None:
                good, total = counts
                start = START + (minute - 1) * MINUTE
                result = request_counts_ingest(
                    account=account,
                    items=[
                        {
                            "service": "shop/web",
                            "start": start.isoformat(),
                            "end": (start + MINUTE).isoformat(),
                            "good": good,
                            "total": total,
                        }
                    ],
                    now=now,
                )
                assert not result.errors
            totals = slo_minutely_run(now=now)
        if totals["fired"]:
            fired.append(now)
        if totals["resolved"]:
            resolved.append(now)
        if minute % 5 == 0:  # just after a 5-minute boundary: the current slot is empty
            firing_at_boundary.append(
                Alert.objects.filter(account=account, state="firing").exists()
            )
    return {"fired": fired, "resolved": resolved, "at_boundary": firing_at_boundary}


def _notifications(account) -> list[str]:
    rows = OutboxMessage.objects.filter(account=account).order_by("created_at", "id")
    return [row.event_type for row in rows]


def test_a_steady_error_stream_keeps_one_page_alert_firing_across_twelve_boundaries(tenants):
    account = tenants.a
    _setup(account)
    outcome = _run(account, 65, lambda minute: (0, 60))  # 100 % errors, 1 request/s

    assert len(outcome["fired"]) == 1
    assert outcome["resolved"] == []
    assert len(outcome["at_boundary"]) == 13 and all(outcome["at_boundary"])
    (alert,) = Alert.objects.filter(account=account)
    assert (alert.window_key, alert.state) == (PAGE_KEY, "firing")
    assert _notifications(account) == ["slo.alert.firing"]


def test_a_stream_that_stops_resolves_once_and_stays_resolved(tenants):
    account = tenants.a
    _setup(account)
    outcome = _run(account, 65, lambda minute: (0, 60) if minute < 22 else None)

    assert len(outcome["fired"]) == 1
    assert len(outcome["resolved"]) == 1
    # Resolved once no data is left in the short window (the last complete slot included).
    assert START + 22 * MINUTE < outcome["resolved"][0] <= START + 31 * MINUTE
    assert _notifications(account) == ["slo.alert.firing", "slo.alert.resolved"]
    assert Alert.objects.get(account=account).state == "resolved"


def test_a_healthy_stream_never_pages(tenants):
    account = tenants.a
    _setup(account)
    outcome = _run(account, 30, lambda minute: (60, 60))
    assert outcome["fired"] == outcome["resolved"] == []
    assert _notifications(account) == []


def _low_traffic(minute):
    """One failing request every other minute: 30 an hour."""
    return (0, 1) if minute % 2 == 0 else None


def test_low_traffic_above_the_guard_keeps_one_alert_firing(tenants):
    account = tenants.a
    _setup(account, min_events=10)
    outcome = _run(account, 65, _low_traffic)
    assert len(outcome["fired"]) == 1
    assert outcome["resolved"] == []
    assert _notifications(account) == ["slo.alert.firing"]


def test_low_traffic_below_the_guard_never_pages(tenants):
    account = tenants.a
    _setup(account)  # the default guard of 100 requests: 30 an hour never page
    outcome = _run(account, 65, _low_traffic)
    assert outcome["fired"] == outcome["resolved"] == []
    assert _notifications(account) == []
