"""Incidents derived from the state timeline, rebuilt correctly for late and duplicate events."""

import datetime as dt
import itertools
from collections import Counter

import pytest
import time_machine

from sla.engine import Event, state_timeline
from sla.models import Incident, RollupMark
from sla.services.incidents import DerivedIncident, derive_incidents, incident_changes
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


# --- a rebuild writes only what changed ---------------------------------------------------


def rows_by_start(account):
    return {
        row.started_at: (row.pk, row.updated_at)
        for row in Incident.objects.for_account(account).filter(service__isnull=False)
    }


def test_a_refresh_keeps_rows_that_did_not_change_and_the_id_of_one_that_did(account):
    push(account, item("web", 0, "OK"), item("web", 10, "CRIT"), item("web", 20, "OK"))
    push(account, item("web", 30, "WARN"))
    first = rows_by_start(account)
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        push(account, item("web", 35, "WARN"))  # changes nothing stored
        assert rows_by_start(account) == first
        push(account, item("web", 40, "CRIT"))  # the open one gets worse: same row
        push(account, item("web", 50, "OK"))  # and closes: same row
    now = rows_by_start(account)
    assert now[at(10)] == first[at(10)]  # untouched, updated_at included
    assert now[at(30)][0] == first[at(30)][0] and now[at(30)][1] > first[at(30)][1]
    assert incidents(account) == [(at(10), at(20), "CRIT", "OK"), (at(30), at(50), "CRIT", "OK")]


def test_a_late_event_that_moves_a_start_replaces_the_row(account):
    push(account, item("web", 0, "OK"), item("web", 10, "CRIT"), item("web", 20, "OK"))
    old = rows_by_start(account)[at(10)][0]
    push(account, item("web", 5, "WARN"))  # the outage began earlier
    assert incidents(account) == [(at(5), at(20), "CRIT", "OK")]
    assert not Incident.objects.filter(pk=old).exists()


def _changes_applied(stored, derived):
    deletes, updates, inserts = incident_changes(stored, derived)
    rows = {row[0]: row for row in stored if row[0] not in deletes}
    for row_id, ended_at, worst, state in updates:
        rows[row_id] = (row_id, rows[row_id][1], ended_at, worst, state)
    kept = Counter(row[1:] for row in rows.values())
    kept_new = Counter((i.started_at, i.ended_at, i.worst_state, i.state) for i in inserts)
    return kept + kept_new, deletes, updates, inserts


def _incident_lists(size):
    """Every list of up to `size` incidents on a 4-minute grid (start, optional end, worst,
    state), as the stored rows of one subject may be (a second row at a start included)."""
    shapes = [
        (start, end, worst)
        for start in range(3)
        for end in (None, start + 1)
        for worst in ("WARN", "CRIT")
    ]
    lists = [[]]
    for length in range(1, size + 1):
        lists += [list(combo) for combo in itertools.product(shapes, repeat=length)]
    return [
        [
            DerivedIncident(at(s), None if e is None else at(e), w, w if e is None else "OK")
            for s, e, w in combo
        ]
        for combo in lists
    ]


def test_incident_changes_turn_every_stored_list_into_every_derived_one():
    lists = _incident_lists(2)
    for stored_list in lists:
        stored = [
            (100 + n, i.started_at, i.ended_at, i.worst_state, i.state)
            for n, i in enumerate(stored_list)
        ]
        for derived in lists:
            if len({i.started_at for i in derived}) < len(derived):
                continue  # a derived timeline never starts two incidents at one instant
            result, deletes, updates, inserts = _changes_applied(stored, derived)
            assert result == Counter(
                (i.started_at, i.ended_at, i.worst_state, i.state) for i in derived
            )
            # nothing written when nothing changed; a start that holds keeps its row
            if Counter(row[1:] for row in stored) == result:
                assert (deletes, updates, inserts) == ([], [], [])
            starts = {i.started_at for i in derived}
            kept_rows = [row for row in stored if row[0] not in deletes]
            assert len(inserts) == len(starts - {row[1] for row in kept_rows})
