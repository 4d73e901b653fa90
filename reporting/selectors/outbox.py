"""Reads of the outbox for its retention (sla.services.retention)."""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from reporting.models import Delivery, DeliveryStatus, OutboxMessage


def outbox_messages_expired(*, account, now: dt.datetime):
    """The account's outbox messages that may go: created SLA_OUTBOX_RETENTION_DAYS ago,
    every delivery finished (delivered, or given up) that long ago. A message with a
    pending or retrying delivery, or one that finished recently, stays; so does its
    dedup key, which keeps a repeated event from being sent twice within that time."""
    cutoff = now - dt.timedelta(days=settings.SLA_OUTBOX_RETENTION_DAYS)
    recent = Delivery.objects.filter(message=OuterRef("pk")).filter(
        Q(status=DeliveryStatus.PENDING)
        | Q(delivered_at__gte=cutoff)
        | Q(last_attempt_at__gte=cutoff)
    )
    return (
        OutboxMessage.objects.for_account(account)
        .filter(created_at__lt=cutoff)
        .exclude(Exists(recent))
    )
