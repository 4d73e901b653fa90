"""90-day uptime strips from the stored daily rollups (one query for the whole page)."""

import datetime as dt

from django.db.models import Q

from sla.display import percent_of
from sla.models import DailyUptime
from statuspage.selectors.components import ComponentView
from statuspage.uptime import PARTIAL_WEIGHT, DayFigures

STRIP_DAYS = 90


def strip_days(*, today: dt.date, days: int = STRIP_DAYS) -> list[dt.date]:
    return [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def attach_history(
    *, account, components: list[ComponentView], now: dt.datetime, days: int = STRIP_DAYS
) -> list[dt.date]:
    """Fill each component's `days` and `uptime_90` from DailyUptime rows; returns the days."""
    today = account.today(now)
    calendar = strip_days(today=today, days=days)
    service_ids = {component.service_id for component in components if component.service_id}
    group_ids = {component.group_id for component in components if component.group_id}
    figures: dict[tuple[str, int], dict[dt.date, DayFigures]] = {}
    if service_ids or group_ids:
        rows = (
            DailyUptime.objects.for_account(account)
            .filter(Q(service_id__in=service_ids) | Q(group_id__in=group_ids))
            .filter(day__gte=calendar[0], day__lte=calendar[-1])
            .values_list(
                "service_id",
                "group_id",
                "day",
                "seconds_ok",
                "seconds_warn",
                "seconds_crit",
                "seconds_unknown",
                "seconds_downtime",
            )
        )
        for service_id, group_id, day, ok, warn, crit, unknown, downtime in rows:
            key = ("s", service_id) if service_id else ("g", group_id)
            figures.setdefault(key, {})[day] = DayFigures(ok, warn, crit, unknown, downtime)
    for component in components:
        key = ("s", component.service_id) if component.service_id else ("g", component.group_id)
        own = figures.get(key, {})
        start = component.start_date
        days = []
        monitored = outage = 0.0
        for day in calendar:
            figure = own.get(day)
            if figure is not None and start is not None and day < start:
                figure = None
            days.append((day, figure))
            if figure is not None:  # inline arithmetic: 9,000 days per large page
                partial = figure.warn + figure.unknown
                monitored += figure.ok + figure.crit + partial
                outage += figure.crit + PARTIAL_WEIGHT * partial
        component.days = days
        component.uptime_90 = (
            max(0.0, percent_of(monitored - outage, monitored)) if monitored > 0 else None
        )
    return calendar


def first_data_at(*, account, components: list[ComponentView]) -> dt.datetime | None:
    """The first status event of the page's public components (a group's: its members'):
    where the page's history starts. Each service's first event is one index probe."""
    from django.db.models import Min, OuterRef, Subquery

    from sla.models import Service, StatusEvent

    service_ids = {component.service_id for component in components if component.service_id}
    group_ids = {component.group_id for component in components if component.group_id}
    if not service_ids and not group_ids:
        return None
    first_event = StatusEvent.objects.filter(service=OuterRef("pk")).order_by("at").values("at")
    services = Service.objects.for_account(account).filter(
        Q(pk__in=service_ids) | Q(group_id__in=group_ids)
    )
    return services.annotate(first=Subquery(first_event[:1])).aggregate(Min("first"))["first__min"]
