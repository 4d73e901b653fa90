"""Time periods: when is a wall-clock range of a time period active, as UTC intervals.

An instant is inside a time period when its local wall-clock time (in the SLA's
timezone) lies in one of the ranges of its local date: that date's exception if it has
one, else its weekday's. Across a DST change this is exactly the wall clock: a range
inside a skipped hour is empty, a range inside a repeated hour is active twice.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from .periods import zone
from .spec import TimePeriodSpec

SECONDS_PER_DAY = 86400
_EPOCH_DATE = date(1970, 1, 1)
# Sampling step when looking for UTC-offset changes; zones change at most twice a year.
_SAMPLE_STEP = 6 * 3600


def _seconds(value: datetime | float) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} is naive; give a timezone-aware instant")
        return value.timestamp()
    return float(value)


def _offset_at(tz, seconds: float) -> float:
    return datetime.fromtimestamp(seconds, tz).utcoffset().total_seconds()


def offset_segments(tz_name: str, start: float, end: float) -> list[tuple[float, float, float]]:
    """Split ``[start, end)`` into ``(a, b, utc_offset_seconds)`` of constant offset."""
    tz = zone(tz_name)
    samples = [start]
    point = start + _SAMPLE_STEP
    while point < end:
        samples.append(point)
        point += _SAMPLE_STEP
    samples.append(end)
    segments = []
    segment_start = start
    offset = _offset_at(tz, start)
    for previous, sample in pairwise(samples):
        if _offset_at(tz, sample) == offset:
            continue
        # Transitions happen at whole seconds: find the first second with the new offset.
        low, high = math.floor(previous), math.ceil(sample)
        while high - low > 1:
            middle = (low + high) // 2
            if _offset_at(tz, middle) == offset:
                low = middle
            else:
                high = middle
        if high >= end:
            break
        segments.append((segment_start, float(high), offset))
        segment_start, offset = float(high), _offset_at(tz, high)
    segments.append((segment_start, end, offset))
    return segments


@lru_cache(maxsize=4096)
def mask_intervals(
    tp: TimePeriodSpec | None, tz_name: str, start: float, end: float
) -> tuple[tuple[float, float], ...]:
    """Cached, sorted, disjoint active intervals (epoch seconds) within ``[start, end)``.

    Touching ranges (``08:00-12:00`` and ``12:00-18:00``, or a day ending at ``24:00``
    and the next starting at ``00:00``) form one interval: a time period is a set of
    instants, so they have no edge between them.
    """
    if start >= end:
        return ()
    if tp is None:
        return ((start, end),)
    pieces: list[tuple[float, float]] = []
    for segment_start, segment_end, offset in offset_segments(tz_name, start, end):
        first_day = math.floor((segment_start + offset) / SECONDS_PER_DAY)
        last_day = math.ceil((segment_end + offset) / SECONDS_PER_DAY)
        for day_number in range(first_day, last_day):
            ranges = tp.ranges_for(_EPOCH_DATE + timedelta(days=day_number))
            if not ranges:
                continue
            base = day_number * SECONDS_PER_DAY - offset
            for range_start, range_end in ranges:
                piece_start = max(base + range_start * 60, segment_start)
                piece_end = min(base + range_end * 60, segment_end)
                if piece_start < piece_end:
                    pieces.append((piece_start, piece_end))
    pieces.sort()
    merged: list[tuple[float, float]] = []
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

    ``tp`` ``None`` means 24x7. Results are cached per ``(tp, tz_name, start, end)``.
    """
    return list(mask_intervals(tp, tz_name, _seconds(start), _seconds(end)))


def contains(tp: TimePeriodSpec | None, tz_name: str, instant: datetime) -> bool:
    """Is ``instant`` inside the time period (wall clock in ``tz_name``)?"""
    if tp is None:
        return True
    _seconds(instant)  # rejects naive instants
    local = instant.astimezone(zone(tz_name))
    second_of_day = (
        local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1_000_000
    )
    return any(start * 60 <= second_of_day < end * 60 for start, end in tp.ranges_for(local.date()))
