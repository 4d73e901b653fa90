"""Results of a saved SLA view: rows (services) x columns (SLAs) x periods, with the
aggregated result per column and period and summaries over all periods.

Figures come from stored `PeriodResult` rows, read in one query per view; a (service,
SLA, period) without a fresh row is computed once, in bulk per SLA, and stored (as the
dashboard does), so a second read computes nothing. The number of queries does not grow
with the number of services.

Definitions (README, "SLA views"):
- a period result is *met* unless it is BROKEN; NODATA counts neither way, so the share
  met is ``met / (met + broken)`` and null when nothing was evaluated;
- a service *has outages* in the shown periods when one of its shown results is WARN,
  CRIT or BROKEN (levels reached or the SLA broken).
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.db.models import Q

from sla.engine import RESULT_BADNESS, iter_periods
from sla.models import PeriodResult, Service, SLADefinition
from sla.selectors.definitions import ordered_rules, sla_for_service
from sla.selectors.groups import group_and_descendant_ids
from sla.selectors.results import last_periods
from sla.services.results import period_results_compute_bulk
from slaportal.instants import parse_aware_instant
from slaviews.models import Grouping, SLAView

MAX_PERIODS_PER_COLUMN = 120  # ranges of a daily SLA: the most recent are shown

RESULT_STATES = ("OK", "WARN", "CRIT", "BROKEN", "NODATA")
OUTAGE_STATES = frozenset({"WARN", "CRIT", "BROKEN"})
SERVICE_FIELDS = ("id", "account_id", "path", "name", "labels", "group_id", "current_state")
SERVICE_COLUMN = "service"


@dataclass
class Column:
    """A column of the view: the service-specific SLA (``sla`` None) or a fixed SLA."""

    key: str
    title: str
    sla: SLADefinition | None = None

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "sla": self.sla.pk if self.sla else None}


@dataclass
class Row:
    """One service: per column its SLA (id) and its period states, oldest first."""

    service: Service
    group: str
    cells: list = field(default_factory=list)  # [(sla id | None, [(start, end, state)])]

    def states(self):
        for _, periods in self.cells:
            for _, _, state in periods:
                yield state


@dataclass
class ViewResults:
    view: SLAView
    columns: list
    rows: list
    aggregates: list  # per column: [{start, end, worst, counts}]
    column_summaries: list  # per column: summary


# --------------------------------------------------------------------------- services


def view_services(*, account, view: SLAView) -> list[Service]:
    """The services the view's filters select, by path."""
    services = Service.objects.for_account(account).only(*SERVICE_FIELDS).order_by("path")
    if view.group_id:
        services = services.filter(
            group_id__in=group_and_descendant_ids(account=account, group_id=view.group_id)
        )
    if view.states:
        wanted = Q(current_state__in=[state for state in view.states if state != "NONE"])
        if "NONE" in view.states:
            wanted |= Q(current_state="")
        services = services.filter(wanted)
    pattern = re.compile(view.path_regex) if view.path_regex else None
    return [
        service
        for service in services
        if (not view.path_glob or fnmatchcase(service.path, view.path_glob))
        and (pattern is None or pattern.search(service.path))
        and all((service.labels or {}).get(key) == value for key, value in view.labels.items())
    ]


# --------------------------------------------------------------------------- periods


def view_periods(view: SLAView, sla: SLADefinition, now: dt.datetime) -> list[tuple]:
    """The periods of `sla` the view shows, oldest first, none starting at or after now."""
    if view.last_periods:
        return last_periods(sla, view.last_periods, now)
    found = set()
    for item in view.ranges:
        start = parse_aware_instant(item["from"])
        end = min(parse_aware_instant(item["to"]), now)
        if start < end:
            found.update(iter_periods(sla.period, sla.timezone, start, end))
    return sorted(period for period in found if period[0] < now)[-MAX_PERIODS_PER_COLUMN:]


def _runs(periods: list[tuple]) -> list[list[tuple]]:
    runs: list[list[tuple]] = []
    for period in sorted(periods):
        if runs and runs[-1][-1][1] == period[0]:
            runs[-1].append(period)
        else:
            runs.append([period])
    return runs


# --------------------------------------------------------------------------- stored rows


def _stored(account, wanted: dict, service_ids: list[int], now) -> dict:
    """{(service id, sla id, period start): state} of fresh stored rows for `wanted`
    ({sla: [periods]}), one query."""
    if not wanted or not service_ids:
        return {}
    starts = {start for periods in wanted.values() for start, _ in periods}
    slas = {sla.pk: sla for sla in wanted}
    rows = (
        PeriodResult.objects.for_account(account)
        .filter(
            sla_id__in=list(slas),
            service_id__in=service_ids,
            period_start__gte=min(starts),
            period_start__lte=max(starts),
        )
        .values_list(
            "service_id", "sla_id", "period_start", "period_end", "state", "complete", "stale",
            "sla_revision",
        )
    )  # fmt: skip
    found = {}
    for service_id, sla_id, start, end, state, complete, stale, revision in rows:
        outdated = stale or revision != slas[sla_id].revision or (not complete and end <= now)
        if not outdated:
            found[(service_id, sla_id, start)] = state
    return found


