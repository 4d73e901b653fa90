"""Receiving side: POST /api/v1/federation/... maps pushed services and groups by path
into the token's account, stores state changes as its status events, reports beside its
own, incidents and downtimes; a repeated event id changes nothing; a bad push is a 400
naming the field and changes nothing; another account's key never touches this one."""

import base64
import datetime as dt
import json
import uuid

import pytest

from integrations.federation.models import (
    InboundReceipt,
    PushedDailyRow,
    PushedIncident,
    PushedReport,
)
from reporting.services.notifications import signature
from reporting.services.reports import report_file
from sla.models import Downtime, Service, ServiceGroup, StatusEvent
from tests.conftest import client_for
from tests.factories import ApiTokenFactory
from tests.integrations.federation.conftest import PDF

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def envelope(event_type: str, data: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or str(uuid.uuid4()),
        "type": event_type,
        "source": "plugin-acct",
        "created_at": "2026-11-21T07:30:00Z",
        "data": data,
    }


def status_data(*events) -> dict:
    return {
        "services": [
            {"path": "payment/api", "name": "Payment API", "group": "payment-system"},
            {"path": "payment/db", "name": "", "group": "payment-system"},
            {"path": "tools/wiki", "name": "Wiki", "group": None},
        ],
        "groups": [
            {"name": "payment-system", "title": "Payments", "aggregation": "k_of_n", "k": 1}
        ],
        "events": list(events)
        or [
            {"service": "payment/api", "at": "2026-11-20T09:00:00Z", "state": "CRIT"},
            {"service": "payment/api", "at": "2026-11-20T09:45:00Z", "state": "OK"},
            {"service": "payment/db", "at": "2026-11-20T08:00:00Z", "state": "OK"},
            {"service": "tools/wiki", "at": "2026-11-20T08:00:00Z", "state": "WARN"},
        ],
    }


def post(api, endpoint: str, body: dict):
    return api.post(f"/api/v1/federation/{endpoint}", body, format="json")


def test_status_push_maps_services_and_groups_by_path_and_stores_the_changes(tenants, api_b):
    response = post(api_b, "events", envelope("federation.status", status_data()))
    assert response.status_code == 200, response.content
    assert response.json()["duplicate"] is False
    assert response.json()["applied"] == {"events": 4, "new": 4, "duplicates": 0}
    group = ServiceGroup.objects.for_account(tenants.b).get(name="payment-system")
    assert (group.title, group.aggregation, group.k) == ("Payments", "k_of_n", 1)
    services = {s.path: s for s in Service.objects.for_account(tenants.b)}
    assert set(services) == {"payment/api", "payment/db", "tools/wiki"}
    assert services["payment/api"].group == group and services["tools/wiki"].group is None
    assert services["payment/api"].name == "Payment API"
    events = StatusEvent.objects.for_account(tenants.b).filter(service__path="payment/api")
    assert sorted((e.at, e.state) for e in events) == [
        (T0, "CRIT"),
        (T0 + dt.timedelta(minutes=45), "OK"),
    ]
    # Account A (another tenant on the portal) has nothing.
    assert not Service.objects.for_account(tenants.a).exists()
    assert not InboundReceipt.objects.for_account(tenants.a).exists()


def test_a_repeated_event_id_changes_nothing(tenants, api_b):
    body = envelope("federation.status", status_data())
    assert post(api_b, "events", body).json()["duplicate"] is False
    before = StatusEvent.objects.for_account(tenants.b).count()
    again = post(api_b, "events", body)
    assert again.status_code == 200
    assert again.json() == {
        "id": body["id"],
        "type": "federation.status",
        "duplicate": True,
        "applied": {},
    }
    assert StatusEvent.objects.for_account(tenants.b).count() == before
    # The same change under a new event id is stored once too (ids derived from the change).
    third = post(api_b, "events", envelope("federation.status", status_data()))
    assert third.json()["applied"]["new"] == 0


