"""The outbox's delivery kinds: one registry every way out goes through."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from reporting import delivery_kinds
from reporting.delivery_kinds import DeliveryKind
from reporting.models import Delivery
from reporting.services.notifications import notification_emit, notification_emit_to
from statuspage.subscriptions.models import Subscriber
from tests.factories import ChannelFactory, EmailRecipientFactory, SubscriberFactory


def test_built_in_and_app_kinds_are_registered():
    names = {kind.name for kind in delivery_kinds.registered()}
    assert {"webhook", "email", "subscriber_email", "subscriber_webhook"} <= names
    assert {"slack", "teams", "pagerduty"} <= names
    audiences = {kind.name for kind in delivery_kinds.audience_kinds()}
    assert "subscriber_email" not in audiences and {"email", "slack"} <= audiences


def test_a_kind_is_registered_once():
    kind = DeliveryKind(name="test-kind", send=lambda delivery, context: None)
    assert delivery_kinds.register(kind) is kind
    assert delivery_kinds.register(kind) is kind  # the same definition again: fine
    with pytest.raises(ImproperlyConfigured):
        delivery_kinds.register(DeliveryKind(name="test-kind", send=print))
    with pytest.raises(LookupError):
        delivery_kinds.kind_named("no-such-kind")


@pytest.mark.django_db
def test_operator_events_reach_every_audience_kind_subscribers_only_when_addressed(tenants):
    EmailRecipientFactory(account=tenants.a)
    ChannelFactory(account=tenants.a, kind="slack")
    ChannelFactory(account=tenants.a, kind="pagerduty", routing_key="k" * 32)
    subscriber = SubscriberFactory(account=tenants.a)
    notification_emit(
        account=tenants.a,
        event_type="sla.daily_report",
        payload={"title": "report"},
        dedup_key="report",
    )
    assert sorted(Delivery.objects.values_list("kind", flat=True)) == ["email", "slack"]
    message, count = notification_emit_to(
        account=tenants.a,
        event_type="statuspage.incident.created",
        payload={"x": 1},
        dedup_key="incident",
        targets=[("subscriber_email", Subscriber, [subscriber.pk])],
        now=dt.datetime(2026, 11, 21, tzinfo=dt.UTC),
    )
    assert count == 1 and message.deliveries.get().target == subscriber
    again, count = notification_emit_to(
        account=tenants.a,
        event_type="statuspage.incident.created",
        payload={"x": 1},
        dedup_key="incident",
        targets=[("subscriber_email", Subscriber, [subscriber.pk])],
    )
    assert again.pk == message.pk and count == 0, "idempotent on the dedup key"


@pytest.mark.django_db
def test_outbox_admin_counts_a_large_fan_out_instead_of_listing_it(admin_client, tenants):
    page_subscribers = [SubscriberFactory(account=tenants.a) for _ in range(3)]
    message, _ = notification_emit_to(
        account=tenants.a,
        event_type="statuspage.incident.created",
        payload={},
        dedup_key="big",
        targets=[("subscriber_email", Subscriber, [s.pk for s in page_subscribers])],
    )
    from reporting.admin import OutboxMessageAdmin

    listing = admin_client.get("/admin/reporting/outboxmessage/")
    assert "3 pending" in listing.content.decode()
    OutboxMessageAdmin.INLINE_LIMIT = 2
    try:
        page = admin_client.get(f"/admin/reporting/outboxmessage/{message.pk}/change/")
    finally:
        OutboxMessageAdmin.INLINE_LIMIT = 200
    assert page.status_code == 200 and "3 pending" in page.content.decode()
    assert "field-target_name" not in page.content.decode()
