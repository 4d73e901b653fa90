"""Statuspage v2 compatibility: every document, field name and enum as documented."""

import datetime as dt
import json

import jsonschema
import pytest

from statuspage.services import (
    maintenance_update_post,
    public_incident_create,
    public_incident_update_post,
)
from tests.factories import (
    AccountFactory,
    ComponentGroupFactory,
    DowntimeFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)
from tests.statuspage import statuspage_v2
from tests.statuspage.builders import NOW
from tests.statuspage.statuspage_client import StatuspageClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def busy_page():
    """A page with a section, an outage, an open incident and three maintenances."""
    account = AccountFactory(slug="acme", timezone="Europe/Berlin")
    page = StatusPageFactory(account=account, slug="acme", title="Acme", time_zone="Europe/Berlin")
    section = ComponentGroupFactory(account=account, page=page, name="Core", position=1)
    api_service = ServiceFactory(account=account, current_state="CRIT")
    db_service = ServiceFactory(account=account, current_state="OK")
    web_service = ServiceFactory(account=account, current_state="WARN")
    api = StatusPageComponentFactory(
        account=account, page=page, service=api_service, name="API", section=section, position=1
    )
    StatusPageComponentFactory(
        account=account, page=page, service=db_service, name="DB", section=section, position=2
    )
    web = StatusPageComponentFactory(
        account=account,
        page=page,
        service=web_service,
        name="Web",
        position=2,
        description="The website",
        start_date=dt.date(2026, 1, 1),
    )
    incident = public_incident_create(
        account=account,
        page=page,
        name="API down",
        body="Investigating.",
        impact="critical",
        components={api: "major_outage"},
        started_at=NOW - dt.timedelta(minutes=30),
    )
    public_incident_update_post(
        account=account,
        incident=incident,
        status="identified",
        body="Found it.",
        components={web: "degraded_performance"},
    )
    old = public_incident_create(
        account=account, page=page, name="Old", body="x", started_at=NOW - dt.timedelta(days=20)
    )
    public_incident_update_post(account=account, incident=old, status="postmortem", body="Report.")
    DowntimeFactory(
        account=account,
        service=db_service,
        public=True,
        reason="Upgrade",
        start=NOW + dt.timedelta(days=2),
        end=NOW + dt.timedelta(days=2, hours=1),
    )
    running = DowntimeFactory(
        account=account,
        service=db_service,
        public=True,
        reason="Disk swap",
        start=NOW - dt.timedelta(hours=2),
        end=NOW - dt.timedelta(hours=1),
    )
    maintenance_update_post(
        account=account,
        downtime=running,
        status="verifying",
        body="Verifying.",
        display_at=NOW - dt.timedelta(minutes=50),
    )
    DowntimeFactory(
        account=account,
        public=True,
        reason="Network",
        start=NOW - dt.timedelta(days=5),
        end=NOW - dt.timedelta(days=5) + dt.timedelta(hours=1),
    )
    return page


