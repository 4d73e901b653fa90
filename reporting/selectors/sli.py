"""The time views of the service and SLO pages: the SLI over the last 15 minutes, hour, day
and 30 days side by side, the request-rate/error-rate series of the chart, and the allowed
downtime of the targets shown (the nines table).

Request figures come from the request counts (a bucket counts in the window its start falls
in; windows end now); SLO figures from the SLO buckets (windows end at the end of the
current 5-minute slot, README "Windows"). Every SLI is an exact Fraction until it is shown.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q, Sum

from sla.engine.budget import as_fraction
from sla.engine.nines import PERIODS, AllowedDowntime, allowed_downtime
from sla.models import RequestCount, SLOHourBucket
from sla.models.slo import SLOTS_PER_HOUR, TIME_UNIT_SLI_KINDS
from sla.selectors.slo import window_sums
from sla.selectors.slo_windows import HOUR, SLOT, floor_to, slot_end

WINDOWS: tuple[tuple[str, dt.timedelta], ...] = (
    ("15 min", dt.timedelta(minutes=15)),
    ("1 h", dt.timedelta(hours=1)),
    ("1 d", dt.timedelta(days=1)),
    ("30 d", dt.timedelta(days=30)),
)
# How much worse the last 15 minutes must be than the last 30 days to call it an incident.
INCIDENT_FACTOR = 5
CHART_RANGES: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    "1h": (dt.timedelta(hours=1), dt.timedelta(minutes=1)),
    "1d": (dt.timedelta(days=1), dt.timedelta(minutes=5)),
    "30d": (dt.timedelta(days=30), dt.timedelta(hours=1)),
}


@dataclass(frozen=True)
class WindowFigure:
    """The SLI over one window: good and total (requests, or microseconds of time)."""

    label: str
    good: int
    total: int

    @property
    def sli(self) -> Fraction | None:
        return Fraction(self.good, self.total) if self.total else None

    @property
    def bad_ratio(self) -> Fraction | None:
        return None if not self.total else 1 - Fraction(self.good, self.total)


@dataclass
class SLIRow:
    """One line of the side-by-side table: a label, its target (percent, if any), its
    figures per window and whether the last 15 minutes look like an ongoing incident."""

    label: str
    unit: str  # "requests" or "minutes"
    target: Decimal | None
    figures: list[WindowFigure]
    link: str | None = None
    incident: bool = field(init=False, default=False)

    def __post_init__(self):
        self.incident = incident_suspected(self.figures[0], self.figures[-1], self.target)


def incident_suspected(short: WindowFigure, long: WindowFigure, target=None) -> bool:
    """The recipe's reading of the side-by-side view: the last 15 minutes far below the
    last 30 days means an incident is going on. Exactly: the short window's bad share is
    at least INCIDENT_FACTOR times the long window's and at least what the target allows
    (1 % without a target)."""
    short_bad, long_bad = short.bad_ratio, long.bad_ratio
    if not short_bad:
        return False
    if long_bad is not None and short_bad < INCIDENT_FACTOR * long_bad:
        return False
    allowed = Fraction(1, 100) if target is None else 1 - as_fraction(target) / 100
    return short_bad >= allowed


def request_window_figures(*, account, service_ids, now: dt.datetime) -> list[WindowFigure]:
    """Good and total requests of these services over each window ending now (one query)."""
    longest = max(length for _, length in WINDOWS)
    aggregates = {}
    for index, (_, length) in enumerate(WINDOWS):
        inside = Q(start__gte=now - length)
        aggregates[f"good_{index}"] = Sum("good", filter=inside)
        aggregates[f"total_{index}"] = Sum("total", filter=inside)
    sums = (
        RequestCount.objects.for_account(account)
        .filter(service_id__in=list(service_ids), start__gte=now - longest, start__lt=now)
        .aggregate(**aggregates)
    )
    return [
        WindowFigure(label, int(sums[f"good_{index}"] or 0), int(sums[f"total_{index}"] or 0))
        for index, (label, _) in enumerate(WINDOWS)
    ]


def slo_window_figures(*, account, slos, now: dt.datetime) -> dict[int, list[WindowFigure]]:
    """Each SLO's good and total over each window, from its buckets (two queries)."""
    end = slot_end(now)
    ranges = {f"w{index}": (end - length, end) for index, (_, length) in enumerate(WINDOWS)}
    sums = window_sums(account=account, ranges=ranges, slo_ids=[slo.pk for slo in slos])
    return {
        slo.pk: [
            WindowFigure(label, *sums.get(slo.pk, {}).get(f"w{index}", (0, 0)))
            for index, (label, _) in enumerate(WINDOWS)
        ]
        for slo in slos
    }