def test_a_pushed_reports_files_download_as_pushed_and_only_in_its_account(
    tenants, api_a, api_b, report_document
):
    assert post(api_b, "reports", report_body(report_document)).status_code == 200
    report = PushedReport.objects.for_account(tenants.b).get()
    pdf = api_b.get(f"/api/v1/federation/reports/{report.pk}/pdf")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == PDF
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Content-SHA256"] == report.pdf_sha256
    assert "sla-report-plugin-acct-2026-11-20.pdf" in pdf["Content-Disposition"]
    document = api_b.get(f"/api/v1/federation/reports/{report.pk}/json")
    assert document.status_code == 200
    assert json.loads(b"".join(document.streaming_content))["day"] == "2026-11-20"
    # Another account's report, an unknown id and a malformed id are all "not found".
    for api, suffix in [(api_a, f"{report.pk}/pdf"), (api_b, "999999/json"), (api_b, "x1/pdf")]:
        response = api.get(f"/api/v1/federation/reports/{suffix}")
        assert response.status_code == 404, (suffix, response.content)
    assert client_for(None).get(f"/api/v1/federation/reports/{report.pk}/pdf").status_code == 401


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["data"]["events"][1].update(state="BROKEN"), "data.events[1].state"),
        (lambda b: b["data"]["events"][2].update(at="2026-11-20T08:00:00"), "data.events[2].at"),
        (lambda b: b["data"]["events"][0].update(service="x/unknown"), "data.events[0].service"),
        (lambda b: b["data"]["services"][1].update(path="bad path"), "data.services[1].path"),
        (lambda b: b["data"]["groups"][0].update(k=None), "data.groups[0].k"),
        (lambda b: b.update(id=""), "id"),
        (lambda b: b.update(type="sla.daily_report"), "type"),
        (lambda b: b.pop("data"), "data"),
    ],
)
def test_a_bad_status_push_is_400_naming_the_field_and_changes_nothing(
    tenants, api_b, mutate, field
):
    body = envelope("federation.status", status_data())
    mutate(body)
    response = post(api_b, "events", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not Service.objects.for_account(tenants.b).exists()
    assert not ServiceGroup.objects.for_account(tenants.b).exists()
    assert not InboundReceipt.objects.for_account(tenants.b).exists()


def test_ingest_scope_is_needed_and_a_key_only_touches_its_own_account(tenants):
    read_only = ApiTokenFactory(account=tenants.b, name="read", scopes=["read"])
    response = post(client_for(read_only), "events", envelope("federation.status", status_data()))
    assert response.status_code == 403
    assert (
        post(client_for(None), "events", envelope("federation.status", status_data())).status_code
        == 401
    )
    ingest_a = ApiTokenFactory(account=tenants.a, name="ingest", scopes=["ingest"])
    assert (
        post(
            client_for(ingest_a), "events", envelope("federation.status", status_data())
        ).status_code
        == 200
    )
    assert Service.objects.for_account(tenants.a).count() == 3
    assert not Service.objects.for_account(tenants.b).exists()


def test_a_signature_when_sent_must_match_the_body(tenants, api_b):
    import json

    body = json.dumps(envelope("federation.status", status_data())).encode()
    good = signature(tenants.token_b.secret, body)
    bad = signature("another key", body)
    url = "/api/v1/federation/events"
    refused = api_b.post(url, body, content_type="application/json", HTTP_X_SLA_SIGNATURE=bad)
    assert refused.status_code == 401
    assert not Service.objects.for_account(tenants.b).exists()
    accepted = api_b.post(url, body, content_type="application/json", HTTP_X_SLA_SIGNATURE=good)
    assert accepted.status_code == 200


def report_body(report_document) -> dict:
    data = {
        "report": report_document,
        "pdf_base64": base64.b64encode(PDF).decode(),
        "generated_at": "2026-11-21T00:05:00Z",
    }
    return envelope("sla.daily_report", data)


def test_a_pushed_report_is_stored_beside_local_ones_with_its_rows(tenants, api_b, report_document):
    response = post(api_b, "reports", report_body(report_document))
    assert response.status_code == 200, response.content
    report = PushedReport.objects.for_account(tenants.b).get()
    assert (report.source, report.day.isoformat()) == ("plugin-acct", "2026-11-20")
    assert report_file(report.pdf_path).read_bytes() == PDF
    assert report.summary == report_document["summary"]
    rows = {(row.subject, row.path): row for row in PushedDailyRow.objects.for_account(tenants.b)}
    api = report_document["groups"][0]["services"][0]
    assert rows[("service", api["path"])].seconds_crit == api["uptime"]["seconds"]["crit"]
    assert rows[("service", api["path"])].percent == api["uptime"]["percent"]
    assert ("group", "payment-system") in rows and ("service", "tools/wiki") in rows
    # Services and groups of the report exist in the receiving account now.
    assert Service.objects.for_account(tenants.b).filter(path="payment/api").exists()
    listed = api_b.get("/api/v1/federation/reports").json()["results"]
    assert [(entry["source"], entry["day"]) for entry in listed] == [("plugin-acct", "2026-11-20")]
    assert api_b.get("/api/v1/federation/reports?limit=0").status_code == 400
    assert tenants.a and api_b  # account A sees none of it:
    assert not PushedReport.objects.for_account(tenants.a).exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.pop("summary"), "data.report.summary"),
        (
            lambda r: r["groups"][0]["uptime"].update(percent=101),
            "data.report.groups[0].uptime.percent",
        ),
        (lambda r: r.update(day="20-11-2026"), "data.report.day"),
        (
            lambda r: r["groups"][0]["services"][0].update(path=7),
            "data.report.groups[0].services[0].path",
        ),
    ],
)
def test_a_report_breaking_the_schema_is_400_naming_the_field(
    tenants, api_b, report_document, mutate, field
):
    mutate(report_document)
    response = post(api_b, "reports", report_body(report_document))
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not PushedReport.objects.for_account(tenants.b).exists()
    assert not Service.objects.for_account(tenants.b).exists()


