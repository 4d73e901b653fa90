"""Retention (sla.services.retention): each kind pruned past its horizon and kept inside
it, what an open window, a report, a recompute or an unfinished delivery needs kept,
bounded batches, two accounts, and the daily job."""

import datetime as dt

import pytest
import time_machine

from reporting.models import Delivery, DeliveryStatus, OutboxMessage
from sla import tasks
from sla.models import (
    SLO,
    DailyUptime,
    RequestCount,
    Service,
    SLODayBucket,
    SLOHourBucket,
    StatusEvent,
    UptimeSnapshot,
)
from sla.services.ingest import events_ingest
from sla.services.retention import Budget, account_retention, delete_in_batches
from sla.services.rollups import account_rollup
from sla.services.slo_buckets import recompute_start, slo_buckets_refresh
from tests.factories import (
    AccountFactory,
    DailyUptimeFactory,
    DeliveryFactory,
    OutboxMessageFactory,
    RequestCountFactory,
    ServiceFactory,
    SLODayBucketFactory,
    SLOFactory,
    SLOHourBucketFactory,
    UptimeSnapshotFactory,
)
from tests.sla.helpers import stored_daily

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 7, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def accounts():
    return (
        AccountFactory(slug="berlin", timezone="Europe/Berlin"),
        AccountFactory(slug="newyork", timezone="America/New_York"),
    )


