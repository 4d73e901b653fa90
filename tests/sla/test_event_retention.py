"""Raw status event retention (SLA_EVENT_RETENTION_DAYS): frozen periods are never
recomputed, late events before the horizon are refused, an incident open across it keeps
its history, batches are bounded (sla.services.retention.events_prune). That pruning
changes no figure the product shows: tests/sla/test_retention_figures.py."""

import datetime as dt

import pytest
import time_machine
from django.core.checks import run_checks
from django.test import override_settings

from sla.models import (
    EventHorizon,
    Incident,
    PeriodResult,
    Requirement,
    Service,
    StatusEvent,
)
from sla.services.ingest import events_ingest
from sla.services.results import period_results_refresh_account
from sla.services.retention import Budget, account_retention, events_prune
from sla.services.rollups import account_rollup
from tests.factories import (
    AssignmentRuleFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
)
from tests.sla.test_retention_figures import NOW, old_events

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
RETENTION_DAYS = 402  # the smallest accepted with SLA_SNAPSHOT_MAX_DAYS=20


@pytest.fixture
def horizons(settings):
    settings.SLA_SNAPSHOT_MAX_DAYS = 20
    settings.SLA_SLO_HOUR_RETENTION_DAYS = 35
    settings.SLA_EVENT_RETENTION_DAYS = RETENTION_DAYS
    return settings


def _build_small(account) -> None:
    """`web` and `db` in a group with a monthly SLA, the old history of the figures test,
    derived rows made by the jobs, and every period of the last 17 months stored."""
    group = ServiceGroupFactory(account=account, name="all", aggregation="worst")
    for path in ("web", "db"):
        ServiceFactory(account=account, path=path, group=group)
    AssignmentRuleFactory(account=account, sla=SLADefinitionFactory(account=account))
    with time_machine.travel(NOW, tick=False), override_settings(SLA_EVENT_RETENTION_DAYS=0):
        assert not events_ingest(account=account, items=old_events()).errors
        account_rollup(account=account, now=NOW)
        period_results_refresh_account(account=account, now=NOW)


def _item(path: str, at: dt.datetime, state: str) -> dict:
    return {"service": path, "at": at.isoformat(), "state": state}


def _results_url(account) -> str:
    service = Service.objects.for_account(account).get(path="web")
    return f"/api/v1/services/{service.pk}/sla?last=17"


def test_the_incident_open_across_the_horizon_keeps_its_history(tenants, horizons):
    _build_small(tenants.a)
    db = Service.objects.for_account(tenants.a).get(path="db")
    long_one = Incident.objects.for_account(tenants.a).get(service=db, started_at=NOW - 450 * DAY)
    account_retention(account=tenants.a, now=NOW)
    horizon = EventHorizon.objects.for_account(tenants.a).get().pruned_before
    assert long_one.started_at < horizon <= long_one.ended_at
    kept = StatusEvent.objects.for_account(tenants.a).filter(service=db, at__lt=horizon)
    assert set(kept.values_list("at", "state")) == {
        (NOW - 480 * DAY, "OK"),  # the state in force at the incident's start
        (NOW - 450 * DAY, "WARN"),
    }
    # A late event after the horizon rebuilds that incident from its kept start.
    with time_machine.travel(NOW, tick=False):
        late = events_ingest(account=tenants.a, items=[_item("db", NOW - 400 * DAY, "CRIT")])
        assert late.new == 1
        account_rollup(account=tenants.a, now=NOW)
    rebuilt = Incident.objects.for_account(tenants.a).get(service=db, started_at=NOW - 450 * DAY)
    assert (rebuilt.ended_at, rebuilt.worst_state) == (NOW - 396 * DAY, "CRIT")


