"""Admin: time periods, SLAs with inline requirements, rules; validation; detail pages."""

import datetime as dt

import pytest
import time_machine

from sla.models import AssignmentRule, Service, SLADefinition, StatusEvent, TimePeriod
from tests.conftest import client_for
from tests.factories import ServiceFactory
from tests.sla.sla_rows import store_events

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OPTIONS = {
    "downtimes": "honor",
    "warn_as": "WARN",
    "unknown_as": "UNKNOWN",
    "short_interval_seconds": "0",
    "merge_phases": "on",
    "outage_split": "per_period",
}


def _time_period_form(account, **days):
    form = {"account": account.pk, "name": "Business hours", "exceptions": "2024-12-25:"}
    form.update({day: days.get(day, "") for day in WEEKDAYS})
    return form


def _requirement(index, **fields):
    return {f"requirements-{index}-{name}": value for name, value in fields.items()}


def _sla_form(account, requirements, **overrides):
    form = {
        "account": account.pk,
        "title": "Gold",
        "period": "weekly",
        "timezone": "Europe/Berlin",
        "time_period": "",
        **OPTIONS,
        "requirements-TOTAL_FORMS": str(len(requirements)),
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "1",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    for index, fields in enumerate(requirements):
        form.update(_requirement(index, **fields))
    form.update(overrides)
    return form


AVAILABILITY = {
    "position": "0",
    "title": "Availability",
    "kind": "percentage",
    "state": "OK",
    "comparison": "min",
    "target": "99.5",
    "level_warn": "50",
    "level_crit": "10",
}
OUTAGES = {
    "position": "1",
    "title": "Outages",
    "kind": "outages",
    "state": "CRIT",
    "max_count": "1",
    "min_duration_seconds": "300",
}


@pytest.fixture
def operator(client, tenants):
    client.force_login(tenants.owner_a)
    return client


def test_whole_flow_in_admin(operator, tenants):
    response = operator.post(
        "/admin/sla/timeperiod/add/",
        _time_period_form(tenants.a, monday="08:00-12:00, 13:00-18:00", friday="08:00-16:00"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    time_period = TimePeriod.objects.get()
    assert time_period.definition == {
        "monday": ["08:00-12:00", "13:00-18:00"],
        "friday": ["08:00-16:00"],
        "exceptions": {"2024-12-25": []},
    }
    form = _sla_form(tenants.a, [AVAILABILITY, OUTAGES], time_period=time_period.pk)
    response = operator.post("/admin/sla/sladefinition/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    sla = SLADefinition.objects.get()
    assert [r.title for r in sla.requirements.all()] == ["Availability", "Outages"]
    assert {r.account_id for r in sla.requirements.all()} == {tenants.a.pk}
    assert sla.options["merge_phases"] is True
    response = operator.post(
        "/admin/sla/assignmentrule/add/",
        {
            "account": tenants.a.pk,
            "position": "0",
            "sla": sla.pk,
            "target": "service",
            "path_glob": "pay/*",
            "labels": "{}",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AssignmentRule.objects.get().sla == sla
    _add_service_and_events_then_read_results(operator, tenants, sla)


def _add_service_and_events_then_read_results(operator, tenants, sla):
    """Service and status events entered in the admin; results on the detail page and API."""
    response = operator.post(
        "/admin/sla/service/add/",
        {"account": tenants.a.pk, "path": "pay/api", "name": "", "labels": "{}", "group": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get(path="pay/api")
    for at, state in (
        ("2024-03-04 00:00:00", "UP"),
        ("2024-03-04 09:00:00", "OUTAGE"),
        ("2024-03-04 10:30:00", "OK"),
    ):
        day, time = at.split()
        response = operator.post(
            "/admin/sla/statusevent/add/",
            {
                "account": tenants.a.pk,
                "service": service.pk,
                "at_0": day,
                "at_1": time,
                "state": state,
                "message": "entered by hand",
            },
        )
        form = response.context and response.context["adminform"].form
        assert response.status_code == 302, form and form.errors
    assert list(StatusEvent.objects.filter(service=service).values_list("state", flat=True)) == [
        "OK",
        "CRIT",
        "OK",
    ]
    with time_machine.travel(NOW, tick=False):
        html = operator.get(f"/admin/sla/service/{service.pk}/sla/?periods=3&period=0").content
        api = client_for(tenants.token_a).get(f"/api/v1/services/{service.pk}/sla?last=3").json()
    html = html.decode()
    assert "Gold" in html and "sla-BROKEN" in html
    assert api["sla"]["id"] == sla.pk
    week = api["periods"][0]  # week of Monday 4 March: 1.5 h CRIT on Monday's business hours
    assert week["state"] == "BROKEN"
    availability, outages = week["requirements"]
    assert availability["seconds"]["CRIT"] == 5400.0
    assert outages["outages"][0]["start"] == "2024-03-04T09:00:00Z"
    assert availability["spans"][0]["start"] == "2024-03-04T09:00:00Z"


@pytest.mark.parametrize(
    ("requirements", "overrides", "message"),
    [
        ([], {}, "An SLA needs at least one requirement"),
        ([{**AVAILABILITY, "target": "101"}], {}, "Target must be between 0 and 100"),
        (
            [{**AVAILABILITY, "level_warn": "10", "level_crit": "50"}],
            {},
            "CRIT level must be at most the WARN level (10)",
        ),
        ([AVAILABILITY], {"timezone": "Mars/Olympus"}, "Mars/Olympus is not one of the available"),
        ([{**OUTAGES, "max_count": ""}], {}, "Most outages allowed is required"),
    ],
)
def test_invalid_sla_in_admin(operator, tenants, requirements, overrides, message):
    response = operator.post(
        "/admin/sla/sladefinition/add/", _sla_form(tenants.a, requirements, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SLADefinition.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({"monday": "08:00-12:00, 11:00-13:00"}, "overlap"),
        ({"tuesday": "18:00-08:00"}, "tuesday"),
        ({"wednesday": "8 to 5"}, "wednesday"),
    ],
)
def test_invalid_time_period_in_admin(operator, tenants, days, message):
    response = operator.post("/admin/sla/timeperiod/add/", _time_period_form(tenants.a, **days))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TimePeriod.objects.exists()


def test_service_sla_detail_page_shows_results_reasons_events(operator, tenants):
    from tests.sla.sla_rows import sla_from_json

    service = ServiceFactory(account=tenants.a, path="pay/api")
    sla = sla_from_json(
        tenants.a,
        {
            "period": "daily",
            "requirements": [
                {
                    "title": "Availability",
                    "kind": "percentage",
                    "state": "OK",
                    "comparison": "min",
                    "target": 99.5,
                },
                {
                    "title": "Outages",
                    "kind": "outages",
                    "state": "CRIT",
                    "max_count": 0,
                    "min_duration_seconds": 60,
                },
            ],
        },
    )
    store_events(
        tenants.a,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-19T10:00:00Z", "state": "CRIT"},
            {"at": "2024-03-19T10:12:00Z", "state": "OK"},
            {"at": "2024-03-19T10:17:00Z", "state": "OK"},  # a heartbeat, no change
        ],
    )
    with time_machine.travel(NOW, tick=False):
        response = operator.get(f"/admin/sla/service/{service.pk}/sla/?sla={sla.pk}&period=4")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="sla-results"' in html and "sla-BROKEN" in html
    assert "99.16%" in html  # 85680 / 86400 = 99.1666: cut, never rounded up
    assert "2024-03-19T10:00:00Z" in html  # the outage behind the BROKEN result
    assert 'id="sla-timeline"' in html and "sla-CRIT" in html
    assert "10:12:00" in html  # the state changes of the selected period
    assert "10:17:00" not in html and "1 further report repeated" in html


def test_detail_page_of_another_accounts_service_is_404(client, tenants):
    service = ServiceFactory(account=tenants.a)
    client.force_login(tenants.outsider)
    assert client.get(f"/admin/sla/service/{service.pk}/sla/").status_code == 404


def test_viewer_sees_but_cannot_add_sla(client, tenants):
    client.force_login(tenants.member_a)
    assert client.get("/admin/sla/sladefinition/").status_code == 200
    assert client.get("/admin/sla/sladefinition/add/").status_code == 403


def test_inline_requirement_cannot_use_another_accounts_time_period(client, tenants):
    from tests.factories import MembershipFactory, TimePeriodFactory

    MembershipFactory(account=tenants.b, user=tenants.owner_a, role="owner")
    foreign_period = TimePeriodFactory(account=tenants.b)
    client.force_login(tenants.owner_a)
    requirement = {**AVAILABILITY, "time_period": foreign_period.pk}
    response = client.post("/admin/sla/sladefinition/add/", _sla_form(tenants.a, [requirement]))
    assert response.status_code == 200
    assert "Belongs to another account" in response.content.decode()
    assert not SLADefinition.objects.exists()
