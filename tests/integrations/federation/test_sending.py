"""Sending side: the delivery kind "portal" pushes state changes (change points only),
downtimes, incidents and daily reports through the outbox, signed with the API key, to a
real HTTP receiver; retried while it is down; the link's key is write-only."""

import base64
import datetime as dt
import json

import pytest
import time_machine

from integrations.federation.models import PortalLink
from integrations.federation.services import change_points, portal_push_incidents
from reporting.models import Delivery, OutboxMessage
from reporting.services.notifications import outbox_process_due
from reporting.services.reports import daily_report_build, report_file
from sla.engine import Event
from tests.factories import DowntimeFactory, IncidentFactory, ServiceFactory
from tests.reporting.receiver import Receiver
from tests.reporting.scenario import DAY, NOW, build_scenario

pytestmark = pytest.mark.django_db
KEY = "portal-key-for-tests"
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def portal(settings):
    settings.SLA_PORTAL_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver(secret=KEY).start()
    yield server
    server.stop()


@pytest.fixture
def link(tenants, portal):
    return PortalLink.objects.create(
        account=tenants.a, url=f"http://127.0.0.1:{portal.port}", api_key=KEY
    )


def deliver(now=None):
    return outbox_process_due(now=now or dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))


def test_change_points_keep_changes_ties_and_the_latest_instant():
    t = [T0 + dt.timedelta(minutes=minute) for minute in range(6)]
    events = [
        Event(t[0], "OK"),  # no change from the state before
        Event(t[1], "CRIT"),
        Event(t[2], "CRIT"),
        Event(t[3], "OK"),
        Event(t[3], "WARN"),  # same instant: the worse one is the state
        Event(t[5], "WARN"),  # the latest instant is always sent
    ]
    assert change_points("OK", events) == [
        (t[1], "CRIT", None),
        (t[3], "WARN", None),
        (t[5], "WARN", None),
    ]
    assert change_points(None, [Event(t[0], "OK")]) == [(t[0], "OK", None)]


def test_change_points_follow_the_flap_flag():
    t = [T0 + dt.timedelta(minutes=minute) for minute in range(6)]
    events = [
        Event(t[0], "OK", flapping=True),  # the flag changes: a change point
        Event(t[1], "OK"),  # keeps the flag: nothing
        Event(t[2], "OK", flapping=False),
        Event(t[2], "OK", flapping=True),  # at one instant True wins: still flapping
        Event(t[3], "OK", flapping=False),
        Event(t[4], "OK", flapping=False),  # the latest instant
    ]
    assert change_points("OK", events, before_flag=False) == [
        (t[0], "OK", True),
        (t[3], "OK", False),
        (t[4], "OK", False),
    ]


