"""The bulk path (3 queries, streamed) gives exactly the per-service results."""

import datetime as dt
import random

import pytest

from sla.engine import EventTimes, evaluate, iter_periods
from sla.engine.instants import to_micros
from sla.engine.timeline import prepare_events
from sla.models import PeriodResult, StatusEvent
from sla.selectors.bulk import services_inputs
from sla.selectors.definitions import sla_spec
from sla.selectors.inputs import downtime_intervals, service_events
from sla.services.results import period_results_compute_bulk
from tests.factories import AccountFactory, DowntimeFactory, ServiceFactory, ServiceGroupFactory
from tests.sla.sla_rows import sla_from_json

pytestmark = pytest.mark.django_db
START = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2024, 3, 8, tzinfo=dt.UTC)
NOW = dt.datetime(2024, 3, 10, tzinfo=dt.UTC)
SLA = {
    "period": "daily",
    "timezone": "Europe/Berlin",
    "time_period": {day: ["08:00-18:00"] for day in ("monday", "tuesday", "friday")},
    "requirements": [
        {
            "title": "A",
            "kind": "percentage",
            "state": "OK",
            "comparison": "min",
            "target": 99,
            "levels": {"warn": 50, "crit": 10},
        },
        {
            "title": "O",
            "kind": "outages",
            "state": "CRIT",
            "max_count": 1,
            "min_duration_seconds": 60,
        },
    ],
}


def _random_history(account, services, rng):
    rows = []
    for service in services:
        instant = START - dt.timedelta(days=rng.randint(0, 3), minutes=rng.randint(0, 600))
        while instant < NOW:
            rows.append(
                StatusEvent(
                    account=account,
                    service=service,
                    at=instant,
                    state=rng.choice(["OK", "OK", "OK", "WARN", "CRIT", "UNKNOWN"]),
                    dedup_key=f"{service.pk}:{len(rows)}",
                )
            )
            instant += dt.timedelta(minutes=rng.randint(1, 900))
    StatusEvent.objects.bulk_create(rows)


@pytest.fixture
def history():
    rng = random.Random(7)
    account = AccountFactory()
    group = ServiceGroupFactory(account=account)
    services = [
        ServiceFactory(account=account, group=group if index % 2 else None) for index in range(12)
    ]
    _random_history(account, services, rng)
    tied = services[0]
    for state in ("CRIT", "OK"):  # two events at the last instant before START: CRIT wins
        StatusEvent.objects.create(
            account=account,
            service=tied,
            at=START - dt.timedelta(seconds=1),
            state=state,
            dedup_key=f"tie-{state}",
        )
    DowntimeFactory(
        account=account,
        service=services[1],
        start=START + dt.timedelta(hours=9),
        end=START + dt.timedelta(hours=11),
    )
    DowntimeFactory(
        account=account,
        group=group,
        start=START + dt.timedelta(days=2, hours=8),
        end=START + dt.timedelta(days=2, hours=9),
    )
    DowntimeFactory(
        account=account,
        start=START + dt.timedelta(days=4),
        recurrence="weekly",
        end=None,
        weekdays=[0, 4],
        time_from=dt.time(9, 30),
        duration_minutes=45,
        timezone="Europe/Berlin",
    )
    return account, services, sla_from_json(account, SLA)


def test_inputs_match_the_per_service_selectors(history):
    account, services, _ = history
    bulk = {
        service.pk: (list(events.rows), sorted(downtimes.rows))
        for service, events, downtimes in services_inputs(
            account=account, services=services, start=START, end=NOW
        )
    }
    for service in services:
        events = service_events(account=account, service=service, start=START, end=NOW)
        downtimes = downtime_intervals(account=account, service=service, start=START, end=NOW)
        bulk_events, bulk_downtimes = bulk[service.pk]
        # Equal as the engine sees them (simultaneous events: the worst one wins).
        assert prepare_events(EventTimes(bulk_events)) == prepare_events(events)
        if service is services[0]:
            assert prepare_events(EventTimes(bulk_events))[1][0] == "CRIT"
        assert bulk_downtimes == [
            (to_micros(interval.start), to_micros(interval.end)) for interval in downtimes
        ]