def test_a_report_with_a_bad_pdf_is_refused(tenants, api_b, report_document):
    body = report_body(report_document)
    body["data"]["pdf_base64"] = base64.b64encode(b"<html>").decode()
    response = post(api_b, "reports", body)
    assert response.status_code == 400
    assert "data.pdf_base64" in response.json()["fields"]


def test_incidents_are_stored_opened_then_closed(tenants, api_b):
    opened = {
        "subject": "service",
        "path": "payment/api",
        "started_at": "2026-11-20T09:00:00Z",
        "ended_at": None,
        "worst_state": "CRIT",
        "state": "CRIT",
    }
    assert (
        post(
            api_b, "incidents", envelope("federation.incident", {"incidents": [opened]})
        ).status_code
        == 200
    )
    closed = opened | {"ended_at": "2026-11-20T09:45:00Z", "state": "OK"}
    assert (
        post(
            api_b, "incidents", envelope("federation.incident", {"incidents": [closed]})
        ).status_code
        == 200
    )
    incident = PushedIncident.objects.for_account(tenants.b).get()
    assert incident.ended_at == T0 + dt.timedelta(minutes=45)
    bad = opened | {"ended_at": "2026-11-20T08:00:00Z"}
    response = post(api_b, "incidents", envelope("federation.incident", {"incidents": [bad]}))
    assert response.status_code == 400
    assert "data.incidents[0].ended_at" in response.json()["fields"]


def test_downtimes_are_created_changed_and_deleted(tenants, api_b):
    data = {
        "remote_id": 41,
        "deleted": False,
        "scope": "service",
        "target": "payment/api",
        "reason": "DB upgrade",
        "start": "2026-11-22T01:00:00Z",
        "end": "2026-11-22T02:00:00Z",
        "recurrence": "once",
        "weekdays": [],
        "time_from": None,
        "duration_minutes": None,
        "timezone": "UTC",
        "public": True,
    }
    assert post(api_b, "downtimes", envelope("federation.downtime", data)).status_code == 200
    downtime = Downtime.objects.for_account(tenants.b).get()
    assert (downtime.service.path, downtime.reason, downtime.public) == (
        "payment/api",
        "DB upgrade",
        True,
    )
    moved = data | {"end": "2026-11-22T03:00:00Z"}
    assert post(api_b, "downtimes", envelope("federation.downtime", moved)).status_code == 200
    assert Downtime.objects.for_account(tenants.b).get().end.hour == 3
    reversed_ = data | {"end": "2026-11-22T00:00:00Z"}
    response = post(api_b, "downtimes", envelope("federation.downtime", reversed_))
    assert response.status_code == 400 and "data.end" in response.json()["fields"]
    gone = data | {"deleted": True}
    assert post(api_b, "downtimes", envelope("federation.downtime", gone)).status_code == 200
    assert not Downtime.objects.for_account(tenants.b).exists()


def test_a_later_push_moves_a_known_service_and_keeps_its_labels(tenants, api_b):
    assert post(api_b, "events", envelope("federation.status", status_data())).status_code == 200
    wiki = Service.objects.for_account(tenants.b).get(path="tools/wiki")
    wiki.labels = {"team": "docs"}
    wiki.save()
    data = status_data({"service": "tools/wiki", "at": "2026-11-20T10:00:00Z", "state": "OK"})
    data["services"][2]["group"] = "payment-system"
    data["services"][2]["name"] = "Team wiki"
    assert post(api_b, "events", envelope("federation.status", data)).status_code == 200
    wiki.refresh_from_db()
    assert (wiki.group.name, wiki.name, wiki.labels) == (
        "payment-system",
        "Team wiki",
        {"team": "docs"},
    )


def test_flap_flags_travel_with_the_changes(tenants, api_b):
    data = status_data(
        {"service": "payment/api", "at": "2026-11-20T09:00:00Z", "state": "OK", "flapping": True},
        {"service": "payment/api", "at": "2026-11-20T09:30:00Z", "state": "OK", "flapping": False},
    )
    assert post(api_b, "events", envelope("federation.status", data)).status_code == 200
    stored = StatusEvent.objects.for_account(tenants.b).order_by("at")
    assert [(event.state, event.flapping) for event in stored] == [("OK", True), ("OK", False)]
    bad = status_data(
        {"service": "payment/api", "at": "2026-11-20T09:00:00Z", "state": "OK", "flapping": "yes"}
    )
    response = post(api_b, "events", envelope("federation.status", bad))
    assert response.status_code == 400 and "data.events[0].flapping" in response.json()["fields"]
