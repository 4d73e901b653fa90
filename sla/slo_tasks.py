"""Celery tasks of the SLO side (thin: the work is in sla.services)."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from accounts.features import sla_enabled
from accounts.models import Account
from sla.services.slo_alerts import slo_alerts_evaluate
from sla.services.slo_buckets import slo_buckets_refresh

logger = logging.getLogger(__name__)
LOCK_SECONDS = 300


def slo_minutely_run(*, now=None) -> dict:
    """Roll SLO buckets up to now, then evaluate burn-rate alerts, account by account."""
    now = now or timezone.now()
    totals = {"accounts": 0, "slos": 0, "fired": 0, "resolved": 0}
    for account in Account.objects.order_by("pk"):
        if not sla_enabled(account):
            continue
        lock = f"slo-minutely:{account.pk}"
        if not cache.add(lock, "1", LOCK_SECONDS):
            logger.info("SLO job for account %s still running; skipped", account.pk)
            continue
        try:
            totals["slos"] += slo_buckets_refresh(account=account, now=now)
            stats = slo_alerts_evaluate(account=account, now=now)
        finally:
            cache.delete(lock)
        totals["accounts"] += 1
        totals["fired"] += stats["fired"]
        totals["resolved"] += stats["resolved"]
    return totals


@shared_task(name="sla.slo_minutely", soft_time_limit=55, time_limit=120)
def slo_minutely() -> dict:
    return slo_minutely_run()