def test_bulk_results_equal_per_service_results(history):
    account, services, sla = history
    periods = list(iter_periods(sla.period, sla.timezone, START, END))
    computed = period_results_compute_bulk(
        account=account, sla=sla, services=services, periods=periods, now=NOW
    )
    assert computed == len(services) * len(periods)
    spec = sla_spec(sla)
    for service in services:
        events = service_events(account=account, service=service, start=periods[0][0], end=NOW)
        downtimes = downtime_intervals(
            account=account, service=service, start=periods[0][0], end=NOW
        )
        expected = [
            result.to_json()
            for result in evaluate(spec, events, downtimes, periods[0][0], periods[-1][1], NOW)
        ]
        stored = PeriodResult.objects.filter(sla=sla, service=service).order_by("period_start")
        assert [row.result for row in stored] == expected


def test_bulk_refresh_replaces_rows_and_announces_changes(history):
    from sla.signals import sla_state_changed

    account, services, sla = history
    periods = list(iter_periods(sla.period, sla.timezone, START, END))
    period_results_compute_bulk(
        account=account, sla=sla, services=services, periods=periods, now=NOW
    )
    before = dict(PeriodResult.objects.filter(sla=sla).values_list("pk", "state"))
    assert "BROKEN" in before.values()
    sla.requirements.filter(kind="outages").delete()
    sla.requirements.update(target=0, level_warn=None, level_crit=None)
    sla.save()  # new revision
    seen = []
    receiver = lambda sender, **kwargs: seen.append(kwargs["new_state"])  # noqa: E731
    sla_state_changed.connect(receiver)
    try:
        period_results_compute_bulk(
            account=account, sla=sla, services=services, periods=periods, now=NOW
        )
    finally:
        sla_state_changed.disconnect(receiver)
    after = PeriodResult.objects.filter(sla=sla)
    assert after.count() == len(before)
    assert set(after.values_list("state", flat=True)) <= {"OK", "NODATA"}
    assert set(after.values_list("sla_revision", flat=True)) == {sla.revision}
    assert seen and set(seen) <= {"OK", "NODATA"}


INSTANTS = [
    dt.datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),  # before the wire's epoch
    dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 31, 1, 30, 0, 500_000, tzinfo=dt.UTC),  # Berlin DST night
    dt.datetime(2199, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
]


def _stream_of(account, service):
    start, end = INSTANTS[0] - dt.timedelta(days=1), INSTANTS[-1] + dt.timedelta(days=1)
    ((_, events, _),) = services_inputs(account=account, services=[service], start=start, end=end)
    return list(events.rows)


@pytest.mark.django_db(transaction=True)
def test_instants_arrive_to_the_microsecond_inside_and_outside_a_transaction():
    from django.db import transaction

    account = AccountFactory()
    service = ServiceFactory(account=account)
    for number, instant in enumerate(INSTANTS):
        StatusEvent.objects.create(
            account=account, service=service, at=instant, state="WARN", dedup_key=f"i{number}"
        )
    expected = [(to_micros(instant), "WARN") for instant in INSTANTS]
    assert _stream_of(account, service) == expected  # autocommit: a cursor WITH HOLD
    with transaction.atomic():
        assert _stream_of(account, service) == expected


def _numbered_chunks(log: list, fail_after: int | None = None):
    try:
        for number in range(5):
            if fail_after is not None and number == fail_after:
                raise RuntimeError("the database went away")
            yield [number]
    finally:
        log.append("closed")


def test_read_ahead_gives_every_chunk_in_order():
    from sla.selectors.bulk import _read_ahead

    log = []
    assert list(_read_ahead(_numbered_chunks(log))) == [[0], [1], [2], [3], [4]]
    assert log == ["closed"]


def test_read_ahead_stopped_early_closes_its_source_before_returning():
    from sla.selectors.bulk import _read_ahead

    log = []
    reader = _read_ahead(_numbered_chunks(log))
    assert next(reader) == [0]
    reader.close()  # the caller stops: the helper thread ends, the cursor is closed
    assert log == ["closed"]


def test_read_ahead_raises_the_readers_error_in_the_caller():
    from sla.selectors.bulk import _read_ahead

    log = []
    with pytest.raises(RuntimeError, match="went away"):
        list(_read_ahead(_numbered_chunks(log, fail_after=2)))
    assert log == ["closed"]
