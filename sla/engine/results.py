"""Results of an evaluation and their JSON shapes (SLA-SEMANTICS.md section 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from .instants import from_micros, to_micros


def isoformat_utc(instant: datetime) -> str:
    """``2024-03-04T00:00:00Z``: UTC, ISO 8601, ``Z`` suffix, microseconds only if any."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


class Outage:
    """One outage: a span of the requirement's state that lasted long enough.

    Held as epoch microseconds and turned into datetimes only when read: a bulk
    evaluation finds hundreds of thousands of outages, and most are only stored as JSON
    or counted. Built from aware datetimes or from integer microseconds alike; treated as
    immutable (hashable by value).
    """

    __slots__ = ("_end", "_start", "seconds")

    def __init__(self, start: datetime | int, end: datetime | int, seconds: float):
        self._start = start if type(start) is int else to_micros(start)
        self._end = end if type(end) is int else to_micros(end)
        self.seconds = seconds

    @property
    def start(self) -> datetime:
        return from_micros(self._start)

    @property
    def end(self) -> datetime:
        return from_micros(self._end)

    def _key(self) -> tuple:
        return (self._start, self._end, self.seconds)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Outage):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Outage(start={self.start!r}, end={self.end!r}, seconds={self.seconds!r})"

    def to_json(self) -> dict:
        return {
            "start": isoformat_utc(self.start),
            "end": isoformat_utc(self.end),
            "seconds": self.seconds,
        }


@dataclass(frozen=True, slots=True)
class RequirementResult:
    """One requirement in one period.

    ``percentage`` results have ``value``/``remaining``/``seconds`` and ``count`` and
    ``outages`` ``None``; ``outages`` results have ``count``/``remaining``/``outages``
    and ``value``/``seconds`` ``None``. ``NODATA`` results have ``value`` and
    ``remaining`` ``None`` and ``count`` 0.

    ``value`` and ``remaining`` are the floats nearest to the exact figures, which
    ``exact_value`` and ``exact_remaining`` give as fractions; ``state`` and ``broken``
    were decided on the exact figures.
    """

    title: str
    kind: str
    state: str
    broken: bool
    considered_seconds: float
    value: float | None
    remaining: float | int | None
    seconds: dict[str, float] | None
    count: int | None
    outages: tuple[Outage, ...] | None
    # start_period only: the period's last outage (counted or still too short) runs on
    # through ``now``, so this completed period's figures are not final yet. Not in JSON.
    still_running: bool = False
    # Percentage results: the exact value and remaining buffer as (numerator, denominator)
    # of integers; kept as plain ints (no Fraction built) until someone asks. Not in JSON.
    value_ratio: tuple[int, int] | None = None
    remaining_ratio: tuple[int, int] | None = None

    @property
    def exact_value(self) -> Fraction | None:
        """The exact percentage ``A`` (percentage requirements with data)."""
        return None if self.value_ratio is None else Fraction(*self.value_ratio)

    @property
    def exact_remaining(self) -> Fraction | int | None:
        """The exact remaining buffer ``R`` (outage requirements: the int itself)."""
        if self.remaining_ratio is not None:
            return Fraction(*self.remaining_ratio)
        return self.remaining if isinstance(self.remaining, int) else None

    def to_json(self) -> dict:
        result = {
            "title": self.title,
            "kind": self.kind,
            "state": self.state,
            "broken": self.broken,
            "considered_seconds": self.considered_seconds,
        }
        if self.kind == "percentage":
            result["value"] = self.value
            result["remaining"] = self.remaining
            result["seconds"] = dict(self.seconds or {})
        else:
            result["count"] = self.count
            result["remaining"] = self.remaining
            result["outages"] = [outage.to_json() for outage in self.outages or ()]
        return result


@dataclass(frozen=True, slots=True)
class PeriodResult:
    """All requirements of one period; ``end`` is the calendar end even when incomplete."""

    start: datetime
    end: datetime
    complete: bool
    state: str
    requirements: tuple[RequirementResult, ...]

    def to_json(self) -> dict:
        return {
            "start": isoformat_utc(self.start),
            "end": isoformat_utc(self.end),
            "complete": self.complete,
            "state": self.state,
            "requirements": [requirement.to_json() for requirement in self.requirements],
        }
