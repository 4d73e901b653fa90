"""Stored period results under a concurrent ingest, made deterministic with the test seams
(sla.services.seams): an ingest commits from another connection after a writer checked the
history sequences at store time and before it commits. The ingest's own stale marking
cannot see a row the writer is inserting (uncommitted), and the writer's check did not see
the ingest: before the fix the new row stayed fresh without the event, for good.

The fix: the ingest also moves `RollupMark.results_from` back, readers treat a completed
row ending after it as outdated, and the periodic refresh applies (marks stale) and then
clears it, only if the mark's sequence did not move meanwhile (compare-and-clear).
"""

import datetime as dt
import random
import threading

import pytest
import time_machine
from django.db import connection

from reporting.selectors.dashboard import period_results_rows, sla_assignments
from sla import tasks
from sla.models import RollupMark, Service, ServiceGroup, SLADefinition
from sla.selectors.results import sla_results_for_range
from sla.services import seams
from sla.services.ingest import events_ingest
from sla.services.results import (
    Subject,
    period_results_compute_bulk,
    period_results_refresh_account,
)
from tests.factories import (
    AccountFactory,
    AssignmentRuleFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
)
from tests.sla.derived_rows import derived_rows
from tests.sla.helpers import T0, in_another_connection, item

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
NOW = T0 + dt.timedelta(days=1, minutes=2)  # 2024-03-05 00:02 UTC: the 4th (Berlin) ended
DAY4 = (dt.datetime(2024, 3, 3, 23, tzinfo=dt.UTC), dt.datetime(2024, 3, 4, 23, tzinfo=dt.UTC))

FIRST = [item("shop/web", 0, "OK"), item("shop/db", 0, "OK")]
# What the seam commits: an outage of web on the 4th, a period the writer stores new.
RACED = [item("shop/web", 600, "CRIT"), item("shop/web", 630, "OK")]


@pytest.fixture(autouse=True)
def _jobs_only_when_asked(monkeypatch):
    # An eager incidents refresh after each ingest would only add noise here.
    monkeypatch.setattr(tasks, "incidents_refresh_soon", lambda **kwargs: None)


def setup_account():
    account = AccountFactory(timezone="Europe/Berlin")
    group = ServiceGroupFactory(account=account, name="shop", aggregation="worst")
    sla = SLADefinitionFactory(
        account=account, title="daily", period="daily", timezone="Europe/Berlin"
    )
    AssignmentRuleFactory(account=account, sla=sla, target="service", path_glob="*", position=0)
    AssignmentRuleFactory(account=account, sla=sla, target="group", path_glob="*", position=1)
    ingest(account, FIRST)
    Service.objects.filter(account=account).update(group=group)
    return account


def ingest(account, items):
    with time_machine.travel(NOW, tick=False):
        result = events_ingest(account=account, items=list(items))
    assert result.rejected == 0, result.as_dict()


def subject_of(account, kind: str) -> Subject:
    if kind == "group":
        return Subject(group=ServiceGroup.objects.get(account=account))
    return Subject(service=Service.objects.get(account=account, path="shop/web"))


def served(account, kind: str) -> list[tuple]:
    """What the API and the pages serve for the subject: the figures of the 4th and 5th."""
    sla = SLADefinition.objects.get(account=account)
    with time_machine.travel(NOW, tick=False):
        rows = sla_results_for_range(
            account=account,
            sla=sla,
            subject=subject_of(account, kind),
            range_from=T0,
            range_to=NOW,
            now=NOW,
        )
    return [(row.period_start, row.complete, row.state, row.result) for row in rows]


def refresh(account):
    with time_machine.travel(NOW, tick=False):
        period_results_refresh_account(account=account, now=NOW)


def ingest_at(monkeypatch, point: str, account, items) -> list:
    fired = []

    def seam(reached: str) -> None:
        if reached == point and not fired:
            fired.append(reached)
            in_another_connection(lambda: ingest(account, items))

    monkeypatch.setattr(seams, "between_read_and_write", seam)
    return fired


def no_seam(monkeypatch):
    monkeypatch.setattr(seams, "between_read_and_write", seams._nothing)


def pending_marks(account) -> int:
    return RollupMark.objects.for_account(account).filter(results_from__isnull=False).count()


def clean_rebuild(items, kind: str):
    """A second account given the same events at once, read the same way."""
    clean = setup_account()
    ingest(clean, items)
    return clean, served(clean, kind)


@pytest.mark.parametrize("kind", ["service", "group"])
def test_an_ingest_committing_after_the_store_check_is_not_lost(monkeypatch, kind):
    raced = setup_account()
    fired = ingest_at(monkeypatch, "results:stored", raced, RACED)
    served(raced, kind)  # the first read stores the 4th (a new row); the seam ingests
    assert fired == ["results:stored"]
    no_seam(monkeypatch)

    clean, expected = clean_rebuild(RACED, kind)
    assert served(raced, kind) == expected, "a figure computed without the event is served"

    refresh(raced)  # the next beat: applies and clears the marks
    refresh(clean)
    assert served(raced, kind) == served(clean, kind)
    assert derived_rows(raced)["period_results"] == derived_rows(clean)["period_results"]
    assert pending_marks(raced) == 0


