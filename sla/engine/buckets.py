"""5-minute bucket arithmetic for uptime snapshots (pure Python, no Django).

A bucket is ``[start, start + 300 s)`` with ``start`` aligned to 5 minutes of UTC (so also of
every zone whose offset is a multiple of 5 minutes). Seconds are computed on integer
microseconds, so the state columns of a bucket add up to exactly 300 s whatever the event
instants are, and splitting a range at a bucket edge changes nothing.

The state columns (``ok``, ``warn``, ``crit``, ``unknown``, ``unmonitored``) partition the
bucket; ``downtime`` overlaps them: it is the monitored time inside a downtime (unmonitored
time is never downtime, as in the SLA semantics, section 3 rule 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import instants
from .instants import from_micros
from .periods import day_start, require_aware, zone
from .states import CRIT, OK, UNKNOWN, UNMONITORED, WARN
from .types import Interval, Span

BUCKET_SECONDS = 300
BUCKET = timedelta(seconds=BUCKET_SECONDS)
BUCKET_US = BUCKET_SECONDS * 1_000_000

# Column order of the per-state seconds in a bucket.
SNAPSHOT_STATES = (OK, WARN, CRIT, UNKNOWN, UNMONITORED)
_COLUMN = {state: index for index, state in enumerate(SNAPSHOT_STATES)}
_DOWNTIME = len(SNAPSHOT_STATES)

_MICROSECOND = timedelta(microseconds=1)


def to_micros(instant: datetime) -> int:
    """Exact integer microseconds since the epoch of an aware instant (checked here: bucket
    arithmetic is called from application code with datetimes of any origin)."""
    require_aware(instant, "instant")
    return instants.to_micros(instant)


def bucket_floor(instant: datetime) -> datetime:
    """Start of the bucket containing ``instant``."""
    micros = to_micros(instant)
    return from_micros(micros - micros % BUCKET_US)


def bucket_ceil(instant: datetime) -> datetime:
    """``instant`` if it is a bucket edge, else the start of the next bucket."""
    micros = to_micros(instant)
    remainder = micros % BUCKET_US
    return from_micros(micros if remainder == 0 else micros - remainder + BUCKET_US)


def is_bucket_edge(instant: datetime) -> bool:
    return to_micros(instant) % BUCKET_US == 0


def bucket_starts(start: datetime, end: datetime) -> Iterator[datetime]:
    """Starts of the buckets of ``[start, end)``; both must be bucket edges."""
    _require_edges(start, end)
    current = start
    while current < end:
        yield current
        current += BUCKET


@dataclass(frozen=True, slots=True)
class BucketSeconds:
    """Seconds of one bucket per state; ``downtime`` overlaps the state columns."""

    start: datetime
    ok: float = 0.0
    warn: float = 0.0
    crit: float = 0.0
    unknown: float = 0.0
    unmonitored: float = 0.0
    downtime: float = 0.0

    @property
    def seconds(self) -> tuple[float, float, float, float, float, float]:
        """The six figures in column order: ok, warn, crit, unknown, unmonitored, downtime."""
        return (self.ok, self.warn, self.crit, self.unknown, self.unmonitored, self.downtime)

    @property
    def total(self) -> float:
        """Seconds of the state columns: always the bucket length."""
        return self.ok + self.warn + self.crit + self.unknown + self.unmonitored

    def as_dict(self) -> dict[str, float]:
        return {
            "ok": self.ok,
            "warn": self.warn,
            "crit": self.crit,
            "unknown": self.unknown,
            "unmonitored": self.unmonitored,
            "downtime": self.downtime,
        }


def _require_edges(start: datetime, end: datetime) -> None:
    for name, value in (("start", start), ("end", end)):
        require_aware(value, name)
        if not is_bucket_edge(value):
            raise ValueError(f"{name} {value.isoformat()} is not a 5-minute bucket edge")
    if end < start:
        raise ValueError("end is before start")


def _clipped(pieces: Iterable[tuple[int, int, int]], low: int, high: int):
    for piece_start, piece_end, column in pieces:
        piece_start, piece_end = max(piece_start, low), min(piece_end, high)
        if piece_start < piece_end:
            yield piece_start, piece_end, column


def _state_pieces(spans: Iterable[Span]) -> list[tuple[int, int, int]]:
    pieces = []
    for span in spans:
        if span.raw_state not in _COLUMN:
            raise ValueError(f"span state {span.raw_state!r} is not a service state")
        pieces.append((to_micros(span.start), to_micros(span.end), _COLUMN[span.raw_state]))
    pieces.sort()
    return pieces


def _union(intervals: Iterable[Interval]) -> list[tuple[int, int]]:
    pairs = sorted((to_micros(item.start), to_micros(item.end)) for item in intervals)
    union: list[tuple[int, int]] = []
    for start, end in pairs:
        if end <= start:
            continue
        if union and start <= union[-1][1]:
            union[-1] = (union[-1][0], max(union[-1][1], end))
        else:
            union.append((start, end))
    return union


def _downtime_pieces(monitored: list[tuple[int, int, int]], downtimes: list[tuple[int, int]]):
    """Monitored time inside a downtime, as pieces of the downtime column."""
    index = 0
    for piece_start, piece_end, _ in monitored:
        while index < len(downtimes) and downtimes[index][1] <= piece_start:
            index += 1
        probe = index
        while probe < len(downtimes) and downtimes[probe][0] < piece_end:
            low, high = max(piece_start, downtimes[probe][0]), min(piece_end, downtimes[probe][1])
            if low < high:
                yield low, high, _DOWNTIME
            probe += 1


def _distribute(micros: list[list[int]], origin: int, pieces) -> None:
    """Add each piece's length to the buckets it covers."""
    for piece_start, piece_end, column in pieces:
        position = piece_start
        while position < piece_end:
            index = (position - origin) // BUCKET_US
            bucket_end = origin + (index + 1) * BUCKET_US
            cut = min(piece_end, bucket_end)
            micros[index][column] += cut - position
            position = cut


