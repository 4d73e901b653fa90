"""Periodic jobs: written to django-celery-beat idempotently, run in-process without Redis,
and singleton locks that make a second concurrent run skip."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from slaportal import periodic
from slaportal.locks import singleton_lock
from slaportal.periodic import InProcessScheduler, job_schedule, periodic_tasks_sync
from slaportal.schedule import PERIODIC_JOBS, PeriodicJob

pytestmark = pytest.mark.django_db


def test_declared_jobs_have_schedules_and_registered_tasks():
    from celery import current_app

    periodic.import_task_modules()
    assert PERIODIC_JOBS
    for job in PERIODIC_JOBS:
        assert job_schedule(job) is not None
        assert job.task in current_app.tasks, job.task


def test_setup_periodic_tasks_is_idempotent_and_removes_its_stale_entries(capsys):
    foreign = PeriodicTask.objects.create(
        name="someone else's",
        task="x.y",
        interval=IntervalSchedule.objects.create(every=9, period="seconds"),
    )
    stale = PeriodicTask.objects.create(
        name="slaportal: retired job", task="x.z", interval=IntervalSchedule.objects.get(every=9)
    )
    call_command("setup_periodic_tasks")
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {f"slaportal: {job.name}" for job in PERIODIC_JOBS} | {foreign.name} == names
    assert not PeriodicTask.objects.filter(pk=stale.pk).exists()
    rollups = PeriodicTask.objects.get(name="slaportal: sla-rollups")
    assert rollups.task == "sla.rollups_dispatch" and rollups.crontab.minute == "1-59/5"
    assert str(rollups.crontab.timezone) == "UTC" and rollups.interval is None
    counts = (PeriodicTask.objects.count(), CrontabSchedule.objects.count())
    call_command("setup_periodic_tasks")
    assert (PeriodicTask.objects.count(), CrontabSchedule.objects.count()) == counts
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_a_changed_schedule_is_updated_in_place():
    job = PeriodicJob(name="probe", task="sla.rollups_dispatch", every_seconds=60)
    periodic_tasks_sync([job])
    moved = PeriodicJob(name="probe", task="sla.rollups_dispatch", crontab="0 3 * * *")
    report = periodic_tasks_sync([moved])
    assert report["updated"] == ["slaportal: probe"]
    task = PeriodicTask.objects.get(name="slaportal: probe")
    assert task.interval is None and task.crontab.hour == "3"
    with pytest.raises(ValueError):
        periodic_tasks_sync([PeriodicJob(name="broken", task="x")])


def test_in_process_scheduler_runs_each_job_then_waits_for_its_schedule(monkeypatch):
    ran = []
    monkeypatch.setattr(periodic, "run_job", lambda job: ran.append(job.name) or True)
    jobs = [
        PeriodicJob(name="often", task="t.a", every_seconds=60),
        PeriodicJob(name="five", task="t.b", crontab="*/5 * * * *"),
    ]
    scheduler = InProcessScheduler(jobs=jobs)
    with time_machine.travel(dt.datetime(2024, 3, 4, 12, 1, tzinfo=dt.UTC), tick=False):
        assert scheduler.tick() == ["often", "five"]  # everything once at start-up
        assert scheduler.tick() == []
        assert 0 < scheduler.seconds_to_next() <= 60
    with time_machine.travel(dt.datetime(2024, 3, 4, 12, 2, 1, tzinfo=dt.UTC), tick=False):
        assert scheduler.tick() == ["often"]
    with time_machine.travel(dt.datetime(2024, 3, 4, 12, 5, 1, tzinfo=dt.UTC), tick=False):
        assert scheduler.tick() == ["often", "five"]
    assert ran == ["often", "five", "often", "often", "five"]


def test_run_job_logs_failures_instead_of_raising(caplog):
    assert (
        periodic.run_job(PeriodicJob(name="missing", task="no.such.task", every_seconds=5)) is False
    )
    assert "no.such.task" in caplog.text


def test_file_lock_without_redis_is_exclusive(settings, tmp_path):
    settings.REDIS_URL = None
    settings.VAR_DIR = tmp_path
    with singleton_lock("probe", timeout=5) as first:
        assert first is not None
        with singleton_lock("probe", timeout=5) as second:
            assert second is None
        first.refresh()
    with singleton_lock("probe", timeout=5) as again:
        assert again is not None


@pytest.mark.redis
def test_redis_lock_is_exclusive_and_expires(settings, redis_url):
    import uuid

    settings.REDIS_URL = redis_url
    name = f"probe-{uuid.uuid4().hex}"
    with singleton_lock(name, timeout=1) as first:
        assert first is not None
        with singleton_lock(name, timeout=1) as second:
            assert second is None
        first.refresh()
    with singleton_lock(name, timeout=1) as again:
        assert again is not None


def test_run_periodic_inprocess_once_with_only_runs_just_that_job(capsys):
    call_command("run_periodic_inprocess", "--once", "--only", "statuspage.refresh_ahead")
    assert capsys.readouterr().out.splitlines() == ["ran statuspage-refresh-ahead"]


def test_run_periodic_inprocess_names_an_unknown_job():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"--only: no periodic job runs sla\.nothing"):
        call_command("run_periodic_inprocess", "--once", "--only", "sla.nothing")
