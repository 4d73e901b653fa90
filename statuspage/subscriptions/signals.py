"""Announce public events to subscribers right after they commit (a Celery task each).

The task only reads what was committed; if it is lost (broker down, a crash), the periodic
job `statuspage.subscriber_notices` catches the entry up (statuspage.subscriptions.notify).
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from sla.models import Downtime
from statuspage.models import IncidentUpdate, MaintenanceUpdate

logger = logging.getLogger(__name__)


def _dispatch(task, argument) -> None:
    try:
        task.delay(argument)
    except Exception as error:  # broker down: the periodic job announces it within minutes
        # The cause in one line: a traceback per dispatch would flood the log of an outage.
        logger.warning(
            "could not queue %s(%s); the periodic job will: %r", task.name, argument, error
        )


@receiver(post_save, sender=IncidentUpdate, dispatch_uid="subscribers_incident_update")
def _incident_update_saved(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    from statuspage.tasks import notify_incident_update

    update_id = instance.pk
    transaction.on_commit(lambda: _dispatch(notify_incident_update, update_id))


@receiver(post_save, sender=MaintenanceUpdate, dispatch_uid="subscribers_maintenance_note")
@receiver(post_save, sender=Downtime, dispatch_uid="subscribers_downtime")
def _maintenance_changed(sender, instance, raw=False, **kwargs):
    if raw or (sender is Downtime and not instance.public):
        return
    from statuspage.tasks import subscriber_notices_account

    account_id = instance.account_id
    transaction.on_commit(lambda: _dispatch(subscriber_notices_account, account_id))
