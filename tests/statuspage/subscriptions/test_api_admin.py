"""Owners manage subscribers over the API and in the admin: add (email: double opt-in,
webhook: at once), change components, count, export, remove, send a test; never another
account's."""

import csv
import io

import pytest
from django.urls import reverse

from reporting.models import OutboxMessage
from statuspage.subscriptions.models import Subscriber
from tests.conftest import client_for
from tests.factories import (
    StatusPageFactory,
    SubscriberComponentFactory,
    SubscriberFactory,
)
from tests.reporting.receiver import Receiver
from tests.reporting.shapes import statuspage_problems
from tests.statuspage.subscriptions.conftest import acme_page, confirm_link, deliver_all, path_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tenants):
    return acme_page(slug="alpha-status", account=tenants.a)


def test_add_email_subscriber_is_double_opt_in(tenants, setup, client, smtp_server):
    api = client_for(tenants.token_a)
    response = api.post(
        "/api/v1/status-page-subscribers",
        {
            "page": setup.page.pk,
            "kind": "email",
            "email": "Ann@Example.com",
            "components": [setup.web.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["confirmed"] is False and body["email"] == "ann@example.com"
    assert body["components"] == [setup.web.pk]
    deliver_all()
    [mail] = smtp_server.wait_for(1)
    client.post(path_of(confirm_link(mail)))
    assert api.get(f"/api/v1/status-page-subscribers/{body['id']}").json()["confirmed"] is True
    again = api.post(
        "/api/v1/status-page-subscribers",
        {"page": setup.page.pk, "kind": "email", "email": "ann@example.com"},
        format="json",
    )
    assert again.status_code == 400 and "email" in again.json()["fields"]


def test_webhook_subscriber_send_test_counts_export_remove(tenants, setup, allow_private_networks):
    hook = Receiver(secret=None, validate=statuspage_problems).start()
    try:
        api = client_for(tenants.token_a)
        created = api.post(
            "/api/v1/status-page-subscribers",
            {"page": setup.page.pk, "kind": "webhook", "url": hook.url},
            format="json",
        ).json()
        assert created["confirmed"] is True and created["components"] is None
        result = api.post(f"/api/v1/status-page-subscribers/{created['id']}/test").json()
        assert result["delivered"] is True and result["status_code"] == 200, result
        assert hook.bodies[0]["test"] and hook.bodies[0]["page"]["id"] == setup.page.public_id
        assert hook.problems == []
    finally:
        hook.stop()
    narrowed = api.patch(
        f"/api/v1/status-page-subscribers/{created['id']}",
        {"components": [setup.api.pk]},
        format="json",
    )
    assert narrowed.status_code == 200 and narrowed.json()["components"] == [setup.api.pk]
    fixed = api.patch(
        f"/api/v1/status-page-subscribers/{created['id']}",
        {"url": "https://x.example/"},
        format="json",
    )
    assert fixed.status_code == 400 and "url" in fixed.json()["fields"]
    SubscriberFactory(account=tenants.a, page=setup.page, email="=HYPERLINK(1)@example.com")
    SubscriberFactory(account=tenants.a, page=setup.page, email="p@example.com", confirmed_at=None)
    counts = api.get(f"/api/v1/status-pages/{setup.page.pk}/subscriber-counts").json()
    assert (counts["confirmed"], counts["pending"], counts["webhook"], counts["email"]) == (
        2,
        1,
        1,
        1,
    )
    by_name = {row["name"]: row["chosen_by"] for row in counts["components"]}
    assert by_name == {"API": 1, "Web": 0}
    export = api.get(f"/api/v1/status-pages/{setup.page.pk}/subscribers-export")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 3
    assert "'=HYPERLINK(1)@example.com" in {row["address"] for row in rows}
    assert {row["components"] for row in rows} == {"", "API"}
    assert api.delete(f"/api/v1/status-page-subscribers/{created['id']}").status_code == 204
    assert Subscriber.objects.filter(kind="webhook").count() == 0


def test_bad_subscriber_input_names_the_field(tenants, setup, settings):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    api = client_for(tenants.token_a)
    foreign_page = StatusPageFactory(account=tenants.b)
    cases = [
        ({"page": setup.page.pk, "kind": "email", "email": "a@b.c\r\nBcc: x@y.z"}, "email"),
        ({"page": setup.page.pk, "kind": "email", "email": "nope"}, "email"),
        ({"page": setup.page.pk, "kind": "webhook", "url": "http://127.0.0.1/hook"}, "url"),
        ({"page": setup.page.pk, "kind": "webhook", "url": "ftp://example.com/"}, "url"),
        ({"page": setup.page.pk, "kind": "webhook"}, "url"),
        ({"page": setup.page.pk, "kind": "sms", "email": "a@example.com"}, "kind"),
        ({"page": foreign_page.pk, "kind": "email", "email": "a@example.com"}, "page"),
        (
            {"page": setup.page.pk, "kind": "email", "email": "a@example.com", "components": []},
            "components",
        ),
        (
            {
                "page": setup.page.pk,
                "kind": "email",
                "email": "a@example.com",
                "components": [999999],
            },
            "components",
        ),
    ]
    for body, field in cases:
        response = api.post("/api/v1/status-page-subscribers", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], (body, response.json())
    assert Subscriber.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_a_pending_subscriber_gets_no_test_message(tenants, setup):
    pending = SubscriberFactory(account=tenants.a, page=setup.page, confirmed_at=None)
    response = client_for(tenants.token_a).post(
        f"/api/v1/status-page-subscribers/{pending.pk}/test"
    )
    assert response.status_code == 400 and "subscriber" in response.json()["fields"]
    assert OutboxMessage.objects.count() == 0


def test_other_accounts_never_see_subscribers(tenants, setup):
    SubscriberFactory(account=tenants.a, page=setup.page, email="secret@example.com")
    api_b = client_for(tenants.token_b)
    assert api_b.get("/api/v1/status-page-subscribers").json()["results"] == []
    assert api_b.get(f"/api/v1/status-pages/{setup.page.pk}/subscriber-counts").status_code == 404
    assert api_b.get(f"/api/v1/status-pages/{setup.page.pk}/subscribers-export").status_code == 404


def test_admin_counts_export_and_test(tenants, setup, client, smtp_server):
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    subscriber = SubscriberFactory(account=tenants.a, page=setup.page, email="ann@example.com")
    SubscriberComponentFactory(account=tenants.a, subscriber=subscriber, component=setup.api)
    SubscriberFactory(account=tenants.b, email="foreign@example.com")
    client.force_login(tenants.owner_a)
    pages = client.get(reverse("admin:statuspage_statuspage_changelist")).content.decode()
    assert f"?page__id__exact={setup.page.pk}" in pages
    listing = client.get(reverse("admin:statuspage_subscriber_changelist")).content.decode()
    assert "ann@example.com" in listing and "foreign@example.com" not in listing
    export = client.post(
        reverse("admin:statuspage_subscriber_changelist"),
        {"action": "export_csv", "_selected_action": [subscriber.pk]},
    )
    assert export["Content-Type"].startswith("text/csv") and b"ann@example.com" in export.content
    tested = client.post(
        reverse("admin:statuspage_subscriber_changelist"),
        {"action": "send_test", "_selected_action": [subscriber.pk]},
        follow=True,
    )
    assert "test message delivered" in tested.content.decode()
    [mail] = smtp_server.wait_for(1)
    assert str(mail.message["Subject"]).strip() == "Test message from Acme Status"
