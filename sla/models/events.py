"""Raw status events pushed by agents."""

from django.db import models

from accounts.models import TenantModel
from sla.models.services import STATE_CHOICES, Service


class StatusEvent(TenantModel):
    """A service's state from `at` until its next event (states normalised: OK/WARN/CRIT/UNKNOWN).

    `dedup_key` makes ingestion idempotent: `id:<agent id>` when the agent gave an id, else
    `auto:<service id>:<instant>:<state>`; the unique constraint stores each event once.
    """

    # No index of its own: the (service, at) index below serves every lookup by service, and
    # one index fewer makes each ingested event cheaper.
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=STATE_CHOICES)
    message = models.TextField(blank=True)
    dedup_key = models.CharField(max_length=300)
    # The monitoring core's flap flag (SLA-SEMANTICS.md 1): True/False from here on, None
    # (not sent) keeps the flag in force. Sources without one (Alertmanager, PromQL) leave it.
    flapping = models.BooleanField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "dedup_key"], name="statusevent_dedup")
        ]
        indexes = [
            models.Index(fields=["service", "at"], name="statusevent_service_at"),
            # The flag in force at an instant: the last flag-setting event before it, one
            # probe however long the history without flags.
            models.Index(
                fields=["service", "at"],
                name="statusevent_flag_at",
                condition=models.Q(flapping__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.at.isoformat()} {self.state}"


class EventHorizon(TenantModel):
    """How far back an account's raw status events are whole: the retention job removed
    events before `pruned_before` (keeping, per service, the state in force there and what
    an incident open across it reads). Recorded before anything is removed and never moved
    back, so every reader knows which evaluations would read removed events: period
    results whose inputs start before it are frozen (kept as stored, never recomputed)."""

    pruned_before = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account"], name="eventhorizon_account")]

    def __str__(self) -> str:
        return f"{self.account_id} events before {self.pruned_before.isoformat()} pruned"
