"""Notifications through an outbox: emit once, deliver with retries, lose nothing.

`notification_emit` stores the event (idempotent on account + dedup_key) and one delivery
per matching webhook endpoint and email recipient, in the caller's transaction. After the
commit a Celery task is queued per delivery; if the broker is down, the periodic job
`reporting.process_outbox` picks every due delivery up anyway. A failed attempt is retried
after 30 s, 1, 2, 4 ... minutes (capped at 1 h) up to MAX_ATTEMPTS, then marked failed.

A message may carry `attachments` (files under SLA_REPORT_DIR, such as a daily report's
PDF): its email deliveries attach them, read when the email is sent. Webhooks carry links.

Who gets what and how it is sent is decided by the delivery kinds (reporting.
delivery_kinds): every kind with an `audience` (webhooks, email recipients, chat and paging
channels) gets the account's operator events it wants; `notification_emit_to` addresses one
message to chosen targets of one or more kinds (status page subscribers), set-based.
Deliveries are sent in batches that share one SMTP connection (`deliveries_attempt`).
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from reporting import delivery_kinds
from reporting.delivery_kinds import DeliveryKind, SendContext
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
BULK_BATCH = 2000  # rows per INSERT of a large fan-out
TASK_CHUNK = 100  # deliveries per Celery task of a large fan-out
SINGLE_TASKS_UP_TO = 10  # fewer deliveries than this: one task each (the lowest latency)
CLAIM_CHUNK = 50  # deliveries claimed per statement in a batch
BATCH_LEASE_SECONDS = 600  # a killed batch's deliveries are due again after this
FLUSH_EVERY = 50  # delivered rows recorded per statement


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


def _subscribers(account) -> list[tuple[DeliveryKind, list]]:
    """The account-wide targets of every kind with an audience (operator events)."""
    return [(kind, list(kind.audience(account))) for kind in delivery_kinds.audience_kinds()]


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


def delivery_row(kind: DeliveryKind, *, account, message, target, now) -> Delivery:
    """An unsaved delivery of `message` to `target` by `kind`."""
    row = Delivery(account=account, message=message, kind=kind.name, next_attempt_at=now)
    if kind.target_field:
        setattr(row, kind.target_field, target)
    else:
        row.target = target
    return row


def _delivery_rows(account, message, now, subscribers) -> list[Delivery]:
    return [
        delivery_row(kind, account=account, message=message, target=target, now=now)
        for kind, targets in subscribers
        for target in targets
        if target.wants(message.event_type)
    ]


def notification_emit_to(
    *,
    account,
    event_type: str,
    payload: dict,
    dedup_key: str,
    targets: list[tuple[str, type, list[int]]],
    now: dt.datetime | None = None,
    enqueue: bool = True,
) -> tuple[OutboxMessage, int]:
    """Store one message addressed to chosen targets: `targets` is a list of (kind name,
    target model, target ids). Idempotent on (account, dedup_key) like `notification_emit`;
    set-based (a handful of INSERTs of BULK_BATCH rows), so 10,000 subscribers are queued
    in well under a second. Returns the message and how many deliveries were stored now."""
    now = now or timezone.now()
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    existing = OutboxMessage.objects.for_account(account).filter(dedup_key=dedup_key).first()
    if existing is not None:
        return existing, 0
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                account=account, event_type=event_type, dedup_key=dedup_key, payload=payload
            )
            ids = []
            for kind_name, model, target_ids in targets:
                kind = delivery_kinds.kind_named(kind_name)
                rows = _generic_rows(kind, account, message, model, target_ids, now)
                ids += [row.pk for row in Delivery.objects.bulk_create(rows, BULK_BATCH)]
    except IntegrityError:  # emitted concurrently: the other one stored it
        return OutboxMessage.objects.for_account(account).get(dedup_key=dedup_key), 0
    if ids and enqueue:
        transaction.on_commit(lambda: _enqueue(ids))
    return message, len(ids)


def _generic_rows(kind, account, message, model, target_ids, now) -> list[Delivery]:
    if kind.target_field:
        column = f"{kind.target_field}_id"
        return [
            Delivery(
                account=account,
                message=message,
                kind=kind.name,
                next_attempt_at=now,
                **{column: target_id},
            )
            for target_id in target_ids
        ]
    content_type = ContentType.objects.get_for_model(model)
    return [
        Delivery(
            account=account,
            message=message,
            kind=kind.name,
            target_type=content_type,
            target_id=target_id,
            next_attempt_at=now,
        )
        for target_id in target_ids
    ]


def notification_send_test(
    *, account, kind: str, target, event_type: str, payload: dict, now: dt.datetime | None = None
) -> Delivery:
    """Send one test message to one target right now ("send test" in the admin and the
    API), through the outbox like everything else, and return its delivery. A failed test
    is not retried: it is marked failed with the reason."""
    now = now or timezone.now()
    message, _ = notification_emit_to(
        account=account,
        event_type=event_type,
        payload=payload,
        dedup_key=f"test:{kind}:{target.pk}:{uuid.uuid4().hex}",
        targets=[(kind, type(target), [target.pk])],
        now=now,
        enqueue=False,
    )
    delivery = message.deliveries.get()
    deliveries_attempt(delivery_ids=[delivery.pk], now=now)
    delivery.refresh_from_db()
    if delivery.status == DeliveryStatus.PENDING:
        delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["status"])
    return delivery


def _enqueue(delivery_ids: list[int]) -> None:
    """One task per delivery for a few; tasks of TASK_CHUNK deliveries for a fan-out."""
    from reporting.tasks import deliver, deliver_batch

    if len(delivery_ids) < SINGLE_TASKS_UP_TO:
        calls = [(deliver, delivery_id) for delivery_id in delivery_ids]
    else:
        chunks = range(0, len(delivery_ids), TASK_CHUNK)
        calls = [(deliver_batch, delivery_ids[start : start + TASK_CHUNK]) for start in chunks]
    for task, argument in calls:
        try:
            task.delay(argument)
        except Exception:  # broker down: the periodic job delivers it later
            logger.warning("could not queue deliveries %s; the outbox job will", argument)


def _schedule_retry(delivery_id: int, retry_at: dt.datetime) -> None:
    """Queue the next attempt for its due time (30 s, 1, 2, 4 ... minutes after a failure,
    as documented) instead of waiting for the once-a-minute outbox job, which stays the
    safety net for a lost task or a broker that is down. Without a broker (eager tasks) the
    periodic job alone retries: an eager task would run now, before the attempt is due."""
    from reporting.tasks import deliver

    if deliver.app.conf.task_always_eager:
        return
    try:
        deliver.apply_async(args=(delivery_id,), eta=retry_at, retry=False)
    except Exception:  # broker down: the periodic job retries it when due
        logger.warning(
            "could not schedule the retry of delivery %s; the outbox job will", delivery_id
        )


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


def _send_email(recipient: EmailRecipient, message: OutboxMessage, context=None) -> None:
    # Payloads are objects, except the original SLA Manager's violation list (agreements).
    payload = message.payload if isinstance(message.payload, dict) else {}
    subject = payload.get("title") or message.event_type
    text = payload.get("text") or json.dumps(message.payload, cls=DjangoJSONEncoder, indent=2)
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
    (context or SendContext()).send_mail(email)


def _send_webhook_delivery(delivery: Delivery, context: SendContext) -> int:
    return _post_webhook(delivery.webhook, delivery.message)


def _send_email_delivery(delivery: Delivery, context: SendContext) -> None:
    _send_email(delivery.recipient, delivery.message, context)


def _active_webhooks(account):
    return WebhookEndpoint.objects.for_account(account).filter(active=True)


def _active_recipients(account):
    return EmailRecipient.objects.for_account(account).filter(active=True)


WEBHOOK_KIND = delivery_kinds.register(
    DeliveryKind(
        name="webhook",
        label="webhook endpoint",
        send=_send_webhook_delivery,
        audience=_active_webhooks,
        target_field="webhook",
    )
)
EMAIL_KIND = delivery_kinds.register(
    DeliveryKind(
        name="email",
        label="email recipient",
        send=_send_email_delivery,
        audience=_active_recipients,
        target_field="recipient",
    )
)


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


def _claim_many(delivery_ids: list[int], now: dt.datetime) -> list[int]:
    """Take the due ones of `delivery_ids` for one attempt each (rows another worker holds
    are skipped); their lease covers a whole batch."""
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .values_list("pk", flat=True)
        )
        lease = now + dt.timedelta(seconds=BATCH_LEASE_SECONDS)
        Delivery.objects.filter(pk__in=due).update(next_attempt_at=lease)
    return due


def _loaded(delivery_ids) -> list[Delivery]:
    return list(
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .select_related("message", "message__account", "webhook", "recipient")
        .prefetch_related("target")
        .order_by("id")
    )


def _send(delivery: Delivery, context: SendContext) -> int | None:
    """One attempt by the delivery's kind; raises on failure."""
    if delivery.target_id is not None and delivery.target is None:
        raise LookupError("the target was removed")
    return delivery_kinds.kind_named(delivery.kind).send(delivery, context)


