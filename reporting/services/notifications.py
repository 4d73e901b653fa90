"""Notifications through an outbox: emit once, deliver with retries, lose nothing.

`notification_emit` stores the event (idempotent on account + dedup_key) and one delivery
per matching webhook endpoint and email recipient, in the caller's transaction. After the
commit a Celery task is queued per delivery; if the broker is down, the periodic job
`reporting.process_outbox` picks every due delivery up anyway. A failed attempt is retried
after 30 s, 1, 2, 4 ... minutes (capped at 1 h) up to MAX_ATTEMPTS, then marked failed.

A message may carry `attachments` (files under SLA_REPORT_DIR, such as a daily report's
PDF): its email deliveries attach them, read when the email is sent. Webhooks carry links.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from reporting.models import (
    Delivery,
    DeliveryStatus,
    EmailRecipient,
    OutboxMessage,
    WebhookEndpoint,
)
from reporting.outbound import WebhookHTTPError, post_json

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
LEASE_SECONDS = 120
SIGNATURE_HEADER = "X-SLA-Signature"
EVENT_ID_HEADER = "X-SLA-Event-Id"
EVENT_TYPE_HEADER = "X-SLA-Event-Type"


def notification_emit(
    *,
    account,
    event_type: str,
    payload: dict,
    dedup_key: str,
    now: dt.datetime | None = None,
    attachments: list[dict] | None = None,
) -> OutboxMessage:
    """Store an event once per (account, dedup_key) with a delivery per subscriber.

    `payload` may hold datetimes, decimals and UUIDs; they are stored as JSON strings.
    `attachments`: [{"path" (relative to SLA_REPORT_DIR), "filename", "content_type"}],
    attached to the emails.
    """
    now = now or timezone.now()
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    existing = OutboxMessage.objects.for_account(account).filter(dedup_key=dedup_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                account=account,
                event_type=event_type,
                dedup_key=dedup_key,
                payload=payload,
                attachments=list(attachments or []),
            )
            rows = _delivery_rows(account, message, now, _subscribers(account))
            deliveries = Delivery.objects.bulk_create(rows)
    except IntegrityError:  # emitted concurrently: the other one stored it
        return OutboxMessage.objects.for_account(account).get(dedup_key=dedup_key)
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return message


def _subscribers(account) -> tuple[list[WebhookEndpoint], list[EmailRecipient]]:
    return (
        list(WebhookEndpoint.objects.for_account(account).filter(active=True)),
        list(EmailRecipient.objects.for_account(account).filter(active=True)),
    )


def notifications_emit_many(
    *, account, events: list[tuple[str, dict, str]], now: dt.datetime | None = None
) -> int:
    """`notification_emit` for many (event_type, payload, dedup_key) at once: a handful of
    queries whatever their number. Returns how many new messages were stored."""
    now = now or timezone.now()
    keys = {key for _, _, key in events}
    if not keys:
        return 0
    existing = set(
        OutboxMessage.objects.for_account(account)
        .filter(dedup_key__in=keys)
        .values_list("dedup_key", flat=True)
    )
    fresh: dict[str, OutboxMessage] = {}
    for event_type, payload, key in events:
        if key not in existing and key not in fresh:
            fresh[key] = OutboxMessage(
                account=account,
                event_type=event_type,
                dedup_key=key,
                payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
            )
    if not fresh:
        return 0
    try:
        with transaction.atomic():
            messages = OutboxMessage.objects.bulk_create(list(fresh.values()))
            subscribers = _subscribers(account)
            rows = []
            for message in messages:
                rows.extend(_delivery_rows(account, message, now, subscribers))
            deliveries = Delivery.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent emitter stored some: fall back to one by one
        for event_type, payload, key in events:
            notification_emit(
                account=account, event_type=event_type, payload=payload, dedup_key=key, now=now
            )
        return len(fresh)
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return len(messages)


def _delivery_rows(account, message, now, subscribers) -> list[Delivery]:
    endpoints, recipients = subscribers
    rows = [
        Delivery(account=account, message=message, webhook=endpoint, next_attempt_at=now)
        for endpoint in endpoints
        if endpoint.wants(message.event_type)
    ]
    rows += [
        Delivery(account=account, message=message, recipient=recipient, next_attempt_at=now)
        for recipient in recipients
        if recipient.wants(message.event_type)
    ]
    return rows


def _enqueue(delivery_ids: list[int]) -> None:
    from reporting.tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.delay(delivery_id)
        except Exception:  # broker down: the periodic job delivers it later
            logger.warning("could not queue delivery %s; the outbox job will", delivery_id)


# --------------------------------------------------------------------------- bodies


def event_body(message: OutboxMessage) -> bytes:
    """The webhook body (README "Notifications"): compact JSON, stable for signing."""
    body = {
        "id": str(message.event_id),
        "type": message.event_type,
        "created_at": message.created_at,
        "account": message.account.slug,
        "data": message.payload,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post_webhook(endpoint: WebhookEndpoint, message: OutboxMessage) -> int:
    """One POST (reporting.outbound: public addresses only unless allowed, no redirects)."""
    body = event_body(message)
    return post_json(
        url=endpoint.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SLA-Portal-Webhook/1",
            SIGNATURE_HEADER: signature(endpoint.secret, body),
            EVENT_ID_HEADER: str(message.event_id),
            EVENT_TYPE_HEADER: message.event_type,
        },
        timeout=endpoint.timeout_seconds,
    )


def attachment_file(relative: str) -> Path:
    """The file of an attachment: a path inside SLA_REPORT_DIR, never outside it."""
    root = Path(settings.SLA_REPORT_DIR).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or path == root:
        raise ValueError(f"attachment outside SLA_REPORT_DIR: {relative!r}")
    return path


def _send_email(recipient: EmailRecipient, message: OutboxMessage) -> None:
    payload = message.payload
    subject = payload.get("title") or message.event_type
    text = payload.get("text") or json.dumps(payload, cls=DjangoJSONEncoder, indent=2)
    email = EmailMessage(
        subject=f"[SLA Portal] {subject}"[:200],
        body=f"{text}\n\nEvent {message.event_id} ({message.event_type})\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    for attachment in message.attachments or []:
        # A missing file raises: the delivery is retried (the report may be rewritten).
        content = attachment_file(attachment["path"]).read_bytes()
        email.attach(attachment["filename"], content, attachment["content_type"])
    email.send()


# --------------------------------------------------------------------------- delivering


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after `attempts` failed attempts: 30 s, 60 s, 120 s ... 1 h."""
    seconds = FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take a due delivery for one attempt (a lease), so no one else sends it meanwhile."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS))
    )


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """One attempt of a due delivery; returns its new status (None if not due or taken)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related(
        "message", "message__account", "webhook", "recipient"
    ).get(pk=delivery_id)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        if delivery.webhook_id:
            delivery.last_status_code = _post_webhook(delivery.webhook, delivery.message)
        else:
            _send_email(delivery.recipient, delivery.message)
    except Exception as error:  # any failure is retried; the reason is kept
        if isinstance(error, WebhookHTTPError):
            delivery.last_status_code = error.status
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    else:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
    delivery.save()
    return delivery.status


def outbox_process_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Attempt every due delivery (oldest first); returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for delivery_id in due if delivery_attempt(delivery_id=delivery_id, now=now))


def outbox_retry_now(*, account, message_ids, now: dt.datetime | None = None) -> int:
    """Make the undelivered deliveries of these messages due now (failed ones again)."""
    now = now or timezone.now()
    return (
        Delivery.objects.for_account(account)
        .filter(message_id__in=list(message_ids))
        .exclude(status=DeliveryStatus.DELIVERED)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=now, attempts=0)
    )