def _get(client, path):
    response = client.get(f"/status/acme/api/v2/{path}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def _instants(document):
    """Every value under a *_at / scheduled_* key anywhere in the document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if (key.endswith("_at") or key in {"scheduled_for", "scheduled_until"}) and value:
                yield value
            else:
                yield from _instants(value)
    elif isinstance(document, list):
        for item in document:
            yield from _instants(item)


@pytest.mark.parametrize("document", sorted(statuspage_v2.DOCUMENTS))
def test_every_document_matches_the_documented_schema(client, busy_page, document):
    body = _get(client, document)
    jsonschema.validate(body, statuspage_v2.DOCUMENTS[document])
    for value in _instants(body):
        parsed = dt.datetime.fromisoformat(value)
        assert parsed.utcoffset() == dt.timedelta(hours=1), value  # Europe/Berlin in November


def test_a_statuspage_client_reads_summary_unchanged(client, busy_page):
    reader = StatuspageClient(lambda path: _get(client, path))
    summary = reader.summary()
    assert summary.page.name == "Acme" and summary.page.time_zone == "Europe/Berlin"
    assert summary.page.url == "http://127.0.0.1:8000/status/acme"
    assert (summary.status.indicator, summary.status.description) == (
        "critical",
        "Major Service Outage",
    )
    by_name = {component.name: component for component in summary.components}
    assert by_name["Core"].group is True
    assert by_name["Core"].components == [by_name["API"].id, by_name["DB"].id]
    assert by_name["API"].group_id == by_name["Core"].id and by_name["Web"].group_id is None
    assert by_name["API"].status == "major_outage"
    assert by_name["DB"].status == "under_maintenance"  # maintenance being verified
    assert by_name["Web"].status == "degraded_performance"
    assert by_name["Web"].start_date == "2026-01-01" and by_name["Web"].description == "The website"
    assert [c.position for c in summary.components] == [1, 2, 3, 4]
    [incident] = summary.incidents
    assert incident.status == "identified" and incident.impact == "critical"
    assert [u.status for u in incident.incident_updates] == ["identified", "investigating"]
    assert incident.incident_updates[0].affected_components == [
        {
            "code": by_name["Web"].id,
            "name": "Web",
            "old_status": "operational",
            "new_status": "degraded_performance",
        }
    ]
    assert {c.name for c in incident.components} == {"API", "Web"}
    assert incident.shortlink.endswith(f"/status/acme/incidents/{incident.id}")
    statuses = {m.name: m.status for m in summary.scheduled_maintenances}
    assert statuses == {"Upgrade": "scheduled", "Disk swap": "verifying"}
    verifying = next(m for m in summary.scheduled_maintenances if m.name == "Disk swap")
    assert verifying.monitoring_at is not None and verifying.impact == "maintenance"
    assert verifying.scheduled_until - verifying.scheduled_for == dt.timedelta(hours=1)


def test_lists_and_filters(client, busy_page):
    reader = StatuspageClient(lambda path: _get(client, path))
    assert [i.name for i in reader.incidents()] == ["API down", "Old"]
    assert [i.name for i in reader.incidents(unresolved=True)] == ["API down"]
    assert [m.name for m in reader.scheduled_maintenances("upcoming")] == ["Upgrade"]
    assert [m.name for m in reader.scheduled_maintenances("active")] == ["Disk swap"]
    everything = reader.scheduled_maintenances()
    assert [m.name for m in everything] == ["Upgrade", "Disk swap", "Network"]
    network = everything[-1]
    assert network.status == "completed" and network.resolved_at is not None
    assert len(network.components) == 3  # account-wide maintenance affects every component
    assert reader.status().indicator == "critical"
    assert len(reader.components()) == 4


def test_summary_key_order_and_enums_of_a_quiet_page(client):
    account = AccountFactory()
    StatusPageFactory(account=account, slug="acme")
    body = _get(client, "summary.json")
    assert list(body) == ["page", "components", "incidents", "scheduled_maintenances", "status"]
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}
    jsonschema.validate(body, statuspage_v2.SUMMARY)


def test_weekly_maintenance_gives_one_entry_per_occurrence(client):
    account = AccountFactory(timezone="UTC")
    page = StatusPageFactory(account=account, slug="acme")
    StatusPageComponentFactory(account=account, page=page, name="API")
    DowntimeFactory(
        account=account,
        public=True,
        reason="Weekly patching",
        recurrence="weekly",
        weekdays=[6],  # Sunday
        time_from=dt.time(3, 0),
        duration_minutes=60,
        start=NOW - dt.timedelta(days=60),
        end=None,
    )
    reader = StatuspageClient(lambda path: _get(client, path))
    upcoming = reader.scheduled_maintenances("upcoming")
    assert [m.scheduled_for for m in upcoming] == [
        dt.datetime(2026, 11, 22, 3, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC),
    ]
    assert len({m.id for m in reader.scheduled_maintenances()}) == 6  # 4 past + 2 upcoming
