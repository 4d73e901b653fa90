"""Webhook subscribers get Statuspage-shaped JSON (checked by a real receiver written from
Statuspage's docs); maintenances are announced (scheduled, reminder, started, completed)
to the subscribers of their components; a receiver that is down gets everything once it
is back; the periodic unit catches up a lost incident notification."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from reporting.models import Delivery, OutboxMessage
from statuspage.services import maintenance_update_post, public_incident_create
from statuspage.subscriptions.notify import account_notices
from statuspage.subscriptions.services import subscriber_create
from tests.factories import DowntimeFactory, SubscriberComponentFactory, SubscriberFactory
from tests.reporting.receiver import Receiver
from tests.reporting.shapes import statuspage_problems
from tests.statuspage.subscriptions.conftest import announce, deliver_all

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def hook(allow_private_networks):
    server = Receiver(secret=None, validate=statuspage_problems).start()
    yield server
    server.stop()


def test_incident_and_component_updates_in_the_statuspage_webhook_shape(acme, hook):
    subscriber_create(
        account=acme.account,
        page=acme.page,
        kind="webhook",
        url=hook.url,
        components=[acme.api],
    )
    other = public_incident_create(
        account=acme.account,
        page=acme.page,
        name="Web only",
        body="Not for the API hook.",
        components={acme.web: "partial_outage"},
    )
    announce(other.updates.get())
    incident = public_incident_create(
        account=acme.account,
        page=acme.page,
        name="API errors",
        body="Requests fail.",
        impact="major",
        components={acme.api: "major_outage"},
    )
    assert announce(incident.updates.get()) == 2  # the incident and its component_update
    assert deliver_all() == 2
    assert hook.problems == []
    incident_body, component_body = sorted(hook.bodies, key=lambda body: "component" in body)
    assert incident_body["incident"]["name"] == "API errors"
    assert incident_body["incident"]["incident_updates"][0]["body"] == "Requests fail."
    assert incident_body["page"]["id"] == acme.page.public_id
    assert incident_body["page"]["status_indicator"] == "critical"  # a major outage
    assert "/subscription/unsubscribe/" in incident_body["meta"]["unsubscribe"]
    update = component_body["component_update"]
    assert (update["component_id"], update["old_status"], update["new_status"]) == (
        acme.api.public_id,
        "operational",
        "major_outage",
    )
    assert component_body["component"]["name"] == "API"
    headers = hook.accepted[0].headers
    assert headers["content-type"] == "application/json" and headers["x-sla-event-id"]


def test_a_receiver_that_is_down_gets_everything_once_back(acme, hook):
    subscriber_create(account=acme.account, page=acme.page, kind="webhook", url=hook.url)
    hook.stop()
    for name in ("First", "Second", "Third"):
        incident = public_incident_create(
            account=acme.account, page=acme.page, name=name, body=f"{name} problem."
        )
        announce(incident.updates.get())
    assert deliver_all() == 3
    assert Delivery.objects.filter(status="pending", attempts=1).count() == 3
    assert "WebhookUnreachable: no HTTP answer" in Delivery.objects.first().last_error
    hook.start()
    later = timezone.now() + dt.timedelta(minutes=2)
    assert deliver_all(now=later) == 3
    assert deliver_all(now=later + dt.timedelta(hours=3)) == 0
    assert sorted(body["incident"]["name"] for body in hook.bodies) == [
        "First",
        "Second",
        "Third",
    ]
    assert Delivery.objects.filter(status="delivered").count() == 3


def test_removing_a_subscriber_drops_its_undelivered_notifications(acme):
    subscriber = SubscriberFactory(account=acme.account, page=acme.page)
    incident = public_incident_create(account=acme.account, page=acme.page, name="X", body="Y")
    announce(incident.updates.get())
    assert Delivery.objects.count() == 1
    subscriber.delete()
    assert Delivery.objects.count() == 0 and OutboxMessage.objects.count() == 1


def test_maintenance_notices_reach_the_subscribers_of_its_components(acme, smtp_server):
    everyone = SubscriberFactory(account=acme.account, page=acme.page, email="all@example.com")
    web_only = SubscriberFactory(
        account=acme.account, page=acme.page, email="web@example.com", all_components=False
    )
    SubscriberComponentFactory(account=acme.account, subscriber=web_only, component=acme.web)
    SubscriberFactory(account=acme.account, page=acme.page, confirmed_at=None, email="p@x.org")
    start = NOW + dt.timedelta(hours=3)
    with time_machine.travel(NOW, tick=False):
        DowntimeFactory(
            account=acme.account,
            service=acme.api.service,
            public=True,
            reason="Database upgrade",
            start=start,
            end=start + dt.timedelta(hours=1),
        )
        assert account_notices(account=acme.account, now=NOW) == 1  # scheduled, to `everyone`
        assert account_notices(account=acme.account, now=NOW) == 0  # once
    moments = [
        start - dt.timedelta(minutes=59),  # the reminder (60 minutes ahead)
        start + dt.timedelta(minutes=1),  # in progress
        start + dt.timedelta(minutes=30),  # nothing new
        start + dt.timedelta(hours=1, minutes=1),  # completed
    ]
    counts = []
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            counts.append(account_notices(account=acme.account, now=moment))
    assert counts == [1, 1, 0, 1]
    with time_machine.travel(moments[-1], tick=False):
        deliver_all()
    mails = smtp_server.wait_for(4)
    assert {m.rcpt_tos[0] for m in mails} == {everyone.email}
    subjects = [str(m.message["Subject"]).strip() for m in mails]
    assert subjects[0] == "[Acme Status] Maintenance – Scheduled: Database upgrade"
    assert subjects[1].startswith("[Acme Status] Reminder: maintenance starts Sat 21 Nov 2026")
    assert subjects[2:] == [
        "[Acme Status] Maintenance – In progress: Database upgrade",
        "[Acme Status] Maintenance – Completed: Database upgrade",
    ]
    assert "Sat 21 Nov 2026, 15:00 – Sat 21 Nov 2026, 16:00 (UTC)" in mails[0].text


def test_a_maintenance_note_is_announced_and_old_news_is_not(acme, smtp_server):
    SubscriberFactory(account=acme.account, page=acme.page, email="all@example.com")
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        old = DowntimeFactory(
            account=acme.account,
            public=True,
            reason="Old window",
            start=NOW - dt.timedelta(days=3),
            end=NOW - dt.timedelta(days=3) + dt.timedelta(hours=1),
        )
    with time_machine.travel(NOW, tick=False):
        current = DowntimeFactory(
            account=acme.account,
            public=True,
            reason="Network work",
            start=NOW - dt.timedelta(minutes=5),
            end=NOW + dt.timedelta(hours=1),
        )
        maintenance_update_post(
            account=acme.account, downtime=current, status="verifying", body="Checking links."
        )
        account_notices(account=acme.account, now=NOW)
    names = {message.payload["incident"]["name"] for message in OutboxMessage.objects.all()}
    assert names == {"Network work"}, f"never {old.reason}"
    events = sorted(OutboxMessage.objects.values_list("event_type", flat=True))
    assert events == [
        "statuspage.maintenance.in_progress",
        "statuspage.maintenance.scheduled",
        "statuspage.maintenance.verifying",
    ]
    with time_machine.travel(NOW, tick=False):
        deliver_all()
    verifying = [m for m in smtp_server.wait_for(3) if "Verifying" in m.message["Subject"]]
    assert verifying and "Checking links." in verifying[0].text


def test_the_periodic_unit_catches_up_a_lost_incident_notification(acme):
    SubscriberFactory(account=acme.account, page=acme.page)
    incident = public_incident_create(account=acme.account, page=acme.page, name="Lost", body="?")
    # No announce(): as if the task after the commit never ran.
    assert account_notices(account=acme.account) == 1
    assert account_notices(account=acme.account) == 0
    assert OutboxMessage.objects.get().dedup_key.endswith(incident.updates.get().public_id)


def test_the_signal_path_announces_after_the_commit(
    acme, eager, django_capture_on_commit_callbacks
):
    SubscriberFactory(account=acme.account, page=acme.page)
    with django_capture_on_commit_callbacks(execute=True):
        public_incident_create(account=acme.account, page=acme.page, name="Now", body="!")
    assert OutboxMessage.objects.get().event_type == "statuspage.incident.created"
