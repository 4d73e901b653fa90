"""Ingestion marks what its new events make stale inside its own write: stored SLA results
of the services and of their groups (ended periods ending after the earliest new instant),
and the buckets of their time SLOs. Both write paths: known services only (one statement
on PostgreSQL) and a batch that also creates a service on first sight (the general path).
"""

import datetime as dt

import psycopg.errors
import pytest
import time_machine

from sla.models import SLO, PeriodResult
from sla.services import ingest_pg
from sla.services.ingest import events_ingest
from tests.factories import (
    AccountFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    SLOFactory,
)
from tests.sla.sla_rows import daily_results

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
FIRST_DAY = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
DAYS = 4
NOW = FIRST_DAY + 10 * DAY


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _daily_rows(account, sla, **subject):
    return daily_results(account, sla, first_day=FIRST_DAY, days=DAYS, **subject)


@pytest.fixture
def world():
    """Services a and b in group g, c alone; daily results for all, and for g; SLOs."""
    account = AccountFactory(feature_auto_create_services=True)
    group = ServiceGroupFactory(account=account)
    a = ServiceFactory(account=account, path="shop/a", group=group)
    b = ServiceFactory(account=account, path="shop/b", group=group)
    c = ServiceFactory(account=account, path="shop/c")
    sla = SLADefinitionFactory(account=account)
    rows = []
    for service in (a, b, c):
        rows += _daily_rows(account, sla, service=service)
    rows += _daily_rows(account, sla, group=group)
    PeriodResult.objects.bulk_create(rows)
    slos = {
        "a": SLOFactory(account=account, service=a),
        "a_requests": SLOFactory(account=account, service=a, sli_kind="requests"),
        "b": SLOFactory(account=account, service=b),
        "c": SLOFactory(account=account, service=c),
        "group": SLOFactory(account=account, service=None, group=group),
    }
    return account, {"a": a, "b": b, "c": c, "group": group}, slos


def _stale_ends(**subject) -> set[dt.datetime]:
    rows = PeriodResult.objects.filter(stale=True, **subject)
    return set(rows.values_list("period_end", flat=True))


def _event(path: str, instant: dt.datetime, state: str = "CRIT", **extra) -> dict:
    return {"service": path, "at": instant.isoformat(), "state": state, **extra}


def _ingest(account, items, *, with_new_service: bool):
    if with_new_service:  # an unknown path sends the whole batch down the general path
        items = [*items, _event("shop/new", FIRST_DAY, "OK")]
    result = events_ingest(account=account, items=items)
    assert result.rejected == 0
    return result


def _dirty(slos) -> dict[str, dt.datetime | None]:
    found = dict(SLO.objects.values_list("pk", "buckets_dirty_from"))
    return {name: found[slo.pk] for name, slo in slos.items()}


@pytest.mark.parametrize("with_new_service", [False, True], ids=["known", "creating"])
def test_results_of_the_service_and_its_group_turn_stale_from_the_earliest_new_event(
    world, with_new_service
):
    account, subjects, _ = world
    day_two_noon = FIRST_DAY + DAY + dt.timedelta(hours=12)
    items = [_event("shop/a", FIRST_DAY + 3 * DAY), _event("shop/a", day_two_noon, "WARN")]
    _ingest(account, items, with_new_service=with_new_service)
    later = {FIRST_DAY + 2 * DAY, FIRST_DAY + 3 * DAY, FIRST_DAY + 4 * DAY}
    assert _stale_ends(service=subjects["a"]) == later
    assert _stale_ends(group=subjects["group"]) == later
    assert _stale_ends(service=subjects["b"]) == set()
    assert _stale_ends(service=subjects["c"]) == set()


@pytest.mark.parametrize("with_new_service", [False, True], ids=["known", "creating"])
def test_time_slos_of_the_service_and_its_group_are_dirty_from_the_earliest_new_event(
    world, with_new_service
):
    account, _, slos = world
    early = FIRST_DAY + dt.timedelta(hours=5)
    late = FIRST_DAY + 2 * DAY
    SLO.objects.filter(pk=slos["b"].pk).update(buckets_dirty_from=early - DAY)
    items = [_event("shop/a", late), _event("shop/b", early), _event("shop/a", late + DAY)]
    _ingest(account, items, with_new_service=with_new_service)
    assert _dirty(slos) == {
        "a": late,
        "a_requests": None,  # request SLOs do not read status events
        "b": early - DAY,  # already dirty from further back: kept
        "c": None,
        "group": early,  # the earliest change of any member
    }


@pytest.mark.parametrize("with_new_service", [False, True], ids=["known", "creating"])
def test_duplicates_mark_nothing(world, with_new_service):
    account, _, slos = world
    items = [_event("shop/a", FIRST_DAY + DAY, id="agent-1")]
    _ingest(account, items, with_new_service=with_new_service)
    PeriodResult.objects.update(stale=False)
    SLO.objects.update(buckets_dirty_from=None)
    again = _ingest(account, items, with_new_service=with_new_service)
    assert again.new == 0
    assert not PeriodResult.objects.filter(stale=True).exists()
    assert set(_dirty(slos).values()) == {None}


def test_incomplete_rows_and_other_accounts_are_not_touched(world):
    account, subjects, _ = world
    PeriodResult.objects.filter(period_end=FIRST_DAY + DAYS * DAY).update(complete=False)
    other = AccountFactory()
    stranger = ServiceFactory(account=other, path="shop/a")  # the same path elsewhere
    other_sla = SLADefinitionFactory(account=other)
    PeriodResult.objects.bulk_create(_daily_rows(other, other_sla, service=stranger))
    other_slo = SLOFactory(account=other, service=stranger)
    _ingest(account, [_event("shop/a", FIRST_DAY)], with_new_service=False)
    assert _stale_ends(service=subjects["a"]) == {FIRST_DAY + n * DAY for n in (1, 2, 3)}
    assert not PeriodResult.objects.filter(account=other, stale=True).exists()
    assert SLO.objects.get(pk=other_slo.pk).buckets_dirty_from is None


def test_a_deadlock_victim_is_run_again_but_not_forever(monkeypatch):
    # PostgreSQL picks a victim when two batches lock the same result rows in opposite
    # orders; the victim's statement wrote nothing, so it is simply run again.
    outcomes = [psycopg.errors.DeadlockDetected("deadlock detected"), [(7, FIRST_DAY, 1)]]
    calls = []

    def execute_once(params):
        calls.append(params)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(ingest_pg, "_execute_once", execute_once)
    assert ingest_pg._execute_retrying(["p"]) == [(7, FIRST_DAY, 1)]
    assert calls == [["p"], ["p"]]

    outcomes[:] = [psycopg.errors.DeadlockDetected("again")] * ingest_pg.DEADLOCK_ATTEMPTS
    with pytest.raises(psycopg.errors.DeadlockDetected):
        ingest_pg._execute_retrying(["p"])
