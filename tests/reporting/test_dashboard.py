"""The operator dashboard: what it shows, its query count, tenancy (two accounts on every
page), the feature gate, the service SLA detail page, report downloads and the login flow."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.services.reports import daily_report_build
from sla.models import PeriodResult
from tests.factories import DailyReportFactory, ServiceFactory, UserFactory
from tests.reporting.scenario import DAY, NOW, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(tenants, report_dir):
    scenario = build_scenario(tenants.a)
    with time_machine.travel(NOW, tick=False):
        scenario.report = daily_report_build(account=tenants.a, day=DAY, notify=False)
    return scenario


def _get(client, user, url: str):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(url)


def test_dashboard_shows_states_risks_burns_incidents_table_trend_and_reports(
    client, tenants, scenario
):
    response = _get(client, tenants.member_a, "/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha Ltd" in html
    tiles = re.findall(r'tile-value">(\d+)</span><span class="tile-label">([^<]+)<', html)
    assert ("5", "services") in tiles and ("4", "OK") in tiles and ("1", "WARN") in tiles
    # payment/api (Gold, the outage) and shop/search (Internal daily, WARN for 2 of 8.5 h)
    assert ("1", "open incidents") in tiles and ("2", "SLAs at risk") in tiles
    at_risk = html.split('id="sla-at-risk"')[1].split("</section>")[0]
    assert "Zahlungs-API Ærøskøbing" in at_risk and "sla-BROKEN" in at_risk
    # 2,700 s of CRIT in 1,758,600 s (1 November, Berlin, to NOW): 99.8465 %
    assert "Availability &gt;= 99.9%: 99.84%" in at_risk  # cut, never rounded up
    burns = html.split('id="burn-leaders"')[1].split("</section>")[0]
    assert "Payment API availability" in burns and "Availability &gt;= 99.9%" in burns
    incidents = html.split('id="open-incidents"')[1].split("</section>")[0]
    assert "shop/search" in incidents and "sla-WARN" in incidents
    table = html.split('id="sla-results"')[1].split("</section>")[0]
    assert "Gold 99.9% monthly" in table and "Internal 99% daily" in table
    service = scenario.services["payment/api"]
    link = (
        f"/dashboard/services/{service.pk}/sla/?sla={scenario.gold.pk}&amp;periods=6&amp;period=5"
    )
    assert link in table  # the current period's cell opens the detail page
    trend = html.split('id="uptime-trend"')[1].split("</section>")[0]
    assert (
        "<svg" in trend and "<polyline" in trend and "Paiement &amp; Zürich &lt;Kasse&gt;" in trend
    )
    reports = html.split('id="daily-reports"')[1].split("</section>")[0]
    assert f"/dashboard/reports/{scenario.report.pk}/pdf" in reports
    assert "<script" not in html and "cdn" not in html.lower()


def test_dashboard_query_count_is_bounded(client, tenants, scenario, django_assert_max_num_queries):
    """At most 29 queries (session and user included; the SLO sums switch JIT off on
    PostgreSQL; the open SLO alerts are one, the agreements panel three), and not one more
    with 20 more services: two per SLA table, none per service."""
    client.force_login(tenants.member_a)
    with time_machine.travel(NOW, tick=False):
        client.get("/dashboard/")  # the first view fills the periods nobody stored yet
        with CaptureQueriesContext(connection) as before:
            client.get("/dashboard/?days=90")
        for number in range(20):
            ServiceFactory(account=tenants.a, path=f"extra/svc-{number}", current_state="OK")
        client.get("/dashboard/")
        with django_assert_max_num_queries(29), CaptureQueriesContext(connection) as after:
            response = client.get("/dashboard/?days=90")
    assert response.status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


def test_dashboard_reads_stored_results_and_fills_only_missing_periods(client, tenants, scenario):
    client.force_login(tenants.member_a)
    with time_machine.travel(NOW, tick=False):
        client.get("/dashboard/")
        stored = PeriodResult.objects.count()
        computed = set(PeriodResult.objects.values_list("pk", "computed_at"))
        client.get("/dashboard/")
    assert PeriodResult.objects.count() == stored
    assert set(PeriodResult.objects.values_list("pk", "computed_at")) == computed


def test_outsider_sees_only_their_own_account(client, tenants, scenario):
    ServiceFactory(account=tenants.b, path="beta/only")
    response = _get(client, tenants.outsider, "/dashboard/?account=alpha")
    html = response.content.decode()
    assert response.status_code == 200 and "Beta GmbH" in html
    for secret in ("Alpha Ltd", "Zahlungs-API", "payment/api", "Gold 99.9%", "Kasse"):
        assert secret not in html


@pytest.mark.parametrize("page", ["service", "sla", "report-pdf", "report-json"])
def test_other_accounts_objects_are_404(client, tenants, scenario, page):
    urls = {
        "service": f"/dashboard/services/{scenario.services['payment/api'].pk}/sla/",
        "sla": f"/dashboard/slas/{scenario.gold.pk}/",
        "report-pdf": f"/dashboard/reports/{scenario.report.pk}/pdf",
        "report-json": f"/dashboard/reports/{scenario.report.pk}/json",
    }
    assert _get(client, tenants.outsider, urls[page]).status_code == 404
    assert _get(client, tenants.member_a, urls[page]).status_code == 200


def test_service_sla_detail_page_shares_the_admin_partial(client, tenants, scenario):
    service = scenario.services["payment/api"]
    url = f"/dashboard/services/{service.pk}/sla/?sla={scenario.gold.pk}&periods=6&period=5"
    response = _get(client, tenants.member_a, url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="sla-results"' in html and 'id="sla-timeline"' in html and "sla-BROKEN" in html
    assert "99.84%" in html and 'id="sla-events"' in html
    budgets = html.split('id="error-budgets"')[1]
    assert "Availability &gt;= 99.9%" in budgets and "Payment API availability" in budgets


def test_report_download_is_the_stored_file(client, tenants, scenario, report_dir):
    response = _get(client, tenants.member_a, f"/dashboard/reports/{scenario.report.pk}/pdf")
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    assert response["X-Content-SHA256"] == scenario.report.pdf_sha256
    assert "attachment" in response["Content-Disposition"]
    assert (
        _get(client, tenants.member_a, f"/dashboard/reports/{scenario.report.pk}/exe").status_code
        == 404
    )
    missing = DailyReportFactory(account=tenants.a)
    assert _get(client, tenants.member_a, f"/dashboard/reports/{missing.pk}/pdf").status_code == 404


def test_sla_results_page_paginates_one_sla(client, tenants, scenario):
    response = _get(client, tenants.member_a, f"/dashboard/slas/{scenario.internal.pk}/?page=9")
    html = response.content.decode()
    assert response.status_code == 200
    assert "shop/search" in html and "tools/wiki" in html and "payment/api" not in html


def test_sla_feature_off_hides_sla_widgets_and_pages(client, tenants, scenario, settings):
    settings.SLA_ENABLED = False
    html = _get(client, tenants.member_a, "/dashboard/").content.decode()
    assert 'id="open-incidents"' in html and 'id="uptime-trend"' in html
    for hidden in (
        'id="sla-at-risk"',
        'id="burn-leaders"',
        'id="sla-results"',
        'id="daily-reports"',
    ):
        assert hidden not in html
    service = scenario.services["payment/api"]
    assert (
        _get(client, tenants.member_a, f"/dashboard/services/{service.pk}/sla/").status_code == 404
    )
    assert (
        _get(client, tenants.member_a, f"/dashboard/reports/{scenario.report.pk}/pdf").status_code
        == 404
    )


def test_login_flow_and_root_lead_to_the_dashboard(client, tenants):
    assert client.get("/").url == "/dashboard/"
    assert client.get("/dashboard/").url.startswith("/accounts/login/")
    user = UserFactory(username="viewer")
    user.set_password("a-long-password")
    user.save()
    response = client.post(reverse("login"), {"username": "viewer", "password": "a-long-password"})
    assert response.status_code == 302 and response.url == "/dashboard/"
    page = client.get("/dashboard/")
    assert page.status_code == 200 and "not a member of any account" in page.content.decode()
