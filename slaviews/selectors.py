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
from itertools import chain

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from sla.engine import RESULT_BADNESS, iter_periods
from sla.engine.instants import to_micros
from sla.models import PeriodResult, RollupMark, Service, SLADefinition
from sla.selectors.definitions import ordered_rules, sla_for_service
from sla.selectors.groups import group_and_descendant_ids
from sla.selectors.results import last_periods
from sla.services.results import period_results_compute_bulk
from sla.sql import is_postgres
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
    """One service: per column its SLA (id), that SLA's periods and their states, oldest
    first (the periods list is shared by every row of the SLA)."""

    service: Service
    group: str
    cells: list = field(default_factory=list)  # [(sla id | None, [(start, end)], [state])]

    def states(self):
        for _, _, states in self.cells:
            yield from states


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

# A completed row ending after a change still pending in its service's mark is not fresh
# (see sla.services.results_marks).
_PG_STORED = """
SELECT r.service_id, r.sla_id,
       (extract(epoch FROM r.period_start) * 1000000)::bigint, r.state
FROM {result} AS r
JOIN unnest(%s::bigint[], %s::bigint[]) AS s(id, revision)
  ON r.sla_id = s.id AND r.sla_revision = s.revision
LEFT JOIN {mark} AS m ON m.account_id = r.account_id AND m.service_id = r.service_id
WHERE r.account_id = %s AND r.service_id = ANY(%s::bigint[])
  AND r.period_start >= %s AND r.period_start <= %s
  AND NOT r.stale
  AND ((r.complete AND (m.results_from IS NULL OR r.period_end <= m.results_from))
       OR r.period_end > %s)
"""


def _stored(account, wanted: dict, service_ids: list[int], now) -> dict:
    """{(service id, sla id): [state or None per period of `wanted[sla]`]} of the fresh
    stored rows (None: no fresh row), one query. Instants travel as integers: 36,000 rows
    build no datetime."""
    if not wanted or not service_ids:
        return {}
    index_of = {
        sla.pk: {to_micros(start): index for index, (start, _) in enumerate(periods)}
        for sla, periods in wanted.items()
    }
    sizes = {sla.pk: len(periods) for sla, periods in wanted.items()}
    starts = [start for periods in wanted.values() for start, _ in periods]
    found: dict = {}
    for service_id, sla_id, start, state in _stored_rows(
        account, wanted, service_ids, min(starts), max(starts), now
    ):
        index = index_of[sla_id].get(start)
        if index is None:
            continue
        states = found.get((service_id, sla_id))
        if states is None:
            states = found[(service_id, sla_id)] = [None] * sizes[sla_id]
        states[index] = state
    return found


def _stored_rows(account, wanted, service_ids, first, last, now):
    slas = list(wanted)
    if is_postgres():
        sql = _PG_STORED.format(result=PeriodResult._meta.db_table, mark=RollupMark._meta.db_table)
        params = [
            [sla.pk for sla in slas], [sla.revision for sla in slas], account.pk,
            service_ids, first, last, now,
        ]  # fmt: skip
        # Django's cursor (not sla.sql.bulk_cursor): the query shows in query counts.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    revisions = {sla.pk: sla.revision for sla in slas}
    pending = RollupMark.objects.filter(
        account_id=OuterRef("account_id"),
        service_id=OuterRef("service_id"),
        results_from__lt=OuterRef("period_end"),
    )
    rows = (
        PeriodResult.objects.for_account(account)
        .filter(
            sla_id__in=list(revisions), service_id__in=service_ids, stale=False,
            period_start__gte=first, period_start__lte=last,
        )
        .filter((Q(complete=True) & ~Exists(pending)) | Q(period_end__gt=now))
        .values_list("service_id", "sla_id", "period_start", "state", "sla_revision")
    )  # fmt: skip
    return [
        (service_id, sla_id, to_micros(start), state)
        for service_id, sla_id, start, state, revision in rows
        if revision == revisions[sla_id]
    ]


