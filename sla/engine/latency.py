"""Latency SLIs: fixed histogram bounds, threshold counts and time-slice verdicts (no Django).

**Bounds.** Request times are counted in a histogram with fixed upper bounds in
milliseconds (``BOUNDS_MS``: 1-9, then 10, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90 in
every decade up to 9,000, then 10 to 60 s; 54 bounds and an overflow bucket above 60 s).
Bucket ``i`` counts the requests with ``BOUNDS_MS[i-1] < time <= BOUNDS_MS[i]`` (``le``
semantics, like Prometheus); the last bucket counts everything above 60 s.

Only **successful** requests (status below 500) are counted in the histogram: a 5xx is
never good, so for every latency SLI it counts as slower than any threshold.

**Thresholds** of latency SLOs (and the ``le_ms`` keys of posted request counts) are
bounds, so "good requests at or under the threshold" is a cumulative sum of whole buckets:
exact, no interpolation. The bucketing therefore costs no precision in any verdict; what it
limits is (1) which thresholds exist (every common one does: 100, 200, 250, 300, 500 ms, 1 s
...) and (2) how precisely a percentile *value* can be shown: it is known to lie in one
bucket, at most 1 ms wide up to 10 ms and at most a quarter of its upper bound above
(15 -> 20 ms and 30 -> 40 ms are the widest steps). The only rounding left is the log's
own: nginx writes ``$request_time`` in whole milliseconds.

**Time slices** (Datadog/OpenSLO ``Timeslices``): a slice (a one-minute bucket) is good when
its ``p``-th percentile is at or under the threshold. With the nearest-rank definition that
is exactly ``within * 100 >= p * total``, where ``within`` counts the successful requests at
or under the threshold and ``total`` every request of the slice (5xx included). A slice
without requests has no percentile and is not considered (neither good nor bad).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from fractions import Fraction

_DECADE = (10, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90)
BOUNDS_MS: tuple[int, ...] = (
    *range(1, 10),
    *_DECADE,
    *(step * 10 for step in _DECADE),
    *(step * 100 for step in _DECADE),
    10_000,
    12_000,
    15_000,
    20_000,
    25_000,
    30_000,
    40_000,
    50_000,
    60_000,
)
BUCKETS = len(BOUNDS_MS) + 1  # the last bucket holds everything above 60 s
BOUNDS_SECONDS: tuple[float, ...] = tuple(bound / 1000 for bound in BOUNDS_MS)
BOUND_INDEX: dict[int, int] = {bound: index for index, bound in enumerate(BOUNDS_MS)}
MAX_REQUEST_SECONDS = 86_400  # a request time above a day is refused as absurd


class LatencyError(ValueError):
    """Latency data that cannot be used; ``field`` names the offending part."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a request time in seconds (``le`` bounds, see module doc).

    ``float("0.300")`` and ``300 / 1000`` are the same double, so a time logged exactly at a
    bound falls in that bound's bucket."""
    return bisect_left(BOUNDS_SECONDS, seconds)


def check_seconds(value: float) -> None:
    """Raise LatencyError for negative, non-finite or absurd (over a day) request times."""
    if not value >= 0:  # NaN fails this too
        raise LatencyError("request_time", f"request time {value!r} s is negative or not a number")
    if value > MAX_REQUEST_SECONDS:
        raise LatencyError(
            "request_time",
            f"request time {value!r} s is absurd (more than {MAX_REQUEST_SECONDS} s)",
        )


def empty_histogram() -> list[int]:
    return [0] * BUCKETS


def histogram_add(into: list[int], other: Iterable[int]) -> list[int]:
    """Add ``other`` into ``into`` bucket by bucket (in place) and return ``into``."""
    for index, count in enumerate(other):
        into[index] += count
    return into