def test_frozen_periods_keep_their_results_through_definition_changes(tenants, api_a, horizons):
    _build_small(tenants.a)
    with time_machine.travel(NOW, tick=False):
        api_a.get(_results_url(tenants.a))  # stores every period of the last 17 months
    account_retention(account=tenants.a, now=NOW)
    horizon = EventHorizon.objects.for_account(tenants.a).get().pruned_before
    rows = PeriodResult.objects.for_account(tenants.a)
    frozen = {row.pk: (row.result, row.sla_revision) for row in rows.filter(period_end__lt=horizon)}
    assert frozen
    requirement = Requirement.objects.for_account(tenants.a).first()
    requirement.target = 90
    requirement.save()  # a new revision: every unfrozen row is computed again
    with time_machine.travel(NOW, tick=False):
        period_results_refresh_account(account=tenants.a, now=NOW)
        body = api_a.get(_results_url(tenants.a)).json()
    for row in rows.filter(pk__in=frozen):
        assert (row.result, row.sla_revision) == frozen[row.pk]
    live = rows.filter(period_start__gt=horizon, period_end__lte=NOW)
    assert live and {row.sla_revision for row in live} == {requirement.sla.revision}
    assert [period["frozen"] for period in body["periods"]][:2] == [True, True]
    assert body["periods"][-1]["frozen"] is False


def test_a_frozen_period_without_a_stored_row_has_no_data(tenants, api_a, horizons):
    _build_small(tenants.a)  # stores only the current period
    account_retention(account=tenants.a, now=NOW)
    horizon = EventHorizon.objects.for_account(tenants.a).get().pruned_before
    with time_machine.travel(NOW, tick=False):
        body = api_a.get(_results_url(tenants.a)).json()
    starts = [dt.datetime.fromisoformat(period["start"]) for period in body["periods"]]
    assert starts and min(starts) > horizon  # the older months: no figure from half a history
    assert not PeriodResult.objects.for_account(tenants.a).filter(period_start__lt=horizon)


def test_a_late_event_before_the_horizon_is_refused_naming_the_field(tenants, horizons):
    service = ServiceFactory(account=tenants.a, path="web")
    items = [
        _item("web", NOW - (RETENTION_DAYS + 1) * DAY, "CRIT"),
        _item("web", NOW - (RETENTION_DAYS - 1) * DAY, "CRIT"),
    ]
    result = events_ingest(account=tenants.a, items=items, now=NOW)
    assert (result.new, result.rejected) == (1, 1)
    [error] = result.errors
    assert (error["index"], error["field"]) == (0, "at")
    assert "SLA_EVENT_RETENTION_DAYS" in error["error"]
    assert StatusEvent.objects.for_account(tenants.a).filter(service=service).count() == 1


def test_default_keeps_every_event_and_accepts_old_ones(tenants, settings):
    assert settings.SLA_EVENT_RETENTION_DAYS == 0
    old = NOW - 3000 * DAY
    result = events_ingest(account=tenants.a, items=[_item("web", old, "OK")], now=NOW)
    assert result.new == 1
    assert events_prune(account=tenants.a, now=NOW, budget=Budget()) == 0
    assert not EventHorizon.objects.exists() and StatusEvent.objects.count() == 1


def test_events_go_in_bounded_batches(tenants, horizons):
    horizons.SLA_RETENTION_BATCH_SIZE = 4
    items = [_item("web", NOW - (500 + minute / 1440) * DAY, "OK") for minute in range(11)]
    events_ingest(account=tenants.a, items=items, now=NOW - 400 * DAY)
    other = events_ingest(account=tenants.b, items=items, now=NOW - 400 * DAY)
    assert other.new == 11
    batches = []
    counts = [StatusEvent.objects.count()]

    def count_batch():
        batches.append(counts[-1] - StatusEvent.objects.count())
        counts.append(StatusEvent.objects.count())

    removed = events_prune(account=tenants.a, now=NOW, budget=Budget(between_batches=count_batch))
    assert removed == 10 and batches == [4, 4, 2]  # the last instant's event stays
    assert StatusEvent.objects.for_account(tenants.b).count() == 11  # another account's stay


def test_a_retention_below_the_minimum_fails_the_system_check(settings):
    settings.SLA_EVENT_RETENTION_DAYS = 100
    errors = [error for error in run_checks() if error.id == "sla.E001"]
    assert errors and "below the minimum 402" in errors[0].msg
    settings.SLA_EVENT_RETENTION_DAYS = 402
    assert not [error for error in run_checks() if error.id == "sla.E001"]
