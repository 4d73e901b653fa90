"""Concurrent stress on PostgreSQL: three processes ingest two days of shuffled, late and
duplicated events in small batches while a real Celery worker runs the rollup, the
incidents refresh, the period-results refresh and the SLO job over and over, and this
process reads SLA results as a dashboard does. Afterwards every derived table equals a
clean rebuild from the same events: zero differences.
"""

import datetime as dt
import json
import random
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone

from sla import tasks
from sla.models import RollupMark, Service, ServiceGroup, SLADefinition
from sla.selectors.results import sla_results_for_range
from sla.services.imports import services_import
from sla.services.ingest import events_ingest
from sla.services.results import Subject, period_results_refresh_account
from sla.services.rollups import account_rollup, incidents_refresh_account
from sla.services.slo_buckets import slo_buckets_refresh
from sla.slo_tasks import slo_minutely
from tests.factories import AccountFactory, AssignmentRuleFactory, SLADefinitionFactory, SLOFactory
from tests.sla.derived_rows import derived_rows
from tests.sla.helpers import iso
from tests.sla.worker_process import ROOT, Worker, require_postgres

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]
SERVICES = {
    "pay/api": "pay",
    "pay/db": "pay",
    "shop/web": "shop",
    "shop/cart": "shop",
    "solo": None,
}
STATES = ["OK", "OK", "OK", "WARN", "CRIT", "UNKNOWN"]
INGESTERS = 3


def history(rng: random.Random, start: dt.datetime, end: dt.datetime) -> list[dict]:
    events = []
    for path in SERVICES:
        instant = start + dt.timedelta(seconds=rng.randrange(0, 600))
        count = 0
        while instant < end:
            event = {"service": path, "at": iso(instant), "state": rng.choice(STATES)}
            if rng.random() < 0.5:
                event["id"] = f"{path}-{count}"
            events.append(event)
            instant += dt.timedelta(seconds=rng.randrange(60, 1500))
            count += 1
    return events


def prepare(slug: str):
    account = AccountFactory(slug=slug, timezone="Europe/Berlin", feature_sla=True)
    documents = [{"path": path, "slaGroup": group} for path, group in SERVICES.items()]
    assert not services_import(account=account, documents=documents).errors
    ServiceGroup.objects.filter(account=account, name="shop").update(aggregation="best")
    sla = SLADefinitionFactory(account=account, title="daily", period="daily")
    AssignmentRuleFactory(account=account, sla=sla, target="service", path_glob="*", position=0)
    AssignmentRuleFactory(account=account, sla=sla, target="group", path_glob="*", position=1)
    SLOFactory(
        account=account,
        name="web",
        service=Service.objects.get(account=account, path="shop/web"),
        window_days=2,
    )
    SLOFactory(
        account=account,
        name="pay",
        service=None,
        group=ServiceGroup.objects.get(account=account, name="pay"),
        window_days=2,
    )
    return account


def read_results(account, start, now) -> None:
    sla = SLADefinition.objects.get(account=account)
    subjects = [Subject(service=service) for service in Service.objects.filter(account=account)]
    subjects += [Subject(group=group) for group in ServiceGroup.objects.filter(account=account)]
    for subject in subjects:
        sla_results_for_range(
            account=account, sla=sla, subject=subject, range_from=start, range_to=now, now=now
        )


def run_jobs_here(account, start, now) -> None:
    incidents_refresh_account(account=account, now=now)
    account_rollup(account=account, now=now)
    period_results_refresh_account(account=account, now=now)
    slo_buckets_refresh(account=account, now=now)
    read_results(account, start, now)


