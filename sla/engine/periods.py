"""Calendar periods (daily ... yearly) aligned to local midnight in an IANA timezone.

A period starts at the first instant of its first local day: local midnight, or, where
local midnight does not exist (a DST gap at 00:00), the first instant after the gap.
All results are aware datetimes in UTC; a DST day is simply 23 or 25 hours long.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from .instants import require_aware
from .spec import PERIODS


@cache
def zone(tz_name: str) -> ZoneInfo:
    """The (cached) ZoneInfo for an IANA name."""
    return ZoneInfo(tz_name)


@lru_cache(maxsize=65536)
def day_start(tz_name: str, day: date) -> datetime:
    """The first instant (UTC) of a local date: its midnight, or the end of a DST gap."""
    tz = zone(tz_name)
    midnight = datetime(day.year, day.month, day.day)
    earlier = midnight.replace(tzinfo=tz).astimezone(UTC)
    if earlier.astimezone(tz).replace(tzinfo=None) == midnight:
        return earlier  # midnight exists (if it repeats, fold=0 is its first occurrence)
    # Midnight falls in a gap. Its two readings bracket the transition; the day starts
    # at the first instant whose local date is ``day`` or later (tzdata uses whole seconds).
    other = midnight.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low = math.floor(min(earlier, other).timestamp())
    high = math.ceil(max(earlier, other).timestamp())

    def reached(seconds: int) -> bool:
        return datetime.fromtimestamp(seconds, tz).date() >= day

    if reached(low) or not reached(high):  # pragma: no cover - defensive
        raise ValueError(f"cannot find the first instant of {day} in {tz_name}")
    while high - low > 1:
        middle = (low + high) // 2
        if reached(middle):
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def period_start_date(period: str, day: date) -> date:
    """The first local date of the period containing local date ``day``."""
    if period == "daily":
        return day
    if period == "weekly":
        return day - timedelta(days=day.weekday())
    if period == "monthly":
        return day.replace(day=1)
    if period == "quarterly":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period == "yearly":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown period {period!r}; one of {', '.join(PERIODS)}")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def shift_start_date(period: str, start: date, steps: int) -> date:
    """The first local date of the period ``steps`` periods after (or before) ``start``."""
    if period == "daily":
        return start + timedelta(days=steps)
    if period == "weekly":
        return start + timedelta(days=7 * steps)
    if period == "monthly":
        return _add_months(start, steps)
    if period == "quarterly":
        return _add_months(start, 3 * steps)
    if period == "yearly":
        return date(start.year + steps, 1, 1)
    raise ValueError(f"unknown period {period!r}; one of {', '.join(PERIODS)}")


def _bounds_of(period: str, tz_name: str, start_date: date) -> tuple[datetime, datetime]:
    end_date = shift_start_date(period, start_date, 1)
    return day_start(tz_name, start_date), day_start(tz_name, end_date)


def _start_date_containing(period: str, tz_name: str, instant: datetime) -> date:
    local_day = instant.astimezone(zone(tz_name)).date()
    start_date = period_start_date(period, local_day)
    # The local date is not monotonic across a DST fold around midnight; correct it.
    while instant < day_start(tz_name, start_date):
        start_date = shift_start_date(period, start_date, -1)
    while instant >= day_start(tz_name, shift_start_date(period, start_date, 1)):
        start_date = shift_start_date(period, start_date, 1)
    return start_date


def period_bounds(period: str, tz_name: str, instant: datetime) -> tuple[datetime, datetime]:
    """``(start, end)`` in UTC of the period containing ``instant`` (half-open)."""
    require_aware(instant, "instant")
    return _bounds_of(period, tz_name, _start_date_containing(period, tz_name, instant))


def next_period(period: str, tz_name: str, start: datetime) -> tuple[datetime, datetime]:
    """The period right after the one containing ``start``."""
    start_date = _start_date_containing(period, tz_name, start)
    next_date = shift_start_date(period, start_date, 1)
    bounds = _bounds_of(period, tz_name, next_date)
    while bounds[0] == bounds[1]:  # a local date skipped entirely (e.g. Pacific/Apia 2011)
        next_date = shift_start_date(period, next_date, 1)
        bounds = _bounds_of(period, tz_name, next_date)
    return bounds


def previous_period(period: str, tz_name: str, start: datetime) -> tuple[datetime, datetime]:
    """The period right before the one containing ``start``."""
    start_date = _start_date_containing(period, tz_name, start)
    previous_date = shift_start_date(period, start_date, -1)
    bounds = _bounds_of(period, tz_name, previous_date)
    while bounds[0] == bounds[1]:
        previous_date = shift_start_date(period, previous_date, -1)
        bounds = _bounds_of(period, tz_name, previous_date)
    return bounds


def iter_periods(
    period: str, tz_name: str, range_from: datetime, range_to: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Every period overlapping ``[range_from, range_to)``, in time order, whole."""
    yield from periods_between(period, tz_name, range_from, range_to)


@lru_cache(maxsize=4096)
def periods_between(
    period: str, tz_name: str, range_from: datetime, range_to: datetime
) -> tuple[tuple[datetime, datetime], ...]:
    """Cached tuple form of :func:`iter_periods`."""
    require_aware(range_from, "range_from")
    require_aware(range_to, "range_to")
    result = []
    start_date = _start_date_containing(period, tz_name, range_from)
    while True:
        start, end = _bounds_of(period, tz_name, start_date)
        if start >= range_to:
            break
        if start < end and end > range_from:
            result.append((start, end))
        start_date = shift_start_date(period, start_date, 1)
    return tuple(result)
