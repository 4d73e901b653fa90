"""Reads of the operator dashboard (page and API): a bounded number of queries whatever
the number of services.

SLA figures come from the stored `PeriodResult` rows (the current period's row is
refreshed every 5 minutes by `sla.refresh_period_results`); nothing is recomputed here
except, once, a row that is missing or outdated: no row yet, a "current" row whose period
has ended, a row made stale by late events, or one computed from an older revision of
its SLA (the definition changed). Those are filled in bulk per SLA with
`sla.services.results.period_results_compute_bulk`, as the read-through selectors fill
single services, so the dashboard never shows old figures against new targets.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse

from reporting.selectors.report_sla import requirement_budget_json
from sla.display import format_percent
from sla.engine import RESULT_BADNESS, STATE_BADNESS, period_bounds
from sla.models import Incident, PeriodResult, Requirement, RollupMark, Service, SLADefinition
from sla.selectors.definitions import ordered_rules, sla_for_service
from sla.selectors.results import last_periods
from sla.selectors.slo import slo_list, slo_statuses
from sla.services.results import period_results_compute_bulk

SERVICE_STATES = ("OK", "WARN", "CRIT", "UNKNOWN")
AT_RISK_STATES = ("WARN", "CRIT", "BROKEN")
ASSIGNMENT_FIELDS = ("id", "account_id", "path", "name", "labels", "group_id", "current_state")


# --------------------------------------------------------------------------- services


def service_state_counts(*, account) -> dict:
    """Services per current state (`NONE`: no event yet) and the total."""
    counts = dict.fromkeys((*SERVICE_STATES, "NONE"), 0)
    rows = (
        Service.objects.for_account(account)
        .order_by()
        .values_list("current_state")
        .annotate(number=Count("id"))
    )
    for state, number in rows:
        counts[state or "NONE"] = counts.get(state or "NONE", 0) + number
    return {"total": sum(counts.values()), "by_state": counts}


def services_not_ok(*, account, limit: int = 10) -> list[Service]:
    """Services currently WARN, CRIT or UNKNOWN, worst and longest first."""
    rows = list(
        Service.objects.for_account(account)
        .filter(current_state__in=("WARN", "CRIT", "UNKNOWN"))
        .select_related("group")
        .order_by("current_state_since", "path")[: limit * 4]
    )
    rows.sort(key=lambda service: -STATE_BADNESS[service.current_state])
    return rows[:limit]


def open_incidents(*, account, limit: int = 10) -> tuple[int, list[Incident]]:
    scoped = Incident.objects.for_account(account).filter(ended_at__isnull=True)
    rows = list(scoped.select_related("service", "group").order_by("-started_at", "-id")[:limit])
    total = len(rows) if len(rows) < limit else scoped.count()
    return total, rows


# --------------------------------------------------------------------------- SLA rows


@dataclass
class Assignments:
    """Rule-assigned SLAs: services per SLA, and each SLA's requirement rows."""

    by_sla: dict = field(default_factory=dict)  # SLADefinition -> [Service] (path order)
    requirements: dict = field(default_factory=dict)  # sla id -> [Requirement]

    def pairs(self) -> set[tuple[int, int]]:
        return {
            (service.pk, sla.pk) for sla, services in self.by_sla.items() for service in services
        }

    def sla(self, sla_id: int) -> SLADefinition | None:
        return next((sla for sla in self.by_sla if sla.pk == sla_id), None)


def sla_assignments(*, account) -> Assignments:
    rules = ordered_rules(account=account)
    assignments = Assignments()
    if not rules:
        return assignments
    by_sla: dict = defaultdict(list)
    # Only what the rules match on and the pages show: 1,000 services instantiate quickly.
    services = Service.objects.for_account(account).only(*ASSIGNMENT_FIELDS).order_by("path")
    for service in services:
        sla = sla_for_service(account=account, service=service, rules=rules)
        if sla is not None:
            by_sla[sla].append(service)
    assignments.by_sla = dict(sorted(by_sla.items(), key=lambda item: item[0].title.lower()))
    requirements = Requirement.objects.filter(sla__in=[sla.pk for sla in by_sla]).order_by(
        "sla_id", "position", "id"
    )
    for requirement in requirements:
        assignments.requirements.setdefault(requirement.sla_id, []).append(requirement)
    return assignments


