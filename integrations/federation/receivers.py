"""Queue pushes where the core announces a change (sending side; see services.py)."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from integrations.federation.services import portal_push_downtime, portal_push_status
from sla.models import Downtime
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