def test_ingested_changes_are_pushed_signed_to_the_portal(
    tenants, api_a, link, portal, django_capture_on_commit_callbacks
):
    events = [
        {"service": "payment/api", "at": "2026-11-20T08:00:00Z", "state": "OK"},
        {"service": "payment/api", "at": "2026-11-20T08:30:00Z", "state": "OK"},
        {"service": "payment/api", "at": "2026-11-20T09:00:00Z", "state": "CRIT"},
        {"service": "payment/api", "at": "2026-11-20T09:45:00Z", "state": "OK"},
        {"service": "payment/api", "at": "2026-11-20T10:00:00Z", "state": "OK"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert api_a.post("/api/v1/events", events, format="json").status_code in (200, 201, 207)
    deliver()
    [item] = portal.accepted
    assert item.signature_ok and item.headers["authorization"] == f"Bearer {KEY}"
    assert item.headers["x-sla-event-type"] == "federation.status"
    body = item.json
    assert body["source"] == "alpha" and body["type"] == "federation.status"
    pushed = [(event["at"], event["state"]) for event in body["data"]["events"]]
    assert pushed == [
        ("2026-11-20T08:00:00Z", "OK"),
        ("2026-11-20T09:00:00Z", "CRIT"),
        ("2026-11-20T09:45:00Z", "OK"),
        ("2026-11-20T10:00:00Z", "OK"),
    ]
    assert body["data"]["services"] == [{"path": "payment/api", "name": "", "group": None}]
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.status, delivery.target) == ("portal", "delivered", link)
    # Account B has no link: its ingest queues nothing.
    with django_capture_on_commit_callbacks(execute=True):
        from tests.conftest import client_for

        client_for(tenants.token_b).post("/api/v1/events", events, format="json")
    assert not OutboxMessage.objects.for_account(tenants.b).exists()


def test_a_portal_that_is_down_gets_everything_once_it_is_back(tenants, settings):
    settings.SLA_PORTAL_ALLOW_PRIVATE_NETWORKS = True
    flaky = Receiver(secret=KEY, fail_first=2).start()
    try:
        PortalLink.objects.create(
            account=tenants.a, url=f"http://127.0.0.1:{flaky.port}", api_key=KEY
        )
        service = ServiceFactory(account=tenants.a, path="payment/api")
        with time_machine.travel(T0, tick=False):
            DowntimeFactory(account=tenants.a, service=service, public=True, reason="upgrade")
        now = dt.datetime.now(dt.UTC)
        for step in range(10):
            outbox_process_due(now=now + dt.timedelta(minutes=step * 2))
    finally:
        flaky.stop()
    assert len(flaky.requests) == 3 and len(flaky.accepted) == 1
    data = flaky.accepted[0].json["data"]
    assert (data["scope"], data["target"], data["reason"], data["public"]) == (
        "service",
        "payment/api",
        "upgrade",
        True,
    )
    assert Delivery.objects.get().status == "delivered"


def test_incidents_opened_and_closed_are_queued_once_each(tenants, link, portal):
    service = ServiceFactory(account=tenants.a, path="payment/api")
    incident = IncidentFactory(account=tenants.a, service=service, ended_at=None, state="CRIT")
    assert portal_push_incidents(account=tenants.a) == 1
    assert portal_push_incidents(account=tenants.a) == 0  # nothing new
    incident.ended_at = T0 + dt.timedelta(minutes=9)
    incident.save()
    assert portal_push_incidents(account=tenants.a) == 1
    deliver()
    phases = [item.json["data"]["incidents"][0]["ended_at"] for item in portal.accepted]
    assert phases == [None, "2026-11-20T09:09:00Z"]


def test_the_daily_report_is_pushed_with_its_json_and_pdf(tenants, link, portal):
    scenario = build_scenario(tenants.a)
    with time_machine.travel(NOW, tick=False):
        report = daily_report_build(account=scenario.account, day=DAY)
    deliver(NOW + dt.timedelta(days=1))
    reports = [item for item in portal.accepted if item.json["type"] == "sla.daily_report"]
    [item] = reports
    data = item.json["data"]
    assert data["report"]["day"] == DAY.isoformat()
    assert base64.b64decode(data["pdf_base64"]).startswith(b"%PDF-")
    assert data["report"] == json.loads(report_file(report.json_path).read_bytes())


def test_the_link_api_keeps_the_key_write_only(tenants, api_a, api_b, settings):
    settings.SLA_PORTAL_URL = "http://10.0.0.5:8000"
    settings.SLA_PORTAL_API_KEY = "from-env"
    assert api_a.get("/api/v1/federation/portal").status_code == 404
    response = api_a.put("/api/v1/federation/portal", {"enabled": True}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "api_key" not in body and body["api_key_set"] is True
    assert (body["effective_url"], body["url_source"]) == ("http://10.0.0.5:8000", "deployment")
    # A private address typed in by the account is refused (the deployment's is trusted).
    refused = api_a.patch("/api/v1/federation/portal", {"url": "http://10.0.0.6"}, format="json")
    assert refused.status_code == 400 and "url" in refused.json()["fields"]
    changed = api_a.patch(
        "/api/v1/federation/portal",
        {"url": "https://status.example.com", "api_key": "own"},
        format="json",
    )
    assert changed.status_code == 200 and "own" not in json.dumps(changed.json())
    assert PortalLink.objects.get(account=tenants.a).api_key == "own"
    # Account B sees no link of A's.
    assert api_b.get("/api/v1/federation/portal").status_code == 404
    assert api_b.delete("/api/v1/federation/portal").status_code == 404
    assert api_a.delete("/api/v1/federation/portal").status_code == 204


def test_a_service_moved_or_a_group_redefined_is_pushed_without_events(tenants, link, portal):
    from sla.models import ServiceGroup

    group = ServiceGroup.objects.create(account=tenants.a, name="payments")
    service = ServiceFactory(account=tenants.a, path="payment/api")
    assert not OutboxMessage.objects.for_account(tenants.a).exists()  # created: nothing yet
    service.group = group
    service.save()
    group.aggregation, group.k = "k_of_n", 1
    group.save()
    service.group = None
    service.save()
    deliver()
    bodies = [item.json["data"] for item in portal.accepted]
    assert [body["events"] for body in bodies] == [[], [], []]
    assert [body["services"][0]["group"] for body in bodies] == ["payments", "payments", None]
    assert bodies[1]["groups"] == [
        {"name": "payments", "title": "", "aggregation": "k_of_n", "k": 1}
    ]


def test_a_downtime_changed_back_is_pushed_again(tenants, link, portal):
    service = ServiceFactory(account=tenants.a, path="payment/api")
    downtime = DowntimeFactory(account=tenants.a, service=service, reason="first")
    for reason in ("second", "first"):
        downtime.reason = reason
        downtime.save()
    deliver()
    assert [item.json["data"]["reason"] for item in portal.accepted] == ["first", "second", "first"]


def test_backfill_pushes_what_was_there_before_the_link(tenants, portal, settings):
    from django.core.management import CommandError, call_command

    from sla.services.ingest import events_ingest
    from tests.factories import DailyReportFactory

    settings.SLA_PORTAL_ALLOW_PRIVATE_NETWORKS = True
    now = dt.datetime.now(dt.UTC)
    history = [
        {"service": "payment/api", "at": _z(now - dt.timedelta(days=3)), "state": "OK"},
        {"service": "payment/api", "at": _z(now - dt.timedelta(days=2)), "state": "CRIT"},
        {"service": "payment/api", "at": _z(now - dt.timedelta(days=2, minutes=-9)), "state": "OK"},
        {"service": "old/one", "at": _z(now - dt.timedelta(days=40)), "state": "OK"},
    ]
    assert not events_ingest(account=tenants.a, items=history, now=now).errors
    service = ServiceFactory(account=tenants.a, path="tools/wiki")
    DowntimeFactory(account=tenants.a, service=service, public=True)
    DailyReportFactory(account=tenants.a, day=(now - dt.timedelta(days=2)).date())
    assert not OutboxMessage.objects.for_account(tenants.a).exists()  # no link yet
    with pytest.raises(CommandError, match="no enabled portal link"):
        call_command("portal_backfill", "--account", "alpha", "--days", "7")
    PortalLink.objects.create(account=tenants.a, url=f"http://127.0.0.1:{portal.port}", api_key=KEY)
    call_command("portal_backfill", "--account", "alpha", "--days", "7")
    kinds = sorted(
        OutboxMessage.objects.for_account(tenants.a).values_list("event_type", flat=True)
    )
    assert kinds == ["federation.downtime", "federation.status", "sla.daily_report"]
    status = OutboxMessage.objects.for_account(tenants.a).get(event_type="federation.status")
    pushed = [(event["service"], event["state"]) for event in status.payload["events"]]
    # The changes of the 7 days, and the state in force before them (old/one: OK since
    # 40 days), with its own instant: the portal's timeline starts where the plugin's does.
    assert pushed == [
        ("old/one", "OK"),
        ("payment/api", "OK"),
        ("payment/api", "CRIT"),
        ("payment/api", "OK"),
    ]
    assert status.payload["events"][0]["at"] == _z(now - dt.timedelta(days=40))
    assert not OutboxMessage.objects.for_account(tenants.b).exists()


def _z(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")
