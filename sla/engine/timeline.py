"""Steps 1-5 of the semantics: spans, classification, time period, merge, melting.

Internally a span is a tuple ``(start, end, klass, raw_state)`` with integer epoch
microseconds (see :mod:`.instants`); lists of them are sorted, non-overlapping and never
zero-length. Time that is dropped (unmonitored, excluded downtime, outside the time
period) is simply absent, so two spans touch (``a.end == b.start``) only when no dropped
time lies between them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import islice
from operator import lt

from .flapping import flapping_intervals, prepare_flags
from .instants import from_micros, micros_at_most, require_aware, to_micros
from .spec import Options, SLASpec, TimePeriodSpec
from .states import (
    CRIT,
    DOWNTIME,
    FLAPPING,
    OK,
    STATE_BADNESS,
    STATES,
    UNKNOWN,
    UNMONITORED,
    WARN,
    normalize_state,
)
from .timeperiods import mask_micros
from .types import Event, EventTimes, Interval, IntervalTimes, Span

_INFINITY = float("inf")

# Badness of raw states for the ``raw_state`` of a merged span (display only).
_RAW_BADNESS = {UNMONITORED: -1, **STATE_BADNESS}

RawSpan = tuple[int, int, "str | None", str]


# --------------------------------------------------------------------------- inputs


def prepare_events(events: Iterable[Event] | EventTimes) -> tuple[list[int], list[str]]:
    """Sorted event times and the state from each; simultaneous events: worst wins.

    Every event is kept (also one repeating the previous state): with ``merge_phases``
    false each event is a cut.
    """
    badness = STATE_BADNESS
    if isinstance(events, EventTimes):
        ordered = _already_ordered(events.rows, badness)
        if ordered is not None:
            return ordered
        keyed = [
            (at, badness[state], state)
            for at, state in (
                (at, state if state in badness else normalize_state(state))
                for at, state in events.rows
            )
        ]
    else:
        keyed = _keyed_events(events, badness)
    keyed.sort()
    times: list[int] = []
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


def _already_ordered(rows, badness: dict) -> tuple[list[int], list[str]] | None:
    """The common bulk case, checked at C speed: rows read from the database in strictly
    increasing time with canonical states need no sort and no worst-of-simultaneous pass.
    None when the rows need the general path."""
    times = [row[0] for row in rows]
    states = [row[1] for row in rows]
    if not all(map(lt, times, islice(times, 1, None))):
        return None
    if not badness.keys() >= set(states):
        return None
    return times, states


def _keyed_events(events: Iterable[Event], badness: dict) -> list[tuple[int, int, str]]:
    keyed = []
    append = keyed.append
    for event in events:
        at = event.at
        tzinfo = at.tzinfo
        if tzinfo is not UTC and (tzinfo is None or at.utcoffset() is None):
            raise ValueError(f"event at {at.isoformat()} is naive; give a timezone-aware instant")
        state = event.state
        if type(state) is not str or state not in badness:
            state = normalize_state(state)
        append((to_micros(at), badness[state], state))
    return keyed


def event_flags(events: Iterable[Event] | EventTimes) -> list[tuple[int, bool]]:
    """The flap flags the events set, as ``(microseconds, flapping)``."""
    if isinstance(events, EventTimes):
        return list(events.flags)
    return [(to_micros(event.at), event.flapping) for event in events if event.flapping is not None]


def prepare_downtimes(downtimes: Iterable[Interval] | IntervalTimes) -> list[tuple[int, int]]:
    """The union of the downtimes as sorted, disjoint ``(start, end)`` microseconds."""
    if isinstance(downtimes, IntervalTimes):
        pairs = _checked_pairs(downtimes.rows)
    else:
        pairs = _checked_pairs(_interval_micros(downtimes))
    pairs.sort()
    union: list[tuple[int, int]] = []
    for start, end in pairs:
        if union and start <= union[-1][1]:
            if end > union[-1][1]:
                union[-1] = (union[-1][0], end)
        else:
            union.append((start, end))
    return union


def _interval_micros(downtimes: Iterable[Interval]) -> Iterable[tuple[int, int]]:
    for downtime in downtimes:
        require_aware(downtime.start, "downtime start")
        require_aware(downtime.end, "downtime end")
        yield to_micros(downtime.start), to_micros(downtime.end)


def _checked_pairs(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-empty pairs; a reversed one is an error, never silently dropped."""
    kept = []
    for start, end in pairs:
        if end < start:
            raise ValueError(
                f"downtime ends ({from_micros(end).isoformat()}) before it starts "
                f"({from_micros(start).isoformat()})"
            )
        if end > start:
            kept.append((start, end))
    return kept


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


