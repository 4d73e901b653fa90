"""Public texts refuse control characters on input; XML output survives rows that have them.

A public incident named "DB\\x0bdown" used to be accepted and then made the Atom/RSS feeds
raise (XML 1.0 cannot carry U+000B even escaped). Names and titles now refuse every control
character, long texts all but tab, LF and CR (API, admin and services alike); rows that
still hold one render valid feeds and badges.
"""

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.models import (
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    PublicIncident,
    StatusPage,
    StatusPageComponent,
)
from statuspage.services import public_incident_create, public_incident_update_post
from statuspage.text import validate_line, validate_text, xml_safe
from tests.factories import (
    DowntimeFactory,
    IncidentFactory,
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
def page_a(tenants):
    return StatusPageFactory(account=tenants.a, slug="alpha-status", title="Alpha")


# --- the validators -------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ud800"])
def test_both_validators_refuse_controls_and_invalid_code_points(char):
    for validator in (validate_line, validate_text):
        with pytest.raises(ValidationError) as raised:
            validator(f"DB{char}down")
        assert f"U+{ord(char):04X}" in raised.value.messages[0]


def test_long_texts_keep_tabs_and_line_breaks_names_do_not():
    validate_text("Line one\r\nLine two\twith a tab – and ünïcödé ✓")
    validate_line("Ünïcödé name – ✓ 🚀")
    for char in "\t\n\r":
        with pytest.raises(ValidationError):
            validate_line(f"a{char}b")


def test_xml_safe_strips_what_xml_cannot_carry():
    assert xml_safe("DB\x0bdown\x00 \ud800ok\ufffe\n\t\r") == "DBdown ok\n\t\r"
    assert xml_safe("\x7f\x85 ünïcödé") == "\x7f\x85 ünïcödé"  # legal in XML 1.0
    assert xml_safe("") == ""


# --- API: 400 naming the field ----------------------------------------------------------------


def _fields(response):
    assert response.status_code == 400, response.content
    return response.json()["fields"]


@pytest.mark.parametrize("char", ["\x0b", "\x00", "\x1f", "\x85"])
def test_api_refuses_control_characters_in_public_texts(api_a, tenants, page_a, char):
    bad = f"DB{char}down"
    service = ServiceFactory(account=tenants.a)
    component = StatusPageComponentFactory(account=tenants.a, page=page_a, service=service)
    incident = public_incident_create(account=tenants.a, page=page_a, name="Slow", body="Hm.")
    downtime = DowntimeFactory(account=tenants.a, public=True)
    cases = [
        ("post", "/api/v1/status-pages", {"title": bad, "slug": "new-page"}, "title"),
        ("post", "/api/v1/status-pages", {"title": "T", "slug": "x", "description": bad}, None),
        ("patch", f"/api/v1/status-pages/{page_a.pk}", {"title": bad}, "title"),
        ("post", "/api/v1/status-page-groups", {"page": page_a.pk, "name": bad}, "name"),
        (
            "post",
            "/api/v1/status-page-components",
            {"page": page_a.pk, "service": service.pk, "name": bad},
            "name",
        ),
        ("patch", f"/api/v1/status-page-components/{component.pk}", {"name": bad}, "name"),
        (
            "patch",
            f"/api/v1/status-page-components/{component.pk}",
            {"description": bad},
            "description",
        ),
        ("post", "/api/v1/public-incidents", {"page": page_a.pk, "name": bad, "body": "x"}, "name"),
        ("post", "/api/v1/public-incidents", {"page": page_a.pk, "name": "x", "body": bad}, "body"),
        ("patch", f"/api/v1/public-incidents/{incident.pk}", {"name": bad}, "name"),
        (
            "post",
            f"/api/v1/public-incidents/{incident.pk}/updates",
            {"status": "identified", "body": bad},
            "body",
        ),
        (
            "patch",
            f"/api/v1/incident-updates/{incident.updates.get().pk}",
            {"body": bad},
            "body",
        ),
        (
            "post",
            "/api/v1/maintenance-updates",
            {"downtime": downtime.pk, "status": "verifying", "body": bad},
            "body",
        ),
        (
            "post",
            "/api/v1/public-incidents/from-incident",
            {"incident": IncidentFactory(account=tenants.a, service=service).pk, "name": bad},
            "name",
        ),
        (
            "post",
            "/api/v1/public-incidents/from-incident",
            {"incident": IncidentFactory(account=tenants.a, service=service).pk, "body": bad},
            "body",
        ),
    ]
    for method, url, payload, field in cases:
        response = getattr(api_a, method)(url, payload, format="json")
        assert (field or "description") in _fields(response), (url, payload)
    assert not StatusPage.objects.filter(slug__in=["new-page", "x"]).exists()
    assert ComponentGroup.objects.count() == 0 and PublicIncident.objects.count() == 1
    assert IncidentUpdate.objects.get().body == "Hm." and MaintenanceUpdate.objects.count() == 0
    assert StatusPageComponent.objects.get().name == component.name


def test_api_keeps_line_breaks_in_long_texts_but_not_in_names(api_a, page_a):
    ok = api_a.post(
        "/api/v1/public-incidents",
        {"page": page_a.pk, "name": "Slow logins", "body": "We see errors.\r\n\tMore soon."},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert IncidentUpdate.objects.get().body == "We see errors.\r\n\tMore soon."
    refused = api_a.post(
        "/api/v1/public-incidents",
        {"page": page_a.pk, "name": "Slow\nlogins", "body": "x"},
        format="json",
    )
    assert "name" in _fields(refused)


def test_services_refuse_control_characters(tenants, page_a):
    with pytest.raises(ValidationError) as raised:
        public_incident_create(account=tenants.a, page=page_a, name="DB\x0bdown", body="x")
    assert "name" in raised.value.message_dict
    incident = public_incident_create(account=tenants.a, page=page_a, name="DB down", body="x")
    with pytest.raises(ValidationError) as raised:
        public_incident_update_post(
            account=tenants.a, incident=incident, status="identified", body="a\x1bb"
        )
    assert "body" in raised.value.message_dict


def test_admin_forms_refuse_control_characters(client, tenants, page_a):
    client.force_login(tenants.owner_a)
    started = timezone.now()
    response = client.post(
        "/admin/statuspage/publicincident/add/",
        {
            "account": tenants.a.pk,
            "page": page_a.pk,
            "name": "DB\x0bdown",
            "impact": "major",
            "started_at_0": started.strftime("%Y-%m-%d"),
            "started_at_1": started.strftime("%H:%M:%S"),
            "follow_source": "on",
            "affected-TOTAL_FORMS": "0",
            "affected-INITIAL_FORMS": "0",
            "updates-TOTAL_FORMS": "1",
            "updates-INITIAL_FORMS": "0",
            "updates-0-status": "investigating",
            "updates-0-body": "Looking\x07 into it.",
            "updates-0-display_at_0": started.strftime("%Y-%m-%d"),
            "updates-0-display_at_1": started.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200  # the form again
    html = response.content.decode()
    assert html.count("Remove the control character") == 2  # name and timeline body
    assert not PublicIncident.objects.exists()
    downtime = DowntimeFactory(account=tenants.a, public=True)
    response = client.post(
        "/admin/statuspage/maintenanceupdate/add/",
        {
            "account": tenants.a.pk,
            "downtime": downtime.pk,
            "status": "verifying",
            "body": "Checking\x0c now.",
            "display_at_0": started.strftime("%Y-%m-%d"),
            "display_at_1": started.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200 and "U+000C" in response.content.decode()
    assert not MaintenanceUpdate.objects.exists()


# --- rows that hold one anyway: feeds and badges stay valid --------------------------------------


@pytest.fixture
def dirty_page(tenants):
    """A page whose stored texts hold control characters (written around validation)."""
    page = StatusPageFactory(account=tenants.a, slug="dirty", title="Acme\x0b Status")
    component = StatusPageComponentFactory(account=tenants.a, page=page, name="API")
    incident = public_incident_create(
        account=tenants.a,
        page=page,
        name="DB down",
        body="Looking into it.",
        components=[component],
        started_at=NOW - dt.timedelta(hours=1),
    )
    # No NUL among them: PostgreSQL cannot store it at all.
    PublicIncident.objects.filter(pk=incident.pk).update(name="DB\x0bdown\x1f")
    IncidentUpdate.objects.filter(incident=incident).update(body="Errors\x1b[31m in\x0c red")
    downtime = DowntimeFactory(
        account=tenants.a,
        public=True,
        reason="Router\x08 swap",
        start=NOW + dt.timedelta(days=1),
        end=NOW + dt.timedelta(days=1, hours=1),
    )
    MaintenanceUpdate.objects.bulk_create(
        [
            MaintenanceUpdate(
                account=tenants.a,
                downtime=downtime,
                status="scheduled",
                body="Note\x01 one",
                display_at=NOW,
            )
        ]
    )
    StatusPageComponent.objects.filter(pk=component.pk).update(name="API\x0b\x1b")
    return page, component


@pytest.mark.parametrize(("suffix", "version"), [("atom", "atom10"), ("rss", "rss20")])
def test_feeds_stay_valid_with_control_characters_in_rows(client, dirty_page, suffix, version):
    response = client.get(f"/status/dirty/history.{suffix}")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == version
    assert feed.feed.title == "Acme Status status"
    assert sorted(entry.title for entry in feed.entries) == ["DBdown", "Router swap"]
    texts = " ".join(entry.get("summary") or entry.get("description") for entry in feed.entries)
    assert "Errors[31m in red" in texts and "Note one" in texts


def test_badges_stay_valid_with_control_characters_in_rows(client, dirty_page):
    _, component = dirty_page
    shown = {}
    for path in [
        "/status/dirty/badges/status.svg",
        f"/status/dirty/components/{component.public_id}/status.svg",
        f"/status/dirty/components/{component.public_id}/uptime.svg",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        root = ET.fromstring(response.content)  # noqa: S314 - our own output, checked here
        shown[path.rsplit("/", 1)[1]] = [text.text for text in root.iter(f"{SVG}text")]
    assert shown["status.svg"] == ["API", "Partial Outage"]  # component badge (last)
    assert shown["uptime.svg"] == ["API uptime", "no data"]