@dataclass
class CurrentRow:
    """The stored result of a service's SLA in the period containing now."""

    service: Service
    sla: SLADefinition
    state: str
    result: dict
    period_start: dt.datetime
    period_end: dt.datetime
    text: str = ""  # the worst requirement, for display


def _outdated(sla: SLADefinition, stale: bool, sla_revision: int) -> bool:
    """A stored row to compute again before showing it: marked stale (late events), or
    computed from an older revision of its SLA (the definition changed since)."""
    return stale or sla_revision != sla.revision


def _current_query(account, now: dt.datetime, wanted: set) -> list[tuple]:
    rows = (
        PeriodResult.objects.for_account(account)
        .filter(service__isnull=False, period_start__lte=now, period_end__gt=now)
        .values_list(
            "service_id",
            "sla_id",
            "state",
            "result",
            "period_start",
            "period_end",
            "stale",
            "sla_revision",
        )
    )
    return [row for row in rows if (row[0], row[1]) in wanted]


def _fill_current(account, assignments: Assignments, needed: set, now: dt.datetime) -> None:
    """Compute, in bulk per SLA, the current period of services that have no row yet (new
    services before the 5-minute refresh job has seen them) or an outdated one."""
    for sla, services in assignments.by_sla.items():
        needy = [service for service in services if (service.pk, sla.pk) in needed]
        if needy:
            period = period_bounds(sla.period, sla.timezone, now)
            period_results_compute_bulk(
                account=account, sla=sla, services=needy, periods=[period], now=now
            )


def current_rows(*, account, assignments: Assignments, now: dt.datetime) -> list[CurrentRow]:
    """One query (two more when rows were missing or outdated): the current-period rows of
    every rule-assigned (service, SLA) pair."""
    if not assignments.by_sla:
        return []
    services = {service.pk: service for group in assignments.by_sla.values() for service in group}
    slas = {sla.pk: sla for sla in assignments.by_sla}
    wanted = assignments.pairs()
    rows = _current_query(account, now, wanted)
    fresh = {(row[0], row[1]) for row in rows if not _outdated(slas[row[1]], row[6], row[7])}
    if wanted - fresh:
        _fill_current(account, assignments, wanted - fresh, now)
        rows = _current_query(account, now, wanted)
    return [
        CurrentRow(services[service_id], slas[sla_id], state, result, start, end)
        for service_id, sla_id, state, result, start, end, _, _ in rows
    ]


def slas_at_risk(*, rows: list[CurrentRow], limit: int = 15) -> tuple[int, list[CurrentRow]]:
    """WARN, CRIT and BROKEN results of the current period, worst first."""
    risky = [row for row in rows if row.state in AT_RISK_STATES]
    risky.sort(key=lambda row: (-RESULT_BADNESS[row.state], row.service.path, row.sla.title))
    return len(risky), risky[:limit]


@dataclass
class RequirementBurn:
    """A percentage requirement's budget spent so far in its current period."""

    row: CurrentRow
    title: str
    target: Decimal
    comparison: str
    value: float | None
    budget: dict
    broken: bool | None = None

    @property
    def value_text(self) -> str:
        """The figure on the side of its target the engine decided it is on."""
        return format_percent(
            self.value, self.target, broken=self.broken, comparison=self.comparison
        )


def requirement_burn_leaders(
    *, rows: list[CurrentRow], assignments: Assignments, limit: int = 8
) -> list[RequirementBurn]:
    """Percentage requirements that spent the largest share of their budget so far.

    Ranked by the engine's stored `remaining` (percent of the budget left, which is the
    remaining fraction x 100 for `min` and `max` alike); the exact budgets (Fractions) are
    computed for the shown ones only."""
    candidates = []
    for row in rows:
        for index, item in enumerate(row.result.get("requirements", [])):
            remaining = item.get("remaining")
            if item.get("kind") == "percentage" and remaining is not None and remaining < 100:
                candidates.append((remaining, row.service.path, index, row))
    candidates.sort(key=lambda candidate: candidate[:2])
    burns = []
    for _, _, index, row in candidates[:limit]:
        requirements = assignments.requirements.get(row.sla.pk, [])
        if index >= len(requirements):
            continue
        requirement, item = requirements[index], row.result["requirements"][index]
        honor = (row.sla.options or {}).get("downtimes", "honor") == "honor"
        burns.append(
            RequirementBurn(
                row=row,
                title=requirement.title,
                target=requirement.target,
                comparison=requirement.comparison,
                value=item.get("value"),
                budget=requirement_budget_json(requirement, item, honor),
                broken=item.get("broken"),
            )
        )
    return burns


