"""Steps of the real-worker tests, run in subprocesses (`manage.py shell -c ...`) against a
database file the Celery worker shares: the test's own database may be in memory."""

import datetime as dt

from django.utils import timezone

from accounts.models import Account
from sla.services.ingest import events_ingest
from sla.services.rollups import account_rollup


def history(services: int, hours: int, now: dt.datetime) -> list[dict]:
    start = now - dt.timedelta(hours=hours)
    items = []
    for number in range(services):
        path = f"svc/{number:04d}"
        items.append({"service": path, "at": start.isoformat(), "state": "OK"})
        for step in range(1, hours):
            state = "CRIT" if (number + step) % 7 == 0 else "OK"
            at = start + dt.timedelta(hours=step, minutes=number % 50)
            items.append({"service": path, "at": at.isoformat(), "state": state})
    return items


def setup(slugs: list[str], services: int, hours: int, rolled: tuple = ()) -> None:
    """Accounts with the same history; marks set; only the `rolled` ones rolled up."""
    now = timezone.now()
    items = history(services, hours, now)
    for slug in slugs:
        account = Account.objects.create(name=slug, slug=slug)
        for offset in range(0, len(items), 10_000):
            events_ingest(account=account, items=items[offset : offset + 10_000])
        if slug in rolled:
            account_rollup(account=account)


def dispatch() -> None:
    from sla.tasks import rollups_dispatch

    rollups_dispatch.delay()
