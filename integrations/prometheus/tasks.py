"""Celery tasks of the Prometheus integration (thin: the work is in its services)."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from accounts.features import sla_enabled
from accounts.models import Account
from integrations.prometheus.models import PrometheusStatusRule, PromQLSLI
from integrations.prometheus.services.rules import rules_evaluate
from integrations.prometheus.services.sli import sli_fetch, slis_fetch

logger = logging.getLogger(__name__)
LOCK_SECONDS = 300


def _locked(name: str, account_id: int):
    key = f"prometheus:{name}:{account_id}"
    return key if cache.add(key, "1", LOCK_SECONDS) else None


def fetch_slis_run(*, now=None) -> dict:
    """Fetch new slots of every PromQL SLI, account by account (SLA feature on)."""
    now = now or timezone.now()
    totals = {"accounts": 0, "slis": 0, "queries": 0, "missing": 0, "errors": 0}
    accounts = Account.objects.filter(
        pk__in=PromQLSLI.objects.filter(slo__sli_kind="prometheus").values("account_id")
    )
    for account in accounts.order_by("pk"):
        if not sla_enabled(account):
            continue
        lock = _locked("slis", account.pk)
        if lock is None:
            logger.info("PromQL fetch of account %s still running; skipped", account.pk)
            continue
        try:
            stats = slis_fetch(account=account, now=now)
        finally:
            cache.delete(lock)
        totals["accounts"] += 1
        for key in ("slis", "queries", "missing", "errors"):
            totals[key] += stats[key]
    return totals


def evaluate_rules_run(*, now=None) -> dict:
    """Evaluate every enabled status rule, account by account (status is not gated)."""
    now = now or timezone.now()
    totals = {"accounts": 0, "rules": 0, "events": 0, "errors": 0}
    accounts = Account.objects.filter(
        pk__in=PrometheusStatusRule.objects.filter(enabled=True).values("account_id")
    )
    for account in accounts.order_by("pk"):
        lock = _locked("rules", account.pk)
        if lock is None:
            continue
        try:
            stats = rules_evaluate(account=account, now=now)
        finally:
            cache.delete(lock)
        totals["accounts"] += 1
        for key in ("rules", "events", "errors"):
            totals[key] += stats[key]
    return totals


@shared_task(name="prometheus.fetch_slis", soft_time_limit=55, time_limit=120)
def fetch_slis() -> dict:
    return fetch_slis_run()


@shared_task(name="prometheus.evaluate_rules", soft_time_limit=55, time_limit=120)
def evaluate_rules() -> dict:
    return evaluate_rules_run()


@shared_task(name="prometheus.promql_backfill", soft_time_limit=240, time_limit=300)
def promql_backfill(slo_id: int) -> dict:
    """Backfill one new or changed PromQL SLI at once (the minutely job would too)."""
    sli = PromQLSLI.objects.select_related("slo", "source", "account").filter(slo_id=slo_id).first()
    if sli is None or sli.slo.sli_kind != "prometheus":
        return {"slots": 0}
    result = sli_fetch(account=sli.account, sli=sli)
    return {"slots": result.slots, "missing": result.missing}
