"""SLO API end to end: requests ingest, SLO CRUD with budget, burn rate, snapshots, reports,
alert policies, group budget; every endpoint with two accounts."""

import datetime as dt

import pytest
import time_machine

from sla.models import SLO, RequestCount, Service
from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import (
    AssignmentRuleFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    SLOFactory,
    StatusEventFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def _item(minute, good=99, total=100, service="shop/web"):
    start = NOW - dt.timedelta(minutes=minute)
    return {
        "service": service,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=1)).isoformat(),
        "good": good,
        "total": total,
    }


@time_machine.travel(NOW, tick=False)
def test_requests_ingest_is_idempotent_and_reports_items(api_a, tenants):
    response = api_a.post(
        "/api/v1/requests", [_item(3), _item(2, good=90), _item(1)], format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 3 and response.json()["services_created"] == ["shop/web"]
    again = api_a.post("/api/v1/requests", [_item(3), _item(2, good=95)], format="json")
    assert again.json()["replaced"] == 2 and again.json()["created"] == 0
    assert RequestCount.objects.filter(account=tenants.a).count() == 3
    assert sorted(RequestCount.objects.values_list("good", flat=True)) == [95, 99, 99]
    bad = {"service": "shop/web", "start": _item(1)["start"], "end": _item(1)["end"], "bad": 1}
    mixed = api_a.post(
        "/api/v1/requests",
        {"items": [bad, {**bad, "total": 10}, {**bad, "total": 5, "bad": 9}]},
        format="json",
    )
    body = mixed.json()
    assert mixed.status_code == 200 and body["accepted"] == 1
    assert [(e["index"], e["field"]) for e in body["rejected"]] == [(0, "total"), (2, "bad")]
    single = api_a.post(
        "/api/v1/requests", {**_item(1), "start": "2026-11-21T11:59:00"}, format="json"
    )
    assert single.status_code == 400 and "items[0].start" in single.json()["fields"]


@time_machine.travel(NOW, tick=False)
def test_requests_unknown_service_without_auto_create(api_a, tenants):
    tenants.a.feature_auto_create_services = False
    tenants.a.save()
    response = api_a.post("/api/v1/requests", [_item(1)], format="json")
    assert response.status_code == 400
    assert "items[0].service" in response.json()["fields"]


@time_machine.travel(NOW, tick=False)
def test_requests_need_ingest_scope_and_stay_in_account(tenants):
    from tests.conftest import client_for
    from tests.factories import ApiTokenFactory

    reader = ApiTokenFactory(account=tenants.a, scopes=["read"])
    assert client_for(reader).post("/api/v1/requests", [_item(1)], format="json").status_code == 403
    client_for(tenants.token_b).post("/api/v1/requests", [_item(1)], format="json")
    assert not Service.objects.filter(account=tenants.a).exists()


def _request_slo(account, service, **fields):
    return SLOFactory(account=account, service=service, sli_kind="requests", **fields)


@time_machine.travel(NOW, tick=False)
def test_slo_detail_shows_budget_and_burn(api_a, api_b, tenants):
    service = ServiceFactory(account=tenants.a, path="shop/web")
    api_a.post(
        "/api/v1/requests",
        [_item(minute, good=990, total=1000) for minute in range(1, 61)],
        format="json",
    )
    created = api_a.post(
        "/api/v1/slos",
        {"name": "web", "service": service.pk, "sli_kind": "requests", "target": "99.5"},
        format="json",
    )
    assert created.status_code == 201, created.content
    slo = SLO.objects.get(pk=created.json()["id"])
    slo_buckets_refresh(account=tenants.a, now=NOW)
    detail = api_a.get(f"/api/v1/slos/{slo.pk}").json()
    budget = detail["status"]["budget"]
    assert budget["total"] == 60000 and budget["consumed"] == 600
    assert budget["budget"] == pytest.approx(300) and budget["remaining"] == pytest.approx(-300)
    assert detail["status"]["burn_rates"]["3600s"] == pytest.approx(2.0)
    assert detail["status"]["alert_state"] == "ok"
    listed = api_a.get("/api/v1/slos").json()["results"]
    assert listed[0]["status"]["budget"]["consumed"] == 600
    burn = api_a.get(f"/api/v1/slos/{slo.pk}/burn-rate?window=30m").json()
    # At 12:00:00 the current slot [12:00, 12:05) holds nothing yet, so the lookback ends
    # with the last complete slot: [11:30, 12:00).
    assert burn["total"] == 30000 and burn["burn_rate"] == pytest.approx(2.0)
    assert (burn["start"], burn["end"]) == ("2026-11-21T11:30:00Z", "2026-11-21T12:00:00Z")
    assert created.json()["status"]["alert_state"] == "ok"  # create answers with status
    assert api_a.get(f"/api/v1/slos/{slo.pk}/burn-rate?window=7m").status_code == 400
    assert api_b.get(f"/api/v1/slos/{slo.pk}").status_code == 404
    assert api_b.get(f"/api/v1/slos/{slo.pk}/burn-rate").status_code == 404
    assert api_b.get("/api/v1/slos").json()["results"] == []


@time_machine.travel(NOW, tick=False)
def test_slo_validation(api_a, tenants):
    service = ServiceFactory(account=tenants.a)
    group = ServiceGroupFactory(account=tenants.a)
    foreign = ServiceFactory(account=tenants.b)
    cases = [
        ({"service": service.pk, "group": group.pk}, "service"),
        ({"service": service.pk, "target": "100"}, "target"),
        ({"service": foreign.pk}, "service"),
        ({"service": service.pk, "window_kind": "calendar"}, "calendar_unit"),
        ({"service": service.pk, "options": {"downtimes": "maybe"}}, "options"),
        ({"service": service.pk, "timezone": "Mars/Base"}, "timezone"),
    ]
    for fields, field in cases:
        body = {"name": "x", "target": "99.9", **fields}
        response = api_a.post("/api/v1/slos", body, format="json")
        assert response.status_code == 400, (fields, response.content)
        assert field in response.json()["fields"], (fields, response.json())


@time_machine.travel(NOW, tick=False)
def test_slo_patch_rebuilds_buckets_on_window_change(api_a, tenants):
    slo = SLOFactory(account=tenants.a)
    SLO.objects.filter(pk=slo.pk).update(buckets_computed_to=NOW)
    assert api_a.patch(f"/api/v1/slos/{slo.pk}", {"target": "99"}, format="json").status_code == 200
    assert SLO.objects.get(pk=slo.pk).buckets_computed_to == NOW
    response = api_a.patch(f"/api/v1/slos/{slo.pk}", {"window_days": 7}, format="json")
    assert response.status_code == 200
    assert SLO.objects.get(pk=slo.pk).buckets_computed_to is None
    assert api_a.delete(f"/api/v1/slos/{slo.pk}").status_code == 204


def test_time_slo_snapshots_and_reports(api_a, api_b, tenants):
    service = ServiceFactory(account=tenants.a)
    StatusEventFactory(account=tenants.a, service=service, at=NOW - dt.timedelta(days=90))
    StatusEventFactory(
        account=tenants.a, service=service, at=NOW - dt.timedelta(days=2), state="CRIT"
    )
    StatusEventFactory(
        account=tenants.a,
        service=service,
        at=NOW - dt.timedelta(days=2) + dt.timedelta(minutes=43, seconds=12),
    )
    slo = SLOFactory(account=tenants.a, service=service, target=99.9, window_days=30)
    with time_machine.travel(NOW, tick=False):
        slo_buckets_refresh(account=tenants.a, now=NOW)
        detail = api_a.get(f"/api/v1/slos/{slo.pk}").json()["status"]["budget"]
        # The window ends with the current (empty) 5-minute slot: 30 days less 5 minutes
        # are considered, a budget of 43.195 minutes, and 43.2 minutes were bad.
        assert detail["budget"] == pytest.approx(43.195) and detail["consumed"] == 43.2
        assert detail["remaining"] == pytest.approx(-0.005) and detail["met"] is False
        url = f"/api/v1/slos/{slo.pk}/snapshots?from=2026-11-18T00:00:00Z&to=2026-11-21T00:00:00Z"
        points = api_a.get(url).json()["points"]
        assert [point["at"][:10] for point in points] == ["2026-11-19", "2026-11-20", "2026-11-21"]
        assert points[0]["budget_remaining_fraction"] == pytest.approx(1)
        assert points[-1]["budget_remaining_fraction"] == pytest.approx(0, abs=1e-9)
        assert api_a.get(f"/api/v1/slos/{slo.pk}/snapshots?from=yesterday").status_code == 400
        assert api_b.get(url).status_code == 404
        reports = api_a.get("/api/v1/reports?last=2").json()["results"]
        [report] = reports
        assert report["id"] == slo.pk and len(report["windows"]) == 2
        newest = report["windows"][0]
        assert newest["window_end"].startswith("2026-11-21T00:00")
        assert newest["consumed"] == pytest.approx(43.2) and newest["met"] is True
        assert api_b.get("/api/v1/reports").json()["results"] == []


@time_machine.travel(NOW, tick=False)
def test_alert_policies_crud(api_a, api_b, tenants):
    body = {
        "name": "strict",
        "min_events": 10,
        "windows": [
            {
                "severity": "page",
                "long_window_seconds": 3600,
                "short_window_seconds": 300,
                "budget_consumed_percent": 1,
            }
        ],
    }
    created = api_a.post("/api/v1/alert-policies", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["windows"][0]["budget_consumed_percent"] == 1
    bad_window = {**body["windows"][0], "short_window_seconds": 7200}
    response = api_a.patch(f"/api/v1/alert-policies/{pk}", {"windows": [bad_window]}, format="json")
    assert (
        response.status_code == 400
        and "windows[0].short_window_seconds" in response.json()["fields"]
    )
    assert api_a.post("/api/v1/alert-policies", body, format="json").status_code == 400
    assert api_b.get(f"/api/v1/alert-policies/{pk}").status_code == 404
    slo = SLOFactory(account=tenants.a)
    response = api_a.patch(f"/api/v1/slos/{slo.pk}", {"alert_policy": pk}, format="json")
    assert response.status_code == 200
    detail = api_a.get(f"/api/v1/slos/{slo.pk}").json()["status"]
    assert [w["threshold"] for w in detail["alert_windows"]] == [pytest.approx(7.2)]


@time_machine.travel(NOW, tick=False)
def test_group_budget(api_a, api_b, tenants):
    group = ServiceGroupFactory(account=tenants.a, name="payment")
    api = ServiceFactory(account=tenants.a, group=group, path="payment/api")
    db = ServiceFactory(account=tenants.a, group=group, path="payment/db")
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    StatusEventFactory(account=tenants.a, service=api, at=start)
    StatusEventFactory(account=tenants.a, service=db, at=start)
    StatusEventFactory(account=tenants.a, service=db, at=NOW - dt.timedelta(hours=2), state="CRIT")
    StatusEventFactory(account=tenants.a, service=db, at=NOW - dt.timedelta(hours=1))
    sla = SLADefinitionFactory(account=tenants.a, requirements=[{"target": 99}])
    AssignmentRuleFactory(account=tenants.a, sla=sla, target="group", path_glob="payment")
    SLOFactory(account=tenants.a, service=None, group=group, name="payment availability")
    body = api_a.get(f"/api/v1/groups/{group.pk}/budget").json()
    [requirement] = body["requirements"]
    considered = (NOW - start).total_seconds()
    assert requirement["considered_seconds"] == considered
    assert requirement["consumed_seconds"] == 3600
    assert requirement["budget_seconds"] == pytest.approx(considered / 100)
    assert requirement["recent_burn_rate"] == 0
    assert body["slos"][0]["name"] == "payment availability"
    assert api_b.get(f"/api/v1/groups/{group.pk}/budget").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_sla_feature_off_is_plugin_disabled(api_a, tenants):
    tenants.a.feature_sla = False
    tenants.a.save()
    for url in ("/api/v1/slos", "/api/v1/reports", "/api/v1/webhooks", "/api/v1/alert-policies"):
        response = api_a.get(url)
        assert response.status_code == 403 and response.json()["error"] == "plugin_disabled"


def test_webhooks_and_recipients(api_a, api_b, tenants):
    created = api_a.post(
        "/api/v1/webhooks",
        {
            "name": "ops",
            "url": "https://hooks.example.com/sla",
            "event_types": ["sla.level_changed"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert len(created.json()["secret"]) >= 32
    pk = created.json()["id"]
    assert "secret" not in api_a.get(f"/api/v1/webhooks/{pk}").json()
    bad = api_a.post(
        "/api/v1/webhooks", {"name": "x", "url": "ftp://x", "event_types": ["nope"]}, format="json"
    )
    assert bad.status_code == 400 and {"url", "event_types[0]"} <= set(bad.json()["fields"])
    assert api_b.get(f"/api/v1/webhooks/{pk}").status_code == 404
    recipient = api_a.post(
        "/api/v1/email-recipients",
        {"email": "ops@example.com", "kinds": ["sla.daily_report"]},
        format="json",
    )
    assert recipient.status_code == 201
    again = api_a.post("/api/v1/email-recipients", {"email": "ops@example.com"}, format="json")
    assert again.status_code == 400
    assert api_b.get("/api/v1/email-recipients").json()["results"] == []


@time_machine.travel(NOW, tick=False)
def test_slo_list_and_detail_tell_the_same_alerts_in_bounded_queries(api_a, api_b, tenants):
    # The list showed firing SLOs as "alerts": [] and "ok" while their detail said firing.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AlertFactory

    slos = [SLOFactory(account=tenants.a, name=f"slo {n}") for n in range(4)]
    AlertFactory(account=tenants.a, slo=slos[0], state="firing", fired_at=NOW)
    AlertFactory(account=tenants.a, slo=slos[1], state="pending")
    AlertFactory(account=tenants.a, slo=slos[1], state="resolved", resolved_at=NOW)
    AlertFactory(account=tenants.a, slo=slos[2], state="resolved", resolved_at=NOW)
    expected = {slos[0].pk: "firing", slos[1].pk: "pending", slos[2].pk: "ok", slos[3].pk: "ok"}

    api_a.get("/api/v1/slos")  # the token's first use of the minute writes last_used_at
    with CaptureQueriesContext(connection) as few:
        listed = api_a.get("/api/v1/slos?page_size=2").json()["results"]
    with CaptureQueriesContext(connection) as more:
        listed = api_a.get("/api/v1/slos").json()["results"]
    assert len(more) == len(few)  # not one query per SLO
    assert {row["id"]: row["status"]["alert_state"] for row in listed} == expected
    for row in listed:
        detail = api_a.get(f"/api/v1/slos/{row['id']}").json()
        assert detail["status"]["alerts"] == row["status"]["alerts"]
        assert detail["status"]["alert_state"] == row["status"]["alert_state"]
    firing = next(row for row in listed if row["id"] == slos[0].pk)["status"]["alerts"]
    assert [alert["state"] for alert in firing] == ["firing"]
    assert api_b.get("/api/v1/slos").json()["results"] == []
