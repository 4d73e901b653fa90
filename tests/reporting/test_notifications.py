"""The outbox: idempotent emit, signed webhooks, retries with backoff, email."""

import datetime as dt
import hashlib
import hmac

import pytest
import time_machine
from django.core import mail

from reporting.models import Delivery, OutboxMessage
from reporting.services.notifications import (
    MAX_ATTEMPTS,
    event_body,
    notification_emit,
    outbox_process_due,
    outbox_retry_now,
    retry_delay,
    signature,
)
from tests.factories import EmailRecipientFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)


def _emit(account, key="k1", event_type="slo.alert.firing"):
    return notification_emit(
        account=account, event_type=event_type, payload={"title": "hello", "at": NOW}, dedup_key=key
    )


@time_machine.travel(NOW, tick=False)
def test_emit_is_idempotent_per_dedup_key(tenants):
    WebhookEndpointFactory(account=tenants.a)
    first, second = _emit(tenants.a), _emit(tenants.a)
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1
    assert Delivery.objects.count() == 1
    other = _emit(tenants.b)
    assert other.pk != first.pk and Delivery.objects.filter(account=tenants.b).count() == 0
    assert first.payload["at"] == "2026-11-21T08:00:00Z"


@time_machine.travel(NOW, tick=False)
def test_event_type_filters(tenants):
    WebhookEndpointFactory(account=tenants.a, event_types=["sla.level_changed"])
    EmailRecipientFactory(account=tenants.a, kinds=["sla.daily_report"])
    EmailRecipientFactory(account=tenants.a, kinds=[])
    _emit(tenants.a)
    assert Delivery.objects.filter(webhook__isnull=False).count() == 0
    assert Delivery.objects.filter(recipient__isnull=False).count() == 1


def test_signature_is_hmac_sha256_of_the_body():
    expected = hmac.new(b"key", b"body", hashlib.sha256).hexdigest()
    assert signature("key", b"body") == f"sha256={expected}"


def test_backoff_grows_exponentially_and_is_capped():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(50).total_seconds() == 3600


def test_webhook_is_signed_and_carries_the_event_id(tenants, receiver):
    with time_machine.travel(NOW, tick=False):
        WebhookEndpointFactory(account=tenants.a, url=receiver.url, secret=receiver.secret)
        message = _emit(tenants.a)
        assert outbox_process_due(now=NOW) == 1
    [got] = receiver.requests
    assert got.signature_ok
    assert got.body == event_body(message)
    assert got.headers["x-sla-event-id"] == str(message.event_id) == got.json["id"]
    assert got.json["type"] == "slo.alert.firing" and got.json["data"]["title"] == "hello"
    assert got.json["account"] == tenants.a.slug
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert outbox_process_due(now=NOW + dt.timedelta(hours=1)) == 0


def test_receiver_failing_three_times_gets_the_event_exactly_once(tenants, flaky_receiver):
    with time_machine.travel(NOW, tick=False):
        WebhookEndpointFactory(
            account=tenants.a, url=flaky_receiver.url, secret=flaky_receiver.secret
        )
        message = _emit(tenants.a)
    now = NOW
    for _ in range(40):  # a worker loop: every 15 s for 10 minutes
        with time_machine.travel(now, tick=False):
            outbox_process_due(now=now)
        now += dt.timedelta(seconds=15)
    assert len(flaky_receiver.requests) == 4
    assert len(flaky_receiver.accepted) == 1
    assert flaky_receiver.accepted[0].json["id"] == str(message.event_id)
    assert len({item.json["id"] for item in flaky_receiver.requests}) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 4
    # Attempts at 0 s, then after 30, 60 and 120 s of backoff.
    assert delivery.delivered_at == NOW + dt.timedelta(seconds=210)


def test_unreachable_endpoint_is_retried_then_given_up(tenants, allow_private_networks):
    with time_machine.travel(NOW, tick=False):
        WebhookEndpointFactory(account=tenants.a, url="http://127.0.0.1:9/nothing")
        message = _emit(tenants.a)
    now = NOW
    for _ in range(MAX_ATTEMPTS + 2):
        outbox_process_due(now=now)
        now += dt.timedelta(hours=2)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_error
    assert outbox_retry_now(account=tenants.b, message_ids=[message.pk]) == 0
    assert outbox_retry_now(account=tenants.a, message_ids=[message.pk]) == 1
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0


@time_machine.travel(NOW, tick=False)
def test_email_goes_through_the_django_backend(tenants, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailRecipientFactory(account=tenants.a, email="oncall@example.com")
    _emit(tenants.a)
    outbox_process_due(now=NOW)
    [sent] = mail.outbox
    assert sent.to == ["oncall@example.com"] and "hello" in sent.subject
    assert Delivery.objects.get().status == "delivered"


@time_machine.travel(NOW, tick=False)
def test_emit_queues_after_commit(tenants, receiver, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=tenants.a, url=receiver.url, secret=receiver.secret)
    with django_capture_on_commit_callbacks(execute=True):
        _emit(tenants.a)
    # Eager Celery (no REDIS_URL) delivers at once; with a broker the task is queued and
    # the periodic job would deliver it; either way the delivery is recorded.
    outbox_process_due(now=NOW)
    assert Delivery.objects.get().status in {"delivered", "pending"}
