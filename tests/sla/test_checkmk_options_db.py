"""Service time, notification period and flapping through the database, API and admin."""

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine

from sla.admin.forms import SLADefinitionAdminForm
from sla.models import PeriodResult, StatusEvent, TimePeriod
from sla.selectors.results import sla_results_for_range
from sla.services.results import Subject, period_results_compute_bulk
from tests.factories import AccountFactory, ServiceFactory
from tests.sla.sla_rows import instant, sla_from_json, store_events, store_service_periods

pytestmark = pytest.mark.django_db
CASES = Path(__file__).resolve().parents[1] / "data" / "engine"
DAY = dt.datetime(2024, 3, 4, tzinfo=dt.UTC)
NOW = dt.datetime(2024, 3, 20, tzinfo=dt.UTC)
FLAPPING_SLA = {
    "period": "daily",
    "options": {"flapping": "consider"},
    "requirements": [
        {"title": "OK", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99}
    ],
}


def _case(name):
    return json.loads((CASES / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["e7_service_period", "e8_flapping_consider"])
def test_bulk_path_reads_service_periods_and_flags(name):
    case = _case(name)
    account = AccountFactory()
    service = ServiceFactory(account=account)
    sla = sla_from_json(account, case["sla"])
    store_events(account, service, case["events"])
    store_service_periods(account, service, case)
    day = (instant(case["range"]["from"]), instant(case["range"]["to"]))
    period_results_compute_bulk(
        account=account, sla=sla, services=[service], periods=[day], now=instant(case["now"])
    )
    row = PeriodResult.objects.get(sla=sla, service=service)
    assert row.result == case["expected"]["periods"][0]


def test_a_flag_set_long_ago_is_carried_into_a_later_period_on_both_paths():
    """The flag in force is read however far back it was set (one index probe), so a
    period's figure does not depend on where the read starts."""
    account = AccountFactory()
    service = ServiceFactory(account=account)
    sla = sla_from_json(account, FLAPPING_SLA)
    store_events(
        account,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK", "flapping": True},
            {"at": "2024-03-02T00:00:00Z", "state": "WARN"},
            {"at": "2024-03-03T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T12:00:00Z", "state": "OK", "flapping": False},
        ],
    )
    period = [(DAY, DAY + dt.timedelta(days=1))]
    period_results_compute_bulk(
        account=account, sla=sla, services=[service], periods=period, now=NOW
    )
    bulk = PeriodResult.objects.get(sla=sla, service=service).result
    assert bulk["requirements"][0]["seconds"] == {"FLAPPING": 43200.0, "OK": 43200.0}
    PeriodResult.objects.all().delete()
    (row,) = sla_results_for_range(
        account=account,
        sla=sla,
        subject=Subject(service),
        range_from=DAY,
        range_to=DAY + dt.timedelta(days=1),
        now=NOW,
    )
    assert row.result == bulk


def test_changing_the_service_period_makes_stored_results_stale():
    account = AccountFactory()
    service = ServiceFactory(account=account)
    sla = sla_from_json(account, FLAPPING_SLA)
    store_events(account, service, [{"at": "2024-03-01T00:00:00Z", "state": "OK"}])
    period = [(DAY, DAY + dt.timedelta(days=1))]
    period_results_compute_bulk(
        account=account, sla=sla, services=[service], periods=period, now=NOW
    )
    hours = TimePeriod.objects.create(
        account=account, name="hours", definition={"monday": ["08:00-20:00"]}
    )
    service.service_period = hours
    service.save()
    assert PeriodResult.objects.get(sla=sla).stale
    PeriodResult.objects.update(stale=False)
    hours.definition = {"monday": ["09:00-20:00"]}
    hours.save()
    assert PeriodResult.objects.get(sla=sla).stale


# --------------------------------------------------------------------------- API


