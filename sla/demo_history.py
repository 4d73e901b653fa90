"""Demo data for `make run`: 12 services in 3 SLA groups with 90 days of status history
(SLA_DEMO_HISTORY_DAYS)
(hourly heartbeats, a few outages, degraded spells), pushed through the real ingest path and
rolled up, so incidents, snapshots and daily rows are there from the first page view.

Idempotent: an account that already has the demo history only gets its rollup caught up.
"""

import datetime as dt
import random

from django.conf import settings

from sla.models import Downtime, Recurrence, Service, ServiceGroup, StatusEvent
from sla.services.imports import services_import
from sla.services.ingest import events_ingest
from sla.services.rollups import account_rollup


def _days() -> int:
    """How many days of history the demo gets (90 by default; the test suite seeds less)."""
    return settings.SLA_DEMO_HISTORY_DAYS


GROUPS = {
    "payment-system": ("worst", None, "Payment system"),
    "storefront": ("k_of_n", 3, "Storefront (3 of 4 must be OK)"),
    "platform": ("worst", None, "Platform"),
}
# path -> (SLA group, display name: what the status page shows by default)
SERVICES = {
    "payment/api": ("payment-system", "Payment API"),
    "payment/worker": ("payment-system", "Payment worker"),
    "payment/db": ("payment-system", "Payment database"),
    "payment/gateway": ("payment-system", "Payment gateway"),
    "shop/web": ("storefront", "Web shop"),
    "shop/search": ("storefront", "Product search"),
    "shop/cart": ("storefront", "Shopping cart"),
    "shop/images": ("storefront", "Product images"),
    "platform/auth": ("platform", "Login"),
    "platform/dns": ("platform", "DNS"),
    "platform/queue": ("platform", "Message queue"),
    "platform/mail": ("platform", "Email"),
}
# (kind, state, mean incidents per 30 days, minutes min..max)
SPELLS = [
    ("outage", "CRIT", 1.2, (4, 75)),
    ("degraded", "WARN", 4.0, (10, 120)),
    ("blip", "UNKNOWN", 1.0, (2, 10)),
]


def _service_events(rng: random.Random, path: str, start: dt.datetime, end: dt.datetime):
    """Hourly OK heartbeats plus randomly placed bad spells, as agent-shaped items."""
    items = []
    instant = start
    while instant < end:
        items.append({"at": instant, "state": "OK"})
        instant += dt.timedelta(hours=1)
    span = (end - start).total_seconds()
    for _, state, per_month, (low, high) in SPELLS:
        for _ in range(rng.randint(0, round(per_month * 2 * _days() / 30))):
            spell_start = start + dt.timedelta(seconds=rng.uniform(3600, span - 7200))
            spell_start = spell_start.replace(second=0, microsecond=0)
            minutes = rng.randint(low, high)
            items.append({"at": spell_start, "state": state, "message": f"demo {state.lower()}"})
            items.append({"at": spell_start + dt.timedelta(minutes=minutes), "state": "OK"})
    items.sort(key=lambda entry: entry["at"])
    return [
        {**entry, "service": path, "at": entry["at"].isoformat(), "id": f"demo:{path}:{index}"}
        for index, entry in enumerate(items)
    ]


def _groups_ensure(account) -> None:
    for name, (aggregation, k, title) in GROUPS.items():
        ServiceGroup.objects.update_or_create(
            account=account,
            name=name,
            defaults={"aggregation": aggregation, "k": k, "title": title},
        )


def seed(account, now: dt.datetime) -> list[str]:
    notes = []
    if (
        not StatusEvent.objects.for_account(account)
        .filter(dedup_key__startswith="id:demo:")
        .exists()
    ):
        _groups_ensure(account)
        services_import(
            account=account,
            documents=[
                {
                    "path": path,
                    "slaGroup": group,
                    "name": name,
                    "labels": {"team": path.split("/")[0]},
                }
                for path, (group, name) in SERVICES.items()
            ],
        )
        rng = random.Random(20261121)
        start = (now - dt.timedelta(days=_days())).replace(minute=0, second=0, microsecond=0)
        items = []
        for path in SERVICES:
            items.extend(_service_events(rng, path, start, now))
        for offset in range(0, len(items), 10_000):
            events_ingest(account=account, items=items[offset : offset + 10_000], now=now)
        db = Service.objects.for_account(account).get(path="payment/db")
        Downtime.objects.create(
            account=account,
            service=db,
            reason="Weekly database maintenance",
            start=start,
            recurrence=Recurrence.WEEKLY,
            weekdays=[6],
            time_from=dt.time(3, 0),
            duration_minutes=60,
            timezone=account.timezone,
            public=True,
        )
        notes.append(
            f"Demo status history: {len(SERVICES)} services in {len(GROUPS)} SLA groups, "
            f"{len(items)} events over {_days()} days."
        )
    stats = account_rollup(account=account, now=now)
    notes.append(
        f"Rollup: {stats.snapshots} snapshots, {stats.daily_rows} daily rows, "
        f"{stats.incidents} incidents written in {stats.seconds:.1f} s."
    )
    return notes
