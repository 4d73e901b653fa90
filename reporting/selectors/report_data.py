"""The content of a daily report (schema reporting/schema/daily-report-v1.json).

`daily_report_data` reads stored rows only: DailyUptime (the day and a 30-day strip),
Incident, Downtime, services and groups; the SLA period containing the day and the SLOs as
of the end of the day (reporting.selectors.report_sla). Everything is ordered and every
instant is UTC ISO 8601, so the same rows always give the same JSON, byte for byte.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from reporting.days import day_bounds, days_back
from reporting.selectors.report_sla import sla_results_as_of, slos_as_of
from sla.display import percent_of
from sla.engine import isoformat_utc
from sla.models import DailyUptime, Downtime, Incident, Recurrence, Service, ServiceGroup
from sla.selectors.downtimes import weekly_windows

SCHEMA_VERSION = 1
REPORT_KIND = "sla.daily_report"
STRIP_DAYS = 30
SECONDS_FIELDS = ("ok", "warn", "crit", "unknown", "unmonitored", "downtime")
SECONDS_COLUMNS = tuple(f"seconds_{name}" for name in SECONDS_FIELDS)
RESULT_STATES = ("NODATA", "OK", "WARN", "CRIT", "BROKEN")


def uptime_percent(seconds: dict) -> float | None:
    """OK time as a percentage of monitored time (OK, WARN, CRIT, UNKNOWN); downtime is
    counted in its state, unmonitored time not at all. None when nothing was monitored."""
    monitored = seconds["ok"] + seconds["warn"] + seconds["crit"] + seconds["unknown"]
    return percent_of(seconds["ok"], monitored)


def _uptime_json(row: tuple | None) -> dict | None:
    if row is None:
        return None
    seconds = _seconds(row)
    return {"percent": uptime_percent(seconds), "seconds": seconds}


def _daily_rows(account, days: list[dt.date]) -> dict:
    """{("s"|"g", id): {day: seconds tuple}} for every service and group row of the days."""
    rows = (
        DailyUptime.objects.for_account(account)
        .filter(day__gte=days[0], day__lte=days[-1])
        .values_list("service_id", "group_id", "day", *SECONDS_COLUMNS)
    )
    by_subject: dict = defaultdict(dict)
    for service_id, group_id, day, *seconds in rows.iterator(chunk_size=5000):
        key = ("s", service_id) if service_id else ("g", group_id)
        by_subject[key][day] = tuple(seconds)
    return by_subject


def _seconds(row: tuple) -> dict:
    return dict(zip(SECONDS_FIELDS, row, strict=True))


def _strip(rows: dict, days: list[dt.date]) -> list[float | None]:
    return [None if rows.get(day) is None else uptime_percent(_seconds(rows[day])) for day in days]


def _overlap(start: dt.datetime, end: dt.datetime, day_start, day_end) -> float:
    return max(0.0, (min(end, day_end) - max(start, day_start)).total_seconds())


def _incidents(account, day_start: dt.datetime, day_end: dt.datetime) -> dict:
    """{("s"|"g", id): [incident json]} of the incidents that overlap the day."""
    rows = (
        Incident.objects.for_account(account)
        .filter(started_at__lt=day_end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=day_start))
        .order_by("started_at", "id")
    )
    by_subject: dict = defaultdict(list)
    for incident in rows:
        until = incident.ended_at or day_end
        key = ("s", incident.service_id) if incident.service_id else ("g", incident.group_id)
        by_subject[key].append(
            {
                "id": incident.pk,
                "start": isoformat_utc(incident.started_at),
                "end": isoformat_utc(incident.ended_at) if incident.ended_at else None,
                "worst_state": incident.worst_state,
                "duration_seconds": max(0.0, (until - incident.started_at).total_seconds()),
                "seconds_in_day": _overlap(incident.started_at, until, day_start, day_end),
            }
        )
    return by_subject


def _occurrences(downtime: Downtime, day_start: dt.datetime, day_end: dt.datetime) -> list:
    if downtime.recurrence != Recurrence.WEEKLY:
        return [(downtime.start, downtime.end)]
    # Widen the range so an occurrence reaching into the day is found whole.
    reach = dt.timedelta(minutes=downtime.duration_minutes or 0)
    windows = weekly_windows(downtime, day_start - reach, day_end + reach)
    return [(window.start, window.end) for window in windows]


def _downtimes(account, day_start: dt.datetime, day_end: dt.datetime) -> dict:
    """{("s"|"g", id) or ("a", None): [downtime json]} of downtime occurrences in the day."""
    overlapping = Q(start__lt=day_end) & (Q(end__isnull=True) | Q(end__gt=day_start))
    rows = Downtime.objects.for_account(account).filter(overlapping).order_by("start", "id")
    by_subject: dict = defaultdict(list)
    for downtime in rows:
        if downtime.service_id:
            key, scope = ("s", downtime.service_id), "service"
        elif downtime.group_id:
            key, scope = ("g", downtime.group_id), "group"
        else:
            key, scope = ("a", None), "account"
        for start, end in _occurrences(downtime, day_start, day_end):
            seconds = _overlap(start, end, day_start, day_end)
            if seconds <= 0:
                continue
            by_subject[key].append(
                {
                    "id": downtime.pk,
                    "scope": scope,
                    "reason": downtime.reason,
                    "recurrence": downtime.recurrence,
                    "start": isoformat_utc(start),
                    "end": isoformat_utc(end),
                    "seconds_in_day": seconds,
                }
            )
    for entries in by_subject.values():
        entries.sort(key=lambda entry: (entry["start"], entry["id"]))
    return by_subject


class _Sources:
    """Every stored row a report reads, fetched once per report."""

    def __init__(self, *, account, day: dt.date):
        self.day_start, self.day_end = day_bounds(timezone_name=account.timezone, day=day)
        self.strip_days = days_back(last=day, count=STRIP_DAYS)
        self.services = list(
            Service.objects.for_account(account).select_related("group").order_by("path", "id")
        )
        self.groups = list(ServiceGroup.objects.for_account(account).order_by("name", "id"))
        self.daily = _daily_rows(account, self.strip_days)
        self.incidents = _incidents(account, self.day_start, self.day_end)
        self.downtimes = _downtimes(account, self.day_start, self.day_end)
        self.sla_services, self.sla_groups = sla_results_as_of(
            account=account, services=self.services, groups=self.groups, day_end=self.day_end
        )
        self.slo_services, self.slo_groups = slos_as_of(
            account=account, day_start=self.day_start, day_end=self.day_end
        )

    def account_strip(self) -> list[float | None]:
        """Daily uptime of all services together (their seconds summed per day)."""
        strip = []
        for day in self.strip_days:
            totals = dict.fromkeys(SECONDS_FIELDS, 0.0)
            found = False
            for (kind, _), rows in self.daily.items():
                row = rows.get(day) if kind == "s" else None
                if row is not None:
                    found = True
                    for name, seconds in zip(SECONDS_FIELDS, row, strict=True):
                        totals[name] += seconds
            strip.append(uptime_percent(totals) if found else None)
        return strip

    def subject(self, kind: str, pk: int) -> dict:
        rows = self.daily.get((kind, pk), {})
        sla = (self.sla_services if kind == "s" else self.sla_groups).get(pk)
        slos = (self.slo_services if kind == "s" else self.slo_groups).get(pk, [])
        return {
            "uptime": _uptime_json(rows.get(self.strip_days[-1])),
            "strip": _strip(rows, self.strip_days),
            "sla": sla,
            "slos": slos,
            "incidents": self.incidents.get((kind, pk), []),
            "downtimes": self.downtimes.get((kind, pk), []),
        }


def _service_json(sources: _Sources, service: Service) -> dict:
    return {
        "id": service.pk,
        "path": service.path,
        "name": service.display_name,
        **sources.subject("s", service.pk),
    }


def _group_json(sources: _Sources, group: ServiceGroup, members: list[dict]) -> dict:
    return {
        "id": group.pk,
        "name": group.name,
        "title": str(group),
        "aggregation": group.aggregation,
        **sources.subject("g", group.pk),
        "services": members,
    }


def _summary(services: list[dict], groups: list[dict], account_downtimes: list, strip) -> dict:
    totals = dict.fromkeys(SECONDS_FIELDS, 0.0)
    sla_states = dict.fromkeys(RESULT_STATES, 0)
    incident_ids, downtimes, slos, exhausted = set(), len(account_downtimes), 0, 0
    for entry in [*services, *groups]:
        incident_ids.update(incident["id"] for incident in entry["incidents"])
        downtimes += len(entry["downtimes"])
        slos += len(entry["slos"])
        exhausted += sum(1 for slo in entry["slos"] if slo["budget"]["remaining"] < 0)
    for service in services:
        if service["uptime"] is not None:
            for name in SECONDS_FIELDS:
                totals[name] += service["uptime"]["seconds"][name]
        if service["sla"] is not None:
            sla_states[service["sla"]["state"]] += 1
    return {
        "services": len(services),
        "groups": len(groups),
        "uptime_percent": uptime_percent(totals),
        "seconds": totals,
        "services_with_sla": sum(sla_states.values()),
        "sla_states": sla_states,
        "incidents": len(incident_ids),
        "downtimes": downtimes,
        "slos": slos,
        "slos_budget_exhausted": exhausted,
        "strip": strip,
    }


def daily_report_data(*, account, day: dt.date) -> dict:
    """The report of `day` (a calendar day in the account's time zone), as a JSON-ready dict."""
    sources = _Sources(account=account, day=day)
    members: dict = defaultdict(list)
    ungrouped = []
    all_services = []
    for service in sources.services:
        entry = _service_json(sources, service)
        all_services.append(entry)
        (members[service.group_id] if service.group_id else ungrouped).append(entry)
    groups = [_group_json(sources, group, members[group.pk]) for group in sources.groups]
    account_downtimes = sources.downtimes.get(("a", None), [])
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": REPORT_KIND,
        "account": {"slug": account.slug, "name": account.name, "timezone": account.timezone},
        "day": day.isoformat(),
        "range": {
            "start": isoformat_utc(sources.day_start),
            "end": isoformat_utc(sources.day_end),
        },
        "strip_days": [strip_day.isoformat() for strip_day in sources.strip_days],
        "summary": _summary(all_services, groups, account_downtimes, sources.account_strip()),
        "groups": groups,
        "ungrouped_services": ungrouped,
        "downtimes": account_downtimes,
    }
