"""Reads for SLOs: window sums from buckets, budgets, burn rates, snapshots, reports.

Sums for many SLOs and many windows come from two aggregate queries per batch (hour rows
and day rows), with one conditional SUM per window piece; no per-SLO Python loop over rows.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db import connections, transaction
from django.db.models import BigIntegerField, F, Q, Sum
from django.db.models.functions import Cast

from sla.engine.budget import (
    DEFAULT_BURN_WINDOWS,
    BurnWindow,
    ErrorBudget,
    as_fraction,
    burn_rate,
    error_budget,
    time_to_exhaustion,
)
from sla.models import SLO, Alert, AlertState, SLODayBucket, SLOHourBucket
from sla.models.slo import TIME_UNIT_SLI_KINDS
from sla.selectors.slo_history import HistorySums
from sla.selectors.slo_windows import (
    DAY,
    SLOWindow,
    completed_windows,
    current_slot,
    decompose,
    lookback_ranges,
    slo_window,
    slot_end,
)
from sla.sli_kinds import stored_per_unit, unit_name

DEFAULT_MIN_EVENTS = 100
STANDARD_LOOKBACKS = (300, 1800, 3600, 6 * 3600, 3 * 86400)

Range = tuple[dt.datetime, dt.datetime]


def _slot_sum(prefix: str, first: int, last: int):
    expression = F(f"{prefix}_{first}")
    for index in range(first + 1, last):
        expression = expression + F(f"{prefix}_{index}")
    return expression


def _sum(expression, condition):
    # bigint, not numeric: PostgreSQL sums bigints as numeric, which Python reads as Decimal.
    return Cast(Sum(expression, filter=condition), BigIntegerField())


def _any_of(conditions: dict) -> Q | None:
    needed = None
    for condition in conditions.values():
        needed = condition if needed is None else needed | condition
    return needed


def _hour_aggregates(ranges: dict[str, Range]) -> tuple[dict, Q | None]:
    aggregates, conditions = {}, {}
    for key, (start, end) in ranges.items():
        pieces = decompose(start, end)
        for number, (first, last) in enumerate(pieces.hours):
            condition = Q(hour_start__gte=first, hour_start__lt=last)
            aggregates[f"{key}__h{number}__good"] = _sum("good", condition)
            aggregates[f"{key}__h{number}__total"] = _sum("total", condition)
            conditions[(first, last)] = condition
        for number, (hour, first, last) in enumerate(pieces.partial):
            condition = Q(hour_start=hour)
            aggregates[f"{key}__p{number}__good"] = _sum(_slot_sum("good", first, last), condition)
            aggregates[f"{key}__p{number}__total"] = _sum(
                _slot_sum("total", first, last), condition
            )
            conditions[hour] = condition
    return aggregates, _any_of(conditions)


def _day_aggregates(ranges: dict[str, Range]) -> tuple[dict, Q | None]:
    aggregates, conditions = {}, {}
    for key, (start, end) in ranges.items():
        for number, (first, last) in enumerate(decompose(start, end).days):
            condition = Q(day_start__gte=first, day_start__lt=last)
            aggregates[f"{key}__d{number}__good"] = _sum("good", condition)
            aggregates[f"{key}__d{number}__total"] = _sum("total", condition)
            conditions[(first, last)] = condition
    return aggregates, _any_of(conditions)


def _collect(queryset, aggregates, needed, sums) -> None:
    if not aggregates:
        return
    rows = queryset.filter(needed).order_by().values("slo_id").annotate(**aggregates)
    for row in rows:
        slo_sums = sums[row.pop("slo_id")]
        for name, value in row.items():
            if value:
                key, _, column = name.split("__")
                good, total = slo_sums.get(key, (0, 0))
                if column == "good":
                    slo_sums[key] = (good + value, total)
                else:
                    slo_sums[key] = (good, total + value)


def window_sums(
    *, account, ranges: dict[str, Range], slo_ids: list[int] | None = None
) -> dict[int, dict[str, tuple[int, int]]]:
    """(good, total) per SLO and named range, summed from the account's buckets.

    Two queries whatever the number of SLOs and ranges; SLOs or ranges without rows are
    absent (read them as (0, 0)). `slo_ids` narrows the SLOs (default: all of the account).
    """
    sums: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    hours = SLOHourBucket.objects.for_account(account)
    days = SLODayBucket.objects.for_account(account)
    if slo_ids is not None:
        hours, days = hours.filter(slo_id__in=slo_ids), days.filter(slo_id__in=slo_ids)
    with transaction.atomic(using=hours.db):
        if connections[hours.db].vendor == "postgresql":
            with connections[hours.db].cursor() as cursor:
                # Short aggregate reads: JIT compilation costs more than it saves, and the
                # per-SLO sort fits in memory.
                cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        _collect(hours, *_hour_aggregates(ranges), sums)
        _collect(days, *_day_aggregates(ranges), sums)
    return sums


# --------------------------------------------------------------------------- statuses


def slo_burn_windows(slo) -> tuple[tuple[BurnWindow, ...], int]:
    """The SLO's window pairs and min-events guard (the workbook's defaults without a
    policy). Reads `slo.alert_policy.windows` (prefetch it for many SLOs)."""
    policy = slo.alert_policy
    if policy is None:
        return DEFAULT_BURN_WINDOWS, DEFAULT_MIN_EVENTS
    windows = tuple(
        BurnWindow(
            severity=row.severity,
            long_seconds=row.long_window_seconds,
            short_seconds=row.short_window_seconds,
            budget_consumed=as_fraction(row.budget_consumed_percent) / 100,
        )
        for row in policy.windows.all()
    )
    return windows, policy.min_events


def window_key(window: BurnWindow) -> str:
    return f"{window.severity}:{window.long_seconds}:{window.short_seconds}"


@dataclass
class SLOStatus:
    """An SLO at `now`: window, budget, burn rates per lookback (seconds), exhaustion."""

    slo: SLO
    window: SLOWindow
    budget: ErrorBudget
    burn_rates: dict[int, Fraction | None]
    counts: dict[int, tuple[int, int]]
    time_to_exhaustion: Fraction | None  # seconds, at the 1 h burn rate
    burn_windows: tuple[BurnWindow, ...] = ()
    min_events: int = DEFAULT_MIN_EVENTS
    alerts: list = field(default_factory=list)


def _lookback_key(seconds: int) -> str:
    return f"lb{seconds}"


def _complete_key(seconds: int) -> str:
    return f"lbc{seconds}"


CURRENT_SLOT_KEY = "current"


def lookback_sums(slo_sums: dict, seconds: int) -> tuple[int, int]:
    """(good, total) of a lookback: ending with the current slot while it holds data, else
    with the last complete slot (sla.selectors.slo_windows.lookback_ranges)."""
    if slo_sums.get(CURRENT_SLOT_KEY, (0, 0))[1]:
        return slo_sums.get(_lookback_key(seconds), (0, 0))
    return slo_sums.get(_complete_key(seconds), (0, 0))


def lookback_window_ranges(now: dt.datetime, lookbacks) -> dict[str, Range]:
    """The named ranges `lookback_sums` reads: each lookback in both forms, and the
    current slot that decides between them."""
    ranges = {CURRENT_SLOT_KEY: current_slot(now)}
    for seconds in lookbacks:
        with_current, complete = lookback_ranges(now, seconds)
        ranges[_lookback_key(seconds)] = with_current
        ranges[_complete_key(seconds)] = complete
    return ranges


def _signature(slo) -> tuple:
    if slo.window_kind == "calendar":
        return ("calendar", slo.calendar_unit, slo.timezone)
    return ("rolling", slo.window_days)


def slo_statuses(
    *, account, slos, now: dt.datetime, lookbacks=STANDARD_LOOKBACKS
) -> dict[int, SLOStatus]:
    """Budget, burn rates and open alerts of many SLOs: two queries per distinct window
    shape and one for the alerts. The one code path of SLO lists and details."""
    groups: dict[tuple, list] = defaultdict(list)
    for slo in slos:
        groups[_signature(slo)].append(slo)
    statuses = {}
    for members in groups.values():
        window = slo_window(members[0], now)
        needed = set(lookbacks)
        windows_of = {}
        for slo in members:
            windows_of[slo.pk] = slo_burn_windows(slo)
            for burn_window in windows_of[slo.pk][0]:
                needed.update((burn_window.long_seconds, burn_window.short_seconds))
        ranges = {"window": (window.start, window.end), **lookback_window_ranges(now, needed)}
        sums = window_sums(
            account=account,
            ranges=ranges,
            slo_ids=None if len(members) > 500 else [slo.pk for slo in members],
        )
        for slo in members:
            statuses[slo.pk] = _status(slo, window, sums.get(slo.pk, {}), needed, windows_of)
    _attach_open_alerts(account, statuses)
    return statuses


def _attach_open_alerts(account, statuses: dict[int, SLOStatus]) -> None:
    """Each status's open (pending or firing) alerts, newest first: one query for all, so
    a list shows what each SLO's detail shows."""
    if not statuses:
        return
    alerts = Alert.objects.for_account(account).exclude(state=AlertState.RESOLVED)
    if len(statuses) <= 500:
        alerts = alerts.filter(slo_id__in=list(statuses))
    for alert in alerts:
        status = statuses.get(alert.slo_id)
        if status is not None:
            status.alerts.append(alert)


