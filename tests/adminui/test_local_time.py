"""Issue 20, item 1: the operator UI speaks the account's local time, labelled, and a
one-off downtime typed as 02:00-03:00 Europe/Berlin is 02:00-03:00 on the public page,
in winter and in summer time alike."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sla.models import Downtime, Incident
from tests.factories import IncidentFactory

BERLIN = ZoneInfo("Europe/Berlin")


def _winter_and_summer_days(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """A day in the coming days and one on the other side of the next DST change."""
    first = (now + dt.timedelta(days=3)).astimezone(BERLIN).date()
    second = first + dt.timedelta(days=30)
    while (
        dt.datetime.combine(second, dt.time(12), BERLIN).utcoffset()
        == dt.datetime.combine(first, dt.time(12), BERLIN).utcoffset()
    ):
        second += dt.timedelta(days=30)
    return first, second


def _downtime_form(operator, day: dt.date, **extra) -> dict:
    return {
        "account": operator.account.pk,
        "reason": f"Database upgrade {day}",
        "service": operator.service.pk,
        "public": "on",
        "recurrence": "once",
        "timezone": "Europe/Berlin",
        "start_0": day.isoformat(),
        "start_1": "02:00",
        "end_0": day.isoformat(),
        "end_1": "03:00",
        **extra,
    }


@pytest.mark.django_db
def test_one_off_downtime_is_read_in_its_time_zone(operator_client, operator):
    first, second = _winter_and_summer_days(timezone.now())
    for day in (first, second):
        response = operator_client.post("/admin/sla/downtime/add/", _downtime_form(operator, day))
        assert response.status_code == 302, response.content.decode()
        downtime = Downtime.objects.get(reason=f"Database upgrade {day}")
        local_start = dt.datetime.combine(day, dt.time(2), BERLIN)
        assert downtime.start == local_start
        assert downtime.end - downtime.start == dt.timedelta(hours=1)
        assert downtime.timezone == "Europe/Berlin"
        page = operator_client.get(f"/admin/sla/downtime/{downtime.pk}/change/").content.decode()
        assert 'value="02:00:00"' in page and 'value="03:00:00"' in page
    offsets = {d.start.utcoffset() for d in Downtime.objects.all()}
    assert {d.start.astimezone(dt.UTC).hour for d in Downtime.objects.all()} == {0, 1}, offsets
    listing = operator_client.get("/admin/sla/downtime/").content.decode()
    assert f"{first} 02:00 – 03:00 (Europe/Berlin)" in listing
    assert f"{second} 02:00 – 03:00 (Europe/Berlin)" in listing


@pytest.mark.django_db
def test_a_time_skipped_by_the_dst_change_is_refused_naming_the_field(operator_client, operator):
    form = _downtime_form(
        operator, dt.date(2027, 3, 28), start_1="02:30", end_0="2027-03-28", end_1="04:00"
    )
    response = operator_client.post("/admin/sla/downtime/add/", form)
    assert response.status_code == 200
    assert "2027-03-28 02:30 does not exist in Europe/Berlin" in response.content.decode()
    assert not Downtime.objects.exists()


@pytest.mark.django_db
def test_weekly_downtime_weekdays_are_checkboxes(operator_client, operator):
    page = operator_client.get("/admin/sla/downtime/add/").content.decode()
    assert 'type="checkbox" name="weekdays" value="0"' in page and ">Sunday<" not in page
    assert 'value="Europe/Berlin" selected' in page  # the account's zone proposed
    form = _downtime_form(
        operator,
        dt.date(2027, 1, 4),
        recurrence="weekly",
        end_0="",
        end_1="",
        weekdays=["0", "3"],
        time_from="02:00",
        duration_minutes="60",
    )
    response = operator_client.post("/admin/sla/downtime/add/", form)
    assert response.status_code == 302, response.content.decode()
    assert Downtime.objects.get().weekdays == [0, 3]
    form["weekdays"] = []
    response = operator_client.post("/admin/sla/downtime/add/", form)
    assert "Tick at least one weekday" in response.content.decode()


@pytest.mark.django_db
def test_lists_and_forms_show_instants_in_the_operator_zone_labelled(operator_client, operator):
    IncidentFactory(
        account=operator.account,
        service=operator.service,
        started_at=dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC),
        ended_at=dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC),
    )
    listing = operator_client.get("/admin/sla/incident/").content.decode()
    assert "2026-12-02T17:00:00+01:00" in listing
    assert "(Europe/Berlin)" in listing
    add_event = operator_client.get("/admin/sla/statusevent/add/").content.decode()
    assert "Time zone: <strong>Europe/Berlin, UTC+0" in add_event
    assert Incident.objects.count() == 1


@pytest.mark.browser
@pytest.mark.slow
def test_maintenance_typed_in_berlin_reads_the_same_on_the_public_page(operator_tab, live_operator):
    tab = operator_tab
    first, second = _winter_and_summer_days(timezone.now())
    for number, day in enumerate((first, second)):
        page = tab.goto("/admin/sla/downtime/add/")
        assert page.locator("#id_timezone").input_value() == "Europe/Berlin"
        page.select_option("#id_account", str(live_operator.account.pk))
        page.fill("#id_reason", f"Database upgrade {number + 1}")
        page.select_option("#id_service", str(live_operator.service.pk))
        page.check("#id_public")
        page.fill("#id_start_0", day.isoformat())
        page.fill("#id_start_1", "02:00")
        page.fill("#id_end_0", day.isoformat())
        page.fill("#id_end_1", "03:00")
        assert "Time zone: Europe/Berlin" in page.locator(".field-start").inner_text()
        tab.shot(f"01-downtime-form-{number + 1}")
        tab.save()
        assert "was added successfully" in page.inner_text("body"), tab.errors()
        assert f"{day} 02:00 – 03:00 (Europe/Berlin)" in page.inner_text("#result_list")
    tab.shot("01-downtime-list")
    public = tab.goto(f"/status/{live_operator.page.slug}/")
    body = public.inner_text("body")
    assert "Times in Europe/Berlin" in body or "Europe/Berlin" in body
    for number in (1, 2):
        item = public.locator("article.impact-maintenance", has_text=f"Database upgrade {number}")
        times = item.locator("p time").all_inner_texts()[:2]
        assert [text[-5:] for text in times] == ["02:00", "03:00"], times
    tab.shot("01-public-maintenance")


@pytest.mark.django_db
def test_read_only_date_times_name_their_zone(operator_client, operator):
    from tests.factories import ApiTokenFactory

    token = ApiTokenFactory(account=operator.account, name="CI")
    page = operator_client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    created = timezone.localtime(token.created_at, BERLIN)
    assert created.strftime("%Y-%m-%d %H:%M:%S ") + created.tzname() in page
