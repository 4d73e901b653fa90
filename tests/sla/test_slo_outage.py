"""A generated history with an outage: the page alert fires when the window arithmetic
says (within the workbook's 0.864 minutes), one signed webhook goes out, and the alert
resolves once."""

import datetime as dt
from fractions import Fraction

import pytest
import time_machine

from reporting.services.notifications import outbox_process_due
from sla.engine.budget import HOUR, THIRTY_DAYS, detection_seconds
from sla.models import Alert, StatusEvent
from sla.selectors.slo_windows import slot_end
from sla.signals import status_history_changed
from sla.slo_tasks import slo_minutely_run
from tests.factories import ServiceFactory, SLOFactory, WebhookEndpointFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OUTAGE_START = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
OUTAGE = dt.timedelta(minutes=2)  # long enough for 14.4x over 1 h, too short for 6x over 6 h
STEP = dt.timedelta(seconds=10)


def _event(account, service, at, state):
    StatusEvent.objects.create(
        account=account, service=service, at=at, state=state, dedup_key=f"{at}:{state}"
    )
    status_history_changed.send(sender=None, account=account, changes={service.pk: at})


def expected_page_detection(target=Fraction(999, 10), threshold=Fraction(144, 10)):
    """The first evaluation instant at which both 1 h and 5 m windows burn at >= 14.4x.

    Windows end at the end of the current 5-minute slot and hold data up to `now`, so at
    `now` the 1 h window considers 3600 s minus the rest of the current slot.
    """
    allowed = 1 - target / 100
    now = OUTAGE_START
    while True:
        now += STEP
        bad = Fraction(int((now - OUTAGE_START).total_seconds()))
        unseen = Fraction(int((slot_end(now) - now).total_seconds()))
        long_burn = bad / (HOUR - unseen) / allowed
        short_considered = 300 - unseen
        short_burn = min(bad, short_considered) / short_considered / allowed
        if long_burn >= threshold and short_burn >= threshold:
            return now


def test_outage_pages_once_within_the_workbook_detection_time(tenants, receiver):
    account = tenants.a
    service = ServiceFactory(account=account, path="payment/api")
    WebhookEndpointFactory(account=account, url=receiver.url, secret=receiver.secret)
    SLOFactory(account=account, service=service, target=99.9, window_days=30)
    _event(account, service, OUTAGE_START - dt.timedelta(days=40), "OK")

    now = OUTAGE_START - dt.timedelta(minutes=10)
    fired_at = resolved_at = None
    while now <= OUTAGE_START + dt.timedelta(minutes=30):
        with time_machine.travel(now, tick=False):
            if now == OUTAGE_START:
                _event(account, service, OUTAGE_START, "CRIT")
            if now == OUTAGE_START + OUTAGE:
                _event(account, service, OUTAGE_START + OUTAGE, "OK")
            totals = slo_minutely_run(now=now)
            outbox_process_due(now=now)
        if totals["fired"]:
            assert fired_at is None, "fired twice"
            fired_at = now
        if totals["resolved"]:
            assert resolved_at is None, "resolved twice"
            resolved_at = now
        now += STEP

    workbook = detection_seconds(error_rate=1, target=99.9, threshold=14.4, long_seconds=HOUR)
    assert workbook == Fraction(5184, 100)  # 0.864 minutes
    assert fired_at == expected_page_detection()
    assert (fired_at - OUTAGE_START).total_seconds() <= workbook
    # The 5 m window clears once the slot after the outage holds data: at 12:05:00 it
    # holds none yet, so the window is still the last complete slot (the outage's).
    assert resolved_at == dt.datetime(2026, 11, 10, 12, 5, tzinfo=dt.UTC) + STEP

    alert = Alert.objects.get()
    assert (alert.severity, alert.long_window_seconds, alert.short_window_seconds) == (
        "page",
        3600,
        300,
    )
    assert alert.state == "resolved" and alert.threshold == pytest.approx(14.4)
    types = [item.json["type"] for item in receiver.accepted]
    assert types == ["slo.alert.firing", "slo.alert.resolved"]
    assert all(item.signature_ok for item in receiver.requests)
    firing = receiver.accepted[0]
    assert firing.headers["x-sla-event-id"] == firing.json["id"]
    assert firing.json["data"]["slo"]["service"] == "payment/api"
    assert THIRTY_DAYS == 30 * 86400


def test_low_traffic_guard_counts_considered_seconds_for_time_slis(tenants):
    """The guard is `min_events` considered *seconds* (default 100) for time SLIs: a service
    monitored for only 60 s, all of it CRIT, burns at 1000x yet must not page; once it has
    been monitored for more than 100 s it does."""
    account = tenants.a
    service = ServiceFactory(account=account, path="new/service")
    slo = SLOFactory(account=account, service=service, target=99.9, window_days=30)
    first = OUTAGE_START
    _event(account, service, first, "CRIT")
    with time_machine.travel(first + dt.timedelta(seconds=60), tick=False):
        slo_minutely_run()
    assert not Alert.objects.filter(slo=slo).exists(), "60 considered seconds: below the guard"
    with time_machine.travel(first + dt.timedelta(seconds=150), tick=False):
        slo_minutely_run()
    assert Alert.objects.filter(slo=slo, severity="page").exists(), "150 s: above the guard"
