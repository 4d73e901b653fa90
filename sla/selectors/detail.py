"""Context for the SLA detail pages (per service, per SLA), like Checkmk's SLA views."""

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from sla.display import format_duration, format_percent
from sla.engine import inputs_start, parse_options, period_timeline, state_timeline
from sla.engine.flapping import flapping_periods
from sla.engine.instants import from_micros, to_micros
from sla.engine.states import time_in_state
from sla.models import PeriodResult, Service, SLADefinition, StatusEvent
from sla.options_text import options_in_words
from sla.selectors.definitions import (
    ordered_rules,
    rule_for_service,
    service_periods,
    sla_for_service,
    sla_json,
    sla_spec,
)
from sla.selectors.event_horizon import events_pruned_before, period_frozen
from sla.selectors.inputs import downtime_intervals, service_events
from sla.selectors.results import sla_results_last
from sla.services.results import Subject

MAX_EVENTS_LISTED = 500


@dataclass
class Cell:
    """One requirement in one period, ready to draw."""

    state: str
    text: str
    tooltip: str
    selected: bool = False  # one of the periods chosen on the page


@dataclass
class Segment:
    state: str
    left: float  # percent of the period
    width: float
    tooltip: str


@dataclass
class ServiceSLADetail:
    service: Service
    sla: SLADefinition | None
    rows: list = field(default_factory=list)  # PeriodResult, oldest first
    requirement_rows: list = field(default_factory=list)  # (title, [Cell per period])
    selected: PeriodResult | None = None
    selected_rows: list = field(default_factory=list)  # every chosen period, oldest first
    combined: list = field(default_factory=list)  # per requirement: Cell over the chosen ones
    class_timelines: list = field(default_factory=list)  # (title, [Segment]) per requirement
    timeline: list = field(default_factory=list)
    downtime_bar: list = field(default_factory=list)
    flapping_bar: list = field(default_factory=list)
    events: list = field(default_factory=list)  # state changes in the selected period
    repeated_events: int = 0  # reports that repeated an unchanged state
    spec: dict = field(default_factory=dict)
    options_words: list = field(default_factory=list)  # sla.options_text sentences
    rule: object = None  # the AssignmentRule that assigns the service its SLA (if any)
    frozen: bool = False  # the selected period's events are pruned: no timeline, no events


def requirement_cell(requirement: dict, target, comparison: str = "min") -> Cell:
    state = requirement["state"]
    if requirement["kind"] == "percentage":
        text = format_percent(
            requirement.get("value"),
            target,
            broken=requirement.get("broken"),
            comparison=comparison or "min",
        )
        details = [
            f"{name}: {format_duration(secs)}"
            for name, secs in requirement.get("seconds", {}).items()
        ]
    else:
        text = f"{requirement.get('count', 0)} outage(s)"
        details = [
            f"{outage['start']} – {outage['end']} ({format_duration(outage['seconds'])})"
            for outage in requirement.get("outages", [])
        ]
    remaining = requirement.get("remaining")
    head = f"{state}; remaining {remaining:.4g}" if remaining is not None else state
    return Cell(state=state, text=text, tooltip="\n".join([head, *details]))


def requirement_table(sla: SLADefinition, rows: list[PeriodResult]) -> list:
    requirements = list(sla.requirements.all())
    table = []
    for index, requirement in enumerate(requirements):
        cells = []
        for row in rows:
            items = row.result.get("requirements", [])
            cells.append(
                requirement_cell(items[index], requirement.target, requirement.comparison)
                if index < len(items)
                else None
            )
        table.append((requirement.title, cells))
    return table


def _when(instant: dt.datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M:%S} UTC"


def _span_tooltip(name: str, start: dt.datetime, end: dt.datetime) -> str:
    """What hovering a span says: its class (or state), start, end and duration."""
    duration = format_duration((end - start).total_seconds())
    return f"{name} {_when(start)} – {_when(end)} ({duration})"


def _segments(spans, start: dt.datetime, end: dt.datetime, by_class=False) -> list[Segment]:
    length = (end - start).total_seconds()
    return [
        Segment(
            state=span.klass if by_class else span.raw_state,
            left=100 * (span.start - start).total_seconds() / length,
            width=100 * (span.end - span.start).total_seconds() / length,
            tooltip=_span_tooltip(span.klass if by_class else span.raw_state, span.start, span.end),
        )
        for span in spans
    ]


