"""What Statuspage clients, feed readers and browsers expect of the public documents.

The maintenance timeline lists its newest entry first, the Atom feed names an author
(RFC 4287), entry HTML is well-formed, the public JSON answers CORS preflights, and a
manual public incident never claims to follow a source incident.
"""

import datetime as dt
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from statuspage.services import public_incident_create
from tests.factories import DowntimeFactory, StatusPageComponentFactory, StatusPageFactory
from tests.statuspage.builders import NOW, one_component_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]
ATOM = "{http://www.w3.org/2005/Atom}"


def test_a_maintenance_saved_after_it_began_lists_in_progress_first(client):
    page = one_component_page()
    downtime = DowntimeFactory(
        account=page.account,
        public=True,
        reason="Router swap",
        start=NOW - dt.timedelta(minutes=30),
        end=NOW + dt.timedelta(minutes=30),
    )
    downtime.created_at = NOW - dt.timedelta(minutes=5)  # saved after the window began
    downtime.save(update_fields=["created_at"])
    body = client.get("/status/acme/api/v2/scheduled-maintenances.json").json()
    (maintenance,) = body["scheduled_maintenances"]
    updates = maintenance["incident_updates"]
    assert [update["status"] for update in updates] == ["in_progress", "scheduled"]
    assert updates[0]["display_at"] > updates[1]["display_at"]
    assert maintenance["status"] == updates[0]["status"]


def test_the_atom_feed_names_an_author(client):
    page = one_component_page()
    public_incident_create(account=page.account, page=page, name="Slow", body="Looking.")
    root = ET.fromstring(client.get("/status/acme/history.atom").content)  # noqa: S314
    author = root.find(f"{ATOM}author")
    assert author is not None and author.find(f"{ATOM}name").text == "Acme"


class _Nesting(HTMLParser):
    """Records a <p> opened inside an open <p> (HTML closes the outer one silently)."""

    def __init__(self):
        super().__init__()
        self.open_paragraphs = 0
        self.nested = False

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.nested |= self.open_paragraphs > 0
            self.open_paragraphs += 1

    def handle_endtag(self, tag):
        if tag == "p":
            self.open_paragraphs -= 1


def test_entry_html_of_the_feeds_is_well_formed(client):
    page = one_component_page()
    public_incident_create(
        account=page.account, page=page, name="Slow", body="First paragraph.\n\nSecond one."
    )
    root = ET.fromstring(client.get("/status/acme/history.atom").content)  # noqa: S314
    (entry,) = root.findall(f"{ATOM}entry")
    html = entry.find(f"{ATOM}summary").text
    parser = _Nesting()
    parser.feed(html)
    assert not parser.nested and parser.open_paragraphs == 0, html
    assert "<p>First paragraph.</p>" in html and "<p>Second one.</p>" in html


def test_the_public_json_answers_a_cors_preflight(client):
    one_component_page()
    response = client.options(
        "/status/acme/api/v2/summary.json",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert client.options("/status/acme/api/v2/nope.json").status_code == 404


def test_a_manual_public_incident_does_not_follow_a_source(api_a, tenants):
    page = StatusPageFactory(account=tenants.a, slug="alpha")
    component = StatusPageComponentFactory(account=tenants.a, page=page)
    created = api_a.post(
        "/api/v1/public-incidents",
        {"page": page.pk, "name": "Slow", "body": "Looking.", "components": []},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["follow_source"] is False
    claimed = api_a.post(
        "/api/v1/public-incidents",
        {"page": page.pk, "name": "x", "body": "y", "follow_source": True},
        format="json",
    )
    assert claimed.status_code == 400 and "follow_source" in claimed.json()["fields"]
    manual = public_incident_create(
        account=tenants.a, page=page, name="Manual", body="z", components=[component]
    )
    manual.refresh_from_db()
    assert manual.follow_source is False
