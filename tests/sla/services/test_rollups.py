"""The rollup unit: 5-minute snapshots, daily rows, idempotency, catch-up, late events,
downtimes, groups, and a crash in the middle."""

import datetime as dt

import pytest
import time_machine

from sla.models import DailyUptime, RollupMark, Service, UptimeSnapshot
from sla.services import rollups as rollups_module
from sla.services.ingest import events_ingest
from sla.services.rollups import account_rollup
from tests.factories import AccountFactory, DowntimeFactory, ServiceGroupFactory
from tests.sla.helpers import (
    SECONDS,
    T0,
    at,
    item,
    stored_daily,
    stored_incidents,
    stored_snapshots,
)

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(hours=1, minutes=2)  # last complete bucket ends at 01:00


@pytest.fixture
def account():
    return AccountFactory(timezone="Europe/Berlin")


def snapshot(account, path, minutes):
    row = UptimeSnapshot.objects.get(account=account, service__path=path, bucket_start=at(minutes))
    return {name.removeprefix("seconds_"): getattr(row, name) for name in SECONDS}


def rollup(account, now=NOW, **kwargs):
    with time_machine.travel(now, tick=False):
        return account_rollup(account=account, **kwargs)


def ingest(account, *items, now=NOW):
    with time_machine.travel(now, tick=False):
        return events_ingest(account=account, items=list(items))


def test_buckets_from_the_first_event_to_the_last_complete_bucket(account):
    ingest(account, item("web", 2, "OK"), item("web", 7, "CRIT"), item("web", 8, "OK"))
    stats = rollup(account)
    rows = UptimeSnapshot.objects.for_account(account)
    assert rows.count() == 12 and stats.snapshots == 12
    assert snapshot(account, "web", 0) == {
        "ok": 180,
        "warn": 0,
        "crit": 0,
        "unknown": 0,
        "unmonitored": 120,
        "downtime": 0,
    }
    assert snapshot(account, "web", 5)["crit"] == 60
    assert snapshot(account, "web", 55)["ok"] == 300
    mark = RollupMark.objects.get(account=account)
    assert mark.rolled_until == at(60) and mark.dirty_from is None and mark.incidents_from is None


def test_rerunning_changes_nothing(account):
    ingest(account, item("web", 0, "WARN"), item("web", 33, "OK"))
    rollup(account)
    before = (stored_snapshots(account), stored_daily(account), stored_incidents(account))
    stats = rollup(account)
    assert stats.snapshots == 0
    assert (stored_snapshots(account), stored_daily(account), stored_incidents(account)) == before


def test_catch_up_after_the_scheduler_was_down_and_only_new_buckets_are_computed(account):
    ingest(account, item("web", 0, "OK"))
    rollup(account)
    stats = rollup(account, now=NOW + dt.timedelta(hours=3))
    assert stats.snapshots == 36  # three hours of new buckets, nothing older
    assert UptimeSnapshot.objects.for_account(account).count() == 48


def test_late_event_re_rolls_its_buckets_and_day(account):
    ingest(account, item("web", 0, "OK"))
    rollup(account)
    ingest(account, item("web", 10, "CRIT"), item("web", 20, "OK"))
    stats = rollup(account)
    assert stats.snapshots == 10  # buckets 00:10 .. 00:55
    assert snapshot(account, "web", 10)["crit"] == 300
    day = DailyUptime.objects.get(account=account, service__path="web")
    assert day.day == dt.date(2024, 3, 4)  # 00:00-01:00 UTC is 01:00-02:00 in Berlin
    assert (day.seconds_ok, day.seconds_crit) == (3000, 600)


def test_daily_rows_follow_the_account_time_zone(account):
    base = dt.datetime(2024, 3, 4, 22, 0, tzinfo=dt.UTC)  # 23:00 Berlin
    ingest(account, item("web", 0, "OK", base=base), now=base + dt.timedelta(hours=3))
    rollup(account, now=base + dt.timedelta(hours=3))
    days = {row.day: row.seconds_ok for row in DailyUptime.objects.for_account(account)}
    assert days == {dt.date(2024, 3, 4): 3600, dt.date(2024, 3, 5): 7200}


def test_downtimes_count_and_changing_them_re_rolls(account):
    ingest(account, item("web", 0, "OK"))
    rollup(account)
    service = Service.objects.get(account=account, path="web")
    downtime = DowntimeFactory(account=account, service=service, start=at(5), end=at(15))
    assert RollupMark.objects.get(account=account).dirty_from == at(5)
    rollup(account)
    assert snapshot(account, "web", 5)["downtime"] == 300
    assert snapshot(account, "web", 5)["ok"] == 300
    downtime.start, downtime.end = at(40), at(42)
    downtime.save()
    rollup(account)
    assert snapshot(account, "web", 5)["downtime"] == 0
    assert snapshot(account, "web", 40)["downtime"] == 120
    downtime.delete()
    rollup(account)
    assert sum(row[-1] for row in stored_snapshots(account)) == 0


