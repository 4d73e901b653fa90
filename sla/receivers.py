"""Keep derived SLA rows honest: definition changes bump revisions, history changes make
stored period results stale."""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from sla.models import (
    PeriodResult,
    Requirement,
    Service,
    SLADefinition,
    TimePeriod,
)
from sla.selectors.event_horizon import events_pruned_before
from sla.services.definitions import slas_bump_revision, slas_using_time_period
from sla.services.ingest import INGEST_SENDER
from sla.services.results import period_results_mark_services_stale, period_results_mark_stale
from sla.signals import status_history_changed


@receiver(pre_save, sender=SLADefinition)
def _sla_new_revision(sender, instance: SLADefinition, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance.revision = (instance.revision or 0) + 1
        instance._previous_calendar = (
            SLADefinition.objects.filter(pk=instance.pk).values_list("period", "timezone").first()
        )


@receiver(post_save, sender=SLADefinition)
def _sla_calendar_changed(sender, instance: SLADefinition, raw=False, **kwargs):
    # Other period bounds: the stored rows are periods that no longer exist, not just stale.
    previous = getattr(instance, "_previous_calendar", None)
    if not raw and previous is not None and previous != (instance.period, instance.timezone):
        rows = PeriodResult.objects.filter(sla=instance)
        pruned_before = events_pruned_before(account=instance.account)
        if pruned_before is not None:
            # Rows of periods whose events are pruned could not be computed again: they
            # stay (frozen; they answer only for a period with the same bounds).
            rows = rows.filter(period_start__gte=pruned_before)
        rows.delete()


@receiver(post_save, sender=Requirement)
@receiver(post_delete, sender=Requirement)
def _requirement_changed(sender, instance: Requirement, raw=False, **kwargs):
    if not raw:
        slas_bump_revision(sla_ids=[instance.sla_id])


@receiver(post_save, sender=TimePeriod)
def _time_period_changed(sender, instance: TimePeriod, raw=False, **kwargs):
    if not raw:
        slas_bump_revision(sla_ids=slas_using_time_period(time_period=instance))
        users = Q(service_period=instance) | Q(notification_period=instance)
        services = Service.objects.for_account(instance.account).filter(users)
        period_results_mark_services_stale(
            account=instance.account, service_ids=services.values_list("id", flat=True)
        )


_SERVICE_TIME = ("service_period_id", "notification_period_id")


@receiver(pre_save, sender=Service)
def _service_time_before(sender, instance: Service, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._previous_service_time = (
            Service.objects.filter(pk=instance.pk).values_list(*_SERVICE_TIME).first()
        )


@receiver(post_save, sender=Service)
def _service_time_changed(sender, instance: Service, raw=False, **kwargs):
    # Another service or notification period: every stored result of the service measured
    # other time.
    previous = getattr(instance, "_previous_service_time", None)
    current = tuple(getattr(instance, name) for name in _SERVICE_TIME)
    if not raw and previous is not None and previous != current:
        period_results_mark_services_stale(account=instance.account, service_ids=[instance.pk])


@receiver(status_history_changed)
def _history_changed(sender, account, changes, **kwargs):
    # Sent after ingestion commits and when a downtime is added, moved or removed.
    if sender == INGEST_SENDER:
        return  # marked inside the ingest write
    period_results_mark_stale(account=account, changes=changes)
