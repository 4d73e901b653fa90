"""Webhook secrets: never shown again after creation (admin and API), generated on creation
and shown once, rotated by write roles only (admin action and API), old signatures stop
matching after a rotation."""

import datetime as dt
import re

import pytest
import time_machine

from reporting.models import WebhookEndpoint
from reporting.services.notifications import event_body, notification_emit, outbox_process_due
from reporting.services.webhooks import webhook_secret_rotate
from tests.conftest import client_for
from tests.factories import ApiTokenFactory, UserFactory, WebhookEndpointFactory
from tests.reporting.receiver import Receiver

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
SECRET = "a-very-secret-value-0123456789"
ADMIN = "/admin/reporting/webhookendpoint/"


@pytest.fixture
def endpoint(tenants):
    return WebhookEndpointFactory(account=tenants.a, name="ops hook", secret=SECRET)


def _messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def _secret_in(text: str) -> str:
    match = re.search(r"it is not shown again: ([A-Za-z0-9_-]{40,})", text)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize("user", ["member_a", "owner_a"])
def test_admin_pages_never_show_the_secret(client, tenants, endpoint, user):
    client.force_login(getattr(tenants, user))
    for url in (ADMIN, f"{ADMIN}{endpoint.pk}/change/", f"{ADMIN}{endpoint.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    change = client.get(f"{ADMIN}{endpoint.pk}/change/").content.decode()
    assert "ops hook" in change and 'name="secret"' not in change


def test_admin_edit_keeps_the_secret(client, tenants, endpoint):
    client.force_login(tenants.owner_a)
    response = client.post(
        f"{ADMIN}{endpoint.pk}/change/",
        {
            "account": tenants.a.pk,
            "name": "renamed hook",
            "url": "https://hooks.example.com/sla",
            "event_types": "[]",
            "active": "on",
            "timeout_seconds": 10,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint.refresh_from_db()
    assert endpoint.name == "renamed hook" and endpoint.secret == SECRET


def test_admin_creation_generates_the_secret_and_shows_it_once(client, tenants):
    client.force_login(tenants.owner_a)
    response = client.post(
        f"{ADMIN}add/",
        {
            "account": tenants.a.pk,
            "name": "new hook",
            "url": "https://hooks.example.com/sla",
            "event_types": "[]",
            "active": "on",
            "timeout_seconds": 10,
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = _secret_in(_messages(response))
    created = WebhookEndpoint.objects.get(name="new hook")
    assert created.secret == shown and created.account == tenants.a
    assert shown not in client.get(f"{ADMIN}{created.pk}/change/").content.decode()
    assert shown not in client.get(ADMIN).content.decode()


def test_admin_rotation_shows_the_new_secret_once(client, tenants, endpoint):
    client.force_login(tenants.owner_a)
    action = {"action": "rotate_secret", "_selected_action": [endpoint.pk]}
    response = client.post(ADMIN, action, follow=True)
    shown = _secret_in(_messages(response))
    endpoint.refresh_from_db()
    assert endpoint.secret == shown != SECRET
    assert shown not in client.get(f"{ADMIN}{endpoint.pk}/change/").content.decode()


def test_viewer_cannot_rotate_nor_add(client, tenants, endpoint):
    client.force_login(tenants.member_a)
    listing = client.get(ADMIN).content.decode()
    assert "rotate_secret" not in listing
    client.post(ADMIN, {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.secret == SECRET
    assert client.get(f"{ADMIN}add/").status_code == 403


def test_admin_rotation_skips_read_only_accounts(client, tenants, endpoint):
    """An owner of B who only views A rotates B's endpoints, never A's."""
    from tests.factories import MembershipFactory

    MembershipFactory(account=tenants.a, user=tenants.outsider, role="viewer")
    own = WebhookEndpointFactory(account=tenants.b, secret=SECRET)
    client.force_login(tenants.outsider)
    action = {"action": "rotate_secret", "_selected_action": [endpoint.pk, own.pk]}
    response = client.post(ADMIN, action, follow=True)
    endpoint.refresh_from_db()
    own.refresh_from_db()
    assert endpoint.secret == SECRET and own.secret != SECRET
    assert str(own) in _messages(response) and str(endpoint.account) not in _messages(response)


def test_superuser_creation_shows_the_secret(client, tenants):
    admin_user = UserFactory(username="root", is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        f"{ADMIN}add/",
        {
            "account": tenants.b.pk,
            "name": "root hook",
            "url": "https://hooks.example.com/x",
            "event_types": "[]",
            "timeout_seconds": 5,
        },
        follow=True,
    )
    assert WebhookEndpoint.objects.get(name="root hook").secret == _secret_in(_messages(response))


# --------------------------------------------------------------------------- API


def test_api_never_returns_the_secret_after_creation(api_a, endpoint):
    assert "secret" not in api_a.get(f"/api/v1/webhooks/{endpoint.pk}").json()
    listing = api_a.get("/api/v1/webhooks").content.decode()
    assert SECRET not in listing
    patched = api_a.patch(f"/api/v1/webhooks/{endpoint.pk}", {"name": "x"}, format="json")
    assert patched.status_code == 200 and "secret" not in patched.json()
    given = api_a.post(
        "/api/v1/webhooks",
        {"name": "mine", "url": "https://hooks.example.com/a", "secret": "s" * 20},
        format="json",
    )
    assert given.status_code == 201 and "secret" not in given.json()


def test_api_rotation_returns_the_new_secret_once(api_a, endpoint):
    response = api_a.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret", format="json")
    assert response.status_code == 200, response.content
    new = response.json()["secret"]
    assert len(new) >= 40 and new != SECRET
    assert response.json()["id"] == endpoint.pk
    endpoint.refresh_from_db()
    assert endpoint.secret == new
    assert new not in api_a.get(f"/api/v1/webhooks/{endpoint.pk}").content.decode()


def test_api_rotation_needs_write_and_the_own_account(tenants, api_b, endpoint):
    reader = ApiTokenFactory(account=tenants.a, scopes=["read"])
    url = f"/api/v1/webhooks/{endpoint.pk}/rotate-secret"
    assert client_for(reader).post(url, format="json").status_code == 403
    assert api_b.post(url, format="json").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.secret == SECRET


def test_api_rotation_refuses_a_body(api_a, endpoint):
    url = f"/api/v1/webhooks/{endpoint.pk}/rotate-secret"
    response = api_a.post(url, {"secret": "mine-mine-mine-mine"}, format="json")
    assert response.status_code == 400 and "secret" in response.json()["fields"]
    endpoint.refresh_from_db()
    assert endpoint.secret == SECRET


# --------------------------------------------------------------------------- signatures


def test_after_rotation_old_signatures_stop_matching(tenants, allow_private_networks):
    old = Receiver(secret=SECRET).start()
    try:
        with time_machine.travel(NOW, tick=False):
            endpoint = WebhookEndpointFactory(account=tenants.a, url=old.url, secret=SECRET)
            new_secret = webhook_secret_rotate(account=tenants.a, webhook=endpoint)
            assert new_secret != SECRET
            message = notification_emit(
                account=tenants.a, event_type="sla.level_changed", payload={}, dedup_key="k"
            )
            outbox_process_due(now=NOW)
    finally:
        old.stop()
    [got] = old.requests
    assert got.body == event_body(message)
    assert not got.signature_ok  # signed with the new secret, which the old receiver lacks
    assert Receiver(secret=new_secret).verify(got)


def test_rotation_of_another_accounts_endpoint_is_refused(tenants, endpoint):
    with pytest.raises(WebhookEndpoint.DoesNotExist):
        webhook_secret_rotate(account=tenants.b, webhook=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.secret == SECRET
