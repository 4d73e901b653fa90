"""Queue pushes where the core announces a change (sending side; see services.py)."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from integrations.federation.services import (
    portal_push_catalog,
    portal_push_downtime,
    portal_push_status,
)
from sla.models import Downtime, Service, ServiceGroup
from sla.signals import status_history_changed

logger = logging.getLogger(__name__)


@receiver(status_history_changed, dispatch_uid="federation_push_status")
def _history_changed(sender, account, changes, **kwargs):
    # After the commit of any source's events (ingest, status rules, Alertmanager ...).
    portal_push_status(account=account, changes=changes)


@receiver(post_save, sender=Downtime, dispatch_uid="federation_push_downtime_saved")
def _downtime_saved(sender, instance: Downtime, raw=False, **kwargs):
    if not raw:
        portal_push_downtime(downtime=instance)


@receiver(post_delete, sender=Downtime, dispatch_uid="federation_push_downtime_deleted")
def _downtime_deleted(sender, instance: Downtime, **kwargs):
    try:
        portal_push_downtime(downtime=instance, deleted=True)
    except ObjectDoesNotExist:  # its service or group is being deleted with it
        logger.info("downtime %s deleted with its subject; not pushed", instance.pk)


@receiver(pre_save, sender=Service, dispatch_uid="federation_service_remember")
def _service_remember(sender, instance: Service, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._federation_previous = (
            Service.objects.filter(pk=instance.pk).values_list("name", "group_id").first()
        )


@receiver(post_save, sender=Service, dispatch_uid="federation_push_service")
def _service_saved(sender, instance: Service, created=False, raw=False, **kwargs):
    # A new service is pushed with its first events; a renamed or moved one now.
    previous = getattr(instance, "_federation_previous", None)
    if not raw and not created and previous not in (None, (instance.name, instance.group_id)):
        portal_push_catalog(account=instance.account, service_ids=[instance.pk])


@receiver(pre_save, sender=ServiceGroup, dispatch_uid="federation_group_remember")
def _group_remember(sender, instance: ServiceGroup, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._federation_previous = (
            ServiceGroup.objects.filter(pk=instance.pk)
            .values_list("title", "aggregation", "k")
            .first()
        )


@receiver(post_save, sender=ServiceGroup, dispatch_uid="federation_push_group")
def _group_saved(sender, instance: ServiceGroup, created=False, raw=False, **kwargs):
    definition = (instance.title, instance.aggregation, instance.k)
    previous = getattr(instance, "_federation_previous", None)
    if raw or created or previous in (None, definition):
        return
    members = Service.objects.for_account(instance.account).filter(group=instance)
    portal_push_catalog(
        account=instance.account, service_ids=list(members.values_list("pk", flat=True))
    )
