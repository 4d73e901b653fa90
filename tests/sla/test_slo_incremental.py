"""The SLO job's per-minute advance starts at the 5-minute slot of the last computed
instant and keeps the hour's earlier slots as stored, for SLIs whose every instant's class
depends only on what is in force then (sla.services.slo_buckets.slot_exact). Driven the
way the beat drives it (events and request counts arriving minute by minute, some late,
the job run after each arrival), every SLO's hour and day rows must equal a clean
rebuild: a second account given everything at once and refreshed once."""

import datetime as dt
import math
import random

import pytest
import time_machine

from sla.models import SLO, Service
from sla.services.ingest import events_ingest
from sla.services.request_counts import request_counts_ingest
from sla.services.slo_buckets import recompute_start, slo_buckets_refresh, slot_exact
from tests.factories import AccountFactory, DowntimeFactory, ServiceGroupFactory, SLOFactory
from tests.sla.derived_rows import derived_rows
from tests.sla.helpers import T0, at, iso, item

pytestmark = pytest.mark.django_db

START = T0 + dt.timedelta(hours=9, minutes=32)  # the advance crosses two hour starts
STATES = ["OK", "OK", "OK", "WARN", "CRIT", "UNKNOWN"]
PATHS = ["shop/web", "shop/db"]
MINUTES = 100


def setup_account():
    """Two services in a worst-of group, an SLO per SLI kind that may start inside an hour,
    a downtime over part of the run."""
    account = AccountFactory()
    group = ServiceGroupFactory(account=account, name="shop", aggregation="worst")
    with time_machine.travel(START, tick=False):
        events_ingest(account=account, items=[item(path, 9 * 60, "OK") for path in PATHS])
    Service.objects.filter(account=account).update(group=group)
    web = Service.objects.get(account=account, path="shop/web")
    DowntimeFactory(account=account, service=web, start=at(9 * 60 + 40), end=at(9 * 60 + 57))
    SLOFactory(account=account, name="web up", service=web, window_days=7)
    SLOFactory(account=account, name="shop up", service=None, group=group, window_days=7)
    SLOFactory(
        account=account, name="web ok", service=web, window_days=7, options={"warn_as": "OK"}
    )
    SLOFactory(account=account, name="web requests", service=web, sli_kind="requests")
    return account


def arrivals(seed: int) -> list[tuple[float, list[dict], list[dict]]]:
    """(minute the batch arrives, its events, its request counts): events at random
    instants, a fifth of them late by up to 20 minutes; a count per service and minute
    once the minute has ended, some sent again with new figures later."""
    rng = random.Random(seed)
    batches: dict[float, tuple[list, list]] = {}

    def arriving(minute: float) -> tuple[list, list]:
        return batches.setdefault(float(math.ceil(minute)), ([], []))  # at a whole minute

    for _ in range(80):
        happened = 9 * 60 + 32 + rng.uniform(0, MINUTES)
        late = rng.uniform(0, 20) if rng.random() < 0.2 else 0
        state = rng.choice(STATES)
        arriving(happened + late)[0].append(item(rng.choice(PATHS), happened, state))
    for minute in range(9 * 60 + 32, 9 * 60 + 32 + MINUTES):
        for path in PATHS:
            total = rng.randint(0, 50)
            count = {"service": path, "start": iso(at(minute)), "end": iso(at(minute + 1))}
            count.update(total=total, good=rng.randint(0, total))
            sent = minute + 1 + (rng.uniform(0, 10) if rng.random() < 0.1 else 0)
            arriving(sent)[1].append(count)
            if rng.random() < 0.1:
                again = dict(count, good=rng.randint(0, total))
                arriving(sent + rng.uniform(1, 8))[1].append(again)
    return sorted((minute, *batch) for minute, batch in batches.items())


def deliver(account, events: list[dict], counts: list[dict], now: dt.datetime) -> None:
    with time_machine.travel(now, tick=False):
        if events:
            assert events_ingest(account=account, items=events).rejected == 0
        if counts:
            assert not request_counts_ingest(account=account, items=counts, now=now).errors


def slo_rows(account) -> dict[str, list[tuple]]:
    rows = derived_rows(account)
    return {"slo_hours": rows["slo_hours"], "slo_days": rows["slo_days"]}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_advance_from_inside_an_hour_equals_a_clean_rebuild(seed):
    advanced, rebuilt = setup_account(), setup_account()
    batches = arrivals(seed)
    rng = random.Random(seed)
    starts_inside_an_hour = 0
    for minute, events, counts in batches:
        now = at(minute)
        deliver(advanced, events, counts, now)
        if rng.random() < 0.5:  # the job runs about every other arrival
            slos = list(SLO.objects.filter(account=advanced).select_related("group", "service"))
            starts_inside_an_hour += sum(
                recompute_start(slo, now).minute != 0 for slo in slos if slo.buckets_computed_to
            )
            slo_buckets_refresh(account=advanced, now=now)
    end = at(batches[-1][0] + 1)
    slo_buckets_refresh(account=advanced, now=end)
    for _, events, counts in batches:
        deliver(rebuilt, events, counts, end)
    slo_buckets_refresh(account=rebuilt, now=end)
    assert starts_inside_an_hour > 20  # the advance did start inside hours
    assert slo_rows(advanced) == slo_rows(rebuilt)
    assert slo_rows(advanced)["slo_hours"]  # something was compared


def test_melting_flap_detection_and_plugin_slis_recompute_whole_hours():
    account = AccountFactory()
    computed = {"buckets_computed_to": at(9 * 60 + 37), "account": account}
    now = at(9 * 60 + 38)
    exact = SLOFactory(**computed)
    melting = SLOFactory(**computed, options={"short_interval_seconds": 120})
    detecting = SLOFactory(
        **computed,
        options={
            "flapping": "consider",
            "flap_detection": {"window_seconds": 600, "changes": 3},
        },
    )
    assert [slot_exact(slo) for slo in (exact, melting, detecting)] == [True, False, False]
    assert recompute_start(exact, now) == at(9 * 60 + 35)
    assert recompute_start(melting, now) == at(9 * 60)
    assert recompute_start(detecting, now) == at(9 * 60)
    assert not slot_exact(SLO(sli_kind="prometheus"))
    assert all(slot_exact(SLO(sli_kind=kind)) for kind in ("requests", "latency", "timeslice"))


def test_a_first_recompute_starts_at_an_hour():
    slo = SLOFactory(window_days=1)
    now = at(9 * 60 + 38)
    assert recompute_start(slo, now).minute == 0