def slo_row(slo, figures: list[WindowFigure], link: str | None = None) -> SLIRow:
    unit = "minutes" if slo.sli_kind in TIME_UNIT_SLI_KINDS else "requests"
    return SLIRow(f"SLO {slo.name}", unit, _decimal(slo.target), figures, link)


# --------------------------------------------------------------------------- chart series


@dataclass(frozen=True)
class RatePoint:
    """One step of the chart: good and total in [at, at + seconds)."""

    at: dt.datetime
    seconds: int
    good: int
    total: int


def chart_range(choice: str | None) -> tuple[str, dt.timedelta, dt.timedelta]:
    """(name, length, step) of a chart range choice; 1 day by default."""
    name = choice if choice in CHART_RANGES else "1d"
    return (name, *CHART_RANGES[name])


def _steps(now: dt.datetime, length: dt.timedelta, step: dt.timedelta) -> list[dt.datetime]:
    end = floor_to(now, step) + step
    count = int(length / step)
    return [end - step * (count - index) for index in range(count)]


def request_rate_series(
    *, account, service_ids, now: dt.datetime, length: dt.timedelta, step: dt.timedelta
) -> list[RatePoint]:
    """Requests per step of these services over `length` ending with the current step."""
    starts = _steps(now, length, step)
    sums = {start: [0, 0] for start in starts}
    rows = (
        RequestCount.objects.for_account(account)
        .filter(service_id__in=list(service_ids), start__gte=starts[0])
        .filter(start__lt=starts[-1] + step)
        .values_list("start", "good", "total")
    )
    for start, good, total in rows.iterator(chunk_size=5000):
        row = sums[floor_to(start, step)]
        row[0] += good
        row[1] += total
    return _points(sums, step, now)


def _points(sums: dict, step: dt.timedelta, now: dt.datetime) -> list[RatePoint]:
    """RatePoints; the current step's rate is over the time elapsed in it (not its whole
    length, which would show a drop at the end of every chart)."""
    points = []
    for start, (good, total) in sums.items():
        elapsed = min(step, max(now - start, dt.timedelta(seconds=1)))
        points.append(RatePoint(start, int(elapsed.total_seconds()), good, total))
    return points


def slo_rate_series(
    *, account, slo, now: dt.datetime, length: dt.timedelta, step: dt.timedelta
) -> list[RatePoint]:
    """An SLO's good and total per step from its hour buckets (5-minute slots; a step of
    an hour or more sums whole hours)."""
    step = max(step, SLOT)
    starts = _steps(now, length, step)
    sums = {start: [0, 0] for start in starts}
    rows = (
        SLOHourBucket.objects.for_account(account)
        .filter(slo=slo, hour_start__gte=floor_to(starts[0], HOUR))
        .filter(hour_start__lt=starts[-1] + step)
    )
    for row in rows:
        for index in range(SLOTS_PER_HOUR):
            good, total = getattr(row, f"good_{index}"), getattr(row, f"total_{index}")
            if not total:
                continue
            bucket = sums.get(floor_to(row.hour_start + SLOT * index, step))
            if bucket is not None:
                bucket[0] += good
                bucket[1] += total
    return _points(sums, step, now)


# --------------------------------------------------------------------------- nines


@dataclass(frozen=True)
class NinesRow:
    """The allowed downtime of one target (an SLA requirement or an SLO) per period."""

    label: str
    target: Decimal
    comparison: str
    periods: list[AllowedDowntime]


def nines_rows(targets: list[tuple[str, object, str]]) -> list[NinesRow]:
    """One row per (label, target percent, comparison), duplicates of a target kept (each
    names what it belongs to)."""
    return [
        NinesRow(label, _decimal(target), comparison, allowed_downtime(target, comparison))
        for label, target, comparison in targets
        if target is not None and 0 <= target <= 100
    ]


def _decimal(value) -> Decimal:
    """A target as the decimal it was written as (a float through its shortest repr)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


NINES_PERIODS = PERIODS