def _attempt(delivery: Delivery, now: dt.datetime, context: SendContext) -> bool:
    """Try `delivery` once; True when delivered (the caller records it), else the failure
    is recorded here."""
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        delivery.last_status_code = _send(delivery, context)
    except Exception as error:  # any failure is retried; the reason is kept
        if isinstance(error, WebhookHTTPError):
            delivery.last_status_code = error.status
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save()
        if delivery.status == DeliveryStatus.PENDING:
            retry_at, delivery_id = delivery.next_attempt_at, delivery.pk
            transaction.on_commit(lambda: _schedule_retry(delivery_id, retry_at))
        return False
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = now
    delivery.last_error = ""
    return True


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """One attempt of a due delivery; returns its new status (None if not due or taken)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    [delivery] = _loaded([delivery_id])
    context = SendContext()
    try:
        if _attempt(delivery, now, context):
            delivery.save()
    finally:
        context.close()
    return delivery.status


def _record_delivered(deliveries: list[Delivery], now: dt.datetime) -> None:
    """Mark delivered rows in one statement per status code (mail: None)."""
    by_code: dict[int | None, list[int]] = {}
    for delivery in deliveries:
        by_code.setdefault(delivery.last_status_code, []).append(delivery.pk)
    for code, ids in by_code.items():
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            last_attempt_at=now,
            attempts=F("attempts") + 1,
            last_error="",
            last_status_code=code,
        )


def deliveries_attempt(*, delivery_ids, now: dt.datetime | None = None) -> dict[str, int]:
    """One attempt of each due delivery of `delivery_ids`, sharing one SMTP connection and
    per-message renderings. Delivered rows are recorded every FLUSH_EVERY sends (a crash
    repeats at most that many), failures at once. Returns counts by outcome."""
    now = now or timezone.now()
    outcome = {"delivered": 0, "failed": 0, "skipped": 0}
    context = SendContext()
    ids = list(delivery_ids)
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            chunk = ids[start : start + CLAIM_CHUNK]
            claimed = _claim_many(chunk, now)
            outcome["skipped"] += len(chunk) - len(claimed)
            delivered: list[Delivery] = []
            for delivery in _loaded(claimed):
                if _attempt(delivery, now, context):
                    delivered.append(delivery)
                    if len(delivered) >= FLUSH_EVERY:
                        _record_delivered(delivered, now)
                        outcome["delivered"] += len(delivered)
                        delivered = []
                else:
                    outcome["failed"] += 1
            _record_delivered(delivered, now)
            outcome["delivered"] += len(delivered)
    finally:
        context.close()
    return outcome


def outbox_process_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Attempt every due delivery (oldest first); returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    outcome = deliveries_attempt(delivery_ids=due, now=now)
    return outcome["delivered"] + outcome["failed"]


def outbox_retry_now(*, account, message_ids, now: dt.datetime | None = None) -> int:
    """Make the undelivered deliveries of these messages due now (failed ones again)."""
    now = now or timezone.now()
    return (
        Delivery.objects.for_account(account)
        .filter(message_id__in=list(message_ids))
        .exclude(status=DeliveryStatus.DELIVERED)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=now, attempts=0)
    )
