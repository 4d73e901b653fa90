"""Periodic job of the sending side: incidents opened and closed since the last scan."""

from celery import shared_task

from integrations.federation.services import portal_push_all_incidents


@shared_task(name="federation.push_incidents", soft_time_limit=240, time_limit=300)
def push_incidents() -> int:
    return portal_push_all_incidents()
