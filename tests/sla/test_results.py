"""Period results from stored rows: exact engine figures, materialised, recomputed when stale."""

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from sla.models import PeriodResult, StatusEvent
from sla.selectors.results import results_explained, sla_results_for_range, sla_results_last
from sla.services.results import Subject, period_results_refresh_account
from sla.signals import sla_state_changed, status_history_changed
from tests.factories import AccountFactory, AssignmentRuleFactory, DowntimeFactory, ServiceFactory
from tests.sla.sla_rows import (
    instant,
    sla_from_json,
    store_downtimes,
    store_events,
    store_service_periods,
)

pytestmark = pytest.mark.django_db
CASES = sorted((Path(__file__).resolve().parents[1] / "data" / "engine").glob("*.json"))
DAILY_99 = {
    "period": "daily",
    "requirements": [
        {"title": "A", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99.0}
    ],
}
NOW = dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("case_path", CASES, ids=lambda path: path.stem)
def test_acceptance_cases_through_the_database(case_path):
    case = json.loads(case_path.read_text())
    account = AccountFactory()
    service = ServiceFactory(account=account)
    sla = sla_from_json(account, case["sla"])
    store_events(account, service, case["events"])
    store_downtimes(account, service, case["downtimes"])
    store_service_periods(account, service, case)
    now = instant(case["now"]) if "now" in case else timezone.now()
    rows = sla_results_for_range(
        account=account,
        sla=sla,
        subject=Subject(service),
        range_from=instant(case["range"]["from"]),
        range_to=instant(case["range"]["to"]),
        now=now,
    )
    assert [row.result for row in rows] == case["expected"]["periods"]
    assert PeriodResult.objects.filter(sla=sla).count() == len(rows)


@pytest.fixture
def daily_service():
    account = AccountFactory()
    service = ServiceFactory(account=account, path="pay/api")
    sla = sla_from_json(account, DAILY_99)
    store_events(
        account,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T10:00:00Z", "state": "CRIT"},
            {"at": "2024-03-04T10:12:00Z", "state": "OK"},
        ],
    )
    return account, service, sla


def _range(account, service, sla, start="2024-03-03T00:00:00Z", end="2024-03-06T00:00:00Z"):
    return sla_results_for_range(
        account=account,
        sla=sla,
        subject=Subject(service),
        range_from=instant(start),
        range_to=instant(end),
        now=NOW,
    )


def test_complete_periods_are_stored_once_and_then_only_read(
    daily_service, django_assert_max_num_queries
):
    account, service, sla = daily_service
    first = _range(account, service, sla)
    assert [row.state for row in first] == ["OK", "OK", "OK"]
    assert first[1].result["requirements"][0]["seconds"] == {"OK": 85680.0, "CRIT": 720.0}
    computed = {row.pk: row.computed_at for row in first}
    with django_assert_max_num_queries(3):  # SLA spec is not even needed: rows are fresh
        second = _range(account, service, sla)
    assert {row.pk: row.computed_at for row in second} == computed


def test_late_event_makes_closed_periods_stale_and_they_are_recomputed(daily_service):
    account, service, sla = daily_service
    _range(account, service, sla)
    late = StatusEvent.objects.create(
        account=account,
        service=service,
        at=instant("2024-03-04T12:00:00Z"),
        state="CRIT",
        dedup_key="late",
    )
    StatusEvent.objects.create(
        account=account,
        service=service,
        at=instant("2024-03-04T14:00:00Z"),
        state="OK",
        dedup_key="late-end",
    )
    status_history_changed.send(sender=None, account=account, changes={service.pk: late.at})
    stale = PeriodResult.objects.filter(sla=sla, stale=True).values_list("period_start", flat=True)
    assert sorted(stale) == [instant("2024-03-04T00:00:00Z"), instant("2024-03-05T00:00:00Z")]
    rows = _range(account, service, sla)
    assert rows[1].state == "BROKEN" and not rows[1].stale
    assert rows[1].result["requirements"][0]["seconds"]["CRIT"] == 720.0 + 7200.0