def bucket_seconds(
    spans: Iterable[Span],
    downtimes: Iterable[Interval],
    start: datetime,
    end: datetime,
) -> list[BucketSeconds]:
    """Seconds per state of every bucket of ``[start, end)`` (bucket edges).

    ``spans`` are a service's or group's raw-state spans (``OK``/``WARN``/``CRIT``/
    ``UNKNOWN``/``UNMONITORED``), non-overlapping, in any order; time they do not cover
    counts as unmonitored. ``downtimes`` may overlap each other.
    """
    _require_edges(start, end)
    low, high = to_micros(start), to_micros(end)
    count = (high - low) // BUCKET_US
    micros = [[0] * (len(SNAPSHOT_STATES) + 1) for _ in range(count)]
    states = list(_clipped(_state_pieces(spans), low, high))
    _distribute(micros, low, states)
    monitored = [piece for piece in states if piece[2] != _COLUMN[UNMONITORED]]
    _distribute(micros, low, _downtime_pieces(monitored, _union(downtimes)))
    result = []
    unmonitored = _COLUMN[UNMONITORED]
    for index, row in enumerate(micros):
        covered = sum(row[:_DOWNTIME])
        row[unmonitored] += BUCKET_US - covered  # uncovered time is unmonitored
        result.append(
            BucketSeconds(
                from_micros(low + index * BUCKET_US),
                *(value / 1_000_000 for value in row),
            )
        )
    return result


def sum_buckets(buckets: Sequence[BucketSeconds], start: datetime) -> BucketSeconds:
    """The sum of several buckets' seconds, labelled with ``start`` (e.g. an hour or a day)."""
    totals = [0.0] * (len(SNAPSHOT_STATES) + 1)
    for bucket in buckets:
        for index, value in enumerate(bucket.seconds):
            totals[index] += value
    return BucketSeconds(start, *totals)


def local_day(instant: datetime, tz_name: str) -> date:
    """The calendar date of ``instant`` in the IANA zone ``tz_name``."""
    require_aware(instant, "instant")
    return instant.astimezone(zone(tz_name)).date()


def local_day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """``[first instant of day, first instant of the next day)`` in UTC (23-25 hours)."""
    return day_start(tz_name, day), day_start(tz_name, day + timedelta(days=1))


def local_days(start: datetime, end: datetime, tz_name: str) -> list[date]:
    """The local dates overlapping ``[start, end)``."""
    if end <= start:
        return []
    first = local_day(start, tz_name)
    last = local_day(end - _MICROSECOND, tz_name)
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