class ServiceContext:
    """What the classification needs beyond events and downtimes (rules 1, 3 and 5 of
    step 2): the service period, the notification period and where the service flaps,
    each ``None`` when its option does not apply (then it neither drops nor cuts)."""

    __slots__ = ("flapping", "notification_period", "service_period", "timezone")

    def __init__(self, timezone, service_period, notification_period, flapping):
        self.timezone = timezone
        self.service_period = service_period
        self.notification_period = notification_period
        self.flapping = flapping

    @property
    def applies(self) -> bool:
        return (
            self.service_period is not None
            or self.notification_period is not None
            or self.flapping is not None
        )

    def segments(self, start: int, end: int) -> list[tuple[int, int, bool, bool, bool]]:
        """``[start, end)`` cut at every edge of what applies, each piece with
        ``(in service period, in notification period, flapping)``."""
        sets = [
            _mask(self.service_period, self.timezone, start, end),
            _mask(self.notification_period, self.timezone, start, end),
            self.flapping or [],
        ]
        edges = {start, end}
        for intervals in sets:
            if intervals:
                edges.update(edge for pair in intervals for edge in pair if start < edge < end)
        points = sorted(edges)
        inside = [_inside_at(intervals, points) for intervals in sets]
        service, notification, flapping = inside
        return [
            (points[i], points[i + 1], service[i], notification[i], flapping[i])
            for i in range(len(points) - 1)
        ]


def _mask(time_period, timezone, start, end):
    if time_period is None:
        return None
    return mask_micros(time_period, timezone, start, end)


def _inside_at(intervals, points: list[int]) -> list[bool]:
    """Per elementary segment ``[points[k], points[k+1])``: inside ``intervals``?
    ``None`` (the option does not apply) reads as inside a period, not flapping."""
    count = len(points) - 1
    if intervals is None:
        return [True] * count
    result = []
    index, total = 0, len(intervals)
    for point in points[:count]:
        while index < total and intervals[index][1] <= point:
            index += 1
        result.append(index < total and intervals[index][0] <= point)
    return result


def classify_in_context(
    pieces: list[RawSpan], context: ServiceContext, options: Options, start: int, end: int
) -> list[RawSpan]:
    """Step 2 in Checkmk's order over ``pieces`` classified as ``(raw, in downtime)``:
    each piece is cut at the context's edges and takes the class of the first rule that
    matches (service period, unmonitored, notification period, downtime, flapping, state)."""
    outside, _ = class_maps(options)
    in_downtime_class = DOWNTIME if options.downtimes == "honor" else None
    ok_is_uptime = options.downtime_ok_is_uptime
    flapping_counts = options.flapping == "consider"
    segments = context.segments(start, end)
    result: list[RawSpan] = []
    index, total = 0, len(segments)
    for piece_start, piece_end, (raw, in_downtime), _ in pieces:
        while index < total and segments[index][1] <= piece_start:
            index += 1
        position = index
        while position < total and segments[position][0] < piece_end:
            seg_start, seg_end, in_service, in_notification, flapping = segments[position]
            klass = _first_rule(
                raw,
                in_downtime and not (ok_is_uptime and raw == OK),
                in_service,
                in_notification,
                flapping and flapping_counts,
            )
            if klass is _OUTSIDE:
                klass = outside[raw]
            elif klass is _IN_DOWNTIME:
                klass = in_downtime_class
            if klass is not None:
                result.append((max(piece_start, seg_start), min(piece_end, seg_end), klass, raw))
            position += 1
    return result


_OUTSIDE = object()  # rule 6 (or rule 2): the class map of the raw state decides
_IN_DOWNTIME = object()  # rule 4 (a raw OK with downtime_ok_is_uptime is not in one)


def _first_rule(raw, in_downtime, in_service, in_notification, flapping):
    if not in_service:
        return None
    if raw == UNMONITORED:
        return _OUTSIDE
    if not in_notification:
        return None
    if in_downtime:
        return _IN_DOWNTIME
    if flapping:
        return FLAPPING
    return _OUTSIDE


