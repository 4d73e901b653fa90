"""Every derived table of an account as comparable rows (subjects by path or group name,
SLAs by title, SLOs by name), for comparing a raced run with a clean rebuild."""

from sla.models import (
    DailyUptime,
    Incident,
    PeriodResult,
    Service,
    SLODayBucket,
    SLOHourBucket,
    UptimeSnapshot,
)
from sla.models.slo import SLOTS_PER_HOUR
from tests.sla.helpers import SECONDS

SLOT_FIELDS = [f"good_{index}" for index in range(SLOTS_PER_HOUR)] + [
    f"total_{index}" for index in range(SLOTS_PER_HOUR)
]


def _sorted(rows) -> list[tuple]:
    return sorted(rows, key=lambda row: tuple("" if value is None else str(value) for value in row))


def derived_rows(account) -> dict[str, list[tuple]]:
    subject = ("service__path", "group__name")
    return {
        "snapshots": _sorted(
            UptimeSnapshot.objects.for_account(account).values_list(
                *subject, "bucket_start", *SECONDS
            )
        ),
        "daily": _sorted(
            DailyUptime.objects.for_account(account).values_list(*subject, "day", *SECONDS)
        ),
        "incidents": _sorted(
            Incident.objects.for_account(account).values_list(
                *subject, "started_at", "ended_at", "worst_state", "state"
            )
        ),
        "current_state": _sorted(
            Service.objects.for_account(account).values_list(
                "path", "current_state", "current_state_since"
            )
        ),
        "period_results": _sorted(
            (*row[:-1], repr(row[-1]))
            for row in PeriodResult.objects.for_account(account).values_list(
                "sla__title",
                *subject,
                "period_start",
                "period_end",
                "complete",
                "stale",
                "state",
                "result",
            )
        ),
        "slo_hours": _sorted(
            SLOHourBucket.objects.for_account(account).values_list(
                "slo__name", "hour_start", "good", "total", *SLOT_FIELDS
            )
        ),
        "slo_days": _sorted(
            SLODayBucket.objects.for_account(account).values_list(
                "slo__name", "day_start", "good", "total"
            )
        ),
    }