def slo_burn_leaders(*, account, now: dt.datetime, limit: int = 8) -> list:
    """SLOs that spent the largest share of their window's budget (then the fastest burn)."""
    slos = list(slo_list(account=account))
    if not slos:
        return []
    statuses = list(slo_statuses(account=account, slos=slos, now=now).values())

    def spent(status) -> tuple:
        consumed = status.budget.consumed_fraction
        burn = status.burn_rates.get(3600)
        return (-(consumed if consumed is not None else -1), -(burn or 0), status.slo.name)

    statuses.sort(key=spent)
    return statuses[:limit]


# --------------------------------------------------------------------------- SLA tables


@dataclass
class Cell:
    """One period of one service: overall state, a short text and the details."""

    index: int
    state: str
    text: str
    tooltip: str
    complete: bool


@dataclass
class TableRow:
    service: Service
    cells: list
    url: str = ""  # the service's SLA page for this SLA (cells add &period=<index>)


@dataclass
class SLATable:
    """Services assigned to an SLA x its last N periods (oldest first), worst first."""

    sla: SLADefinition
    periods: list  # (start, end)
    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def _needs_fill(sla, meta: dict, key, period_end, now) -> bool:
    """No row, a "current" row of an ended period, an outdated row (see `_outdated`), or a
    completed row ending after a change still pending in its service's mark (see
    sla.services.results_marks)."""
    row = meta.get(key)
    if row is None:
        return True
    _state, complete, stale, sla_revision, results_from = row
    if complete and results_from is not None and period_end > results_from:
        return True
    return (not complete and period_end <= now) or _outdated(sla, stale, sla_revision)


def _fill_missing(account, sla, services, periods, meta: dict, now) -> bool:
    """Compute, once and in bulk, the periods nobody has stored (or finished) yet and the
    outdated ones."""
    needy, wanted = [], set()
    for service in services:
        indexes = [
            index
            for index, (start, end) in enumerate(periods)
            if _needs_fill(sla, meta, (service.pk, start), end, now)
        ]
        if indexes:
            needy.append(service)
            wanted.update(indexes)
    if not needy:
        return False
    first, last = min(wanted), max(wanted)  # one contiguous span for the bulk evaluator
    period_results_compute_bulk(
        account=account, sla=sla, services=needy, periods=periods[first : last + 1], now=now
    )
    return True