def test_definition_change_recomputes(daily_service):
    account, service, sla = daily_service
    before = _range(account, service, sla)
    requirement = sla.requirements.get()
    requirement.target = 99.5
    requirement.save()
    sla.refresh_from_db()
    after = _range(account, service, sla)
    assert before[1].state == "OK" and after[1].state == "BROKEN"
    assert after[1].sla_revision == sla.revision


def test_downtime_marks_results_stale(daily_service, django_capture_on_commit_callbacks):
    account, service, sla = daily_service
    _range(account, service, sla)
    with django_capture_on_commit_callbacks(execute=True):
        DowntimeFactory(
            account=account,
            service=service,
            start=instant("2024-03-04T09:00:00Z"),
            end=instant("2024-03-04T11:00:00Z"),
        )
    # Every stored period from the downtime's start on (here the 4th and the 5th).
    assert PeriodResult.objects.filter(sla=sla, stale=True).count() == 2
    rows = _range(account, service, sla)
    assert rows[1].result["requirements"][0]["seconds"] == {
        "OK": 79200.0,
        "DOWNTIME": 7200.0,
    }


def test_current_period_is_incomplete_and_refreshed(daily_service):
    account, service, sla = daily_service
    rows = sla_results_last(account=account, sla=sla, subject=Subject(service), count=3, now=NOW)
    assert [row.complete for row in rows] == [True, True, False]
    assert rows[-1].period_end == instant("2024-03-21T00:00:00Z")
    assert rows[-1].result["requirements"][0]["considered_seconds"] == 12 * 3600.0
    later = NOW + dt.timedelta(hours=1)
    rows = sla_results_last(account=account, sla=sla, subject=Subject(service), count=1, now=later)
    assert rows[-1].result["requirements"][0]["considered_seconds"] == 13 * 3600.0


def test_state_change_is_announced(daily_service):
    account, service, sla = daily_service
    _range(account, service, sla)
    seen = []

    def listener(sender, **kwargs):
        seen.append((kwargs["old_state"], kwargs["new_state"], kwargs["service"]))

    sla_state_changed.connect(listener)
    try:
        requirement = sla.requirements.get()
        requirement.target = 99.5
        requirement.save()
        sla.refresh_from_db()
        _range(account, service, sla)
    finally:
        sla_state_changed.disconnect(listener)
    assert seen == [("OK", "BROKEN", service)]


def test_periodic_unit_refreshes_rule_assigned_services(daily_service):
    account, _service, sla = daily_service
    AssignmentRuleFactory(account=account, sla=sla, path_glob="pay/*")
    ServiceFactory(account=account, path="other/thing")
    with time_machine.travel(NOW, tick=False):
        assert period_results_refresh_account(account=account, now=NOW) == 1
    row = PeriodResult.objects.get(sla=sla)
    assert row.complete is False and row.period_start == instant("2024-03-20T00:00:00Z")


def test_explanations_list_the_spans_against_the_requirement(daily_service):
    account, service, sla = daily_service
    rows = _range(account, service, sla)
    explained = results_explained(
        account=account, sla=sla, subject=Subject(service), rows=rows, now=NOW
    )
    spans = explained[1]["requirements"][0]["spans"]
    assert spans == [
        {
            "start": "2024-03-04T10:00:00Z",
            "end": "2024-03-04T10:12:00Z",
            "seconds": 720.0,
            "class": "CRIT",
            "raw_state": "CRIT",
        }
    ]
    assert explained[0]["requirements"][0]["spans"] == []


def test_periodic_unit_finalises_the_period_that_just_ended(daily_service):
    account, _service, sla = daily_service
    AssignmentRuleFactory(account=account, sla=sla, path_glob="pay/*")
    period_results_refresh_account(account=account, now=NOW)
    next_day = NOW + dt.timedelta(days=1)
    period_results_refresh_account(account=account, now=next_day)
    rows = PeriodResult.objects.filter(sla=sla).order_by("period_start")
    assert [(row.period_start.day, row.complete) for row in rows] == [(20, True), (21, False)]
    assert rows[0].result["requirements"][0]["considered_seconds"] == 86400.0


START_PERIOD_OUTAGES = {
    "period": "daily",
    "options": {"outage_split": "start_period"},
    "requirements": [
        {
            "title": "O",
            "kind": "outages",
            "state": "CRIT",
            "max_count": 0,
            "min_duration_seconds": 3600,
        }
    ],
}


