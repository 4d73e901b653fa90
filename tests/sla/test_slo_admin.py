"""Admin of SLOs (burn-down chart), alert policies, webhooks, recipients and the outbox."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

from reporting.models import Delivery
from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import (
    DeliveryFactory,
    EmailRecipientFactory,
    ServiceFactory,
    SLOFactory,
    StatusEventFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")


@time_machine.travel(NOW, tick=False)
def test_slo_page_shows_budget_and_svg_burn_down(client, tenants):
    service = ServiceFactory(account=tenants.a)
    StatusEventFactory(account=tenants.a, service=service, at=NOW - dt.timedelta(days=40))
    StatusEventFactory(
        account=tenants.a, service=service, at=NOW - dt.timedelta(days=3), state="CRIT"
    )
    StatusEventFactory(account=tenants.a, service=service, at=NOW - dt.timedelta(days=3, hours=-1))
    slo = SLOFactory(account=tenants.a, service=service, name="api availability")
    slo_buckets_refresh(account=tenants.a, now=NOW)
    client.force_login(tenants.owner_a)
    html = client.get(f"/admin/sla/slo/{slo.pk}/change/").content.decode()
    assert "<svg" in html and "<polyline" in html and "consumed" in html
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert "api availability" in client.get("/admin/sla/slo/").content.decode()


def test_operator_sees_only_own_notification_settings(client, tenants):
    WebhookEndpointFactory(account=tenants.a, name="alpha hook")
    WebhookEndpointFactory(account=tenants.b, name="beta hook")
    EmailRecipientFactory(account=tenants.b, email="beta@example.com")
    client.force_login(tenants.outsider)
    hooks = client.get("/admin/reporting/webhookendpoint/").content.decode()
    assert "beta hook" in hooks and "alpha hook" not in hooks
    assert "beta@example.com" in client.get("/admin/reporting/emailrecipient/").content.decode()
    assert client.get("/admin/sla/alertpolicy/add/").status_code == 200


def test_outbox_is_read_only_with_retry_now(client, tenants, superuser):
    delivery = DeliveryFactory(account=tenants.a, status="failed", attempts=12)
    client.force_login(superuser)
    url = "/admin/reporting/outboxmessage/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{delivery.message.pk}/change/").status_code == 200
    assert client.get(f"{url}add/").status_code == 403
    client.post(url, {"action": "retry_now", "_selected_action": [delivery.message.pk]})
    delivery = Delivery.objects.get(pk=delivery.pk)
    assert delivery.status == "pending" and delivery.attempts == 0


def test_viewer_cannot_retry(client, tenants):
    delivery = DeliveryFactory(account=tenants.a, status="failed", attempts=12)
    client.force_login(tenants.member_a)
    client.post(
        "/admin/reporting/outboxmessage/",
        {"action": "retry_now", "_selected_action": [delivery.message.pk]},
    )
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