def _state_changes(account, service, start, end) -> tuple[list[StatusEvent], int]:
    """The events that changed the state in [start, end) (at most MAX_EVENTS_LISTED), and
    how many repeated an unchanged state. Agents re-send their state every few minutes;
    listing every heartbeat would bury the changes that explain a result."""
    rows = (
        StatusEvent.objects.for_account(account)
        .filter(service=service, at__gte=start, at__lt=end)
        .order_by("at", "id")
        .only("at", "state", "message")
    )
    changes, repeats, previous = [], 0, None
    for event in rows.iterator(chunk_size=2000):
        if event.state == previous:
            repeats += 1
        elif len(changes) < MAX_EVENTS_LISTED:
            changes.append(event)
        previous = event.state
    return changes, repeats


def _downtime_segments(intervals, start: dt.datetime, end: dt.datetime) -> list[Segment]:
    length = (end - start).total_seconds()
    segments = []
    for interval in intervals:
        left, right = max(interval.start, start), min(interval.end, end)
        if left < right:
            segments.append(
                Segment(
                    state="DOWNTIME",
                    left=100 * (left - start).total_seconds() / length,
                    width=100 * (right - left).total_seconds() / length,
                    tooltip=f"downtime {_when(left)} – {_when(right)}",
                )
            )
    return segments


def _flapping_segments(detail, account, start, stop, end) -> list[Segment]:
    """Where the service flapped (its flag, or the SLA's flap detection), whether or not the
    SLA considers it: the bar says when; the figures say whether it counted."""
    detection = parse_options(detail.spec.get("options") or {}).flap_detection
    reads_from = (
        start if detection is None else start - dt.timedelta(microseconds=detection.window_micros)
    )
    events = service_events(account=account, service=detail.service, start=reads_from, end=stop)
    found = flapping_periods(events, detection, to_micros(start), to_micros(stop))
    length = (end - start).total_seconds()
    segments = []
    for left, right in ((from_micros(a), from_micros(b)) for a, b in found):
        seconds = (right - left).total_seconds()
        segments.append(
            Segment(
                state="FLAPPING",
                left=100 * (left - start).total_seconds() / length,
                width=100 * seconds / length,
                tooltip=f"FLAPPING {_when(left)} – {_when(right)} ({format_duration(seconds)})",
            )
        )
    return segments


def _class_timelines(detail, account, start, stop, end) -> list:
    """Per requirement, the spans it measures in the period (after classification, time
    period, merging and melting), each named by its class on hover."""
    spec = sla_spec(detail.sla)
    events = service_events(
        account=account, service=detail.service, start=inputs_start(spec, start), end=stop
    )
    downtimes = downtime_intervals(account=account, service=detail.service, start=start, end=stop)
    service_time = service_periods(account=account, service=detail.service)
    timelines = []
    for index, requirement in enumerate(spec.requirements):
        spans = period_timeline(spec, index, events, downtimes, start, end, stop, **service_time)
        timelines.append((requirement.title, _segments(spans, start, end, by_class=True)))
    return timelines


def fill_timeline(detail: ServiceSLADetail, *, account, now: dt.datetime) -> None:
    """Raw states and downtimes of the selected period, as bars (the future left empty)."""
    row = detail.selected
    stop = min(row.period_end, now)
    if stop <= row.period_start:
        return
    pruned_before = events_pruned_before(account=account)
    detail.frozen = period_frozen(sla_spec(detail.sla), row.period_start, pruned_before)
    if detail.frozen:
        return  # drawn from what is left, the bars would contradict the stored figures
    events = service_events(
        account=account, service=detail.service, start=row.period_start, end=stop
    )
    spans = state_timeline(events, row.period_start, stop)
    detail.timeline = _segments(spans, row.period_start, row.period_end)
    intervals = downtime_intervals(
        account=account, service=detail.service, start=row.period_start, end=stop
    )
    detail.downtime_bar = _downtime_segments(intervals, row.period_start, row.period_end)
    detail.flapping_bar = _flapping_segments(
        detail, account, row.period_start, stop, row.period_end
    )
    detail.class_timelines = _class_timelines(
        detail, account, row.period_start, stop, row.period_end
    )
    detail.events, detail.repeated_events = _state_changes(
        account, detail.service, row.period_start, stop
    )


