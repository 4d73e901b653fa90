"""Evaluate an SLA over a range of periods (steps 6-7 of the semantics)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from .instants import from_micros, require_aware, to_micros, to_seconds
from .periods import next_period, period_bounds, periods_between, previous_period
from .results import Outage, PeriodResult, RequirementResult
from .spec import Requirement, SLASpec, TimePeriodSpec
from .states import BROKEN, CRIT, NODATA, OK, RESULT_BADNESS, WARN, time_in_state
from .timeline import ServiceTimeline
from .types import Event, Interval


@lru_cache(maxsize=4096)
def _period_table(
    period: str, tz_name: str, range_from: datetime, range_to: datetime
) -> tuple[tuple[datetime, datetime, int, int], ...]:
    return tuple(
        (start, end, to_micros(start), to_micros(end))
        for start, end in periods_between(period, tz_name, range_from, range_to)
    )


@lru_cache(maxsize=4096)
def _neighbour(period: str, tz_name: str, start: datetime, step: int) -> tuple:
    bounds = (next_period if step > 0 else previous_period)(period, tz_name, start)
    return (*bounds, to_micros(bounds[0]), to_micros(bounds[1]))


def _level_state(broken: bool, levels, remaining: int | None, per: int = 1) -> str:
    """Step 7, exactly: the remaining buffer is the rational ``remaining / per``
    (``per > 0``), compared with the levels (exact fractions) by cross-multiplying."""
    if broken:
        return BROKEN
    if levels is not None and remaining is not None:
        crit, warn = levels.crit, levels.warn
        if remaining * crit.denominator <= crit.numerator * per:
            return CRIT
        if remaining * warn.denominator <= warn.numerator * per:
            return WARN
    return OK


def _percentage(
    requirement: Requirement, micros: dict[str, int], considered: int, honor: bool
) -> RequirementResult:
    """Step 6 for a percentage requirement in exact integer arithmetic.

    With ``m`` microseconds in the state of ``c`` considered and the target ``t = n/d``:
    ``A = 100 m / c`` and ``A < t`` exactly when ``100 m d < n c``. The remaining buffer
    ``R`` is a ratio of integers too; value and remaining become floats only as the
    nearest float to the exact ratio (Python's int division is correctly rounded).
    """
    measured = time_in_state(micros, requirement.state, honor)
    target = requirement.target
    numerator, denominator = target.numerator, target.denominator
    scaled = 100 * measured * denominator  # A * c * d
    goal = numerator * considered  # t * c * d
    if requirement.comparison == "min":
        broken = scaled < goal
        # R = 100 (A - t) / (100 - t) = 100 (scaled - goal) / (c (100 d - n))
        remaining = None if target == 100 else 100 * (scaled - goal)
        per = considered * (100 * denominator - numerator)
    else:
        broken = scaled > goal
        # R = 100 (t - A) / t = 100 (goal - scaled) / (c n)
        remaining = None if target == 0 else 100 * (goal - scaled)
        per = considered * numerator
    return RequirementResult(
        title=requirement.title,
        kind=requirement.kind,
        state=_level_state(broken, requirement.levels, remaining, per),
        broken=broken,
        considered_seconds=to_seconds(considered),
        value=100 * measured / considered,
        remaining=None if remaining is None else remaining / per,
        seconds={klass: to_seconds(duration) for klass, duration in micros.items()},
        count=None,
        outages=None,
        value_ratio=(100 * measured, considered),
        remaining_ratio=None if remaining is None else (remaining, per),
    )


def _nodata(requirement: Requirement) -> RequirementResult:
    percentage = requirement.kind == "percentage"
    return RequirementResult(
        title=requirement.title,
        kind=requirement.kind,
        state=NODATA,
        broken=False,
        considered_seconds=0.0,
        value=None,
        remaining=None,
        seconds={} if percentage else None,
        count=None if percentage else 0,
        outages=None if percentage else (),
    )


class _Evaluator:
    def __init__(self, sla, timelines: ServiceTimeline, now: int):
        self.sla = sla
        self.timelines = timelines
        self.now = now
        self.honor = sla.options.downtimes == "honor"
        self.start_period = sla.options.outage_split == "start_period"

    def requirement(self, requirement: Requirement, period: tuple, stop: int) -> RequirementResult:
        _, _, start, end = period
        time_period = requirement.time_period
        if time_period is None:
            time_period = self.sla.time_period
        spans, micros, considered = self.timelines.spans(time_period, start, end, stop)
        if considered == 0:
            return _nodata(requirement)
        if requirement.kind == "percentage":
            return _percentage(requirement, micros, considered, self.honor)
        return self._outages(requirement, period, time_period, spans, to_seconds(considered))

    def _outages(self, requirement, period, time_period, spans, considered):
        state = requirement.state
        minimum = requirement.min_duration_micros
        period_start, _, start, end = period
        found = []
        still_running = False
        last_index = len(spans) - 1
        for index, (span_start, span_end, klass, _) in enumerate(spans):
            if klass != state:
                continue
            if self.start_period:
                if (
                    index == 0
                    and span_start == start
                    and self._running_before(time_period, period_start, start, state)
                ):
                    continue  # started in an earlier period, counted there
                if index == last_index and span_end == end and end < self.now:
                    span_end = self._follow(time_period, period, state)
                    still_running = span_end >= self.now
            if span_end - span_start >= minimum:
                found.append((span_start, span_end))
        count = len(found)
        remaining = requirement.max_count - count
        broken = count > requirement.max_count
        outages = tuple(Outage(a, b, to_seconds(b - a)) for a, b in found)
        return RequirementResult(
            title=requirement.title,
            kind=requirement.kind,
            state=_level_state(broken, requirement.levels, remaining),
            broken=broken,
            considered_seconds=considered,
            value=None,
            remaining=remaining,
            seconds=None,
            count=count,
            outages=outages,
            still_running=still_running,
        )

    def _running_before(self, time_period, period_start, start, state) -> bool:
        """Does the previous period's last span touch ``start`` with class ``state``?"""
        sla = self.sla
        _, _, previous_start, previous_end = _neighbour(sla.period, sla.timezone, period_start, -1)
        spans = self.timelines.spans(time_period, previous_start, previous_end, previous_end)[0]
        return bool(spans) and spans[-1][1] == start and spans[-1][2] == state

    def _follow(self, time_period, period, state) -> int:
        """End of an outage running at the end of ``period``, followed up to ``now``."""
        sla = self.sla
        period_start, _, _, end = period
        while True:
            following = _neighbour(sla.period, sla.timezone, period_start, 1)
            period_start, _, next_start, next_end = following
            if next_start != end or next_start >= self.now:
                return end
            stop = min(next_end, self.now)
            spans = self.timelines.spans(time_period, next_start, next_end, stop)[0]
            if not spans or spans[0][0] != next_start or spans[0][2] != state:
                return end
            end = spans[0][1]
            if end != next_end or next_end >= self.now:
                return end


def inputs_start(sla: SLASpec, range_from: datetime) -> datetime:
    """The earliest instant whose events and downtimes evaluating from ``range_from`` reads.

    Periods are evaluated whole, so inputs start at the period containing ``range_from``;
    with ``outage_split: start_period`` one period earlier, because an outage already
    running at a period's start belongs to an earlier period, and deciding that needs the
    previous period's last span (its events, downtimes and time period). With flap
    detection considered, a further detection window earlier: whether a service flaps at
    a period's start depends on the changes of the window before it.
    """
    first_start, _ = period_bounds(sla.period, sla.timezone, range_from)
    counts_whole_outages = sla.options.outage_split == "start_period" and any(
        requirement.kind == "outages" for requirement in sla.requirements
    )
    if counts_whole_outages:
        first_start = previous_period(sla.period, sla.timezone, first_start)[0]
    lookback = sla.options.lookback_micros
    if lookback:
        return from_micros(to_micros(first_start) - lookback)
    return first_start


def evaluate(
    sla: SLASpec,
    events: Iterable[Event],
    downtimes: Iterable[Interval],
    range_from: datetime,
    range_to: datetime,
    now: datetime,
    *,
    service_period: TimePeriodSpec | None = None,
    notification_period: TimePeriodSpec | None = None,
) -> list[PeriodResult]:
    """Evaluate every period of ``sla`` overlapping ``[range_from, range_to)``.

    ``events`` (any order) and ``downtimes`` must cover ``[inputs_start(sla, range_from),
    now)`` plus the last event before that instant and, with flag-carrying events, the
    flag in force then (for ``outage_split: start_period``, outages are followed up to
    ``now``). Periods starting at or after ``now`` are not reported; the current one is
    evaluated up to ``now``. ``service_period`` and ``notification_period`` are the
    service's (``None``: 24x7), in the SLA's time zone.
    """
    require_aware(range_from, "range_from")
    require_aware(range_to, "range_to")
    require_aware(now, "now")
    if range_to <= range_from:
        raise ValueError("range_to must be after range_from")
    timelines = ServiceTimeline(sla, events, downtimes, service_period, notification_period)
    now_micros = to_micros(now)
    evaluator = _Evaluator(sla, timelines, now_micros)
    results = []
    for period in _period_table(sla.period, sla.timezone, range_from, range_to):
        period_start, period_end, start, end = period
        if start >= now_micros:
            break
        complete = end <= now_micros
        stop = end if complete else now_micros
        requirements = tuple(
            evaluator.requirement(requirement, period, stop) for requirement in sla.requirements
        )
        state = NODATA
        for result in requirements:
            if RESULT_BADNESS[result.state] > RESULT_BADNESS[state]:
                state = result.state
        results.append(PeriodResult(period_start, period_end, complete, state, requirements))
    return results