def _fill_missing(account, needs: dict, stored: dict, now) -> bool:
    """Compute and store, in bulk per SLA and run of periods, what has no fresh row.
    `needs`: {sla: {service id: (service, [periods])}}. True when anything was computed."""
    computed = False
    for sla, by_service in needs.items():
        missing: dict[tuple, list] = defaultdict(list)  # periods run -> services
        for service, periods in by_service.values():
            todo = tuple(p for p in periods if (service.pk, sla.pk, p[0]) not in stored)
            for run in _runs(list(todo)):
                missing[tuple(run)].append(service)
        for run, services in missing.items():
            period_results_compute_bulk(
                account=account, sla=sla, services=services, periods=list(run), now=now
            )
            computed = True
    return computed


# --------------------------------------------------------------------------- results


def view_columns(view: SLAView) -> list[Column]:
    columns = [Column(SERVICE_COLUMN, "Service SLA")] if view.service_sla else []
    for column in view.columns.select_related("sla").order_by("position", "id"):
        columns.append(Column(f"sla:{column.sla_id}", column.sla.title, column.sla))
    return columns


def _group_key(view: SLAView, service: Service, group_names: dict) -> str:
    if view.grouping == Grouping.GROUP:
        return group_names.get(service.group_id, "")
    if view.grouping == Grouping.PATH_PREFIX:
        return service.path.split("/", 1)[0]
    return ""


def _group_names(account, services) -> dict[int, str]:
    from sla.models import ServiceGroup

    ids = {service.group_id for service in services if service.group_id}
    if not ids:
        return {}
    return dict(
        ServiceGroup.objects.for_account(account).filter(pk__in=ids).values_list("pk", "name")
    )


def sla_view_results(*, account, view: SLAView, now: dt.datetime) -> ViewResults:
    """Every row of the view (filters and "only outages" applied), with per column the
    aggregated result per period and the summary over all periods."""
    columns = view_columns(view)
    services = view_services(account=account, view=view)
    assigned = _service_slas(account, services) if view.service_sla else {}
    periods_of = {}
    needs: dict = defaultdict(dict)
    for column in columns:
        if column.sla is not None:
            periods_of[column.sla] = periods_of.get(column.sla) or view_periods(
                view, column.sla, now
            )
            for service in services:
                needs[column.sla][service.pk] = (service, periods_of[column.sla])
    for service in services:
        sla = assigned.get(service.pk)
        if sla is not None:
            periods_of[sla] = periods_of.get(sla) or view_periods(view, sla, now)
            needs[sla][service.pk] = (service, periods_of[sla])
    wanted = {sla: periods for sla, periods in periods_of.items() if periods}
    service_ids = [service.pk for service in services]
    stored = _stored(account, wanted, service_ids, now)
    if _fill_missing(account, needs, stored, now):
        stored = _stored(account, wanted, service_ids, now)
    group_names = _group_names(account, services) if view.grouping == Grouping.GROUP else {}
    rows = []
    for service in services:
        row = Row(service, _group_key(view, service, group_names))
        for column in columns:
            sla = column.sla if column.sla is not None else assigned.get(service.pk)
            if sla is None:
                row.cells.append((None, []))
                continue
            row.cells.append(
                (
                    sla.pk,
                    [
                        (start, end, stored.get((service.pk, sla.pk, start), "NODATA"))
                        for start, end in periods_of[sla]
                    ],
                )
            )
        if not view.only_outages or any(state in OUTAGE_STATES for state in row.states()):
            rows.append(row)
    rows.sort(key=lambda row: (row.group, row.service.path))
    aggregates = [_aggregate(rows, index) for index in range(len(columns))]
    summaries = [summary(_column_states(rows, index)) for index in range(len(columns))]
    return ViewResults(view, columns, rows, aggregates, summaries)


def _service_slas(account, services) -> dict[int, SLADefinition]:
    rules = ordered_rules(account=account)
    if not rules:
        return {}
    found = {}
    for service in services:
        sla = sla_for_service(account=account, service=service, rules=rules)
        if sla is not None:
            found[service.pk] = sla
    return found


def _column_states(rows, index):
    for row in rows:
        for _, _, state in row.cells[index][1]:
            yield state


def _aggregate(rows, index) -> list[dict]:
    """Per period of the column: the worst state and the count of each state."""
    by_period: dict[tuple, dict] = {}
    for row in rows:
        for start, end, state in row.cells[index][1]:
            counts = by_period.setdefault((start, end), dict.fromkeys(RESULT_STATES, 0))
            counts[state] += 1
    result = []
    for (start, end), counts in sorted(by_period.items()):
        worst = max(
            (state for state, count in counts.items() if count),
            key=RESULT_BADNESS.__getitem__,
        )
        result.append({"start": start, "end": end, "worst": worst, "counts": counts})
    return result


def summary(states) -> dict:
    """Share of periods met: met / (met + broken); NODATA counts neither way."""
    met = broken = nodata = 0
    for state in states:
        if state == "BROKEN":
            broken += 1
        elif state == "NODATA":
            nodata += 1
        else:
            met += 1
    evaluated = met + broken
    return {
        "met": met,
        "broken": broken,
        "nodata": nodata,
        "share_met": None if not evaluated else met / evaluated,
    }
