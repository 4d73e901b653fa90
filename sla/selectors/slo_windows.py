"""Window arithmetic of SLO buckets: slots, windows and their decomposition into rows.

A window is a half-open range of 5-minute slots. It is summed from day rows (whole UTC
days), hour rows (whole hours) and single slots of an hour row (its partial hours), so a
30-day window reads about 30 day rows and a few dozen hour rows per SLO.
"""

import datetime as dt
from dataclasses import dataclass

from sla.engine import period_bounds

SLOT = dt.timedelta(minutes=5)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
CALENDAR_PERIODS = {"month": "monthly", "quarter": "quarterly"}


def floor_to(instant: dt.datetime, step: dt.timedelta) -> dt.datetime:
    return EPOCH + (instant - EPOCH) // step * step


def ceil_to(instant: dt.datetime, step: dt.timedelta) -> dt.datetime:
    floored = floor_to(instant, step)
    return floored if floored == instant else floored + step


def slot_end(now: dt.datetime) -> dt.datetime:
    """End of the slot containing `now`: windows end here (the current slot holds data up
    to the last rollup)."""
    return floor_to(now, SLOT) + SLOT


def current_slot(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The slot containing `now`: it holds the data up to the last rollup, maybe none yet."""
    start = floor_to(now, SLOT)
    return start, start + SLOT


def lookback_ranges(now: dt.datetime, seconds: int) -> tuple[tuple, tuple]:
    """A lookback of `seconds` ending now, in two forms: ending with the current slot, and
    ending with the last complete slot.

    A burn rate reads the first while the current slot holds data and the second while it
    holds none yet (right after a 5-minute boundary, before the first request counts of
    the new slot arrive). Otherwise a 5 m window would cover only the current, still empty
    slot after every boundary, and a steady burn would resolve and fire again each time.
    """
    length = dt.timedelta(seconds=seconds)
    current_start, current_end = current_slot(now)
    return (current_end - length, current_end), (current_start - length, current_start)


@dataclass(frozen=True)
class SLOWindow:
    """The SLO's window at `now`: [start, end) of slots, and its nominal length (the full
    calendar period for calendar windows), used for thresholds and time to exhaustion."""

    start: dt.datetime
    end: dt.datetime
    seconds: int


def slo_window(slo, now: dt.datetime) -> SLOWindow:
    end = slot_end(now)
    if slo.window_kind == "calendar":
        period = CALENDAR_PERIODS[slo.calendar_unit]
        start, period_end = period_bounds(period, slo.timezone, now)
        return SLOWindow(floor_to(start, SLOT), end, int((period_end - start).total_seconds()))
    length = dt.timedelta(days=slo.window_days)
    return SLOWindow(end - length, end, int(length.total_seconds()))


def completed_windows(slo, now: dt.datetime, count: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The last `count` completed windows, newest first: calendar periods, or consecutive
    rolling windows ending at the last UTC midnight."""
    windows = []
    if slo.window_kind == "calendar":
        period = CALENDAR_PERIODS[slo.calendar_unit]
        start, _ = period_bounds(period, slo.timezone, now)
        for _ in range(count):
            previous_start, previous_end = period_bounds(period, slo.timezone, start - SLOT)
            windows.append((floor_to(previous_start, SLOT), floor_to(previous_end, SLOT)))
            start = previous_start
        return windows
    end = floor_to(now, DAY)
    length = dt.timedelta(days=slo.window_days)
    for _ in range(count):
        windows.append((end - length, end))
        end -= length
    return windows


@dataclass(frozen=True)
class Decomposition:
    """Rows covering a range exactly: whole days, whole hours, and slot ranges of hours
    (hour_start, first slot, end slot exclusive)."""

    days: tuple[tuple[dt.datetime, dt.datetime], ...]
    hours: tuple[tuple[dt.datetime, dt.datetime], ...]
    partial: tuple[tuple[dt.datetime, int, int], ...]


def _slot_index(instant: dt.datetime, hour_start: dt.datetime) -> int:
    return int((instant - hour_start) / SLOT)


def decompose(start: dt.datetime, end: dt.datetime) -> Decomposition:
    """Split [start, end) (5-minute aligned) into day, hour and slot pieces."""
    start, end = floor_to(start, SLOT), floor_to(end, SLOT)
    if end <= start:
        return Decomposition((), (), ())
    first_hour, last_hour = ceil_to(start, HOUR), floor_to(end, HOUR)
    if first_hour > last_hour:  # inside one hour
        hour = floor_to(start, HOUR)
        return Decomposition((), (), ((hour, _slot_index(start, hour), _slot_index(end, hour)),))
    partial = []
    if start < first_hour:
        hour = floor_to(start, HOUR)
        partial.append((hour, _slot_index(start, hour), 12))
    if last_hour < end:
        partial.append((last_hour, 0, _slot_index(end, last_hour)))
    first_day, last_day = ceil_to(first_hour, DAY), floor_to(last_hour, DAY)
    days, hours = [], []
    if first_day < last_day:
        days.append((first_day, last_day))
        if first_hour < first_day:
            hours.append((first_hour, first_day))
        if last_day < last_hour:
            hours.append((last_day, last_hour))
    elif first_hour < last_hour:
        hours.append((first_hour, last_hour))
    return Decomposition(tuple(days), tuple(hours), tuple(partial))


def parse_duration(text: str) -> dt.timedelta:
    """`5m`, `1h`, `3d`, `300s` -> timedelta; a multiple of 5 minutes, up to 400 days."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not isinstance(text, str) or len(text) < 2 or text[-1] not in units:
        raise ValueError("give a duration like 5m, 1h, 6h or 3d")
    number = text[:-1]
    if not number.isdigit() or len(number) > 6:
        raise ValueError("give a duration like 5m, 1h, 6h or 3d")
    seconds = int(number) * units[text[-1]]
    if seconds <= 0 or seconds % 300 or seconds > 400 * 86400:
        raise ValueError("the duration must be a positive multiple of 5 minutes, at most 400d")
    return dt.timedelta(seconds=seconds)
