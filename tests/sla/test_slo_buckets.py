"""SLO buckets: window decomposition, time SLIs through the engine (time periods,
downtimes, groups), dirty marking, and SLA level-change notifications."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.models import OutboxMessage
from sla.engine import Event
from sla.models import SLO, ServiceGroup
from sla.selectors.groups import group_events_from_members
from sla.selectors.slo import window_sums
from sla.selectors.slo_windows import SLOT, decompose, slo_window
from sla.services.slo_buckets import slo_buckets_refresh
from sla.signals import sla_state_changed, status_history_changed
from tests.factories import (
    DowntimeFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    SLOFactory,
    StatusEventFactory,
    TimePeriodFactory,
)

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # a Friday
BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
US = 1_000_000


@settings(deadline=None)  # walks up to 20,000 slots: no timing limit in the suite
@given(
    start=st.integers(min_value=0, max_value=20000),
    length=st.integers(min_value=0, max_value=20000),
)
def test_decomposition_covers_the_range_exactly(start, length):
    first = BASE + start * SLOT
    last = first + length * SLOT
    pieces = decompose(first, last)
    covered = set()
    for day_start, day_end in pieces.days:
        slot = day_start
        while slot < day_end:
            covered.add(slot)
            slot += SLOT
    for hour_start, hour_end in pieces.hours:
        slot = hour_start
        while slot < hour_end:
            assert slot not in covered
            covered.add(slot)
            slot += SLOT
    for hour, begin, end in pieces.partial:
        for index in range(begin, end):
            assert hour + index * SLOT not in covered
            covered.add(hour + index * SLOT)
    assert covered == {first + index * SLOT for index in range(length)}


def test_group_events_worst_best_and_k_of_n():
    """SLO group buckets use the shared group derivation (sla.engine.groups)."""
    t = [BASE + dt.timedelta(minutes=m) for m in range(4)]
    members = [[Event(t[0], "OK"), Event(t[2], "CRIT")], [Event(t[1], "WARN"), Event(t[3], "OK")]]

    def derived(aggregation, k=None):
        group = ServiceGroup(name="g", aggregation=aggregation, k=k)
        events = group_events_from_members(
            group=group, member_events=members, start=t[0], end=t[3] + dt.timedelta(minutes=1)
        )
        return [(event.at, event.state) for event in events]

    assert derived("worst") == [(t[0], "OK"), (t[1], "WARN"), (t[2], "CRIT")]
    assert derived("best") == [(t[0], "OK"), (t[2], "WARN"), (t[3], "OK")]
    assert derived("k_of_n", k=2) == [(t[0], "CRIT")]


def _sums(account, slo, start, end):
    return (
        window_sums(account=account, ranges={"w": (start, end)}, slo_ids=[slo.pk])
        .get(slo.pk, {})
        .get("w", (0, 0))
    )


@pytest.mark.django_db
def test_time_slo_honours_time_period_and_downtimes(tenants):
    account = tenants.a
    service = ServiceFactory(account=account)
    StatusEventFactory(account=account, service=service, at=NOW - dt.timedelta(days=10))
    # Thursday 19 Nov: CRIT 09:00-10:00 (inside business hours), 20:00-21:00 (outside).
    thursday = dt.datetime(2026, 11, 19, tzinfo=dt.UTC)
    for hour, state in ((9, "CRIT"), (10, "OK"), (20, "CRIT"), (21, "OK")):
        StatusEventFactory(
            account=account, service=service, at=thursday + dt.timedelta(hours=hour), state=state
        )
    DowntimeFactory(
        account=account,
        service=service,
        start=thursday + dt.timedelta(hours=9, minutes=30),
        end=thursday + dt.timedelta(hours=10),
    )
    hours = TimePeriodFactory(account=account, definition={"thursday": ["08:00-18:00"]})
    slo = SLOFactory(account=account, service=service, time_period=hours)
    plain = SLOFactory(account=account, service=service, options={"downtimes": "ignore"})
    slo_buckets_refresh(account=account, now=NOW)
    day = (thursday, thursday + dt.timedelta(days=1))
    good, total = _sums(account, slo, *day)
    assert total == 10 * 3600 * US and good == (10 * 3600 - 1800) * US
    good, total = _sums(account, plain, *day)
    assert total == 86400 * US and good == (86400 - 7200) * US


@pytest.mark.django_db
def test_group_slo_and_late_events_recompute(tenants):
    account = tenants.a
    group = ServiceGroupFactory(account=account)
    first = ServiceFactory(account=account, group=group)
    second = ServiceFactory(account=account, group=group)
    start = NOW - dt.timedelta(days=5)
    StatusEventFactory(account=account, service=first, at=start)
    StatusEventFactory(account=account, service=second, at=start)
    slo = SLOFactory(account=account, service=None, group=group)
    slo_buckets_refresh(account=account, now=NOW)
    window = (NOW - dt.timedelta(days=2), NOW)
    assert _sums(account, slo, *window) == (2 * 86400 * US, 2 * 86400 * US)
    # A late event for one member (a day ago) marks the group SLO dirty.
    late = NOW - dt.timedelta(days=1)
    StatusEventFactory(account=account, service=second, at=late, state="CRIT")
    StatusEventFactory(account=account, service=second, at=late + dt.timedelta(minutes=10))
    status_history_changed.send(sender=None, account=account, changes={second.pk: late})
    assert SLO.objects.get(pk=slo.pk).buckets_dirty_from == late
    slo_buckets_refresh(account=account, now=NOW + dt.timedelta(minutes=1))
    good, total = _sums(account, slo, *window)
    assert total == 2 * 86400 * US and good == (2 * 86400 - 600) * US
    assert SLO.objects.get(pk=slo.pk).buckets_dirty_from is None


@pytest.mark.django_db
def test_history_change_of_many_services_marks_each_slo_from_its_own_instant(tenants):
    account = tenants.a
    group = ServiceGroupFactory(account=account)
    first = ServiceFactory(account=account, group=group)
    second = ServiceFactory(account=account, group=group)
    alone = ServiceFactory(account=account)
    quiet = ServiceFactory(account=account)
    first_slo = SLOFactory(account=account, service=first)
    alone_slo = SLOFactory(account=account, service=alone)
    group_slo = SLOFactory(account=account, service=None, group=group)
    quiet_slo = SLOFactory(account=account, service=quiet)
    requests_slo = SLOFactory(account=account, service=second, sli_kind="requests")
    earlier = NOW - dt.timedelta(hours=3)
    SLO.objects.filter(pk=alone_slo.pk).update(buckets_dirty_from=earlier)
    other = SLOFactory(account=tenants.b, service=ServiceFactory(account=tenants.b))
    changes = {
        first.pk: NOW - dt.timedelta(hours=2),
        second.pk: NOW - dt.timedelta(hours=5),
        alone.pk: NOW - dt.timedelta(hours=1),
        other.service_id: NOW - dt.timedelta(hours=9),  # another account's id: ignored
    }
    status_history_changed.send(sender=None, account=account, changes=changes)
    dirty = dict(SLO.objects.values_list("pk", "buckets_dirty_from"))
    assert dirty[first_slo.pk] == NOW - dt.timedelta(hours=2)
    assert dirty[group_slo.pk] == NOW - dt.timedelta(hours=5)  # its earliest member change
    assert dirty[alone_slo.pk] == earlier  # already dirty from earlier: kept
    assert dirty[quiet_slo.pk] is None
    assert dirty[requests_slo.pk] is None  # request SLIs do not follow status history
    assert dirty[other.pk] is None


@pytest.mark.django_db
def test_calendar_window_starts_at_local_month_start(tenants):
    slo = SLOFactory(
        account=tenants.a, window_kind="calendar", calendar_unit="month", timezone="Asia/Kolkata"
    )
    window = slo_window(slo, NOW)
    assert window.start == dt.datetime(2026, 10, 31, 18, 30, tzinfo=dt.UTC)
    assert window.seconds == 30 * 86400


@pytest.mark.django_db
def test_sla_level_change_is_notified_once(tenants):
    account = tenants.a
    sla = SLADefinitionFactory(account=account)
    service = ServiceFactory(account=account, path="payment/api")
    period = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for old, new in (("OK", "WARN"), ("OK", "WARN"), ("WARN", "BROKEN"), (None, "OK")):
        sla_state_changed.send(
            sender=None,
            account=account,
            sla=sla,
            service=service,
            group=None,
            period_start=period,
            old_state=old,
            new_state=new,
        )
    messages = OutboxMessage.objects.filter(event_type="sla.level_changed").order_by("pk")
    assert [(m.payload["old_state"], m.payload["new_state"]) for m in messages] == [
        ("OK", "WARN"),
        ("WARN", "BROKEN"),
    ]
    assert messages[0].payload["service"] == "payment/api"


@pytest.mark.django_db
def test_minutely_job_skips_accounts_without_the_sla_feature(tenants):
    from sla.slo_tasks import slo_minutely_run

    SLOFactory(account=tenants.a)
    SLOFactory(account=tenants.b)
    tenants.b.feature_sla = False
    tenants.b.save()
    totals = slo_minutely_run(now=NOW)
    assert totals["accounts"] == 1 and totals["slos"] == 1
    assert SLO.objects.get(account=tenants.a).buckets_computed_to == NOW
    assert SLO.objects.get(account=tenants.b).buckets_computed_to is None
