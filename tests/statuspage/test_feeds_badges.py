"""Atom/RSS feeds (parsed with feedparser) and SVG badges."""

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest
import time_machine

from statuspage.services import public_incident_create, public_incident_update_post
from tests.factories import (
    AccountFactory,
    DailyUptimeFactory,
    DowntimeFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def page():
    account = AccountFactory(timezone="UTC")
    return StatusPageFactory(account=account, slug="acme", title="Acme <Status> & Co")


def _published(page):
    component = StatusPageComponentFactory(account=page.account, page=page, name="API")
    incident = public_incident_create(
        account=page.account,
        page=page,
        name="Login <failures> & timeouts",
        body="We see <b>errors</b>.",
        impact="major",
        components=[component],
        started_at=NOW - dt.timedelta(hours=3),
    )
    public_incident_update_post(
        account=page.account, incident=incident, status="resolved", body="All good."
    )
    DowntimeFactory(
        account=page.account,
        public=True,
        reason="Router swap",
        start=NOW + dt.timedelta(days=1),
        end=NOW + dt.timedelta(days=1, hours=1),
    )
    return incident


@pytest.mark.parametrize(("suffix", "version"), [("atom", "atom10"), ("rss", "rss20")])
def test_feeds_are_valid_and_list_incidents_and_maintenances(client, page, suffix, version):
    incident = _published(page)
    response = client.get(f"/status/acme/history.{suffix}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(f"application/{suffix}+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == version
    assert feed.feed.title == "Acme <Status> & Co status"
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Router swap", "Login <failures> & timeouts"]
    entry = feed.entries[1]
    assert entry.link == f"http://127.0.0.1:8000/status/acme/incidents/{incident.public_id}"
    text = entry.get("summary") or entry.get("description")
    assert "All good." in text and "&lt;b&gt;errors&lt;/b&gt;" in text  # body escaped


def test_feed_of_an_empty_page_is_valid(client, page):
    feed = feedparser.parse(client.get("/status/acme/history.atom").content)
    assert not feed.bozo and feed.entries == []


def _svg(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, checked for well-formedness
    assert root.tag == f"{SVG}svg"
    return root, [text.text for text in root.iter(f"{SVG}text")]


def test_page_badges(client, page):
    service = ServiceFactory(account=page.account, current_state="CRIT")
    StatusPageComponentFactory(account=page.account, page=page, service=service, name="API")
    DailyUptimeFactory(
        account=page.account,
        service=service,
        day=dt.date(2026, 11, 20),
        seconds_ok=86400 - 864,
        seconds_crit=864,
    )
    _, texts = _svg(client, "/status/acme/badges/status.svg")
    assert texts == ["status", "Major Service Outage"]
    _, texts = _svg(client, "/status/acme/badges/uptime.svg")
    assert texts == ["uptime 90d", "99.00%"]


def test_uptime_badge_uses_the_shared_percent_format(client, page):
    service = ServiceFactory(account=page.account)
    StatusPageComponentFactory(account=page.account, page=page, service=service, name="API")
    DailyUptimeFactory(
        account=page.account,
        service=service,
        day=dt.date(2026, 11, 20),
        seconds_ok=86400 - 435,
        seconds_crit=435,
    )
    _, texts = _svg(client, "/status/acme/badges/uptime.svg")
    assert texts == ["uptime 90d", "99.49%"]  # 99.4965 %: sla.display, no target


def test_component_badges_escape_names(client, page):
    nasty = '<script>alert("x")</script> & Co'
    component = StatusPageComponentFactory(account=page.account, page=page, name=nasty)
    root, texts = _svg(client, f"/status/acme/components/{component.public_id}/status.svg")
    assert texts == [nasty, "Operational"]
    assert root.find(f"{SVG}script") is None
    raw = client.get(f"/status/acme/components/{component.public_id}/status.svg").content
    assert b"<script>" not in raw
    _, texts = _svg(client, f"/status/acme/components/{component.public_id}/uptime.svg")
    assert texts == [f"{nasty} uptime", "no data"]
