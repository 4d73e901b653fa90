"""Derived rows: materialised period results, incidents and uptime snapshots."""

from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from sla.models.definitions import SLADefinition
from sla.models.services import ONE_SUBJECT, STATE_CHOICES, Service, ServiceGroup

RESULT_STATE_CHOICES = [
    ("NODATA", "NODATA"),
    ("OK", "OK"),
    ("WARN", "WARN"),
    ("CRIT", "CRIT"),
    ("BROKEN", "BROKEN"),
]


class PeriodResult(TenantModel):
    """The engine's result for one period of an SLA for a service or a group.

    Completed periods are materialised once and recomputed only when late events or
    definition changes make them stale (`stale` set by ingestion, or `sla_revision` older
    than the SLA's). The current period is stored too (`complete=False`, refreshed by the
    periodic job) so dashboards and status pages read it instead of recomputing.
    `result` is the engine's period JSON: requirements with their figures and the
    outages/seconds per state behind them.
    """

    sla = models.ForeignKey(SLADefinition, on_delete=models.CASCADE, related_name="results")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="period_results"
    )
    group = models.ForeignKey(
        ServiceGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="period_results",
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    complete = models.BooleanField(default=True)
    state = models.CharField(max_length=8, choices=RESULT_STATE_CHOICES)
    result = models.JSONField()
    sla_revision = models.PositiveIntegerField()
    stale = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sla_id", "period_start"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="periodresult_one_subject"),
            models.UniqueConstraint(
                fields=["sla", "service", "period_start"],
                condition=Q(service__isnull=False),
                name="periodresult_unique_service",
            ),
            models.UniqueConstraint(
                fields=["sla", "group", "period_start"],
                condition=Q(group__isnull=False),
                name="periodresult_unique_group",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "period_start"], name="periodresult_acct"),
            # Marking results stale after ingest: "this service's periods ending after T".
            models.Index(fields=["service", "period_end"], name="periodresult_service_end"),
            models.Index(fields=["group", "period_end"], name="periodresult_group_end"),
        ]

    def __str__(self) -> str:
        return f"{self.sla} {self.period_start:%Y-%m-%d} {self.state}"


class Incident(TenantModel):
    """A stretch of time a service (or group) spent outside OK: opened when it leaves OK,
    worst state tracked, closed when it returns to OK. Derived from events; rebuilt when
    late events change history."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    worst_state = models.CharField(max_length=8, choices=STATE_CHOICES)
    state = models.CharField(max_length=8, choices=STATE_CHOICES, help_text="latest state")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="incident_one_subject"),
        ]
        indexes = [
            models.Index(fields=["account", "started_at"], name="incident_acct_start"),
            models.Index(fields=["service", "started_at"], name="incident_service_start"),
            models.Index(fields=["group", "started_at"], name="incident_group_start"),
        ]

    def __str__(self) -> str:
        return f"Incident {self.started_at:%Y-%m-%d %H:%M} {self.worst_state}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class SecondsPerState(models.Model):
    """Seconds of a bucket spent per state, in downtime, and unmonitored."""

    seconds_ok = models.FloatField(default=0)
    seconds_warn = models.FloatField(default=0)
    seconds_crit = models.FloatField(default=0)
    seconds_unknown = models.FloatField(default=0)
    seconds_unmonitored = models.FloatField(default=0)
    seconds_downtime = models.FloatField(
        default=0, help_text="Seconds inside a downtime (overlaps the state columns)"
    )

    class Meta:
        abstract = True


class UptimeSnapshot(TenantModel, SecondsPerState):
    """Seconds per state in one 5-minute bucket [bucket_start, +300 s) of a service or group."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    bucket_start = models.DateTimeField()

    class Meta:
        ordering = ["bucket_start"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="snapshot_one_subject"),
            models.UniqueConstraint(
                fields=["service", "bucket_start"],
                condition=Q(service__isnull=False),
                name="snapshot_unique_service",
            ),
            models.UniqueConstraint(
                fields=["group", "bucket_start"],
                condition=Q(group__isnull=False),
                name="snapshot_unique_group",
            ),
        ]

    def __str__(self) -> str:
        return f"snapshot {self.bucket_start:%Y-%m-%d %H:%M}"


class DailyUptime(TenantModel, SecondsPerState):
    """Daily rollup of the 5-minute snapshots; `day` is a calendar day in the account's time
    zone (23 or 25 hours on DST days), so long ranges and status pages read few rows."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_uptime"
    )
    group = models.ForeignKey(
        ServiceGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="daily_uptime",
    )
    day = models.DateField()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="daily_one_subject"),
            models.UniqueConstraint(
                fields=["service", "day"],
                condition=Q(service__isnull=False),
                name="daily_unique_service",
            ),
            models.UniqueConstraint(
                fields=["group", "day"], condition=Q(group__isnull=False), name="daily_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"daily {self.day}"