def _period_meta(account, sla, starts) -> dict:
    """(service id, period start) -> (state, complete, stale, sla_revision, results_from
    of the service's mark)."""
    mark = RollupMark.objects.filter(
        account_id=OuterRef("account_id"), service_id=OuterRef("service_id")
    )
    rows = (
        PeriodResult.objects.for_account(account)
        .filter(sla=sla, service__isnull=False, period_start__in=starts)
        .annotate(results_from=Subquery(mark.values("results_from")[:1]))
        .values_list(
            "service_id",
            "period_start",
            "state",
            "complete",
            "stale",
            "sla_revision",
            "results_from",
        )
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def _cell(index: int, result: dict, requirements: list, complete: bool) -> Cell:
    from sla.selectors.detail import requirement_cell

    items = result.get("requirements", [])
    cells = [
        requirement_cell(item, requirement.target, requirement.comparison)
        for requirement, item in zip(requirements, items, strict=False)
    ]
    headline = next((cell for cell in cells if cell.text), None)
    tooltip = "\n".join(
        f"{requirement.title}: {cell.text}\n{cell.tooltip}"
        for requirement, cell in zip(requirements, cells, strict=False)
    )
    state = result.get("state", "NODATA")
    return Cell(
        index=index,
        state=state,
        text=headline.text if headline and state != "NODATA" else "no data",
        tooltip=f"{state}\n{tooltip}".strip(),
        complete=complete,
    )


def sla_table(
    *,
    account,
    sla: SLADefinition,
    services: list[Service],
    requirements: list,
    now: dt.datetime,
    periods: int,
    per_page: int,
    page: int = 1,
) -> SLATable:
    """Three queries (four when something had to be filled in): states of every service
    for sorting, then the results of the shown page only."""
    bounds = last_periods(sla, periods, now)
    starts = [start for start, _ in bounds]
    meta = _period_meta(account, sla, starts)
    if _fill_missing(account, sla, services, bounds, meta, now):
        meta = _period_meta(account, sla, starts)
    current = starts[-1]

    def worst_first(service) -> tuple:
        state = meta.get((service.pk, current), ("NODATA",))[0]
        return (-RESULT_BADNESS[state], service.path)

    ordered = sorted(services, key=worst_first)
    pages = max(1, -(-len(ordered) // per_page))
    page = max(1, min(page, pages))
    shown = ordered[(page - 1) * per_page : page * per_page]
    results = (
        PeriodResult.objects.for_account(account)
        .filter(sla=sla, service_id__in=[service.pk for service in shown], period_start__in=starts)
        .values_list("service_id", "period_start", "result", "complete")
    )
    by_key = {
        (service_id, start): (result, complete) for service_id, start, result, complete in results
    }
    table = SLATable(sla=sla, periods=bounds, total=len(ordered), page=page, pages=pages)
    base = reverse("dashboard:service-sla", args=[0]).replace("/0/", "/{}/")
    for service in shown:
        cells = []
        for index, start in enumerate(starts):
            found = by_key.get((service.pk, start))
            cells.append(None if found is None else _cell(index, found[0], requirements, found[1]))
        url = f"{base.format(service.pk)}?sla={sla.pk}&periods={periods}"
        table.rows.append(TableRow(service=service, cells=cells, url=url))
    return table


def sla_tables(
    *, account, assignments: Assignments, now: dt.datetime, periods: int, per_page: int
) -> list[SLATable]:
    return [
        sla_table(
            account=account,
            sla=sla,
            services=services,
            requirements=assignments.requirements.get(sla.pk, []),
            now=now,
            periods=periods,
            per_page=per_page,
        )
        for sla, services in assignments.by_sla.items()
    ]


# --------------------------------------------------------------------------- API rows


def _result_periods(results: dict, service_id: int, bounds: list) -> list[dict]:
    periods = []
    for start, end in bounds:
        found = results.get((service_id, start))
        if found is None:
            periods.append({"start": start, "end": end, "complete": None, "state": None})
            continue
        result, complete = found
        periods.append(
            {
                "start": start,
                "end": end,
                "complete": complete,
                "state": result.get("state"),
                "requirements": [
                    {
                        key: item.get(key)
                        for key in ("title", "kind", "state", "value", "remaining", "count")
                        if key in item
                    }
                    for item in result.get("requirements", [])
                ],
            }
        )
    return periods


def period_results_rows(
    *, account, assignments: Assignments, pairs: list, now: dt.datetime, last: int
) -> list[dict]:
    """The last `last` periods of each given (service, SLA) pair, from stored rows (the
    missing ones filled once): a couple of queries per SLA on the page."""
    by_sla: dict = defaultdict(list)
    for service, sla in pairs:
        by_sla[sla].append(service)
    periods_of, results = {}, {}
    for sla, services in by_sla.items():
        bounds = last_periods(sla, last, now)
        starts = [start for start, _ in bounds]
        _fill_missing(account, sla, services, bounds, _period_meta(account, sla, starts), now)
        rows = (
            PeriodResult.objects.for_account(account)
            .filter(sla=sla, service__in=[service.pk for service in services])
            .filter(period_start__in=starts)
            .values_list("service_id", "period_start", "result", "complete")
        )
        results[sla.pk] = {
            (service_id, start): (result, done) for service_id, start, result, done in rows
        }
        periods_of[sla.pk] = bounds
    return [
        {
            "service": {"id": service.pk, "path": service.path, "name": service.display_name},
            "sla": {
                "id": sla.pk,
                "title": sla.title,
                "period": sla.period,
                "timezone": sla.timezone,
            },
            "periods": _result_periods(results[sla.pk], service.pk, periods_of[sla.pk]),
        }
        for service, sla in pairs
    ]


def assigned_pairs(*, assignments: Assignments, sla_id: int | None = None) -> list[tuple]:
    """(service, SLA) of every rule-assigned service, by service path."""
    pairs = [
        (service, sla)
        for sla, services in assignments.by_sla.items()
        if sla_id is None or sla.pk == sla_id
        for service in services
    ]
    return sorted(pairs, key=lambda pair: (pair[0].path, pair[0].pk))
