"""Inputs and timeline spans of the engine: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Event:
    """A service entered ``state`` at ``at`` (aware) and keeps it until its next event."""

    at: datetime
    state: str


@dataclass(frozen=True, slots=True)
class EventTimes:
    """Events given as ``(epoch microseconds, state)`` pairs, in any order.

    Accepted wherever events are: a caller that reads many events from a database can
    have them as integers and skip building a ``datetime`` per event.
    """

    rows: tuple[tuple[int, str], ...] | list[tuple[int, str]]


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
    ``klass`` its class (``OK``/``WARN``/``CRIT``/``UNKNOWN``/``DOWNTIME``).
    """

    start: datetime
    end: datetime
    raw_state: str
    klass: str
