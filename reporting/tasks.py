"""Celery tasks of reporting: thin wrappers around reporting.services."""

import logging

from celery import shared_task
from django.core.cache import cache

from accounts.features import sla_enabled
from accounts.models import Account
from reporting.services.notifications import (
    deliveries_attempt,
    delivery_attempt,
    outbox_process_due,
)
from reporting.services.reports import daily_reports_catch_up

logger = logging.getLogger(__name__)
REPORT_LOCK_SECONDS = 1800


@shared_task(name="reporting.deliver", soft_time_limit=60, time_limit=90, acks_late=True)
def deliver(delivery_id: int) -> str | None:
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(name="reporting.deliver_batch", soft_time_limit=240, time_limit=300, acks_late=True)
def deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """A chunk of a large fan-out (status page subscribers): one SMTP connection for all."""
    return deliveries_attempt(delivery_ids=delivery_ids)


@shared_task(name="reporting.process_outbox", soft_time_limit=240, time_limit=300)
def process_outbox() -> int:
    return outbox_process_due()


@shared_task(
    name="reporting.daily_reports_account", soft_time_limit=1500, time_limit=1800, acks_late=True
)
def daily_reports_account(account_id: int) -> list[str]:
    """Per-account unit: the account's due daily reports (one run at a time per account)."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None or not sla_enabled(account):
        return []
    lock = f"daily-reports:{account_id}"
    if not cache.add(lock, "1", REPORT_LOCK_SECONDS):
        logger.info("daily reports of account %s are being built already; skipped", account_id)
        return []
    try:
        reports = daily_reports_catch_up(account=account)
    finally:
        cache.delete(lock)
    return [report.day.isoformat() for report in reports]


@shared_task(name="reporting.daily_reports", soft_time_limit=60, time_limit=90)
def daily_reports() -> int:
    """Beat entry: one unit per account with the SLA feature on."""
    dispatched = 0
    for account in Account.objects.filter(feature_sla=True).order_by("pk"):
        if sla_enabled(account):
            daily_reports_account.delay(account.pk)
            dispatched += 1
    return dispatched
