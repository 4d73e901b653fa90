"""Retries as documented (issue 12, item 6): each failed attempt queues the next one on the
real broker for its due time, 30 s, 1 min, 2 min after the failures (the periodic outbox
job stays the safety net). Time is frozen; the scheduled `eta` is read back from Redis."""

import datetime as dt
import json

import pytest
import time_machine
from django.conf import settings

from reporting.models import Delivery
from reporting.services.notifications import delivery_attempt, notification_emit
from slaportal.celery import app
from tests.factories import WebhookEndpointFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def broker():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs the Redis broker (REDIS_URL)")
    import redis

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    app.conf.task_always_eager = saved


def scheduled_etas(client, delivery_id: int) -> list[dt.datetime]:
    """The `eta` of every queued `reporting.deliver` task of the delivery (taken off)."""
    queue = app.conf.task_default_queue
    found = []
    for raw in client.lrange(queue, 0, -1):
        headers = json.loads(raw)["headers"]
        if (
            headers.get("task") == "reporting.deliver"
            and headers["argsrepr"] == f"({delivery_id},)"
        ):
            eta = headers.get("eta")  # None: a task for now (the first attempt)
            found.append(eta and dt.datetime.fromisoformat(eta))
            client.lrem(queue, 1, raw)
    return found


def test_each_failure_schedules_the_next_attempt_at_its_due_time(
    tenants, allow_private_networks, broker, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        WebhookEndpointFactory(account=tenants.a, url="http://127.0.0.1:9/closed")
        notification_emit(
            account=tenants.a, event_type="slo.alert.firing", payload={"t": 1}, dedup_key="k"
        )
    delivery = Delivery.objects.get()
    scheduled_etas(broker, delivery.pk)  # the first attempt's task, queued after the emit
    attempted_at, gaps = NOW, []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery_attempt(delivery_id=delivery.pk, now=attempted_at) == "pending"
        [eta] = scheduled_etas(broker, delivery.pk)
        delivery.refresh_from_db()
        assert eta == delivery.next_attempt_at
        gaps.append((eta - attempted_at).total_seconds())
        attempted_at = eta
    assert gaps == [30, 60, 120]


def test_a_retry_whose_task_was_lost_is_still_made_by_the_outbox_job(
    tenants, allow_private_networks, broker, django_capture_on_commit_callbacks
):
    from reporting.services.notifications import outbox_process_due

    with time_machine.travel(NOW, tick=False):
        WebhookEndpointFactory(account=tenants.a, url="http://127.0.0.1:9/closed")
        notification_emit(
            account=tenants.a, event_type="slo.alert.firing", payload={"t": 1}, dedup_key="k"
        )
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=delivery.pk, now=NOW)
    scheduled_etas(broker, delivery.pk)  # the queued retry is lost
    assert outbox_process_due(now=NOW + dt.timedelta(seconds=29)) == 0
    assert outbox_process_due(now=NOW + dt.timedelta(seconds=30)) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    scheduled_etas(broker, delivery.pk)
