"""Bookkeeping of the pipeline `status events -> incidents -> snapshots -> daily rollups`."""

from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from sla.models.services import ONE_SUBJECT, Service, ServiceGroup


class RollupMark(TenantModel):
    """What is left to derive for one service or group, kept in the database so nothing is
    lost when Redis, the worker or the scheduler is down.

    Ingestion (in its own transaction) and downtime changes move `dirty_from` /
    `incidents_from` back to the earliest instant whose history changed; the rollup unit
    recomputes snapshots from `min(dirty_from, rolled_until)` up to the last complete bucket,
    rebuilds incidents from `incidents_from`, then clears the marks, but only if `seq`
    (bumped by every marking) is unchanged, so a mark set meanwhile is never lost.
    `history_start` is the earliest event instant (of any member, for a group): snapshots
    begin at its bucket.

    `results_from` is the stored period results' counterpart of `dirty_from`: every change
    that marks results stale also moves it back, in the same transaction. A completed stored
    result ending after it may miss that change (a row inserted while the change committed
    is invisible to its stale marking), so readers recompute it; the results refresh marks
    such rows stale and then clears the instant if `seq` did not move (see
    sla.services.results_marks).
    """

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    history_start = models.DateTimeField(null=True, blank=True)
    dirty_from = models.DateTimeField(
        null=True, blank=True, help_text="Snapshots from here on must be recomputed"
    )
    incidents_from = models.DateTimeField(
        null=True, blank=True, help_text="Incidents from here on must be rebuilt"
    )
    rolled_until = models.DateTimeField(
        null=True, blank=True, help_text="Snapshots are complete up to this bucket edge"
    )
    results_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Stored period results ending after this instant may miss a change",
    )
    seq = models.BigIntegerField(default=0, help_text="Bumped by every marking")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="rollupmark_one_subject"),
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(service__isnull=False),
                name="rollupmark_unique_service",
            ),
            models.UniqueConstraint(
                fields=["group"], condition=Q(group__isnull=False), name="rollupmark_unique_group"
            ),
        ]

    def __str__(self) -> str:
        subject = f"service {self.service_id}" if self.service_id else f"group {self.group_id}"
        return f"rollup mark of {subject}"