def within_threshold(latency: Mapping | None, threshold_ms: int) -> int | None:
    """Successful requests at or under ``threshold_ms`` in one bucket's latency data.

    ``latency`` is the stored form: ``{"histogram": [...BUCKETS counts...]}`` and/or
    ``{"le_ms": {"300": 980, ...}}``. ``None`` when the data does not say (no latency data,
    or no count for this threshold): such a bucket is left out of latency SLIs.
    """
    if not latency:
        return None
    histogram = latency.get("histogram")
    index = BOUND_INDEX.get(threshold_ms)
    if histogram and index is not None:
        return sum(histogram[: index + 1])
    le_ms = latency.get("le_ms")
    if le_ms:
        value = le_ms.get(str(threshold_ms))
        if value is not None:
            return value
    return None


def slice_is_good(*, within: int, total: int, percentile: Fraction) -> bool:
    """A slice's ``percentile``-th percentile is at or under the threshold (nearest rank):
    ``within * 100 >= percentile * total``, compared exactly."""
    return within * 100 * percentile.denominator >= percentile.numerator * total


def percentile_bucket(histogram: list[int], total: int, percentile: Fraction):
    """The bucket holding the ``percentile``-th percentile of a slice, as ``(low_ms,
    high_ms)`` (``high_ms`` None above 60 s; ``None`` when 5xx responses reach the rank or
    the slice is empty). For display: the value lies in ``(low_ms, high_ms]``."""
    if total <= 0:
        return None
    rank = -(-(percentile.numerator * total) // (100 * percentile.denominator))  # ceil
    rank = max(rank, 1)
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            low = BOUNDS_MS[index - 1] if index else 0
            return low, BOUNDS_MS[index] if index < len(BOUNDS_MS) else None
    return None


def parse_threshold(value, field: str = "threshold") -> int:
    """A threshold in milliseconds that is one of the bounds (int or digit string)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 6:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value not in BOUND_INDEX:
        raise LatencyError(field, f"{value!r} is not a histogram bound; use one of {bounds_text()}")
    return value


def bounds_text() -> str:
    return ", ".join(str(bound) for bound in BOUNDS_MS) + " (ms)"


def parse_latency(data, *, good: int) -> dict:
    """Validate posted latency data of a bucket with ``good`` successful requests.

    ``{"le_ms": {"100": 900, "300": 980}}``: successful requests at or under each threshold
    (thresholds are bounds; counts whole, at most ``good``, not decreasing with the
    threshold); ``{"histogram": [...]}``: ``BUCKETS`` counts per bucket adding up to at most
    ``good``. Either or both. Returns the stored form; raises LatencyError.
    """
    if not isinstance(data, dict) or not data or set(data) - {"le_ms", "histogram"}:
        raise LatencyError("latency", 'Give {"le_ms": {"<ms>": count, ...}} and/or "histogram".')
    stored = {}
    if "le_ms" in data:
        stored["le_ms"] = _parse_le_ms(data["le_ms"], good)
    if "histogram" in data:
        stored["histogram"] = _parse_histogram(data["histogram"], good)
    return stored


def _parse_le_ms(value, good: int) -> dict[str, int]:
    if not isinstance(value, dict) or not value or len(value) > BUCKETS:
        raise LatencyError("latency.le_ms", "Give an object of threshold (ms) -> count.")
    counts: dict[int, int] = {}
    for key, count in value.items():
        threshold = parse_threshold(key, f"latency.le_ms.{str(key)[:20]}")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= good:
            raise LatencyError(
                f"latency.le_ms.{threshold}", f"Give a whole count from 0 to good ({good})."
            )
        counts[threshold] = count
    previous = 0
    for threshold in sorted(counts):
        if counts[threshold] < previous:
            raise LatencyError(
                f"latency.le_ms.{threshold}", "Counts cannot decrease as the threshold grows."
            )
        previous = counts[threshold]
    return {str(threshold): counts[threshold] for threshold in sorted(counts)}


def _parse_histogram(value, good: int) -> list[int]:
    if not isinstance(value, list) or len(value) != BUCKETS:
        raise LatencyError("latency.histogram", f"Give a list of {BUCKETS} counts (see bounds).")
    for count in value:
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise LatencyError("latency.histogram", "Counts must be whole and not negative.")
    if sum(value) > good:
        raise LatencyError("latency.histogram", f"The counts add up to more than good ({good}).")
    return list(value)
