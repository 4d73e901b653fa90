"""Daily uptime per SLA group over the last N days (dashboard chart and API), from the
stored DailyUptime rows of the groups (days in the account's time zone)."""

import datetime as dt
from dataclasses import dataclass

from reporting.days import days_back
from reporting.selectors.report_data import SECONDS_COLUMNS, SECONDS_FIELDS, uptime_percent
from sla.models import DailyUptime, ServiceGroup

MAX_SERIES = 8


@dataclass
class GroupTrend:
    """One group's daily figures: uptime percent (None: no row) and seconds per state."""

    group: ServiceGroup
    uptime: list
    seconds: list  # dict per day, or None

    @property
    def mean(self) -> float | None:
        values = [value for value in self.uptime if value is not None]
        return sum(values) / len(values) if values else None


@dataclass
class Trend:
    days: list
    groups: list  # GroupTrend
    total_groups: int
    group_names: tuple = ()  # of every group considered (chart colours: group_colours)


def uptime_trend(
    *, account, now: dt.datetime, days: int, group: ServiceGroup | None = None, limit=MAX_SERIES
) -> Trend:
    """The groups' daily uptime for the `days` days up to today (today so far included).
    Without `group`, at most `limit` groups: those with the lowest mean uptime."""
    calendar = days_back(last=account.today(now), count=days)
    groups = [group] if group else list(ServiceGroup.objects.for_account(account).order_by("name"))
    if not groups:
        return Trend(days=calendar, groups=[], total_groups=0)
    rows = (
        DailyUptime.objects.for_account(account)
        .filter(group_id__in=[item.pk for item in groups])
        .filter(day__gte=calendar[0], day__lte=calendar[-1])
        .values_list("group_id", "day", *SECONDS_COLUMNS)
    )
    by_group: dict = {}
    for group_id, day, *seconds in rows:
        by_group.setdefault(group_id, {})[day] = dict(zip(SECONDS_FIELDS, seconds, strict=True))
    trends = []
    for item in groups:
        figures = by_group.get(item.pk, {})
        seconds = [figures.get(day) for day in calendar]
        uptime = [None if entry is None else uptime_percent(entry) for entry in seconds]
        trends.append(GroupTrend(group=item, uptime=uptime, seconds=seconds))
    if len(trends) > limit:
        trends.sort(key=lambda trend: 100.0 if trend.mean is None else trend.mean)
        trends = sorted(trends[:limit], key=lambda trend: trend.group.name)
    names = tuple(item.name for item in groups)
    return Trend(days=calendar, groups=trends, total_groups=len(groups), group_names=names)


def trend_json(trend: Trend, *, account) -> dict:
    """The trend in the API's shape (REST `dashboard/trend` and GraphQL `slaTrendData`)."""
    return {
        "timezone": account.timezone,
        "days": list(trend.days),
        "total_groups": trend.total_groups,
        "groups": [
            {
                "id": item.group.pk,
                "name": item.group.name,
                "title": str(item.group),
                "mean_uptime_percent": item.mean,
                "uptime_percent": item.uptime,
                "seconds": item.seconds,
            }
            for item in trend.groups
        ],
    }
