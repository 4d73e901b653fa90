"""Builders for pipeline tests: agent-shaped event items and table snapshots for comparing."""

import datetime as dt
import threading

from django.db import connection

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


def in_another_connection(work) -> None:
    """Run `work` in a thread (its own database connection, committed on return)."""
    failures = []

    def target():
        try:
            work()
        except BaseException as error:  # re-raised in the test's thread
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the ingest behind the seam hangs (a lock the job holds?)"
    if failures:
        raise failures[0]
