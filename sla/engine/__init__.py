"""The SLA evaluation engine: pure Python, no Django (see SLA-SEMANTICS.md).

Frozen dataclasses in (:class:`SLASpec`, :class:`Event`, :class:`Interval`), frozen
dataclasses out (:class:`PeriodResult`), with an explicit ``now``.
"""

from .cases import Case, evaluate_case, parse_case, parse_instant
from .errors import SpecError
from .evaluate import evaluate, inputs_start
from .periods import iter_periods, next_period, period_bounds, previous_period
from .results import Outage, PeriodResult, RequirementResult, isoformat_utc
from .spec import (
    Levels,
    Options,
    Requirement,
    SLASpec,
    TimePeriodSpec,
    parse_levels,
    parse_options,
    parse_requirement,
    parse_sla,
    parse_time_period,
    sla_to_json,
    time_period_to_json,
)
from .states import (
    BROKEN,
    CRIT,
    DOWNTIME,
    NODATA,
    OK,
    RESULT_BADNESS,
    STATE_BADNESS,
    UNKNOWN,
    UNMONITORED,
    WARN,
    StateError,
    normalize_state,
    worst_result_state,
    worst_state,
)
from .timeline import period_timeline, state_timeline
from .timeperiods import active_intervals, contains
from .types import Event, EventTimes, Interval, IntervalTimes, Span

__all__ = [
    "BROKEN",
    "CRIT",
    "DOWNTIME",
    "NODATA",
    "OK",
    "RESULT_BADNESS",
    "STATE_BADNESS",
    "UNKNOWN",
    "UNMONITORED",
    "WARN",
    "Case",
    "Event",
    "EventTimes",
    "Interval",
    "IntervalTimes",
    "Levels",
    "Options",
    "Outage",
    "PeriodResult",
    "Requirement",
    "RequirementResult",
    "SLASpec",
    "Span",
    "SpecError",
    "StateError",
    "TimePeriodSpec",
    "active_intervals",
    "contains",
    "evaluate",
    "evaluate_case",
    "inputs_start",
    "isoformat_utc",
    "iter_periods",
    "next_period",
    "normalize_state",
    "parse_case",
    "parse_instant",
    "parse_levels",
    "parse_options",
    "parse_requirement",
    "parse_sla",
    "parse_time_period",
    "period_bounds",
    "period_timeline",
    "previous_period",
    "sla_to_json",
    "state_timeline",
    "time_period_to_json",
    "worst_result_state",
    "worst_state",
]
