"""Slack, Teams and PagerDuty channels: a firing SLO burn alert reaches a Slack-shaped and
a PagerDuty-shaped receiver (trigger, then resolve with the same dedup key), each payload
checked against the service's documented format by a real receiver on 127.0.0.1; a
receiver that is down gets everything once back; "send test" from the API and the admin;
the URL guard."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from integrations.channels.models import Channel
from reporting.models import Delivery
from reporting.services.notifications import notification_emit, outbox_process_due
from sla.models import StatusEvent
from sla.signals import status_history_changed
from sla.slo_tasks import slo_minutely_run
from tests.conftest import client_for
from tests.factories import ChannelFactory, ServiceFactory, SLOFactory
from tests.reporting.receiver import Receiver
from tests.reporting.shapes import (
    pagerduty_problems,
    pagerduty_reply,
    slack_problems,
    teams_problems,
)

pytestmark = pytest.mark.django_db
OUTAGE_START = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"


@pytest.fixture
def slack(allow_private_networks):
    server = Receiver(secret=None, validate=slack_problems).start()
    yield server
    server.stop()


@pytest.fixture
def teams(allow_private_networks):
    server = Receiver(secret=None, validate=teams_problems, status=202).start()
    yield server
    server.stop()


@pytest.fixture
def pagerduty(allow_private_networks):
    server = Receiver(
        secret=None, validate=pagerduty_problems, status=202, reply=pagerduty_reply
    ).start()
    yield server
    server.stop()


def _event(account, service, at, state):
    StatusEvent.objects.create(
        account=account, service=service, at=at, state=state, dedup_key=f"{at}:{state}"
    )
    status_history_changed.send(sender=None, account=account, changes={service.pk: at})


def _channels(account, slack, teams, pagerduty):
    ChannelFactory(account=account, name="ops slack", kind="slack", url=slack.url)
    ChannelFactory(account=account, name="ops teams", kind="teams", url=teams.url)
    ChannelFactory(
        account=account,
        name="pager",
        kind="pagerduty",
        url=pagerduty.url,
        routing_key=ROUTING_KEY,
    )


def test_a_burn_alert_pages_and_resolves_with_the_same_dedup_key(tenants, slack, teams, pagerduty):
    account = tenants.a
    _channels(account, slack, teams, pagerduty)
    service = ServiceFactory(account=account, path="payment/api")
    SLOFactory(account=account, service=service, target=99.9, window_days=30)
    _event(account, service, OUTAGE_START - dt.timedelta(days=40), "OK")
    now = OUTAGE_START - dt.timedelta(minutes=2)
    while now <= OUTAGE_START + dt.timedelta(minutes=30):
        with time_machine.travel(now, tick=False):
            if now == OUTAGE_START:
                _event(account, service, OUTAGE_START, "CRIT")
            if now == OUTAGE_START + dt.timedelta(minutes=2):
                _event(account, service, now, "OK")
            slo_minutely_run(now=now)
            outbox_process_due(now=now)
        now += dt.timedelta(minutes=1)

    assert slack.problems == teams.problems == pagerduty.problems == []
    events = pagerduty.bodies
    assert [event["event_action"] for event in events] == ["trigger", "resolve"]
    trigger, resolve = events
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert trigger["dedup_key"].startswith(f"sla-portal/{account.slug}/slo-alert/")
    assert trigger["routing_key"] == ROUTING_KEY
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["component"] == "payment/api"
    assert "burn-rate alert firing" in trigger["payload"]["summary"]
    assert "Burn rate 1 h" in trigger["payload"]["custom_details"]

    firing, resolved = slack.bodies
    assert "firing" in firing["text"] and "resolved" in resolved["text"]
    header = firing["blocks"][0]["text"]["text"]
    assert header.startswith("🔴 ")
    fields = {
        f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in firing["blocks"][1]["fields"]
    }
    assert fields["*Target*"] == "99.9%" and fields["*Burn rate 1 h*"].endswith("x")
    button = firing["blocks"][2]["elements"][0]
    assert button["url"].endswith("/change/")

    card = teams.bodies[0]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["color"] == "Attention"
    assert Delivery.objects.filter(kind__in=["slack", "teams", "pagerduty"]).count() == 6


def test_daily_report_goes_to_chat_not_to_the_pager(tenants, slack, teams, pagerduty):
    _channels(tenants.a, slack, teams, pagerduty)
    notification_emit(
        account=tenants.a,
        event_type="sla.daily_report",
        payload={
            "title": "Daily SLA report 2026-11-20",
            "report": {"day": "2026-11-20", "timezone": "UTC"},
            "summary": {"services": 3, "uptime_percent": 99.5, "sla_states": {"BROKEN": 1}},
            "files": {"pdf": {"dashboard_url": "http://127.0.0.1:8000/dashboard/reports/1/pdf"}},
        },
        dedup_key="report",
    )
    assert outbox_process_due() == 2
    assert [b["text"] for b in slack.bodies] == ["Daily SLA report 2026-11-20"]
    assert len(teams.bodies) == 1 and pagerduty.requests == []


def test_level_changes_trigger_and_resolve_and_text_cannot_inject_markup(tenants, slack, pagerduty):
    ChannelFactory(account=tenants.a, kind="slack", url=slack.url)
    ChannelFactory(account=tenants.a, kind="pagerduty", url=pagerduty.url, routing_key=ROUTING_KEY)
    for old, new in (("OK", "CRIT"), ("CRIT", "OK")):
        notification_emit(
            account=tenants.a,
            event_type="sla.level_changed",
            payload={
                "title": f"SLA <!channel> Gold: {old} -> {new}",
                "sla": {"id": 7, "title": "Gold <@U123>"},
                "service": "shop/web",
                "group": None,
                "period_start": "2026-11-01T00:00:00Z",
                "old_state": old,
                "new_state": new,
                "changed_at": "2026-11-21T12:00:00Z",
            },
            dedup_key=f"level:{new}",
        )
    outbox_process_due()
    trigger, resolve = pagerduty.bodies
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert trigger["payload"]["severity"] == "error"
    section = slack.bodies[0]["blocks"][1]
    assert "<@U123>" not in section["text"]["text"] and "&lt;@U123&gt;" in section["text"]["text"]


def test_a_channel_that_is_down_gets_everything_once_back(tenants, slack):
    ChannelFactory(account=tenants.a, kind="slack", url=slack.url)
    slack.stop()
    for index in range(3):
        notification_emit(
            account=tenants.a,
            event_type="sla.level_changed",
            payload={"title": f"change {index}", "new_state": "WARN", "sla": {"id": 1}},
            dedup_key=f"change:{index}",
        )
    outbox_process_due()
    assert Delivery.objects.filter(status="pending").count() == 3
    slack.start()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    outbox_process_due(now=later)
    assert sorted(body["text"] for body in slack.bodies) == ["change 0", "change 1", "change 2"]
    assert outbox_process_due(now=later + dt.timedelta(hours=2)) == 0


def test_send_test_from_the_api(tenants, slack, pagerduty):
    api = client_for(tenants.token_a)
    created = api.post(
        "/api/v1/channels",
        {"name": "pager", "kind": "pagerduty", "routing_key": ROUTING_KEY},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "routing_key" not in created.json() and created.json()["url_display"].startswith(
        "https://events.pagerduty.com"
    )
    channel = Channel.objects.get(pk=created.json()["id"])
    channel.url = pagerduty.url
    channel.save()
    result = api.post(f"/api/v1/channels/{channel.pk}/test", format="json")
    assert result.status_code == 200 and result.json()["delivered"] is True
    assert [b["event_action"] for b in pagerduty.bodies] == ["trigger", "resolve"]
    assert len({b["dedup_key"] for b in pagerduty.bodies}) == 1
    assert pagerduty.problems == []
    slack_channel = api.post(
        "/api/v1/channels", {"name": "chat", "kind": "slack", "url": slack.url}, format="json"
    ).json()
    assert api.post(f"/api/v1/channels/{slack_channel['id']}/test").json()["delivered"]
    assert slack.bodies[0]["text"].startswith("Test message from SLA Portal")
    assert (
        client_for(tenants.token_b).post(f"/api/v1/channels/{channel.pk}/test").status_code == 404
    )


def test_send_test_reports_a_refused_address_and_is_not_retried(tenants, settings):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    channel = ChannelFactory(account=tenants.a, kind="slack", url="http://slack.invalid/x")
    result = client_for(tenants.token_a).post(f"/api/v1/channels/{channel.pk}/test").json()
    assert (
        result["delivered"] is False and "does not resolve to a public address" in result["error"]
    )
    assert Delivery.objects.get().status == "failed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "slack"}, "url"),
        ({"name": "x", "kind": "slack", "url": "http://10.0.0.1/hook"}, "url"),
        ({"name": "x", "kind": "slack", "url": "ftp://example.com/x"}, "url"),
        ({"name": "x", "kind": "pagerduty", "routing_key": "short"}, "routing_key"),
        (
            {
                "name": "x",
                "kind": "slack",
                "url": "https://hooks.example.com/x",
                "routing_key": "k",
            },
            "routing_key",
        ),
        ({"name": "x", "kind": "opsgenie", "url": "https://example.com/"}, "kind"),
        (
            {"name": "x", "kind": "slack", "url": "https://e.com/", "event_types": ["nope"]},
            "event_types",
        ),
    ],
)
def test_bad_channel_input_names_the_field(tenants, body, field):
    response = client_for(tenants.token_a).post("/api/v1/channels", body, format="json")
    assert response.status_code == 400, response.content
    assert any(name.startswith(field) for name in response.json()["fields"]), response.json()
    assert Channel.objects.count() == 0


def test_admin_send_test_action(tenants, slack, client):
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    channel = ChannelFactory(account=tenants.a, kind="slack", url=slack.url)
    client.force_login(tenants.owner_a)
    response = client.post(
        reverse("admin:channels_channel_changelist"),
        {"action": "send_test", "_selected_action": [channel.pk]},
        follow=True,
    )
    assert "test message delivered" in response.content.decode()
    assert len(slack.bodies) == 1
    page = client.get(reverse("admin:channels_channel_change", args=[channel.pk]))
    assert slack.url.encode() not in page.content, "the secret URL is never shown again"