def _engine_with_everything(account, service, sla, range_from, range_to, now):
    from sla.engine import evaluate
    from sla.selectors.definitions import sla_spec
    from sla.selectors.inputs import downtime_intervals, service_events

    begin = instant("2024-03-01T00:00:00Z")
    events = service_events(account=account, service=service, start=begin, end=now)
    downtimes = downtime_intervals(account=account, service=service, start=begin, end=now)
    return [
        result.to_json()
        for result in evaluate(sla_spec(sla), events, downtimes, range_from, range_to, now)
    ]


def test_start_period_outage_after_a_downtime_ending_at_the_period_start():
    """The previous period's last span (a downtime) decides whether the outage began before
    the period: the database path must read that period's inputs too."""
    account = AccountFactory()
    service = ServiceFactory(account=account)
    sla = sla_from_json(account, START_PERIOD_OUTAGES)
    store_events(
        account,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T22:00:00Z", "state": "CRIT"},
            {"at": "2024-03-05T02:00:00Z", "state": "OK"},
        ],
    )
    store_downtimes(
        account, service, [{"start": "2024-03-04T22:00:00Z", "end": "2024-03-05T00:00:00Z"}]
    )
    day_from, day_to = instant("2024-03-05T00:00:00Z"), instant("2024-03-06T00:00:00Z")
    rows = sla_results_for_range(
        account=account,
        sla=sla,
        subject=Subject(service),
        range_from=day_from,
        range_to=day_to,
        now=NOW,
    )
    assert rows[0].result["requirements"][0]["count"] == 1
    assert [row.result for row in rows] == _engine_with_everything(
        account, service, sla, day_from, day_to, NOW
    )


def test_completed_period_with_a_running_outage_is_recomputed_until_it_ends():
    account = AccountFactory()
    service = ServiceFactory(account=account, path="pay/api")
    sla = sla_from_json(account, START_PERIOD_OUTAGES)
    AssignmentRuleFactory(account=account, sla=sla, path_glob="*")
    store_events(
        account,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T23:30:00Z", "state": "CRIT"},
        ],
    )
    early = instant("2024-03-05T00:10:00Z")  # the outage has run 40 minutes: too short yet
    period_results_refresh_account(account=account, now=early)
    rows = sla_results_last(account=account, sla=sla, subject=Subject(service), count=2, now=early)
    day = rows[0]
    assert day.complete and day.stale and day.result["requirements"][0]["count"] == 0
    StatusEvent.objects.create(
        account=account,
        service=service,
        at=instant("2024-03-05T02:00:00Z"),
        state="OK",
        dedup_key="end",
    )
    later = instant("2024-03-05T03:00:00Z")
    period_results_refresh_account(account=account, now=later)
    day.refresh_from_db()
    assert not day.stale
    (outage,) = day.result["requirements"][0]["outages"]
    assert outage == {
        "start": "2024-03-04T23:30:00Z",
        "end": "2024-03-05T02:00:00Z",
        "seconds": 9000.0,
    }


def test_changing_the_period_drops_the_old_periods(daily_service):
    account, service, sla = daily_service
    _range(account, service, sla)
    sla.period = "weekly"
    sla.save()
    assert not PeriodResult.objects.filter(sla=sla).exists()
    rows = _range(account, service, sla)
    assert [row.period_start for row in rows] == [
        instant("2024-02-26T00:00:00Z"),
        instant("2024-03-04T00:00:00Z"),
    ]


def test_a_period_that_starts_bad_is_announced(daily_service):
    account, service, sla = daily_service
    StatusEvent.objects.create(
        account=account,
        service=service,
        at=instant("2024-03-20T00:00:00Z"),
        state="CRIT",
        dedup_key="bad-start",
    )
    seen = []

    def listener(sender, **kwargs):
        seen.append((kwargs["old_state"], kwargs["new_state"]))

    sla_state_changed.connect(listener)
    try:
        sla_results_last(account=account, sla=sla, subject=Subject(service), count=3, now=NOW)
    finally:
        sla_state_changed.disconnect(listener)
    assert seen == [(None, "BROKEN")]  # past periods filled in are not announced
