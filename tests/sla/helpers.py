"""Builders for pipeline tests: agent-shaped event items and table snapshots for comparing."""

import datetime as dt

from sla.models import DailyUptime, Incident, StatusEvent, UptimeSnapshot

UTC = dt.UTC
T0 = dt.datetime(2024, 3, 4, 0, 0, tzinfo=UTC)


def at(minutes: float, base: dt.datetime = T0) -> dt.datetime:
    return base + dt.timedelta(minutes=minutes)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def item(service: str, minutes: float, state: str, base: dt.datetime = T0, **extra) -> dict:
    return {"service": service, "at": iso(at(minutes, base)), "state": state, **extra}


def stored_events(account) -> list[tuple]:
    rows = StatusEvent.objects.for_account(account).values_list(
        "service__path", "at", "state", "message", "dedup_key"
    )
    return sorted(rows)


def stored_incidents(account) -> list[tuple]:
    rows = Incident.objects.for_account(account).values_list(
        "service__path", "group__name", "started_at", "ended_at", "worst_state", "state"
    )
    return sorted(rows, key=lambda row: (row[0] or "", row[1] or "", row[2]))


SECONDS = (
    "seconds_ok",
    "seconds_warn",
    "seconds_crit",
    "seconds_unknown",
    "seconds_unmonitored",
    "seconds_downtime",
)


def stored_snapshots(account) -> list[tuple]:
    rows = UptimeSnapshot.objects.for_account(account).values_list(
        "service__path", "group__name", "bucket_start", *SECONDS
    )
    return sorted(rows, key=lambda row: (row[0] or "", row[1] or "", row[2]))


def stored_daily(account) -> list[tuple]:
    rows = DailyUptime.objects.for_account(account).values_list(
        "service__path", "group__name", "day", *SECONDS
    )
    return sorted(rows, key=lambda row: (row[0] or "", row[1] or "", row[2]))
