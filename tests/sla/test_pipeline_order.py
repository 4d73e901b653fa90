"""Done-when #1: a burst of events pushed out of order, late, in odd batches, with retries
and duplicates, ends with exactly the events, incidents, snapshots and daily rows (and
current states) of the same history pushed once and in order."""

import datetime as dt
import random

import pytest
import time_machine

from sla.engine import normalize_state
from sla.models import Downtime, Service
from sla.services.imports import services_import
from sla.services.ingest import events_ingest
from sla.services.rollups import account_rollup, incidents_refresh_account
from tests.factories import AccountFactory
from tests.sla.helpers import iso, stored_daily, stored_events, stored_incidents, stored_snapshots

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 3, 30, 22, 0, tzinfo=dt.UTC)  # spans the Berlin DST change
HOURS = 8
FINAL = START + dt.timedelta(hours=HOURS, minutes=7)
SERVICES = {
    "pay/api": "pay",
    "pay/db": "pay",
    "shop/web": "shop",
    "shop/cart": "shop",
    "shop/search": "shop",
    "solo": None,
}
STATES = ["OK", "OK", "OK", "WARN", "CRIT", "UNKNOWN", "up", "down", "degraded"]


def generate_history(rng: random.Random) -> list[dict]:
    events = []
    for path in SERVICES:
        instant = START + dt.timedelta(seconds=rng.randrange(0, 1800))
        count = 0
        while instant < START + dt.timedelta(hours=HOURS):
            event = {"service": path, "at": iso(instant), "state": rng.choice(STATES)}
            if rng.random() < 0.5:
                event["id"] = f"{path}-{count}"
            if rng.random() < 0.3:
                event["message"] = f"probe {count}"
            events.append(event)
            if rng.random() < 0.1:  # two events at one instant: the worse must win
                other = rng.choice(
                    [s for s in STATES if normalize_state(s) != normalize_state(event["state"])]
                )
                events.append({"service": path, "at": iso(instant), "state": other})
            instant += dt.timedelta(seconds=rng.randrange(30, 2400))
            count += 1
    return events


def prepare(account) -> None:
    documents = [{"path": path, "slaGroup": group} for path, group in SERVICES.items()]
    assert not services_import(account=account, documents=documents).errors
    from sla.models import ServiceGroup

    ServiceGroup.objects.filter(account=account, name="shop").update(aggregation="k_of_n", k=2)
    Downtime.objects.create(
        account=account,
        service=Service.objects.get(account=account, path="pay/db"),
        start=START + dt.timedelta(hours=2),
        end=START + dt.timedelta(hours=3, minutes=2),
    )


def push(account, batch, now):
    with time_machine.travel(now, tick=False):
        result = events_ingest(account=account, items=batch)
        incidents_refresh_account(account=account)
    assert result.rejected == 0, result.errors
    return result


def rollup(account, now):
    with time_machine.travel(now, tick=False):
        account_rollup(account=account)


def in_order(events) -> object:
    account = AccountFactory(timezone="Europe/Berlin")
    prepare(account)
    ordered = sorted(events, key=lambda event: event["at"])
    total_new = 0
    for offset in range(0, len(ordered), 25):
        total_new += push(account, ordered[offset : offset + 25], FINAL).new
    rollup(account, FINAL)
    return account, total_new


def out_of_order(events, rng: random.Random) -> object:
    """An agent that pushes as time goes by, but late, shuffled, with retries and dupes,
    while the rollup runs every few minutes."""
    account = AccountFactory(timezone="Europe/Berlin")
    prepare(account)
    pending = list(events)
    rng.shuffle(pending)
    sent = []
    now = START + dt.timedelta(minutes=20)
    while pending:
        visible = [event for event in pending if event["at"] <= iso(now)]
        batch = rng.sample(visible, k=min(len(visible), rng.randint(0, 12)))
        for event in batch:
            pending.remove(event)
        if sent:
            batch += rng.choices(sent, k=rng.randint(0, 4))  # duplicates of earlier events
        rng.shuffle(batch)
        if batch:
            push(account, batch, now)
            if rng.random() < 0.3:
                push(account, batch, now)  # a retry after a lost answer
            sent.extend(batch)
        if rng.random() < 0.6:
            rollup(account, now)
        now = min(now + dt.timedelta(minutes=rng.randint(3, 25)), FINAL)
        if now == FINAL:
            batch = pending[:]
            pending.clear()
            if batch:
                push(account, batch, now)
    rollup(account, FINAL)
    return account


def _portable_events(account):
    """Events with the account-specific service id taken out of automatic dedup keys."""
    rows = []
    for path, at, state, message, key in stored_events(account):
        if key.startswith("auto:"):
            key = "auto:" + key.split(":", 2)[2]
        rows.append((path, at, state, message, key))
    return rows


def _current_states(account):
    rows = Service.objects.for_account(account).values_list(
        "path", "current_state", "current_state_since"
    )
    return sorted(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_out_of_order_with_duplicates_equals_in_order(seed):
    rng = random.Random(seed)
    events = generate_history(rng)
    reference, stored = in_order(events)
    shuffled = out_of_order(events, rng)
    assert len(_portable_events(reference)) == stored
    assert _portable_events(shuffled) == _portable_events(reference)
    assert _current_states(shuffled) == _current_states(reference)
    assert stored_incidents(shuffled) == stored_incidents(reference)
    assert stored_incidents(reference), "the generated history should have incidents"
    assert stored_snapshots(shuffled) == stored_snapshots(reference)
    assert len(stored_snapshots(reference)) > 6 * 12 * HOURS
    assert stored_daily(shuffled) == stored_daily(reference)
