"""Slot values of a PromQL SLI from Prometheus' answers (pure: no database, no HTTP).

A fetch gives runs of consecutive 5-minute slots (:class:`SlotRun`): good and total counts
in thousandths of an event, or why a slot has none (:class:`Missing`). Slots are epoch
seconds here (integers: a 30-day backfill is 8,640 slots per SLI, datetimes per slot would
cost more than Prometheus' own answer). A whole matrix of finite, non-negative values takes
the list path; anything else (a point missing, NaN, Inf, a negative count) is judged slot by
slot, with the same outcome.
"""

import math
from dataclasses import dataclass, field
from itertools import pairwise

from integrations.prometheus.promql import PART_LABEL

SLOT_SECONDS = 300
STORED_PER_EVENT = 1000  # thousandths of an event
ERROR = "error"  # the source failed: fetched again as soon as it answers
ABSENT = "absent"  # the source answered without a usable value: fetched again with backoff


@dataclass(frozen=True)
class Missing:
    """Why a slot has no value."""

    reason: str
    kind: str


NO_TOTAL = Missing("no data: the total query has no series", ABSENT)


@dataclass
class SlotRun:
    """Consecutive slots from ``start`` (epoch seconds of the first slot's start): ``goods``
    and ``totals`` (thousandths), ``None`` where a slot has no value, its reason in
    ``missing`` (index in the run -> :class:`Missing`)."""

    start: int
    goods: list
    totals: list
    missing: dict = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.start + len(self.totals) * SLOT_SECONDS

    def slot(self, index: int):
        """``(good, total)`` or :class:`Missing` of the run's ``index``-th slot."""
        missing = self.missing.get(index)
        return missing if missing is not None else (self.goods[index], self.totals[index])


def to_stored(value: float) -> int:
    """Thousandths of an event (Prometheus' values are float64 already)."""
    return round(value * STORED_PER_EVENT)


def missing_run(start: int, count: int, missing: Missing) -> SlotRun:
    """``count`` slots from ``start`` without values, all for the same reason."""
    return SlotRun(start, [None] * count, [None] * count, dict.fromkeys(range(count), missing))


def slot_run(numerator: str, series, first_end: float, count: int, start: int) -> SlotRun:
    """The run of ``count`` slots from ``start`` whose values are the combined query's
    ``series`` evaluated at ``first_end``, ``first_end + 300`` ... (a slot is the
    ``increase`` evaluated at its end). ``numerator`` is ``"good"`` or ``"bad"``."""
    by_part: dict = {}
    for item in series:
        part = item.labels.get(PART_LABEL)
        if part in by_part:
            others = [s.name for s in series if s.labels.get(PART_LABEL) == part][:5]
            reason = f"the {part} query returned several series: {', '.join(others)}"
            return missing_run(start, count, Missing(reason, ABSENT))
        by_part[part] = item.float_points()
    totals = _aligned(by_part.get("total"), first_end, count)
    parts = _aligned(by_part.get(numerator), first_end, count)
    if totals is None:
        return missing_run(start, count, NO_TOTAL)
    first = next((index for index in range(count) if totals[index] is not None), None)
    if first is None:
        return missing_run(start, count, NO_TOTAL)
    last = next(index for index in range(count - 1, -1, -1) if totals[index] is not None)
    run = _whole_run(numerator, parts, totals, first, last + 1, start)
    return run if run is not None else _run_slot_by_slot(numerator, parts, totals, count, start)


def _aligned(points, first_end: float, count: int) -> list | None:
    """Values at the ``count`` evaluation instants (``None`` where the series has no point;
    points off those instants are ignored); ``None`` without a series. ``first_end`` is
    whole seconds when ``count`` > 1 (slot ends)."""
    if points is None:
        return None
    if points:
        # The usual answer: one point per instant over a stretch of them (a series that
        # starts or stops within the range has none before or after).
        offset, rest = divmod(points[0][0] - first_end, SLOT_SECONDS)
        head = int(offset)
        if rest == 0 and head >= 0 and head + len(points) <= count and _stepped(points):
            tail = count - head - len(points)
            return [None] * head + [value for _, value in points] + [None] * tail
    values = [None] * count
    for at, value in points:
        index, rest = divmod(at - first_end, SLOT_SECONDS)
        if rest == 0 and 0 <= index < count:
            values[int(index)] = value
    return values


def _stepped(points: list) -> bool:
    """Consecutive points one slot apart (their times are whole seconds when several)."""
    if len(points) == 1:
        return True
    first = int(points[0][0])
    expected = range(first, first + len(points) * SLOT_SECONDS, SLOT_SECONDS)
    return [at for at, _ in points] == list(expected)


