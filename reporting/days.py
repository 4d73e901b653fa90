"""Calendar days of an account: reports and dashboards count days in the account's zone.

A day is the engine's daily period (SLA-SEMANTICS.md section 2), so DST days last 23 or 25
hours and a local midnight that does not exist starts the day at its first instant, exactly
as DailyUptime rows and daily SLAs count them.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from sla.engine import period_bounds


def day_bounds(*, timezone_name: str, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar day in a zone, as UTC instants."""
    zone = ZoneInfo(timezone_name)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)  # noon always exists
    start, end = period_bounds("daily", timezone_name, noon.astimezone(dt.UTC))
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def days_back(*, last: dt.date, count: int) -> list[dt.date]:
    """`count` consecutive days ending with `last`, oldest first."""
    return [last - dt.timedelta(days=offset) for offset in range(count - 1, -1, -1)]
