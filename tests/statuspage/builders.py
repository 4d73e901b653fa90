"""Build status pages with history for tests: services, components and daily rollups.

The ingestion pipeline computes DailyUptime in production; tests write the rows directly.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sla.models import DailyUptime
from tests.factories import (
    AccountFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)

DAY = 86400.0
# The instant the `frozen_now` fixture (conftest) holds time at.
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def one_component_page(slug: str = "acme", **fields):
    """A page of its own account (UTC) with one component, "API", on an OK service."""
    account = AccountFactory(timezone="UTC")
    page = StatusPageFactory(account=account, slug=slug, title=slug.title(), **fields)
    service = ServiceFactory(account=account, current_state="OK")
    StatusPageComponentFactory(account=account, page=page, service=service, name="API")
    return page


def day_rows(account, *, service=None, group=None, today: dt.date, days: int, seed: int):
    """DailyUptime rows with a few outages (deterministic for a seed)."""
    chance = random.Random(seed)
    rows = []
    for offset in range(days):
        day = today - dt.timedelta(days=offset)
        crit = warn = downtime = 0.0
        roll = chance.random()
        if roll < 0.05:
            crit = chance.choice([120.0, 900.0, 5400.0, 20000.0])
        elif roll < 0.10:
            warn = chance.choice([600.0, 3600.0])
        if chance.random() < 0.03:
            downtime = 1800.0
        rows.append(
            DailyUptime(
                account=account,
                service=service,
                group=group,
                day=day,
                seconds_ok=DAY - crit - warn,
                seconds_warn=warn,
                seconds_crit=crit,
                seconds_downtime=downtime,
            )
        )
    return rows


def page_with_history(account, *, components: int, now: dt.datetime, days: int = 90, **page):
    """A page of `components` service components, each with `days` of daily rollups."""
    status_page = StatusPageFactory(account=account, **page)
    today = now.astimezone(ZoneInfo(account.timezone)).date()
    rows = []
    created = []
    for index in range(components):
        service = ServiceFactory(account=account, path=f"internal/svc-{index}", current_state="OK")
        created.append(
            StatusPageComponentFactory(
                account=account,
                page=status_page,
                service=service,
                name=f"Public component {index}",
                position=index,
            )
        )
        rows += day_rows(account, service=service, today=today, days=days, seed=index)
    DailyUptime.objects.bulk_create(rows, batch_size=2000)
    return status_page, created
