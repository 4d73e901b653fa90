"""Inputs and timeline spans of the engine: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Event:
    """A service entered ``state`` at ``at`` (aware) and keeps it until its next event.

    ``flapping`` is the monitoring core's flap flag: ``True``/``False`` sets it from
    ``at`` on, ``None`` (not given) keeps the current flag.
    """

    at: datetime
    state: str
    flapping: bool | None = None


@dataclass(frozen=True, slots=True)
class EventTimes:
    """Events given as ``(epoch microseconds, state)`` pairs, in any order.

    Accepted wherever events are: a caller that reads many events from a database can
    have them as integers and skip building a ``datetime`` per event.

    ``flags`` are the flap flags as ``(epoch microseconds, flapping)`` pairs, only for
    events that set one (any order); a reader that starts late passes the flag in force
    at its start as a pair at or before it.
    """

    rows: tuple[tuple[int, str], ...] | list[tuple[int, str]]
    flags: tuple[tuple[int, bool], ...] | list[tuple[int, bool]] = ()


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open interval ``[start, end)`` of aware instants, e.g. a downtime."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class IntervalTimes:
    """Downtimes given as ``(start, end)`` epoch microsecond pairs, in any order (the
    bulk counterpart of a list of :class:`Interval`)."""

    rows: tuple[tuple[int, int], ...] | list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Span:
    """A span of a timeline: the service's raw state and the class it counts as.

    In :func:`period_timeline` a span is the result of steps 1-5 of the semantics;
    ``raw_state`` is the worst raw state merged into it (``UNMONITORED`` lowest) and
    ``klass`` its class (``OK``/``WARN``/``CRIT``/``UNKNOWN``/``DOWNTIME``/``FLAPPING``).
    """

    start: datetime
    end: datetime
    raw_state: str
    klass: str
