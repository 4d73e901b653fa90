"""Celery tasks of reporting: thin wrappers around reporting.services."""

from celery import shared_task

from reporting.services.notifications import delivery_attempt, outbox_process_due


@shared_task(name="reporting.deliver", soft_time_limit=60, time_limit=90, acks_late=True)
def deliver(delivery_id: int) -> str | None:
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(name="reporting.process_outbox", soft_time_limit=240, time_limit=300)
def process_outbox() -> int:
    return outbox_process_due()