def batches_for(rng: random.Random, events: list[dict]) -> list[list[dict]]:
    """Shuffled small batches (most events arrive roughly in time, some late), with a few
    duplicates of events already sent."""
    ordered = sorted(events, key=lambda event: (event["at"], rng.random()))
    late = rng.sample(ordered, k=len(ordered) // 10)
    late_ids = {id(event) for event in late}
    timely = [event for event in ordered if id(event) not in late_ids]
    batches, offset = [], 0
    while offset < len(timely):
        size = rng.randint(5, 40)
        batches.append(timely[offset : offset + size])
        offset += size
    for event in late:
        batches[rng.randrange(len(batches))].append(event)
    for batch in batches:
        if rng.random() < 0.2:
            batch.extend(rng.choices(ordered, k=3))
        rng.shuffle(batch)
    return [batch for batch in batches if batch]


@pytest.fixture
def worker(tmp_path, redis_url, not_eager):
    require_postgres()
    running = Worker(tmp_path, redis_url, pool_args=("--pool", "threads", "--concurrency", "3"))
    running.start("--without-gossip", "--without-mingle", "--without-heartbeat")
    yield running
    running.stop()


def test_concurrent_ingest_and_jobs_on_a_worker_equal_a_clean_rebuild(
    tmp_path, worker, monkeypatch
):
    # This process's own ingests (the clean account) send nothing to the broker.
    monkeypatch.setattr(tasks, "incidents_refresh_soon", lambda **kwargs: None)
    rng = random.Random(12)
    now = timezone.now().replace(microsecond=0)
    start = (now - dt.timedelta(days=2)).replace(hour=0, minute=0, second=0)
    events = history(rng, start, now - dt.timedelta(minutes=1))
    raced = prepare("raced")
    batches = batches_for(rng, events)
    ingesters = []
    for index in range(INGESTERS):
        path = tmp_path / f"batches-{index}.json"
        path.write_text(json.dumps(batches[index::INGESTERS]))
        ingesters.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.sla.stress_ingest", str(raced.pk), str(path)],
                cwd=ROOT,
                env=worker.env,
            )
        )
    rounds = 0
    while any(process.poll() is None for process in ingesters):
        for task, args in (
            (tasks.incidents_refresh, (raced.pk,)),
            (tasks.rollup_account, (raced.pk,)),
            (tasks.refresh_period_results_account, (raced.pk,)),
            (slo_minutely, ()),
        ):
            if worker.queued() < 8:
                task.apply_async(args=args, queue=worker.queue)
        read_results(raced, start, timezone.now())  # a dashboard, beside the worker
        rounds += 1
        time.sleep(0.2)
    assert [process.wait() for process in ingesters] == [0] * INGESTERS
    # The worker catches up with what is queued, then stops.
    deadline = time.monotonic() + 60
    while worker.queued() and time.monotonic() < deadline:
        time.sleep(0.2)
    tasks.rollup_account.apply_async(args=(raced.pk,), queue=worker.queue)
    while worker.queued() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    worker.stop()
    assert rounds > 5, "the jobs ran too few times beside the ingest"
    worker_log = worker.log.read_text()
    assert "Traceback" not in worker_log, worker_log[-3000:]

    # One more pass of every job at a fixed instant (the next beat); then the same events
    # pushed at once into a second account, derived from scratch at that instant.
    final = timezone.now() + dt.timedelta(seconds=1)
    run_jobs_here(raced, start, final)
    clean = prepare("clean")
    for offset in range(0, len(events), 1000):
        assert events_ingest(account=clean, items=events[offset : offset + 1000]).rejected == 0
    run_jobs_here(clean, start, final)
    assert not RollupMark.objects.filter(account=raced, dirty_from__isnull=False).exists()
    raced_rows, clean_rows = derived_rows(raced), derived_rows(clean)
    assert clean_rows["snapshots"] and clean_rows["incidents"] and clean_rows["period_results"]
    assert clean_rows["slo_hours"]
    for table, rows in clean_rows.items():
        differences = set(raced_rows[table]) ^ set(rows)
        examples = sorted(differences, key=str)[:4]
        assert not differences, f"{table}: {len(differences)} rows differ, e.g. {examples}"
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
