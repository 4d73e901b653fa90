"""Celery tasks of the SLA app (thin: each calls one service function)."""

from celery import shared_task
from django.utils import timezone

from accounts.features import sla_enabled
from accounts.models import Account
from sla.services.results import period_results_refresh_account


@shared_task(name="sla.refresh_period_results_account", soft_time_limit=240, time_limit=300)
def refresh_period_results_account(account_id: int) -> int:
    """Per-account unit: current-period and stale SLA results of the account's services."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None or not sla_enabled(account):
        return 0
    return period_results_refresh_account(account=account, now=timezone.now())


@shared_task(name="sla.refresh_period_results", soft_time_limit=60, time_limit=90)
def refresh_period_results() -> int:
    """Beat entry: dispatch one unit per account with the SLA feature on."""
    dispatched = 0
    for account in Account.objects.filter(feature_sla=True):
        if sla_enabled(account):
            refresh_period_results_account.delay(account.pk)
            dispatched += 1
    return dispatched
