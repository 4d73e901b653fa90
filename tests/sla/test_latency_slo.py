"""Latency and time-slice SLOs: from imported logs and posted counts to exact budgets."""

import datetime as dt
import io
import math
from fractions import Fraction

import pytest
import time_machine
from django.core.management import call_command

from sla.models import SLO, Service, SLOHourBucket
from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import ServiceFactory, ServiceGroupFactory, SLOFactory
from tests.sla.apm_log import hand_latency, requests_of_a_morning, write_log

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def _sums(slo):
    rows = SLOHourBucket.objects.filter(slo=slo)
    return sum(row.good for row in rows), sum(row.total for row in rows)


def _import(path, service="shop/web"):
    call_command(
        "import_nginx_log",
        path,
        account="alpha",
        service=service,
        log_format="apm",
        stdout=io.StringIO(),
    )


def _timeslice_hand_count(requests, threshold_ms, percentile):
    good = considered = 0
    for minute in sorted({request.minute for request in requests}):
        of_minute = [request for request in requests if request.minute == minute]
        times = sorted(
            request.milliseconds if request.status < 500 else math.inf for request in of_minute
        )
        rank = max(math.ceil(percentile * len(times) / 100), 1)
        considered += 60_000_000
        good += 60_000_000 if times[rank - 1] <= threshold_ms else 0
    return good, considered


@time_machine.travel(NOW, tick=False)
def test_latency_slo_equals_a_hand_count_of_the_lines(tmp_path, tenants, api_a):
    requests = requests_of_a_morning(START, minutes=15)
    _import(write_log(tmp_path / "access.log", requests))
    service = Service.objects.get(account=tenants.a, path="shop/web")
    slo = SLOFactory(
        account=tenants.a,
        service=service,
        sli_kind="latency",
        latency_threshold_ms=300,
        target=99,
    )
    slo_buckets_refresh(account=tenants.a, now=NOW)
    fast, total = hand_latency(requests, 300)
    assert 0 < fast < total
    assert _sums(slo) == (fast, total)
    budget = api_a.get(f"/api/v1/slos/{slo.pk}").json()["status"]["budget"]
    assert budget["unit"] == "requests"
    assert budget["good"] == fast and budget["total"] == total
    assert budget["sli"] == pytest.approx(float(Fraction(fast, total) * 100))
    assert budget["budget"] == pytest.approx(float(Fraction(1, 100) * total))


