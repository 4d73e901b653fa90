"""Resolvers of the GraphQL queries: thin, on the same selectors as the REST views (so every
figure is the same wherever it is read), a bounded number of queries per field."""

import datetime as dt

from reporting.api import MAX_LAST, MAX_TREND_DAYS
from reporting.models import DailyReport as DailyReportModel
from reporting.selectors.dashboard import assigned_pairs, period_results_rows, sla_assignments
from reporting.selectors.overview import dashboard_overview, overview_json
from reporting.selectors.trend import trend_json, uptime_trend
from reporting.serializers import DailyReportSerializer
from sla.api.ingest import STATE_FILTER
from sla.api.slo_status import status_json
from sla.filters import ServiceFilter
from sla.models import Service as ServiceModel
from sla.models import ServiceGroup
from sla.selectors.incidents import incidents_filtered
from sla.selectors.slo import slo_list, slo_statuses
from slaportal.graphql import types_objects as objects
from slaportal.graphql import types_sla as sla_types
from slaportal.graphql.convert import from_json
from slaportal.graphql.errors import bad_input, not_found
from slaportal.graphql.pagination import paginate
from slaportal.instants import InstantError, checked_instant

MAX_ID = 2**63 - 1


def checked_int(name: str, value: int | None, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise bad_input(name, f"Give a whole number from {low} to {high}.")
    return value


def checked_id(name: str, value: int | None) -> int | None:
    return checked_int(name, value, 1, MAX_ID)


def checked_state(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return STATE_FILTER[value.strip().lower()]
    except KeyError:
        allowed = ", ".join(sorted(STATE_FILTER))
        raise bad_input(name, f"Unknown state {value[:40]!r}; one of {allowed}.") from None


def checked_range(start: dt.datetime | None, end: dt.datetime | None) -> tuple:
    """`from` and `to` as aware instants in the range the database holds."""
    bounds = []
    for name, value in (("from", start), ("to", end)):
        if value is not None:
            try:
                value = checked_instant(value)
            except InstantError as error:
                raise bad_input(name, str(error)) from None
        bounds.append(value)
    if bounds[0] is not None and bounds[1] is not None and bounds[1] <= bounds[0]:
        raise bad_input("to", "Must be after 'from'.")
    return tuple(bounds)


# --------------------------------------------------------------------------- SLA queries


def dashboard_stats(context) -> sla_types.SlaDashboardStats:
    overview = dashboard_overview(account=context.account, now=context.now)
    body = overview_json(overview, account=context.account, now=context.now)
    services = body["services"]
    services["by_state"] = [
        {"state": state, "count": count} for state, count in services["by_state"].items()
    ]
    return from_json(sla_types.SlaDashboardStats, body)


def period_results(
    context, *, last: int, sla: int | None, first: int | None, after: str | None
) -> sla_types.SlaPeriodResults:
    checked_int("last", last, 1, MAX_LAST)
    checked_id("sla", sla)
    assignments = sla_assignments(account=context.account)
    pairs = assigned_pairs(assignments=assignments, sla_id=sla)
    page = paginate(pairs, first=first, after=after)
    rows = period_results_rows(
        account=context.account,
        assignments=assignments,
        pairs=page.rows,
        now=context.now,
        last=last,
    )
    # The rows as they are (dicts of the REST shape, read by the schema's field_value):
    # 1,000 rows are some 24,000 objects that from_json would build only to be read once.
    edges = [
        sla_types.PeriodResultEdge(cursor=cursor, node=row)
        for cursor, row in zip(page.cursors(), rows, strict=True)
    ]
    return sla_types.SlaPeriodResults(
        edges=edges, page_info=page.info(), total_count=len(pairs), last=last
    )


def trend_data(context, *, group: int | None, days: int) -> sla_types.SlaTrendData:
    checked_int("days", days, 1, MAX_TREND_DAYS)
    found = None
    if checked_id("group", group) is not None:
        found = ServiceGroup.objects.for_account(context.account).filter(pk=group).first()
        if found is None:
            raise not_found("group")
    trend = uptime_trend(account=context.account, now=context.now, days=days, group=found)
    return from_json(sla_types.SlaTrendData, trend_json(trend, account=context.account))


# --------------------------------------------------------------------------- objects


def services(context, *, filters: dict, first, after) -> objects.ServiceConnection:
    """The REST list's filterset (path, pathPrefix, state, label, group) on the account."""
    data = {key: value for key, value in filters.items() if value is not None}
    queryset = ServiceModel.objects.for_account(context.account).order_by("path", "id")
    filterset = ServiceFilter(data=data, queryset=queryset, request=context.request)
    if not filterset.is_valid():
        name, messages = next(iter(filterset.errors.items()))
        raise bad_input(name, " ".join(messages))
    page = paginate(filterset.qs, first=first, after=after)
    edges = [
        objects.ServiceEdge(cursor=cursor, node=objects.Service.from_model(service))
        for cursor, service in zip(page.cursors(), page.rows, strict=True)
    ]
    return objects.ServiceConnection(edges=edges, page_info=page.info())


def service(context, *, service_id: int) -> objects.Service:
    checked_id("id", service_id)
    found = ServiceModel.objects.for_account(context.account).filter(pk=service_id).first()
    if found is None:
        raise not_found("id")
    return objects.Service.from_model(found)


def sla_groups(context, *, first, after) -> objects.SlaGroupConnection:
    queryset = ServiceGroup.objects.for_account(context.account).order_by("name", "id")
    page = paginate(queryset, first=first, after=after)
    edges = [
        objects.SlaGroupEdge(cursor=cursor, node=objects.SlaGroup.from_model(group))
        for cursor, group in zip(page.cursors(), page.rows, strict=True)
    ]
    return objects.SlaGroupConnection(edges=edges, page_info=page.info())


def incidents(context, *, filters: dict, first, after) -> objects.IncidentConnection:
    start, end = checked_range(filters["start"], filters["end"])
    queryset = incidents_filtered(
        account=context.account,
        service_id=checked_id("service", filters["service"]),
        group_id=checked_id("group", filters["group"]),
        worst_state=checked_state("state", filters["state"]),
        is_open=filters["open"],
        start=start,
        end=end,
    )
    page = paginate(queryset, first=first, after=after)
    edges = [
        objects.IncidentEdge(
            cursor=cursor, node=objects.Incident.from_model(incident, now=context.now)
        )
        for cursor, incident in zip(page.cursors(), page.rows, strict=True)
    ]
    return objects.IncidentConnection(edges=edges, page_info=page.info())


def incident(context, *, incident_id: int) -> objects.Incident:
    checked_id("id", incident_id)
    found = incidents_filtered(account=context.account).filter(pk=incident_id).first()
    if found is None:
        raise not_found("id")
    return objects.Incident.from_model(found, now=context.now)


def _slo(slo, status) -> objects.Slo:
    derived = status_json(status)
    derived["burn_rates"] = [
        {"lookback_seconds": int(key.removesuffix("s")), "burn_rate": value}
        for key, value in derived["burn_rates"].items()
    ]
    return objects.Slo(
        id=slo.pk,
        name=slo.name,
        description=slo.description,
        sli_kind=slo.sli_kind,
        target=float(slo.target),
        window_kind=slo.window_kind,
        window_days=slo.window_days,
        calendar_unit=slo.calendar_unit,
        timezone=slo.timezone,
        service=objects.Service.from_model(slo.service) if slo.service_id else None,
        group=objects.SlaGroup.from_model(slo.group) if slo.group_id else None,
        status=from_json(objects.SloStatus, derived),
    )


def slos(context, *, filters: dict, first, after) -> objects.SloConnection:
    queryset = slo_list(account=context.account).order_by("name", "id")
    for name in ("service", "group"):
        if checked_id(name, filters[name]) is not None:
            queryset = queryset.filter(**{f"{name}_id": filters[name]})
    if filters["sli_kind"] is not None:
        queryset = queryset.filter(sli_kind=filters["sli_kind"])
    page = paginate(queryset, first=first, after=after)
    statuses = slo_statuses(account=context.account, slos=page.rows, now=context.now)
    edges = [
        objects.SloEdge(cursor=cursor, node=_slo(slo, statuses[slo.pk]))
        for cursor, slo in zip(page.cursors(), page.rows, strict=True)
    ]
    return objects.SloConnection(edges=edges, page_info=page.info())


def slo(context, *, slo_id: int) -> objects.Slo:
    checked_id("id", slo_id)
    found = slo_list(account=context.account).filter(pk=slo_id).first()
    if found is None:
        raise not_found("id")
    status = slo_statuses(account=context.account, slos=[found], now=context.now)[found.pk]
    return _slo(found, status)


def _report(report) -> objects.DailyReport:
    fields = ("id", "day", "timezone", "schema_version", "generated_at", "summary")
    body = {name: getattr(report, name) for name in fields}
    body["files"] = DailyReportSerializer().get_files(report)
    return from_json(objects.DailyReport, body)


def daily_reports(context, *, day, first, after) -> objects.DailyReportConnection:
    queryset = DailyReportModel.objects.for_account(context.account).order_by("-day", "-id")
    if day is not None:
        queryset = queryset.filter(day=day)
    page = paginate(queryset, first=first, after=after)
    edges = [
        objects.DailyReportEdge(cursor=cursor, node=_report(report))
        for cursor, report in zip(page.cursors(), page.rows, strict=True)
    ]
    return objects.DailyReportConnection(edges=edges, page_info=page.info())
