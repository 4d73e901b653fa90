"""Steps 1-5 of the semantics: spans, classification, time period, merge, melting.

Internally a span is a tuple ``(start, end, klass, raw_state)`` with float epoch
seconds; lists of them are sorted, non-overlapping and never zero-length. Time that
is dropped (unmonitored, excluded downtime, outside the time period) is simply absent,
so two spans touch (``a.end == b.start``) only when no dropped time lies between them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime

from .periods import require_aware
from .spec import Options, SLASpec, TimePeriodSpec
from .states import (
    CRIT,
    DOWNTIME,
    OK,
    STATE_BADNESS,
    STATES,
    UNKNOWN,
    UNMONITORED,
    WARN,
    normalize_state,
)
from .timeperiods import mask_intervals
from .types import Event, Interval, Span

_INFINITY = float("inf")

# Badness of raw states for the ``raw_state`` of a merged span (display only).
_RAW_BADNESS = {UNMONITORED: -1, **STATE_BADNESS}

RawSpan = tuple[float, float, "str | None", str]


# --------------------------------------------------------------------------- inputs


def prepare_events(events: Iterable[Event]) -> tuple[list[float], list[str]]:
    """Sorted event times and the state from each; simultaneous events: worst wins.

    Every event is kept (also one repeating the previous state): with ``merge_phases``
    false each event is a cut.
    """
    keyed = []
    append = keyed.append
    badness = STATE_BADNESS
    for event in events:
        at = event.at
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"event at {at.isoformat()} is naive; give a timezone-aware instant")
        state = event.state
        if state not in badness:
            state = normalize_state(state)
        append((at.timestamp(), badness[state], state))
    keyed.sort()
    times: list[float] = []
    states: list[str] = []
    last = None
    for at, _, state in keyed:
        if at == last:
            states[-1] = state  # sorted by badness: the last one at an instant is the worst
        else:
            times.append(at)
            states.append(state)
            last = at
    return times, states


def prepare_downtimes(downtimes: Iterable[Interval]) -> list[tuple[float, float]]:
    """The union of the downtimes as sorted, disjoint ``(start, end)`` epoch seconds."""
    pairs = []
    for downtime in downtimes:
        require_aware(downtime.start, "downtime start")
        require_aware(downtime.end, "downtime end")
        start, end = downtime.start.timestamp(), downtime.end.timestamp()
        if end < start:
            raise ValueError(
                f"downtime ends ({downtime.end.isoformat()}) before it starts "
                f"({downtime.start.isoformat()})"
            )
        if end > start:
            pairs.append((start, end))
    pairs.sort()
    union: list[tuple[float, float]] = []
    for start, end in pairs:
        if union and start <= union[-1][1]:
            if end > union[-1][1]:
                union[-1] = (union[-1][0], end)
        else:
            union.append((start, end))
    return union


def class_maps(options: Options) -> tuple[dict, dict]:
    """Raw state -> class outside and inside a downtime (step 2); ``None`` is dropped."""
    outside = {
        OK: OK,
        WARN: options.warn_as,
        CRIT: CRIT,
        UNKNOWN: options.unknown_as,
        UNMONITORED: UNKNOWN if options.include_unmonitored else None,
    }
    if options.downtimes == "ignore":
        return outside, outside
    in_downtime = DOWNTIME if options.downtimes == "honor" else None
    inside = dict.fromkeys(STATES, in_downtime)
    inside[UNMONITORED] = outside[UNMONITORED]  # rule 1 comes first: never DOWNTIME
    if options.downtime_ok_is_uptime:
        inside[OK] = OK
    return outside, inside


# --------------------------------------------------------------------------- steps 1-3


def classify(
    times: list[float],
    states: list[str],
    downtimes: list[tuple[float, float]],
    start: float,
    end: float,
    outside: dict,
    inside: dict,
) -> list[RawSpan]:
    """Steps 1-2: spans of ``[start, end)`` cut at every event and downtime edge.

    Pass no downtimes for ``ignore``. Dropped spans are left out.
    """
    pieces: list[RawSpan] = []
    if start >= end:
        return pieces
    append = pieces.append
    index = bisect_right(times, start)  # next event
    raw = states[index - 1] if index else UNMONITORED
    event_count = len(times)
    next_event = times[index] if index < event_count else _INFINITY

    down_index = 0
    down_count = len(downtimes)
    while down_index < down_count and downtimes[down_index][1] <= start:
        down_index += 1

    position = start
    if not down_count:  # fast path: only events cut
        while position < end:
            cut = next_event if next_event < end else end
            klass = outside[raw]
            if klass is not None:
                append((position, cut, klass, raw))
            position = cut
            if cut == next_event:
                raw = states[index]
                index += 1
                next_event = times[index] if index < event_count else _INFINITY
        return pieces

    while position < end:
        if down_index < down_count:
            down_start, down_end = downtimes[down_index]
            in_downtime = down_start <= position
            next_edge = down_end if in_downtime else down_start
        else:
            in_downtime = False
            next_edge = _INFINITY
        cut = min(next_event, next_edge, end)
        klass = inside[raw] if in_downtime else outside[raw]
        if klass is not None:
            append((position, cut, klass, raw))
        position = cut
        if cut == next_event:
            raw = states[index]
            index += 1
            next_event = times[index] if index < event_count else _INFINITY
        if in_downtime and cut == next_edge:
            down_index += 1
    return pieces


def clip(pieces: list[RawSpan], mask: tuple[tuple[float, float], ...]) -> list[RawSpan]:
    """Step 3: keep the parts of ``pieces`` inside the active ``mask`` intervals."""
    result: list[RawSpan] = []
    append = result.append
    mask_index = 0
    mask_count = len(mask)
    for piece in pieces:
        start, end, klass, raw = piece
        while mask_index < mask_count and mask[mask_index][1] <= start:
            mask_index += 1
        while mask_index < mask_count:
            active_start, active_end = mask[mask_index]
            if active_start >= end:
                break
            if active_start <= start and active_end >= end:
                append(piece)
            else:
                append(
                    (
                        start if start > active_start else active_start,
                        end if end < active_end else active_end,
                        klass,
                        raw,
                    )
                )
            if active_end > end:
                break
            mask_index += 1
    return result


# --------------------------------------------------------------------------- steps 4-5


def merge(spans: list[RawSpan]) -> list[RawSpan]:
    """Step 4: merge touching spans of the same class."""
    result: list[RawSpan] = []
    append = result.append
    last = None
    for span in spans:
        if last is not None and last[2] == span[2] and last[1] == span[0]:
            raw = last[3]
            if raw != span[3] and _RAW_BADNESS[span[3]] > _RAW_BADNESS[raw]:
                raw = span[3]
            last = (last[0], span[1], last[2], raw)
            result[-1] = last
        else:
            append(span)
            last = span
    return result


def melt(spans: list[RawSpan], threshold: float, merge_phases: bool) -> list[RawSpan]:
    """Step 5: short inner spans between two touching neighbours of one class take it."""
    while True:
        changed = False
        for index in range(1, len(spans) - 1):
            start, end, klass, raw = spans[index]
            if end - start > threshold:
                continue
            left, right = spans[index - 1], spans[index + 1]
            if left[2] == right[2] != klass and left[1] == start and right[0] == end:
                spans[index] = (start, end, left[2], raw)
                changed = True
        if not changed:
            return spans
        if merge_phases:
            spans = merge(spans)


def build_spans(
    pieces: list[RawSpan],
    mask: tuple[tuple[float, float], ...],
    full: bool,
    options: Options,
) -> list[RawSpan]:
    """Steps 3-5 on classified pieces; ``full``: the mask covers all of the pieces."""
    spans = pieces if full else clip(pieces, mask)
    merge_phases = options.merge_phases
    if merge_phases:
        spans = merge(spans)
    elif spans is pieces:
        spans = list(spans)
    if options.short_interval_seconds > 0 and len(spans) > 2:
        spans = melt(spans, options.short_interval_seconds, merge_phases)
    return spans


# --------------------------------------------------------------------------- public helpers


def _to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def period_timeline(
    sla: SLASpec,
    requirement_index: int,
    events: Iterable[Event],
    downtimes: Iterable[Interval],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Span]:
    """The spans of one requirement over ``[start, min(end, now))`` after steps 1-5.

    ``start``/``end`` are normally a period's bounds; the time period is applied as
    for the evaluation, so this is what the requirement measures, for display.
    """
    for name, value in (("start", start), ("end", end), ("now", now)):
        require_aware(value, name)
    requirement = sla.requirements[requirement_index]
    time_period: TimePeriodSpec | None = requirement.time_period or sla.time_period
    options = sla.options
    times, states = prepare_events(events)
    union = prepare_downtimes(downtimes) if options.downtimes != "ignore" else []
    outside, inside = class_maps(options)
    start_seconds, end_seconds = start.timestamp(), end.timestamp()
    stop = min(end_seconds, now.timestamp())
    pieces = classify(times, states, union, start_seconds, stop, outside, inside)
    mask = mask_intervals(time_period, sla.timezone, start_seconds, end_seconds)
    spans = build_spans(pieces, mask, time_period is None, options)
    return [
        Span(_to_datetime(span_start), _to_datetime(span_end), raw, klass)
        for span_start, span_end, klass, raw in spans
    ]


def state_timeline(events: Iterable[Event], start: datetime, end: datetime) -> list[Span]:
    """Raw state spans over ``[start, end)``, ``UNMONITORED`` before the first event.

    Consecutive events of one state form one span; ``klass`` equals ``raw_state``.
    """
    require_aware(start, "start")
    require_aware(end, "end")
    times, states = prepare_events(events)
    identity = {state: state for state in (*STATES, UNMONITORED)}
    pieces = merge(classify(times, states, [], start.timestamp(), end.timestamp(), identity, {}))
    return [
        Span(_to_datetime(span_start), _to_datetime(span_end), raw, raw)
        for span_start, span_end, _, raw in pieces
    ]
