"""Reading SLA results: stored period rows (filled on first read), and the spans behind them.

The read-through is deliberate: the first read of an old period computes and stores it,
every later read (dashboards, reports, the status page) only reads the row.
"""

import datetime as dt

from sla.engine import (
    inputs_start,
    iter_periods,
    period_bounds,
    period_timeline,
    previous_period,
)
from sla.engine.states import counts_as
from sla.models import PeriodResult, SLADefinition
from sla.selectors.definitions import sla_spec
from sla.selectors.event_horizon import events_pruned_before, period_frozen
from sla.services.results import Subject, period_results_ensure

MAX_EXPLAINED_SPANS = 200
MAX_LAST_PERIODS = 120


def _reported_periods(sla: SLADefinition, start, end, now) -> list[tuple]:
    return [
        (period_start, period_end)
        for period_start, period_end in iter_periods(sla.period, sla.timezone, start, end)
        if period_start < now
    ]


def sla_results_for_range(
    *, account, sla: SLADefinition, subject: Subject, range_from, range_to, now
) -> list[PeriodResult]:
    """Results of every period overlapping [range_from, range_to) that started before now."""
    periods = _reported_periods(sla, range_from, range_to, now)
    if not periods:
        return []
    rows = period_results_ensure(
        account=account, sla=sla, subject=subject, periods=periods, now=now
    )
    return [rows[start] for start, _ in periods if start in rows]


def last_periods(sla: SLADefinition, count: int, now: dt.datetime) -> list[tuple]:
    """The current period and the `count - 1` before it, oldest first."""
    periods = [period_bounds(sla.period, sla.timezone, now)]
    while len(periods) < count:
        periods.append(previous_period(sla.period, sla.timezone, periods[-1][0]))
    return list(reversed(periods))


def sla_results_last(
    *, account, sla: SLADefinition, subject: Subject, count: int, now
) -> list[PeriodResult]:
    periods = last_periods(sla, min(count, MAX_LAST_PERIODS), now)
    rows = period_results_ensure(
        account=account, sla=sla, subject=subject, periods=periods, now=now
    )
    return [rows[start] for start, _ in periods if start in rows]


def _counts_against(requirement, klass: str) -> bool:
    """Does a span of this class lower a `min` value or raise a `max` value?"""
    # DOWNTIME only occurs as a class when downtimes are honored.
    in_state = counts_as(klass, requirement.state, honor_downtimes=True)
    return not in_state if requirement.comparison == "min" else in_state


def _span_json(span) -> dict:
    return {
        "start": span.start.isoformat().replace("+00:00", "Z"),
        "end": span.end.isoformat().replace("+00:00", "Z"),
        "seconds": (span.end - span.start).total_seconds(),
        "class": span.klass,
        "raw_state": span.raw_state,
    }


def _requirement_spans(spec, index, events, downtimes, row, now, service_time) -> dict:
    requirement = spec.requirements[index]
    if requirement.kind != "percentage":
        return {}
    spans = period_timeline(
        spec, index, events, downtimes, row.period_start, row.period_end, now, **service_time
    )
    against = [span for span in spans if _counts_against(requirement, span.klass)]
    return {
        "spans": [_span_json(span) for span in against[:MAX_EXPLAINED_SPANS]],
        "spans_truncated": len(against) > MAX_EXPLAINED_SPANS,
    }


def results_explained(
    *, account, sla: SLADefinition, subject: Subject, rows: list[PeriodResult], now
) -> list[dict]:
    """Each row's stored JSON, its percentage requirements extended with the spans that
    count against them (outage requirements already list their outages)."""
    if not rows:
        return []
    spec = sla_spec(sla)
    pruned_before = events_pruned_before(account=account)
    frozen = {row.pk for row in rows if period_frozen(spec, row.period_start, pruned_before)}
    live = [row for row in rows if row.pk not in frozen]
    events, downtimes = [], []
    if live:
        # From where the evaluation read (flap detection looks back a window), so the
        # spans shown are the ones measured.
        events, downtimes = subject.engine_inputs(
            account=account,
            start=inputs_start(spec, live[0].period_start),
            end=min(live[-1].period_end, now),
        )
    service_time = subject.periods(account=account)
    explained = []
    for row in rows:
        body = dict(row.result)
        body["frozen"] = row.pk in frozen
        if body["frozen"]:
            # The stored figures stand; the spans behind them were in the pruned events.
            explained.append(body)
            continue
        body["requirements"] = [
            {
                **requirement,
                **_requirement_spans(spec, index, events, downtimes, row, now, service_time),
            }
            for index, requirement in enumerate(row.result.get("requirements", []))
        ]
        explained.append(body)
    return explained