def test_group_snapshots_derive_from_members(account):
    group = ServiceGroupFactory(account=account, name="pay", aggregation="worst")
    ingest(account, item("pay/a", 0, "OK"), item("pay/b", 0, "OK"))
    Service.objects.filter(account=account).update(group=group)
    ingest(account, item("pay/a", 10, "WARN"), item("pay/b", 12, "CRIT"), item("pay/b", 14, "OK"))
    rollup(account)
    row = UptimeSnapshot.objects.get(account=account, group=group, bucket_start=at(10))
    assert (row.seconds_warn, row.seconds_crit) == (180, 120)
    assert DailyUptime.objects.filter(account=account, group=group).count() == 1
    group.aggregation = "best"
    group.save()
    rollup(account)
    row.refresh_from_db()
    assert (row.seconds_ok, row.seconds_warn, row.seconds_crit) == (180, 120, 0)


def test_moving_a_service_between_groups_re_derives_both(account):
    old, new = (ServiceGroupFactory(account=account, name=name) for name in ("old", "new"))
    ingest(account, item("svc", 0, "CRIT"), item("other", 0, "OK"))
    Service.objects.filter(account=account, path="other").update(group=old)
    service = Service.objects.get(account=account, path="svc")
    service.group = old
    service.save()
    rollup(account)
    assert UptimeSnapshot.objects.get(group=old, bucket_start=at(0)).seconds_crit == 300
    service.group = new
    service.save()
    rollup(account)
    assert UptimeSnapshot.objects.get(group=old, bucket_start=at(0)).seconds_ok == 300
    assert UptimeSnapshot.objects.get(group=new, bucket_start=at(0)).seconds_crit == 300


def test_deleting_a_member_re_derives_its_group(account):
    group = ServiceGroupFactory(account=account, name="pair")
    ingest(account, item("good", 0, "OK"), item("bad", 0, "CRIT"))
    for service in Service.objects.filter(account=account):
        service.group = group
        service.save()
    rollup(account)
    assert UptimeSnapshot.objects.get(group=group, bucket_start=at(30)).seconds_crit == 300
    Service.objects.get(account=account, path="bad").delete()
    rollup(account)
    assert UptimeSnapshot.objects.get(group=group, bucket_start=at(30)).seconds_ok == 300


def test_a_crash_between_chunks_then_a_rerun_gives_identical_rows(account, monkeypatch):
    items = [item(f"svc/{n}", n, "OK") for n in range(6)]
    items += [item(f"svc/{n}", 20 + n, "CRIT") for n in range(6)]
    ingest(account, *items)
    reference_account = AccountFactory(timezone="Europe/Berlin")
    ingest(reference_account, *items)
    rollup(reference_account)
    calls = {"count": 0}
    original = rollups_module._roll_services

    def crash_on_third_chunk(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 3:
            raise RuntimeError("worker killed")
        return original(*args, **kwargs)

    monkeypatch.setattr(rollups_module, "_roll_services", crash_on_third_chunk)
    with pytest.raises(RuntimeError):
        rollup(account, chunk_size=2)
    assert 0 < UptimeSnapshot.objects.for_account(account).count() < 72
    monkeypatch.setattr(rollups_module, "_roll_services", original)
    rollup(account, chunk_size=2)
    for table in (stored_snapshots, stored_daily, stored_incidents):
        assert table(account) == table(reference_account)


def test_snapshots_reach_back_at_most_the_configured_days(account, settings):
    settings.SLA_SNAPSHOT_MAX_DAYS = 1
    ingest(account, item("web", -3 * 24 * 60, "OK"))
    rollup(account)
    first = UptimeSnapshot.objects.for_account(account).order_by("bucket_start").first()
    assert first.bucket_start == at(-23 * 60)


def test_deadline_stops_between_chunks_and_the_rest_follows(account):
    ingest(account, *[item(f"svc/{n}", 0, "OK") for n in range(4)])
    stats = rollup(account, chunk_size=1, deadline=0)
    assert not stats.complete and UptimeSnapshot.objects.count() == 0
    assert rollup(account, chunk_size=1).complete
    assert UptimeSnapshot.objects.for_account(account).count() == 48
