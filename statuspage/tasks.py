"""Periodic work of the public status pages."""

from celery import shared_task
from django.core.cache import cache

from statuspage.refresh import status_pages_refresh_ahead

NOTICES_LOCK_SECONDS = 240


@shared_task(name="statuspage.refresh_ahead", soft_time_limit=25, time_limit=30)
def refresh_ahead() -> int:
    """Re-render popular status page documents before they turn stale (statuspage.refresh).
    Two overlapping runs are harmless: each document has its own render lock."""
    return status_pages_refresh_ahead()


@shared_task(
    name="statuspage.notify_incident_update", soft_time_limit=240, time_limit=300, acks_late=True
)
def notify_incident_update(update_id: int) -> int:
    """Announce one new incident timeline entry to the page's subscribers (idempotent)."""
    from statuspage.subscriptions.notify import incident_update_notify

    return incident_update_notify(update_id=update_id)


@shared_task(
    name="statuspage.subscriber_notices_account",
    soft_time_limit=240,
    time_limit=300,
    acks_late=True,
)
def subscriber_notices_account(account_id: int) -> int:
    """Per-account unit: maintenance notices and reminders, lost incident entries."""
    from accounts.models import Account
    from statuspage.subscriptions.notify import account_notices

    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return 0
    lock = f"statuspage:subscriber-notices:{account_id}"
    if not cache.add(lock, "1", NOTICES_LOCK_SECONDS):
        return 0  # a run is in progress; its dedup keys make the next one harmless anyway
    try:
        return account_notices(account=account)
    finally:
        cache.delete(lock)


@shared_task(name="statuspage.subscriber_notices", soft_time_limit=60, time_limit=90)
def subscriber_notices() -> int:
    """Beat entry (every minute): one unit per account whose pages have subscribers; drops
    subscriptions never confirmed in time."""
    from statuspage.subscriptions.models import Subscriber
    from statuspage.subscriptions.services import subscribers_prune_unconfirmed

    subscribers_prune_unconfirmed()
    accounts = (
        Subscriber.objects.filter(
            confirmed_at__isnull=False, page__enabled=True, page__subscriptions_enabled=True
        )
        .values_list("account_id", flat=True)
        .distinct()
    )
    dispatched = 0
    for account_id in sorted(accounts):
        subscriber_notices_account.delay(account_id)
        dispatched += 1
    return dispatched
