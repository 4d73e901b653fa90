"""Keep derived SLA rows honest: definition changes bump revisions, history changes make
stored period results stale."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from sla.models import Downtime, Requirement, SLADefinition, TimePeriod
from sla.services.definitions import slas_bump_revision, slas_using_time_period
from sla.services.results import period_results_mark_stale, period_results_mark_stale_for_downtime
from sla.signals import status_history_changed


@receiver(pre_save, sender=SLADefinition)
def _sla_new_revision(sender, instance: SLADefinition, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance.revision = (instance.revision or 0) + 1


@receiver(post_save, sender=Requirement)
@receiver(post_delete, sender=Requirement)
def _requirement_changed(sender, instance: Requirement, raw=False, **kwargs):
    if not raw:
        slas_bump_revision(sla_ids=[instance.sla_id])


@receiver(post_save, sender=TimePeriod)
def _time_period_changed(sender, instance: TimePeriod, raw=False, **kwargs):
    if not raw:
        slas_bump_revision(sla_ids=slas_using_time_period(time_period=instance))


@receiver(pre_save, sender=Downtime)
def _downtime_remember_old(sender, instance: Downtime, raw=False, **kwargs):
    # A moved downtime changes history at its old place too.
    if instance.pk is not None and not raw:
        instance._previous = Downtime.objects.filter(pk=instance.pk).first()


@receiver(post_save, sender=Downtime)
@receiver(post_delete, sender=Downtime)
def _downtime_changed(sender, instance: Downtime, raw=False, **kwargs):
    if raw:
        return
    period_results_mark_stale_for_downtime(downtime=instance)
    previous = getattr(instance, "_previous", None)
    if previous is not None:
        period_results_mark_stale_for_downtime(downtime=previous)


@receiver(status_history_changed)
def _history_changed(sender, account, changes, **kwargs):
    period_results_mark_stale(account=account, changes=changes)
