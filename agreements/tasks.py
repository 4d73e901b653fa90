"""Celery tasks of agreements (thin: the work is in agreements.services.assessment).

``agreements.dispatch`` (beat, every 10 s) expires agreements whose expiration passed and
queues one ``agreements.assess_account`` unit per account with due agreements; a unit
holds a short per-account lock, so a slow round is not run twice at once (claiming makes
a second unit harmless anyway)."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Account
from agreements.selectors import due_account_ids
from agreements.services.assessment import AssessStats, agreements_assess_due
from agreements.services.definitions import agreements_expire

logger = logging.getLogger(__name__)
LOCK_SECONDS = 120


def assess_account_run(account_id: int, *, now=None) -> dict:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return AssessStats().as_dict()
    key = f"agreements:assess:{account_id}"
    if not cache.add(key, "1", LOCK_SECONDS):
        logger.info("assessment of account %s still running; skipped", account_id)
        return AssessStats().as_dict()
    try:
        return agreements_assess_due(account=account, now=now).as_dict()
    finally:
        cache.delete(key)


def dispatch_run(*, now=None) -> dict:
    now = now or timezone.now()
    expired = agreements_expire(now=now)
    accounts = due_account_ids(now=now)
    for account_id in accounts:
        try:
            assess_account.delay(account_id)
        except Exception:  # broker down: the next dispatch queues it again
            logger.warning("could not queue the assessment of account %s", account_id)
    return {"expired": expired, "accounts": len(accounts)}


@shared_task(name="agreements.dispatch", soft_time_limit=8, time_limit=30)
def dispatch() -> dict:
    return dispatch_run()


@shared_task(name="agreements.assess_account", soft_time_limit=55, time_limit=120)
def assess_account(account_id: int) -> dict:
    return assess_account_run(account_id)