def _status(slo, window, slo_sums, lookbacks, windows_of) -> SLOStatus:
    target = as_fraction(slo.target)
    good, total = slo_sums.get("window", (0, 0))
    budget = error_budget(target=target, good=good, total=total)
    counts, burns = {}, {}
    for seconds in lookbacks:
        lookback_good, lookback_total = lookback_sums(slo_sums, seconds)
        counts[seconds] = (lookback_good, lookback_total)
        burns[seconds] = burn_rate(
            target=target, bad=lookback_total - lookback_good, total=lookback_total
        )
    burn_windows, min_events = windows_of[slo.pk]
    # The guard is in shown units (requests, events, considered seconds); buckets store
    # microseconds for time SLIs and thousandths for PromQL counts.
    min_events *= stored_per_unit(slo.sli_kind)
    return SLOStatus(
        slo=slo,
        window=window,
        budget=budget,
        burn_rates=burns,
        counts=counts,
        time_to_exhaustion=time_to_exhaustion(
            remaining_fraction=budget.remaining_fraction,
            burn=burns.get(3600),
            window_seconds=window.seconds,
        ),
        burn_windows=burn_windows,
        min_events=min_events,
    )


def slo_status(*, account, slo, now: dt.datetime, extra_lookbacks=()) -> SLOStatus:
    lookbacks = tuple(sorted({*STANDARD_LOOKBACKS, *extra_lookbacks}))
    return slo_statuses(account=account, slos=[slo], now=now, lookbacks=lookbacks)[slo.pk]


