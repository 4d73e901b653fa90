"""The time views: the SLI over 15 min / 1 h / 1 d / 30 d side by side showing an ongoing
incident as the recipe reads it, the request-rate/error-rate chart, the nines table; the
SLO page; the nines API."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from sla.models import RequestCount
from sla.services.slo_buckets import slo_buckets_refresh
from tests.conftest import client_for
from tests.factories import (
    AssignmentRuleFactory,
    ServiceFactory,
    SLADefinitionFactory,
    SLOFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, 0, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _recipe_traffic(account, service):
    """The recipe's dashboard, exactly: 87.04 % over the last 15 minutes, 98.56 % over the
    last 30 days. The last hour in minute buckets (the last 15 minutes 6,528 good of 7,500,
    the 45 minutes before 99.2 %), the 718 hours before in hour buckets; the hours' good
    requests are what makes 30 days 616/625 = 98.56 % exactly."""
    rows = []
    now_minute = NOW.replace(second=0)
    for minute in range(1, 16):
        rows.append((now_minute - minute * MINUTE, MINUTE, 436 if minute <= 3 else 435, 500))
    for minute in range(16, 61):
        rows.append((now_minute - minute * MINUTE, MINUTE, 1240, 1250))
    hour = dt.timedelta(hours=1)
    for index in range(718):
        good = 98_560 + (504 if index == 0 else 0)
        rows.append((now_minute - 60 * MINUTE - (index + 1) * hour, hour, good, 100_000))
    RequestCount.objects.bulk_create(
        [
            RequestCount(
                account=account,
                service=service,
                source="api",
                start=start,
                end=start + length,
                good=good,
                total=total,
            )
            for start, length, good, total in rows
        ]
    )


def _cells(html: str, label: str) -> list[str]:
    row = re.search(
        rf"<tr[^>]*>\s*<th scope=\"row\">(?:<a[^>]*>)?{re.escape(label)}.*?</tr>", html, re.S
    )
    assert row, label
    return re.findall(r'<span class="sli">([^<]*)</span>', row.group(0))


@time_machine.travel(NOW, tick=False)
def test_service_page_shows_the_incident_side_by_side_with_chart_and_nines(client, tenants):
    service = ServiceFactory(account=tenants.a, path="shop/web")
    _recipe_traffic(tenants.a, service)
    sla = SLADefinitionFactory(
        account=tenants.a, requirements=[{"title": "Availability", "target": 99.9}]
    )
    AssignmentRuleFactory(account=tenants.a, sla=sla, path_glob="shop/*")
    slo = SLOFactory(
        account=tenants.a, service=service, sli_kind="requests", target=99.5, name="web"
    )
    slo_buckets_refresh(account=tenants.a, now=NOW)
    client.force_login(tenants.member_a)
    response = client.get(f"/dashboard/services/{service.pk}/sla/")
    assert response.status_code == 200
    html = response.content.decode()
    section = html.split('id="sli-windows"')[1].split("</section>")[0]
    requests = _cells(section, "Requests not 5xx")
    # 15 min; 1 h: the 11:00 bucket starts before 11:00:30, so 61,088 / 62,500; 30 d
    assert requests[0] == "87.04%" and requests[1] == "97.74%" and requests[3] == "98.56%"
    assert 'class="incident"' in section and "an incident is likely going on" in section
    assert "the last 15 minutes (87.04%) are far below the last 30 days (98.56%)" in section
    assert f'href="/dashboard/slos/{slo.pk}/"' in section
    chart = html.split('id="rate-chart"')[1].split("</section>")[0]
    assert "<svg" in chart and "<polyline" in chart and "requests/s" in chart
    nines = html.split('id="allowed-downtime"')[1].split("</section>")[0]
    assert "SLA " in nines and "Availability" in nines and "43 min 49.8 s" in nines
    assert "SLO web" in nines and "3 h 39 min 9 s" in nines  # 99.5 % a month


@time_machine.travel(NOW, tick=False)
def test_chart_ranges_and_a_service_without_requests(client, tenants):
    service = ServiceFactory(account=tenants.a, path="shop/web")
    quiet = ServiceFactory(account=tenants.a, path="shop/quiet")
    _recipe_traffic(tenants.a, service)
    client.force_login(tenants.member_a)
    for choice in ("1h", "1d", "30d", "nonsense", "%00"):
        response = client.get(f"/dashboard/services/{service.pk}/sla/?chart={choice}&periods=3")
        assert response.status_code == 200, choice
        assert "<svg" in response.content.decode()
    month = client.get(f"/dashboard/services/{service.pk}/sla/?chart=30d").content.decode()
    assert (
        'aria-current="page">30 days' in month
        and "<title>" not in month.split('id="rate-chart"')[1]
    )
    empty = client.get(f"/dashboard/services/{quiet.pk}/sla/").content.decode()
    assert 'id="sli-windows"' not in empty and 'id="rate-chart"' not in empty


@time_machine.travel(NOW, tick=False)
def test_slo_page(client, tenants):
    service = ServiceFactory(account=tenants.a, path="shop/web")
    _recipe_traffic(tenants.a, service)
    slo = SLOFactory(
        account=tenants.a,
        service=service,
        sli_kind="latency",
        latency_threshold_ms=300,
        target=99.9,
        name="fast",
    )
    time_slo = SLOFactory(account=tenants.a, service=service, sli_kind="time", target=99)
    slo_buckets_refresh(account=tenants.a, now=NOW)
    client.force_login(tenants.member_a)
    html = client.get(f"/dashboard/slos/{slo.pk}/").content.decode()
    assert "SLO fast" in html and "threshold 300 ms" in html
    assert 'id="sli-windows"' in html and 'id="rate-chart"' in html
    assert "43 min 49.8 s" in html  # 99.9 % a month
    assert "<svg" in client.get(f"/dashboard/slos/{time_slo.pk}/?chart=1h").content.decode()
    foreign = SLOFactory(account=tenants.b)
    assert client.get(f"/dashboard/slos/{foreign.pk}/").status_code == 404
    tenants.a.feature_sla = False
    tenants.a.save()
    assert client.get(f"/dashboard/slos/{slo.pk}/").status_code == 404


def test_slo_page_needs_a_login(tenants):
    slo = SLOFactory(account=tenants.a)
    response = Client().get(f"/dashboard/slos/{slo.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nines_api(tenants):
    client = client_for(tenants.token_a)
    body = client.get("/api/v1/nines?target=99.95").json()
    assert body["allowed_fraction"] == "0.0005" and body["comparison"] == "min"
    periods = {row["period"]: row for row in body["periods"]}
    assert periods["year"]["allowed_seconds"] == "15768"
    assert periods["year"]["text"] == "4 h 22 min 48 s"
    assert periods["month"]["days"] == "30.4375" and periods["month"]["allowed_seconds"] == "1314.9"
    assert periods["day"]["text"] == "43.2 s" and periods["hour"]["seconds"] == "3600"
    at_most = client.get("/api/v1/nines?target=1&comparison=max").json()
    assert at_most["periods"][0]["allowed_seconds"] == "315360"
    for bad in ("", "abc", "101", "99.", "1e2", "-1", "99.123456789012", "NaN"):
        response = client.get(f"/api/v1/nines?target={bad}")
        assert response.status_code == 400, bad
        assert "target" in response.json()["fields"]
    assert client.get("/api/v1/nines?target=99&comparison=sideways").status_code == 400
    assert Client().get("/api/v1/nines?target=99").status_code == 401
