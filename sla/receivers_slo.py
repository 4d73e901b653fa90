"""Signal receivers of the SLO side: mark SLO buckets dirty, notify SLA level changes."""

from django.dispatch import receiver
from django.utils import timezone

from reporting.services.notifications import notification_emit
from sla.services.ingest import INGEST_SENDER
from sla.services.slo_buckets import slos_mark_dirty_each
from sla.signals import sla_state_changed, status_history_changed

LEVELS = ("OK", "WARN", "CRIT", "BROKEN")


@receiver(status_history_changed, dispatch_uid="slo_buckets_dirty")
def slo_buckets_dirty(sender, account, changes: dict, **kwargs):
    """Late or new events of a service: its time SLOs (and its groups') recompute from the
    earliest changed instant on (a few queries per call, however many services changed).
    Ingestion marks them inside its own write."""
    if sender == INGEST_SENDER:
        return
    slos_mark_dirty_each(account=account, changes=changes, kind="time")


def level_change_worth_notifying(old_state, new_state) -> bool:
    """OK/WARN/CRIT/BROKEN moves either way; a first result (none or NODATA) only if bad."""
    if old_state == new_state or new_state not in LEVELS:
        return False
    if old_state in LEVELS:
        return True
    return new_state != "OK"


@receiver(sla_state_changed, dispatch_uid="sla_level_changed_notify")
def sla_level_changed_notify(
    sender, account, sla, service, group, period_start, old_state, new_state, **kwargs
):
    if not level_change_worth_notifying(old_state, new_state):
        return
    now = timezone.now()
    subject = f"service:{service.pk}" if service is not None else f"group:{group.pk}"
    name = service.path if service is not None else group.name
    notification_emit(
        account=account,
        event_type="sla.level_changed",
        payload={
            "title": f"SLA {sla.title} for {name}: {old_state or 'none'} -> {new_state}",
            "sla": {"id": sla.pk, "title": sla.title},
            "service": service.path if service is not None else None,
            "group": group.name if group is not None else None,
            "period_start": period_start,
            "old_state": old_state,
            "new_state": new_state,
            "changed_at": now,
        },
        # One notification per change; the minute tells a later change back apart.
        dedup_key=(
            f"sla.level_changed:{sla.pk}:{subject}:{period_start.isoformat()}:"
            f"{old_state}:{new_state}:{now:%Y%m%dT%H%M}"
        ),
    )
