"""Derived rows under a concurrent ingest, made deterministic: a test seam of the jobs
(sla.services.seams) commits an ingest from another database connection at exactly the
point between a job's read and its write. After that job and the next run (as the next
beat would start it), every derived table must equal a clean rebuild from the same events:
a second account given the final events at once.

Before the fixes, the rollup and the incidents refresh copied service marks to their groups
in a transaction of their own and forgot the member's change for good; the period-results
refresh wrote a row computed before the ingest as fresh; the SLO refresh cleared a dirty
mark the ingest had not moved (it moves marks only back) and never counted the event.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from sla import tasks
from sla.models import RollupMark, Service, ServiceGroup, SLADefinition
from sla.selectors.results import sla_results_for_range
from sla.services import seams
from sla.services.ingest import events_ingest
from sla.services.results import Subject, period_results_refresh_account
from sla.services.rollups import account_rollup, incidents_refresh_account
from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import (
    AccountFactory,
    AssignmentRuleFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    SLOFactory,
)
from tests.sla.derived_rows import derived_rows
from tests.sla.helpers import T0, in_another_connection, item

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.slow]
NOW = T0 + dt.timedelta(days=1, minutes=2)  # 2024-03-05 00:02: the 4th has ended

FIRST = [item("shop/web", 0, "OK"), item("shop/db", 0, "OK")]
LATE = [item("shop/db", 120, "CRIT"), item("shop/db", 150, "OK")]  # marks dirty from 02:00
# What the seam commits: before the marks' instants (the group range would not cover it),
# after them (an ingest does not move a mark forward), or in the running period.
EARLIER = [item("shop/web", 60, "CRIT"), item("shop/web", 70, "OK")]
LATER = [item("shop/web", 180, "WARN"), item("shop/web", 200, "OK")]


def setup_account():
    account = AccountFactory(timezone="Europe/Berlin")
    group = ServiceGroupFactory(account=account, name="shop", aggregation="worst")
    sla = SLADefinitionFactory(account=account, title="daily", period="daily")
    AssignmentRuleFactory(account=account, sla=sla, target="service", path_glob="*", position=0)
    AssignmentRuleFactory(account=account, sla=sla, target="group", path_glob="*", position=1)
    ingest(account, FIRST)
    Service.objects.filter(account=account).update(group=group)
    service = Service.objects.get(account=account, path="shop/web")
    SLOFactory(account=account, name="web up", service=service, window_days=7)
    SLOFactory(account=account, name="shop up", service=None, group=group, window_days=7)
    return account


def ingest(account, items):
    with time_machine.travel(NOW, tick=False):
        result = events_ingest(account=account, items=list(items))
    assert result.rejected == 0, result.as_dict()


def run_jobs(account):
    """Every job that derives rows, in the order that reaches each seam with work pending."""
    with time_machine.travel(NOW, tick=False):
        incidents_refresh_account(account=account, now=NOW)
        account_rollup(account=account, now=NOW)
        period_results_refresh_account(account=account, now=NOW)
        slo_buckets_refresh(account=account, now=NOW)
    read_results(account)


def read_results(account):
    """What a dashboard does: the results of the last two days (stored on first read)."""
    sla = SLADefinition.objects.get(account=account)
    subjects = [Subject(service=service) for service in Service.objects.filter(account=account)]
    subjects.append(Subject(group=ServiceGroup.objects.get(account=account)))
    for subject in subjects:
        sla_results_for_range(
            account=account, sla=sla, subject=subject, range_from=T0, range_to=NOW, now=NOW
        )


def ingest_at(monkeypatch, point: str, account, items) -> list:
    fired = []

    def seam(reached: str) -> None:
        if reached == point and not fired:
            fired.append(reached)
            in_another_connection(lambda: ingest(account, items))

    monkeypatch.setattr(seams, "between_read_and_write", seam)
    return fired


@pytest.mark.parametrize(
    ("point", "items"),
    [
        ("rollup:start", EARLIER),
        ("rollup:chunk", EARLIER),
        ("incidents:start", EARLIER),
        ("incidents:chunk", EARLIER),
        ("rollup:finish", EARLIER),
        ("incidents:finish", EARLIER),
        ("results:store", LATER),
        ("results:bulk_store", [item("shop/web", 1441, "CRIT")]),
        ("slo:store_range", LATER),
    ],
)
def test_an_ingest_committed_between_read_and_write_reaches_every_derived_table(
    monkeypatch, point, items
):
    # The jobs run only when the test says (an eager refresh after each ingest would hide
    # the window the seam opens).
    monkeypatch.setattr(tasks, "incidents_refresh_soon", lambda **kwargs: None)
    raced = setup_account()
    run_jobs(raced)
    ingest(raced, LATE)
    fired = ingest_at(monkeypatch, point, raced, items)
    run_jobs(raced)
    assert fired == [point]
    monkeypatch.setattr(seams, "between_read_and_write", seams._nothing)
    run_jobs(raced)  # the next beat

    clean = setup_account()
    ingest(clean, LATE + items)
    run_jobs(clean)
    raced_rows, clean_rows = derived_rows(raced), derived_rows(clean)
    for table, rows in clean_rows.items():
        assert raced_rows[table] == rows, f"{table} differs from a clean rebuild"
    assert not RollupMark.objects.filter(account=raced, dirty_from__isnull=False).exists()


@pytest.mark.parametrize("point", ["rollup:derived", "incidents:derived"])
def test_an_ingest_does_not_wait_for_a_chunk_to_commit(monkeypatch, point):
    """A chunk's transaction holds no row an ingest writes: the marks it handled are cleared
    after it commits (marks_finish), so an ingest of the same services goes through while
    the chunk is still open (here: paused just before its commit)."""
    monkeypatch.setattr(tasks, "incidents_refresh_soon", lambda **kwargs: None)
    raced = setup_account()
    run_jobs(raced)
    ingest(raced, LATE)

    def ingest_without_waiting():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        ingest(raced, same_service)

    fired = []

    def seam(reached: str) -> None:
        if reached == point and not fired:
            fired.append(reached)
            in_another_connection(ingest_without_waiting)

    # The same service as the chunk's pending mark (LATE), so the same mark row.
    same_service = [item("shop/db", 60, "CRIT"), item("shop/db", 70, "OK")]

    monkeypatch.setattr(seams, "between_read_and_write", seam)
    run_jobs(raced)
    assert fired == [point]
    monkeypatch.setattr(seams, "between_read_and_write", seams._nothing)
    run_jobs(raced)

    clean = setup_account()
    ingest(clean, LATE + same_service)
    run_jobs(clean)
    assert derived_rows(raced) == derived_rows(clean)
