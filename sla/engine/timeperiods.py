"""Time periods: when is a wall-clock range of a time period active, as UTC intervals.

An instant is inside a time period when its local wall-clock time (in the SLA's
timezone) lies in one of the ranges of its local date: that date's exception if it has
one, else its weekday's. Across a DST change this is exactly the wall clock: a range
inside a skipped hour is empty, a range inside a repeated hour is active twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from .instants import MICROSECONDS, require_aware, to_micros
from .periods import zone
from .spec import TimePeriodSpec

SECONDS_PER_DAY = 86400
_DAY = SECONDS_PER_DAY * MICROSECONDS
_MINUTE = 60 * MICROSECONDS
_EPOCH_DATE = date(1970, 1, 1)
# Sampling step when looking for UTC-offset changes; zones change at most twice a year.
_SAMPLE_STEP = 6 * 3600 * MICROSECONDS


def _micros(value: datetime | float) -> int:
    if isinstance(value, datetime):
        require_aware(value, "instant")
        return to_micros(value)
    return round(value * MICROSECONDS)


def _offset_at(tz, second: int) -> int:
    """UTC offset in microseconds at a whole second."""
    offset = datetime.fromtimestamp(second, tz).utcoffset()
    return (offset.days * SECONDS_PER_DAY + offset.seconds) * MICROSECONDS + offset.microseconds


def offset_segments(tz_name: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """Split ``[start, end)`` (microseconds) into ``(a, b, utc_offset)`` of constant offset."""
    tz = zone(tz_name)
    samples = list(range(start, end, _SAMPLE_STEP))
    samples.append(end)
    segments = []
    segment_start = start
    offset = _offset_at(tz, start // MICROSECONDS)
    for previous, sample in pairwise(samples):
        if _offset_at(tz, sample // MICROSECONDS) == offset:
            continue
        # Transitions happen at whole seconds: find the first second with the new offset.
        low, high = previous // MICROSECONDS, -(-sample // MICROSECONDS)
        while high - low > 1:
            middle = (low + high) // 2
            if _offset_at(tz, middle) == offset:
                low = middle
            else:
                high = middle
        transition = high * MICROSECONDS
        if transition >= end:
            break
        segments.append((segment_start, transition, offset))
        segment_start, offset = transition, _offset_at(tz, high)
    segments.append((segment_start, end, offset))
    return segments


@lru_cache(maxsize=4096)
def mask_micros(
    tp: TimePeriodSpec | None, tz_name: str, start: int, end: int
) -> tuple[tuple[int, int], ...]:
    """Cached, sorted, disjoint active intervals (microseconds) within ``[start, end)``.

    Touching ranges (``08:00-12:00`` and ``12:00-18:00``, or a day ending at ``24:00``
    and the next starting at ``00:00``) form one interval: a time period is a set of
    instants, so they have no edge between them.
    """
    if start >= end:
        return ()
    if tp is None:
        return ((start, end),)
    pieces: list[tuple[int, int]] = []
    for segment_start, segment_end, offset in offset_segments(tz_name, start, end):
        first_day = (segment_start + offset) // _DAY
        last_day = -(-(segment_end + offset) // _DAY)
        for day_number in range(first_day, last_day):
            ranges = tp.ranges_for(_EPOCH_DATE + timedelta(days=day_number))
            if not ranges:
                continue
            base = day_number * _DAY - offset
            for range_start, range_end in ranges:
                piece_start = max(base + range_start * _MINUTE, segment_start)
                piece_end = min(base + range_end * _MINUTE, segment_end)
                if piece_start < piece_end:
                    pieces.append((piece_start, piece_end))
    pieces.sort()
    merged: list[tuple[int, int]] = []
    for piece_start, piece_end in pieces:
        if merged and piece_start <= merged[-1][1]:
            if piece_end > merged[-1][1]:
                merged[-1] = (merged[-1][0], piece_end)
        else:
            merged.append((piece_start, piece_end))
    return tuple(merged)


def active_intervals(
    tp: TimePeriodSpec | None,
    tz_name: str,
    start: datetime | float,
    end: datetime | float,
) -> list[tuple[float, float]]:
    """Active intervals ``(start, end)`` in epoch seconds of ``tp`` within ``[start, end)``.

    ``start``/``end`` are aware datetimes or epoch seconds; ``tp`` ``None`` means 24x7.
    The underlying masks are cached per ``(tp, tz_name, start, end)``.
    """
    return [
        (a / MICROSECONDS, b / MICROSECONDS)
        for a, b in mask_micros(tp, tz_name, _micros(start), _micros(end))
    ]


def contains(tp: TimePeriodSpec | None, tz_name: str, instant: datetime) -> bool:
    """Is ``instant`` inside the time period (wall clock in ``tz_name``)?"""
    require_aware(instant, "instant")
    if tp is None:
        return True
    local = instant.astimezone(zone(tz_name))
    second_of_day = (
        local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1_000_000
    )
    return any(start * 60 <= second_of_day < end * 60 for start, end in tp.ranges_for(local.date()))
