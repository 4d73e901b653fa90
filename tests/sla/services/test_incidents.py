"""Incidents derived from the state timeline, rebuilt correctly for late and duplicate events."""

import datetime as dt

import pytest
import time_machine

from sla.engine import Event, state_timeline
from sla.models import Incident, RollupMark
from sla.services.incidents import DerivedIncident, derive_incidents
from sla.services.ingest import events_ingest
from sla.services.rollups import incidents_refresh_account
from tests.factories import AccountFactory, ServiceGroupFactory
from tests.sla.helpers import T0, at, item

NOW = T0 + dt.timedelta(days=1)
END = T0 + dt.timedelta(hours=10)


def spans(*pairs):
    return state_timeline([Event(at(minute), state) for minute, state in pairs], T0, END)


def test_derive_opens_tracks_worst_and_closes_on_ok():
    assert derive_incidents(
        spans((0, "OK"), (10, "WARN"), (20, "CRIT"), (30, "WARN"), (40, "OK"))
    ) == [DerivedIncident(at(10), at(40), "CRIT", "OK")]


def test_derive_open_incident_and_unmonitored_start():
    assert derive_incidents(spans((5, "UNKNOWN"), (7, "WARN"))) == [
        DerivedIncident(at(5), None, "UNKNOWN", "WARN")
    ]
    assert derive_incidents(spans((5, "OK"))) == []
    assert derive_incidents(spans()) == []


def test_derive_two_incidents():
    result = derive_incidents(spans((0, "CRIT"), (1, "OK"), (2, "WARN"), (3, "OK")))
    assert [(i.started_at, i.ended_at) for i in result] == [(at(0), at(1)), (at(2), at(3))]


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def account():
    return AccountFactory()


def incidents(account, **filters):
    rows = Incident.objects.for_account(account).filter(**filters).order_by("started_at")
    return [(i.started_at, i.ended_at, i.worst_state, i.state) for i in rows]


def push(account, *items):
    events_ingest(account=account, items=list(items))
    incidents_refresh_account(account=account)


def test_incident_lifecycle(account):
    push(account, item("web", 0, "OK"), item("web", 10, "DEGRADED"))
    assert incidents(account) == [(at(10), None, "WARN", "WARN")]
    push(account, item("web", 20, "CRIT"))
    assert incidents(account) == [(at(10), None, "CRIT", "CRIT")]
    push(account, item("web", 30, "OK"))
    assert incidents(account) == [(at(10), at(30), "CRIT", "OK")]
    assert RollupMark.objects.get(account=account).incidents_from is None


def test_late_ok_splits_an_incident_and_late_crit_merges_back(account):
    push(account, item("web", 0, "OK"), item("web", 10, "CRIT"), item("web", 30, "OK"))
    push(account, item("web", 20, "OK"))  # late: the outage really ended at 20
    assert incidents(account) == [(at(10), at(20), "CRIT", "OK")]
    push(account, item("web", 25, "WARN"))  # late: a second, milder one
    assert incidents(account) == [(at(10), at(20), "CRIT", "OK"), (at(25), at(30), "WARN", "OK")]
    push(account, item("web", 20, "CRIT"))  # same instant as the OK: the worse wins
    assert incidents(account) == [(at(10), at(30), "CRIT", "OK")]


def test_late_event_before_everything_and_duplicates_change_nothing(account):
    push(account, item("web", 10, "CRIT"), item("web", 20, "OK"))
    before = incidents(account)
    push(account, item("web", 10, "CRIT"), item("web", 20, "OK"))
    assert incidents(account) == before
    push(account, item("web", 0, "WARN"))
    assert incidents(account) == [(at(0), at(20), "CRIT", "OK")]


def test_group_incidents_follow_the_derived_group_timeline(account):
    group = ServiceGroupFactory(account=account, name="shop", aggregation="k_of_n", k=2)
    for path in ("shop/a", "shop/b", "shop/c"):
        push(account, item(path, 0, "OK"))
    from sla.models import Service

    Service.objects.filter(account=account).update(group=group)
    push(account, item("shop/a", 10, "CRIT"), item("shop/b", 15, "WARN"), item("shop/b", 25, "OK"))
    push(account, item("shop/a", 40, "OK"))
    assert incidents(account, group=group) == [(at(15), at(25), "CRIT", "OK")]
    assert len(incidents(account, service__isnull=False)) == 2