@time_machine.travel(NOW, tick=False)
def test_time_slice_slo_counts_minutes_whose_percentile_is_under_the_threshold(
    tmp_path, tenants, api_a
):
    requests = requests_of_a_morning(START, minutes=15)
    _import(write_log(tmp_path / "access.log", requests))
    service = Service.objects.get(account=tenants.a, path="shop/web")
    created = api_a.post(
        "/api/v1/slos",
        {
            "name": "p90 under 500 ms",
            "service": service.pk,
            "sli_kind": "timeslice",
            "latency_threshold_ms": 500,
            "latency_percentile": 60,
            "target": "90",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    slo = SLO.objects.get(pk=created.json()["id"])
    slo_buckets_refresh(account=tenants.a, now=NOW)
    good, considered = _timeslice_hand_count(requests, 500, 60)
    assert 0 < good < considered  # some minutes good, some bad: the verdict matters
    assert _sums(slo) == (good, considered)
    budget = api_a.get(f"/api/v1/slos/{slo.pk}").json()["status"]["budget"]
    assert budget["unit"] == "minutes" and budget["total"] == 15
    assert budget["good"] == good / 60_000_000


@time_machine.travel(NOW, tick=False)
def test_posted_le_counts_feed_latency_slos_and_buckets_without_them_are_left_out(api_a, tenants):
    service = ServiceFactory(account=tenants.a, path="shop/web")
    slo = SLOFactory(
        account=tenants.a, service=service, sli_kind="latency", latency_threshold_ms=300
    )
    start = NOW - dt.timedelta(minutes=30)
    items = [
        {
            "service": "shop/web",
            "start": (start + dt.timedelta(minutes=minute)).isoformat(),
            "end": (start + dt.timedelta(minutes=minute + 1)).isoformat(),
            "good": 990,
            "total": 1000,
            **({"latency": {"le_ms": {"100": 900, "300": 980}}} if minute < 3 else {}),
        }
        for minute in range(5)
    ]
    response = api_a.post("/api/v1/requests", {"items": items}, format="json")
    assert response.status_code == 200 and response.json()["accepted"] == 5, response.content
    slo_buckets_refresh(account=tenants.a, now=NOW)
    assert _sums(slo) == (3 * 980, 3 * 1000)


@time_machine.travel(NOW, tick=False)
def test_bad_latency_in_posted_counts_names_the_field(api_a, tenants):
    item = {
        "service": "shop/web",
        "start": "2026-11-21T11:00:00Z",
        "end": "2026-11-21T11:01:00Z",
        "good": 10,
        "total": 10,
    }
    cases = [
        ({"le_ms": {"350": 5}}, "items[0].latency.le_ms.350"),
        ({"le_ms": {"300": 11}}, "items[0].latency.le_ms.300"),
        ({"histogram": [1, 2, 3]}, "items[0].latency.histogram"),
        ("fast", "items[0].latency"),
    ]
    for latency, field in cases:
        response = api_a.post("/api/v1/requests", [{**item, "latency": latency}], format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()["fields"], response.json()
    old = {**item, "start": "2025-01-01T00:00:00Z", "end": "2025-01-01T00:01:00Z"}
    response = api_a.post("/api/v1/requests", [old], format="json")
    assert "days ago" in response.json()["fields"]["items[0].start"][0]


@time_machine.travel(NOW, tick=False)
def test_latency_slo_validation(api_a, tenants):
    service = ServiceFactory(account=tenants.a)
    base = {"name": "x", "target": "99", "service": service.pk}
    cases = [
        ({"sli_kind": "latency"}, "latency_threshold_ms"),
        ({"sli_kind": "latency", "latency_threshold_ms": 350}, "latency_threshold_ms"),
        ({"sli_kind": "requests", "latency_threshold_ms": 300}, "latency_threshold_ms"),
        ({"sli_kind": "timeslice", "latency_threshold_ms": 300}, "latency_percentile"),
        (
            {"sli_kind": "latency", "latency_threshold_ms": 300, "latency_percentile": 99},
            "latency_percentile",
        ),
        (
            {"sli_kind": "timeslice", "latency_threshold_ms": 300, "latency_percentile": 0},
            "latency_percentile",
        ),
    ]
    for fields, field in cases:
        response = api_a.post("/api/v1/slos", {**base, **fields}, format="json")
        assert response.status_code == 400, (fields, response.content)
        assert field in response.json()["fields"], (fields, response.json())


@time_machine.travel(NOW, tick=False)
def test_group_latency_slo_adds_its_members_and_reimport_marks_it_dirty(tmp_path, tenants):
    group = ServiceGroupFactory(account=tenants.a, name="shop")
    web = ServiceFactory(account=tenants.a, path="shop/web", group=group)
    ServiceFactory(account=tenants.a, path="shop/api", group=group)
    first = requests_of_a_morning(START, minutes=4)
    second = requests_of_a_morning(START + dt.timedelta(minutes=20), minutes=4)
    _import(write_log(tmp_path / "web.log", first), "shop/web")
    _import(write_log(tmp_path / "api.log", second), "shop/api")
    slo = SLOFactory(
        account=tenants.a, service=None, group=group, sli_kind="latency", latency_threshold_ms=250
    )
    slo_buckets_refresh(account=tenants.a, now=NOW)
    (fast_web, total_web), (fast_api, total_api) = (
        hand_latency(first, 250),
        hand_latency(second, 250),
    )
    assert _sums(slo) == (fast_web + fast_api, total_web + total_api)
    slo.refresh_from_db()
    assert slo.buckets_dirty_from is None
    _import(write_log(tmp_path / "web.log", first), "shop/web")  # same file again
    slo.refresh_from_db()
    assert slo.buckets_dirty_from == START
    assert web.pk