def slo_list(*, account):
    return (
        SLO.objects.for_account(account)
        .select_related("service", "group", "alert_policy", "time_period")
        .prefetch_related("alert_policy__windows")
    )


# --------------------------------------------------------------------------- history


def _unit(slo) -> int:
    return stored_per_unit(slo.sli_kind)


def slo_snapshots(
    *, account, slo, start: dt.datetime, end: dt.datetime, now: dt.datetime, step: dt.timedelta
) -> list[dict]:
    """SLI and budget at each `step` boundary in (start, end]: the window ending there
    (hour-aligned), summed from day and hour rows (sla.selectors.slo_history)."""
    end = min(end, slot_end(now))
    points = []
    boundary = start.replace(minute=0, second=0, microsecond=0) + step
    boundaries = []
    while boundary <= end and len(boundaries) < 2000:
        boundaries.append(boundary)
        boundary += step
    if not boundaries:
        return points
    first_window = slo_window(slo, boundaries[0] - dt.timedelta(microseconds=1))
    sums = HistorySums(
        account=account,
        slo=slo,
        start=first_window.start.replace(minute=0),
        end=boundaries[-1],
    )
    for point in boundaries:
        window = slo_window(slo, point - dt.timedelta(microseconds=1))
        window_start = window.start.replace(minute=0)  # hour resolution for history
        good, total = sums.window(window_start, point)
        budget = error_budget(target=slo.target, good=good, total=total)
        points.append(_point_json(slo, point, budget))
    return points


def _point_json(slo, instant, budget: ErrorBudget) -> dict:
    unit = _unit(slo)
    return {
        "at": instant,
        "sli": _percent(budget.sli),
        "good": float(budget.good / unit),
        "total": float(budget.total / unit),
        "budget_remaining_fraction": _float(budget.remaining_fraction),
        "met": budget.met,
    }


def _percent(value):
    return None if value is None else float(value * 100)


def _float(value):
    return None if value is None else float(value)


def slo_reports(*, account, slos, now: dt.datetime, count: int) -> list[dict]:
    """Compliance of each SLO in its last `count` completed windows."""
    reports = []
    for slo in slos:
        windows = completed_windows(slo, now, count)
        ranges = {f"w{index}": window for index, window in enumerate(windows)}
        sums = window_sums(account=account, ranges=ranges, slo_ids=[slo.pk]).get(slo.pk, {})
        for index, (start, end) in enumerate(windows):
            good, total = sums.get(f"w{index}", (0, 0))
            budget = error_budget(target=slo.target, good=good, total=total)
            reports.append(
                {
                    "slo": slo.pk,
                    "slo_name": slo.name,
                    "window_start": start,
                    "window_end": end,
                    **budget_json(slo, budget),
                }
            )
    return reports


def budget_json(slo, budget: ErrorBudget) -> dict:
    """The public shape of a budget (README "SLO API"): units are minutes, requests or
    (PromQL SLIs) events."""
    timed = slo.sli_kind in TIME_UNIT_SLI_KINDS
    unit = _unit(slo)
    scale = Fraction(unit * 60) if timed else Fraction(unit)
    return {
        "sli": _percent(budget.sli),
        "target": float(slo.target),
        "met": budget.met,
        "unit": "minutes" if timed else unit_name(slo.sli_kind),
        "good": float(budget.good / scale),
        "total": float(budget.total / scale),
        "budget": float(budget.allowed / scale),
        "consumed": float(budget.bad / scale),
        "remaining": float(budget.remaining / scale),
        "remaining_fraction": _float(budget.remaining_fraction),
        "consumed_fraction": _float(budget.consumed_fraction),
    }


__all__ = ["DAY", "budget_json", "slo_list", "slo_reports", "slo_snapshots", "slo_status"]