def _fill_missing(account, slas, members, periods_of, stored, now) -> bool:
    """Compute and store, in bulk per SLA and run of periods, what has no fresh row.
    True when anything was computed."""
    computed = False
    for sla_id, services in members.items():
        periods = periods_of[sla_id]
        missing: dict[tuple, list] = defaultdict(list)  # periods run -> services
        for service in services:
            states = stored.get((service.pk, sla_id))
            if states is not None and None not in states:
                continue  # the common case: everything stored
            todo = [p for i, p in enumerate(periods) if states is None or states[i] is None]
            for run in _runs(todo):
                missing[tuple(run)].append(service)
        for run, needy in missing.items():
            period_results_compute_bulk(
                account=account, sla=slas[sla_id], services=needy, periods=list(run), now=now
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
    slas: dict[int, SLADefinition] = {}
    members: dict[int, list[Service]] = defaultdict(list)  # sla id -> services it shows
    column_slas = {column.sla.pk for column in columns if column.sla is not None}
    for column in columns:
        if column.sla is not None:
            slas[column.sla.pk] = column.sla
            members[column.sla.pk] = list(services)
    for service in services:
        sla = assigned.get(service.pk)
        if sla is not None:
            slas.setdefault(sla.pk, sla)
            if sla.pk not in column_slas:  # a column SLA covers every row already
                members[sla.pk].append(service)
    periods_of = {sla_id: view_periods(view, sla, now) for sla_id, sla in slas.items()}
    wanted = {slas[sla_id]: periods for sla_id, periods in periods_of.items() if periods}
    service_ids = [service.pk for service in services]
    stored = _stored(account, wanted, service_ids, now)
    if _fill_missing(account, slas, members, periods_of, stored, now):
        stored = _stored(account, wanted, service_ids, now)
    group_names = _group_names(account, services) if view.grouping == Grouping.GROUP else {}
    nodata = {sla_id: ["NODATA"] * len(periods) for sla_id, periods in periods_of.items()}
    fixed = [column.sla.pk if column.sla is not None else None for column in columns]
    rows = []
    for service in services:
        row = Row(service, _group_key(view, service, group_names))
        for sla_id in fixed:
            if sla_id is None:
                own = assigned.get(service.pk)
                if own is None:
                    row.cells.append((None, [], []))
                    continue
                sla_id = own.pk
            states = stored.get((service.pk, sla_id))
            if states is None:
                states = nodata[sla_id]
            elif None in states:  # computed as NODATA, or not storable: no data
                states = ["NODATA" if state is None else state for state in states]
            row.cells.append((sla_id, periods_of[sla_id], states))
        if not view.only_outages or not OUTAGE_STATES.isdisjoint(row.states()):
            rows.append(row)
    rows.sort(key=lambda row: (row.group, row.service.path))
    aggregates = [_aggregate(rows, index) for index in range(len(columns))]
    summaries = [summary(list(_column_states(rows, index))) for index in range(len(columns))]
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
    return chain.from_iterable(row.cells[index][2] for row in rows)


def _aggregate(rows, index) -> list[dict]:
    """Per period of the column: the worst state and the count of each state."""
    by_sla: dict[int, tuple[list, list[dict]]] = {}
    for row in rows:
        sla_id, periods, states = row.cells[index]
        if sla_id is None:
            continue
        entry = by_sla.get(sla_id)
        if entry is None:
            entry = by_sla[sla_id] = (periods, [dict.fromkeys(RESULT_STATES, 0) for _ in periods])
        for counts, state in zip(entry[1], states, strict=True):
            counts[state] += 1
    by_period: dict[tuple, dict] = {}
    for periods, period_counts in by_sla.values():  # the service column mixes SLAs
        for period, counts in zip(periods, period_counts, strict=True):
            total = by_period.setdefault(period, dict.fromkeys(RESULT_STATES, 0))
            for state, count in counts.items():
                total[state] += count
    result = []
    for (start, end), counts in sorted(by_period.items()):
        worst = max(
            (state for state, count in counts.items() if count),
            key=RESULT_BADNESS.__getitem__,
        )
        result.append({"start": start, "end": end, "worst": worst, "counts": counts})
    return result


def summary(states: list) -> dict:
    """Share of periods met: met / (met + broken); NODATA counts neither way."""
    broken, nodata = states.count("BROKEN"), states.count("NODATA")
    met = len(states) - broken - nodata
    evaluated = met + broken
    return {
        "met": met,
        "broken": broken,
        "nodata": nodata,
        "share_met": None if not evaluated else met / evaluated,
    }