def service_sla_detail(
    *,
    account,
    service: Service,
    sla: SLADefinition | None,
    periods: int,
    now: dt.datetime,
    selected_index: int | None = None,
    selected_indexes: list[int] | None = None,
) -> ServiceSLADetail:
    """Results of the last `periods` periods, one period's timeline and events, the spec.

    Several periods may be chosen (`selected_indexes`, oldest first = 0): each is
    highlighted in every requirement row and their combined figures are given; the
    timeline shows the last chosen one."""
    rule = rule_for_service(account=account, service=service)
    sla = sla or (rule.sla if rule is not None else None)
    detail = ServiceSLADetail(service=service, sla=sla, rule=rule)
    if sla is None:
        return detail
    detail.options_words = options_in_words(sla.options)
    subject = Subject(service=service)
    detail.rows = sla_results_last(
        account=account, sla=sla, subject=subject, count=periods, now=now
    )
    detail.requirement_rows = requirement_table(sla, detail.rows)
    detail.spec = sla_json(sla)
    if detail.rows:
        chosen = list(selected_indexes or ([] if selected_index is None else [selected_index]))
        last = len(detail.rows) - 1
        chosen = sorted({max(0, min(index, last)) for index in chosen}) or [last]
        detail.selected_rows = [detail.rows[index] for index in chosen]
        detail.selected = detail.selected_rows[-1]
        for _, cells in detail.requirement_rows:
            for index in chosen:
                if cells[index] is not None:
                    cells[index].selected = True
        if len(chosen) > 1:
            detail.combined = combined_cells(sla, detail.spec, detail.selected_rows)
        fill_timeline(detail, account=account, now=now)
    return detail


def combined_cells(sla: SLADefinition, spec_json: dict, rows: list[PeriodResult]) -> list:
    """Per requirement, its figure over several periods together: time in its state over
    the time considered in all of them (decided exactly, in microseconds), or the outages
    of all of them."""
    honor = (spec_json.get("options") or {}).get("downtimes", "honor") == "honor"
    cells = []
    for index, requirement in enumerate(sla.requirements.all()):
        items = [
            row.result["requirements"][index]
            for row in rows
            if index < len(row.result.get("requirements", []))
        ]
        if requirement.kind != "percentage":
            count = sum(item.get("count") or 0 for item in items)
            text = f"{count} outage(s) in {len(items)} periods"
            cells.append(Cell(state="OK", text=text, tooltip=text, selected=True))
            continue
        cells.append(_combined_percentage(requirement, items, honor))
    return cells


def _combined_percentage(requirement, items: list[dict], honor: bool) -> Cell:
    micros: dict[str, int] = {}
    for item in items:
        for klass, seconds in (item.get("seconds") or {}).items():
            micros[klass] = micros.get(klass, 0) + round(seconds * 1_000_000)
    considered = sum(micros.values())
    if not considered:
        return Cell(state="NODATA", text="no data", tooltip="nothing considered", selected=True)
    measured = time_in_state(micros, requirement.state, honor)
    target = Fraction(requirement.target)
    scaled, goal = 100 * measured * target.denominator, target.numerator * considered
    broken = scaled < goal if requirement.comparison == "min" else scaled > goal
    value = 100 * measured / considered
    text = format_percent(
        value, requirement.target, broken=broken, comparison=requirement.comparison
    )
    details = [
        f"{klass}: {format_duration(amount / 1_000_000)}" for klass, amount in micros.items()
    ]
    tooltip = "\n".join([f"{len(items)} periods together", *details])
    return Cell(state="BROKEN" if broken else "OK", text=text, tooltip=tooltip, selected=True)


@dataclass
class SLAOverviewRow:
    service: Service
    rows: list
    cells: list  # overall state per period


def sla_overview(*, account, sla: SLADefinition, periods: int, now: dt.datetime, limit: int = 200):
    """Services assigned to `sla` by the rules x the last N periods (overall state)."""
    rules = ordered_rules(account=account)
    services = Service.objects.for_account(account).select_related("group")
    overview = []
    for service in services:
        if len(overview) >= limit:
            break
        assigned = sla_for_service(account=account, service=service, rules=rules)
        if assigned is None or assigned.pk != sla.pk:
            continue
        rows = sla_results_last(
            account=account, sla=sla, subject=Subject(service=service), count=periods, now=now
        )
        overview.append(
            SLAOverviewRow(service=service, rows=rows, cells=[row.state for row in rows])
        )
    return overview