def classify(
    times: list[int],
    states: list[str],
    downtimes: list[tuple[int, int]],
    start: int,
    end: int,
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
        cut = next_event if next_event < next_edge else next_edge
        if end < cut:
            cut = end
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


def clip(pieces: list[RawSpan], mask: tuple[tuple[int, int], ...]) -> list[RawSpan]:
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


def melt(spans: list[RawSpan], threshold, merge_phases: bool) -> list[RawSpan]:
    """Step 5: short inner spans between two touching neighbours of one class take it.

    ``threshold`` is in seconds (a number as written); a span melts when its duration is
    at most that, compared exactly in whole microseconds.
    """
    limit = micros_at_most(threshold)
    while True:
        changed = False
        for index in range(1, len(spans) - 1):
            start, end, klass, raw = spans[index]
            if end - start > limit:
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
    mask: tuple[tuple[int, int], ...],
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


class ServiceTimeline:
    """Steps 1-5 for one service under one SLA, cached per period and time period.

    Events and downtimes are prepared once; :meth:`spans` is called per period.
    """

    def __init__(
        self,
        sla: SLASpec,
        events: Iterable[Event],
        downtimes: Iterable[Interval],
        service_period: TimePeriodSpec | None = None,
        notification_period: TimePeriodSpec | None = None,
    ):
        self.sla = sla
        self.options = options = sla.options
        if not isinstance(events, (EventTimes, list, tuple)):
            events = list(events)  # read twice: states and flags
        self.times, self.states = prepare_events(events)
        union = prepare_downtimes(downtimes)
        self.downtimes = union if options.downtimes != "ignore" else []
        self.outside, self.inside = class_maps(options)
        self.context = service_context(
            sla, self.times, self.states, event_flags(events), service_period, notification_period
        )
        self._pieces: dict[tuple[int, int], list[RawSpan]] = {}
        self._spans: dict[tuple, tuple[list[RawSpan], dict[str, int], int]] = {}

    def spans(
        self, time_period: TimePeriodSpec | None, start: int, end: int, stop: int
    ) -> tuple[list[RawSpan], dict[str, int], int]:
        """Spans of period ``[start, end)`` evaluated up to ``stop``, microseconds per
        class in order of first occurrence, and the considered microseconds."""
        key = (start, stop, id(time_period))
        cached = self._spans.get(key)
        if cached is not None:
            return cached
        pieces = self._pieces.get((start, stop))
        if pieces is None:
            pieces = self._classify(start, stop)
            self._pieces[(start, stop)] = pieces
        if time_period is None:
            spans = build_spans(pieces, (), True, self.options)
        else:
            mask = mask_micros(time_period, self.sla.timezone, start, end)
            spans = build_spans(pieces, mask, False, self.options)
        micros: dict[str, int] = {}
        considered = 0
        for span_start, span_end, klass, _ in spans:
            duration = span_end - span_start
            considered += duration
            micros[klass] = micros.get(klass, 0) + duration
        cached = (spans, micros, considered)
        self._spans[key] = cached
        return cached

    def _classify(self, start: int, stop: int) -> list[RawSpan]:
        if self.context is None:
            return classify(
                self.times, self.states, self.downtimes, start, stop, self.outside, self.inside
            )
        pieces = classify(
            self.times, self.states, self.downtimes, start, stop, _RAW_OUTSIDE, _RAW_INSIDE
        )
        return classify_in_context(pieces, self.context, self.options, start, stop)


# Classes that carry the raw state and whether it is in a downtime, for a second pass.
_RAW_OUTSIDE = {state: (state, False) for state in (*STATES, UNMONITORED)}
_RAW_INSIDE = {state: (state, True) for state in (*STATES, UNMONITORED)}


def service_context(
    sla: SLASpec, times, states, flags, service_period, notification_period
) -> ServiceContext | None:
    """The context of the options that apply, ``None`` when none does (the fast path)."""
    options = sla.options
    honored_service = service_period if options.service_period == "honor" else None
    honored_notification = notification_period if options.notification_period == "honor" else None
    flapping = None
    if options.flapping == "consider":
        flapping = flapping_intervals(times, states, prepare_flags(flags), options.flap_detection)
    context = ServiceContext(sla.timezone, honored_service, honored_notification, flapping)
    return context if context.applies else None


# --------------------------------------------------------------------------- public helpers


def period_timeline(
    sla: SLASpec,
    requirement_index: int,
    events: Iterable[Event],
    downtimes: Iterable[Interval],
    start: datetime,
    end: datetime,
    now: datetime,
    service_period: TimePeriodSpec | None = None,
    notification_period: TimePeriodSpec | None = None,
) -> list[Span]:
    """The spans of one requirement over ``[start, min(end, now))`` after steps 1-5.

    ``start``/``end`` are normally a period's bounds; the time period is applied as
    for the evaluation, so this is what the requirement measures, for display.
    """
    for name, value in (("start", start), ("end", end), ("now", now)):
        require_aware(value, name)
    requirement = sla.requirements[requirement_index]
    time_period: TimePeriodSpec | None = requirement.time_period
    if time_period is None:
        time_period = sla.time_period
    start_micros, end_micros = to_micros(start), to_micros(end)
    stop = min(end_micros, to_micros(now))
    timeline = ServiceTimeline(sla, events, downtimes, service_period, notification_period)
    spans = timeline.spans(time_period, start_micros, end_micros, stop)[0]
    return [
        Span(from_micros(span_start), from_micros(span_end), raw, klass)
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
    pieces = merge(classify(times, states, [], to_micros(start), to_micros(end), identity, {}))
    return [
        Span(from_micros(span_start), from_micros(span_end), raw, raw)
        for span_start, span_end, _, raw in pieces
    ]