def dashboard_periods(account) -> list:
    with time_machine.travel(NOW, tick=False):
        assignments = sla_assignments(account=account)
        pairs = [
            (service, sla)
            for sla, services in assignments.by_sla.items()
            for service in services
            if service.path == "shop/web"
        ]
        rows = period_results_rows(
            account=account, assignments=assignments, pairs=pairs, now=NOW, last=2
        )
    periods = rows[0]["periods"]
    return [(period["start"], period["state"], period["requirements"]) for period in periods]


def compute_day4_in_bulk(account):
    sla = SLADefinition.objects.get(account=account)
    services = list(Service.objects.filter(account=account).order_by("path"))
    with time_machine.travel(NOW, tick=False):
        period_results_compute_bulk(
            account=account, sla=sla, services=services, periods=[DAY4], now=NOW
        )


def test_a_bulk_store_overtaken_after_its_check_is_not_served(monkeypatch):
    raced = setup_account()
    fired = ingest_at(monkeypatch, "results:bulk_stored", raced, RACED)
    compute_day4_in_bulk(raced)  # new rows of both services; the seam ingests
    assert fired == ["results:bulk_stored"]
    no_seam(monkeypatch)

    clean = setup_account()
    ingest(clean, RACED)
    compute_day4_in_bulk(clean)
    assert dashboard_periods(raced) == dashboard_periods(clean)
    assert served(raced, "service") == served(clean, "service")

    refresh(raced)
    refresh(clean)
    assert derived_rows(raced)["period_results"] == derived_rows(clean)["period_results"]
    assert pending_marks(raced) == 0


def test_an_ingest_between_apply_and_clear_keeps_the_mark(monkeypatch):
    raced = setup_account()
    served(raced, "service")
    ingest(raced, [item("shop/db", 120, "CRIT"), item("shop/db", 150, "OK")])
    late = [item("shop/db", 300, "WARN"), item("shop/db", 310, "OK")]
    fired = ingest_at(monkeypatch, "results:clear", raced, late)
    refresh(raced)
    assert fired == ["results:clear"]
    db_mark = RollupMark.objects.get(account=raced, service__path="shop/db")
    assert db_mark.results_from is not None, "cleared a mark an ingest moved meanwhile"
    no_seam(monkeypatch)

    refresh(raced)
    assert pending_marks(raced) == 0
    clean, _ = clean_rebuild(
        [item("shop/db", 120, "CRIT"), item("shop/db", 150, "OK"), *late], "service"
    )
    refresh(clean)
    for kind in ("service", "group"):
        assert served(raced, kind) == served(clean, kind)
    assert derived_rows(raced)["period_results"] == derived_rows(clean)["period_results"]


def _batches(seed: int) -> list[list[dict]]:
    """Small ingest batches over the 4th and 5th, a seeded shuffle of one fixed set."""
    chooser = random.Random(seed)
    events = []
    for path in ("shop/web", "shop/db"):
        for minute in range(30, 1440, 45):
            state = chooser.choice(["OK", "OK", "WARN", "CRIT"])
            events.append(item(path, minute, state))
    chooser.shuffle(events)
    return [events[index : index + 3] for index in range(0, len(events), 3)]


def _run_threads(targets) -> None:
    failures = []

    def wrap(work):
        def target():
            try:
                work()
            except BaseException as error:
                failures.append(error)
            finally:
                connection.close()

        return target

    threads = [threading.Thread(target=wrap(work)) for work in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs (deadlock?)"
    if failures:
        raise failures[0]


def test_ingests_refreshes_and_reads_together_end_as_a_clean_rebuild():
    raced = setup_account()
    batches = _batches(seed=12)

    def ingester(share):
        return lambda: [ingest(raced, batch) for batch in share]

    def refresher():
        for _ in range(4):
            refresh(raced)

    def reader():
        for _ in range(4):
            for kind in ("service", "group"):
                served(raced, kind)
            compute_day4_in_bulk(raced)

    shares = [batches[index::3] for index in range(3)]
    _run_threads([*(ingester(share) for share in shares), refresher, reader])
    for kind in ("service", "group"):
        served(raced, kind)
    refresh(raced)

    clean = setup_account()
    ingest(clean, [event for batch in batches for event in batch])
    for kind in ("service", "group"):
        served(clean, kind)
    compute_day4_in_bulk(clean)
    refresh(clean)
    assert pending_marks(raced) == 0
    for kind in ("service", "group"):
        assert served(raced, kind) == served(clean, kind)
    assert derived_rows(raced)["period_results"] == derived_rows(clean)["period_results"]