def test_events_accept_store_and_list_the_flapping_flag(api_a, tenants):
    batch = [
        {"service": "web", "at": "2024-03-04T10:00:00Z", "state": "OK", "flapping": True},
        {"service": "web", "at": "2024-03-04T10:05:00Z", "state": "CRIT"},
        {"service": "web", "at": "2024-03-04T10:06:00Z", "state": "OK", "flapping": "yes"},
    ]
    response = api_a.post("/api/v1/events", data=batch, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["new"] == 2 and body["errors"][0]["field"] == "flapping"
    stored = StatusEvent.objects.filter(account=tenants.a).order_by("at")
    assert [event.flapping for event in stored] == [True, None]
    listed = api_a.get("/api/v1/events").json()["results"]
    assert sorted(str(event["flapping"]) for event in listed) == ["None", "True"]


def test_service_periods_are_time_periods_of_the_same_account(api_a, api_b, tenants):
    own = TimePeriod.objects.create(account=tenants.a, name="hours", definition={})
    foreign = TimePeriod.objects.create(account=tenants.b, name="hours", definition={})
    service = ServiceFactory(account=tenants.a, path="pay/api")
    url = f"/api/v1/services/{service.pk}"
    response = api_a.patch(url, data={"service_period": foreign.pk}, format="json")
    assert response.status_code == 400 and "service_period" in response.json()["fields"]
    response = api_a.patch(
        url, data={"service_period": own.pk, "notification_period": own.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["service_period"], response.json()["notification_period"]) == (
        own.pk,
        own.pk,
    )
    assert api_b.get(url).status_code == 404


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"flap_detection": {"changes": 1, "window_seconds": 60}}, "flap_detection.changes"),
        ({"flap_detection": {"changes": 3, "window_seconds": 0}}, "flap_detection.window_seconds"),
        ({"flapping": "sometimes"}, "options.flapping"),
        ({"service_period": "maybe"}, "options.service_period"),
    ],
)
def test_bad_sla_options_are_a_400_naming_the_field(api_a, options, fragment):
    body = {**FLAPPING_SLA, "title": "bad", "options": options}
    response = api_a.post("/api/v1/slas", data=body, format="json")
    assert response.status_code == 400
    assert fragment in json.dumps(response.json())


def test_sla_options_round_trip_through_the_api(api_a):
    options = {
        "service_period": "ignore",
        "notification_period": "honor",
        "flapping": "consider",
        "flap_detection": {"changes": 4, "window_seconds": 1800},
    }
    body = {**FLAPPING_SLA, "title": "ok", "options": options}
    response = api_a.post("/api/v1/slas", data=body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["options"] == options


# --------------------------------------------------------------------------- admin


def _admin_form(tenants, **options):
    data = {
        "account": tenants.a.pk,
        "title": "t",
        "period": "daily",
        "timezone": "UTC",
        "downtimes": "honor",
        "warn_as": "WARN",
        "unknown_as": "UNKNOWN",
        "short_interval_seconds": 0,
        "merge_phases": True,
        "outage_split": "per_period",
        "service_period": "honor",
        "notification_period": "ignore",
        "flapping": "consider",
        **options,
    }
    return SLADefinitionAdminForm(data=data)


def test_admin_form_names_the_flap_detection_field(tenants):
    form = _admin_form(tenants, flap_changes=1, flap_window_seconds=60)
    assert not form.is_valid()
    assert ">= 2" in form.errors["flap_changes"][0]
    form = _admin_form(tenants, flap_changes=3)
    assert not form.is_valid() and "flap_window_seconds" in form.errors
    form = _admin_form(tenants, flap_changes=3, flap_window_seconds="90")
    assert form.is_valid(), form.errors
    assert form.instance.options["flap_detection"] == {"changes": 3, "window_seconds": 90}
    assert form.instance.options["flapping"] == "consider"


# --------------------------------------------------------------------------- detail page


@pytest.mark.parametrize("mode", ["consider", "ignore"])
def test_detail_page_shows_flapping_time_and_counts_it_only_when_considered(client, tenants, mode):
    service = ServiceFactory(account=tenants.a, path="flappy")
    sla_json = {
        **FLAPPING_SLA,
        "options": {"flapping": mode, "flap_detection": {"changes": 3, "window_seconds": 600}},
    }
    sla = sla_from_json(tenants.a, sla_json)
    store_events(
        tenants.a,
        service,
        [
            {"at": "2024-03-04T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T10:00:00Z", "state": "OK", "flapping": True},
            {"at": "2024-03-04T10:30:00Z", "state": "OK", "flapping": False},
            # detection: 3 changes within 10 minutes: [12:04, 12:10) and [12:05, 12:12)
            {"at": "2024-03-04T12:00:00Z", "state": "CRIT"},
            {"at": "2024-03-04T12:02:00Z", "state": "OK"},
            {"at": "2024-03-04T12:04:00Z", "state": "CRIT"},
            {"at": "2024-03-04T12:05:00Z", "state": "OK"},
        ],
    )
    client.force_login(tenants.member_a)
    with time_machine.travel(dt.datetime(2024, 3, 5, 6, tzinfo=dt.UTC), tick=False):
        response = client.get(
            f"/dashboard/services/{service.pk}/sla/?sla={sla.pk}&periods=2&period=0"
        )
    html = response.content.decode()
    assert response.status_code == 200
    bar = html.split('id="sla-flapping"')[1].split("</svg>")[0]
    assert bar.count('class="sla-FLAPPING"') == 2
    assert "FLAPPING 2024-03-04 10:00:00 UTC – 2024-03-04 10:30:00 UTC (30 min)" in bar
    assert "12:04:00 UTC – 2024-03-04 12:12:00 UTC (8 min)" in bar
    reasons = html.split('id="sla-reasons"')[1].split("</ul>")[0]
    assert ("FLAPPING 38 min" in reasons) == (mode == "consider")
