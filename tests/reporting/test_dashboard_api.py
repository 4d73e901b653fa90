"""Dashboard API and daily-report API: figures, validation, the feature gate, two accounts."""

import pytest
import time_machine

from reporting.services.reports import daily_report_build
from tests.conftest import client_for
from tests.factories import DailyReportFactory, ServiceGroupFactory
from tests.reporting.scenario import DAY, NOW, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(tenants, report_dir):
    scenario = build_scenario(tenants.a)
    with time_machine.travel(NOW, tick=False):
        scenario.report = daily_report_build(account=tenants.a, day=DAY, notify=False)
    return scenario


def _get(token, url: str):
    with time_machine.travel(NOW, tick=False):
        return client_for(token).get(url)


def test_stats(tenants, scenario):
    body = _get(tenants.token_a, "/api/v1/dashboard/stats").json()
    assert body["account"]["slug"] == "alpha" and body["sla_enabled"]
    assert body["services"]["total"] == 5 and body["services"]["by_state"]["WARN"] == 1
    assert body["incidents"]["open"] == 1
    assert body["incidents"]["latest"][0]["service"]["path"] == "shop/search"
    risky = body["sla"]["at_risk"]
    assert risky["total"] == 2
    assert [item["service"]["path"] for item in risky["items"]] == ["payment/api", "shop/search"]
    assert risky["items"][0]["requirements"][0]["value"] == pytest.approx(99.84647, abs=1e-4)
    [slo] = body["sla"]["burn_leaders"]["slos"]
    assert slo["name"] == "Payment API availability" and slo["consumed_fraction"] > 1
    requirement = body["sla"]["burn_leaders"]["requirements"][0]
    assert requirement["service"]["path"] == "shop/search"  # spent 2 h of 5.1 min allowed
    assert body["sla"]["reports"][0]["pdf"]["sha256"] == scenario.report.pdf_sha256


def test_stats_of_another_account_show_nothing_of_a(tenants, scenario):
    body = _get(tenants.token_b, "/api/v1/dashboard/stats").json()
    assert body["account"]["slug"] == "beta" and body["services"]["total"] == 0
    assert body["incidents"]["open"] == 0 and body["sla"]["at_risk"]["total"] == 0
    assert body["sla"]["reports"] == [] and body["sla"]["burn_leaders"]["slos"] == []


def test_stats_without_the_sla_feature_leave_the_sla_part_out(tenants, scenario):
    tenants.a.feature_sla = False
    tenants.a.save()
    body = _get(tenants.token_a, "/api/v1/dashboard/stats").json()
    assert body["sla_enabled"] is False and body["sla"] is None
    assert body["services"]["total"] == 5


def test_period_results(tenants, scenario):
    body = _get(tenants.token_a, "/api/v1/dashboard/period-results?last=3").json()
    assert body["last"] == 3 and body["count"] == 5
    rows = {row["service"]["path"]: row for row in body["results"]}
    api = rows["payment/api"]
    assert api["sla"]["title"] == "Gold 99.9% monthly" and len(api["periods"]) == 3
    assert [period["state"] for period in api["periods"]] == ["OK", "OK", "BROKEN"]
    assert api["periods"][-1]["complete"] is False
    assert api["periods"][-1]["requirements"][1] == {
        "title": "Outages",
        "kind": "outages",
        "state": "OK",
        "remaining": 1,
        "count": 1,
    }
    only = _get(tenants.token_a, f"/api/v1/dashboard/period-results?sla={scenario.gold.pk}")
    assert [row["service"]["path"] for row in only.json()["results"]] == [
        "payment/api",
        "payment/db",
    ]
    other = _get(tenants.token_b, "/api/v1/dashboard/period-results").json()
    assert other["count"] == 0 and other["results"] == []


@pytest.mark.parametrize("query", ["last=0", "last=25", "last=x", "sla=abc"])
def test_period_results_bad_input(tenants, query):
    response = _get(tenants.token_a, f"/api/v1/dashboard/period-results?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert query.split("=")[0] in response.json()["fields"]


def test_trend(tenants, scenario):
    body = _get(tenants.token_a, "/api/v1/dashboard/trend?days=7").json()
    assert body["timezone"] == "Europe/Berlin" and len(body["days"]) == 7
    assert body["days"][-1] == "2026-11-21"  # today in Berlin, so far
    groups = {group["name"]: group for group in body["groups"]}
    payment = groups["payment-system"]
    assert payment["uptime_percent"][-2] == pytest.approx(96.875)  # the report day
    assert payment["uptime_percent"][-1] is None  # no daily row for today yet
    assert payment["seconds"][-2]["crit"] == 2700
    group_id = scenario.groups["storefront"].pk
    one = _get(tenants.token_a, f"/api/v1/dashboard/trend?group={group_id}&days=90").json()
    assert [group["name"] for group in one["groups"]] == ["storefront"] and len(one["days"]) == 90


def test_trend_of_another_accounts_group_is_404(tenants, scenario):
    group_id = scenario.groups["storefront"].pk
    response = _get(tenants.token_b, f"/api/v1/dashboard/trend?group={group_id}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    own = ServiceGroupFactory(account=tenants.b)
    body = _get(tenants.token_b, f"/api/v1/dashboard/trend?group={own.pk}").json()
    assert body["groups"][0]["uptime_percent"] == [None] * 30


@pytest.mark.parametrize("query", ["days=0", "days=401", "days=-1", "group=x"])
def test_trend_bad_input(tenants, query):
    response = _get(tenants.token_a, f"/api/v1/dashboard/trend?{query}")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_dashboard_api_needs_the_read_scope(tenants):
    from tests.factories import ApiTokenFactory

    ingest_only = ApiTokenFactory(account=tenants.a, scopes=["ingest"])
    for path in ("stats", "period-results", "trend"):
        response = _get(ingest_only, f"/api/v1/dashboard/{path}")
        assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"


def test_daily_reports_list_detail_and_downloads(tenants, scenario):
    listing = _get(tenants.token_a, "/api/v1/daily-reports").json()
    [row] = listing["results"]
    assert (
        row["day"] == "2026-11-20" and row["files"]["pdf"]["sha256"] == scenario.report.pdf_sha256
    )
    assert row["summary"]["sla_states"]["BROKEN"] == 1
    pdf = _get(tenants.token_a, f"/api/v1/daily-reports/{scenario.report.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    data = _get(tenants.token_a, f"/api/v1/daily-reports/{scenario.report.pk}/json")
    assert data["Content-Type"] == "application/json"
    for suffix in ("", "/pdf", "/json"):
        foreign = _get(tenants.token_b, f"/api/v1/daily-reports/{scenario.report.pk}{suffix}")
        assert foreign.status_code == 404
    assert _get(tenants.token_b, "/api/v1/daily-reports").json()["results"] == []


def test_report_row_without_files_is_a_json_404(tenants, report_dir):
    report = DailyReportFactory(account=tenants.a)
    response = _get(tenants.token_a, f"/api/v1/daily-reports/{report.pk}/pdf")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