def _countable(values: list) -> bool:
    """Every value finite and not negative (then the list path applies)."""
    total = sum(values)  # NaN or an infinity makes the sum non-finite (so may an overflow)
    return math.isfinite(total) and min(values) >= 0


def _whole_run(numerator: str, parts, totals: list, first: int, end: int, start: int):
    """The run by whole lists when the totals are present from ``first`` to ``end`` (and
    absent outside) and every value there is countable; else None."""
    totals_in = totals[first:end] if first or end < len(totals) else totals
    if None in totals_in or not _countable(totals_in):
        return None
    parts_in = None
    if parts is not None:
        parts_in = parts[first:end] if first or end < len(parts) else parts
        if None in parts_in:
            # A point of the numerator missing counts 0, as an absent series does.
            parts_in = [0.0 if value is None else value for value in parts_in]
        if not _countable(parts_in):
            return None
    stored_totals = [round(value * STORED_PER_EVENT) for value in totals_in]
    if parts_in is None:
        # An absent numerator series counts 0 (an error counter that never fired does not
        # exist yet).
        goods = [0] * len(totals_in) if numerator == "good" else list(stored_totals)
    else:
        stored_parts = [round(value * STORED_PER_EVENT) for value in parts_in]
        # Slight overshoots from extrapolation are cut to the total.
        pairs = zip(stored_parts, stored_totals, strict=True)
        if numerator == "good":
            goods = [p if p < t else t for p, t in pairs]
        else:
            goods = [t - p if p < t else 0 for p, t in pairs]
    if first == 0 and end == len(totals):
        return SlotRun(start, goods, stored_totals)
    head, tail = [None] * first, [None] * (len(totals) - end)
    missing = dict.fromkeys(range(first), NO_TOTAL)
    missing.update(dict.fromkeys(range(end, len(totals)), NO_TOTAL))
    return SlotRun(start, head + goods + tail, head + stored_totals + tail, missing)


def _run_slot_by_slot(numerator: str, parts, totals, count: int, start: int) -> SlotRun:
    run = SlotRun(start, [None] * count, [None] * count)
    for index in range(count):
        total = totals[index] if totals is not None else None
        part = parts[index] if parts is not None else None
        value = slot_value(numerator, part, total)
        if isinstance(value, Missing):
            run.missing[index] = value
        else:
            run.goods[index], run.totals[index] = value
    return run


def slot_value(numerator: str, part_value, total):
    """``(good, total)`` stored, or :class:`Missing`, of one slot from its two values."""
    if total is None:
        return NO_TOTAL
    for name, value in (("total", total), (numerator, part_value)):
        if value is not None and not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            return Missing(f"the {name} query gave {shown}", ABSENT)
        if value is not None and value < 0:
            return Missing(f"the {name} query gave a negative count ({value})", ABSENT)
    total_stored = to_stored(total)
    part_stored = min(to_stored(part_value), total_stored) if part_value is not None else 0
    good = part_stored if numerator == "good" else total_stored - part_stored
    return (good, total_stored)


def normalized(runs: list[SlotRun]) -> list[SlotRun]:
    """The runs in time order without overlaps (a later run wins a slot fetched twice, as
    when the same slot is asked for again in one fetch)."""
    ordered = sorted(runs, key=lambda run: run.start)
    if all(a.end <= b.start for a, b in pairwise(ordered)):
        return ordered
    slots = {}
    for run in runs:
        for index in range(len(run.totals)):
            slots[run.start + index * SLOT_SECONDS] = run.slot(index)
    merged: list[SlotRun] = []
    for instant in sorted(slots):
        if not merged or merged[-1].end != instant:
            merged.append(SlotRun(instant, [], []))
        run, value = merged[-1], slots[instant]
        if isinstance(value, Missing):
            run.missing[len(run.totals)] = value
            value = (None, None)
        run.goods.append(value[0])
        run.totals.append(value[1])
    return merged


def day_pieces(run: SlotRun, slots_per_day: int):
    """``(day start, index in the day, goods, totals)`` of the run's slots, day by day
    (epoch seconds, UTC days)."""
    day_seconds = slots_per_day * SLOT_SECONDS
    position, count = 0, len(run.totals)
    while position < count:
        instant = run.start + position * SLOT_SECONDS
        day = instant - instant % day_seconds
        index = (instant - day) // SLOT_SECONDS
        take = min(slots_per_day - index, count - position)
        end = position + take
        yield day, index, run.goods[position:end], run.totals[position:end]
        position = end