def prune(account, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return account_retention(account=account, now=NOW, **kwargs)


# --------------------------------------------------------------------------- snapshots


def _hourly_snapshots(account, first: dt.datetime, last: dt.datetime):
    service = ServiceFactory(account=account)
    DailyUptimeFactory(account=account, service=service, day=dt.date(2026, 11, 9))
    instant = first
    while instant <= last:
        UptimeSnapshotFactory(account=account, service=service, bucket_start=instant)
        instant += HOUR


def _snapshot_starts(account) -> list[dt.datetime]:
    rows = UptimeSnapshot.objects.for_account(account).order_by("bucket_start")
    return list(rows.values_list("bucket_start", flat=True))


def test_snapshots_go_before_the_account_local_day_of_the_horizon(accounts, settings):
    settings.SLA_SNAPSHOT_MAX_DAYS = 10  # horizon 2026-11-10 12:05 UTC
    berlin, new_york = accounts
    for account in accounts:
        _hourly_snapshots(account, utc("2026-11-08 00:00"), utc("2026-11-12 00:00"))
    stats = prune(berlin)
    # Berlin's 2026-11-10 starts at 2026-11-09 23:00 UTC; New York is not touched.
    assert stats.snapshots == 47 and stats.complete
    assert _snapshot_starts(berlin)[0] == utc("2026-11-09 23:00")
    assert _snapshot_starts(new_york)[0] == utc("2026-11-08 00:00")
    prune(new_york)  # its 2026-11-10 starts at 05:00 UTC
    assert _snapshot_starts(new_york)[0] == utc("2026-11-10 05:00")
    assert _snapshot_starts(berlin)[-1] == _snapshot_starts(new_york)[-1] == utc("2026-11-12")
    assert DailyUptime.objects.count() == 2  # daily rows stay


def _history(account) -> None:
    items = [{"service": "web", "at": (NOW - 6 * DAY).isoformat(), "state": "OK"}]
    for hours in range(5, 140, 7):
        at = NOW - 6 * DAY + hours * HOUR
        items.append({"service": "web", "at": at.isoformat(), "state": "CRIT"})
        back = at + dt.timedelta(minutes=17)
        items.append({"service": "web", "at": back.isoformat(), "state": "OK"})
    with time_machine.travel(NOW, tick=False):
        events_ingest(account=account, items=items)
    for now in (NOW - 2 * DAY, NOW):
        with time_machine.travel(now, tick=False):
            account_rollup(account=account, now=now)


def test_a_late_event_before_the_horizon_gives_the_daily_rows_of_no_pruning(settings):
    """The day holding the horizon keeps its buckets, so recomputing it after a late event
    sums the same buckets as an account that never pruned."""
    settings.SLA_SNAPSHOT_MAX_DAYS = 3
    pruned, kept = (
        AccountFactory(timezone="Europe/Berlin"),
        AccountFactory(timezone="Europe/Berlin"),
    )
    for account in (pruned, kept):
        _history(account)
    assert prune(pruned).snapshots > 0
    late = [{"service": "web", "at": (NOW - 4 * DAY).isoformat(), "state": "WARN"}]
    for account in (pruned, kept):
        with time_machine.travel(NOW, tick=False):
            events_ingest(account=account, items=late)
            account_rollup(account=account, now=NOW)
    assert stored_daily(pruned) == stored_daily(kept)
    assert StatusEvent.objects.for_account(pruned).count() == 42  # raw events are kept


# --------------------------------------------------------------------------- SLO hours


def _hours(account, slo, days: list[str], with_day_rows: bool = True) -> None:
    for day in days:
        day_start = utc(f"{day} 00:00")
        for hour in (0, 14, 15, 23):
            SLOHourBucketFactory(
                account=account, slo=slo, hour_start=day_start + hour * HOUR, day_start=day_start
            )
        if with_day_rows:
            SLODayBucketFactory(account=account, slo=slo, day_start=day_start, good=40, total=40)


def _hour_days(slo) -> list[str]:
    rows = SLOHourBucket.objects.filter(slo=slo).order_by("day_start")
    return sorted({row.day_start.date().isoformat() for row in rows})


def test_slo_hours_go_after_their_horizon_and_what_windows_and_charts_read_stays(
    accounts, settings
):
    settings.SLA_SLO_HOUR_RETENTION_DAYS = 35
    account, other = accounts
    days = ["2026-09-18", "2026-09-19", "2026-09-20", "2026-10-14", "2026-10-15", "2026-11-19"]
    month = SLOFactory(account=account, window_days=30)
    week = SLOFactory(account=account, window_days=7)
    others = SLOFactory(account=other, window_days=7)
    for slo in (month, week, others):
        _hours(slo.account, slo, days)
    _hours(account, week, ["2026-09-01"], with_day_rows=False)
    stats = prune(account)
    # 30 days: its burn-down's first window starts 60 days back (2026-09-21): kept from
    # the day before. 7 days: the 35 days of retention (2026-10-16), a day of margin.
    assert _hour_days(month) == days[2:]
    assert _hour_days(week) == ["2026-09-01", "2026-10-15", "2026-11-19"]  # no day row: kept
    assert _hour_days(others) == sorted(days)
    assert stats.slo_hours == 4 * (2 + 4)
    assert SLODayBucket.objects.count() == 3 * len(days)  # day rows stay


def test_calendar_slo_hours_on_window_edges_stay_for_reports(accounts, settings):
    settings.SLA_SLO_HOUR_RETENTION_DAYS = 35
    account = accounts[0]
    slo = SLOFactory(
        account=account,
        window_kind="calendar",
        window_days=None,
        calendar_unit="month",
        timezone="Asia/Tokyo",
    )
    days = ["2026-06-29", "2026-06-30", "2026-07-01", "2026-07-29", "2026-07-30"]
    _hours(account, slo, days)
    prune(account)
    # Tokyo months start at 15:00 UTC the day before (2026-06-30, 2026-07-31); its
    # burn-down reaches back to the window of 92 days ago (from 2026-07-31 15:00).
    assert _hour_days(slo) == ["2026-06-30", "2026-07-30"]


def test_a_recompute_starting_in_a_pruned_day_starts_at_the_day(settings):
    settings.SLA_SLO_HOUR_RETENTION_DAYS = 35
    slo = SLOFactory(buckets_computed_to=NOW - DAY, buckets_dirty_from=utc("2026-10-01 05:13"))
    assert recompute_start(slo, NOW) == utc("2026-10-01 00:00")
    slo.buckets_dirty_from = utc("2026-11-01 05:13")  # inside the retention: its slot
    assert recompute_start(slo, NOW) == utc("2026-11-01 05:10")


# --------------------------------------------------------------------------- outbox


def _message(account, created: dt.datetime, *deliveries: dict) -> OutboxMessage:
    with time_machine.travel(created, tick=False):
        message = OutboxMessageFactory(account=account)
    for fields in deliveries:
        DeliveryFactory(account=account, message=message, **fields)
    return message


def test_outbox_messages_go_once_every_delivery_finished_long_enough_ago(accounts):
    account, other = accounts
    old, recent = NOW - 45 * DAY, NOW - 3 * DAY
    delivered = {"status": DeliveryStatus.DELIVERED, "delivered_at": old, "last_attempt_at": old}
    failed = {"status": DeliveryStatus.FAILED, "last_attempt_at": old, "attempts": 6}
    retrying = {"status": DeliveryStatus.PENDING, "attempts": 3, "last_attempt_at": old}
    gone = [
        _message(account, old, delivered),
        _message(account, old, delivered, failed),
        _message(account, old),  # no target wanted it
    ]
    kept = [
        _message(account, old, delivered, retrying),
        _message(account, old, {"status": DeliveryStatus.PENDING}),
        _message(account, old, {**delivered, "delivered_at": recent}),
        _message(account, old, {**failed, "last_attempt_at": recent}),
        _message(account, recent),
        _message(other, old, delivered),
    ]
    stats = prune(account)
    assert stats.outbox_messages == 3
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert remaining == {message.pk for message in kept}
    assert not Delivery.objects.filter(message_id__in=[message.pk for message in gone]).exists()
    prune(other)
    assert not OutboxMessage.objects.filter(account=other).exists()


# --------------------------------------------------------------------------- batches, job


def test_batches_are_bounded_and_a_spent_budget_stops_between_them(accounts):
    account = accounts[0]
    for _ in range(5):
        _message(account, NOW - 40 * DAY)
    rows = OutboxMessage.objects.for_account(account)
    calls = []
    budget = Budget(between_batches=lambda: calls.append(1))
    assert delete_in_batches(rows, budget=budget, batch_size=2) == 5
    assert calls == [1, 1, 1]  # 2 + 2 + 1 rows, one transaction each
    _message(account, NOW - 40 * DAY)
    stats = prune(account, budget=Budget(deadline=0.0))
    assert not stats.complete and stats.outbox_messages == 0
    assert prune(account).outbox_messages == 1


def test_the_daily_job_prunes_every_account(accounts, settings, eager):
    settings.SLA_SNAPSHOT_MAX_DAYS = 10
    for account in accounts:
        _hourly_snapshots(account, utc("2026-11-01 00:00"), utc("2026-11-12 00:00"))
        _message(account, NOW - 40 * DAY)
    with time_machine.travel(NOW, tick=False):
        assert tasks.retention_dispatch.apply().get() == {"accounts": 2, "failed": 0}
    assert not OutboxMessage.objects.exists()
    for account in accounts:
        assert _snapshot_starts(account)[0] >= utc("2026-11-09 23:00")


# --------------------------------------------------------------------------- SLO history


def _history_rows(account, slo, first_day: dt.datetime, days: int) -> dict:
    """Hour rows with distinct values and their day rows; returns hour -> (good, total)."""
    hourly = {}
    for index in range(days * 24):
        hour = first_day + index * HOUR
        hourly[hour] = (index % 7, 10 + index % 5)
        SLOHourBucketFactory(
            account=account,
            slo=slo,
            hour_start=hour,
            day_start=hour.replace(hour=0),
            good=hourly[hour][0],
            total=hourly[hour][1],
        )
    for day in range(days):
        day_start = first_day + day * DAY
        good = sum(hourly[day_start + hour * HOUR][0] for hour in range(24))
        total = sum(hourly[day_start + hour * HOUR][1] for hour in range(24))
        SLODayBucketFactory(account=account, slo=slo, day_start=day_start, good=good, total=total)
    return hourly


def _brute(hourly: dict, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    rows = [value for hour, value in hourly.items() if start <= hour < end]
    return sum(row[0] for row in rows), sum(row[1] for row in rows)


def test_history_sums_equal_the_hour_rows_and_round_pruned_edges_to_days(accounts):
    from sla.selectors.slo_history import HistorySums

    account = accounts[0]
    slo = SLOFactory(account=account)
    first = utc("2026-10-01 00:00")
    hourly = _history_rows(account, slo, first, 6)
    sums = HistorySums(account=account, slo=slo, start=first, end=first + 6 * DAY)
    for start_hour in range(0, 6 * 24, 5):
        for length in (1, 7, 23, 24, 25, 49, 100):
            start = first + start_hour * HOUR
            end = min(start + length * HOUR, first + 6 * DAY)
            assert sums.window(start, end) == _brute(hourly, start, end), (start, end)
    SLOHourBucket.objects.filter(slo=slo, day_start=first + DAY).delete()  # pruned
    sums = HistorySums(account=account, slo=slo, start=first, end=first + 6 * DAY)
    whole_day = _brute(hourly, first + DAY, first + 2 * DAY)
    later = _brute(hourly, first + 2 * DAY, first + 4 * DAY)
    # An edge covering 18 of the pruned day's hours counts the day whole; 6 hours: nothing.
    start = first + DAY + 6 * HOUR
    assert sums.window(start, first + 4 * DAY) == tuple(
        a + b for a, b in zip(whole_day, later, strict=True)
    )
    assert sums.window(first + DAY + 18 * HOUR, first + 4 * DAY) == later
    assert sums.window(first, first + 3 * DAY) == _brute(hourly, first, first + 3 * DAY)


def _slo_history(account) -> SLO:
    start = NOW - 80 * DAY
    items = [{"service": "web", "at": start.isoformat(), "state": "OK"}]
    for hours in range(7, 80 * 24, 31):
        at = start + hours * HOUR
        items.append({"service": "web", "at": at.isoformat(), "state": "CRIT"})
        back = at + dt.timedelta(minutes=23)
        items.append({"service": "web", "at": back.isoformat(), "state": "OK"})
    with time_machine.travel(NOW, tick=False):
        events_ingest(account=account, items=items)
    slo = SLOFactory(account=account, service=Service.objects.get(account=account), window_days=7)
    for now in (NOW - 66 * DAY, NOW):
        with time_machine.travel(now, tick=False):
            slo_buckets_refresh(account=account, now=now)
    return slo


def _slo_rows(slo) -> tuple[list, list]:
    days = SLODayBucket.objects.filter(slo=slo).order_by("day_start")
    hours = SLOHourBucket.objects.filter(slo=slo, hour_start__gte=NOW - 30 * DAY)
    return (
        list(days.values_list("day_start", "good", "total")),
        list(hours.order_by("hour_start").values_list("hour_start", "good", "total")),
    )


def test_a_late_event_in_a_pruned_day_gives_the_slo_rows_of_no_pruning(accounts, settings):
    """The recompute starts at the pruned day's midnight, so its day row is summed from
    hours that are all recomputed: the same rows as an account that never pruned."""
    settings.SLA_SLO_HOUR_RETENTION_DAYS = 35
    pruned_slo, kept_slo = (_slo_history(account) for account in accounts)
    assert prune(accounts[0]).slo_hours > 0
    late = NOW - 45 * DAY + dt.timedelta(hours=5, minutes=13)
    for account in accounts:
        with time_machine.travel(NOW, tick=False):
            events_ingest(
                account=account, items=[{"service": "web", "at": late.isoformat(), "state": "CRIT"}]
            )
            slo_buckets_refresh(account=account, now=NOW)
    assert _slo_rows(pruned_slo) == _slo_rows(kept_slo)
    assert len(_slo_rows(pruned_slo)[0]) == 81


# --------------------------------------------------------------------------- request counts


def test_request_counts_are_kept_unless_configured_and_never_what_a_recompute_reads(
    accounts, settings
):
    for account in accounts:
        service = ServiceFactory(account=account)
        for days in (500, 420, 402, 399, 1):
            start = NOW.replace(minute=0) - days * DAY
            RequestCountFactory(account=account, service=service, start=start, end=start + HOUR)

    def ages(account) -> list[int]:
        rows = RequestCount.objects.for_account(account).order_by("start")
        return [(NOW - row.start).days for row in rows]

    account, other = accounts
    assert prune(account).request_counts == 0  # default: raw counts are kept
    settings.SLA_REQUEST_COUNT_RETENTION_DAYS = 450
    assert prune(account).request_counts == 1
    settings.SLA_REQUEST_COUNT_RETENTION_DAYS = 30  # at least 401 days are kept
    assert prune(account).request_counts == 2
    assert ages(account) == [399, 1]
    assert ages(other) == [500, 420, 402, 399, 1]
    settings.SLA_REQUEST_COUNTS_MAX_AGE_DAYS = 410  # counts an ingest may still replace
    prune(other)
    assert ages(other) == [402, 399, 1]


def test_a_long_walk_over_subjects_with_nothing_to_remove_still_extends_its_lock(
    accounts, monkeypatch
):
    from sla.services import retention

    monkeypatch.setattr(retention, "IDLE_CALL_SECONDS", -1)
    for _ in range(3):
        ServiceFactory(account=accounts[0])
    calls = []
    prune(accounts[0], budget=Budget(between_batches=lambda: calls.append(1)))
    assert len(calls) >= 3  # once per service at least, though nothing was removed
