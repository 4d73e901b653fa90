"""Writes of channels: create/update through full_clean (the URL guard included) and the
"send test" action (through the outbox, sent at once, not retried)."""

import datetime as dt
import uuid

from django.utils import timezone

from integrations.channels.models import Channel, ChannelKind
from reporting.models import Delivery
from reporting.services.notifications import notification_send_test

TEST_EVENT = "channel.test"


def _test_payload(channel: Channel, action: str | None, key: str) -> dict:
    title = f"Test message from SLA Portal to “{channel.name}”"
    if action == "resolve":
        title = f"Test alert of “{channel.name}” resolved"
    return {
        "title": title,
        "text": "If you can read this, SLA Portal's notifications reach this channel.",
        "action": action,
        "key": key,
    }


def channel_send_test(
    *, account, channel: Channel, now: dt.datetime | None = None
) -> list[Delivery]:
    """One test message now; to PagerDuty an info alert, resolved right after (same key),
    so nobody is left with an open incident. Returns the deliveries, in order."""
    if channel.account_id != account.pk:
        raise Channel.DoesNotExist(f"no channel {channel.pk} in {account}")
    now = now or timezone.now()
    key = f"sla-portal/{account.slug}/test/{uuid.uuid4().hex}"
    actions = ["trigger", "resolve"] if channel.kind == ChannelKind.PAGERDUTY else [None]
    deliveries = []
    for action in actions:
        delivery = notification_send_test(
            account=account,
            kind=channel.kind,
            target=channel,
            event_type=TEST_EVENT,
            payload=_test_payload(channel, action, key),
            now=now,
        )
        deliveries.append(delivery)
        if delivery.status != "delivered":
            break  # no resolve of a trigger that did not arrive
    return deliveries


def test_result(deliveries: list[Delivery]) -> dict:
    """The API's and the admin's account of a test: delivered or why not."""
    last = deliveries[-1]
    return {
        "delivered": all(delivery.status == "delivered" for delivery in deliveries),
        "status_code": last.last_status_code,
        "error": last.last_error,
        "event_ids": [str(delivery.message.event_id) for delivery in deliveries],
    }
