"""Services and selectors: publishing automatic incidents, maintenance status rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from statuspage.selectors.components import public_components
from statuspage.selectors.maintenances import page_maintenances
from statuspage.services import (
    maintenance_update_post,
    public_incident_create,
    public_incident_from_incident,
    public_incident_update_post,
)
from tests.factories import (
    AccountFactory,
    DowntimeFactory,
    IncidentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)
from tests.statuspage.builders import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def account():
    return AccountFactory(timezone="UTC")


def test_closed_automatic_incident_is_published_resolved_on_every_page(account):
    group = ServiceGroupFactory(account=account)
    first = StatusPageFactory(account=account)
    second = StatusPageFactory(account=account)
    StatusPageComponentFactory(account=account, page=first, service=None, group=group, name="Shop")
    StatusPageComponentFactory(
        account=account, page=second, service=None, group=group, name="Store"
    )
    incident = IncidentFactory(
        account=account,
        service=None,
        group=group,
        started_at=NOW - dt.timedelta(hours=3),
        ended_at=NOW - dt.timedelta(hours=2),
        worst_state="WARN",
    )
    published = public_incident_from_incident(account=account, incident=incident)
    assert sorted(p.name for p in published) == [
        "Shop: degraded performance",
        "Store: degraded performance",
    ]
    for public in published:
        assert public.status == "resolved" and public.impact == "minor"
        assert public.resolved_at == incident.ended_at and public.started_at == incident.started_at
        assert [link.status for link in public.affected.all()] == ["degraded_performance"]
    only_first = public_incident_from_incident(account=account, incident=incident, page=first)
    assert [p.pk for p in only_first] == [
        published[0].pk if published[0].page == first else published[1].pk
    ]


def test_other_accounts_rows_are_refused(account):
    other = AccountFactory()
    page = StatusPageFactory(account=other)
    incident = IncidentFactory(account=account)
    with pytest.raises(ValidationError):
        public_incident_from_incident(account=account, incident=incident, page=page)
    with pytest.raises(ValidationError):
        public_incident_create(account=account, page=page, name="x", body="y")


def test_reopening_an_incident_clears_resolved_at(account):
    page = StatusPageFactory(account=account)
    incident = public_incident_create(account=account, page=page, name="x", body="y")
    public_incident_update_post(account=account, incident=incident, status="resolved", body="ok")
    assert incident.resolved_at is not None
    public_incident_update_post(account=account, incident=incident, status="identified", body="no")
    incident.refresh_from_db()
    assert incident.status == "identified" and incident.resolved_at is None


def _maintenance_statuses(page, at):
    components = public_components(page=page)
    return [
        (m.status, m.scheduled_for)
        for m in page_maintenances(page=page, components=components, now=at)
    ]


def test_maintenance_status_rules(account):
    page = StatusPageFactory(account=account)
    StatusPageComponentFactory(account=account, page=page)
    start, end = NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=2)
    downtime = DowntimeFactory(account=account, public=True, start=start, end=end)
    assert _maintenance_statuses(page, NOW) == [("scheduled", start)]
    assert _maintenance_statuses(page, start) == [("in_progress", start)]
    assert _maintenance_statuses(page, end) == [("completed", start)]
    maintenance_update_post(
        account=account,
        downtime=downtime,
        status="verifying",
        body="Checking",
        display_at=end - dt.timedelta(minutes=5),
    )
    assert _maintenance_statuses(page, end + dt.timedelta(hours=3)) == [("verifying", start)]
    assert _maintenance_statuses(page, end + dt.timedelta(hours=25)) == [("completed", start)]
    maintenance_update_post(
        account=account,
        downtime=downtime,
        status="completed",
        display_at=end + dt.timedelta(hours=4),
    )
    assert _maintenance_statuses(page, end + dt.timedelta(hours=5)) == [("completed", start)]


def test_early_completion_and_ignored_scheduled_note(account):
    page = StatusPageFactory(account=account)
    StatusPageComponentFactory(account=account, page=page)
    start, end = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)
    downtime = DowntimeFactory(account=account, public=True, start=start, end=end)
    maintenance_update_post(account=account, downtime=downtime, status="scheduled", body="Soon")
    assert _maintenance_statuses(page, NOW) == [("in_progress", start)]
    maintenance_update_post(
        account=account,
        downtime=downtime,
        status="completed",
        display_at=NOW + dt.timedelta(minutes=1),
    )
    assert _maintenance_statuses(page, NOW + dt.timedelta(minutes=2)) == [("completed", start)]


def test_weekly_notes_belong_to_their_occurrence(account):
    page = StatusPageFactory(account=account)
    StatusPageComponentFactory(account=account, page=page)
    downtime = DowntimeFactory(
        account=account,
        public=True,
        recurrence="weekly",
        weekdays=[NOW.weekday()],
        time_from=dt.time(11, 0),
        duration_minutes=120,
        start=NOW - dt.timedelta(days=8),
        end=None,
    )
    maintenance_update_post(account=account, downtime=downtime, status="verifying", body="now")
    statuses = _maintenance_statuses(page, NOW)
    assert statuses[0] == ("scheduled", NOW + dt.timedelta(days=14) - dt.timedelta(hours=1))
    assert ("verifying", NOW - dt.timedelta(hours=1)) in statuses
    assert ("completed", NOW - dt.timedelta(days=7, hours=1)) in statuses


def test_group_and_account_wide_downtimes_reach_the_right_components(account):
    page = StatusPageFactory(account=account)
    group = ServiceGroupFactory(account=account)
    member = ServiceFactory(account=account, group=group)
    loner = ServiceFactory(account=account)
    in_group = StatusPageComponentFactory(account=account, page=page, service=member)
    alone = StatusPageComponentFactory(account=account, page=page, service=loner)
    window = {"start": NOW + dt.timedelta(hours=1), "end": NOW + dt.timedelta(hours=2)}
    DowntimeFactory(account=account, public=True, group=group, reason="group", **window)
    DowntimeFactory(account=account, public=True, reason="everything", **window)
    components = public_components(page=page)
    found = {
        m.name: set(m.component_pks)
        for m in page_maintenances(page=page, components=components, now=NOW)
    }
    assert found == {"group": {in_group.pk}, "everything": {in_group.pk, alone.pk}}
